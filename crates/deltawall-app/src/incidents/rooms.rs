//! Coordination rooms for large incidents (連携会議, report §2.(2)②): supervisory staff
//! declare a large incident and open a room with named members (institutions, the ISAC,
//! industry associations). Only the members and the declaring supervisor see the room at
//! all (`deltawall_store::incidents::rooms::get_for`, the one read); members report where
//! they stand on the status board (each member's latest report shown), relay messages
//! marked with a TLP level (what members may pass on outside the room; read a page at a
//! time, newest first), and link their own incident cases. The declaring supervisor closes
//! the room, which then stays read-only. Every change is audited.

use crate::paging::PageRequest;
use crate::supervision::clock::Clock;
use crate::supervision::roles::is_supervisor_staff;
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::access::TokenScope;
use deltawall_domain::incident::case::Category;
use deltawall_domain::incident::council::{MemberStatus, RoomStatus};
use deltawall_domain::role::Role;
use deltawall_domain::{OrgKind, OrgScope};
use deltawall_stix::Tlp;
use deltawall_store::incidents::cases;
use deltawall_store::incidents::rooms::{
    self as store, LinkedCase, Member, Message, Room, StatusReport,
};
use deltawall_store::keyset::KeysetPage;
use deltawall_store::orgs;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The longest title and message, in characters.
pub const MAX_TEXT: usize = 4000;

/// A large incident to declare.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomInput {
    /// Title in Japanese.
    pub title_ja: String,
    /// Title in English (the Japanese one when empty).
    #[serde(default)]
    pub title_en: String,
    /// Incident category code (`ddos`, `ransomware`, …).
    pub category: String,
    /// The member organisations' ids.
    pub members: Vec<String>,
}

/// A relay message.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageInput {
    /// Text.
    pub body: String,
    /// `clear`, `green`, `amber` (the default), `amber+strict` or `red`.
    #[serde(default)]
    pub tlp: Option<String>,
}

/// A member's status report.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// `affected`, `not_affected`, `recovering` or `recovered`.
    pub status: String,
    /// A note.
    #[serde(default)]
    pub note: String,
}

/// A case to link.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    /// The id of one of the caller's institution's cases.
    pub case_id: String,
}

/// A room as its members see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoomView {
    /// The room.
    #[schema(value_type = Object)]
    pub room: Room,
    /// Members.
    #[schema(value_type = Vec<Object>)]
    pub members: Vec<Member>,
    /// Status board: each member's latest report, newest first.
    #[schema(value_type = Vec<Object>)]
    pub statuses: Vec<StatusReport>,
    /// Relay messages, newest first: one page.
    #[schema(value_type = Vec<Object>)]
    pub messages: Vec<Message>,
    /// The cursor of the page of older messages, when there are more
    /// (`GET /api/v1/coordination/rooms/{id}/messages?cursor=…`).
    pub messages_next: Option<String>,
    /// Linked cases.
    #[schema(value_type = Vec<Object>)]
    pub cases: Vec<LinkedCase>,
    /// The caller may post and report (a member or the declarer, not read-only).
    pub can_write: bool,
    /// The caller may close the room (the declaring supervisor's staff, room open).
    pub can_close: bool,
}

fn bad(field: &'static str, message: String) -> ServiceError {
    ServiceError::Refused {
        code: "room-err",
        field,
        message,
    }
}

fn text(field: &'static str, raw: &str, required: bool) -> SResult<String> {
    let t = raw.trim();
    if required && t.is_empty() {
        return Err(bad(field, format!("{field}: is required")));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(bad(
            field,
            format!("{field}: longer than {MAX_TEXT} characters"),
        ));
    }
    Ok(t.to_owned())
}

fn tlp(raw: Option<&str>) -> SResult<Tlp> {
    let code = raw
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("amber");
    Tlp::ALL
        .into_iter()
        .find(|t| t.name().eq_ignore_ascii_case(&format!("TLP:{code}")))
        .ok_or_else(|| bad("tlp", format!("tlp: unknown level {code:?}")))
}

fn writes(ctx: &Ctx<'_>) -> bool {
    ctx.actor.role != Role::Auditor && ctx.actor.token_scope != Some(TokenScope::Read)
}

fn closed() -> ServiceError {
    ServiceError::Conflict {
        code: "room-closed",
        message: "the coordination room is closed".into(),
    }
}

/// Declares a large incident and opens its room; returns the room's id.
pub async fn declare(ctx: Ctx<'_>, clock: &Clock, input: &RoomInput) -> SResult<String> {
    if !is_supervisor_staff(ctx.actor) {
        return Err(ServiceError::Forbidden);
    }
    let title_ja = text("title_ja", &input.title_ja, true)?;
    let title_en = Some(text("title_en", &input.title_en, false)?)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| title_ja.clone());
    let category = Category::from_code(input.category.trim()).ok_or_else(|| {
        bad(
            "category",
            format!("category: unknown code {:?}", input.category),
        )
    })?;
    let mut members: Vec<String> = input
        .members
        .iter()
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty() && *m != ctx.actor.org_id)
        .collect();
    members.sort();
    members.dedup();
    if members.is_empty() {
        return Err(bad("members", "members: name at least one".into()));
    }
    let now = clock.now_us();
    let id = deltawall_store::new_id();
    let mut tx = ctx.store.write().await?;
    for m in &members {
        let o = orgs::get_unscoped(&mut tx, m)
            .await
            .map_err(|_| bad("members", format!("members: unknown organisation {m:?}")))?;
        if o.kind == OrgKind::Supervisor {
            return Err(bad("members", format!("members: {m:?} is a supervisor")));
        }
    }
    let room = Room {
        id: id.clone(),
        title_ja,
        title_en,
        category,
        declared_org: ctx.actor.org_id.clone(),
        declared_by: ctx.actor.user_id.clone(),
        declared_at: now,
        status: RoomStatus::Open,
        closed_at: None,
    };
    store::create(&mut tx, &room, &members, now).await?;
    let summary = json!({"title": room.title_ja, "category": category.code(), "members": members});
    ctx.audit(
        &mut tx,
        "coordination.declare",
        ("coordination_room", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The rooms the caller's organisation is a member of or declared.
pub async fn list(ctx: Ctx<'_>) -> SResult<Vec<Room>> {
    let mut conn = ctx.store.read().await?;
    Ok(store::list_for(&mut conn, &ctx.actor.org_id).await?)
}

/// One page of the rooms the caller's organisation is a member of or declared: open ones
/// first, newest first.
pub async fn page(ctx: Ctx<'_>, req: &PageRequest) -> SResult<KeysetPage<Room>> {
    let after = req.cursor(3)?;
    let mut conn = ctx.store.read().await?;
    Ok(store::page_for(&mut conn, &ctx.actor.org_id, after.as_ref(), req.limit()).await?)
}

/// Room `id` with its members, status board, linked cases and the page `req` of its
/// messages (the newest when `req` has no cursor).
pub async fn get(ctx: Ctx<'_>, id: &str, req: &PageRequest) -> SResult<RoomView> {
    let after = req.cursor(ROOM_ORDER_COLUMNS)?;
    let mut conn = ctx.store.read().await?;
    let room = store::get_for(&mut conn, &ctx.actor.org_id, id).await?;
    let open = room.status == RoomStatus::Open;
    let declarer = room.declared_org == ctx.actor.org_id;
    let messages = store::messages(&mut conn, id, after.as_ref(), req.limit()).await?;
    Ok(RoomView {
        members: store::members(&mut conn, id).await?,
        statuses: store::statuses(&mut conn, id).await?,
        messages: messages.items,
        messages_next: messages.next,
        cases: store::cases(&mut conn, id).await?,
        can_write: open && writes(&ctx),
        can_close: open && declarer && is_supervisor_staff(ctx.actor),
        room,
    })
}

/// The columns a cursor of a room's messages or status history has (time, id).
const ROOM_ORDER_COLUMNS: usize = 2;

/// One page of room `id`'s relay messages, newest first; the room must be one the
/// caller's organisation is a member of or declared (as for [`get`]), else not found.
pub async fn messages(ctx: Ctx<'_>, id: &str, req: &PageRequest) -> SResult<KeysetPage<Message>> {
    let after = req.cursor(ROOM_ORDER_COLUMNS)?;
    let mut conn = ctx.store.read().await?;
    store::get_for(&mut conn, &ctx.actor.org_id, id).await?;
    Ok(store::messages(&mut conn, id, after.as_ref(), req.limit()).await?)
}

/// A room's status history: the room, its members (to name the reporters) and one page
/// of every report, newest first.
#[derive(Debug, Clone)]
pub struct StatusHistory {
    /// The room.
    pub room: Room,
    /// Members.
    pub members: Vec<Member>,
    /// One page of reports, newest first.
    pub page: KeysetPage<StatusReport>,
}

/// One page of room `id`'s status history, newest first; the room must be one the caller's
/// organisation is a member of or declared (as for [`get`]), else not found.
pub async fn status_history(ctx: Ctx<'_>, id: &str, req: &PageRequest) -> SResult<StatusHistory> {
    let after = req.cursor(ROOM_ORDER_COLUMNS)?;
    let mut conn = ctx.store.read().await?;
    let room = store::get_for(&mut conn, &ctx.actor.org_id, id).await?;
    let members = store::members(&mut conn, id).await?;
    let page = store::status_history(&mut conn, id, after.as_ref(), req.limit()).await?;
    Ok(StatusHistory {
        room,
        members,
        page,
    })
}

/// Reads room `id` for a write by the caller; refuses a closed room.
async fn open_room(ctx: &Ctx<'_>, tx: &mut deltawall_store::Tx, id: &str) -> SResult<Room> {
    let room = store::get_for(tx, &ctx.actor.org_id, id).await?;
    if !writes(ctx) {
        return Err(ServiceError::Forbidden);
    }
    if room.status != RoomStatus::Open {
        return Err(closed());
    }
    Ok(room)
}

/// Relays a message to the room's members.
pub async fn post(ctx: Ctx<'_>, clock: &Clock, id: &str, input: &MessageInput) -> SResult<()> {
    let body = text("body", &input.body, true)?;
    let level = tlp(input.tlp.as_deref())?;
    let mut tx = ctx.store.write().await?;
    open_room(&ctx, &mut tx, id).await?;
    let m = Message {
        id: deltawall_store::new_id(),
        from_org: ctx.actor.org_id.clone(),
        author: ctx.actor.user_id.clone(),
        body,
        tlp: level.name().to_owned(),
        sent_at: clock.now_us(),
    };
    store::post(&mut tx, id, &m).await?;
    let summary = json!({"message": m.id, "tlp": m.tlp});
    ctx.audit(
        &mut tx,
        "coordination.message",
        ("coordination_room", Some(id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reports where the caller's organisation stands; only members report.
pub async fn report(ctx: Ctx<'_>, clock: &Clock, id: &str, input: &StatusInput) -> SResult<()> {
    let status = MemberStatus::from_code(input.status.trim())
        .ok_or_else(|| bad("status", format!("status: unknown code {:?}", input.status)))?;
    let note = text("note", &input.note, false)?;
    let mut tx = ctx.store.write().await?;
    let room = open_room(&ctx, &mut tx, id).await?;
    if room.declared_org == ctx.actor.org_id {
        return Err(ServiceError::Forbidden);
    }
    let now = clock.now_us();
    let s = StatusReport {
        org_id: ctx.actor.org_id.clone(),
        status,
        as_of: now,
        note,
        reported_by: ctx.actor.user_id.clone(),
        reported_at: now,
    };
    store::report(&mut tx, id, &deltawall_store::new_id(), &s).await?;
    let summary = json!({"status": status.code()});
    ctx.audit(
        &mut tx,
        "coordination.status",
        ("coordination_room", Some(id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Links one of the caller's institution's cases to the room.
pub async fn link(ctx: Ctx<'_>, clock: &Clock, id: &str, input: &LinkInput) -> SResult<()> {
    if ctx.actor.org_kind != OrgKind::Institution {
        return Err(ServiceError::Forbidden);
    }
    let mut tx = ctx.store.write().await?;
    open_room(&ctx, &mut tx, id).await?;
    let own = OrgScope::Own(ctx.actor.org_id.clone());
    let case = cases::get(&mut tx, &own, input.case_id.trim()).await?;
    store::link(
        &mut tx,
        id,
        &case.id,
        &ctx.actor.org_id,
        &ctx.actor.user_id,
        clock.now_us(),
    )
    .await
    .map_err(|e| match e {
        deltawall_store::StoreError::Conflict(_) => ServiceError::Conflict {
            code: "room-linked",
            message: "the case is already linked to the room".into(),
        },
        e => e.into(),
    })?;
    let summary = json!({"case": case.id});
    ctx.audit(
        &mut tx,
        "coordination.link_case",
        ("coordination_room", Some(id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Closes the room (the declaring supervisor's staff); it stays readable, never writable.
pub async fn close(ctx: Ctx<'_>, clock: &Clock, id: &str) -> SResult<()> {
    let mut tx = ctx.store.write().await?;
    let room = open_room(&ctx, &mut tx, id).await?;
    if room.declared_org != ctx.actor.org_id || !is_supervisor_staff(ctx.actor) {
        return Err(ServiceError::Forbidden);
    }
    store::close(&mut tx, id, &ctx.actor.user_id, clock.now_us()).await?;
    ctx.audit(
        &mut tx,
        "coordination.close",
        ("coordination_room", Some(id)),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
