-- Every claim of a task takes the next fence; a run's writes name the fence it was given, so a
-- run whose lease lapsed and whose task was claimed again (by any process, itself included)
-- writes nothing.
ALTER TABLE batch_tasks ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;

-- The claim picks the user with the fewest running tasks, then that user's oldest waiting one.
CREATE INDEX batch_tasks_user_status ON batch_tasks (user_id, status, queue_id, position);
