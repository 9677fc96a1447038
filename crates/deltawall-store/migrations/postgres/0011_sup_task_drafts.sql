-- Draft answers to a request task (要請), kept apart from the task itself so that no query
-- the supervisor runs can reach them: a draft is read only by its own institution and is
-- removed when the answers are submitted (the submission is then in the task document).

CREATE TABLE sup_task_drafts (
    task_id    TEXT PRIMARY KEY REFERENCES sup_request_tasks(id),
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    document   TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sup_task_drafts_org ON sup_task_drafts(org_id);
