-- Grows with every change of a batch or its tasks, so that a process can tell that another one
-- sharing the database changed a batch its live streams watch.
ALTER TABLE batch_queues ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
