//! Sigma strings (wildcards `*` `?`, backslash escapes, `%placeholders%`) and the string
//! matchers they compile to.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use memchr::memmem;

/// One element of a Sigma string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(char),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters.
    Many,
    /// One character out of a set (windash with too many permutations to expand).
    Class(&'static [char]),
    /// `%name%` under `expand`.
    Placeholder(String),
}

/// Parses a rule value. `\` escapes `*`, `?` and `\` (and `%` under `expand`); before any
/// other character it is a literal backslash, as the specification's escape table says.
pub(crate) fn parse(text: &str, expand: bool) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n) if n == '*' || n == '?' || n == '\\' || (expand && n == '%') => {
                    out.push(Tok::Lit(n));
                    chars.next();
                }
                _ => out.push(Tok::Lit('\\')),
            },
            '*' => out.push(Tok::Many),
            '?' => out.push(Tok::One),
            '%' if expand => {
                let rest: String = chars.clone().collect();
                match rest.find('%') {
                    Some(end) if end > 0 => {
                        out.push(Tok::Placeholder(rest[..end].to_owned()));
                        for _ in 0..=rest[..end].chars().count() {
                            chars.next();
                        }
                    }
                    _ => out.push(Tok::Lit('%')),
                }
            }
            c => out.push(Tok::Lit(c)),
        }
    }
    out
}

/// The literal text of a pattern without wildcards.
pub(crate) fn literal(toks: &[Tok]) -> Option<String> {
    toks.iter()
        .map(|t| match t {
            Tok::Lit(c) => Some(*c),
            _ => None,
        })
        .collect()
}

/// Tokens for a plain literal string (no wildcard interpretation).
pub(crate) fn lit(text: &str) -> Vec<Tok> {
    text.chars().map(Tok::Lit).collect()
}

fn lower_tokens(toks: &[Tok]) -> Vec<Tok> {
    let mut out = Vec::with_capacity(toks.len());
    for t in toks {
        match t {
            Tok::Lit(c) => out.extend(c.to_lowercase().map(Tok::Lit)),
            other => out.push(other.clone()),
        }
    }
    out
}

/// Wildcard matching over characters, with the classic single-backtrack algorithm.
fn glob(p: &[Tok], text: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let one = match p.get(pi) {
            Some(Tok::Lit(c)) => *c == t[ti],
            Some(Tok::One) => true,
            Some(Tok::Class(set)) => set.contains(&t[ti]),
            _ => false,
        };
        if one {
            pi += 1;
            ti += 1;
        } else if p.get(pi) == Some(&Tok::Many) {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|t| *t == Tok::Many)
}

/// Substring search for several needles: memmem for a few, Aho-Corasick for many.
#[derive(Debug, Clone)]
enum Contains {
    Few(Vec<memmem::Finder<'static>>),
    Many(AhoCorasick),
}

impl Contains {
    fn new(needles: Vec<String>) -> Contains {
        if needles.len() <= 3 {
            return Contains::Few(
                needles
                    .iter()
                    .map(|n| memmem::Finder::new(n.as_bytes()).into_owned())
                    .collect(),
            );
        }
        match AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&needles)
        {
            Ok(ac) => Contains::Many(ac),
            Err(_) => Contains::Few(
                needles
                    .iter()
                    .map(|n| memmem::Finder::new(n.as_bytes()).into_owned())
                    .collect(),
            ),
        }
    }

    fn is_match(&self, hay: &str) -> bool {
        match self {
            Contains::Few(fs) => fs.iter().any(|f| f.find(hay.as_bytes()).is_some()),
            Contains::Many(ac) => ac.is_match(hay),
        }
    }
}

/// An OR of Sigma string patterns against one text, split by shape so that the common
/// cases (exact, prefix, suffix, substring) never run the wildcard matcher.
#[derive(Debug, Clone)]
pub(crate) struct StrSet {
    /// Case-sensitive (`cased`); otherwise patterns are lowercased and compared with the
    /// lowercased text.
    pub cased: bool,
    any: bool,
    exact: Vec<String>,
    prefix: Vec<String>,
    suffix: Vec<String>,
    contains: Option<Contains>,
    /// The substring needles behind `contains`, kept for the prefilter.
    contains_needles: Option<Vec<String>>,
    globs: Vec<Vec<Tok>>,
}

/// The longest run of literal characters in a pattern, if any.
fn longest_literal(p: &[Tok]) -> Option<String> {
    let mut best = String::new();
    let mut run = String::new();
    for t in p.iter().chain(std::iter::once(&Tok::Many)) {
        match t {
            Tok::Lit(c) => run.push(*c),
            _ => {
                if run.len() > best.len() {
                    best = std::mem::take(&mut run);
                }
                run.clear();
            }
        }
    }
    (!best.is_empty()).then_some(best)
}

impl StrSet {
    /// Compiles an OR of patterns (placeholders must already be expanded).
    pub fn new(patterns: &[Vec<Tok>], cased: bool) -> StrSet {
        let mut set = StrSet {
            cased,
            any: false,
            exact: Vec::new(),
            prefix: Vec::new(),
            suffix: Vec::new(),
            contains: None,
            contains_needles: None,
            globs: Vec::new(),
        };
        let mut contains = Vec::new();
        for p in patterns {
            let p = if cased { p.clone() } else { lower_tokens(p) };
            set.classify(p, &mut contains);
        }
        if contains.iter().any(String::is_empty) {
            set.any = true;
        } else if !contains.is_empty() {
            set.contains = Some(Contains::new(contains.clone()));
            set.contains_needles = Some(contains);
        }
        set
    }

    fn classify(&mut self, p: Vec<Tok>, contains: &mut Vec<String>) {
        let starts = p.first() == Some(&Tok::Many);
        let ends = p.len() > 1 && p.last() == Some(&Tok::Many);
        let inner_start = usize::from(starts);
        let inner_end = p.len() - usize::from(ends);
        if starts && p.len() == 1 {
            self.any = true;
            return;
        }
        match literal(&p[inner_start..inner_end.max(inner_start)]) {
            Some(text) => match (starts, ends) {
                (false, false) => self.exact.push(text),
                (false, true) => self.prefix.push(text),
                (true, false) => self.suffix.push(text),
                (true, true) => contains.push(text),
            },
            None => self.globs.push(p),
        }
    }

    /// Substrings of which every matching text contains at least one (in lowercase), for the
    /// candidate prefilter; `None` when some pattern needs no literal (`*`, `?x`) or the set
    /// is case-sensitive (lowercasing is not always substring-preserving outside ASCII).
    pub fn needles(&self) -> Option<Vec<String>> {
        if self.any || self.cased {
            return None;
        }
        let mut out: Vec<String> = Vec::new();
        out.extend(self.exact.iter().cloned());
        out.extend(self.prefix.iter().cloned());
        out.extend(self.suffix.iter().cloned());
        out.extend(self.contains_needles.iter().flatten().cloned());
        for g in &self.globs {
            out.push(longest_literal(g)?);
        }
        if out.iter().any(String::is_empty) {
            return None;
        }
        Some(out)
    }

    /// Whether `text` (already lowercased unless `cased`) matches any pattern.
    pub fn is_match(&self, text: &str) -> bool {
        self.any
            || self.exact.iter().any(|e| e == text)
            || self.prefix.iter().any(|e| text.starts_with(e.as_str()))
            || self.suffix.iter().any(|e| text.ends_with(e.as_str()))
            || self.contains.as_ref().is_some_and(|c| c.is_match(text))
            || self.globs.iter().any(|g| glob(g, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(pattern: &str, text: &str, expected: bool) {
        let set = StrSet::new(&[parse(pattern, false)], false);
        assert_eq!(
            set.is_match(&text.to_lowercase()),
            expected,
            "{pattern:?} vs {text:?}"
        );
    }

    #[test]
    fn wildcards_and_escapes() {
        check("abc", "ABC", true);
        check("abc", "abcd", false);
        check("a*c", "abbbc", true);
        check("a?c", "abc", true);
        check("a?c", "ac", false);
        check(r"a\*c", "a*c", true);
        check(r"a\*c", "abc", false);
        check(r"a\\*", r"a\anything", true);
        check(r"a\\\*", r"a\*", true);
        check(r"a\\\*", r"a\x", false);
        check(r"C:\Windows\", r"c:\windows\", true);
        check(r"\\\\srv", r"\\srv", true);
        check("*", "", true);
        check("", "", true);
        check("", "x", false);
        check("*.exe", "cmd.EXE", true);
        check("*a*b*", "xxaxxbxx", true);
        check("*a*b*", "xxbxxaxx", false);
        check("*ab", "aab", true);
    }

    #[test]
    fn placeholders_only_under_expand() {
        assert_eq!(parse("%x%", false), lit("%x%"));
        assert_eq!(
            parse("a%srv%b", true),
            vec![Tok::Lit('a'), Tok::Placeholder("srv".into()), Tok::Lit('b')]
        );
        assert_eq!(parse(r"\%a%b%", true)[0], Tok::Lit('%'));
        assert_eq!(parse("100%", true), lit("100%"));
    }

    #[test]
    fn many_substrings_use_one_automaton() {
        let pats: Vec<Vec<Tok>> = ["*aa*", "*bb*", "*cc*", "*dd*", "*ee*"]
            .iter()
            .map(|p| parse(p, false))
            .collect();
        let set = StrSet::new(&pats, false);
        assert!(matches!(set.contains, Some(Contains::Many(_))));
        assert!(set.is_match("xxddxx"));
        assert!(!set.is_match("abcde"));
    }
}
