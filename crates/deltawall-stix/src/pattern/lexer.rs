//! Tokeniser for STIX patterns (§9). Positions are byte offsets into the pattern.

use super::PatternError;
use super::PatternErrorKind as K;

/// A token kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `:`
    Colon,
    /// `.`
    Dot,
    /// `,`
    Comma,
    /// `*`
    Star,
    /// A comparison symbol: `=`, `!=`, `<`, `<=`, `>`, `>=`.
    Symbol(&'static str),
    /// An upper-case keyword (AND, OR, NOT, …).
    Keyword(&'static str),
    /// An identifier (object type or property name).
    Ident(String),
    /// `'…'` with escapes resolved.
    Str(String),
    /// An integer with its text (sign included).
    Int(String),
    /// A float with its text.
    Float(String),
    /// `true` / `false`.
    Bool(bool),
    /// `h'…'` body.
    Hex(String),
    /// `b'…'` body.
    Binary(String),
    /// `t'…'` body.
    Timestamp(String),
    /// End of input.
    Eof,
}

/// A token with its starting byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The kind.
    pub tok: Tok,
    /// Byte offset of the first character.
    pub offset: usize,
}

const KEYWORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "LIKE",
    "MATCHES",
    "ISSUPERSET",
    "ISSUBSET",
    "EXISTS",
    "IN",
    "START",
    "STOP",
    "SECONDS",
    "WITHIN",
    "REPEATS",
    "TIMES",
];

/// Splits `src` into tokens, ending with [`Tok::Eof`].
pub fn tokenize(src: &str) -> Result<Vec<Token>, PatternError> {
    let mut lx = Lexer {
        src,
        pos: 0,
        out: Vec::new(),
    };
    lx.run()?;
    Ok(lx.out)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    out: Vec<Token>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.src[self.pos..].chars().nth(1)
    }

    fn push(&mut self, tok: Tok, offset: usize) {
        self.out.push(Token { tok, offset });
    }

    fn run(&mut self) -> Result<(), PatternError> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            if c.is_whitespace() {
                self.pos += c.len_utf8();
                continue;
            }
            let tok = self.token(c, start)?;
            self.push(tok, start);
        }
        self.push(Tok::Eof, self.pos);
        Ok(())
    }

    fn token(&mut self, c: char, start: usize) -> Result<Tok, PatternError> {
        let single = match c {
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ':' => Some(Tok::Colon),
            ',' => Some(Tok::Comma),
            '*' => Some(Tok::Star),
            '=' => Some(Tok::Symbol("=")),
            _ => None,
        };
        if let Some(t) = single {
            self.pos += 1;
            return Ok(t);
        }
        match c {
            '!' | '<' | '>' => self.symbol(c, start),
            '\'' => self.string(start).map(Tok::Str),
            '.' if self.after_path_part() || !self.peek2().is_some_and(|d| d.is_ascii_digit()) => {
                self.pos += 1;
                Ok(Tok::Dot)
            }
            '0'..='9' | '-' | '+' | '.' => self.number(start),
            c if c.is_ascii_alphabetic() || c == '_' => self.word(start),
            _ => Err(PatternError::new(start, K::UnexpectedChar(c))),
        }
    }

    /// A `.` right after an identifier, quoted key or `]` separates path steps.
    fn after_path_part(&self) -> bool {
        matches!(
            self.out.last().map(|t| &t.tok),
            Some(Tok::Ident(_) | Tok::Str(_) | Tok::RBracket)
        )
    }

    fn symbol(&mut self, c: char, start: usize) -> Result<Tok, PatternError> {
        let next = self.peek2();
        let (sym, len) = match (c, next) {
            ('!', Some('=')) => ("!=", 2),
            ('<', Some('>')) => ("!=", 2),
            ('<', Some('=')) => ("<=", 2),
            ('>', Some('=')) => (">=", 2),
            ('<', _) => ("<", 1),
            ('>', _) => (">", 1),
            _ => return Err(PatternError::new(start, K::UnexpectedChar(c))),
        };
        self.pos += len;
        Ok(Tok::Symbol(sym))
    }

    /// A quoted string starting at the apostrophe; only `\'` and `\\` escapes (§9.2).
    fn string(&mut self, start: usize) -> Result<String, PatternError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(PatternError::new(start, K::UnterminatedString));
            };
            self.pos += c.len_utf8();
            match c {
                '\'' => return Ok(out),
                '\\' => match self.peek() {
                    Some(e @ ('\'' | '\\')) => {
                        self.pos += 1;
                        out.push(e);
                    }
                    _ => return Err(PatternError::new(self.pos - 1, K::BadEscape)),
                },
                c => out.push(c),
            }
        }
    }

    fn number(&mut self, start: usize) -> Result<Tok, PatternError> {
        let bytes = self.src.as_bytes();
        let mut end = self.pos;
        if matches!(bytes[end], b'-' | b'+') {
            end += 1;
        }
        let int_start = end;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        let mut is_float = false;
        if end < bytes.len()
            && bytes[end] == b'.'
            && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)
        {
            is_float = true;
            end += 1;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
        }
        if end == int_start {
            return Err(PatternError::new(start, K::BadNumber));
        }
        // The grammar's integers have no leading zeros (`0` | [1-9][0-9]*); floats may.
        if !is_float && end - int_start > 1 && bytes[int_start] == b'0' {
            return Err(PatternError::new(start, K::BadNumber));
        }
        let text = self.src[start..end].to_owned();
        self.pos = end;
        Ok(if is_float {
            Tok::Float(text)
        } else {
            Tok::Int(text)
        })
    }

    fn word(&mut self, start: usize) -> Result<Tok, PatternError> {
        let bytes = self.src.as_bytes();
        // Typed literals: h'…', b'…', t'…'.
        if bytes.get(self.pos + 1) == Some(&b'\'') && matches!(bytes[self.pos], b'h' | b'b' | b't')
        {
            let prefix = bytes[self.pos];
            self.pos += 1;
            let body = self.raw_quoted(start)?;
            return Ok(match prefix {
                b'h' => Tok::Hex(body),
                b'b' => Tok::Binary(body),
                _ => Tok::Timestamp(body),
            });
        }
        let mut end = self.pos;
        while end < bytes.len()
            && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_' || bytes[end] == b'-')
        {
            end += 1;
        }
        let text = &self.src[start..end];
        self.pos = end;
        Ok(match text {
            "true" => Tok::Bool(true),
            "false" => Tok::Bool(false),
            _ => match KEYWORDS.iter().find(|k| **k == text) {
                Some(k) => Tok::Keyword(k),
                None => Tok::Ident(text.to_owned()),
            },
        })
    }

    /// The body of a typed literal; no escapes are defined for these.
    fn raw_quoted(&mut self, start: usize) -> Result<String, PatternError> {
        let rest = &self.src[self.pos + 1..];
        let Some(len) = rest.find('\'') else {
            return Err(PatternError::new(start, K::UnterminatedString));
        };
        let body = rest[..len].to_owned();
        self.pos += len + 2;
        Ok(body)
    }
}
