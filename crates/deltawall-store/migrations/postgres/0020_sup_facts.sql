-- Per-institution facts kept up to date on write (issue 19), so the supervisor's ranking
-- and home read one row per institution instead of every assessment revision and every
-- request task. Written in the same transaction as the writes that change them
-- (`sup_facts.rs`): a submitted assessment or a result appended to one refreshes
-- `posture`; a task assigned or moved refreshes `outstanding`. Filled from the existing
-- rows when this migration is applied.
--
-- posture: the latest answers of the latest submitted assessment grouped by catalog
--   element, as a JSON array of {element, assessed, partial, not_met}; NULL when the
--   institution has no submitted assessment.
-- outstanding: the deadlines (Unix µs) of the request tasks still owed (assigned, in
--   progress or returned), ascending, as a JSON array; how many are late depends on the
--   time of reading, so the reader counts those before it.
CREATE TABLE sup_org_facts (
    org_id        TEXT PRIMARY KEY REFERENCES organisations(id),
    assessment_id TEXT REFERENCES assessments(id),
    posture       TEXT,
    outstanding   TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- The answers waiting for review on the supervisor's home, oldest first.
CREATE INDEX sup_request_tasks_state ON sup_request_tasks(state, updated_at);
