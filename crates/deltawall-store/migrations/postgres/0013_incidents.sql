-- Incident response (issue 13): detections from `deltawall scan`, incident cases (the
-- existing `incidents` table grows into the case, so the sector figures count cases),
-- their append-only timeline, tasks, customer-response log and notices, observables,
-- regulator-report submissions and decisions not to report, and the coordination
-- council's rooms for large incidents.

ALTER TABLE incidents ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN category TEXT;
ALTER TABLE incidents ADD COLUMN priority TEXT;
ALTER TABLE incidents ADD COLUMN phase TEXT;
ALTER TABLE incidents ADD COLUMN exercise BIGINT NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN recognised_at BIGINT;
ALTER TABLE incidents ADD COLUMN classified_major_at BIGINT;
ALTER TABLE incidents ADD COLUMN recovered_at BIGINT;
ALTER TABLE incidents ADD COLUMN root_cause_at BIGINT;
ALTER TABLE incidents ADD COLUMN case_doc TEXT;
ALTER TABLE incidents ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN updated_at BIGINT;
CREATE INDEX incidents_phase ON incidents(org_id, phase);

CREATE TABLE detections (
    org_id      TEXT NOT NULL REFERENCES organisations(id),
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
CREATE INDEX detections_inbox ON detections(org_id, status, received_at);
CREATE INDEX detections_rule ON detections(org_id, rule_key, group_key);

CREATE TABLE incident_timeline (
    case_id TEXT NOT NULL REFERENCES incidents(id),
    seq     BIGINT NOT NULL,
    org_id  TEXT NOT NULL REFERENCES organisations(id),
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    entry   TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

CREATE TABLE incident_tasks (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES incidents(id),
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    title         TEXT NOT NULL,
    owner_user_id TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    done_at       BIGINT,
    done_by       TEXT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX incident_tasks_case ON incident_tasks(case_id);
CREATE INDEX incident_tasks_owner ON incident_tasks(owner_user_id, done_at);

CREATE TABLE incident_customer_log (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES incidents(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    day         TEXT NOT NULL,
    channel     TEXT NOT NULL,
    inquiries   BIGINT NOT NULL CHECK (inquiries > 0),
    note        TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX incident_customer_log_case ON incident_customer_log(case_id, day);

CREATE TABLE incident_notices (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES incidents(id),
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    published_at BIGINT NOT NULL,
    channel      TEXT NOT NULL,
    title        TEXT NOT NULL,
    url          TEXT,
    recorded_by  TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL
);
CREATE INDEX incident_notices_case ON incident_notices(case_id, published_at);

-- Accounts identify people: the database itself refuses to mark one shareable.
CREATE TABLE incident_observables (
    id        TEXT PRIMARY KEY,
    case_id   TEXT NOT NULL REFERENCES incidents(id),
    org_id    TEXT NOT NULL REFERENCES organisations(id),
    kind      TEXT NOT NULL,
    value     TEXT NOT NULL,
    shareable BIGINT NOT NULL CHECK (shareable IN (0, 1) AND (kind <> 'account' OR shareable = 0)),
    note      TEXT NOT NULL,
    added_by  TEXT NOT NULL,
    added_at  BIGINT NOT NULL,
    UNIQUE (case_id, kind, value)
);
CREATE INDEX incident_observables_value ON incident_observables(kind, value);

-- One standing submission per (case, regime, stage): a returned one may be followed by a
-- new version, nothing else.
CREATE TABLE incident_reports (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES incidents(id),
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    regime        TEXT NOT NULL,
    stage         TEXT NOT NULL,
    version       BIGINT NOT NULL,
    items         TEXT NOT NULL,
    attested_by   TEXT NOT NULL,
    attested_at   BIGINT NOT NULL,
    submitted_by  TEXT NOT NULL,
    submitted_at  BIGINT NOT NULL,
    review        TEXT NOT NULL CHECK (review IN ('pending', 'accepted', 'returned')),
    reviewed_by   TEXT,
    reviewed_at   BIGINT,
    review_reason TEXT,
    UNIQUE (case_id, regime, stage, version)
);
CREATE UNIQUE INDEX incident_reports_standing ON incident_reports(case_id, regime, stage)
    WHERE review <> 'returned';
CREATE INDEX incident_reports_review ON incident_reports(review, submitted_at);

CREATE TABLE incident_report_decisions (
    case_id           TEXT NOT NULL REFERENCES incidents(id),
    regime            TEXT NOT NULL,
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    reason            TEXT NOT NULL,
    executive_user_id TEXT NOT NULL,
    decided_at        BIGINT NOT NULL,
    PRIMARY KEY (case_id, regime)
);

CREATE TABLE coordination_rooms (
    id            TEXT PRIMARY KEY,
    title_ja      TEXT NOT NULL,
    title_en      TEXT NOT NULL,
    category      TEXT NOT NULL,
    declared_org  TEXT NOT NULL REFERENCES organisations(id),
    declared_by   TEXT NOT NULL,
    declared_at   BIGINT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    closed_by     TEXT,
    closed_at     BIGINT,
    taxii_root_id TEXT
);

CREATE TABLE coordination_members (
    room_id  TEXT NOT NULL REFERENCES coordination_rooms(id),
    org_id   TEXT NOT NULL REFERENCES organisations(id),
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, org_id)
);
CREATE INDEX coordination_members_org ON coordination_members(org_id);

CREATE TABLE coordination_status (
    id          TEXT PRIMARY KEY,
    room_id     TEXT NOT NULL REFERENCES coordination_rooms(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    status      TEXT NOT NULL,
    as_of       BIGINT NOT NULL,
    note        TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at BIGINT NOT NULL
);
CREATE INDEX coordination_status_room ON coordination_status(room_id, org_id, reported_at);

CREATE TABLE coordination_messages (
    id       TEXT PRIMARY KEY,
    room_id  TEXT NOT NULL REFERENCES coordination_rooms(id),
    from_org TEXT NOT NULL REFERENCES organisations(id),
    author   TEXT NOT NULL,
    body     TEXT NOT NULL,
    sent_at  BIGINT NOT NULL
);
CREATE INDEX coordination_messages_room ON coordination_messages(room_id, sent_at);

CREATE FUNCTION incident_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER incident_timeline_no_change BEFORE UPDATE OR DELETE ON incident_timeline
FOR EACH ROW EXECUTE FUNCTION incident_append_only();
CREATE TRIGGER incident_customer_log_no_change BEFORE UPDATE OR DELETE ON incident_customer_log
FOR EACH ROW EXECUTE FUNCTION incident_append_only();
CREATE TRIGGER incident_report_decisions_no_change BEFORE UPDATE OR DELETE ON incident_report_decisions
FOR EACH ROW EXECUTE FUNCTION incident_append_only();
CREATE TRIGGER coordination_status_no_change BEFORE UPDATE OR DELETE ON coordination_status
FOR EACH ROW EXECUTE FUNCTION incident_append_only();
CREATE TRIGGER coordination_messages_no_change BEFORE UPDATE OR DELETE ON coordination_messages
FOR EACH ROW EXECUTE FUNCTION incident_append_only();

-- A closed room is archived read-only.
CREATE FUNCTION coordination_room_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT status FROM coordination_rooms WHERE id = NEW.room_id) = 'closed' THEN
    RAISE EXCEPTION 'the coordination room is closed';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER coordination_status_room_open BEFORE INSERT ON coordination_status
FOR EACH ROW EXECUTE FUNCTION coordination_room_open();
CREATE TRIGGER coordination_messages_room_open BEFORE INSERT ON coordination_messages
FOR EACH ROW EXECUTE FUNCTION coordination_room_open();
CREATE TRIGGER coordination_members_room_open BEFORE INSERT ON coordination_members
FOR EACH ROW EXECUTE FUNCTION coordination_room_open();
CREATE FUNCTION coordination_room_stays_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the coordination room is closed'; END $$;
CREATE TRIGGER coordination_rooms_stay_closed BEFORE UPDATE ON coordination_rooms
FOR EACH ROW WHEN (OLD.status = 'closed') EXECUTE FUNCTION coordination_room_stays_closed();
