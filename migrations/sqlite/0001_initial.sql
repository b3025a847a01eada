-- Accounts, sessions and API tokens, credits, settings, presets and the batch queue.
-- Timestamps meant for people are ISO-8601 UTC text; those the server compares are Unix seconds.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    credits       INTEGER NOT NULL DEFAULT 0 CHECK (credits >= 0),
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Session cookies and bearer tokens; only a SHA-256 of each token is kept.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT    NOT NULL UNIQUE,
    expires_at   INTEGER NOT NULL,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Every change of a balance; users.credits always equals the sum of a user's rows.
CREATE TABLE credit_ledger (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    delta         INTEGER NOT NULL,
    balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
    reason        TEXT    NOT NULL,
    queue_id      INTEGER REFERENCES batch_queues (id) ON DELETE SET NULL,
    task_id       INTEGER REFERENCES batch_tasks (id) ON DELETE SET NULL,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX credit_ledger_user ON credit_ledger (user_id, id);

CREATE TABLE system_config (
    config_key   TEXT PRIMARY KEY,
    config_value TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO system_config (config_key, config_value, description)
VALUES ('batch_concurrency', '3', 'Provider calls running at once across the deployment (1-10)');

CREATE TABLE preset_prompts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    title      TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    category   TEXT    NOT NULL DEFAULT 'general',
    sort_order INTEGER NOT NULL DEFAULT 0,
    is_active  INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO preset_prompts (title, content, category, sort_order) VALUES
    ('High-definition enhance', 'masterpiece, best quality, ultra detailed, 8k resolution', 'quality', 10),
    ('Watercolor painting', 'turn the photo into a soft watercolor painting, gentle washes, paper texture', 'style', 20),
    ('Clean product shot', 'studio product photo, pure white background, soft shadow, sharp focus', 'product', 30);

CREATE TABLE batch_queues (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    batch_name       TEXT    NOT NULL,
    prompt           TEXT    NOT NULL,
    model            TEXT    NOT NULL,
    total_images     INTEGER NOT NULL,
    completed_images INTEGER NOT NULL DEFAULT 0,
    failed_images    INTEGER NOT NULL DEFAULT 0,
    status           TEXT    NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX batch_queues_user ON batch_queues (user_id, id DESC);

CREATE TABLE batch_tasks (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id            INTEGER NOT NULL REFERENCES batch_queues (id) ON DELETE CASCADE,
    user_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    original_image_url  TEXT    NOT NULL,
    original_filename   TEXT    NOT NULL,
    prompt              TEXT    NOT NULL,
    model               TEXT    NOT NULL,
    generated_image_url TEXT,
    status              TEXT    NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
    error_message       TEXT,
    retry_count         INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX batch_tasks_queue ON batch_tasks (queue_id, id);
CREATE INDEX batch_tasks_status ON batch_tasks (status, queue_id, id);
