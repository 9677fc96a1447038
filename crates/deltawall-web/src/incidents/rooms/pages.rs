//! The pages of coordination rooms. Forms post and redirect back to the room.

use crate::error::AppError;
use crate::http::{UiForm, UiUser};
use crate::layout::{CursorPager, Layout, render};
use crate::router::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::incidents::rooms::{
    self, LinkInput, MessageInput, RoomInput, RoomView, StatusHistory, StatusInput,
};
use deltawall_app::paging::PageRequest;
use deltawall_app::supervision::roles::is_supervisor_staff;
use deltawall_domain::incident::case::Category;
use deltawall_domain::incident::council::MemberStatus;
use deltawall_store::incidents::rooms::{Member, Room};
use std::collections::HashMap;

type PageResult = Result<Response, AppError>;
type Pairs = Vec<(String, String)>;

fn get(f: &Pairs, key: &str) -> String {
    f.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

fn back(id: &str) -> PageResult {
    Ok(Redirect::to(&format!("/coordination/{id}")).into_response())
}

/// `GET /coordination`.
#[derive(Template)]
#[template(path = "incidents/rooms/list.html")]
pub struct ListPage {
    /// Layout.
    pub l: Layout,
    /// Rooms of this page.
    pub rooms: Vec<Room>,
    /// The next page and back to the first.
    pub pager: CursorPager,
    /// May declare a large incident.
    pub can_declare: bool,
    /// Categories `(code, label)`.
    pub categories: Vec<(&'static str, &'static str)>,
}

/// `GET /coordination/{id}`.
#[derive(Template)]
#[template(path = "incidents/rooms/room.html")]
pub struct RoomPage {
    /// Layout.
    pub l: Layout,
    /// The room.
    pub v: RoomView,
    /// Member names by organisation id.
    pub names: HashMap<String, String>,
    /// Statuses `(code, label)`.
    pub statuses: Vec<(&'static str, &'static str)>,
    /// The page of older messages and back to the newest.
    pub pager: CursorPager,
}

impl RoomPage {
    /// The name of member `org_id` (the declaring supervisor shows its id's owner as "—").
    pub fn name(&self, org_id: &str) -> String {
        self.names
            .get(org_id)
            .cloned()
            .unwrap_or_else(|| "—".into())
    }
}

/// `GET /coordination/{id}/statuses`.
#[derive(Template)]
#[template(path = "incidents/rooms/history.html")]
pub struct HistoryPage {
    /// Layout.
    pub l: Layout,
    /// The room, its members and one page of reports.
    pub h: StatusHistory,
    /// Member names by organisation id.
    pub names: HashMap<String, String>,
    /// The next page and back to the first.
    pub pager: CursorPager,
}

impl HistoryPage {
    /// The name of member `org_id`.
    pub fn name(&self, org_id: &str) -> String {
        self.names
            .get(org_id)
            .cloned()
            .unwrap_or_else(|| "—".into())
    }
}

fn member_names(members: &[Member], ja: bool) -> HashMap<String, String> {
    members
        .iter()
        .map(|m| {
            let name = if ja { &m.name_ja } else { &m.name_en };
            (m.org_id.clone(), name.clone())
        })
        .collect()
}

/// `GET /coordination/{id}/statuses`: every status report of the room, newest first, a
/// page at a time.
pub async fn history(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<PageRequest>,
) -> PageResult {
    let h = rooms::status_history(user.ctx(&state), &id, &q)
        .await
        .map_err(user.err())?;
    let pager = CursorPager::new(&user.path, h.page.next.as_deref());
    let names = member_names(&h.members, user.lang.code() == "ja");
    let l = user.layout("room-history", "coordination", None);
    Ok(render(&HistoryPage { l, h, names, pager }))
}

/// `GET /coordination`: the rooms, and the declaration form for supervisory staff.
pub async fn list(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<PageRequest>,
) -> PageResult {
    let page = rooms::page(user.ctx(&state), &q)
        .await
        .map_err(user.err())?;
    let pager = CursorPager::new(&user.path, page.next.as_deref());
    let rooms = page.items;
    let lang = user.lang.code();
    let categories = Category::ALL
        .iter()
        .map(|c| (c.code(), c.label(lang)))
        .collect();
    let can_declare = is_supervisor_staff(&user.info.actor);
    let l = user.layout("room-title", "coordination", None);
    Ok(render(&ListPage {
        l,
        rooms,
        pager,
        can_declare,
        categories,
    }))
}

/// `POST /coordination`: declares a large incident; members are ids, one per line.
pub async fn declare(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = RoomInput {
        title_ja: get(&f, "title_ja"),
        title_en: get(&f, "title_en"),
        category: get(&f, "category"),
        members: get(&f, "members")
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    let id = rooms::declare(user.ctx(&state), &state.config.clock, &input)
        .await
        .map_err(user.err())?;
    back(&id)
}

/// `GET /coordination/{id}`: the room with one page of its messages, newest first.
pub async fn room(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<PageRequest>,
) -> PageResult {
    let v = rooms::get(user.ctx(&state), &id, &q)
        .await
        .map_err(user.err())?;
    let pager = CursorPager::new(&user.path, v.messages_next.as_deref());
    let ja = user.lang.code() == "ja";
    let names = member_names(&v.members, ja);
    let lang = user.lang.code();
    let statuses = MemberStatus::ALL
        .iter()
        .map(|s| (s.code(), s.label(lang)))
        .collect();
    let l = user.layout("room-title", "coordination", None);
    Ok(render(&RoomPage {
        l,
        v,
        names,
        statuses,
        pager,
    }))
}

/// `POST /coordination/{id}/messages`.
pub async fn post(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = MessageInput {
        body: get(&f, "body"),
        tlp: Some(get(&f, "tlp")),
    };
    rooms::post(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    back(&id)
}

/// `POST /coordination/{id}/status`.
pub async fn status(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = StatusInput {
        status: get(&f, "status"),
        note: get(&f, "note"),
    };
    rooms::report(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    back(&id)
}

/// `POST /coordination/{id}/cases`.
pub async fn link(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = LinkInput {
        case_id: get(&f, "case_id"),
    };
    rooms::link(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    back(&id)
}

/// `POST /coordination/{id}/close`.
pub async fn close(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    rooms::close(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(user.err())?;
    back(&id)
}
