//! The one place where visibility policy becomes SQL.
//!
//! Every read of tenant data filters through [`org_clause`] (or a function built on it), with
//! the [`OrgScope`] that `deltawall_domain::Actor::org_scope` computed. Queries join the
//! owning organisation as `o`, so the same clause serves every table.

use deltawall_domain::OrgScope;

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
}
