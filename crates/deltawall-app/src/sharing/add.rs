//! Adding objects to a collection (TAXII §5.5) and the authenticated `next` tokens.
//!
//! Decisions (documented in `docs/CONFORMANCE.md`):
//! - A byte-identical duplicate (same id and version, same JSON text), or the same
//!   properties serialised differently, is a success and stores nothing.
//! - The same id and version with different content is a per-object failure.
//! - A new version never weakens the markings of any stored version
//!   (`DisclosurePolicy::never_downgrade`, unmarked counting as AMBER), and only the
//!   organisation that added an id to the collection adds further versions of it.
//! - When every stored version of the id is withheld from the caller by TLP, the object is
//!   answered as a success, exactly as an unknown id is, and nothing is stored: the status
//!   never tells a member that a hidden object exists (issue 18, finding 7). When only some
//!   versions are withheld (the caller sees the id already), the failure message is one
//!   generic text, so nothing about those versions is revealed.
//! - A TLP:RED object may name recipient organisations (`x_deltawall_recipients`), each
//!   one that reads the collection; no version added later names new ones.

use crate::error::ServiceError;
use crate::sharing::taxii::{
    RECIPIENTS_PROPERTY, collection, disclose, may_write, named_recipients,
};
use crate::{Ctx, SResult};
use deltawall_stix::{
    DisclosurePolicy, DocumentKind, Limits, MarkingSet, ObjectKind, StixObject, Tlp, VersionOrder,
    compare_versions, parse_document_bytes,
};
use deltawall_store::records::now_us;
use deltawall_store::sharing::{self, NewObject, ObjectFilter, StoredObject};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The result of an add request: the status resource (TAXII §4.3.1).
#[derive(Debug, Clone)]
pub struct AddOutcome {
    /// The status document, as stored.
    pub status: Value,
}

/// The generic refusal for an object whose stored versions the caller may not see.
const REFUSED: &str = "object refused";

/// Why an add is made: a member publishing with a write grant (TAXII add, the UI's
/// publish forms), or the hub recording a reader's feedback on their behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddMode {
    /// Any object; needs a write grant.
    Publish,
    /// Only sightings and opinions about objects the caller can read in the collection;
    /// a read grant is enough (`docs/FEEDBACK.md`, "Read-only members").
    Feedback,
}

/// Adds the objects of a TAXII envelope to a collection. Needs a write grant and a role
/// that may write. Per-object outcomes are in the status; the request fails as a whole
/// only when the body is not an envelope (`Invalid`) or holds nothing processable.
pub async fn add_objects(
    ctx: &Ctx<'_>,
    root: &str,
    collection_id: &str,
    body: &[u8],
    max_bytes: usize,
) -> SResult<AddOutcome> {
    add_as(ctx, root, collection_id, body, max_bytes, AddMode::Publish).await
}

/// [`add_objects`] for `mode`. In [`AddMode::Feedback`] every object must be feedback
/// whose targets the caller may receive in this collection; anything else fails per
/// object, so a read grant never lets a member publish other objects.
pub(crate) async fn add_as(
    ctx: &Ctx<'_>,
    root: &str,
    collection_id: &str,
    body: &[u8],
    max_bytes: usize,
    mode: AddMode,
) -> SResult<AddOutcome> {
    let c = collection(ctx, root, collection_id).await?;
    let granted = match mode {
        AddMode::Publish => c.grant.can_write,
        AddMode::Feedback => c.grant.can_read,
    };
    if !granted || !may_write(ctx) {
        return Err(ServiceError::Forbidden);
    }
    let limits = Limits {
        max_bytes,
        ..Limits::default()
    };
    let doc = parse_document_bytes(body, &limits);
    match doc.kind {
        // A STIX bundle is taken for an envelope of its objects: stix2's
        // TAXIICollectionSink (3.0.2) posts bundles to TAXII 2.1 collections.
        DocumentKind::Envelope | DocumentKind::Bundle => {}
        DocumentKind::Unknown if serde_json::from_slice::<Value>(body).is_err() => {
            return Err(bad_request("the body is not JSON"));
        }
        _ => return Err(unprocessable("the body must be a TAXII envelope")),
    }
    if doc.objects.is_empty() && doc.rejected.is_empty() {
        return Err(unprocessable("the envelope holds no objects"));
    }
    let policy = DisclosurePolicy::default();
    let now = now_us();
    let mut successes = Vec::new();
    let mut failures = Vec::new();
    for r in &doc.rejected {
        let message = r
            .errors
            .first()
            .map_or("invalid object".to_owned(), |e| e.to_string());
        failures.push(detail(
            r.id.as_deref().unwrap_or(""),
            r.version.as_deref().unwrap_or(""),
            Some(&message),
        ));
    }
    let mut tx = ctx.store.write().await?;
    // The organisations that read the collection, loaded once if an object names recipients.
    let mut readers: Option<Vec<String>> = None;
    for obj in &doc.objects {
        let id = obj.id().as_str().to_owned();
        let filter = ObjectFilter {
            ids: vec![id.clone()],
            types: vec![],
        };
        let stored = sharing::objects(&mut tx, &c.id, &filter).await?;
        let visible = disclose(ctx, c.grant, stored.clone());
        let version_text = version_of(obj, now);
        // Feedback counts only on objects the caller can read, whatever its grant: a
        // sighting of a withheld indicator fails exactly as one of an unknown id does.
        let is_feedback = deltawall_stix::feedback::feedback_of(obj).is_some();
        let checked = match mode {
            AddMode::Publish if !is_feedback => Ok(()),
            _ => feedback_only(ctx, &mut tx, &c, obj).await?,
        };
        let recipients = match checked {
            Ok(()) => recipients_of(ctx, &mut tx, &c, obj, &policy, &mut readers).await?,
            Err(message) => Err(message),
        };
        let decision = recipients
            .and_then(|r| decide(ctx, obj, &stored, visible.len(), &policy).map(|d| (d, r)));
        match decision {
            Ok((Decision::Duplicate | Decision::Withheld, _)) => {
                successes.push(detail(&id, &version_text, None));
            }
            Ok((Decision::Store, recipients)) => {
                let markings = MarkingSet::effective(obj);
                let refs: Vec<String> = markings.to_refs().iter().map(|r| r.to_string()).collect();
                let new = NewObject {
                    stix_id: id.clone(),
                    version: version_text.clone(),
                    version_us: version_us(obj, now),
                    spec_version: obj.spec_version().to_owned(),
                    object_type: obj.object_type().to_owned(),
                    tlp: policy
                        .resolve(&markings)
                        .tlp()
                        .map_or("", |t| t.name())
                        .to_owned(),
                    markings: serde_json::to_string(&refs).unwrap_or_default(),
                    json: obj.as_json().to_owned(),
                    origin_org: ctx.actor.org_id.clone(),
                    added_by: ctx.actor.user_id.clone(),
                    reach: crate::sharing::taxii::reach_of(obj),
                };
                let added = sharing::insert_object(&mut tx, &c.id, &new, now).await?;
                sharing::put_recipients(&mut tx, &c.id, added, &recipients).await?;
                crate::sharing::feedback::record(
                    &mut tx,
                    &c.id,
                    obj,
                    added,
                    new.version_us,
                    &ctx.actor.org_id,
                )
                .await?;
                successes.push(detail(&id, &version_text, None));
            }
            Err(message) => failures.push(detail(&id, &version_text, Some(&message))),
        }
    }
    let status_id = uuid_v4();
    let total = successes.len() + failures.len();
    let mut status = json!({
        "id": status_id,
        "status": "complete",
        "request_timestamp": crate::sharing::taxii::timestamp(now),
        "total_count": total,
        "success_count": successes.len(),
        "failure_count": failures.len(),
        "pending_count": 0,
    });
    if !successes.is_empty() {
        status["successes"] = Value::Array(successes);
    }
    if !failures.is_empty() {
        status["failures"] = Value::Array(failures);
    }
    sharing::purge_statuses(&mut tx, now - crate::sharing::taxii::STATUS_RETENTION_US).await?;
    sharing::put_status(
        &mut tx,
        &status_id,
        root,
        &ctx.actor.org_id,
        &status.to_string(),
        now,
    )
    .await?;
    let action = match mode {
        AddMode::Publish => "taxii.add",
        AddMode::Feedback => "taxii.feedback",
    };
    ctx.audit(
        &mut tx,
        action,
        ("taxii_collection", Some(&c.id)),
        None,
        json!({"api_root": root, "status": status_id, "total": total,
               "failures": status["failure_count"]}),
    )
    .await?;
    tx.commit().await?;
    Ok(AddOutcome { status })
}

/// The check of [`AddMode::Feedback`]: `obj` is a sighting or opinion and every object it
/// is about is one the caller may receive in this collection (the same SQL filter as a
/// read), so feedback never confirms that a withheld object exists.
async fn feedback_only(
    ctx: &Ctx<'_>,
    tx: &mut deltawall_store::Tx,
    c: &sharing::Collection,
    obj: &StixObject,
) -> SResult<Result<(), String>> {
    let Some(f) = deltawall_stix::feedback::feedback_of(obj) else {
        return Ok(Err(
            "with read access only, add sightings and opinions of objects you can read".into(),
        ));
    };
    let viewer = crate::sharing::taxii::viewer(ctx, c.grant);
    for target in &f.targets {
        if !sharing::has_object(tx, &c.id, &viewer, target).await? {
            return Ok(Err(format!("{target} is not in this collection")));
        }
    }
    Ok(Ok(()))
}

/// The recipient organisations a TLP:RED object names ([`RECIPIENTS_PROPERTY`]), checked:
/// only on TLP:RED, each an organisation that reads this collection; the caller's own
/// organisation is left out (it receives its objects as their originator). The audience is
/// decided here, once, and stored with the version.
async fn recipients_of(
    ctx: &Ctx<'_>,
    tx: &mut deltawall_store::Tx,
    c: &sharing::Collection,
    obj: &StixObject,
    policy: &DisclosurePolicy,
    readers: &mut Option<Vec<String>>,
) -> SResult<Result<Vec<String>, String>> {
    let named = match named_recipients(obj) {
        Ok(n) if n.is_empty() => return Ok(Ok(n)),
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    if policy.resolve(&MarkingSet::effective(obj)).tlp() != Some(Tlp::Red) {
        return Ok(Err(format!(
            "{RECIPIENTS_PROPERTY}: only a TLP:RED object names recipients"
        )));
    }
    if readers.is_none() {
        let ids = sharing::readers(tx, &c.id).await?;
        *readers = Some(ids.into_iter().map(|(id, _, _)| id).collect());
    }
    let known = readers.as_deref().unwrap_or_default();
    if let Some(out) = named.iter().find(|o| !known.contains(o)) {
        return Ok(Err(format!(
            "{RECIPIENTS_PROPERTY}: {out} does not read this collection"
        )));
    }
    Ok(Ok(named
        .into_iter()
        .filter(|o| *o != ctx.actor.org_id)
        .collect()))
}

/// When a stored version and the incoming one are both TLP:RED, the incoming one names no
/// recipient the stored one does not. Checked against every stored version whatever the
/// version times, so adding a version (newer, or an older one arriving later) only ever
/// narrows a RED audience.
fn no_new_recipients(
    stored: &StixObject,
    incoming: &StixObject,
    policy: &DisclosurePolicy,
) -> Result<(), String> {
    let red = |o: &StixObject| policy.resolve(&MarkingSet::effective(o)).tlp() == Some(Tlp::Red);
    if !(red(stored) && red(incoming)) {
        return Ok(());
    }
    let before = named_recipients(stored).unwrap_or_default();
    let after = named_recipients(incoming)?;
    match after.iter().find(|o| !before.contains(o)) {
        Some(o) => Err(format!(
            "a version of a TLP:RED object must not name new recipients: {o}"
        )),
        None => Ok(()),
    }
}

enum Decision {
    Duplicate,
    Store,
    /// Every stored version of the id is withheld from the caller: answered as a success,
    /// exactly as an unknown id is, and nothing is stored (no existence oracle; the other
    /// organisation's object is left untouched).
    Withheld,
}

/// What to do with one incoming object, given every stored version of its id.
fn decide(
    ctx: &Ctx<'_>,
    obj: &StixObject,
    stored: &[StoredObject],
    visible: usize,
    policy: &DisclosurePolicy,
) -> Result<Decision, String> {
    if stored.is_empty() {
        return Ok(Decision::Store);
    }
    if visible == 0 {
        return Ok(Decision::Withheld);
    }
    if visible < stored.len() {
        return Err(REFUSED.into());
    }
    if stored.iter().any(|s| s.origin_org != ctx.actor.org_id) {
        return Err("only the organisation that added this object may add versions of it".into());
    }
    let unversioned = obj.kind() == ObjectKind::Sco || obj.object_type() == "marking-definition";
    let incoming_us = version_us(obj, 0);
    let new_marks = MarkingSet::effective(obj);
    for s in stored {
        let Ok(old) = StixObject::parse(&s.json) else {
            return Err(REFUSED.into());
        };
        let same = unversioned || s.version_us == incoming_us;
        match compare_versions(&old, obj) {
            Ok(VersionOrder::Identical | VersionOrder::Equivalent) if same => {
                return Ok(Decision::Duplicate);
            }
            Ok(VersionOrder::Conflict) => {
                return Err(
                    "a different object with this id and version is already in the collection"
                        .into(),
                );
            }
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
        let old_marks = MarkingSet::effective(&old);
        let check = if s.version_us < incoming_us {
            policy.never_downgrade(&old_marks, &new_marks)
        } else {
            policy.never_downgrade(&new_marks, &old_marks)
        };
        if let Err(e) = check {
            return Err(format!(
                "markings must not be weakened between versions: {e}"
            ));
        }
        no_new_recipients(&old, obj, policy)?;
    }
    Ok(Decision::Store)
}

/// The TAXII version: `modified`, else `created`, else (objects without either) the time
/// the object was first added.
fn version_of(obj: &StixObject, now: i64) -> String {
    obj.version().map_or_else(
        || crate::sharing::taxii::timestamp(now),
        |t| t.as_str().to_owned(),
    )
}

fn version_us(obj: &StixObject, now: i64) -> i64 {
    obj.version().map_or(now, |t| t.instant().as_microsecond())
}

fn detail(id: &str, version: &str, message: Option<&str>) -> Value {
    let mut d = json!({"id": id, "version": version});
    if let Some(m) = message {
        d["message"] = m.into();
    }
    d
}

fn bad_request(message: &str) -> ServiceError {
    ServiceError::Conflict {
        code: "err-bad-request",
        message: message.to_owned(),
    }
}

fn unprocessable(message: &str) -> ServiceError {
    ServiceError::Conflict {
        code: "err-unprocessable",
        message: message.to_owned(),
    }
}

/// A random UUIDv4 (TAXII identifiers).
pub fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

const NEXT_KEY: &str = "taxii.next_key";

/// The server's key for `next` tokens, created on first use and kept in the settings.
async fn next_key(ctx: &Ctx<'_>) -> SResult<Vec<u8>> {
    let mut conn = ctx.store.read().await?;
    if let Some(k) = deltawall_store::settings::get(&mut conn, NEXT_KEY).await? {
        return hex::decode(k).map_err(|e| ServiceError::Internal(e.into()));
    }
    drop(conn);
    let created = async {
        let mut tx = ctx.store.write().await?;
        let key = match deltawall_store::settings::get(&mut tx, NEXT_KEY).await? {
            Some(k) => k,
            None => {
                let k = hex::encode(rand::random::<[u8; 32]>());
                deltawall_store::settings::put(&mut tx, NEXT_KEY, &k).await?;
                k
            }
        };
        tx.commit().await?;
        SResult::Ok(key)
    }
    .await;
    let key = match created {
        Ok(k) => k,
        // A concurrent first use created it (PostgreSQL refuses the second insert).
        Err(_) => {
            let mut conn = ctx.store.read().await?;
            deltawall_store::settings::get(&mut conn, NEXT_KEY)
                .await?
                .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("no next key")))?
        }
    };
    hex::decode(key).map_err(|e| ServiceError::Internal(e.into()))
}

/// HMAC-SHA-256 (RFC 2104).
fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn mac(key: &[u8], ctx: &Ctx<'_>, bound: &str, cursor: i64) -> String {
    let msg = format!(
        "{}\n{}\n{bound}\n{cursor}",
        ctx.actor.user_id, ctx.actor.org_id
    );
    hex::encode(&hmac(key, msg.as_bytes())[..20])
}

/// A `next` token: the last `date_added` served, authenticated for this caller and query.
pub(crate) async fn seal_next(ctx: &Ctx<'_>, bound: &str, cursor: i64) -> SResult<String> {
    let key = next_key(ctx).await?;
    Ok(format!("{cursor}.{}", mac(&key, ctx, bound, cursor)))
}

/// Checks a `next` token against this caller and query; returns its cursor. A token of
/// another caller, another query or with any byte changed is a 400.
pub(crate) async fn open_next(ctx: &Ctx<'_>, bound: &str, token: &str) -> SResult<i64> {
    let bad = || bad_request("invalid next token");
    let (cursor, tag) = token.split_once('.').ok_or_else(bad)?;
    let cursor: i64 = cursor.parse().map_err(|_| bad())?;
    let key = next_key(ctx).await?;
    let expected = mac(&key, ctx, bound, cursor);
    if subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), tag.as_bytes()).into() {
        Ok(cursor)
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::hmac;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let tag = hmac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
