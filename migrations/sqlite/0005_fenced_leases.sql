-- Every claim of a task takes the next fence; a run's writes name the fence it was given, so a
-- run whose lease lapsed and whose task was claimed again (by any process, itself included)
-- writes nothing.
ALTER TABLE batch_tasks ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;

-- The claim finds the users with waiting work and each one's oldest task by seeks on this index.
CREATE INDEX batch_tasks_user_queue ON batch_tasks (status, user_id, queue_id, position);
