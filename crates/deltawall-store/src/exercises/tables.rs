//! The exercise tables as the backup reads and writes them, parents before children.

use crate::backup::Kind::{Int, Text};
use crate::backup::Table;

/// The exercise and contingency-plan tables of migration 0014.
pub(crate) const BACKUP_TABLES: &[Table] = &[
    (
        "exercise_editions",
        &[
            ("exercise_id", Text),
            ("organiser_kind", Text),
            ("end_at", Int),
            ("feedback_k", Int),
            ("created_by", Text),
            ("created_at", Int),
        ],
    ),
    (
        "exercise_tracks",
        &[
            ("exercise_id", Text),
            ("code", Text),
            ("business_type", Text),
            ("name_ja", Text),
            ("name_en", Text),
        ],
    ),
    (
        "exercise_injects",
        &[
            ("exercise_id", Text),
            ("code", Text),
            ("seq", Int),
            ("track", Text),
            ("phase", Int),
            ("offset_min", Int),
            ("kind", Text),
            ("title", Text),
            ("body", Text),
            ("depends_on", Text),
            ("expected", Text),
            ("criteria", Text),
            ("respond_within_min", Int),
        ],
    ),
    (
        "exercise_clock_events",
        &[
            ("exercise_id", Text),
            ("seq", Int),
            ("event", Text),
            ("at_us", Int),
            ("by_user", Text),
        ],
    ),
    (
        "exercise_releases",
        &[
            ("exercise_id", Text),
            ("code", Text),
            ("at_us", Int),
            ("by_user", Text),
        ],
    ),
    (
        "exercise_responses",
        &[
            ("id", Text),
            ("exercise_id", Text),
            ("org_id", Text),
            ("inject_code", Text),
            ("kind", Text),
            ("text", Text),
            ("at_us", Int),
            ("recorded_by", Text),
        ],
    ),
    (
        "exercise_evaluations",
        &[
            ("exercise_id", Text),
            ("org_id", Text),
            ("inject_code", Text),
            ("viewpoint", Text),
            ("self_done", Int),
            ("self_reason", Text),
            ("self_by", Text),
            ("rating", Int),
            ("comment", Text),
            ("rated_by", Text),
            ("updated_at", Int),
        ],
    ),
    (
        "exercise_measures",
        &[
            ("id", Text),
            ("exercise_id", Text),
            ("org_id", Text),
            ("viewpoint", Text),
            ("text", Text),
            ("severity", Text),
            ("status", Text),
            ("finding_id", Text),
            ("created_by", Text),
            ("created_at", Int),
            ("decided_by", Text),
            ("decided_at", Int),
        ],
    ),
    (
        "exercise_observations",
        &[
            ("exercise_id", Text),
            ("org_id", Text),
            ("kind", Text),
            ("viewpoint", Text),
            ("topic", Text),
        ],
    ),
    (
        "contingency_plans",
        &[
            ("org_id", Text),
            ("version", Int),
            ("adopted_at", Int),
            ("document", Text),
            ("created_by", Text),
            ("created_at", Int),
        ],
    ),
    (
        "contingency_plan_tests",
        &[
            ("org_id", Text),
            ("plan_version", Int),
            ("exercise_id", Text),
            ("tested_at", Int),
            ("document", Text),
        ],
    ),
    (
        "contingency_plan_tasks",
        &[
            ("id", Text),
            ("org_id", Text),
            ("plan_version", Int),
            ("measure_id", Text),
            ("reason", Text),
            ("created_at", Int),
            ("done_version", Int),
        ],
    ),
];
