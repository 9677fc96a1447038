-- Posture: catalogs (immutable editions), catalog migration maps, assessments and their
-- append-only result revisions, evidence, the risk register, findings with their
-- append-only history and remediation milestones. Dates are `YYYY-MM-DD` text; times are
-- Unix microseconds; JSON is text.

CREATE TABLE catalogs (
    id          TEXT PRIMARY KEY,
    catalog_key TEXT NOT NULL,
    version     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    document    TEXT NOT NULL,
    imported_by TEXT,
    created_at  BIGINT NOT NULL,
    UNIQUE (catalog_key, version)
);

CREATE TABLE catalog_migrations (
    id               TEXT PRIMARY KEY,
    from_catalog     TEXT NOT NULL REFERENCES catalogs(id),
    to_catalog       TEXT NOT NULL REFERENCES catalogs(id),
    from_requirement TEXT,
    to_requirement   TEXT,
    change           TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX catalog_migrations_pair ON catalog_migrations(from_catalog, to_catalog);

CREATE TABLE assessments (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    catalog_id   TEXT NOT NULL REFERENCES catalogs(id),
    kind         TEXT NOT NULL,
    scope        TEXT NOT NULL,
    as_of        TEXT NOT NULL,
    cycle        BIGINT NOT NULL,
    previous_id  TEXT REFERENCES assessments(id),
    status       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    submitted_at BIGINT
);
CREATE INDEX assessments_org ON assessments(org_id, as_of);

CREATE TABLE evidence (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    collected_on    TEXT NOT NULL,
    effective_from  TEXT,
    effective_to    TEXT,
    owner           TEXT NOT NULL,
    tlp             TEXT NOT NULL,
    retention_until TEXT,
    supersedes      TEXT REFERENCES evidence(id),
    uploaded_by     TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    content         BLOB NOT NULL
);
CREATE INDEX evidence_org ON evidence(org_id, created_at);

CREATE TABLE assessment_results (
    id             TEXT PRIMARY KEY,
    assessment_id  TEXT NOT NULL REFERENCES assessments(id),
    requirement_id TEXT NOT NULL,
    revision       BIGINT NOT NULL,
    result         TEXT NOT NULL,
    justification  TEXT,
    maturity       BIGINT,
    rationale      TEXT NOT NULL,
    confidence     TEXT NOT NULL,
    evidence_refs  TEXT NOT NULL,
    carried        INTEGER NOT NULL,
    answered_by    TEXT NOT NULL,
    reviewed_by    TEXT,
    recorded_at    BIGINT NOT NULL,
    UNIQUE (assessment_id, requirement_id, revision)
);
CREATE INDEX assessment_results_time ON assessment_results(assessment_id, recorded_at);

CREATE TABLE risks (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organisations(id),
    title               TEXT NOT NULL,
    asset               TEXT,
    requirement_id      TEXT,
    inherent_likelihood BIGINT NOT NULL,
    inherent_impact     BIGINT NOT NULL,
    residual_likelihood BIGINT NOT NULL,
    residual_impact     BIGINT NOT NULL,
    owner               TEXT NOT NULL,
    treatment           TEXT NOT NULL,
    review_on           TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX risks_org ON risks(org_id);

-- document: the domain's finding (state machine snapshot) as JSON; version: the length of
-- its history, for optimistic concurrency.
CREATE TABLE findings (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    origin          TEXT NOT NULL,
    origin_ref      TEXT,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    requirement_ids TEXT NOT NULL,
    severity        TEXT NOT NULL,
    state           TEXT NOT NULL,
    owner_user      TEXT NOT NULL REFERENCES users(id),
    due_on          TEXT,
    document        TEXT NOT NULL,
    version         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX findings_org ON findings(org_id, state);

CREATE TABLE finding_events (
    id         TEXT PRIMARY KEY,
    finding_id TEXT NOT NULL REFERENCES findings(id),
    seq        BIGINT NOT NULL,
    at_us      BIGINT NOT NULL,
    actor_user TEXT NOT NULL,
    command    TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    UNIQUE (finding_id, seq)
);

CREATE TABLE finding_milestones (
    id         TEXT PRIMARY KEY,
    finding_id TEXT NOT NULL REFERENCES findings(id),
    title      TEXT NOT NULL,
    owner      TEXT NOT NULL,
    due_on     TEXT NOT NULL,
    done_at    BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX finding_milestones_finding ON finding_milestones(finding_id);

-- Catalog editions, result revisions and finding history are append-only.
CREATE TRIGGER catalogs_no_update BEFORE UPDATE ON catalogs
BEGIN SELECT RAISE(ABORT, 'catalogs are immutable'); END;
CREATE TRIGGER catalogs_no_delete BEFORE DELETE ON catalogs
BEGIN SELECT RAISE(ABORT, 'catalogs are immutable'); END;
CREATE TRIGGER assessment_results_no_update BEFORE UPDATE ON assessment_results
BEGIN SELECT RAISE(ABORT, 'assessment results are append-only'); END;
CREATE TRIGGER assessment_results_no_delete BEFORE DELETE ON assessment_results
BEGIN SELECT RAISE(ABORT, 'assessment results are append-only'); END;
CREATE TRIGGER finding_events_no_update BEFORE UPDATE ON finding_events
BEGIN SELECT RAISE(ABORT, 'finding history is append-only'); END;
CREATE TRIGGER finding_events_no_delete BEFORE DELETE ON finding_events
BEGIN SELECT RAISE(ABORT, 'finding history is append-only'); END;
