//! Regulator-reporting regimes as data: who must be told, in which stages, by when, and
//! what each stage must contain.
//!
//! The built-in regimes live in `regimes/reporting-regimes.yaml`, embedded at build time:
//! the FSA's 障害発生等報告, the government common form for DDoS and ransomware, and, as
//! examples that the same mechanism serves foreign rules, DORA and NIS2. Texts are our own
//! summaries. Adding a regime is a data change, checked by [`Regimes::from_yaml`].

use super::case::{Category, Milestone};
use crate::catalog::Text;
use crate::org::vocabulary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use super::{UnknownCode, parse_code};

/// The YAML source of the built-in regimes.
pub const BUILTIN_YAML: &str = include_str!("../../regimes/reporting-regimes.yaml");

vocabulary! {
    /// The stages of a staged report, in order.
    Stage {
        /// 第一報 / initial notification / early warning.
        First = "first", "第一報", "First report";
        /// 中間報告 / intermediate report / notification.
        Interim = "interim", "中間報告", "Interim report";
        /// 最終報告.
        Final = "final", "最終報告", "Final report";
    }
}

impl Stage {
    /// Parses a stable code, naming it when unknown.
    pub fn parse(code: &str) -> Result<Stage, UnknownCode> {
        parse_code("stage", code, Stage::from_code)
    }
}

/// What a deadline counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "of", rename_all = "snake_case")]
pub enum Trigger {
    /// A milestone of the case.
    Milestone(Milestone),
    /// The first submission of an earlier stage of the same regime (a returned report
    /// resubmitted does not restart the count).
    Submitted(Stage),
}

/// How long after the trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Within {
    /// Hours (elapsed time; weekends count).
    Hours(u32),
    /// The end, in Japan, of the Nth business day after the trigger's Japanese date.
    BusinessDays(u32),
    /// The same Japanese time of day N calendar months later (clamped to the month end).
    Months(u32),
}

/// One term of a deadline: `within` after `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueTerm {
    /// What it counts from.
    pub from: Trigger,
    /// How long.
    pub within: Within,
}

/// A content item a report may or must carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stable code.
    pub code: String,
    /// Label.
    pub label: Text,
}

/// One stage of a regime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRule {
    /// Which stage.
    pub stage: Stage,
    /// The regime's own name for it.
    pub label: Text,
    /// The regime asks for it "promptly"; the terms are a working target, not a limit.
    pub promptly: bool,
    /// The deadline is the earliest of these that can be computed.
    pub due: Vec<DueTerm>,
    /// Items that must be filled before submission.
    pub required: Vec<String>,
}

/// Which cases a regime covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppliesTo {
    /// Every case.
    All,
    /// Cases of these categories.
    Categories(Vec<Category>),
}

/// A reporting regime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regime {
    /// Stable code.
    pub code: String,
    /// Name.
    pub name: Text,
    /// Who receives the reports.
    pub authority: Text,
    /// What the regime asks, in our words.
    pub summary: Text,
    /// Where it comes from.
    pub source: String,
    /// Which categories it covers.
    pub applies_to: AppliesTo,
    /// A milestone without which it does not apply.
    pub requires: Option<Milestone>,
    /// The items its reports may carry.
    pub items: Vec<Item>,
    /// Its stages, in order.
    pub stages: Vec<StageRule>,
}

impl Regime {
    /// Whether the regime covers a case of `category` (before its `requires` milestone).
    pub fn covers(&self, category: Category) -> bool {
        match &self.applies_to {
            AppliesTo::All => true,
            AppliesTo::Categories(list) => list.contains(&category),
        }
    }

    /// The rule of one stage, if the regime has it.
    pub fn stage(&self, stage: Stage) -> Option<&StageRule> {
        self.stages.iter().find(|s| s.stage == stage)
    }

    /// The item with this code.
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }
}

/// A set of regimes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Regimes(Vec<Regime>);

/// Why a regimes text is refused: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct RegimeError {
    /// Where (`regimes[1].stages[0].due[1]`).
    pub path: String,
    /// What is wrong.
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    regimes: Vec<RawRegime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegime {
    code: String,
    name: Text,
    authority: Text,
    summary: Text,
    source: String,
    applies_to: RawApplies,
    #[serde(default)]
    requires: Option<String>,
    items: Vec<RawItem>,
    stages: Vec<RawStage>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawApplies {
    Word(String),
    List(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    code: String,
    ja: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    stage: String,
    label: Text,
    #[serde(default)]
    promptly: bool,
    due: Vec<RawDue>,
    required: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDue {
    from: String,
    hours: Option<u32>,
    business_days: Option<u32>,
    months: Option<u32>,
}

fn err(path: impl Into<String>, reason: impl Into<String>) -> RegimeError {
    RegimeError {
        path: path.into(),
        reason: reason.into(),
    }
}

fn both(path: &str, text: &Text) -> Result<(), RegimeError> {
    if text.ja.trim().is_empty() || text.en.trim().is_empty() {
        return Err(err(path, "needs Japanese and English text"));
    }
    Ok(())
}

fn trigger(path: &str, raw: &str, earlier: &BTreeSet<Stage>) -> Result<Trigger, RegimeError> {
    if let Some(stage) = raw.strip_suffix("_submitted") {
        let stage = Stage::parse(stage).map_err(|e| err(path, e.to_string()))?;
        if !earlier.contains(&stage) {
            return Err(err(
                path,
                format!("{raw} is not an earlier stage of this regime"),
            ));
        }
        return Ok(Trigger::Submitted(stage));
    }
    Milestone::parse(raw)
        .map(Trigger::Milestone)
        .map_err(|e| err(path, e.to_string()))
}

fn due(path: &str, raw: &RawDue, earlier: &BTreeSet<Stage>) -> Result<DueTerm, RegimeError> {
    let from = trigger(&format!("{path}.from"), &raw.from, earlier)?;
    let within = match (raw.hours, raw.business_days, raw.months) {
        (Some(h), None, None) => Within::Hours(h),
        (None, Some(d), None) => Within::BusinessDays(d),
        (None, None, Some(m)) => Within::Months(m),
        _ => {
            return Err(err(
                path,
                "give exactly one of hours, business_days, months",
            ));
        }
    };
    Ok(DueTerm { from, within })
}

fn stage(
    path: &str,
    raw: &RawStage,
    items: &BTreeSet<&str>,
    earlier: &BTreeSet<Stage>,
) -> Result<StageRule, RegimeError> {
    let stage =
        Stage::parse(&raw.stage).map_err(|e| err(format!("{path}.stage"), e.to_string()))?;
    if earlier.iter().any(|s| *s >= stage) {
        return Err(err(
            format!("{path}.stage"),
            "stages must be unique and in order",
        ));
    }
    both(&format!("{path}.label"), &raw.label)?;
    if raw.due.is_empty() {
        return Err(err(format!("{path}.due"), "needs at least one term"));
    }
    let due = raw
        .due
        .iter()
        .enumerate()
        .map(|(i, d)| due(&format!("{path}.due[{i}]"), d, earlier))
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = BTreeSet::new();
    for (i, code) in raw.required.iter().enumerate() {
        if !items.contains(code.as_str()) || !seen.insert(code) {
            let path = format!("{path}.required[{i}]");
            return Err(err(
                path,
                format!("{code:?} is not an item or is listed twice"),
            ));
        }
    }
    Ok(StageRule {
        stage,
        label: raw.label.clone(),
        promptly: raw.promptly,
        due,
        required: raw.required.clone(),
    })
}

fn regime(path: &str, raw: RawRegime) -> Result<Regime, RegimeError> {
    let code_ok = !raw.code.is_empty()
        && raw
            .code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !code_ok {
        return Err(err(
            format!("{path}.code"),
            "lower-case letters, digits and _ only",
        ));
    }
    for (field, text) in [
        ("name", &raw.name),
        ("authority", &raw.authority),
        ("summary", &raw.summary),
    ] {
        both(&format!("{path}.{field}"), text)?;
    }
    let applies_to = match raw.applies_to {
        RawApplies::Word(w) if w == "all" => AppliesTo::All,
        RawApplies::Word(w) => {
            return Err(err(
                format!("{path}.applies_to"),
                format!("{w:?} is neither all nor a list"),
            ));
        }
        RawApplies::List(list) => AppliesTo::Categories(
            list.iter()
                .map(|c| Category::parse(c))
                .collect::<Result<_, _>>()
                .map_err(|e| err(format!("{path}.applies_to"), e.to_string()))?,
        ),
    };
    let requires = raw
        .requires
        .as_deref()
        .map(Milestone::parse)
        .transpose()
        .map_err(|e| err(format!("{path}.requires"), e.to_string()))?;
    let mut codes = BTreeSet::new();
    let mut items = Vec::new();
    for (i, item) in raw.items.into_iter().enumerate() {
        let ipath = format!("{path}.items[{i}]");
        if item.code.trim().is_empty() || !codes.insert(item.code.clone()) {
            return Err(err(
                ipath,
                format!("{:?} is blank or listed twice", item.code),
            ));
        }
        let label = Text {
            ja: item.ja,
            en: item.en,
        };
        both(&ipath, &label)?;
        items.push(Item {
            code: item.code,
            label,
        });
    }
    let item_codes: BTreeSet<&str> = codes.iter().map(String::as_str).collect();
    let mut earlier = BTreeSet::new();
    let mut stages = Vec::new();
    for (i, s) in raw.stages.iter().enumerate() {
        let rule = stage(&format!("{path}.stages[{i}]"), s, &item_codes, &earlier)?;
        earlier.insert(rule.stage);
        stages.push(rule);
    }
    if stages.is_empty() {
        return Err(err(format!("{path}.stages"), "needs at least one stage"));
    }
    Ok(Regime {
        code: raw.code,
        name: raw.name,
        authority: raw.authority,
        summary: raw.summary,
        source: raw.source,
        applies_to,
        requires,
        items,
        stages,
    })
}

impl Regimes {
    /// Parses and checks regimes from YAML; the error names the path of the fault.
    pub fn from_yaml(source: &str) -> Result<Regimes, RegimeError> {
        let raw: RawFile =
            serde_saphyr::from_str(source).map_err(|e| err("regimes", e.to_string()))?;
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (i, r) in raw.regimes.into_iter().enumerate() {
            let path = format!("regimes[{i}]");
            if !seen.insert(r.code.clone()) {
                return Err(err(
                    format!("{path}.code"),
                    format!("{:?} is used twice", r.code),
                ));
            }
            out.push(regime(&path, r)?);
        }
        Ok(Regimes(out))
    }

    /// The built-in regimes. The embedded data is checked by the tests, so this fails only
    /// for a crate built from a broken data file.
    pub fn builtin() -> Result<Regimes, RegimeError> {
        Regimes::from_yaml(BUILTIN_YAML)
    }

    /// Every regime, in file order.
    pub fn all(&self) -> &[Regime] {
        &self.0
    }

    /// The regime with this code.
    pub fn get(&self, code: &str) -> Option<&Regime> {
        self.0.iter().find(|r| r.code == code)
    }

    /// The regimes covering a case of `category`.
    pub fn covering(&self, category: Category) -> impl Iterator<Item = &Regime> {
        self.0.iter().filter(move |r| r.covers(category))
    }
}

#[cfg(test)]
mod tests;
