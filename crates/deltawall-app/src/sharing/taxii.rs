//! Sharing over TAXII 2.1: trust groups (API roots), collections and their objects.
//!
//! **TLP is enforced in one place.** The decision is made once per object version when it
//! is added ([`reach_of`], which asks `deltawall_stix::may_disclose_object` for every
//! audience) and stored with it; every read compares it with the caller's [`viewer`]: page
//! reads (objects, object by id, manifest, versions, `more`/`next`, the 404 of the object
//! endpoints, delete) in SQL through `deltawall_store::sharing::page`/`has_object`, the
//! checks of an add through [`disclose`]. An object the caller may not receive is
//! indistinguishable from one that does not exist.
//!
//! Access to a collection comes from its grants (`deltawall_store::scope::grantee_clause`):
//! a collection the caller holds no grant on is not found.

use crate::error::ServiceError;
use crate::{Ctx, SResult};
use deltawall_domain::access::TokenScope;
use deltawall_domain::{Permission, Role};
use deltawall_stix::{Audience, DisclosurePolicy, StixObject, may_disclose_object};
use deltawall_store::records::now_us;
use deltawall_store::scope;
use deltawall_store::sharing::{
    self, ApiRoot, Collection, Grant, NewGrant, PageQuery, StoredObject, VersionSelect, Viewer,
};
use serde_json::json;

pub use crate::sharing::add::{AddOutcome, add_objects};

/// A TAXII timestamp (RFC 3339, UTC, microseconds) for Unix microseconds.
pub fn timestamp(us: i64) -> String {
    jiff::Timestamp::from_microsecond(us)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%S.%6fZ")
        .to_string()
}

/// The most objects returned in one page.
pub const MAX_PAGE: usize = 1000;

/// How long the status of an add request stays readable: 7 days (TAXII §4.3 asks for at
/// least 24 hours). Older statuses are 404 and are deleted by the next add.
pub const STATUS_RETENTION_US: i64 = 7 * 86_400 * 1_000_000;

/// One `match[version]` term (TAXII §3.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VersionTerm {
    /// The latest version (the default).
    Last,
    /// The earliest version.
    First,
    /// Every version (alone only).
    All,
    /// The version with this `modified` (or `created`), Unix µs.
    At(i64),
}

/// The filters and paging of a manifest, objects, object or versions request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectQuery {
    /// `added_after`, Unix µs (exclusive).
    pub added_after: Option<i64>,
    /// `limit`, already checked to be positive.
    pub limit: Option<usize>,
    /// `next`, as received.
    pub next: Option<String>,
    /// `match[id]`.
    pub ids: Vec<String>,
    /// `match[type]`.
    pub types: Vec<String>,
    /// `match[version]`; empty means `last`.
    pub versions: Vec<VersionTerm>,
    /// `match[spec_version]`; empty means the latest per object.
    pub spec_versions: Vec<String>,
}

impl ObjectQuery {
    /// The query without paging, which a `next` token is bound to.
    fn canonical(&self, endpoint: &str) -> String {
        format!(
            "{endpoint}|{:?}|{:?}|{:?}|{:?}|{:?}",
            self.added_after, self.ids, self.types, self.versions, self.spec_versions
        )
    }
}

/// One page of object versions, already disclosed to the caller.
#[derive(Debug, Clone, Default)]
pub struct ObjectPage {
    /// The rows of this page, in `date_added` order.
    pub items: Vec<StoredObject>,
    /// Whether more rows follow.
    pub more: bool,
    /// The token for the next page, when `more`.
    pub next: Option<String>,
}

/// Which kind of read a page is for (part of what a `next` token is bound to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Get objects.
    Objects,
    /// Get object manifests.
    Manifest,
    /// Get an object (by id).
    Object,
    /// Get object versions.
    Versions,
}

/// Creates an API root (a trust group). Supervisor administrators and administrators of an
/// information sharing body only.
pub async fn create_api_root(
    ctx: &Ctx<'_>,
    id: &str,
    title: &str,
    description: Option<&str>,
    kind: &str,
) -> SResult<()> {
    require_manager(ctx)?;
    let valid_id = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid_id {
        return Err(invalid(
            "id",
            "use 1 to 64 lowercase letters, digits or '-'",
        ));
    }
    if !matches!(kind, "isac" | "council" | "alerts") {
        return Err(invalid("kind", "use isac, council or alerts"));
    }
    deltawall_domain::validate::text("title", title, true, 200)?;
    let mut tx = ctx.store.write().await?;
    let root = ApiRoot {
        id: id.to_owned(),
        title: title.to_owned(),
        description: description.map(str::to_owned),
        kind: kind.to_owned(),
        created_at: now_us(),
        closed_at: None,
    };
    sharing::create_root(&mut tx, &root).await?;
    sharing::set_manager(&mut tx, id, &ctx.actor.org_id).await?;
    ctx.audit(
        &mut tx,
        "taxii.root_create",
        ("taxii_api_root", Some(id)),
        None,
        json!({"title": title, "kind": kind}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Closes an API root (e.g. an incident council when the incident ends); it is no longer
/// served, its data stays for the record.
pub async fn close_api_root(ctx: &Ctx<'_>, id: &str) -> SResult<()> {
    require_manager(ctx)?;
    let mut tx = ctx.store.write().await?;
    require_group_manager(ctx, &mut tx, id).await?;
    sharing::close_root(&mut tx, id, now_us()).await?;
    ctx.audit(
        &mut tx,
        "taxii.root_close",
        ("taxii_api_root", Some(id)),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reopens a closed API root (an incident council called again); only its manager.
pub async fn reopen_api_root(ctx: &Ctx<'_>, id: &str) -> SResult<()> {
    require_manager(ctx)?;
    let mut tx = ctx.store.write().await?;
    require_group_manager(ctx, &mut tx, id).await?;
    sharing::reopen_root(&mut tx, id).await?;
    ctx.audit(
        &mut tx,
        "taxii.root_reopen",
        ("taxii_api_root", Some(id)),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses anyone but the organisation that manages trust group `id` (its creator); a
/// group with no recorded manager is left to the national supervisor. Checked inside the
/// write transaction, before anything is written.
async fn require_group_manager(
    ctx: &Ctx<'_>,
    tx: &mut deltawall_store::Tx,
    id: &str,
) -> SResult<()> {
    let manager = sharing::manager_of(tx, id).await?;
    let allowed = match manager {
        Some(org) => org == ctx.actor.org_id,
        None => ctx.actor.reach == Some(deltawall_domain::org::SupervisorReach::National),
    };
    if allowed {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Creates a collection in an open API root with its grants (extends the trust group);
/// only the group's manager. Returns its id.
pub async fn create_collection(
    ctx: &Ctx<'_>,
    api_root: &str,
    title: &str,
    alias: Option<&str>,
    grants: &[NewGrant],
) -> SResult<String> {
    require_manager(ctx)?;
    deltawall_domain::validate::text("title", title, true, 200)?;
    let mut tx = ctx.store.write().await?;
    sharing::open_root(&mut tx, api_root).await?;
    require_group_manager(ctx, &mut tx, api_root).await?;
    check_grantees(&mut tx, grants).await?;
    let id =
        sharing::create_collection(&mut tx, api_root, title, None, alias, grants, now_us()).await?;
    let summary: Vec<_> = grants
        .iter()
        .map(|g| {
            json!({"grantee": g.grantee, "read": g.grant.can_read, "write": g.grant.can_write,
                   "recipient": g.grant.recipient})
        })
        .collect();
    ctx.audit(
        &mut tx,
        "taxii.collection_create",
        ("taxii_collection", Some(&id)),
        None,
        json!({"api_root": api_root, "title": title, "grants": summary}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn invalid(field: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(deltawall_domain::validate::Invalid {
        field,
        reason,
        code: "err-bad-request",
    })
}

/// Checks that every grantee is an existing organisation or `kind:<organisation kind>`.
async fn check_grantees(tx: &mut deltawall_store::Tx, grants: &[NewGrant]) -> SResult<()> {
    for g in grants {
        let ok = match g.grantee.strip_prefix("kind:") {
            Some(kind) => deltawall_domain::OrgKind::from_code(kind).is_some(),
            None => deltawall_store::orgs::get_unscoped(tx, &g.grantee)
                .await
                .is_ok(),
        };
        if !ok {
            return Err(invalid(
                "grants",
                "a grantee must be an organisation id or kind:<organisation kind>",
            ));
        }
    }
    Ok(())
}

fn require_manager(ctx: &Ctx<'_>) -> SResult<()> {
    let sharing_admin = ctx.actor.org_kind == deltawall_domain::OrgKind::SharingBody
        && ctx.actor.role == Role::Admin
        && ctx.actor.token_scope != Some(TokenScope::Read);
    if ctx.actor.can(Permission::ManageSector) || sharing_admin {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

fn grantees(ctx: &Ctx<'_>) -> scope::Clause {
    scope::grantee_clause(&ctx.actor.org_id, ctx.actor.org_kind, 1)
}

/// The API root discovery names as `default` (TAXII §4.1.1): the first ISAC trust group
/// among `roots`, else the first root.
pub fn default_root(roots: &[ApiRoot]) -> Option<&ApiRoot> {
    roots.iter().find(|r| r.kind == "isac").or(roots.first())
}

/// The API roots in which the caller holds a grant on some collection.
pub async fn discovery(ctx: &Ctx<'_>) -> SResult<Vec<ApiRoot>> {
    let mut conn = ctx.store.read().await?;
    let mut out = Vec::new();
    for root in sharing::open_roots(&mut conn).await? {
        if !sharing::collections(&mut conn, &root.id, &grantees(ctx))
            .await?
            .is_empty()
        {
            out.push(root);
        }
    }
    Ok(out)
}

/// One page of the trust groups (open API roots) in which the caller may read or add to
/// some collection, by root id, each with those collections and the caller's rights.
pub async fn groups_page(
    ctx: &Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<(ApiRoot, Vec<Collection>)>> {
    let after = req.cursor(1)?;
    let mut conn = ctx.store.read().await?;
    let grantees = grantees(ctx);
    let roots =
        sharing::page_granted_roots(&mut conn, &grantees, after.as_ref(), req.limit()).await?;
    let mut items = Vec::with_capacity(roots.items.len());
    for root in roots.items {
        let collections = sharing::collections(&mut conn, &root.id, &grantees).await?;
        items.push((root, collections));
    }
    Ok(deltawall_store::keyset::KeysetPage {
        items,
        next: roots.next,
    })
}

/// One API root, if the caller holds a grant in it.
pub async fn api_root(ctx: &Ctx<'_>, id: &str) -> SResult<ApiRoot> {
    let mut conn = ctx.store.read().await?;
    let root = sharing::open_root(&mut conn, id).await?;
    if sharing::collections(&mut conn, id, &grantees(ctx))
        .await?
        .is_empty()
    {
        return Err(ServiceError::NotFound("api root"));
    }
    Ok(root)
}

/// The collections of an API root the caller holds a grant on, in a stable order.
pub async fn collections(ctx: &Ctx<'_>, root: &str) -> SResult<Vec<Collection>> {
    let mut conn = ctx.store.read().await?;
    let list = sharing::collections(&mut conn, root, &grantees(ctx)).await?;
    if list.is_empty() {
        return Err(ServiceError::NotFound("api root"));
    }
    Ok(list)
}

/// One collection, by id or alias, with the caller's rights.
pub async fn collection(ctx: &Ctx<'_>, root: &str, id: &str) -> SResult<Collection> {
    let mut conn = ctx.store.read().await?;
    sharing::collections(&mut conn, root, &grantees(ctx))
        .await?
        .into_iter()
        .find(|c| c.id == id || c.alias.as_deref() == Some(id))
        .ok_or(ServiceError::NotFound("collection"))
}

/// The collection for reading: not found without a grant, 403 without read rights.
pub(crate) async fn readable(ctx: &Ctx<'_>, root: &str, id: &str) -> SResult<Collection> {
    let c = collection(ctx, root, id).await?;
    if !c.grant.can_read {
        return Err(ServiceError::Forbidden);
    }
    Ok(c)
}

/// The TLP decision for one object version, made once when it is added: the set of
/// audiences (`deltawall_store::sharing::audience_bit`) that
/// `deltawall_stix::may_disclose_object` lets receive it. Reads compare it with the
/// caller's [`viewer`]; together they are the single enforcement point.
pub(crate) fn reach_of(obj: &StixObject) -> i64 {
    let policy = DisclosurePolicy::default();
    let mut reach = 0;
    // Named recipients (TLP:RED): the bit says the version's `taxii_recipients` rows admit
    // their organisations; set only when the policy lets a named recipient receive it.
    let named_only = Audience {
        named_recipient: true,
        ..Audience::default()
    };
    if named_recipients(obj).is_ok_and(|r| !r.is_empty())
        && may_disclose_object(obj, &named_only, &policy).is_allowed()
    {
        reach |= sharing::NAMED_BIT;
    }
    for originator in [false, true] {
        for recipient in [false, true] {
            for member in [false, true] {
                let audience = Audience {
                    originator,
                    named_recipient: false,
                    recipient_org: recipient,
                    recipient_client: false,
                    community_member: member,
                };
                if may_disclose_object(obj, &audience, &policy).is_allowed() {
                    reach |= sharing::audience_bit(originator, recipient, member);
                }
            }
        }
    }
    reach
}

/// How the caller relates to the objects of a collection: their organisation (the
/// originator of what it added, and a named recipient of the TLP:RED versions that name
/// it), a recipient grant (AMBER, AMBER+STRICT), a read grant (community member, GREEN).
pub(crate) fn viewer(ctx: &Ctx<'_>, grant: Grant) -> Viewer {
    Viewer::new(&ctx.actor.org_id, grant)
}

/// The hub-specific property in which a publisher names the recipient organisations of a
/// TLP:RED object (STIX 2.1 §11.1 custom property; `docs/CONFORMANCE.md`).
pub const RECIPIENTS_PROPERTY: &str = "x_deltawall_recipients";

/// The organisation ids an object names in [`RECIPIENTS_PROPERTY`], sorted and without
/// duplicates (empty without the property); an error names what is wrong with it.
pub fn named_recipients(obj: &StixObject) -> Result<Vec<String>, String> {
    let Some(value) = obj.get(RECIPIENTS_PROPERTY) else {
        return Ok(Vec::new());
    };
    let bad = || format!("{RECIPIENTS_PROPERTY}: use a list of 1 to 100 organisation ids");
    let list = value.as_array().ok_or_else(bad)?;
    if list.is_empty() || list.len() > 100 {
        return Err(bad());
    }
    let mut out = Vec::with_capacity(list.len());
    for v in list {
        match v.as_str() {
            Some(id) if !id.is_empty() && id.len() <= 64 => out.push(id.to_owned()),
            _ => return Err(bad()),
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// THE enforcement point for rows loaded whatever their audience (the checks of an add):
/// keeps only the rows the caller may receive. Reads of pages apply the same test in SQL
/// (`sharing::page` with the caller's [`viewer`]).
pub(crate) fn disclose(ctx: &Ctx<'_>, grant: Grant, rows: Vec<StoredObject>) -> Vec<StoredObject> {
    let v = viewer(ctx, grant);
    rows.into_iter().filter(|row| v.admits(row)).collect()
}

/// Computes `reach` for rows stored without it (before migration 4, or restored from a
/// backup); until then they reach nobody. Run at start-up; returns how many rows it set.
pub async fn backfill_reach(store: &deltawall_store::Store) -> SResult<u64> {
    let mut n = 0;
    loop {
        let mut tx = store.write().await?;
        let rows = sharing::unreached(&mut tx, 500).await?;
        if rows.is_empty() {
            break;
        }
        for (collection, date_added, json) in &rows {
            // An object that no longer parses reaches nobody, not even its originator.
            let reach = StixObject::parse(json).map_or(0, |o| reach_of(&o));
            sharing::set_reach(&mut tx, collection, *date_added, reach).await?;
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}

/// The store's version selection for a query: `all` for the versions endpoint (and a
/// delete without `match[version]`), else the `match[version]` terms (default `last`).
fn version_select(q: &ObjectQuery, all: bool) -> VersionSelect {
    let terms: &[VersionTerm] = if q.versions.is_empty() {
        &[VersionTerm::Last]
    } else {
        &q.versions
    };
    let mut v = VersionSelect {
        all,
        ..VersionSelect::default()
    };
    for t in terms {
        match t {
            VersionTerm::Last => v.last = true,
            VersionTerm::First => v.first = true,
            VersionTerm::All => v.all = true,
            VersionTerm::At(us) => v.at.push(*us),
        }
    }
    v
}

/// A page of disclosed object versions of a readable collection. `object` limits the read
/// to one id (object by id and versions); `all_versions` is for the versions endpoint.
pub async fn read_page(
    ctx: &Ctx<'_>,
    root: &str,
    collection_id: &str,
    endpoint: Endpoint,
    object: Option<&str>,
    q: &ObjectQuery,
) -> SResult<ObjectPage> {
    let c = readable(ctx, root, collection_id).await?;
    let v = viewer(ctx, c.grant);
    let bound = format!(
        "{}|{}|{}",
        c.id,
        object.unwrap_or(""),
        q.canonical(&format!("{endpoint:?}"))
    );
    let after_cursor = match &q.next {
        Some(token) => Some(crate::sharing::add::open_next(ctx, &bound, token).await?),
        None => None,
    };
    let limit = q.limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
    let mut conn = ctx.store.read().await?;
    if let Some(id) = object
        && !sharing::has_object(&mut conn, &c.id, &v, id).await?
    {
        return Err(ServiceError::NotFound("object"));
    }
    let query = PageQuery {
        ids: object.map_or_else(|| q.ids.clone(), |id| vec![id.to_owned()]),
        types: q.types.clone(),
        spec_versions: q.spec_versions.clone(),
        versions: version_select(q, endpoint == Endpoint::Versions),
        after: q.added_after.max(after_cursor),
        limit: Some(limit + 1),
    };
    let mut items = sharing::page(&mut conn, &c.id, &v, &query).await?;
    drop(conn);
    let more = items.len() > limit;
    items.truncate(limit);
    let next = match (more, items.last()) {
        (true, Some(last)) => {
            Some(crate::sharing::add::seal_next(ctx, &bound, last.date_added).await?)
        }
        _ => None,
    };
    Ok(ObjectPage { items, more, next })
}

/// Deletes the disclosed versions of one object matching `match[version]` and
/// `match[spec_version]` (TAXII §5.7). Needs read and write rights; only the organisation
/// that added a version may delete it.
pub async fn delete_object(
    ctx: &Ctx<'_>,
    root: &str,
    collection_id: &str,
    object: &str,
    q: &ObjectQuery,
) -> SResult<()> {
    let c = collection(ctx, root, collection_id).await?;
    if !(c.grant.can_read && c.grant.can_write && may_write(ctx)) {
        return Err(ServiceError::Forbidden);
    }
    let query = PageQuery {
        ids: vec![object.to_owned()],
        spec_versions: q.spec_versions.clone(),
        versions: version_select(q, q.versions.is_empty()),
        ..PageQuery::default()
    };
    let mut conn = ctx.store.read().await?;
    let rows = sharing::page(&mut conn, &c.id, &viewer(ctx, c.grant), &query).await?;
    drop(conn);
    if rows.is_empty() {
        return Err(ServiceError::NotFound("object"));
    }
    if rows.iter().any(|r| r.origin_org != ctx.actor.org_id) {
        return Err(ServiceError::Forbidden);
    }
    let keys: Vec<i64> = rows.iter().map(|r| r.date_added).collect();
    let mut tx = ctx.store.write().await?;
    let n = sharing::delete_rows(&mut tx, &c.id, &keys).await?;
    ctx.audit(
        &mut tx,
        "taxii.delete",
        ("taxii_collection", Some(&c.id)),
        None,
        json!({"api_root": root, "object": object, "versions": n}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the actor may change shared data at all: not an auditor, not a read-only token.
pub fn may_write(ctx: &Ctx<'_>) -> bool {
    ctx.actor.role != Role::Auditor && ctx.actor.token_scope != Some(TokenScope::Read)
}

/// The status of an add request made by the caller's organisation.
pub async fn status(ctx: &Ctx<'_>, root: &str, id: &str) -> SResult<serde_json::Value> {
    api_root(ctx, root).await?;
    let mut conn = ctx.store.read().await?;
    let not_before = now_us() - STATUS_RETENTION_US;
    let doc = sharing::get_status(&mut conn, root, id, &ctx.actor.org_id, not_before).await?;
    serde_json::from_str(&doc).map_err(|e| ServiceError::Internal(e.into()))
}
