//! Checks a document's size and nesting before it is parsed, so a hostile document is
//! refused cheaply and with the position of the problem.

use serde::de::DeserializeOwned;

use crate::{Limits, OscalError};

/// Refuses documents over the size limit or nested deeper than the depth limit.
pub(crate) fn check(json: &[u8], limits: &Limits) -> Result<(), OscalError> {
    if json.len() > limits.max_bytes {
        return Err(OscalError::TooLarge {
            size: json.len(),
            max: limits.max_bytes,
        });
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let (mut line, mut line_start) = (1usize, 0usize);
    for (i, &b) in json.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'\n' => (line, line_start) = (line + 1, i + 1),
            b'[' | b'{' => {
                depth += 1;
                if depth > limits.max_depth {
                    let column = column_of(&json[line_start..i]);
                    return Err(OscalError::TooDeep {
                        line,
                        column,
                        max: limits.max_depth,
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// 1-based column in characters, as serde_json counts them.
fn column_of(before: &[u8]) -> usize {
    String::from_utf8_lossy(before).chars().count() + 1
}

/// Parses `json` into `T`, naming the JSON path of any value of the wrong shape.
pub(crate) fn parse<T: DeserializeOwned>(json: &[u8], limits: &Limits) -> Result<T, OscalError> {
    check(json, limits)?;
    let mut de = serde_json::Deserializer::from_slice(json);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = json_path(&e.path().to_string());
        let inner = e.into_inner();
        located(path, &inner)
    })?;
    de.end().map_err(|e| located("$".into(), &e))?;
    Ok(value)
}

fn located(path: String, e: &serde_json::Error) -> OscalError {
    use serde_json::error::Category;
    let (line, column) = (e.line(), e.column());
    let message = strip_position(&e.to_string());
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => OscalError::Syntax {
            line,
            column,
            message,
        },
        Category::Data => OscalError::Shape {
            path,
            line,
            column,
            message,
        },
    }
}

/// serde_json appends " at line L column C"; the error carries those separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// `catalog.groups[0].id` → `$.catalog.groups[0].id`; the root (`.`) → `$`.
pub(crate) fn json_path(path: &str) -> String {
    match path {
        "" | "." => "$".to_owned(),
        p => format!("$.{p}"),
    }
}
