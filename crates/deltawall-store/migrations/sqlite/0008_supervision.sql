-- Supervision (公助): score weights (versioned), monitoring engagements (実態把握) with their
-- append-only history, the monitoring record behind "time since last monitored" and the
-- report's figure 3, incidents reported by institutions, exercises and who took part,
-- requests (要請) with one task per targeted institution, alerts (注意喚起) with their
-- targets and acknowledgements, and the reminders already sent. Domain objects are kept
-- as JSON documents beside the columns that are queried. Dates are `YYYY-MM-DD` text;
-- times are Unix microseconds; booleans are 0/1.

CREATE TABLE sup_weights (
    version        BIGINT PRIMARY KEY,
    effective_from TEXT NOT NULL,
    document       TEXT NOT NULL,
    author         TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE sup_engagements (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    region       TEXT NOT NULL,
    method       TEXT NOT NULL,
    state        TEXT NOT NULL,
    planned_on   TEXT NOT NULL,
    completed_at BIGINT,
    document     TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX sup_engagements_org ON sup_engagements(org_id, planned_on);
CREATE INDEX sup_engagements_region ON sup_engagements(region, state);

CREATE TABLE sup_engagement_events (
    engagement_id TEXT NOT NULL REFERENCES sup_engagements(id),
    seq           BIGINT NOT NULL,
    at            BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    event         TEXT NOT NULL,
    PRIMARY KEY (engagement_id, seq)
);

CREATE TABLE sup_monitoring (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    monitored_on  TEXT NOT NULL,
    method        TEXT NOT NULL,
    engagement_id TEXT REFERENCES sup_engagements(id),
    recorded_by   TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX sup_monitoring_org ON sup_monitoring(org_id, monitored_on);
CREATE INDEX sup_monitoring_day ON sup_monitoring(monitored_on);

CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    occurred_on TEXT NOT NULL,
    attack_type TEXT NOT NULL,
    severity    TEXT NOT NULL,
    summary     TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at BIGINT NOT NULL
);
CREATE INDEX incidents_org ON incidents(org_id, occurred_on);
CREATE INDEX incidents_day ON incidents(occurred_on);

CREATE TABLE exercises (
    id         TEXT PRIMARY KEY,
    organiser  TEXT NOT NULL REFERENCES organisations(id),
    name_ja    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    held_on    TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX exercises_day ON exercises(held_on);

CREATE TABLE exercise_participants (
    exercise_id TEXT NOT NULL REFERENCES exercises(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    reviewed    BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (exercise_id, org_id)
);
CREATE INDEX exercise_participants_org ON exercise_participants(org_id);

CREATE TABLE sup_requests (
    id         TEXT PRIMARY KEY,
    issuer_org TEXT NOT NULL REFERENCES organisations(id),
    deadline   BIGINT NOT NULL,
    sent_at    BIGINT NOT NULL,
    document   TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sup_requests_sent ON sup_requests(sent_at);

CREATE TABLE sup_request_tasks (
    id         TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES sup_requests(id),
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    state      TEXT NOT NULL,
    document   TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (request_id, org_id)
);
CREATE INDEX sup_request_tasks_org ON sup_request_tasks(org_id, state);

CREATE TABLE sup_task_events (
    task_id TEXT NOT NULL REFERENCES sup_request_tasks(id),
    seq     BIGINT NOT NULL,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    event   TEXT NOT NULL,
    PRIMARY KEY (task_id, seq)
);

CREATE TABLE sup_alerts (
    id         TEXT PRIMARY KEY,
    issuer_org TEXT NOT NULL REFERENCES organisations(id),
    respond_by BIGINT NOT NULL,
    sent_at    BIGINT NOT NULL,
    document   TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sup_alert_targets (
    alert_id TEXT NOT NULL REFERENCES sup_alerts(id),
    org_id   TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (alert_id, org_id)
);
CREATE INDEX sup_alert_targets_org ON sup_alert_targets(org_id);

CREATE TABLE sup_alert_acks (
    id       TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES sup_alerts(id),
    org_id   TEXT NOT NULL REFERENCES organisations(id),
    at       BIGINT NOT NULL,
    by_user  TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX sup_alert_acks_alert ON sup_alert_acks(alert_id, org_id, at);

CREATE TABLE sup_reminders (
    subject_kind TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    reminder     TEXT NOT NULL,
    sent_at      BIGINT NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, org_id, reminder)
);

CREATE TRIGGER sup_weights_no_update BEFORE UPDATE ON sup_weights
BEGIN SELECT RAISE(ABORT, 'score weights are versioned, never edited'); END;
CREATE TRIGGER sup_weights_no_delete BEFORE DELETE ON sup_weights
BEGIN SELECT RAISE(ABORT, 'score weights are versioned, never edited'); END;
CREATE TRIGGER sup_engagement_events_no_update BEFORE UPDATE ON sup_engagement_events
BEGIN SELECT RAISE(ABORT, 'engagement history is append-only'); END;
CREATE TRIGGER sup_engagement_events_no_delete BEFORE DELETE ON sup_engagement_events
BEGIN SELECT RAISE(ABORT, 'engagement history is append-only'); END;
CREATE TRIGGER sup_task_events_no_update BEFORE UPDATE ON sup_task_events
BEGIN SELECT RAISE(ABORT, 'task history is append-only'); END;
CREATE TRIGGER sup_task_events_no_delete BEFORE DELETE ON sup_task_events
BEGIN SELECT RAISE(ABORT, 'task history is append-only'); END;
CREATE TRIGGER sup_alert_acks_no_update BEFORE UPDATE ON sup_alert_acks
BEGIN SELECT RAISE(ABORT, 'acknowledgements are append-only'); END;
CREATE TRIGGER sup_alert_acks_no_delete BEFORE DELETE ON sup_alert_acks
BEGIN SELECT RAISE(ABORT, 'acknowledgements are append-only'); END;
