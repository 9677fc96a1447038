-- Foundation: tenants, users, sessions, API tokens, login throttling, audit trail.
-- Timestamps are Unix microseconds (BIGINT); ids are UUID text; flags are 0/1 integers.

CREATE TABLE organisations (
    id            TEXT PRIMARY KEY,
    name_ja       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    business_type TEXT,
    region        TEXT,
    parent_id     TEXT REFERENCES organisations(id),
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX organisations_kind ON organisations(kind, business_type, region);
CREATE INDEX organisations_parent ON organisations(parent_id);

CREATE TABLE org_attributes (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    valid_from  BIGINT NOT NULL,
    valid_to    BIGINT,
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT
);
CREATE INDEX org_attributes_org ON org_attributes(org_id, kind, valid_from);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    email         TEXT,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret   TEXT,
    totp_enabled  INTEGER NOT NULL DEFAULT 0,
    lang          TEXT,
    active        INTEGER NOT NULL DEFAULT 1,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  BIGINT,
    last_login_at BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    mfa_pending  INTEGER NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    scope        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_org ON api_tokens(org_id);

CREATE TABLE login_attempts (
    id        TEXT PRIMARY KEY,
    at        BIGINT NOT NULL,
    source_ip TEXT NOT NULL,
    login     TEXT NOT NULL,
    success   INTEGER NOT NULL
);
CREATE INDEX login_attempts_ip ON login_attempts(source_ip, at);

CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at_us       BIGINT NOT NULL,
    actor_user  TEXT,
    org_id      TEXT,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT,
    summary     TEXT NOT NULL,
    source_ip   TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log(org_id, seq);

-- The audit trail is append-only: the database itself refuses changes and deletions.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
