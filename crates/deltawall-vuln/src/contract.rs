//! Outsourcing contracts and cloud services (issue 15, points 5 and 6): the clause checklist
//! drawn from the report's findings, the gaps a contract leaves, the cloud shared-
//! responsibility matrix per service model, and provider concentration across institutions
//! with k-anonymity. Pure rules: the store keeps the contracts and the app raises a posture
//! finding per gap.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A clause an outsourcing or cloud contract should provide for. The list follows the
/// report's findings on outsourced websites and systems: diagnosis could not be run or its
/// results were withheld because the contract did not provide for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clause {
    /// The institution may run (or have run) vulnerability diagnosis of what the provider
    /// operates for it.
    Diagnosis,
    /// The provider hands over the logs and monitoring results of the service.
    LogsMonitoring,
    /// The provider discloses its security status, including known vulnerabilities.
    SecurityDisclosure,
    /// The provider notifies incidents within a stated time.
    IncidentNotice,
    /// The institution (or its auditor) may audit the provider.
    Audit,
    /// Subcontracting needs consent and carries the same obligations.
    Subcontracting,
    /// Exit: return and deletion of data, and help to move the service.
    Exit,
}

impl Clause {
    /// Every clause, in checklist order.
    pub const ALL: [Clause; 7] = [
        Clause::Diagnosis,
        Clause::LogsMonitoring,
        Clause::SecurityDisclosure,
        Clause::IncidentNotice,
        Clause::Audit,
        Clause::Subcontracting,
        Clause::Exit,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Clause::Diagnosis => "diagnosis",
            Clause::LogsMonitoring => "logs_monitoring",
            Clause::SecurityDisclosure => "security_disclosure",
            Clause::IncidentNotice => "incident_notice",
            Clause::Audit => "audit",
            Clause::Subcontracting => "subcontracting",
            Clause::Exit => "exit",
        }
    }

    /// The clause of a code.
    pub fn parse(code: &str) -> Option<Clause> {
        Clause::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Where the checklist item comes from: sections of the FSA's 2020 report (in our own
    /// words, see [`Clause::guidance_en`]). FISC's safety standards are paid texts; a user
    /// who holds them maps their own reference ids through the catalog crosswalks.
    pub fn source(self) -> &'static str {
        match self {
            Clause::Diagnosis => "FSA 2020 report §2(1)③イ; securities §2(1)①ア",
            Clause::LogsMonitoring => "FSA 2020 report §2(1)③イ",
            Clause::SecurityDisclosure => "FSA 2020 report §2(1)③イ; securities §2(1)①ア",
            Clause::IncidentNotice => "FSA 2020 report §2(1)②",
            Clause::Audit => "FSA 2020 report §2(1)③イ",
            Clause::Subcontracting => "FSA 2020 report §2(1)③イ",
            Clause::Exit => "FSA 2020 report §2(1)④ア",
        }
    }

    /// What the clause must say, in Japanese (our own words).
    pub fn guidance_ja(self) -> &'static str {
        match self {
            Clause::Diagnosis => {
                "委託先が運用する資産に対し、当機関が脆弱性診断を実施（または第三者に実施させる）できること。"
            }
            Clause::LogsMonitoring => "ログと監視結果を当機関の求めに応じて提供すること。",
            Clause::SecurityDisclosure => {
                "既知の脆弱性とその対応状況を含むセキュリティ状況を定期的に開示すること。"
            }
            Clause::IncidentNotice => "インシデントを定められた時間内に通知すること。",
            Clause::Audit => "当機関または監査人が委託先を監査できること。",
            Clause::Subcontracting => "再委託には当機関の同意を要し、同じ義務を課すこと。",
            Clause::Exit => "終了時にデータを返還・消去し、移行に協力すること。",
        }
    }

    /// What the clause must say, in English (our own words).
    pub fn guidance_en(self) -> &'static str {
        match self {
            Clause::Diagnosis => {
                "The institution may run, or have a third party run, vulnerability diagnosis of what the provider operates for it."
            }
            Clause::LogsMonitoring => {
                "The provider hands over logs and monitoring results when the institution asks."
            }
            Clause::SecurityDisclosure => {
                "The provider regularly discloses its security status, known vulnerabilities and their handling included."
            }
            Clause::IncidentNotice => "The provider notifies incidents within a stated time.",
            Clause::Audit => "The institution or its auditor may audit the provider.",
            Clause::Subcontracting => {
                "Subcontracting needs the institution's consent and carries the same obligations."
            }
            Clause::Exit => {
                "At exit the provider returns and deletes the data and helps move the service."
            }
        }
    }
}

/// How a contract provides for a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClauseStatus {
    /// Provided for as the checklist asks.
    Present,
    /// Mentioned, but without what makes it work (no time limit, on request only…).
    Weak,
    /// Not provided for.
    Missing,
}

impl ClauseStatus {
    /// Every status.
    pub const ALL: [ClauseStatus; 3] = [
        ClauseStatus::Present,
        ClauseStatus::Weak,
        ClauseStatus::Missing,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            ClauseStatus::Present => "present",
            ClauseStatus::Weak => "weak",
            ClauseStatus::Missing => "missing",
        }
    }

    /// The status of a code.
    pub fn parse(code: &str) -> Option<ClauseStatus> {
        ClauseStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// How serious a gap is, in the posture findings' four levels' lower three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapSeverity {
    /// A weak clause on a provider that operates nothing in scope.
    Low,
    /// A missing clause off scope, or a weak one on an in-scope asset.
    Medium,
    /// A missing clause on a provider that operates an in-scope asset.
    High,
}

/// A clause a contract leaves missing or weak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The clause.
    pub clause: Clause,
    /// Missing or weak.
    pub status: ClauseStatus,
    /// How serious.
    pub severity: GapSeverity,
}

/// The gaps of a contract whose clauses stand as `clauses` (a clause not listed is
/// missing). A gap on a provider that operates an asset of the diagnosis scope
/// (`operates_in_scope`) weighs one level more: the report's failing was exactly such an
/// asset that could not be diagnosed.
pub fn gaps(clauses: &BTreeMap<Clause, ClauseStatus>, operates_in_scope: bool) -> Vec<Gap> {
    Clause::ALL
        .into_iter()
        .filter_map(|clause| {
            let status = clauses
                .get(&clause)
                .copied()
                .unwrap_or(ClauseStatus::Missing);
            let severity = match (status, operates_in_scope) {
                (ClauseStatus::Present, _) => return None,
                (ClauseStatus::Missing, true) => GapSeverity::High,
                (ClauseStatus::Missing, false) | (ClauseStatus::Weak, true) => GapSeverity::Medium,
                (ClauseStatus::Weak, false) => GapSeverity::Low,
            };
            Some(Gap {
                clause,
                status,
                severity,
            })
        })
        .collect()
}

/// The service model of a contract; `None` for an outsourcer that is not a cloud service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceModel {
    /// Outsourced operation, no cloud service.
    None,
    /// Software as a service.
    Saas,
    /// Platform as a service.
    Paas,
    /// Infrastructure as a service.
    Iaas,
}

impl ServiceModel {
    /// Every model.
    pub const ALL: [ServiceModel; 4] = [
        ServiceModel::None,
        ServiceModel::Saas,
        ServiceModel::Paas,
        ServiceModel::Iaas,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            ServiceModel::None => "none",
            ServiceModel::Saas => "saas",
            ServiceModel::Paas => "paas",
            ServiceModel::Iaas => "iaas",
        }
    }

    /// The model of a code.
    pub fn parse(code: &str) -> Option<ServiceModel> {
        ServiceModel::ALL.into_iter().find(|m| m.code() == code)
    }
}

/// A control of the shared-responsibility matrix, from the data down to the building.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// Classification, encryption and retention of the institution's data.
    Data,
    /// Accounts, authentication and privileges.
    Identity,
    /// The application and its configuration.
    Application,
    /// Operating systems and middleware, their patches.
    Platform,
    /// Network controls and their configuration.
    Network,
    /// Hardware, facilities and physical access.
    Physical,
}

impl Control {
    /// Every control, top of the stack first.
    pub const ALL: [Control; 6] = [
        Control::Data,
        Control::Identity,
        Control::Application,
        Control::Platform,
        Control::Network,
        Control::Physical,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Control::Data => "data",
            Control::Identity => "identity",
            Control::Application => "application",
            Control::Platform => "platform",
            Control::Network => "network",
            Control::Physical => "physical",
        }
    }

    /// The control of a code.
    pub fn parse(code: &str) -> Option<Control> {
        Control::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// Who holds a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    /// The provider.
    Provider,
    /// The institution.
    Institution,
    /// Both, each for its part.
    Shared,
}

impl Holder {
    /// Every holder.
    pub const ALL: [Holder; 3] = [Holder::Provider, Holder::Institution, Holder::Shared];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Holder::Provider => "provider",
            Holder::Institution => "institution",
            Holder::Shared => "shared",
        }
    }

    /// The holder of a code.
    pub fn parse(code: &str) -> Option<Holder> {
        Holder::ALL.into_iter().find(|h| h.code() == code)
    }
}

/// The usual split of each control under `model`: the boundary the report notes differs
/// between SaaS and IaaS. An institution starts from it and records where its contract
/// differs. An outsourcer that is no cloud service shares every control but the physical
/// one, which it holds.
pub fn default_matrix(model: ServiceModel) -> BTreeMap<Control, Holder> {
    use Holder::*;
    let holders: [Holder; 6] = match model {
        ServiceModel::Iaas => [
            Institution,
            Institution,
            Institution,
            Institution,
            Shared,
            Provider,
        ],
        ServiceModel::Paas => [
            Institution,
            Shared,
            Institution,
            Provider,
            Provider,
            Provider,
        ],
        ServiceModel::Saas => [Institution, Shared, Provider, Provider, Provider, Provider],
        ServiceModel::None => [Shared, Shared, Shared, Shared, Shared, Provider],
    };
    Control::ALL.into_iter().zip(holders).collect()
}

/// The key two institutions' names of one provider meet on: trimmed, lower-cased, inner
/// white space (ASCII or full-width) collapsed to one space, full-width ASCII letters and
/// digits folded, so `ＡＢＣ　Cloud` and `abc cloud` are one provider.
pub fn provider_key(name: &str) -> String {
    let folded: String = name
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One provider's reach across institutions, as the supervisor may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Concentration {
    /// The provider's name as first entered, when at least k institutions use it.
    pub provider: String,
    /// How many distinct institutions depend on it.
    pub institutions: usize,
}

/// Providers used by at least `k` institutions and how many use each, the most used first
/// (then by name); and how many providers were left unnamed because fewer than `k`
/// institutions use them. `uses` are (provider name, institution id) pairs; names meet on
/// [`provider_key`].
pub fn concentration(uses: &[(String, String)], k: usize) -> (Vec<Concentration>, usize) {
    let mut by_key: BTreeMap<String, (String, BTreeSet<&str>)> = BTreeMap::new();
    for (name, org) in uses {
        by_key
            .entry(provider_key(name))
            .or_insert_with(|| (name.trim().to_owned(), BTreeSet::new()))
            .1
            .insert(org.as_str());
    }
    let (named, hidden): (Vec<_>, Vec<_>) = by_key
        .into_values()
        .map(|(provider, orgs)| Concentration {
            provider,
            institutions: orgs.len(),
        })
        .partition(|c| c.institutions >= k.max(1));
    let mut named = named;
    named.sort_by(|a, b| {
        b.institutions
            .cmp(&a.institutions)
            .then(a.provider.cmp(&b.provider))
    });
    (named, hidden.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_clause_on_an_in_scope_provider_weighs_most() {
        let mut clauses: BTreeMap<Clause, ClauseStatus> = Clause::ALL
            .into_iter()
            .map(|c| (c, ClauseStatus::Present))
            .collect();
        clauses.remove(&Clause::Diagnosis);
        clauses.insert(Clause::IncidentNotice, ClauseStatus::Weak);
        let g = gaps(&clauses, true);
        assert_eq!(
            g.iter().map(|g| (g.clause, g.severity)).collect::<Vec<_>>(),
            [
                (Clause::Diagnosis, GapSeverity::High),
                (Clause::IncidentNotice, GapSeverity::Medium)
            ]
        );
        let off = gaps(&clauses, false);
        assert_eq!(off[0].severity, GapSeverity::Medium);
        assert_eq!(off[1].severity, GapSeverity::Low);
        assert!(
            gaps(
                &Clause::ALL.map(|c| (c, ClauseStatus::Present)).into(),
                true
            )
            .is_empty()
        );
    }

    #[test]
    fn the_saas_boundary_sits_higher_than_the_iaas_one() {
        let saas = default_matrix(ServiceModel::Saas);
        let iaas = default_matrix(ServiceModel::Iaas);
        assert_eq!(saas[&Control::Application], Holder::Provider);
        assert_eq!(iaas[&Control::Application], Holder::Institution);
        assert_eq!(iaas[&Control::Platform], Holder::Institution);
        for m in ServiceModel::ALL {
            assert_eq!(default_matrix(m).len(), Control::ALL.len());
            assert_eq!(default_matrix(m)[&Control::Physical], Holder::Provider);
        }
    }

    #[test]
    fn providers_below_k_institutions_are_counted_not_named() {
        let uses: Vec<(String, String)> = [
            ("ABC Cloud", "o1"),
            ("abc  cloud", "o2"),
            ("ＡＢＣ　Ｃｌｏｕｄ", "o3"),
            ("ABC Cloud", "o3"),
            ("Tiny Hosting", "o1"),
            ("Other DC", "o4"),
        ]
        .iter()
        .map(|(p, o)| ((*p).to_owned(), (*o).to_owned()))
        .collect();
        let (named, hidden) = concentration(&uses, 3);
        assert_eq!(
            named,
            [Concentration {
                provider: "ABC Cloud".into(),
                institutions: 3
            }]
        );
        assert_eq!(hidden, 2);
        let (none, all_hidden) = concentration(&uses, 4);
        assert!(none.is_empty());
        assert_eq!(all_hidden, 3);
    }

    #[test]
    fn codes_round_trip() {
        for c in Clause::ALL {
            assert_eq!(Clause::parse(c.code()), Some(c));
        }
        for c in Control::ALL {
            assert_eq!(Control::parse(c.code()), Some(c));
        }
        for h in Holder::ALL {
            assert_eq!(Holder::parse(h.code()), Some(h));
        }
        for m in ServiceModel::ALL {
            assert_eq!(ServiceModel::parse(m.code()), Some(m));
        }
        assert_eq!(ClauseStatus::parse("nope"), None);
    }
}
