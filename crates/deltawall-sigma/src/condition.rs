//! The condition grammar: `and`, `or`, `not`, brackets, `1 of`, `all of`, `any of`, `them`,
//! wildcard identifier patterns. Precedence from loosest: or, and, not, `x of`, brackets.

/// A parsed condition over the rule's search identifiers (by index).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Sel(usize),
    /// At least `n` of the selections (`usize::MAX` = all of them).
    Of(usize, Vec<usize>),
}

pub(crate) const ALL: usize = usize::MAX;

/// Deepest bracket/`not` nesting accepted; deeper is hostile input.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Open,
    Close,
    Word(&'a str),
}

/// Why a condition was rejected.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CondError {
    pub reason: String,
    pub unsupported: bool,
}

fn invalid(reason: impl Into<String>) -> CondError {
    CondError {
        reason: reason.into(),
        unsupported: false,
    }
}

fn tokenize(text: &str) -> Result<Vec<Tok<'_>>, CondError> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let Some(c) = rest.chars().next() else {
            return Ok(out);
        };
        match c {
            '(' => out.push(Tok::Open),
            ')' => out.push(Tok::Close),
            '|' => {
                return Err(CondError {
                    reason: "legacy aggregation (`| count() ...`) is not sigma 2; write a correlation rule".into(),
                    unsupported: true,
                });
            }
            c if is_ident_char(c) => {
                let end = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
                out.push(Tok::Word(&rest[..end]));
                rest = &rest[end..];
                continue;
            }
            other => return Err(invalid(format!("unexpected character `{other}`"))),
        }
        rest = &rest[c.len_utf8()..];
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '*' | '-' | '.' | '?')
}

struct Parser<'a, 'n> {
    toks: Vec<Tok<'a>>,
    pos: usize,
    names: &'n [String],
    depth: usize,
}

/// Parses `text` against the detection's search identifiers `names`.
pub(crate) fn parse(text: &str, names: &[String]) -> Result<Cond, CondError> {
    let toks = tokenize(text)?;
    if toks.is_empty() {
        return Err(invalid("is empty"));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        names,
        depth: 0,
    };
    let cond = p.or()?;
    match p.toks.get(p.pos) {
        None => Ok(cond),
        Some(t) => Err(invalid(format!(
            "unexpected `{}` after a complete expression",
            show(t)
        ))),
    }
}

fn show(t: &Tok<'_>) -> String {
    match t {
        Tok::Open => "(".into(),
        Tok::Close => ")".into(),
        Tok::Word(w) => (*w).into(),
    }
}

impl Parser<'_, '_> {
    fn peek_word(&self) -> Option<&str> {
        match self.toks.get(self.pos) {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn or(&mut self) -> Result<Cond, CondError> {
        let mut items = vec![self.and()?];
        while self.peek_word() == Some("or") {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Cond::Or(items)
        })
    }

    fn and(&mut self) -> Result<Cond, CondError> {
        let mut items = vec![self.not()?];
        while self.peek_word() == Some("and") {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Cond::And(items)
        })
    }

    fn not(&mut self) -> Result<Cond, CondError> {
        if self.peek_word() == Some("not") {
            self.pos += 1;
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn enter(&mut self) -> Result<(), CondError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid(format!("nests deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<Cond, CondError> {
        let tok = self.toks.get(self.pos).cloned();
        self.pos += 1;
        match tok {
            None => Err(invalid("ends where an expression was expected")),
            Some(Tok::Close) => Err(invalid("unexpected `)`")),
            Some(Tok::Open) => {
                self.enter()?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.toks.get(self.pos) {
                    Some(Tok::Close) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err(invalid("missing `)`")),
                }
            }
            Some(Tok::Word(w)) => self.word(w),
        }
    }

    fn word(&mut self, w: &str) -> Result<Cond, CondError> {
        if matches!(w, "and" | "or" | "not" | "of" | "them") {
            return Err(invalid(format!("unexpected keyword `{w}`")));
        }
        if matches!(w, "near") {
            return Err(CondError {
                reason: "`near` is legacy sigma; write a temporal correlation".into(),
                unsupported: true,
            });
        }
        if self.peek_word() == Some("of") {
            self.pos += 1;
            return self.quantifier(w);
        }
        let index = self.names.iter().position(|n| n == w);
        index
            .map(Cond::Sel)
            .ok_or_else(|| invalid(format!("unknown search identifier `{w}`")))
    }

    fn quantifier(&mut self, count: &str) -> Result<Cond, CondError> {
        let n = match count {
            "all" => ALL,
            "any" => 1,
            digits => match digits.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(invalid(format!(
                        "`{digits} of` needs 1, any, all or a positive number"
                    )));
                }
            },
        };
        let target = match self.toks.get(self.pos) {
            Some(Tok::Word(t)) => *t,
            _ => {
                return Err(invalid(format!(
                    "`{count} of` needs `them` or an identifier pattern"
                )));
            }
        };
        self.pos += 1;
        let sels: Vec<usize> = if target == "them" {
            (0..self.names.len())
                .filter(|&i| !self.names[i].starts_with('_'))
                .collect()
        } else {
            (0..self.names.len())
                .filter(|&i| glob_match(target, &self.names[i]))
                .collect()
        };
        if sels.is_empty() {
            return Err(invalid(format!(
                "`{count} of {target}` matches no search identifier"
            )));
        }
        Ok(Cond::Of(n, sels))
    }
}

/// Identifier patterns: `*` matches any run of characters (`?` is taken literally, as in
/// pySigma, since identifiers rarely contain it).
fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["sel", "sel_a", "filter_1", "filter_2", "_hidden"]
            .map(String::from)
            .to_vec()
    }

    #[track_caller]
    fn check(text: &str, expected: Cond) {
        assert_eq!(parse(text, &names()), Ok(expected), "{text}");
    }

    #[track_caller]
    fn reject(text: &str, reason: &str) {
        let err = parse(text, &names()).unwrap_err();
        assert!(err.reason.contains(reason), "{text}: {}", err.reason);
    }

    #[test]
    fn precedence() {
        use Cond::*;
        check(
            "sel or sel_a and not filter_1",
            Or(vec![Sel(0), And(vec![Sel(1), Not(Box::new(Sel(2)))])]),
        );
        check(
            "(sel or sel_a) and filter_1",
            And(vec![Or(vec![Sel(0), Sel(1)]), Sel(2)]),
        );
        check("not 1 of filter*", Not(Box::new(Of(1, vec![2, 3]))));
        check("all of them", Of(ALL, vec![0, 1, 2, 3]));
        check("any of sel*", Of(1, vec![0, 1]));
        check("2 of *", Of(2, vec![0, 1, 2, 3, 4]));
        check("not not sel", Not(Box::new(Not(Box::new(Sel(0))))));
    }

    #[test]
    fn errors() {
        reject("sel | count() > 5", "legacy aggregation");
        reject("sel and", "ends where");
        reject("(sel", "missing `)`");
        reject("sel)", "after a complete");
        reject("1 of nothing*", "matches no");
        reject("unknown", "unknown search identifier");
        reject("0 of sel*", "positive number");
        reject(&"(".repeat(100), "nests deeper");
        reject("", "is empty");
    }

    #[test]
    fn identifier_globs() {
        assert!(glob_match("sel*", "selection"));
        assert!(glob_match("*tion", "selection"));
        assert!(glob_match("s*l*n", "selection"));
        assert!(!glob_match("s*x*n", "selection"));
        assert!(!glob_match("ab*ba", "aba"));
    }
}
