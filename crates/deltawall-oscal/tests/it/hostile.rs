//! Invalid, huge and hostile documents: a clear error with a location, never a panic.

use deltawall_oscal::{Limits, OscalError, import_catalog};
use proptest::prelude::*;

use crate::support::fixture;

fn err(json: &str) -> String {
    import_catalog(json.as_bytes(), &Limits::default())
        .expect_err("the document should be refused")
        .to_string()
}

fn small_with(from: &str, to: &str) -> String {
    let text = String::from_utf8(fixture("small-catalog.json")).unwrap();
    assert!(text.contains(from), "fixture has {from}");
    text.replacen(from, to, 1)
}

#[test]
fn errors_name_the_problem_and_its_location() {
    let cases: [(String, &str); 9] = [
        (
            "{\"catalog\": {".into(),
            "line 1, column 13: EOF while parsing an object",
        ),
        (
            "{\"catalog\": {\"uuid\": \"x\",}}".into(),
            "line 1, column 26: trailing comma",
        ),
        (
            "\"catalog\"".into(),
            "$ (line 1, column 9): invalid type: string \"catalog\", expected struct CatalogDoc",
        ),
        (
            small_with(r#""title": "Account Management","#, r#""title": 42,"#),
            "$.catalog.groups[0].groups[0].controls[0].title (line 41, column 27): invalid type: integer `42`, expected a string",
        ),
        (
            small_with(r#""id": "ir-4","#, r#""id": "ac-2","#),
            "$.catalog.groups[1].controls[0].id: id \"ac-2\" is already used at $.catalog.groups[0].groups[0].controls[0].id",
        ),
        (
            small_with(r#""id": "ir","#, r#""id": "ac","#),
            "$.catalog.groups[1].id: id \"ac\" is already used at $.catalog.groups[0].id",
        ),
        (
            small_with(
                r#""version": "1.0","#,
                r#""version": "1.0", "version": "2","#,
            ),
            "$.catalog.metadata (line 8, column 33): duplicate field `version`",
        ),
        (
            small_with(
                r#""published": "2025-04-01T00:00:00Z","#,
                r#""published": "April 2025","#,
            ),
            "$.catalog.metadata.published: \"April 2025\" is not an ISO 8601 date-time",
        ),
        (
            small_with(r#""title": "Incident Handling","#, r#""title": " ","#),
            "$.catalog.groups[1].controls[0]: ir-4: title.en is missing",
        ),
    ];
    for (json, expected) in cases {
        assert_eq!(err(&json), expected);
    }
}

#[test]
fn trailing_text_after_the_document_is_a_syntax_error() {
    let text = String::from_utf8(fixture("small-catalog.json")).unwrap();
    let lines = text.lines().count();
    let e = err(&format!("{text}\n x"));
    assert_eq!(
        e,
        format!("line {}, column 2: trailing characters", lines + 2)
    );
}

#[test]
fn deep_nesting_is_refused_with_its_position_before_parsing() {
    let deep = format!(
        "{{\"catalog\":\n{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(
        err(&deep),
        "line 2, column 64: nesting is deeper than 64 levels"
    );
}

#[test]
fn size_and_control_count_are_bounded() {
    let small = fixture("small-catalog.json");
    let tight = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    let e = import_catalog(&small, &tight).unwrap_err();
    assert!(matches!(e, OscalError::TooLarge { max: 100, .. }), "{e}");
    let few = Limits {
        max_controls: 3,
        ..Limits::default()
    };
    let e = import_catalog(&small, &few).unwrap_err().to_string();
    assert_eq!(
        e,
        "$.catalog.groups[0].groups[0].controls[0].controls[1]: more than 3 controls"
    );
}

#[test]
fn a_huge_document_is_refused_by_size_without_being_parsed() {
    let huge = vec![b' '; 33 << 20];
    let e = import_catalog(&huge, &Limits::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "document is {} bytes, over the limit of {}",
            33 << 20,
            32 << 20
        )
    );
}

#[test]
fn invalid_utf8_is_a_syntax_error() {
    let mut bytes = fixture("small-catalog.json");
    let at = bytes.windows(5).position(|w| w == b"Small").unwrap();
    bytes[at] = 0xff;
    let e = import_catalog(&bytes, &Limits::default()).unwrap_err();
    assert!(matches!(e, OscalError::Syntax { line: 5, .. }), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Any mangling of a valid catalog gives a catalog that validates, or an error;
    /// never a panic.
    #[test]
    fn mangled_catalogs_never_panic(cut in 0usize..6000, byte in any::<u8>()) {
        let mut bytes = fixture("small-catalog.json");
        let at = cut % bytes.len();
        bytes[at] = byte;
        if let Ok(c) = import_catalog(&bytes, &Limits::default()) {
            prop_assert!(c.validate().is_ok());
        }
    }
}
