//! Compiles parsed detections into [`Node`] trees: applies value modifiers, field mapping and
//! placeholders, and groups string values so that each field is tested by one matcher.

use crate::condition::{ALL, Cond};
use crate::detection::{Detection, Item};
use crate::error::{Ctx, ErrorKind, RuleError};
use crate::eval::{FieldId, Node, RefKind, Test};
use crate::mapping::FieldMapping;
use crate::model::{CmpOp, LogSource};
use crate::modifier::{self, DASHES, Modifier};
use crate::pattern::{self, StrSet, Tok};
use crate::yaml::Yaml;
use std::collections::{BTreeMap, HashMap};

/// Values for `%placeholder%` names used with the `expand` modifier.
pub type Placeholders = BTreeMap<String, Vec<String>>;

/// Interned fields: each is the list of event paths a rule field maps to.
#[derive(Debug, Default, Clone)]
pub(crate) struct Fields {
    pub paths: Vec<Vec<String>>,
    index: HashMap<Vec<String>, FieldId>,
}

impl Fields {
    pub fn intern(&mut self, paths: Vec<String>) -> FieldId {
        if let Some(id) = self.index.get(&paths) {
            return *id;
        }
        self.paths.push(paths.clone());
        self.index.insert(paths, self.paths.len() - 1);
        self.paths.len() - 1
    }
}

/// What compiling one rule needs.
pub(crate) struct Env<'a> {
    pub fields: &'a mut Fields,
    pub mapping: &'a FieldMapping,
    pub placeholders: &'a Placeholders,
    pub logsource: &'a LogSource,
    pub ctx: Ctx<'a>,
}

impl Env<'_> {
    pub fn field(&mut self, name: &str) -> FieldId {
        let paths = self.mapping.resolve(self.logsource, name);
        self.fields.intern(paths)
    }

    fn err(&self, kind: ErrorKind, item: &Item, reason: impl Into<String>) -> RuleError {
        self.ctx.err(kind, item.construct.clone(), reason)
    }
}

/// Most alternatives one value may expand to (windash permutations, placeholders).
const MAX_ALTERNATIVES: usize = 4_096;

/// Compiles a detection section into one node.
pub(crate) fn detection(det: &Detection, env: &mut Env<'_>) -> Result<Node, RuleError> {
    let mut selections = Vec::with_capacity(det.selections.len());
    for (_, sel) in &det.selections {
        let mut groups = Vec::with_capacity(sel.groups.len());
        for group in &sel.groups {
            let items = group
                .iter()
                .map(|i| item(i, env))
                .collect::<Result<Vec<_>, _>>()?;
            groups.push(and(items));
        }
        selections.push(Node::Shared(std::sync::Arc::new(or(groups))));
    }
    Ok(condition(&det.condition, &selections))
}

fn and(mut items: Vec<Node>) -> Node {
    if items.len() == 1 {
        items.remove(0)
    } else {
        Node::And(items)
    }
}

fn or(mut items: Vec<Node>) -> Node {
    if items.len() == 1 {
        items.remove(0)
    } else {
        Node::Or(items)
    }
}

fn condition(cond: &Cond, sels: &[Node]) -> Node {
    match cond {
        Cond::And(items) => Node::And(items.iter().map(|c| condition(c, sels)).collect()),
        Cond::Or(items) => Node::Or(items.iter().map(|c| condition(c, sels)).collect()),
        Cond::Not(inner) => Node::Not(Box::new(condition(inner, sels))),
        Cond::Sel(i) => sels[*i].clone(),
        Cond::Of(ALL, items) => and(items.iter().map(|i| sels[*i].clone()).collect()),
        Cond::Of(1, items) => or(items.iter().map(|i| sels[*i].clone()).collect()),
        Cond::Of(n, items) if *n > items.len() => Node::Const(false),
        Cond::Of(n, items) => Node::AtLeast(*n, items.iter().map(|i| sels[*i].clone()).collect()),
    }
}

fn item(item: &Item, env: &mut Env<'_>) -> Result<Node, RuleError> {
    let field = item.field.as_deref().map(|f| env.field(f));
    if let (Some(f), [Yaml::Null]) = (field, item.values.as_slice()) {
        return Ok(Node::Null(f));
    }
    if item.has(Modifier::Exists) {
        let want = matches!(item.values.as_slice(), [Yaml::Bool(true)]);
        return Ok(Node::Exists(field.unwrap_or_default(), want));
    }
    if item.has(Modifier::FieldRef) {
        return field_ref(item, field.unwrap_or_default(), env);
    }
    let tests = tests(item, env)?;
    let wrap = |t: Test| match field {
        None => Node::Keyword(t),
        Some(f) if item.has(Modifier::Neq) => Node::Neq(f, t),
        Some(f) => Node::Field(f, t),
    };
    Ok(if item.has(Modifier::All) {
        and(tests.into_iter().map(wrap).collect())
    } else {
        or(tests.into_iter().map(wrap).collect())
    })
}

fn field_ref(item: &Item, field: FieldId, env: &mut Env<'_>) -> Result<Node, RuleError> {
    let kind = if item.has(Modifier::Contains) {
        RefKind::Contains
    } else if item.has(Modifier::StartsWith) {
        RefKind::Prefix
    } else if item.has(Modifier::EndsWith) {
        RefKind::Suffix
    } else {
        RefKind::Exact
    };
    if item.modifiers.iter().any(|m| {
        matches!(
            m,
            Modifier::Re
                | Modifier::Lt
                | Modifier::Lte
                | Modifier::Gt
                | Modifier::Gte
                | Modifier::Time(_)
        )
    }) {
        return Err(env.err(
            ErrorKind::Unsupported,
            item,
            "fieldref combines only with contains, startswith, endswith, cased, neq and all",
        ));
    }
    let mut nodes = Vec::new();
    for v in &item.values {
        let name = v
            .scalar_text()
            .ok_or_else(|| env.err(ErrorKind::Invalid, item, "fieldref needs field names"))?;
        let other = env.field(&name);
        let (cased, neq) = (item.has(Modifier::Cased), item.has(Modifier::Neq));
        nodes.push(Node::FieldRef {
            field,
            other,
            kind,
            cased,
            neq,
        });
    }
    Ok(if item.has(Modifier::All) {
        and(nodes)
    } else {
        or(nodes)
    })
}

/// One test per value when `all` is set (AND), else one test for all values (OR).
fn tests(item: &Item, env: &Env<'_>) -> Result<Vec<Test>, RuleError> {
    let per_value = item.has(Modifier::All);
    let groups: Vec<Vec<&Yaml>> = if per_value {
        item.values.iter().map(|v| vec![v]).collect()
    } else {
        vec![item.values.iter().collect()]
    };
    groups
        .into_iter()
        .map(|values| test(item, &values, env))
        .collect()
}

fn numeric_op(item: &Item) -> Option<CmpOp> {
    item.modifiers.iter().find_map(|m| match m {
        Modifier::Lt => Some(CmpOp::Lt),
        Modifier::Lte => Some(CmpOp::Lte),
        Modifier::Gt => Some(CmpOp::Gt),
        Modifier::Gte => Some(CmpOp::Gte),
        _ => None,
    })
}

fn number(v: &Yaml, item: &Item, env: &Env<'_>) -> Result<f64, RuleError> {
    match v {
        Yaml::Int(i) => Ok(*i as f64),
        Yaml::Float(f) => Ok(*f),
        Yaml::Str(s) => s
            .trim()
            .parse()
            .map_err(|_| env.err(ErrorKind::Invalid, item, format!("`{s}` is not a number"))),
        other => Err(env.err(
            ErrorKind::Invalid,
            item,
            format!("expected a number, found a {}", other.type_name()),
        )),
    }
}

fn text(v: &Yaml, item: &Item, env: &Env<'_>) -> Result<String, RuleError> {
    v.scalar_text().ok_or_else(|| {
        env.err(
            ErrorKind::Invalid,
            item,
            format!("expected a string, found a {}", v.type_name()),
        )
    })
}

fn test(item: &Item, values: &[&Yaml], env: &Env<'_>) -> Result<Test, RuleError> {
    if let Some(part) = item.modifiers.iter().find_map(|m| match m {
        Modifier::Time(p) => Some(*p),
        _ => None,
    }) {
        let op = numeric_op(item).unwrap_or(CmpOp::Eq);
        let nums = values
            .iter()
            .map(|v| number(v, item, env))
            .collect::<Result<_, _>>()?;
        return Ok(Test::Time(part, op, nums));
    }
    if let Some(op) = numeric_op(item) {
        let nums = values
            .iter()
            .map(|v| number(v, item, env))
            .collect::<Result<_, _>>()?;
        return Ok(Test::Num(op, nums));
    }
    if item.has(Modifier::Re) {
        return values
            .iter()
            .map(|v| regex(&text(v, item, env)?, item, env))
            .collect::<Result<_, _>>()
            .map(Test::Re);
    }
    if item.has(Modifier::Cidr) {
        return values
            .iter()
            .map(|v| cidr(&text(v, item, env)?, item, env))
            .collect::<Result<_, _>>()
            .map(Test::Cidr);
    }
    let mut patterns = Vec::new();
    for v in values {
        patterns.extend(alternatives(v, item, env)?);
    }
    Ok(Test::Str(StrSet::new(&patterns, item.has(Modifier::Cased))))
}

fn regex(text: &str, item: &Item, env: &Env<'_>) -> Result<regex::Regex, RuleError> {
    regex::RegexBuilder::new(text)
        .case_insensitive(item.has(Modifier::ReI))
        .multi_line(item.has(Modifier::ReM))
        .dot_matches_new_line(item.has(Modifier::ReS))
        .size_limit(16 << 20)
        .build()
        .map_err(|e| {
            let msg = e.to_string();
            let kind = if msg.contains("look-around") || msg.contains("backreferences") {
                ErrorKind::Unsupported
            } else {
                ErrorKind::Invalid
            };
            let detail = msg
                .lines()
                .rfind(|l| l.starts_with("error:"))
                .unwrap_or("invalid regex")
                .to_owned();
            env.err(
                kind,
                item,
                format!("regex `{text}`: {}", detail.trim_start_matches("error: ")),
            )
        })
}

fn cidr(text: &str, item: &Item, env: &Env<'_>) -> Result<ipnet::IpNet, RuleError> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            env.err(
                ErrorKind::Invalid,
                item,
                format!("`{text}` is not a cidr network"),
            )
        })
}

/// The string patterns one rule value stands for, after every transformation modifier.
fn alternatives(v: &Yaml, item: &Item, env: &Env<'_>) -> Result<Vec<Vec<Tok>>, RuleError> {
    let expand = item.has(Modifier::Expand);
    let raw = text(v, item, env)?;
    // Numbers and booleans are plain text: wildcards only exist in strings.
    let base = if matches!(v, Yaml::Str(_)) {
        pattern::parse(&raw, expand)
    } else {
        pattern::lit(&raw)
    };
    let mut alts = vec![base];
    if expand {
        alts = expand_placeholders(alts, item, env)?;
    }
    let encodes = item
        .modifiers
        .iter()
        .any(|m| matches!(m, Modifier::Base64 | Modifier::Base64Offset));
    if item.has(Modifier::Windash) {
        alts = windash(alts, encodes, item, env)?;
    }
    if encodes {
        alts = encode(alts, item, env)?;
    }
    let keyword_default = item.field.is_none()
        && !item
            .modifiers
            .iter()
            .any(|m| matches!(m, Modifier::StartsWith | Modifier::EndsWith));
    let (start, end) = match () {
        _ if item.has(Modifier::Contains) || keyword_default => (true, true),
        _ if item.has(Modifier::StartsWith) => (false, true),
        _ if item.has(Modifier::EndsWith) => (true, false),
        _ => (false, false),
    };
    for alt in &mut alts {
        if start && alt.first() != Some(&Tok::Many) {
            alt.insert(0, Tok::Many);
        }
        if end && alt.last() != Some(&Tok::Many) {
            alt.push(Tok::Many);
        }
    }
    Ok(alts)
}

fn expand_placeholders(
    alts: Vec<Vec<Tok>>,
    item: &Item,
    env: &Env<'_>,
) -> Result<Vec<Vec<Tok>>, RuleError> {
    let mut out: Vec<Vec<Tok>> = Vec::new();
    for alt in alts {
        let mut partial: Vec<Vec<Tok>> = vec![Vec::new()];
        for tok in alt {
            let Tok::Placeholder(name) = tok else {
                partial.iter_mut().for_each(|p| p.push(tok.clone()));
                continue;
            };
            let values = env.placeholders.get(&name).filter(|v| !v.is_empty()).ok_or_else(|| {
                env.err(ErrorKind::Reference, item, format!("placeholder `%{name}%` has no value; supply it in the engine configuration"))
            })?;
            partial = partial
                .iter()
                .flat_map(|p| {
                    values
                        .iter()
                        .map(move |v| p.iter().cloned().chain(pattern::parse(v, false)).collect())
                })
                .collect();
            if partial.len() > MAX_ALTERNATIVES {
                return Err(env.err(
                    ErrorKind::Invalid,
                    item,
                    "placeholders expand to too many values",
                ));
            }
        }
        out.extend(partial);
    }
    Ok(out)
}

fn windash(
    alts: Vec<Vec<Tok>>,
    must_expand: bool,
    item: &Item,
    env: &Env<'_>,
) -> Result<Vec<Vec<Tok>>, RuleError> {
    let mut out = Vec::new();
    for alt in alts {
        let dashes = alt
            .iter()
            .filter(|t| matches!(t, Tok::Lit(c) if DASHES.contains(c)))
            .count();
        let combos = 5usize.checked_pow(dashes as u32).unwrap_or(usize::MAX);
        if combos <= 125 || (must_expand && combos <= MAX_ALTERNATIVES) {
            let mut partial: Vec<Vec<Tok>> = vec![Vec::new()];
            for tok in alt {
                match tok {
                    Tok::Lit(c) if DASHES.contains(&c) => {
                        partial = partial
                            .iter()
                            .flat_map(|p| {
                                DASHES.iter().map(move |d| {
                                    let mut n = p.clone();
                                    n.push(Tok::Lit(*d));
                                    n
                                })
                            })
                            .collect();
                    }
                    other => partial.iter_mut().for_each(|p| p.push(other.clone())),
                }
            }
            out.extend(partial);
        } else if must_expand {
            return Err(env.err(
                ErrorKind::Invalid,
                item,
                "windash before base64 expands to too many values",
            ));
        } else {
            // Too many permutations: one pattern with a character class per dash.
            out.push(
                alt.into_iter()
                    .map(|t| match t {
                        Tok::Lit(c) if DASHES.contains(&c) => Tok::Class(&DASHES),
                        other => other,
                    })
                    .collect(),
            );
        }
    }
    Ok(out)
}

fn encode(alts: Vec<Vec<Tok>>, item: &Item, env: &Env<'_>) -> Result<Vec<Vec<Tok>>, RuleError> {
    let mut out = Vec::new();
    for alt in alts {
        let text = pattern::literal(&alt).ok_or_else(|| {
            env.err(
                ErrorKind::Invalid,
                item,
                "values with wildcards cannot be base64 encoded",
            )
        })?;
        let utf16 = item
            .modifiers
            .iter()
            .find(|m| matches!(m, Modifier::Utf16Le | Modifier::Utf16Be | Modifier::Utf16));
        let bytes = match utf16 {
            Some(m) => modifier::utf16(&text, *m),
            None => text.into_bytes(),
        };
        if item.has(Modifier::Base64Offset) {
            out.extend(
                modifier::base64_offsets(&bytes)
                    .iter()
                    .map(|s| pattern::lit(s)),
            );
        } else {
            out.push(pattern::lit(&modifier::base64(&bytes)));
        }
    }
    Ok(out)
}
