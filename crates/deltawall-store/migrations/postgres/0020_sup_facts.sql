-- Per-institution facts kept up to date on write (issue 19), so the supervisor's ranking
-- and home read one row per institution (and per deadline owed) instead of every
-- assessment revision and every request task. Written in the same transaction as the
-- writes that change them (`sup_facts.rs`): a submitted assessment or a result appended to
-- one refreshes the posture; a task assigned or moved refreshes what its institution owes.
-- Filled from the existing rows when this migration is applied.
--
-- posture: the latest answers of the latest submitted assessment grouped by catalog
--   element, as a JSON array of {element, assessed, partial, not_met}; NULL when the
--   institution has no submitted assessment.
CREATE TABLE sup_org_facts (
    org_id        TEXT PRIMARY KEY REFERENCES organisations(id),
    assessment_id TEXT REFERENCES assessments(id),
    posture       TEXT,
    updated_at    BIGINT NOT NULL
);

-- The request tasks each institution still owes (assigned, in progress or returned),
-- counted per request deadline. Which are late depends on the time of reading, so readers
-- count the rows with a deadline before their instant.
CREATE TABLE sup_org_owed (
    org_id    TEXT NOT NULL REFERENCES organisations(id),
    deadline  BIGINT NOT NULL,
    tasks     BIGINT NOT NULL,
    PRIMARY KEY (org_id, deadline)
);
CREATE INDEX sup_org_owed_deadline ON sup_org_owed(deadline, org_id);

-- The answers waiting for review on the supervisor's home, oldest first.
CREATE INDEX sup_request_tasks_state ON sup_request_tasks(state, updated_at);
