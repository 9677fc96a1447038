-- The regulator-report stages owed on each open incident case, kept on write (issues 13
-- and 19), so the supervisor's incident board counts running and overdue reports in SQL
-- and lists the most urgent ones by an index instead of computing every open case's clocks
-- on each read. Written in the transaction of every write that moves a case's clocks
-- (`incidents/board_kept.rs`): a case opened or changed, a report submitted, a decision not
-- to report. Filled from the existing rows when this migration is applied.
--
-- One row per (case, regime, stage) whose clock has a deadline and is neither met nor
-- decided against, for cases that are open, not exercises and have a case document.
-- Whether a row is overdue depends on the time of reading: readers compare due_at with
-- their own instant.
CREATE TABLE incident_board_due (
    case_id  TEXT NOT NULL REFERENCES incidents(id),
    org_id   TEXT NOT NULL REFERENCES organisations(id),
    regime   TEXT NOT NULL,
    stage    TEXT NOT NULL,
    due_at   BIGINT NOT NULL,
    PRIMARY KEY (case_id, regime, stage)
);
CREATE INDEX incident_board_due_at ON incident_board_due(due_at);
CREATE INDEX incident_board_due_org ON incident_board_due(org_id, due_at);
