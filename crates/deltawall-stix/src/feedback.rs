//! Members' feedback on shared indicators: what a `sighting` or an `opinion` says about the
//! objects it refers to, the per-indicator aggregate, and the decay and expiry policy.
//!
//! The policy is documented in `docs/FEEDBACK.md`; its numbers are the constants below.
//! Everything here is pure: the server decides which feedback a reader may see (TLP) and
//! whether a reporter is named, and passes only that in.

use std::collections::BTreeSet;

use crate::object::StixObject;

/// The custom property (STIX §11.1) by which a sighting reports a false positive:
/// `"x_deltawall_false_positive": true`.
pub const FALSE_POSITIVE_PROPERTY: &str = "x_deltawall_false_positive";

/// Days after which an indicator's score reaches zero without new sightings or versions.
pub const LIFETIME_DAYS: f64 = 180.0;

/// The decay speed δ of `score = base · (1 − (age/τ)^(1/δ))`; below 1 the score stays
/// near its base for a while and then falls.
pub const DECAY_DELTA: f64 = 0.5;

/// The base score of an indicator without `confidence`.
pub const DEFAULT_BASE: f64 = 50.0;

/// Below this score an indicator counts as decayed and leaves default listings.
pub const DECAYED_BELOW: f64 = 20.0;

/// The STIX opinion vocabulary (`opinion-enum`, §4.15), from disagreement to agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Opinion {
    /// `strongly-disagree`.
    StronglyDisagree,
    /// `disagree`.
    Disagree,
    /// `neutral`.
    Neutral,
    /// `agree`.
    Agree,
    /// `strongly-agree`.
    StronglyAgree,
}

impl Opinion {
    /// Every value, in vocabulary order.
    pub const ALL: [Opinion; 5] = [
        Opinion::StronglyDisagree,
        Opinion::Disagree,
        Opinion::Neutral,
        Opinion::Agree,
        Opinion::StronglyAgree,
    ];

    /// The STIX text.
    pub fn code(self) -> &'static str {
        match self {
            Opinion::StronglyDisagree => "strongly-disagree",
            Opinion::Disagree => "disagree",
            Opinion::Neutral => "neutral",
            Opinion::Agree => "agree",
            Opinion::StronglyAgree => "strongly-agree",
        }
    }

    /// Parses the STIX text.
    pub fn from_code(s: &str) -> Option<Opinion> {
        Opinion::ALL.into_iter().find(|o| o.code() == s)
    }
}

/// What one feedback object says.
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    /// The ids it is about: `sighting_of_ref`, or an opinion's `object_refs`.
    pub targets: Vec<String>,
    /// Sightings: `count` (absent counts as 1). Opinions: 0.
    pub count: u64,
    /// A sighting flagged with [`FALSE_POSITIVE_PROPERTY`].
    pub false_positive: bool,
    /// An opinion's value.
    pub opinion: Option<Opinion>,
    /// When it was seen: `last_seen`, else `first_seen`, else `modified`/`created`.
    pub seen_at: Option<jiff::Timestamp>,
    /// The reporter chose to be named: `created_by_ref` is set. Without it the report is
    /// anonymous and the platform never shows who made it.
    pub named: bool,
}

impl Feedback {
    /// Whether this report counts against the indicator: a false-positive sighting or a
    /// `strongly-disagree` opinion.
    pub fn is_false_positive(&self) -> bool {
        self.false_positive || self.opinion == Some(Opinion::StronglyDisagree)
    }
}

/// The feedback in a `sighting` or `opinion`; `None` for any other object.
pub fn feedback_of(obj: &StixObject) -> Option<Feedback> {
    let when = |name: &str| {
        obj.get_str(name)
            .and_then(|s| crate::Timestamp::parse(s).ok())
            .map(|t| t.instant())
    };
    let version_time = obj.version().map(|t| t.instant());
    let named = obj.created_by_ref().is_some();
    match obj.object_type() {
        "sighting" => Some(Feedback {
            targets: obj
                .get_str("sighting_of_ref")
                .map(|s| vec![s.to_owned()])
                .unwrap_or_default(),
            count: obj
                .get("count")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(1),
            false_positive: obj.get(FALSE_POSITIVE_PROPERTY)
                == Some(&serde_json::Value::Bool(true)),
            opinion: None,
            seen_at: when("last_seen").or(when("first_seen")).or(version_time),
            named,
        }),
        "opinion" => Some(Feedback {
            targets: obj
                .id_list("object_refs")
                .iter()
                .map(|i| i.as_str().to_owned())
                .collect(),
            count: 0,
            false_positive: false,
            opinion: obj.get_str("opinion").and_then(Opinion::from_code),
            seen_at: version_time,
            named,
        }),
        _ => None,
    }
}

/// One report as a reader may see it: the reporter is present only when they chose to be
/// named, so an aggregate can never reveal an anonymous reporter.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// What it says.
    pub feedback: Feedback,
    /// Who, when named (the server's organisation id).
    pub reporter: Option<String>,
    /// The reporting organisation, always (the server's id), used only to count each
    /// organisation once in the score; never shown, so anonymity is kept.
    pub org: String,
}

/// Feedback on one indicator, over the reports a reader may see.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aggregate {
    /// Sum of `count` over sightings that are not false positives.
    pub sightings: u64,
    /// Number of such sighting reports.
    pub sighting_reports: u32,
    /// False-positive reports: flagged sightings and `strongly-disagree` opinions.
    pub false_positives: u32,
    /// Opinions per value, in [`Opinion::ALL`] order.
    pub opinions: [u32; 5],
    /// The latest time a true sighting was seen.
    pub last_seen: Option<jiff::Timestamp>,
    /// Reporters who chose to be named.
    pub named: BTreeSet<String>,
    /// Reports whose reporter stays anonymous.
    pub anonymous: u32,
    /// Distinct organisations in favour (a true sighting or an agreeing opinion).
    pub supporting_orgs: u32,
    /// Distinct organisations reporting a false positive.
    pub disputing_orgs: u32,
}

impl Aggregate {
    /// Sums `reports`.
    pub fn of<'a>(reports: impl IntoIterator<Item = &'a Report>) -> Aggregate {
        let mut a = Aggregate::default();
        let mut supporting = BTreeSet::new();
        let mut disputing = BTreeSet::new();
        for r in reports {
            let f = &r.feedback;
            if f.is_false_positive() {
                disputing.insert(r.org.as_str());
            } else if f.opinion.is_none()
                || matches!(f.opinion, Some(Opinion::Agree | Opinion::StronglyAgree))
            {
                supporting.insert(r.org.as_str());
            }
            if f.is_false_positive() {
                a.false_positives += 1;
            } else if f.opinion.is_none() {
                a.sightings = a.sightings.saturating_add(f.count);
                a.sighting_reports += 1;
                a.last_seen = a.last_seen.max(f.seen_at);
            }
            if let Some(o) = f.opinion {
                a.opinions[o as usize] += 1;
            }
            match &r.reporter {
                Some(who) => {
                    a.named.insert(who.clone());
                }
                None => a.anonymous += 1,
            }
        }
        a.supporting_orgs = u32::try_from(supporting.len()).unwrap_or(u32::MAX);
        a.disputing_orgs = u32::try_from(disputing.len()).unwrap_or(u32::MAX);
        a
    }

    /// Reports in favour of the indicator: true sightings and `agree`/`strongly-agree`.
    pub fn supporting(&self) -> u32 {
        self.sighting_reports + self.opinions[3] + self.opinions[4]
    }

    /// Whether there is any feedback at all.
    pub fn is_empty(&self) -> bool {
        self.sighting_reports == 0 && self.false_positives == 0 && self.opinions == [0; 5]
    }
}

/// Where an indicator stands for a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// In force.
    Active,
    /// Its score fell below [`DECAYED_BELOW`].
    Decayed,
    /// `valid_until` has passed.
    Expired,
    /// The producer revoked it.
    Revoked,
}

impl Standing {
    /// A stable code: `active`, `decayed`, `expired`, `revoked`.
    pub fn code(self) -> &'static str {
        match self {
            Standing::Active => "active",
            Standing::Decayed => "decayed",
            Standing::Expired => "expired",
            Standing::Revoked => "revoked",
        }
    }

    /// Whether default listings show it.
    pub fn is_current(self) -> bool {
        self == Standing::Active
    }
}

/// An indicator's score and standing at `now`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    /// 0 to 100.
    pub score: f64,
    /// The standing.
    pub standing: Standing,
}

/// The polynomial decay: `base · (1 − (age/τ)^(1/δ))`, clamped to `[0, base]`.
pub fn decayed_score(base: f64, age_days: f64) -> f64 {
    let base = base.clamp(0.0, 100.0);
    let ratio = (age_days.max(0.0) / LIFETIME_DAYS).min(1.0);
    (base * (1.0 - ratio.powf(1.0 / DECAY_DELTA))).clamp(0.0, base)
}

/// Assesses an indicator (or any object: non-indicators have no `valid_until` and keep
/// their base) with the feedback a reader sees, at `now`. See `docs/FEEDBACK.md`.
pub fn assess(obj: &StixObject, feedback: &Aggregate, now: jiff::Timestamp) -> Assessment {
    let base = obj
        .get("confidence")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(DEFAULT_BASE);
    let refreshed = obj.version().map(|t| t.instant()).max(feedback.last_seen);
    let age_days = refreshed.map_or(0.0, |t| {
        (now.as_microsecond() - t.as_microsecond()) as f64 / 86_400e6
    });
    // Organisations, not reports, weigh: one member repeating itself counts once, so no
    // single member can decay an indicator to nothing (issue 18, finding 10).
    let support = f64::from(feedback.supporting_orgs) + 1.0;
    let against = f64::from(feedback.disputing_orgs);
    let score = decayed_score(base, age_days) * support / (support + against);
    let valid_until = obj
        .as_indicator()
        .and_then(|i| i.valid_until())
        .map(|t| t.instant());
    let standing = if obj.revoked() {
        Standing::Revoked
    } else if valid_until.is_some_and(|u| u <= now) {
        Standing::Expired
    } else if obj.object_type() == "indicator" && score < DECAYED_BELOW {
        Standing::Decayed
    } else {
        Standing::Active
    };
    Assessment { score, standing }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(json: &str) -> StixObject {
        StixObject::parse(json).unwrap()
    }

    const IND: &str = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}"#;

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn sightings_and_opinions_are_read() {
        let s = obj(
            r#"{"type":"sighting","spec_version":"2.1","id":"sighting--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-02-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","sighting_of_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","count":4,"last_seen":"2026-02-02T00:00:00Z","x_deltawall_false_positive":true}"#,
        );
        let f = feedback_of(&s).unwrap();
        assert_eq!(
            f.targets,
            ["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]
        );
        assert_eq!((f.count, f.false_positive, f.named), (4, true, false));
        assert_eq!(f.seen_at, Some(at("2026-02-02T00:00:00Z")));
        let o = obj(
            r#"{"type":"opinion","spec_version":"2.1","id":"opinion--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-02-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","created_by_ref":"identity--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","opinion":"strongly-disagree","object_refs":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]}"#,
        );
        let f = feedback_of(&o).unwrap();
        assert!(f.named && f.is_false_positive());
        assert_eq!(f.opinion, Some(Opinion::StronglyDisagree));
        assert!(feedback_of(&obj(IND)).is_none());
    }

    #[test]
    fn aggregate_keeps_anonymous_reporters_anonymous() {
        let f = |fp, count| Feedback {
            targets: vec![],
            count,
            false_positive: fp,
            opinion: None,
            seen_at: Some(at("2026-03-01T00:00:00Z")),
            named: false,
        };
        let reports = [
            Report {
                feedback: f(false, 3),
                reporter: Some("org-a".into()),
                org: "org-a".into(),
            },
            Report {
                feedback: f(false, 2),
                reporter: None,
                org: "org-b".into(),
            },
            Report {
                feedback: f(true, 1),
                reporter: None,
                org: "org-b".into(),
            },
        ];
        let a = Aggregate::of(&reports);
        assert_eq!(
            (a.sightings, a.sighting_reports, a.false_positives),
            (5, 2, 1)
        );
        assert_eq!(a.named.iter().collect::<Vec<_>>(), ["org-a"]);
        assert_eq!(a.anonymous, 2);
    }

    #[test]
    fn decay_policy() {
        let ind = obj(IND);
        let none = Aggregate::default();
        let fresh = assess(&ind, &none, at("2026-01-01T00:00:00Z"));
        assert_eq!((fresh.score, fresh.standing), (50.0, Standing::Active));
        // Half the lifetime: 50 · (1 − 0.5²) = 37.5.
        let half = assess(&ind, &none, at("2026-04-01T00:00:00Z"));
        assert!((half.score - 37.5).abs() < 1e-9, "{half:?}");
        let old = assess(&ind, &none, at("2026-07-01T00:00:00Z"));
        assert_eq!(old.standing, Standing::Decayed);
        // A recent sighting refreshes it.
        let seen = Aggregate {
            sighting_reports: 1,
            supporting_orgs: 1,
            sightings: 1,
            last_seen: Some(at("2026-06-30T00:00:00Z")),
            ..Aggregate::default()
        };
        assert_eq!(
            assess(&ind, &seen, at("2026-07-01T00:00:00Z")).standing,
            Standing::Active
        );
        // False positives outweigh: 50 · 1 / (1 + 3) = 12.5.
        let disputed = Aggregate {
            false_positives: 3,
            disputing_orgs: 3,
            ..Aggregate::default()
        };
        let d = assess(&ind, &disputed, at("2026-01-01T00:00:00Z"));
        assert_eq!((d.score, d.standing), (12.5, Standing::Decayed));
    }

    #[test]
    fn valid_until_and_revoked_end_an_indicator() {
        let until = obj(&IND.replace(
            r#""valid_from":"2026-01-01T00:00:00Z""#,
            r#""valid_from":"2026-01-01T00:00:00Z","valid_until":"2026-01-10T00:00:00Z""#,
        ));
        let none = Aggregate::default();
        assert_eq!(
            assess(&until, &none, at("2026-01-09T00:00:00Z")).standing,
            Standing::Active
        );
        assert_eq!(
            assess(&until, &none, at("2026-01-10T00:00:00Z")).standing,
            Standing::Expired
        );
        let revoked = obj(&IND.replace(r#""pattern_type""#, r#""revoked":true,"pattern_type""#));
        assert_eq!(
            assess(&revoked, &none, at("2026-01-01T00:00:00Z")).standing,
            Standing::Revoked
        );
    }

    /// Issue 18, finding 10: fifty false-positive reports from one member weigh as one.
    #[test]
    fn one_member_cannot_decay_an_indicator_alone() {
        let fp = |org: &str| Report {
            feedback: Feedback {
                targets: vec![],
                count: 1,
                false_positive: true,
                opinion: None,
                seen_at: None,
                named: false,
            },
            reporter: None,
            org: org.into(),
        };
        let one: Vec<Report> = (0..50).map(|_| fp("org-x")).collect();
        let a = Aggregate::of(&one);
        assert_eq!((a.false_positives, a.disputing_orgs), (50, 1));
        let ind = obj(IND);
        let s = assess(&ind, &a, at("2026-01-01T00:00:00Z"));
        // 50 · 1 / (1 + 1) = 25: halved, not decayed.
        assert_eq!((s.score, s.standing), (25.0, Standing::Active));
        let many: Vec<Report> = ["o1", "o2", "o3"].iter().map(|o| fp(o)).collect();
        let s = assess(&ind, &Aggregate::of(&many), at("2026-01-01T00:00:00Z"));
        assert_eq!(s.standing, Standing::Decayed);
    }
}
