//! Who may do what in an exercise played in the platform, stated once, and how the store's
//! refusals become service errors. Services refuse with these predicates and pages decide
//! which forms to offer with the same ones, so a form is shown exactly when it would work.

use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::access::TokenScope;
use deltawall_domain::exercise::Organiser;
use deltawall_domain::role::Role;
use deltawall_domain::{Actor, OrgKind, Permission};
use deltawall_store::exercises::ExerciseError;
use deltawall_store::exercises::edition::Edition;

impl From<ExerciseError> for ServiceError {
    fn from(e: ExerciseError) -> Self {
        let message = e.to_string();
        match e {
            ExerciseError::Store(s) => s.into(),
            ExerciseError::Schedule(_) => refused("schedule", message),
            ExerciseError::UnknownTrack { .. } => refused("track", message),
            ExerciseError::Plan(_) => refused("plan", message),
            ExerciseError::Evaluation(
                deltawall_domain::exercise::evaluation::EvaluationError::AlreadyDecided(_),
            ) => conflict(message),
            ExerciseError::Evaluation(_) => refused("evaluation", message),
            ExerciseError::Play(_) | ExerciseError::NotClosed { .. } | ExerciseError::Started => {
                conflict(message)
            }
        }
    }
}

/// A refusal of an input naming the field at fault (the message names the row or inject).
pub(crate) fn refused(field: &'static str, message: String) -> ServiceError {
    ServiceError::Refused {
        code: "err-exercise-refused",
        field,
        message,
    }
}

fn conflict(message: String) -> ServiceError {
    ServiceError::Conflict {
        code: "err-exercise-state",
        message,
    }
}

/// Someone who may act (not an auditor, not through a read-only token).
fn acts(a: &Actor) -> bool {
    a.role != Role::Auditor && a.token_scope != Some(TokenScope::Read)
}

/// Who an actor organises editions as: the FSA or a bureau, the ISAC, or an institution
/// training its own staff; `None` for anyone who may not organise.
pub fn organiser_kind(a: &Actor) -> Option<Organiser> {
    if !acts(a) {
        return None;
    }
    match a.org_kind {
        OrgKind::Supervisor if a.can(Permission::ReadSector) => Some(Organiser::Fsa),
        OrgKind::SharingBody => Some(Organiser::Isac),
        OrgKind::Institution if a.can(Permission::EditPosture) => Some(Organiser::Institution),
        _ => None,
    }
}

/// Whether the actor controls this edition: a member of the organising organisation who
/// may organise.
pub fn controls(a: &Actor, e: &Edition) -> bool {
    e.organiser == a.org_id && organiser_kind(a).is_some()
}

/// Whether the actor may record its institution's responses, self-assessments and
/// decisions on measures.
pub fn plays(a: &Actor) -> bool {
    a.org_kind == OrgKind::Institution && a.can(Permission::EditPosture) && acts(a)
}

/// Refuses unless the actor controls the edition. Someone of another organisation who is
/// not a participant was already refused with "not found" by the read of the edition.
pub(crate) fn require_control(ctx: &Ctx<'_>, e: &Edition) -> SResult<()> {
    if controls(ctx.actor, e) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Refuses unless the actor may play for its institution.
pub(crate) fn require_play(ctx: &Ctx<'_>) -> SResult<()> {
    if plays(ctx.actor) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}
