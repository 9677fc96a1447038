//! The rule model: detection rules, correlation rules and filters as parsed from YAML.

use crate::detection::{self, Detection};
use crate::error::{Ctx, ErrorKind, RuleError};
use crate::yaml::Yaml;
use serde::{Deserialize, Serialize};

/// The abstract log source of a rule or of an event (`category`, `product`, `service`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LogSource {
    /// e.g. `process_creation`, `webserver`, `authentication`.
    pub category: Option<String>,
    /// e.g. `windows`, `linux`, `okta`.
    pub product: Option<String>,
    /// e.g. `security`, `sshd`.
    pub service: Option<String>,
}

impl LogSource {
    /// A log source from optional parts.
    pub fn new(category: Option<&str>, product: Option<&str>, service: Option<&str>) -> LogSource {
        LogSource {
            category: category.map(str::to_owned),
            product: product.map(str::to_owned),
            service: service.map(str::to_owned),
        }
    }

    /// Whether a rule with this log source applies to events of `event`: each part that the
    /// rule sets must equal the event's (ASCII case-insensitively); unset parts are wildcards.
    pub fn applies_to(&self, event: &LogSource) -> bool {
        fn part(rule: &Option<String>, event: &Option<String>) -> bool {
            match (rule, event) {
                (None, _) => true,
                (Some(r), Some(e)) => r.eq_ignore_ascii_case(e),
                (Some(_), None) => false,
            }
        }
        part(&self.category, &event.category)
            && part(&self.product, &event.product)
            && part(&self.service, &event.service)
    }
}

/// A rule's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Enrichment only.
    Informational,
    /// Notable, rarely an incident.
    Low,
    /// Should be reviewed.
    Medium,
    /// Prompt review.
    High,
    /// Immediate review.
    Critical,
}

impl Level {
    fn parse(text: &str) -> Option<Level> {
        Some(match text {
            "informational" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }
}

/// Metadata shared by detection rules and correlation rules.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meta {
    /// `title` (mandatory).
    pub title: String,
    /// `id`, usually a UUID.
    pub id: Option<String>,
    /// `name`, a unique human-readable reference for correlations.
    pub name: Option<String>,
    /// `status`.
    pub status: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `level`.
    pub level: Option<Level>,
    /// `author` (DRL 1.1: must be shown with matches).
    pub author: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `falsepositives`.
    pub falsepositives: Vec<String>,
    /// `fields`.
    pub fields: Vec<String>,
    /// The file (or label) the rule was read from.
    pub origin: String,
}

/// A detection rule: one event at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Metadata.
    pub meta: Meta,
    /// Where the rule applies.
    pub logsource: LogSource,
    pub(crate) detection: Detection,
}

/// The seven correlation types of Sigma 2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationType {
    /// Number of events in the window.
    EventCount,
    /// Number of distinct values of `field` in the window.
    ValueCount,
    /// All (or `condition` many) referenced rules matched in the window.
    Temporal,
    /// All referenced rules matched in the window, in the listed order.
    TemporalOrdered,
    /// Sum of the numeric `field` in the window.
    ValueSum,
    /// Average of the numeric `field` in the window.
    ValueAvg,
    /// Share, in percent, of window events whose `field` equals the current event's.
    ValuePercentile,
}

impl CorrelationType {
    fn parse(text: &str) -> Option<CorrelationType> {
        Some(match text {
            "event_count" => CorrelationType::EventCount,
            "value_count" => CorrelationType::ValueCount,
            "temporal" => CorrelationType::Temporal,
            "temporal_ordered" => CorrelationType::TemporalOrdered,
            "value_sum" => CorrelationType::ValueSum,
            "value_avg" => CorrelationType::ValueAvg,
            "value_percentile" => CorrelationType::ValuePercentile,
            _ => return None,
        })
    }

    /// Whether the condition needs a `field`.
    pub fn needs_field(self) -> bool {
        matches!(
            self,
            CorrelationType::ValueCount
                | CorrelationType::ValueSum
                | CorrelationType::ValueAvg
                | CorrelationType::ValuePercentile
        )
    }
}

/// A comparison in a correlation condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `==`
    Eq,
    /// `!=`
    Neq,
}

impl CmpOp {
    /// Applies the comparison.
    pub fn test(self, left: f64, right: f64) -> bool {
        match self {
            CmpOp::Gt => left > right,
            CmpOp::Gte => left >= right,
            CmpOp::Lt => left < right,
            CmpOp::Lte => left <= right,
            CmpOp::Eq => left == right,
            CmpOp::Neq => left != right,
        }
    }
}

/// A correlation rule (Sigma correlation specification 2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// Metadata.
    pub meta: Meta,
    /// `correlation.type`.
    pub kind: CorrelationType,
    /// `correlation.rules`: ids or names of rules or correlations.
    pub rules: Vec<String>,
    /// `correlation.group-by`.
    pub group_by: Vec<String>,
    /// `correlation.timespan` in microseconds.
    pub timespan_us: i64,
    /// `correlation.condition` comparisons, AND-ed.
    pub condition: Vec<(CmpOp, f64)>,
    /// `correlation.condition.field`: one field, or several for a tuple `value_count`.
    pub field: Vec<String>,
    /// `correlation.generate`: also emit alerts of the referenced rules.
    pub generate: bool,
    /// `correlation.aliases`: alias -> (rule name -> field).
    pub aliases: Vec<(String, Vec<(String, String)>)>,
}

/// A global filter (Sigma filters specification 2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// Metadata (title, id, origin).
    pub meta: Meta,
    /// Log source of the filter.
    pub logsource: LogSource,
    /// Ids or names of the rules to filter.
    pub rules: Vec<String>,
    pub(crate) detection: Detection,
}

/// One YAML document of a rule file.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    /// A detection rule.
    Rule(Rule),
    /// A correlation rule.
    Correlation(Correlation),
    /// A global filter.
    Filter(Filter),
}

impl Document {
    /// The document's metadata.
    pub fn meta(&self) -> &Meta {
        match self {
            Document::Rule(r) => &r.meta,
            Document::Correlation(c) => &c.meta,
            Document::Filter(f) => &f.meta,
        }
    }
}

/// Parses one YAML document into a rule, correlation or filter.
pub(crate) fn parse_document(
    doc: &Yaml,
    origin: &str,
    index: usize,
) -> Result<Document, RuleError> {
    let mut ctx = Ctx {
        origin,
        rule: format!("document {}", index + 1),
    };
    let Yaml::Map(entries) = doc else {
        return Err(ctx.err(
            ErrorKind::Schema,
            "document",
            format!("expected a map, found a {}", doc.type_name()),
        ));
    };
    if let Some(title) = doc.get("title").and_then(|t| t.scalar_text()) {
        ctx.rule = match doc.get("id").and_then(|t| t.scalar_text()) {
            Some(id) => format!("`{title}` ({id})"),
            None => format!("`{title}`"),
        };
    }
    for (key, _) in entries {
        if matches!(key.as_str(), "action" | "global") {
            return Err(ctx.err(
                ErrorKind::Unsupported,
                key.as_str(),
                "legacy multi-document `action` collections are not part of sigma 2",
            ));
        }
    }
    let kinds = ["detection", "correlation", "filter"].map(|k| doc.get(k).is_some());
    match kinds {
        [true, false, false] => parse_rule(doc, &ctx).map(Document::Rule),
        [false, true, false] => parse_correlation(doc, &ctx).map(Document::Correlation),
        [false, false, true] => parse_filter(doc, &ctx).map(Document::Filter),
        [false, false, false] => Err(ctx.err(
            ErrorKind::Schema,
            "document",
            "has none of `detection`, `correlation` or `filter`",
        )),
        _ => Err(ctx.err(
            ErrorKind::Schema,
            "document",
            "has more than one of `detection`, `correlation` and `filter`",
        )),
    }
}

fn string(doc: &Yaml, key: &str, ctx: &Ctx<'_>) -> Result<Option<String>, RuleError> {
    match doc.get(key) {
        None | Some(Yaml::Null) => Ok(None),
        Some(Yaml::Seq(_) | Yaml::Map(_)) => {
            Err(ctx.err(ErrorKind::Schema, key, "expected a scalar"))
        }
        Some(v) => Ok(v.scalar_text()),
    }
}

fn string_list(doc: &Yaml, key: &str, ctx: &Ctx<'_>) -> Result<Vec<String>, RuleError> {
    match doc.get(key) {
        None | Some(Yaml::Null) => Ok(Vec::new()),
        Some(Yaml::Seq(items)) => items
            .iter()
            .map(|i| {
                i.scalar_text().ok_or_else(|| {
                    ctx.err(
                        ErrorKind::Schema,
                        key,
                        format!("expected a list of strings, found a {}", i.type_name()),
                    )
                })
            })
            .collect(),
        Some(Yaml::Map(_)) => Err(ctx.err(ErrorKind::Schema, key, "expected a list of strings")),
        Some(v) => Ok(v.scalar_text().into_iter().collect()),
    }
}

fn parse_meta(doc: &Yaml, ctx: &Ctx<'_>) -> Result<Meta, RuleError> {
    let title = string(doc, "title", ctx)?
        .ok_or_else(|| ctx.err(ErrorKind::Schema, "title", "is missing"))?;
    let level = match string(doc, "level", ctx)? {
        None => None,
        Some(text) => Some(Level::parse(&text).ok_or_else(|| {
            ctx.err(
                ErrorKind::Invalid,
                "level",
                format!("unknown level `{text}`"),
            )
        })?),
    };
    Ok(Meta {
        title,
        id: string(doc, "id", ctx)?,
        name: string(doc, "name", ctx)?,
        status: string(doc, "status", ctx)?,
        description: string(doc, "description", ctx)?,
        level,
        author: string(doc, "author", ctx)?,
        tags: string_list(doc, "tags", ctx)?,
        falsepositives: string_list(doc, "falsepositives", ctx)?,
        fields: string_list(doc, "fields", ctx)?,
        origin: ctx.origin.to_owned(),
    })
}

fn parse_logsource(doc: &Yaml, ctx: &Ctx<'_>, required: bool) -> Result<LogSource, RuleError> {
    let ls = match doc.get("logsource") {
        None if !required => return Ok(LogSource::default()),
        None => return Err(ctx.err(ErrorKind::Schema, "logsource", "is missing")),
        Some(ls @ Yaml::Map(_)) => ls,
        Some(other) => {
            return Err(ctx.err(
                ErrorKind::Schema,
                "logsource",
                format!("expected a map, found a {}", other.type_name()),
            ));
        }
    };
    if let Yaml::Map(entries) = ls
        && let Some((key, _)) = entries.iter().find(|(k, _)| {
            // `description` is the Hayabusa rules' name for `definition`: text, never a
            // condition on the events.
            !matches!(
                k.as_str(),
                "category" | "product" | "service" | "definition" | "description"
            )
        })
    {
        // An attribute we cannot route on would silently widen the rule to more events.
        return Err(ctx.err(
            ErrorKind::Unsupported,
            format!("logsource.{key}"),
            "only category, product, service and definition (or description) are evaluated",
        ));
    }
    Ok(LogSource {
        category: string(ls, "category", ctx)?,
        product: string(ls, "product", ctx)?,
        service: string(ls, "service", ctx)?,
    })
}

fn parse_rule(doc: &Yaml, ctx: &Ctx<'_>) -> Result<Rule, RuleError> {
    let meta = parse_meta(doc, ctx)?;
    let logsource = parse_logsource(doc, ctx, true)?;
    let detection = detection::parse(
        doc.get("detection").unwrap_or(&Yaml::Null),
        "detection",
        ctx,
    )?;
    Ok(Rule {
        meta,
        logsource,
        detection,
    })
}

fn parse_filter(doc: &Yaml, ctx: &Ctx<'_>) -> Result<Filter, RuleError> {
    let meta = parse_meta(doc, ctx)?;
    let logsource = parse_logsource(doc, ctx, true)?;
    let section = doc.get("filter").unwrap_or(&Yaml::Null);
    let Yaml::Map(entries) = section else {
        return Err(ctx.err(ErrorKind::Schema, "filter", "expected a map"));
    };
    let rules = string_list(section, "rules", ctx)?;
    if rules.is_empty() {
        return Err(ctx.err(ErrorKind::Schema, "filter.rules", "is missing or empty"));
    }
    // The detection part of a filter is the filter map without `rules`.
    let body = Yaml::Map(
        entries
            .iter()
            .filter(|(k, _)| k != "rules")
            .cloned()
            .collect(),
    );
    let detection = detection::parse(&body, "filter", ctx)?;
    Ok(Filter {
        meta,
        logsource,
        rules,
        detection,
    })
}

const CORRELATION_KEYS: [&str; 8] = [
    "type",
    "rules",
    "group-by",
    "timespan",
    "condition",
    "generate",
    "aliases",
    "name",
];

fn parse_correlation(doc: &Yaml, ctx: &Ctx<'_>) -> Result<Correlation, RuleError> {
    let meta = parse_meta(doc, ctx)?;
    let section = doc.get("correlation").unwrap_or(&Yaml::Null);
    let Yaml::Map(entries) = section else {
        return Err(ctx.err(ErrorKind::Schema, "correlation", "expected a map"));
    };
    if let Some((key, _)) = entries
        .iter()
        .find(|(k, _)| !CORRELATION_KEYS.contains(&k.as_str()))
    {
        return Err(ctx.err(
            ErrorKind::Unsupported,
            format!("correlation.{key}"),
            "unknown correlation attribute",
        ));
    }
    let type_text = string(section, "type", ctx)?
        .ok_or_else(|| ctx.err(ErrorKind::Schema, "correlation.type", "is missing"))?;
    let kind = CorrelationType::parse(&type_text).ok_or_else(|| {
        ctx.err(
            ErrorKind::Unsupported,
            "correlation.type",
            format!("unknown correlation type `{type_text}`"),
        )
    })?;
    let rules = string_list(section, "rules", ctx)?;
    if rules.is_empty() {
        return Err(ctx.err(
            ErrorKind::Schema,
            "correlation.rules",
            "is missing or empty",
        ));
    }
    let group_by = string_list(section, "group-by", ctx)?;
    let timespan_text = string(section, "timespan", ctx)?
        .ok_or_else(|| ctx.err(ErrorKind::Schema, "correlation.timespan", "is missing"))?;
    let timespan_us = parse_timespan(&timespan_text).ok_or_else(|| {
        ctx.err(
            ErrorKind::Invalid,
            "correlation.timespan",
            format!("`{timespan_text}` is not <number><s|m|h|d>"),
        )
    })?;
    let (condition, field) = parse_condition(section.get("condition"), kind, rules.len(), ctx)?;
    let generate = match section.get("generate") {
        None | Some(Yaml::Null) => false,
        Some(Yaml::Bool(b)) => *b,
        Some(_) => {
            return Err(ctx.err(
                ErrorKind::Schema,
                "correlation.generate",
                "expected a boolean",
            ));
        }
    };
    let aliases = parse_aliases(section.get("aliases"), ctx)?;
    Ok(Correlation {
        meta,
        kind,
        rules,
        group_by,
        timespan_us,
        condition,
        field,
        generate,
        aliases,
    })
}

/// `<n>s|m|h|d` to microseconds.
pub(crate) fn parse_timespan(text: &str) -> Option<i64> {
    let unit = text.chars().last()?;
    let number: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let seconds = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    (number > 0).then_some(())?;
    number.checked_mul(seconds)?.checked_mul(1_000_000)
}

type Condition = (Vec<(CmpOp, f64)>, Vec<String>);

/// alias -> (rule name -> field).
type Aliases = Vec<(String, Vec<(String, String)>)>;

fn parse_condition(
    node: Option<&Yaml>,
    kind: CorrelationType,
    n_rules: usize,
    ctx: &Ctx<'_>,
) -> Result<Condition, RuleError> {
    let mut ops = Vec::new();
    let mut field = Vec::new();
    match node {
        None | Some(Yaml::Null) => {}
        Some(Yaml::Map(entries)) => {
            for (key, value) in entries {
                let op = match key.as_str() {
                    "gt" => CmpOp::Gt,
                    "gte" => CmpOp::Gte,
                    "lt" => CmpOp::Lt,
                    "lte" => CmpOp::Lte,
                    "eq" => CmpOp::Eq,
                    "neq" => CmpOp::Neq,
                    "field" => {
                        field = string_list(node.unwrap_or(&Yaml::Null), "field", ctx)?;
                        continue;
                    }
                    other => {
                        return Err(ctx.err(
                            ErrorKind::Unsupported,
                            format!("correlation.condition.{other}"),
                            "unknown condition operator",
                        ));
                    }
                };
                let number = match value {
                    Yaml::Int(i) => *i as f64,
                    Yaml::Float(f) => *f,
                    _ => {
                        return Err(ctx.err(
                            ErrorKind::Schema,
                            format!("correlation.condition.{key}"),
                            "expected a number",
                        ));
                    }
                };
                ops.push((op, number));
            }
        }
        Some(other) => {
            return Err(ctx.err(
                ErrorKind::Schema,
                "correlation.condition",
                format!("expected a map, found a {}", other.type_name()),
            ));
        }
    }
    check_condition(kind, n_rules, &mut ops, &field, ctx)?;
    Ok((ops, field))
}

fn check_condition(
    kind: CorrelationType,
    n_rules: usize,
    ops: &mut Vec<(CmpOp, f64)>,
    field: &[String],
    ctx: &Ctx<'_>,
) -> Result<(), RuleError> {
    if kind.needs_field() && field.is_empty() {
        return Err(ctx.err(
            ErrorKind::Schema,
            "correlation.condition.field",
            "is required for this correlation type",
        ));
    }
    if !kind.needs_field() && !field.is_empty() {
        return Err(ctx.err(
            ErrorKind::Invalid,
            "correlation.condition.field",
            "is only allowed for value_* correlation types",
        ));
    }
    if kind.needs_field() && field.len() > 1 && kind != CorrelationType::ValueCount {
        return Err(ctx.err(
            ErrorKind::Invalid,
            "correlation.condition.field",
            "only value_count accepts several fields",
        ));
    }
    let all_rules = (CmpOp::Gte, n_rules as f64);
    match kind {
        CorrelationType::Temporal if ops.is_empty() => ops.push(all_rules),
        CorrelationType::TemporalOrdered if ops.is_empty() => ops.push(all_rules),
        CorrelationType::TemporalOrdered if ops.as_slice() != [all_rules] => {
            return Err(ctx.err(
                ErrorKind::Unsupported,
                "correlation.condition",
                "temporal_ordered only supports requiring every referenced rule",
            ));
        }
        _ if ops.is_empty() => {
            return Err(ctx.err(
                ErrorKind::Schema,
                "correlation.condition",
                "needs at least one of gt, gte, lt, lte, eq, neq",
            ));
        }
        _ => {}
    }
    Ok(())
}

fn parse_aliases(node: Option<&Yaml>, ctx: &Ctx<'_>) -> Result<Aliases, RuleError> {
    let entries = match node {
        None | Some(Yaml::Null) => return Ok(Vec::new()),
        Some(Yaml::Map(entries)) => entries,
        Some(_) => return Err(ctx.err(ErrorKind::Schema, "correlation.aliases", "expected a map")),
    };
    entries
        .iter()
        .map(|(alias, per_rule)| {
            let construct = format!("correlation.aliases.{alias}");
            let Yaml::Map(pairs) = per_rule else {
                return Err(ctx.err(
                    ErrorKind::Schema,
                    construct,
                    "expected a map of rule name to field",
                ));
            };
            let pairs = pairs
                .iter()
                .map(|(rule, field)| {
                    field
                        .scalar_text()
                        .map(|f| (rule.clone(), f))
                        .ok_or_else(|| {
                            ctx.err(
                                ErrorKind::Schema,
                                construct.clone(),
                                "expected a field name",
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((alias.clone(), pairs))
        })
        .collect()
}
