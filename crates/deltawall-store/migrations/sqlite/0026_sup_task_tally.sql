-- The request tasks of the sector counted per request deadline, business type, region and
-- task state, kept up to date on write (issue 19), so the sector figures' completion chart
-- reads these counts instead of joining and grouping every task. Only institutions with a
-- business type and a region are counted. Changed in the same transaction as the writes
-- (`sup_tally.rs`): a task added or moved to another state, an institution's business type
-- or region changed. A count that falls to zero is deleted. Filled from the existing tasks
-- when this migration is applied.
CREATE TABLE sup_task_tally (
    deadline      BIGINT NOT NULL,
    business_type TEXT NOT NULL,
    region        TEXT NOT NULL,
    state         TEXT NOT NULL,
    tasks         BIGINT NOT NULL,
    PRIMARY KEY (deadline, business_type, region, state)
);
CREATE INDEX sup_task_tally_region ON sup_task_tally(region);
