-- Security hardening (issue 18).
--
-- Login attempts are counted before the password is verified, by one atomic upsert per
-- key ("ip:<address>", "login:<name>" for names that match no account), so that parallel
-- attempts cannot all slip under the limit. A counter's window restarts when it expires.
CREATE TABLE login_counters (
    key          TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts     BIGINT NOT NULL
);

-- The last TOTP time step accepted for an account: a code is accepted once only.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
