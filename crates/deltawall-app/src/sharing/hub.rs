//! The sharing hub as people use it in the UI: trust groups and collections, a collection's
//! objects with their feedback and standing, one object (a report with its indicators),
//! and publishing indicators, reports and sightings.
//!
//! Reads go through [`readable`] and `sharing::page` with the caller's [`viewer`], the
//! same collection check and TLP enforcement point as TAXII. Writes build STIX objects and hand them to
//! [`add_objects`], the same path, checks and audit entry as a TAXII add: there is one
//! enforcement point for both surfaces.

use crate::error::ServiceError;
use crate::sharing::add::{AddMode, add_as};
use crate::sharing::feedback::aggregates;
use crate::sharing::taxii::{RECIPIENTS_PROPERTY, readable, viewer};
use crate::{Ctx, SResult};
use deltawall_domain::validate::Invalid;
use deltawall_stix::feedback::{Aggregate, Assessment, Opinion, assess};
use deltawall_stix::{DisclosurePolicy, MarkingSet, StixObject, Timestamp, Tlp};
use deltawall_store::keyset::{self, Key};
use deltawall_store::records::Organisation;
use deltawall_store::sharing::{
    self, ApiRoot, Collection, ObjectFilter, PageQuery, StoredObject, VersionSelect,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Types shown as aggregates on the objects they are about, not as listing rows.
const FEEDBACK_TYPES: &[&str] = &["sighting", "opinion"];

/// The largest envelope the UI builds (one object).
const MAX_UI_BYTES: usize = 256 * 1024;

/// A trust group with the collections the caller holds a grant on.
#[derive(Debug, Clone)]
pub struct TrustGroup {
    /// The API root.
    pub root: ApiRoot,
    /// Its collections, with the caller's rights.
    pub collections: Vec<Collection>,
    /// The newest current objects of each collection the caller reads (collection id, up
    /// to [`NEWEST_ON_HOME`] items), so the hub's first page leads to what was shared.
    pub newest: Vec<(String, Vec<Item>)>,
}

/// How many of a collection's newest objects the hub's home shows.
pub const NEWEST_ON_HOME: i64 = 3;

/// One page of the trust groups in which the caller holds a grant on some collection, by
/// root id, and where the next page starts.
pub async fn home(
    ctx: &Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<(Vec<TrustGroup>, Option<String>)> {
    let page = crate::sharing::taxii::groups_page(ctx, req).await?;
    let (groups, next) = (page.items, page.next);
    let first_page = ListQuery {
        page: crate::paging::PageRequest {
            cursor: None,
            limit: Some(NEWEST_ON_HOME),
        },
        ..ListQuery::default()
    };
    let mut out = Vec::new();
    for (root, collections) in groups {
        let mut newest = Vec::new();
        for c in collections.iter().filter(|c| c.grant.can_read) {
            // Through `list`, so the home shows only what the collection page would.
            let listing = list(ctx, &root.id, &c.id, &first_page).await?;
            if !listing.items.is_empty() {
                newest.push((c.id.clone(), listing.items));
            }
        }
        out.push(TrustGroup {
            root,
            collections,
            newest,
        });
    }
    Ok((out, next))
}

/// One object as a reader sees it: its latest disclosed version, its effective TLP, the
/// feedback the reader may see, and (indicators) its standing.
#[derive(Debug, Clone)]
pub struct Item {
    /// The stored version.
    pub stored: StoredObject,
    /// Parsed.
    pub obj: StixObject,
    /// Effective TLP (unmarked counts as the policy's default, AMBER).
    pub tlp: Tlp,
    /// Feedback about it.
    pub feedback: Aggregate,
    /// Score and standing (`valid_until`, revocation, decay).
    pub assessment: Assessment,
}

impl Item {
    /// `name`, else the id.
    pub fn name(&self) -> &str {
        self.obj.get_str("name").unwrap_or(self.obj.id().as_str())
    }

    /// A string property, or empty.
    pub fn text(&self, property: &str) -> &str {
        self.obj.get_str(property).unwrap_or("")
    }

    /// The STIX id.
    pub fn id(&self) -> &str {
        &self.stored.stix_id
    }

    /// A timestamp property in Japan time (`YYYY-MM-DD HH:MM`), or `—`.
    pub fn when(&self, property: &str) -> String {
        self.obj
            .get_str(property)
            .and_then(|s| s.parse::<jiff::Timestamp>().ok())
            .map_or_else(
                || "—".to_owned(),
                |t| crate::time::format_time(t.as_microsecond()),
            )
    }
}

/// What a collection page shows.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The collection, with the caller's rights.
    pub collection: Collection,
    /// This page, newest first.
    pub items: Vec<Item>,
    /// Objects matching the filter.
    pub total: usize,
    /// Objects left out because they ended (expired, revoked, decayed).
    pub ended: usize,
    /// Where the next page starts, when there is one.
    pub next: Option<String>,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only this STIX type (empty: every type except sightings and opinions).
    pub object_type: String,
    /// Also list objects that ended.
    pub include_ended: bool,
    /// The page: the previous page's cursor and the page size.
    pub page: crate::paging::PageRequest,
}

/// The order of a collection's listing, newest first: when the object was added, then its
/// id. Whether an object ended is decided at read time (decay, feedback), so the listing
/// is filtered and paged after the read, and a cursor is checked against these kinds.
const LIST_ORDER: &[keyset::Col] = &[
    ("date_added", keyset::Dir::Desc, keyset::Kind::Int),
    ("stix_id", keyset::Dir::Asc, keyset::Kind::Text),
];

/// The latest disclosed version of every object of a readable collection, as items.
async fn items(ctx: &Ctx<'_>, c: &Collection, filter: &ObjectFilter) -> SResult<Vec<Item>> {
    // The latest version the caller may receive of each object, filtered in SQL.
    let query = PageQuery {
        ids: filter.ids.clone(),
        types: filter.types.clone(),
        versions: VersionSelect {
            last: true,
            ..VersionSelect::default()
        },
        ..PageQuery::default()
    };
    let rows = {
        let mut conn = ctx.store.read().await?;
        sharing::page(&mut conn, &c.id, &viewer(ctx, c.grant), &query).await?
    };
    let policy = DisclosurePolicy::default();
    let parsed: Vec<(StoredObject, StixObject)> = rows
        .into_iter()
        .filter_map(|r| StixObject::parse(&r.json).ok().map(|o| (r, o)))
        .collect();
    let targets: Vec<String> = parsed
        .iter()
        .filter(|(r, _)| !FEEDBACK_TYPES.contains(&r.object_type.as_str()))
        .map(|(r, _)| r.stix_id.clone())
        .collect();
    let mut feedback = BTreeMap::new();
    for chunk in targets.chunks(500) {
        feedback.extend(aggregates(ctx, c, chunk).await?);
    }
    let now = jiff::Timestamp::now();
    Ok(parsed
        .into_iter()
        .map(|(stored, obj)| {
            let tlp = policy
                .resolve(&MarkingSet::effective(&obj))
                .tlp()
                .unwrap_or(policy.unmarked_as);
            let feedback = feedback.remove(&stored.stix_id).unwrap_or_default();
            let assessment = assess(&obj, &feedback, now);
            Item {
                stored,
                obj,
                tlp,
                feedback,
                assessment,
            }
        })
        .collect())
}

/// A page of a readable collection's objects, newest first.
pub async fn list(ctx: &Ctx<'_>, root: &str, coll: &str, q: &ListQuery) -> SResult<Listing> {
    let c = readable(ctx, root, coll).await?;
    let filter = ObjectFilter {
        ids: vec![],
        types: Some(q.object_type.clone())
            .filter(|t| !t.is_empty())
            .into_iter()
            .collect(),
    };
    let mut all = items(ctx, &c, &filter).await?;
    if q.object_type.is_empty() {
        all.retain(|i| !FEEDBACK_TYPES.contains(&i.stored.object_type.as_str()));
    }
    let before = all.len();
    if !q.include_ended {
        all.retain(|i| i.assessment.standing.is_current());
    }
    let ended = before - all.len();
    let key = |i: &Item| {
        (
            std::cmp::Reverse(i.stored.date_added),
            i.stored.stix_id.clone(),
        )
    };
    all.sort_by_key(key);
    let total = all.len();
    let start = match q.page.cursor(LIST_ORDER.len())? {
        None => 0,
        Some(cursor) => {
            cursor.check(LIST_ORDER)?;
            let [Key::Int(at), Key::Text(id)] = cursor.0.as_slice() else {
                return Err(keyset_mismatch());
            };
            let last = (std::cmp::Reverse(*at), id.clone());
            all.partition_point(|i| key(i) <= last)
        }
    };
    let limit = usize::try_from(q.page.limit()).unwrap_or(1);
    let items: Vec<Item> = all.into_iter().skip(start).take(limit).collect();
    let next = (start + items.len() < total)
        .then(|| items.last())
        .flatten()
        .map(|i| {
            keyset::Cursor(vec![
                Key::Int(i.stored.date_added),
                Key::Text(i.stored.stix_id.clone()),
            ])
            .encode()
        });
    Ok(Listing {
        collection: c,
        items,
        total,
        ended,
        next,
    })
}

/// The refusal of a cursor that passed the kind check yet is not the listing's shape.
fn keyset_mismatch() -> ServiceError {
    deltawall_store::StoreError::BadCursor("not a position in this listing".into()).into()
}

/// One object and what its page shows.
#[derive(Debug, Clone)]
pub struct Detail {
    /// The collection.
    pub collection: Collection,
    /// The object.
    pub item: Item,
    /// A report's `object_refs`: the referenced object when the reader may see it in this
    /// collection, else only its id (missing and withheld look the same).
    pub refs: Vec<(String, Option<Item>)>,
    /// Organisations that reported feedback on it under their name.
    pub named: Vec<Organisation>,
}

/// One object of a readable collection, by STIX id.
pub async fn object(ctx: &Ctx<'_>, root: &str, coll: &str, id: &str) -> SResult<Detail> {
    let c = readable(ctx, root, coll).await?;
    let mut all = items(ctx, &c, &ObjectFilter::default()).await?;
    let pos = all
        .iter()
        .position(|i| i.stored.stix_id == id)
        .ok_or(ServiceError::NotFound("object"))?;
    let item = all.swap_remove(pos);
    let refs = item
        .obj
        .id_list("object_refs")
        .into_iter()
        .map(|r| {
            let found = all.iter().find(|i| i.stored.stix_id == r.as_str()).cloned();
            (r.as_str().to_owned(), found)
        })
        .collect();
    let mut named = Vec::new();
    if !item.feedback.named.is_empty() {
        let mut conn = ctx.store.read().await?;
        for org in &item.feedback.named {
            named.push(deltawall_store::orgs::get_unscoped(&mut conn, org).await?);
        }
    }
    Ok(Detail {
        collection: c,
        item,
        refs,
        named,
    })
}

/// A new indicator from the publish form.
#[derive(Debug, Clone)]
pub struct IndicatorInput {
    /// Name.
    pub name: String,
    /// Description (optional).
    pub description: String,
    /// A STIX pattern.
    pub pattern: String,
    /// Marking.
    pub tlp: Tlp,
    /// `valid_from` (now when absent).
    pub valid_from: Option<jiff::Timestamp>,
    /// `valid_until`.
    pub valid_until: Option<jiff::Timestamp>,
    /// Recipient organisations (TLP:RED only).
    pub recipients: Vec<String>,
}

/// A new report from the publish form.
#[derive(Debug, Clone)]
pub struct ReportInput {
    /// Name.
    pub name: String,
    /// Description (optional).
    pub description: String,
    /// Marking.
    pub tlp: Tlp,
    /// Ids of the objects it covers (at least one).
    pub refs: Vec<String>,
    /// Recipient organisations (TLP:RED only).
    pub recipients: Vec<String>,
}

/// A sighting from the indicator page.
#[derive(Debug, Clone, Copy)]
pub struct SightingInput {
    /// How many times it was seen (0 to 999,999,999).
    pub count: u64,
    /// It was a false positive.
    pub false_positive: bool,
    /// Report under the organisation's name (`created_by_ref`) rather than anonymously.
    pub named: bool,
}

/// The outcome of a publish: the new object's id, or the add path's reason for refusing
/// it (validation, TLP, rights), to show beside the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Stored under this id.
    Stored(String),
    /// Refused, with the per-object message of the add status.
    Refused(String),
}

fn invalid(field: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code: "err-bad-request",
    })
}

fn check_name(name: &str) -> SResult<()> {
    if name.trim().is_empty() || name.chars().count() > 200 {
        return Err(invalid("name", "use 1 to 200 characters"));
    }
    Ok(())
}

/// The STIX id of an organisation's identity, stable per organisation (a UUID of version-4
/// form made from a hash of the organisation id), for `created_by_ref` of named feedback.
pub fn identity_of(org_id: &str) -> String {
    let digest = Sha256::digest(format!("deltawall organisation identity\n{org_id}"));
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "identity--{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The common properties of an object this hub creates now.
fn new_object(object_type: &str, tlp: Tlp) -> Value {
    let now = Timestamp::now();
    json!({
        "type": object_type,
        "spec_version": "2.1",
        "id": format!("{object_type}--{}", crate::sharing::add::uuid_v4()),
        "created": now.as_str(),
        "modified": now.as_str(),
        "object_marking_refs": [tlp.marking_id()],
    })
}

fn stix_time(t: jiff::Timestamp) -> String {
    Timestamp::from_instant(t).as_str().to_owned()
}

/// Names recipient organisations in the object; the add path checks them (TLP:RED only,
/// readers of the collection) and refuses the object otherwise.
fn name_recipients(obj: &mut Value, recipients: &[String]) {
    if !recipients.is_empty() {
        obj[RECIPIENTS_PROPERTY] = json!(recipients);
    }
}

/// The organisations the caller may name as recipients of a TLP:RED object in a collection
/// it writes to: the other organisations that read it, as `(id, name)` in `lang`.
pub async fn recipient_choices(
    ctx: &Ctx<'_>,
    c: &Collection,
    lang: crate::Lang,
) -> SResult<Vec<(String, String)>> {
    let mut conn = ctx.store.read().await?;
    let readers = sharing::readers(&mut conn, &c.id).await?;
    Ok(readers
        .into_iter()
        .filter(|(id, _, _)| *id != ctx.actor.org_id)
        .map(|(id, ja, en)| {
            let name = match lang {
                crate::Lang::Ja => ja,
                crate::Lang::En => en,
            };
            (id, name)
        })
        .collect())
}

/// Adds one object through the TAXII add path and reads its outcome.
async fn publish(ctx: &Ctx<'_>, root: &str, coll: &str, obj: Value) -> SResult<Published> {
    add_one(ctx, root, coll, obj, AddMode::Publish).await
}

/// Adds one object in `mode` and reads its outcome.
async fn add_one(
    ctx: &Ctx<'_>,
    root: &str,
    coll: &str,
    obj: Value,
    mode: AddMode,
) -> SResult<Published> {
    let id = obj["id"].as_str().unwrap_or_default().to_owned();
    let body = json!({ "objects": [obj] }).to_string();
    let out = add_as(ctx, root, coll, body.as_bytes(), MAX_UI_BYTES, mode).await?;
    match out.status["failures"][0]["message"].as_str() {
        Some(message) => Ok(Published::Refused(message.to_owned())),
        None => Ok(Published::Stored(id)),
    }
}

/// Publishes an indicator with a STIX pattern (checked by the STIX crate first, so the
/// form can say where the pattern is wrong).
pub async fn publish_indicator(
    ctx: &Ctx<'_>,
    root: &str,
    coll: &str,
    input: &IndicatorInput,
) -> SResult<Published> {
    crate::sharing::taxii::collection(ctx, root, coll).await?;
    check_name(&input.name)?;
    if let Err(e) = deltawall_stix::pattern::parse(input.pattern.trim()) {
        return Ok(Published::Refused(format!("pattern: {e}")));
    }
    let from = input.valid_from.unwrap_or_else(jiff::Timestamp::now);
    if input.valid_until.is_some_and(|u| u <= from) {
        return Err(invalid("valid_until", "must be after valid_from"));
    }
    let mut obj = new_object("indicator", input.tlp);
    obj["name"] = input.name.trim().into();
    if !input.description.trim().is_empty() {
        obj["description"] = input.description.trim().into();
    }
    obj["pattern"] = input.pattern.trim().into();
    obj["pattern_type"] = "stix".into();
    obj["valid_from"] = stix_time(from).into();
    if let Some(u) = input.valid_until {
        obj["valid_until"] = stix_time(u).into();
    }
    name_recipients(&mut obj, &input.recipients);
    publish(ctx, root, coll, obj).await
}

/// Publishes a report covering objects of the collection the caller can see.
pub async fn publish_report(
    ctx: &Ctx<'_>,
    root: &str,
    coll: &str,
    input: &ReportInput,
) -> SResult<Published> {
    let c = readable(ctx, root, coll).await?;
    check_name(&input.name)?;
    if input.refs.is_empty() {
        return Err(invalid("object_refs", "name at least one object"));
    }
    let visible = items(ctx, &c, &ObjectFilter::default()).await?;
    if let Some(missing) = input
        .refs
        .iter()
        .find(|r| !visible.iter().any(|i| i.stored.stix_id == **r))
    {
        return Ok(Published::Refused(format!(
            "object_refs: {missing} is not in this collection"
        )));
    }
    let mut obj = new_object("report", input.tlp);
    obj["name"] = input.name.trim().into();
    if !input.description.trim().is_empty() {
        obj["description"] = input.description.trim().into();
    }
    obj["report_types"] = json!(["threat-report"]);
    obj["published"] = obj["created"].clone();
    obj["object_refs"] = json!(input.refs);
    name_recipients(&mut obj, &input.recipients);
    publish(ctx, root, coll, obj).await
}

/// An opinion from the indicator page (STIX 2.1 §4.11).
#[derive(Debug, Clone)]
pub struct OpinionInput {
    /// Where on the agree/disagree scale.
    pub opinion: Opinion,
    /// Why (optional, up to 2,000 characters).
    pub explanation: String,
    /// Report under the organisation's name (`created_by_ref`) rather than anonymously.
    pub named: bool,
}

/// A new feedback object about an indicator the caller can read: the indicator's own TLP,
/// so it reaches no one the indicator does not, and the organisation's identity
/// (`created_by_ref`) only when `named`.
async fn feedback_object(
    ctx: &Ctx<'_>,
    root: &str,
    coll: &str,
    indicator: &str,
    object_type: &str,
    named: bool,
) -> SResult<Value> {
    let d = object(ctx, root, coll, indicator).await?;
    if d.item.stored.object_type != "indicator" {
        return Err(ServiceError::NotFound("object"));
    }
    let mut obj = new_object(object_type, d.item.tlp);
    if named {
        obj["created_by_ref"] = identity_of(&ctx.actor.org_id).into();
    }
    if d.item.tlp == Tlp::Red {
        // Feedback on a RED indicator reaches the indicator's audience: its originator
        // and the recipients it names.
        let mut audience = d.item.stored.recipients.clone();
        audience.push(d.item.stored.origin_org.clone());
        audience.retain(|o| *o != ctx.actor.org_id);
        audience.sort();
        audience.dedup();
        name_recipients(&mut obj, &audience);
    }
    Ok(obj)
}

/// Records a sighting of an indicator the caller can read. The hub records it on the
/// caller's behalf: a read grant is enough, and only feedback can be added that way.
pub async fn record_sighting(
    ctx: &Ctx<'_>,
    root: &str,
    coll: &str,
    indicator: &str,
    input: SightingInput,
) -> SResult<Published> {
    if input.count > 999_999_999 {
        return Err(invalid("count", "use 0 to 999999999"));
    }
    let mut obj = feedback_object(ctx, root, coll, indicator, "sighting", input.named).await?;
    obj["sighting_of_ref"] = indicator.into();
    obj["count"] = input.count.into();
    obj["last_seen"] = obj["created"].clone();
    if input.false_positive {
        obj[deltawall_stix::feedback::FALSE_POSITIVE_PROPERTY] = true.into();
    }
    add_one(ctx, root, coll, obj, AddMode::Feedback).await
}

/// Records an opinion about an indicator the caller can read, like [`record_sighting`].
pub async fn record_opinion(
    ctx: &Ctx<'_>,
    root: &str,
    coll: &str,
    indicator: &str,
    input: &OpinionInput,
) -> SResult<Published> {
    let explanation = input.explanation.trim();
    if explanation.chars().count() > 2000 {
        return Err(invalid("explanation", "use at most 2000 characters"));
    }
    let mut obj = feedback_object(ctx, root, coll, indicator, "opinion", input.named).await?;
    obj["opinion"] = input.opinion.code().into();
    obj["object_refs"] = json!([indicator]);
    if !explanation.is_empty() {
        obj["explanation"] = explanation.into();
    }
    add_one(ctx, root, coll, obj, AddMode::Feedback).await
}

#[cfg(test)]
mod tests {
    use super::identity_of;

    #[test]
    fn identities_are_stable_stix_ids() {
        let a = identity_of("org-a");
        assert_eq!(a, identity_of("org-a"));
        assert_ne!(a, identity_of("org-b"));
        assert!(deltawall_stix::Identifier::parse(&a).is_ok(), "{a}");
    }
}
