-- The claim takes each user's due tasks in (queue_id, position, id) order: with id in the index
-- (SQLite's indexes end in the rowid already) the scan returns them in that order and stops after
-- the room's worth, instead of sorting every waiting task of the user.
DROP INDEX batch_tasks_user_queue;
CREATE INDEX batch_tasks_user_queue ON batch_tasks (status, user_id, queue_id, position, id);
