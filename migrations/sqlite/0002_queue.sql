-- The durable queue: attempts, backoff, leases, charges, versions of each result, and the
-- users' own provider keys.

ALTER TABLE batch_queues ADD COLUMN used_user_key INTEGER NOT NULL DEFAULT 0;

ALTER TABLE batch_tasks ADD COLUMN position      INTEGER NOT NULL DEFAULT 0;
-- Attempts in the current budget (a manual retry starts a fresh one); retry_count counts the
-- automatic retries of that budget.
ALTER TABLE batch_tasks ADD COLUMN attempts      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batch_tasks ADD COLUMN next_run_at   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batch_tasks ADD COLUMN lease_owner   TEXT;
ALTER TABLE batch_tasks ADD COLUMN lease_until   INTEGER;
-- Credits charged for the run waiting to start; refunded if it is cancelled before starting.
ALTER TABLE batch_tasks ADD COLUMN charge        INTEGER NOT NULL DEFAULT 0;
-- The image a run starts from: the upload, or the latest result for an edit.
ALTER TABLE batch_tasks ADD COLUMN source        TEXT    NOT NULL DEFAULT 'original'
    CHECK (source IN ('original', 'result'));
ALTER TABLE batch_tasks ADD COLUMN original_mime TEXT    NOT NULL DEFAULT 'application/octet-stream';
ALTER TABLE batch_tasks ADD COLUMN version       INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batch_tasks ADD COLUMN started_at    INTEGER;
ALTER TABLE batch_tasks ADD COLUMN finished_at   INTEGER;

CREATE INDEX batch_tasks_claim ON batch_tasks (status, next_run_at, queue_id, position);

-- Every generated image of a task; generated_image_url on the task is the latest.
CREATE TABLE task_versions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id     INTEGER NOT NULL REFERENCES batch_tasks (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    prompt      TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    image_key   TEXT    NOT NULL,
    image_mime  TEXT    NOT NULL,
    duration_ms INTEGER NOT NULL,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (task_id, version)
);

CREATE TABLE user_provider_keys (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider   TEXT    NOT NULL,
    nonce      BLOB    NOT NULL,
    ciphertext BLOB    NOT NULL,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (user_id, provider)
);
