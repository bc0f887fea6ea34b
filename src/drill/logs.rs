//! Judges that read the command's own output: whether it logs ClickUp's
//! error codes and whether its logs are structured request records.

use std::collections::BTreeSet;

use super::journal::{Journal, LogLine};
use super::verdict::{DrillStatus, ItemVerdict};
use crate::message;
use crate::model::Message;

/// `ecode-parsed`: every `ECODE` the drill returned must appear in the
/// command's output. All pass, some warn, none (or no output) fails; a run
/// that returned no `ECODE` is not exercised.
pub fn ecode_parsed(journal: &Journal) -> ItemVerdict {
    let id = "ecode-parsed";
    let returned: BTreeSet<&'static str> = journal.entries.iter().filter_map(|e| e.ecode).collect();
    if returned.is_empty() {
        let summary = message!("the drill returned no ECODE to this command");
        return ItemVerdict { id, status: DrillStatus::NotExercised, summary, evidence: Vec::new() };
    }
    let (logged, missing): (Vec<&str>, Vec<&str>) =
        returned.iter().partition(|code| journal.logs.iter().any(|line| line.text.contains(**code)));
    let mut evidence = vec![message!("returned: {}", Message::join(&returned, ", "))];
    if !missing.is_empty() {
        evidence.push(message!("never in its output: {}", Message::join(&missing, ", ")));
    }
    let (status, summary) = if missing.is_empty() {
        (DrillStatus::Pass, message!("every ECODE returned appears in the command's output"))
    } else if logged.is_empty() {
        (DrillStatus::Fail, message!("no ECODE returned appears in the command's output"))
    } else {
        (DrillStatus::Warn, message!("{} of {} ECODEs returned appear in the output", logged.len(), returned.len()))
    };
    ItemVerdict { id, status, summary, evidence }
}

/// What a structured line says about a request.
#[derive(Debug, Default, PartialEq, Eq)]
struct RequestFields {
    method_or_path: bool,
    status: bool,
    duration: bool,
}

/// The fields of a JSON object line or a logfmt line (two `key=value`
/// pairs at least), keys lower-cased, JSON nesting joined by dots; `None`
/// for unstructured text.
fn fields(line: &str) -> Option<Vec<(String, String)>> {
    let line = line.trim();
    if line.starts_with('{') {
        let serde_json::Value::Object(map) = serde_json::from_str(line).ok()? else { return None };
        let mut out = Vec::new();
        flatten("", &map, &mut out);
        return Some(out);
    }
    let pairs: Vec<(String, String)> = line
        .split_whitespace()
        .filter_map(|token| token.split_once('='))
        .filter(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim_matches('"').to_owned()))
        .collect();
    (pairs.len() >= 2).then_some(pairs)
}

fn flatten(prefix: &str, map: &serde_json::Map<String, serde_json::Value>, out: &mut Vec<(String, String)>) {
    for (key, value) in map {
        let key = format!("{prefix}{}", key.to_ascii_lowercase());
        match value {
            serde_json::Value::Object(inner) => flatten(&format!("{key}."), inner, out),
            serde_json::Value::String(s) => out.push((key, s.clone())),
            other => out.push((key, other.to_string())),
        }
    }
}

/// Which request metadata the fields carry, read from each key's last
/// dotted segment (`http.method`, `req.url`, `status_code`, `duration_ms`).
fn request_fields(fields: &[(String, String)]) -> RequestFields {
    let mut found = RequestFields::default();
    for (key, value) in fields {
        let segment = key.rsplit('.').next().unwrap_or(key);
        let last = segment.replace(['-', '_'], "");
        if matches!(last.as_str(), "method" | "verb" | "path" | "url" | "uri" | "route" | "endpoint" | "target") {
            found.method_or_path = true;
        }
        let is_status = value.parse::<u16>().is_ok_and(|s| (100..600).contains(&s));
        if matches!(last.as_str(), "status" | "statuscode") && is_status {
            found.status = true;
        }
        if ["duration", "elapsed", "latency", "took"].iter().any(|w| last.contains(w))
            || segment == "ms"
            || segment.ends_with("_ms")
        {
            found.duration = true;
        }
    }
    found
}

/// `structured-logging`: the command's lines are JSON objects or logfmt
/// and some carry a method or path and a status. None with request
/// metadata (or no output while requests were made) fails; fewer than half
/// the lines structured, or no duration on any request line, warns. A run
/// with no request is not exercised.
pub fn structured_logging(journal: &Journal) -> ItemVerdict {
    let id = "structured-logging";
    if journal.entries.is_empty() {
        let summary = message!("the command made no request: nothing to log");
        return ItemVerdict { id, status: DrillStatus::NotExercised, summary, evidence: Vec::new() };
    }
    let lines: Vec<&LogLine> = journal.logs.iter().filter(|l| !l.text.trim().is_empty()).collect();
    let parsed: Vec<Vec<(String, String)>> = lines.iter().filter_map(|l| fields(&l.text)).collect();
    let requests: Vec<RequestFields> =
        parsed.iter().map(|f| request_fields(f)).filter(|r| r.method_or_path && r.status).collect();
    let evidence = vec![message!(
        "{} of {} lines structured, {} carry method or path and status, {} a duration",
        parsed.len(),
        lines.len(),
        requests.len(),
        requests.iter().filter(|r| r.duration).count()
    )];
    let (status, summary) = if lines.is_empty() {
        (DrillStatus::Fail, message!("the command wrote no output the drill could read"))
    } else if requests.is_empty() {
        (DrillStatus::Fail, message!("no structured line carries a request's method or path and status"))
    } else if parsed.len() * 2 < lines.len() {
        (DrillStatus::Warn, message!("request lines are structured, but most lines are not"))
    } else if !requests.iter().any(|r| r.duration) {
        (DrillStatus::Warn, message!("structured request lines carry no duration"))
    } else {
        (DrillStatus::Pass, message!("structured request logs with method or path, status and duration"))
    };
    ItemVerdict { id, status, summary, evidence }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::fixtures::*;
    use super::super::journal::{JournalEntry, Stream};
    use super::*;

    fn with_logs(entries: Vec<JournalEntry>, lines: &[&str]) -> Journal {
        let logs =
            lines.iter().map(|l| LogLine { at: Duration::ZERO, stream: Stream::Stderr, text: (*l).into() }).collect();
        Journal { logs, ..journal(entries) }
    }

    fn refused(ecode: &'static str) -> JournalEntry {
        JournalEntry { ecode: Some(ecode), ..get(0, "/user", 401) }
    }

    #[test]
    fn every_ecode_returned_must_appear_in_the_output() {
        let entries = vec![refused("OAUTH_025"), refused("APP_002")];
        let all = with_logs(entries.clone(), &["auth failed ECODE=OAUTH_025", "limit APP_002"]);
        assert_eq!(ecode_parsed(&all).status, DrillStatus::Pass);
        let some = with_logs(entries.clone(), &["auth failed ECODE=OAUTH_025", "request failed: 429"]);
        let v = ecode_parsed(&some);
        assert_eq!(v.status, DrillStatus::Warn);
        assert_eq!(v.evidence[1], "never in its output: APP_002");
        assert_eq!(ecode_parsed(&with_logs(entries, &["request failed: 401"])).status, DrillStatus::Fail);
        assert_eq!(ecode_parsed(&with_logs(vec![get(0, "/user", 200)], &[])).status, DrillStatus::NotExercised);
    }

    #[test]
    fn json_or_logfmt_request_lines_with_a_duration_pass() {
        let json = r#"{"level":"info","http":{"method":"GET","status_code":200},"duration_ms":12}"#;
        let logfmt = "level=info method=GET path=/list/1/task status=200 took=12ms";
        for line in [json, logfmt] {
            let v = structured_logging(&with_logs(vec![get(0, "/user", 200)], &[line]));
            assert_eq!(v.status, DrillStatus::Pass, "{line}: {v:?}");
        }
    }

    #[test]
    fn plain_text_or_lines_without_status_fail() {
        let run = |lines: &[&str]| structured_logging(&with_logs(vec![get(0, "/user", 200)], lines)).status;
        assert_eq!(run(&["GET /list/1/task 200 in 12ms"]), DrillStatus::Fail);
        assert_eq!(run(&[r#"{"method":"GET","path":"/user"}"#]), DrillStatus::Fail);
        // A status that is no HTTP status does not count.
        assert_eq!(run(&[r#"{"method":"GET","status":"ok"}"#]), DrillStatus::Fail);
        assert_eq!(run(&[]), DrillStatus::Fail);
        // No duration, or mostly unstructured lines, warn.
        assert_eq!(run(&["method=GET status=200"]), DrillStatus::Warn);
        assert_eq!(run(&["method=GET status=200 items=3"]), DrillStatus::Warn);
        assert_eq!(run(&["method=GET status=200 elapsed_ms=3"]), DrillStatus::Pass);
        assert_eq!(run(&["method=GET status=200 duration=3", "starting", "done"]), DrillStatus::Warn);
    }

    #[test]
    fn a_run_without_requests_is_not_exercised() {
        let v = structured_logging(&with_logs(vec![], &["method=GET status=200 duration=3"]));
        assert_eq!(v.status, DrillStatus::NotExercised);
    }
}
