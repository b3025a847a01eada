-- Each task carries the revision of its batch at its last visible change, so that a live stream
-- (on any process) reads what changed after the last revision it sent. NULL marks a task changed
-- by the running transaction; the batch's recount stamps it before the commit.
ALTER TABLE batch_tasks ADD COLUMN revision BIGINT DEFAULT 0;
-- The provider's last reported progress of a running task, written at most once a second.
ALTER TABLE batch_tasks ADD COLUMN progress DOUBLE PRECISION;
-- A stream reads a batch's tasks changed after a revision.
CREATE INDEX batch_tasks_revision ON batch_tasks (queue_id, revision);
