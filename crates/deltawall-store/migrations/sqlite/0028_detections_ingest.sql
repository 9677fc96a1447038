-- Detections ingest (issue 13): the detections table drops its foreign key to
-- organisations, as on PostgreSQL, where checking it row by row cost a third of a batch's
-- CPU (docs/BENCHMARKS.md, "Detections ingest on PostgreSQL"). The institution of a
-- detection is always the authenticated caller's own, and organisations are never deleted.
-- SQLite cannot drop a constraint: the table is rebuilt with the same columns and indexes.
CREATE TABLE detections_new (
    org_id      TEXT NOT NULL,
    id          TEXT NOT NULL,
    rule_key    TEXT NOT NULL,
    title       TEXT NOT NULL,
    level       TEXT,
    kind        TEXT NOT NULL,
    group_key   TEXT NOT NULL,
    first_seen  BIGINT,
    last_seen   BIGINT,
    event_count BIGINT,
    raw         TEXT NOT NULL,
    status      TEXT NOT NULL,
    assignee    TEXT,
    case_id     TEXT REFERENCES incidents(id),
    received_at BIGINT NOT NULL,
    received_by TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);
INSERT INTO detections_new (org_id, id, rule_key, title, level, kind, group_key, first_seen,
    last_seen, event_count, raw, status, assignee, case_id, received_at, received_by, updated_at)
SELECT org_id, id, rule_key, title, level, kind, group_key, first_seen,
    last_seen, event_count, raw, status, assignee, case_id, received_at, received_by, updated_at
FROM detections;
DROP TABLE detections;
ALTER TABLE detections_new RENAME TO detections;
CREATE INDEX detections_inbox ON detections(org_id, status, received_at);
CREATE INDEX detections_rule ON detections(org_id, rule_key, group_key);
