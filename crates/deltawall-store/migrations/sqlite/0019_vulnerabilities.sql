-- Vulnerability diagnosis (issue 15): the scope an institution declares, scanner imports,
-- findings with their append-only history, decisions and the KEV / EPSS data the
-- institution imported. Scores are stored as integers (CVSS in tenths, EPSS in
-- millionths) so both backends read them back exactly.

-- Assets the institution must diagnose; `operator` is empty when the institution runs the
-- asset itself, else the outsourcer's name.
CREATE TABLE vuln_assets (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    owner         TEXT NOT NULL,
    operator      TEXT NOT NULL,
    criticality   TEXT NOT NULL,
    cadence_days  BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

-- One row per accepted scan file: what it spoke for and what it changed.
CREATE TABLE vuln_imports (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    asset_id       TEXT NOT NULL REFERENCES vuln_assets(id),
    format         TEXT NOT NULL,
    sources        TEXT NOT NULL,
    findings_read  BIGINT NOT NULL,
    new_count      BIGINT NOT NULL,
    unchanged_count BIGINT NOT NULL,
    resolved_count BIGINT NOT NULL,
    reopened_count BIGINT NOT NULL,
    imported_by    TEXT NOT NULL,
    imported_at    BIGINT NOT NULL
);
CREATE INDEX vuln_imports_asset ON vuln_imports(asset_id, imported_at);

-- A finding per asset and identity key. `state`: open, resolved (by a rescan), fixed,
-- accepted; `decision`: fix, mitigate, defer, accept_pending, accepted (NULL: undecided).
CREATE TABLE vuln_findings (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    asset_id        TEXT NOT NULL REFERENCES vuln_assets(id),
    identity        TEXT NOT NULL,
    source          TEXT NOT NULL,
    rule            TEXT NOT NULL,
    location        TEXT NOT NULL,
    title           TEXT NOT NULL,
    severity        TEXT NOT NULL,
    cves            TEXT NOT NULL,
    cvss_tenths     BIGINT,
    state           TEXT NOT NULL,
    duplicate_of    TEXT,
    kev_due         TEXT,
    kev_ransomware  BIGINT NOT NULL DEFAULT 0,
    kev_as_of       TEXT,
    epss_millionths BIGINT,
    epss_as_of      TEXT,
    decision        TEXT,
    decision_due    BIGINT,
    accepted_until  BIGINT,
    first_seen      BIGINT NOT NULL,
    last_seen       BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (asset_id, identity)
);
CREATE INDEX vuln_findings_org ON vuln_findings(org_id, first_seen, id);

-- The finding's history, append-only: every state change with the import or person behind it.
CREATE TABLE vuln_finding_events (
    finding_id  TEXT NOT NULL REFERENCES vuln_findings(id),
    seq         BIGINT NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    at_us       BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL,
    import_id   TEXT,
    actor       TEXT,
    note        TEXT NOT NULL,
    PRIMARY KEY (finding_id, seq)
);

-- Decisions on findings. An acceptance waits (`pending`) for an executive who did not
-- request it; `in_force` until a later decision supersedes it.
CREATE TABLE vuln_decisions (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    finding_id    TEXT NOT NULL REFERENCES vuln_findings(id),
    kind          TEXT NOT NULL,
    due_at        BIGINT,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    requested_at  BIGINT NOT NULL,
    approved_by   TEXT,
    approved_at   BIGINT
);
CREATE INDEX vuln_decisions_finding ON vuln_decisions(finding_id, requested_at);

-- KEV entries and EPSS scores an institution imported; a new file of a kind replaces the
-- institution's rows of that kind.
CREATE TABLE vuln_enrichment (
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    kind            TEXT NOT NULL,
    cve             TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    kev_due         TEXT,
    kev_ransomware  BIGINT NOT NULL DEFAULT 0,
    epss_millionths BIGINT,
    PRIMARY KEY (org_id, kind, cve)
);

CREATE TRIGGER vuln_finding_events_no_update BEFORE UPDATE ON vuln_finding_events
BEGIN SELECT RAISE(ABORT, 'finding history is append-only'); END;
CREATE TRIGGER vuln_finding_events_no_delete BEFORE DELETE ON vuln_finding_events
BEGIN SELECT RAISE(ABORT, 'finding history is append-only'); END;
