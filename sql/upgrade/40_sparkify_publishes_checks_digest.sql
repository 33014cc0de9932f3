-- description: Add checks_digest to a sparkify_publishes made before the column existed.
--
-- Run by the publish, in its transaction, only when the control table lacks the column
-- (older rows keep NULL there: the next incremental publish then checks every row).
ALTER TABLE sparkify_publishes ADD COLUMN checks_digest VARCHAR(64);
