//! The pure disclosure decision the server calls at its single enforcement point: given an
//! object's effective markings and how the requester relates to the information, may it be
//! disclosed? TLP 2.0 semantics per FIRST's definitions; unknown markings fail closed.

use std::collections::BTreeSet;

use crate::id::Identifier;
use crate::marking::{Downgrade, MarkingSet, Tlp, never_downgrade};

/// How the requesting party relates to the information. The server computes this from
/// its trust-group, membership and recipient tables; this crate only interprets it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Audience {
    /// The requester belongs to the organisation that produced or marked the information.
    pub originator: bool,
    /// The requester was individually named as a recipient by the source (TLP:RED).
    pub named_recipient: bool,
    /// The requester belongs to an organisation the source shared with (AMBER, AMBER+STRICT).
    pub recipient_org: bool,
    /// The requester is a client of a recipient organisation with a need to know (AMBER only).
    pub recipient_client: bool,
    /// The requester is a member of the community / trust group (GREEN).
    pub community_member: bool,
}

/// Hub-wide choices the TLP definitions leave to the community (§7.2: STIX defines no
/// precedence between markings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosurePolicy {
    /// The level assumed for an object without any TLP marking.
    pub unmarked_as: Tlp,
    /// Non-TLP marking definitions (e.g. copyright or terms-of-use statements) that do not
    /// restrict the audience. Any other non-TLP marking is denied except to the originator.
    pub non_restrictive: BTreeSet<Identifier>,
}

impl Default for DisclosurePolicy {
    /// Unmarked objects are treated as TLP:AMBER: closed by default.
    fn default() -> Self {
        Self {
            unmarked_as: Tlp::Amber,
            non_restrictive: BTreeSet::new(),
        }
    }
}

/// The outcome, with the reason for a denial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disclosure {
    /// May be disclosed.
    Allow,
    /// Must not be disclosed because of this TLP level.
    DenyTlp(Tlp),
    /// Must not be disclosed because of a marking the policy cannot interpret.
    DenyMarking(Identifier),
}

impl Disclosure {
    /// True for [`Disclosure::Allow`].
    pub fn is_allowed(&self) -> bool {
        matches!(self, Disclosure::Allow)
    }
}

/// Whether an audience may receive information at `tlp` (FIRST TLP 2.0). Each level
/// admits everyone a stricter level admits, so a stricter marking never widens the audience.
pub fn tlp_permits(tlp: Tlp, a: &Audience) -> bool {
    let red = a.originator || a.named_recipient;
    let amber_strict = red || a.recipient_org;
    let amber = amber_strict || a.recipient_client;
    let green = amber || a.community_member;
    match tlp {
        Tlp::Clear => true,
        Tlp::Green => green,
        Tlp::Amber => amber,
        Tlp::AmberStrict => amber_strict,
        Tlp::Red => red,
    }
}

impl DisclosurePolicy {
    /// `m` with an absent TLP replaced by [`DisclosurePolicy::unmarked_as`], the level the
    /// disclosure decision applies to it.
    pub fn resolve(&self, m: &MarkingSet) -> MarkingSet {
        m.with_default_tlp(self.unmarked_as)
    }

    /// [`never_downgrade`] on resolved sets: marking an unmarked object with a level below
    /// the default would widen its audience, so it counts as a downgrade too.
    pub fn never_downgrade(&self, old: &MarkingSet, new: &MarkingSet) -> Result<(), Downgrade> {
        never_downgrade(&self.resolve(old), &self.resolve(new))
    }
}

/// The single disclosure decision. Pass [`MarkingSet::effective`] of the object.
pub fn may_disclose(
    markings: &MarkingSet,
    audience: &Audience,
    policy: &DisclosurePolicy,
) -> Disclosure {
    let tlp = markings.tlp().unwrap_or(policy.unmarked_as);
    if !tlp_permits(tlp, audience) {
        return Disclosure::DenyTlp(tlp);
    }
    if audience.originator {
        return Disclosure::Allow;
    }
    match markings
        .others()
        .iter()
        .find(|m| !policy.non_restrictive.contains(*m))
    {
        Some(m) => Disclosure::DenyMarking(m.clone()),
        None => Disclosure::Allow,
    }
}

/// The decision for one stored object: the well-known TLP marking definitions themselves
/// are public (every recipient needs them to interpret markings); anything else is decided
/// on its effective markings (object-level and granular, strictest wins).
///
/// Redacting granular-marked properties instead is deliberately not offered: §3.6 requires
/// every representation of a version to be identical, so a partial copy would be a
/// conflicting version.
pub fn may_disclose_object(
    obj: &crate::object::StixObject,
    audience: &Audience,
    policy: &DisclosurePolicy,
) -> Disclosure {
    if obj.object_type() == "marking-definition"
        && Tlp::from_marking_id(obj.id().as_str()).is_some()
    {
        return Disclosure::Allow;
    }
    may_disclose(&MarkingSet::effective(obj), audience, policy)
}
