-- Names are looked up as lower(username) = lower(?), the same statement on SQLite and
-- PostgreSQL; this index serves that lookup here as users_username serves it there.
CREATE INDEX users_username_lower ON users (lower(username));
