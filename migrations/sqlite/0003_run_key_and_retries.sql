-- Which key a run is charged for is decided with its charge and kept on the task (and on the
-- version it produces): a run charged nothing may only use the user's own key.

ALTER TABLE batch_tasks ADD COLUMN use_user_key INTEGER NOT NULL DEFAULT 0;
UPDATE batch_tasks
   SET use_user_key = (SELECT q.used_user_key FROM batch_queues q WHERE q.id = batch_tasks.queue_id);
ALTER TABLE task_versions ADD COLUMN used_user_key INTEGER NOT NULL DEFAULT 0;

-- Manual retries re-run a failed task for free, so each task has a bounded number of them.
ALTER TABLE batch_tasks ADD COLUMN manual_retries INTEGER NOT NULL DEFAULT 0;
