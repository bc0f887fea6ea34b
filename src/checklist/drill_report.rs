//! A drill report read back as checklist evidence (`checklist --drill
//! FILE`). The file is outside input: it is parsed strictly, every refusal
//! names the file and the field and says what was expected, and its text is
//! sanitized before it can reach any output.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::drill::DrillStatus;
use crate::model::OutsideText;
use crate::model::checklist_items::item_by_id;

/// The largest drill report read; a real one is a few kilobytes.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// What a drill report says about the checklist's items, and when it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillEvidence {
    /// The day the drill ran, `YYYY-MM-DD`.
    pub on: String,
    /// The same day as days since 1970-01-01, for the age check.
    pub day: i64,
    /// Each drilled item's verdict and the report's one-line reason.
    pub items: BTreeMap<&'static str, (DrillStatus, OutsideText)>,
}

/// Why a drill report was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DrillReportError {
    /// The file, as given.
    pub path: String,
    /// Which field was wrong and what is accepted.
    pub message: String,
}

/// Reads a drill report (`drill --format json`) as evidence; `path` names
/// the file in errors.
pub fn parse(text: &str, path: &str) -> Result<DrillEvidence, DrillReportError> {
    let refuse = |message: String| DrillReportError { path: path.to_owned(), message };
    if text.len() > MAX_BYTES {
        return Err(refuse(format!("larger than {} MiB: not a drill report", MAX_BYTES >> 20)));
    }
    // serde_json's own messages may quote the input: only its position is used.
    let file: Value = serde_json::from_str(text)
        .map_err(|e| refuse(format!("line {}: expected the JSON of `drill --format json`", e.line())))?;
    if file["kind"] != "drill" {
        return Err(refuse("`kind`: expected \"drill\" (is this the report of `drill --format json`?)".into()));
    }
    if file["schema_version"] != 1 {
        return Err(refuse("`schema_version`: expected 1".into()));
    }
    let listed = file["items"].as_array().ok_or_else(|| refuse("`items`: expected a list of verdicts".into()))?;
    let (on, day) = file["started"]
        .as_str()
        .and_then(|s| date_of(s).map(|day| (s[..10].to_owned(), day)))
        .ok_or_else(|| refuse("`started`: expected an RFC 3339 date-time such as 2026-11-25T09:00:00Z".into()))?;
    let sanitizer = crate::text::Sanitizer::shapes_only();
    let mut items = BTreeMap::new();
    for (n, item) in listed.iter().enumerate() {
        let field = |name: &str| item.get(name).and_then(Value::as_str);
        let id = field("id").ok_or_else(|| refuse(format!("`items[{n}].id`: expected a checklist item id")))?;
        let known = item_by_id(id).ok_or_else(|| {
            let shown = sanitizer.line(id, crate::text::NAME);
            refuse(format!("`items[{n}].id`: `{shown}` is not a checklist item"))
        })?;
        let status = field("status")
            .and_then(status_of)
            .ok_or_else(|| refuse(format!("`items[{n}].status`: expected pass, warn, fail or not-exercised")))?;
        let summary = sanitizer.line(field("summary").unwrap_or(""), crate::text::NAME);
        if items.insert(known.id, (status, summary)).is_some() {
            return Err(refuse(format!("`items[{n}].id`: `{}` is reported twice", known.id)));
        }
    }
    Ok(DrillEvidence { on, day, items })
}

/// The report's word for a verdict.
fn status_of(word: &str) -> Option<DrillStatus> {
    [DrillStatus::Pass, DrillStatus::Warn, DrillStatus::Fail, DrillStatus::NotExercised]
        .into_iter()
        .find(|s| s.as_str() == word)
}

/// Days since 1970-01-01 of an RFC 3339 date-time's date part.
fn date_of(text: &str) -> Option<i64> {
    let date = text.get(..10)?;
    let rest = text.get(10..)?;
    if !rest.starts_with('T') && !rest.starts_with('t') {
        return None;
    }
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 || !date.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let valid = (1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d);
    valid.then(|| crate::model::calendar::days_from_civil(y, m, d))
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(started: &str, items: &str) -> String {
        format!(
            r#"{{"schema_version": 1, "kind": "drill", "status": "fail", "started": "{started}", "items": [{items}]}}"#
        )
    }

    #[test]
    fn reads_the_verdicts_and_the_day() {
        let text = report(
            "2026-11-25T10:00:00Z",
            r#"{"id": "caching", "status": "pass", "summary": "no repeat"},
               {"id": "circuit-breaker", "status": "not-exercised", "summary": "no outage", "evidence": []}"#,
        );
        let evidence = parse(&text, "drill.json").expect("parses");
        assert_eq!(evidence.on, "2026-11-25");
        assert_eq!(evidence.day, crate::model::calendar::days_from_civil(2026, 11, 25));
        assert_eq!(evidence.items["caching"].0, DrillStatus::Pass);
        assert_eq!(evidence.items["circuit-breaker"].0, DrillStatus::NotExercised);
    }

    #[test]
    fn refuses_what_is_not_a_drill_report_naming_the_field() {
        let cases = [
            ("{", "drill.json: line 1: expected the JSON of `drill --format json`"),
            (r#"{"schema_version": 1, "kind": "check", "started": "", "items": []}"#, "drill.json: `kind`"),
            (&report("2026-02-30T00:00:00Z", ""), "drill.json: `started`: expected an RFC 3339"),
            (&report("yesterday", ""), "drill.json: `started`"),
            (
                &report("2026-11-25T00:00:00Z", r#"{"id": "cachng", "status": "pass"}"#),
                "`items[0].id`: `cachng` is not",
            ),
            (&report("2026-11-25T00:00:00Z", r#"{"id": "caching", "status": "PASS"}"#), "`items[0].status`: expected"),
            (
                &report(
                    "2026-11-25T00:00:00Z",
                    r#"{"id": "caching", "status": "pass"}, {"id": "caching", "status": "fail"}"#,
                ),
                "`items[1].id`: `caching` is reported twice",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(text, "drill.json").expect_err(text).to_string();
            assert!(error.contains(expected), "{error}\nexpected: {expected}");
            assert!(!error.contains('\n'), "one line: {error}");
        }
    }

    #[test]
    fn a_token_in_the_report_never_reaches_the_error_or_the_summary() {
        let token = "pk_12345678_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
        let text = report("2026-11-25T00:00:00Z", &format!(r#"{{"id": "{token}", "status": "pass"}}"#));
        let error = parse(&text, "d.json").expect_err("unknown id").to_string();
        assert!(!error.contains(token), "{error}");
        let text =
            report("2026-11-25T00:00:00Z", &format!(r#"{{"id": "caching", "status": "warn", "summary": "{token}"}}"#));
        let evidence = parse(&text, "d.json").expect("parses");
        assert!(!evidence.items["caching"].1.to_string().contains(token));
    }
}
