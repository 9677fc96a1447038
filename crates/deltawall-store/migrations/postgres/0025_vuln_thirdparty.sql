-- Outsourcing contracts and cloud services (issue 15, points 5 and 6). A contract names its
-- provider (matched across institutions on `provider_key`), the service, the cloud service
-- model (`none` for an outsourcer), the asset of the diagnosis scope it operates if any, its
-- clause checklist (JSON object clause code -> present | weak | missing) and the shared-
-- responsibility matrix (JSON object control code -> provider | institution | shared).
CREATE TABLE vuln_contracts (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    provider       TEXT NOT NULL,
    provider_key   TEXT NOT NULL,
    service        TEXT NOT NULL,
    service_model  TEXT NOT NULL,
    asset_id       TEXT REFERENCES vuln_assets(id),
    subcontractors TEXT NOT NULL,
    clauses        TEXT NOT NULL,
    matrix         TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX vuln_contracts_org ON vuln_contracts(org_id, created_at);
CREATE INDEX vuln_contracts_provider ON vuln_contracts(provider_key);

-- The posture finding raised for each missing or weak clause: the gap is tracked to
-- closure through the findings' own state machine.
CREATE TABLE vuln_contract_gaps (
    contract_id TEXT NOT NULL REFERENCES vuln_contracts(id),
    clause      TEXT NOT NULL,
    status      TEXT NOT NULL,
    finding_id  TEXT NOT NULL REFERENCES findings(id),
    PRIMARY KEY (contract_id, clause)
);
