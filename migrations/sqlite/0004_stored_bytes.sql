-- Sizes of stored images, for the per-user storage quota. Rows from before count as 0 bytes.
ALTER TABLE batch_tasks ADD COLUMN original_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE task_versions ADD COLUMN image_bytes INTEGER NOT NULL DEFAULT 0;
