-- Exercises played in the platform (issue 14): an edition extends a row of `exercises`
-- (so figure 4 keeps counting `exercise_participants`), with its tracks, inject schedule,
-- clock events, early releases, responses, post-evaluation and improvement measures; and
-- contingency plans, versioned per institution and never edited, with the exercises that
-- tested them and the revision tasks accepted measures create.

CREATE TABLE exercise_editions (
    exercise_id    TEXT PRIMARY KEY REFERENCES exercises(id),
    organiser_kind TEXT NOT NULL,
    end_at         BIGINT NOT NULL,
    feedback_k     BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE exercise_tracks (
    exercise_id   TEXT NOT NULL REFERENCES exercise_editions(exercise_id),
    code          TEXT NOT NULL,
    business_type TEXT NOT NULL,
    name_ja       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    PRIMARY KEY (exercise_id, code)
);

-- One row per inject; `seq` keeps the dependency order the domain validated. Lists are
-- JSON text.
CREATE TABLE exercise_injects (
    exercise_id        TEXT NOT NULL REFERENCES exercise_editions(exercise_id),
    code               TEXT NOT NULL,
    seq                BIGINT NOT NULL,
    track              TEXT NOT NULL,
    phase              BIGINT NOT NULL,
    offset_min         BIGINT NOT NULL,
    kind               TEXT NOT NULL,
    title              TEXT NOT NULL,
    body               TEXT NOT NULL,
    depends_on         TEXT NOT NULL,
    expected           TEXT NOT NULL,
    criteria           TEXT NOT NULL,
    respond_within_min BIGINT,
    PRIMARY KEY (exercise_id, code),
    FOREIGN KEY (exercise_id, track) REFERENCES exercise_tracks(exercise_id, code)
);

CREATE TABLE exercise_clock_events (
    exercise_id TEXT NOT NULL REFERENCES exercise_editions(exercise_id),
    seq         BIGINT NOT NULL,
    event       TEXT NOT NULL,
    at_us       BIGINT NOT NULL,
    by_user     TEXT NOT NULL,
    PRIMARY KEY (exercise_id, seq)
);

CREATE TABLE exercise_releases (
    exercise_id TEXT NOT NULL REFERENCES exercise_editions(exercise_id),
    code        TEXT NOT NULL,
    at_us       BIGINT NOT NULL,
    by_user     TEXT NOT NULL,
    PRIMARY KEY (exercise_id, code),
    FOREIGN KEY (exercise_id, code) REFERENCES exercise_injects(exercise_id, code)
);

-- Which track an institution plays; NULL for participation recorded without a platform
-- edition (older exercises).
ALTER TABLE exercise_participants ADD COLUMN track TEXT;

CREATE TABLE exercise_responses (
    id          TEXT PRIMARY KEY,
    exercise_id TEXT NOT NULL REFERENCES exercise_editions(exercise_id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    inject_code TEXT NOT NULL,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    at_us       BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    FOREIGN KEY (exercise_id, inject_code) REFERENCES exercise_injects(exercise_id, code)
);
CREATE INDEX exercise_responses_org ON exercise_responses(exercise_id, org_id, inject_code);

CREATE TABLE exercise_evaluations (
    exercise_id TEXT NOT NULL REFERENCES exercise_editions(exercise_id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    inject_code TEXT NOT NULL,
    viewpoint   TEXT NOT NULL,
    self_done   BIGINT,
    self_reason TEXT NOT NULL,
    self_by     TEXT,
    rating      BIGINT,
    comment     TEXT NOT NULL,
    rated_by    TEXT,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (exercise_id, org_id, inject_code, viewpoint)
);

CREATE TABLE exercise_measures (
    id          TEXT PRIMARY KEY,
    exercise_id TEXT NOT NULL REFERENCES exercise_editions(exercise_id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    viewpoint   TEXT NOT NULL,
    text        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    status      TEXT NOT NULL,
    finding_id  TEXT,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    decided_by  TEXT,
    decided_at  BIGINT
);
CREATE INDEX exercise_measures_org ON exercise_measures(org_id, exercise_id);

-- Observations for the sector feedback; aggregated with a k threshold, never shown raw
-- outside the organiser.
CREATE TABLE exercise_observations (
    exercise_id TEXT NOT NULL REFERENCES exercise_editions(exercise_id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    kind        TEXT NOT NULL,
    viewpoint   TEXT NOT NULL,
    topic       TEXT NOT NULL,
    PRIMARY KEY (exercise_id, org_id, kind, viewpoint, topic)
);

CREATE TABLE contingency_plans (
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    version     BIGINT NOT NULL,
    adopted_at  BIGINT NOT NULL,
    document    TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, version)
);

CREATE TABLE contingency_plan_tests (
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    plan_version BIGINT NOT NULL,
    exercise_id  TEXT NOT NULL REFERENCES exercises(id),
    tested_at    BIGINT NOT NULL,
    document     TEXT NOT NULL,
    PRIMARY KEY (org_id, plan_version, exercise_id),
    FOREIGN KEY (org_id, plan_version) REFERENCES contingency_plans(org_id, version)
);

CREATE TABLE contingency_plan_tasks (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    plan_version BIGINT,
    measure_id   TEXT NOT NULL REFERENCES exercise_measures(id),
    reason       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    done_version BIGINT
);
CREATE INDEX contingency_plan_tasks_org ON contingency_plan_tasks(org_id);

CREATE TRIGGER contingency_plans_no_update BEFORE UPDATE ON contingency_plans
BEGIN SELECT RAISE(ABORT, 'contingency plan versions are never edited'); END;
CREATE TRIGGER contingency_plans_no_delete BEFORE DELETE ON contingency_plans
BEGIN SELECT RAISE(ABORT, 'contingency plan versions are never edited'); END;
CREATE TRIGGER exercise_responses_no_update BEFORE UPDATE ON exercise_responses
BEGIN SELECT RAISE(ABORT, 'exercise responses are append-only'); END;
CREATE TRIGGER exercise_responses_no_delete BEFORE DELETE ON exercise_responses
BEGIN SELECT RAISE(ABORT, 'exercise responses are append-only'); END;
