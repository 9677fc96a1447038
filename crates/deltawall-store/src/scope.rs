//! The one place where visibility policy becomes SQL.
//!
//! Every read of tenant data filters through [`org_clause`] (or a function built on it), with
//! the [`OrgScope`] that `deltawall_domain::Actor::org_scope` computed. Queries join the
//! owning organisation as `o`, so the same clause serves every table.

use deltawall_domain::OrgScope;
use deltawall_domain::access::RecordScope;

/// A SQL condition over the organisation alias `o`, with its bound values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// The condition, using placeholders from `$first` on.
    pub sql: String,
    /// Values for those placeholders, in order.
    pub binds: Vec<String>,
}

/// The condition that limits rows to organisations within `scope`. Placeholders are
/// numbered from `first`.
pub fn org_clause(scope: &OrgScope, first: usize) -> Clause {
    match scope {
        OrgScope::All => Clause {
            sql: "1 = 1".into(),
            binds: vec![],
        },
        OrgScope::Own(id) => Clause {
            sql: format!("o.id = ${first}"),
            binds: vec![id.clone()],
        },
        OrgScope::Region { own, region } => Clause {
            sql: format!(
                "(o.id = ${first} OR (o.kind = 'institution' AND o.region = ${}))",
                first + 1
            ),
            binds: vec![own.clone(), region.code().to_owned()],
        },
    }
}

/// The condition that limits a tally kept per region (alias `k`, column `region`, counting
/// institutions only) to the institutions within `scope`; `None` when the scope is one
/// organisation's own, which a tally does not keep apart. A bureau's own organisation is a
/// supervisor, never counted, so its reach in a tally is its region's institutions exactly.
pub fn tally_clause(scope: &OrgScope, first: usize) -> Option<Clause> {
    match scope {
        OrgScope::All => Some(Clause {
            sql: "1 = 1".into(),
            binds: vec![],
        }),
        OrgScope::Region { region, .. } => Some(Clause {
            sql: format!("k.region = ${first}"),
            binds: vec![region.code().to_owned()],
        }),
        OrgScope::Own(_) => None,
    }
}

/// The condition that matches sharing grants (alias `g`) held by an organisation: grants
/// to the organisation itself and grants to every organisation of its kind
/// (`kind:<code>`). Placeholders are numbered from `first`. This is the tenant boundary of
/// the TAXII collections: a collection without a matching grant does not exist for the
/// caller.
pub fn grantee_clause(org_id: &str, org_kind: deltawall_domain::OrgKind, first: usize) -> Clause {
    Clause {
        sql: format!("g.grantee IN (${first}, ${})", first + 1),
        binds: vec![org_id.to_owned(), format!("kind:{}", org_kind.code())],
    }
}

/// The condition that limits institution records (alias `o` for the owning organisation)
/// to a [`RecordScope`]: organisations within its `OrgScope` or whose parent is its group
/// parent, and, outside the viewer's own organisation, only rows where `draft_sql` (a
/// condition over the record) is false. Placeholders are numbered from `first`.
pub fn record_clause(scope: &RecordScope, draft_sql: &str, first: usize) -> Clause {
    let orgs = org_clause(&scope.orgs, first);
    let mut next = first + orgs.binds.len();
    let mut binds = orgs.binds;
    let group = match &scope.group_parent {
        Some(parent) => {
            binds.push(parent.clone());
            next += 1;
            format!(" OR o.parent_id = ${}", next - 1)
        }
        None => String::new(),
    };
    binds.push(scope.viewer_org.clone());
    Clause {
        sql: format!(
            "(({}){group}) AND (o.id = ${next} OR NOT ({draft_sql}))",
            orgs.sql
        ),
        binds,
    }
}

/// The condition that limits shared reference data (imported catalog editions, mapping
/// sets) to what organisation `viewer_org` may see: built-in items (`builtin_sql`),
/// items whose audience is public, and items whose audience is the viewer's own
/// organisation. `audience_sql` is a SQL expression list yielding the item's audiences.
pub fn audience_clause(
    viewer_org: &str,
    builtin_sql: &str,
    audience_sql: &str,
    first: usize,
) -> Clause {
    Clause {
        sql: format!(
            "({builtin_sql} OR 'public' IN ({audience_sql}) OR ${first} IN ({audience_sql}))"
        ),
        binds: vec![viewer_org.to_owned()],
    }
}

/// Who sees a supervisory record sent to institutions (a request or an alert): its issuer,
/// and whoever reaches one of the institutions it was sent to. `record` is the record's
/// alias (with `id` and `issuer_org`); `link` is the table of its institutions (`org_id`)
/// with `link_key` naming the record. Placeholders are numbered from `first`.
pub fn sent_to_clause(
    scope: &OrgScope,
    first: usize,
    record: &str,
    link: &str,
    link_key: &str,
) -> Clause {
    let reach = org_clause(scope, first + 1);
    let own = match scope {
        OrgScope::All => String::new(),
        OrgScope::Own(id) | OrgScope::Region { own: id, .. } => id.clone(),
    };
    let mut binds = vec![own];
    binds.extend(reach.binds);
    Clause {
        sql: format!(
            "({record}.issuer_org = ${first} OR EXISTS (SELECT 1 FROM {link} x \
             JOIN organisations o ON o.id = x.org_id WHERE x.{link_key} = {record}.id AND {}))",
            reach.sql
        ),
        binds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltawall_domain::Region;

    #[test]
    fn clauses_number_from_first() {
        let c = org_clause(
            &OrgScope::Region {
                own: "b".into(),
                region: Region::Kinki,
            },
            3,
        );
        assert_eq!(
            c.sql,
            "(o.id = $3 OR (o.kind = 'institution' AND o.region = $4))"
        );
        assert_eq!(c.binds, ["b", "kinki"]);
    }

    #[test]
    fn record_clauses_add_the_group_and_hide_drafts() {
        let scope = RecordScope {
            orgs: OrgScope::Own("h".into()),
            group_parent: Some("h".into()),
            viewer_org: "h".into(),
        };
        let c = record_clause(&scope, "x.status = 'draft'", 2);
        assert_eq!(
            c.sql,
            "((o.id = $2) OR o.parent_id = $3) AND (o.id = $4 OR NOT (x.status = 'draft'))"
        );
        assert_eq!(c.binds, ["h", "h", "h"]);
    }
}
