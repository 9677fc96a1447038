//! The navigation by role: each role sees the features it uses, grouped as the report
//! groups them (自助 / 公助 / 共助), then the administration entries it may use. Counts of
//! waiting items come from the work list (`deltawall_app::work`), so the badge on an entry
//! and the items on the home page are the same number.

use deltawall_app::work::{Delta, WorkItem};
use deltawall_domain::{Actor, OrgKind, Permission};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the navigation's counts may lag behind the data when the person has not acted.
pub const COUNTS_TTL: Duration = Duration::from_secs(30);

/// The work items behind each user's navigation counts, kept briefly so that a page view
/// does not gather the whole work list; a user's own write forgets theirs, so after an
/// action the counts are fresh. Per process: counts are a convenience, the home page and
/// the API always read the database.
#[derive(Debug, Clone, Default)]
pub struct WorkCache {
    inner: Arc<Mutex<Remembered>>,
}

/// Per user id: when the items were gathered, and the items.
type Remembered = HashMap<String, (Instant, Vec<WorkItem>)>;

impl WorkCache {
    /// The items remembered for `user_id`, if fresh.
    pub fn get(&self, user_id: &str) -> Option<Vec<WorkItem>> {
        let map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        map.get(user_id)
            .filter(|(at, _)| at.elapsed() < COUNTS_TTL)
            .map(|(_, items)| items.clone())
    }

    /// Remembers `items` for `user_id` (dropping stale entries of others as it goes).
    pub fn put(&self, user_id: &str, items: Vec<WorkItem>) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, (at, _)| at.elapsed() < COUNTS_TTL);
        map.insert(user_id.to_owned(), (Instant::now(), items));
    }

    /// Forgets `user_id`'s items (after they changed something).
    pub fn forget(&self, user_id: &str) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(user_id);
    }
}

/// One navigation entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavEntry {
    /// The key pages pass as `nav` to mark the current entry.
    pub nav: &'static str,
    /// Where it goes.
    pub href: &'static str,
    /// Message key of its label.
    pub label: &'static str,
    /// Items waiting behind it (0 when unknown or none).
    pub count: usize,
}

/// A titled group of entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavGroup {
    /// Message key of the group's heading.
    pub label: &'static str,
    /// Its entries, never empty.
    pub entries: Vec<NavEntry>,
}

fn entry(nav: &'static str, href: &'static str, label: &'static str) -> NavEntry {
    NavEntry {
        nav,
        href,
        label,
        count: 0,
    }
}

/// The features of a viewpoint that an organisation of `kind` uses.
fn features(kind: OrgKind, delta: Delta) -> Vec<NavEntry> {
    use Delta::*;
    use OrgKind::*;
    match (delta, kind) {
        (SelfHelp, Institution) => vec![
            entry("posture", "/posture", "nav-posture"),
            entry("detections", "/detections", "det-nav"),
            entry("incidents", "/incidents/cases", "inc-nav"),
            entry("vulnerabilities", "/vulnerabilities", "vuln-nav"),
            entry("exercises", "/exercises", "exr-nav"),
            entry("attack", "/attack", "attack-nav"),
            entry("tlpt", "/tlpt", "nav-tlpt"),
        ],
        (PublicHelp, Institution) => vec![
            entry("requests", "/requests", "nav-requests"),
            entry("alerts", "/alerts", "nav-alerts"),
        ],
        (PublicHelp, Supervisor) => vec![
            entry("supervision", "/supervision", "nav-supervision"),
            entry("requests", "/requests", "nav-requests"),
            entry("alerts", "/alerts", "nav-alerts"),
            entry("posture", "/posture", "nav-posture"),
            entry("incidents", "/incidents", "inc-nav"),
            entry("exercises", "/exercises", "exr-nav"),
            entry("attack", "/attack", "attack-nav"),
            entry("tlpt", "/tlpt", "nav-tlpt"),
            entry("vulnerabilities", "/vulnerabilities/sector", "vtp-nav"),
        ],
        (MutualHelp, SharingBody) => vec![
            entry("sharing", "/sharing", "nav-sharing"),
            entry("coordination", "/coordination", "room-title"),
            entry("exercises", "/exercises", "exr-nav"),
        ],
        // Every kind may sit in a coordination room (連携会議): the supervisor declares it,
        // institutions, the ISAC and associations are its members; the page lists only the
        // rooms the reader may see.
        (MutualHelp, _) => vec![
            entry("sharing", "/sharing", "nav-sharing"),
            entry("coordination", "/coordination", "room-title"),
        ],
        _ => vec![],
    }
}

/// Which navigation entry a work item's feature raises.
fn nav_of(feature: &str) -> &str {
    match feature {
        "findings" | "milestones" | "assessments" | "contingency_plans" => "posture",
        "reviews" => "requests",
        other => other,
    }
}

/// The navigation for `actor`, with the counts of `work` (empty when not computed).
pub fn menu(actor: &Actor, work: &[WorkItem]) -> Vec<NavGroup> {
    let mut groups: Vec<NavGroup> = [Delta::SelfHelp, Delta::PublicHelp, Delta::MutualHelp]
        .into_iter()
        .map(|d| NavGroup {
            label: d.key(),
            entries: features(actor.org_kind, d),
        })
        .collect();
    let mut admin = vec![entry("orgs", "/orgs", "nav-orgs")];
    if actor.can(Permission::ReadAuditLog) {
        admin.push(entry("audit", "/audit", "nav-audit"));
    }
    if actor.can(Permission::ManageTokens) {
        admin.push(entry("tokens", "/tokens", "nav-tokens"));
    }
    admin.push(entry("account", "/account", "nav-account"));
    groups.push(NavGroup {
        label: "nav-admin-group",
        entries: admin,
    });
    for item in work {
        let nav = nav_of(item.feature);
        if let Some(e) = groups
            .iter_mut()
            .flat_map(|g| g.entries.iter_mut())
            .find(|e| e.nav == nav)
        {
            e.count += 1;
        }
    }
    groups.retain(|g| !g.entries.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltawall_domain::role::Role;

    fn labels(kind: OrgKind, role: Role) -> Vec<(&'static str, Vec<&'static str>)> {
        let actor = Actor {
            user_id: "u".into(),
            org_id: "o".into(),
            org_kind: kind,
            reach: None,
            role,
            token_scope: None,
            token_id: None,
        };
        menu(&actor, &[])
            .into_iter()
            .map(|g| (g.label, g.entries.iter().map(|e| e.nav).collect()))
            .collect()
    }

    #[test]
    fn an_institution_sees_its_own_defence_first() {
        let m = labels(OrgKind::Institution, Role::Admin);
        assert_eq!(
            m[0],
            (
                "delta-self",
                vec![
                    "posture",
                    "detections",
                    "incidents",
                    "vulnerabilities",
                    "exercises",
                    "attack",
                    "tlpt"
                ]
            )
        );
        assert_eq!(m[1], ("delta-public", vec!["requests", "alerts"]));
        assert_eq!(m[2], ("delta-mutual", vec!["sharing", "coordination"]));
        assert!(!m.iter().any(|(_, e)| e.contains(&"supervision")));
    }

    #[test]
    fn the_cache_forgets_on_request() {
        let c = WorkCache::default();
        assert!(c.get("u").is_none());
        c.put("u", vec![]);
        assert_eq!(c.get("u"), Some(vec![]));
        c.forget("u");
        assert!(c.get("u").is_none());
    }

    #[test]
    fn a_supervisor_has_no_self_help_group() {
        let m = labels(OrgKind::Supervisor, Role::Staff);
        assert_eq!(m[0].0, "delta-public");
        assert!(m[0].1.contains(&"supervision"));
        assert!(m[1].1.contains(&"coordination"));
    }
}
