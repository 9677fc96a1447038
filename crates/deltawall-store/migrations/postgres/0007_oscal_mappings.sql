-- OSCAL imports and mappings between catalogs.
--
-- catalog_audience: who may see an imported catalog edition. `audience` is an
-- organisation id (imported by an institution: only that institution) or `public`
-- (imported by a supervisor: every tenant). The built-in catalog (imported_by NULL) is
-- public without a row. Rows are only added: a second institution importing the same
-- edition byte for byte gains its own row.
--
-- mapping_sets / mapping_entries: a set of typed relationships from the requirements of
-- one catalog edition to those of another, immutable once stored. owner_org NULL: public.
--
-- result_derivations: marks an assessment result revision as derived through a mapping
-- (pre-filled, not a person's answer) and names its source. Append-only like the results.

CREATE TABLE catalog_audience (
    catalog_id TEXT NOT NULL REFERENCES catalogs(id),
    audience   TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (catalog_id, audience)
);

CREATE TABLE mapping_sets (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    from_catalog TEXT NOT NULL REFERENCES catalogs(id),
    to_catalog   TEXT NOT NULL REFERENCES catalogs(id),
    provenance   TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    owner_org    TEXT REFERENCES organisations(id),
    imported_by  TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX mapping_sets_pair ON mapping_sets(from_catalog, to_catalog);

CREATE TABLE mapping_entries (
    id               TEXT PRIMARY KEY,
    set_id           TEXT NOT NULL REFERENCES mapping_sets(id),
    position         BIGINT NOT NULL,
    from_requirement TEXT NOT NULL,
    to_requirement   TEXT NOT NULL,
    relationship     TEXT NOT NULL,
    strength         BIGINT NOT NULL,
    rationale        TEXT NOT NULL,
    UNIQUE (set_id, position)
);

CREATE TABLE result_derivations (
    result_id             TEXT PRIMARY KEY REFERENCES assessment_results(id),
    mapping_set_id        TEXT NOT NULL REFERENCES mapping_sets(id),
    source_assessment_id  TEXT NOT NULL REFERENCES assessments(id),
    source_requirement_id TEXT NOT NULL,
    relationship          TEXT NOT NULL
);

CREATE TRIGGER mapping_sets_no_change BEFORE UPDATE OR DELETE ON mapping_sets
FOR EACH ROW EXECUTE FUNCTION posture_append_only();
CREATE TRIGGER mapping_entries_no_change BEFORE UPDATE OR DELETE ON mapping_entries
FOR EACH ROW EXECUTE FUNCTION posture_append_only();
CREATE TRIGGER result_derivations_no_change BEFORE UPDATE OR DELETE ON result_derivations
FOR EACH ROW EXECUTE FUNCTION posture_append_only();
