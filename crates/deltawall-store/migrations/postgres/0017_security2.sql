-- Security hardening, second part (issue 18).

-- Logins are case-insensitive: `A-Staff` and `a-staff` are one account. Login names are
-- ASCII (validate::login), so lower() folds them alike on both databases.
CREATE UNIQUE INDEX users_login_lower ON users (lower(login));

-- A trust group (API root) is managed by the organisation that created it: only it closes,
-- reopens or extends the group. Groups created before this migration take their creator
-- from the audit trail; one with no such record is left to the national supervisor.
ALTER TABLE taxii_api_roots ADD COLUMN manager_org TEXT;
UPDATE taxii_api_roots SET manager_org = (
    SELECT a.org_id FROM audit_log a
    WHERE a.action = 'taxii.root_create' AND a.object_id = taxii_api_roots.id
    ORDER BY a.seq LIMIT 1
);
