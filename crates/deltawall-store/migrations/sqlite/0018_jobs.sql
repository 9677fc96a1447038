-- Scheduled jobs shared by every replica (issue 18).
--
-- One row per job: when it is next due and who holds its lease. A replica runs a job only
-- after claiming it with one conditional UPDATE (due, and no live lease), which moves the
-- due time forward on the job's grid; the other replicas then find nothing to claim. A
-- lease that outlives its holder (a crash) expires on its own.
CREATE TABLE job_leases (
    job          TEXT PRIMARY KEY,
    next_due_at  BIGINT NOT NULL,
    last_due_at  BIGINT,
    holder       TEXT,
    lease_until  BIGINT
);

-- Every run: which due time it served, which replica ran it, and how it ended
-- (outcome NULL while running, then 'ok' or 'failed' with the error in detail).
CREATE TABLE job_runs (
    id           TEXT PRIMARY KEY,
    job          TEXT NOT NULL,
    due_at       BIGINT NOT NULL,
    replica      TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    outcome      TEXT,
    detail       TEXT
);
CREATE INDEX job_runs_by_job ON job_runs (job, due_at);
