-- MITRE ATT&CK reference data, pinned by release, and TLPT engagements (issue 17).
--
-- A release is imported once and never edited: its techniques are keyed by (version, id), so
-- a mapping that names its version keeps its meaning when a newer release re-files or
-- revokes the technique. Engagements keep their current state as a JSON document (the
-- domain's `tlpt::Engagement`) next to an append-only history of every accepted command;
-- `seq` is both the history's order and the optimistic-concurrency check of the state.

CREATE TABLE attack_releases (
    version     TEXT PRIMARY KEY,
    domain      TEXT NOT NULL,
    tactics     TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);

CREATE TABLE attack_techniques (
    version        TEXT NOT NULL REFERENCES attack_releases(version),
    technique_id   TEXT NOT NULL,
    stix_id        TEXT NOT NULL,
    name           TEXT NOT NULL,
    tactics        TEXT NOT NULL,
    object_version TEXT,
    parent_id      TEXT,
    deprecated     BIGINT NOT NULL,
    revoked        BIGINT NOT NULL,
    revoked_by     TEXT,
    PRIMARY KEY (version, technique_id)
);

-- A technique mapping of an institution's subject (a detection rule, an incident, a TLPT
-- step), pinned to the release it was made against.
CREATE TABLE attack_mappings (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    subject_kind   TEXT NOT NULL,
    subject_id     TEXT NOT NULL,
    technique_id   TEXT NOT NULL,
    attack_version TEXT NOT NULL REFERENCES attack_releases(version),
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX attack_mappings_org ON attack_mappings(org_id, attack_version);
CREATE UNIQUE INDEX attack_mappings_subject ON attack_mappings(org_id, subject_kind, subject_id, technique_id);

CREATE TABLE tlpt_engagements (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    title      TEXT NOT NULL,
    phase      TEXT NOT NULL,
    state      TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tlpt_engagements_org ON tlpt_engagements(org_id);

-- Who plays which role, for the role-based reads of engagement reports.
CREATE TABLE tlpt_members (
    engagement_id TEXT NOT NULL REFERENCES tlpt_engagements(id),
    user_id       TEXT NOT NULL,
    role          TEXT NOT NULL,
    PRIMARY KEY (engagement_id, user_id, role)
);
CREATE INDEX tlpt_members_user ON tlpt_members(user_id);

CREATE TABLE tlpt_events (
    engagement_id TEXT NOT NULL REFERENCES tlpt_engagements(id),
    seq           BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    role          TEXT NOT NULL,
    phase         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    command       TEXT NOT NULL,
    at_us         BIGINT NOT NULL,
    PRIMARY KEY (engagement_id, seq)
);

CREATE FUNCTION attack_tlpt_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER attack_techniques_no_change BEFORE UPDATE OR DELETE ON attack_techniques
FOR EACH ROW EXECUTE FUNCTION attack_tlpt_append_only();
CREATE TRIGGER tlpt_events_no_change BEFORE UPDATE OR DELETE ON tlpt_events
FOR EACH ROW EXECUTE FUNCTION attack_tlpt_append_only();
