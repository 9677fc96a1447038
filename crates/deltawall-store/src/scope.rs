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
