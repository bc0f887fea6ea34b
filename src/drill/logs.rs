//! Judges that read the command's own output: whether it logs ClickUp's
//! error codes and whether its logs are structured request records.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use super::journal::{Journal, JournalEntry, LogLine, Method};
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
    // A line counts from the first answer that carried the code: one
    // written earlier cannot have read it from an answer.
    let first_returned = |code: &str| journal.entries.iter().filter(|e| e.ecode == Some(code)).map(|e| e.at).min();
    let (logged, missing): (Vec<&str>, Vec<&str>) = returned.iter().partition(|code| {
        let since = first_returned(code).unwrap_or_default();
        journal.logs.iter().any(|line| line.at >= since && line.text.contains(**code))
    });
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
#[derive(Debug, Default, PartialEq, Eq, Hash)]
struct RequestFields {
    /// The method it names, upper-cased.
    method: Option<String>,
    /// The values of its path-like keys (`path`, `url`, `route`...).
    paths: Vec<String>,
    /// The HTTP status it names.
    status: Option<u16>,
    duration: bool,
}

impl RequestFields {
    /// Whether it names a method or a path, and a status.
    fn is_request(&self) -> bool {
        (self.method.is_some() || !self.paths.is_empty()) && self.status.is_some()
    }

    /// Whether it tells of `entry`: the same status, and the same method and
    /// path where it names them. A path-like value that is no path (an
    /// endpoint's name) says nothing either way.
    fn tells_of(&self, entry: &JournalEntry) -> bool {
        let method = self.method.as_deref().is_none_or(|m| m == entry.method.as_str() || entry.method == Method::Other);
        let paths = self.paths.iter().all(|p| same_path(p, entry));
        self.status.is_some() && self.status == entry.status && method && paths
    }
}

/// Whether a logged path-like value names `entry`'s path: a URL or a path
/// (query and trailing `/` aside) that ends the same way as the one the
/// drill saw (a client logs it below its base URL, or whole), or its route
/// template. Any other value (a name) does not contradict it.
fn same_path(logged: &str, entry: &JournalEntry) -> bool {
    let below_host = match logged.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]),
        None => logged,
    };
    if !below_host.starts_with('/') {
        return true;
    }
    fn bare(path: &str) -> &str {
        path.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/')
    }
    let (logged, seen) = (bare(below_host), bare(entry.path.as_str()));
    if logged.contains('{') {
        return entry.route == Some(logged);
    }
    !logged.is_empty() && (seen.ends_with(logged) || logged.ends_with(seen))
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
        if matches!(last.as_str(), "method" | "verb") {
            found.method = Some(value.to_ascii_uppercase());
        }
        if matches!(last.as_str(), "path" | "url" | "uri" | "route" | "endpoint" | "target") {
            found.paths.push(value.clone());
        }
        let status = value.parse::<u16>().ok().filter(|s| (100..600).contains(s));
        if matches!(last.as_str(), "status" | "statuscode") && status.is_some() {
            found.status = status;
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
/// and some carry a method or path and a status of a request the drill saw
/// before the line was written ([`RequestFields::tells_of`]: lines that
/// tell of no such request are not its log). None telling of a request (or
/// no output while requests were made) fails; fewer than half the lines
/// structured, or no duration on any request line, warns. A run with no
/// request is not exercised.
pub fn structured_logging(journal: &Journal) -> ItemVerdict {
    let id = "structured-logging";
    if journal.entries.is_empty() {
        let summary = message!("the command made no request: nothing to log");
        return ItemVerdict { id, status: DrillStatus::NotExercised, summary, evidence: Vec::new() };
    }
    let lines: Vec<&LogLine> = journal.logs.iter().filter(|l| !l.text.trim().is_empty()).collect();
    let parsed: Vec<(&LogLine, Vec<(String, String)>)> =
        lines.iter().filter_map(|l| Some((*l, fields(&l.text)?))).collect();
    let claimed: Vec<(&LogLine, RequestFields)> =
        parsed.iter().map(|(l, f)| (*l, request_fields(f))).filter(|(_, r)| r.is_request()).collect();
    // When each distinct claim was first true: a line tells of a request
    // when it was written after the earliest request it describes.
    let mut first_told: HashMap<&RequestFields, Option<Duration>> = HashMap::new();
    let requests: Vec<&RequestFields> = claimed
        .iter()
        .filter(|(line, r)| {
            let since =
                *first_told.entry(r).or_insert_with(|| journal.entries.iter().find(|e| r.tells_of(e)).map(|e| e.at));
            since.is_some_and(|since| since <= line.at)
        })
        .map(|(_, r)| r)
        .collect();
    let mut evidence = vec![message!(
        "{} of {} lines structured, {} tell of requests the drill saw (method or path, and status), {} with a duration",
        parsed.len(),
        lines.len(),
        requests.len(),
        requests.iter().filter(|r| r.duration).count()
    )];
    if claimed.len() > requests.len() {
        evidence.push(message!(
            "{} lines name a request the drill did not see before them (another status, method or path)",
            claimed.len() - requests.len()
        ));
    }
    let (status, summary) = if lines.is_empty() {
        (DrillStatus::Fail, message!("the command wrote no output the drill could read"))
    } else if requests.is_empty() {
        (
            DrillStatus::Fail,
            message!("no structured line tells of a request the drill saw (method or path, and status)"),
        )
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

    fn logged_at(entries: Vec<JournalEntry>, lines: &[(u64, &str)]) -> Journal {
        let logs = lines
            .iter()
            .map(|(ms, l)| LogLine { at: Duration::from_millis(*ms), stream: Stream::Stdout, text: (*l).into() })
            .collect();
        Journal { logs, ..journal(entries) }
    }

    /// A line written before the drill ever returned an ECODE cannot show
    /// that the command read it from an answer: printing the codes it
    /// expects, up front, is not parsing them.
    #[test]
    fn an_ecode_printed_before_the_drill_returned_it_does_not_count() {
        let entries = vec![JournalEntry { ecode: Some("APP_002"), ..get(5000, "/team", 429) }];
        let early = logged_at(entries.clone(), &[(100, "known codes: APP_002 OAUTH_025")]);
        assert_eq!(ecode_parsed(&early).status, DrillStatus::Fail);
        let after = logged_at(entries, &[(100, "starting"), (5010, "rate limited ECODE=APP_002")]);
        assert_eq!(ecode_parsed(&after).status, DrillStatus::Pass);
    }

    /// A request line counts when it tells of a request the drill saw before
    /// it: that status (and method, and path, when it names them). Lines
    /// made up of statuses the drill never answered are no request log.
    #[test]
    fn request_lines_must_tell_of_requests_the_drill_saw() {
        let tasks = JournalEntry { route: Some("/list/{id}/task"), ..get(1000, "/api/v2/list/1/task?page=0", 200) };
        let entries = vec![tasks, get(2000, "/api/v2/team", 503)];
        let run = |lines: &[(u64, &str)]| structured_logging(&logged_at(entries.clone(), lines)).status;
        let line = |method: &str, path: &str, status: u16| {
            format!(r#"{{"method":"{method}","path":"{path}","status":{status},"duration_ms":3}}"#)
        };
        let real = line("GET", "/list/1/task?page=0", 200);
        assert_eq!(run(&[(1010, &real)]), DrillStatus::Pass);
        let url = r#"{"method":"GET","url":"http://127.0.0.1:9/api/v2/team","status":503,"duration_ms":3}"#;
        assert_eq!(run(&[(2010, url)]), DrillStatus::Pass);
        // Before the request, a status never answered, another method or another path: no request line.
        assert_eq!(run(&[(500, &real)]), DrillStatus::Fail);
        assert_eq!(run(&[(3000, &line("GET", "/list/1/task", 201))]), DrillStatus::Fail);
        assert_eq!(run(&[(3000, &line("POST", "/list/1/task", 200))]), DrillStatus::Fail);
        assert_eq!(run(&[(3000, &line("GET", "/task/abc", 200))]), DrillStatus::Fail);
        // A route template or a name that is no path still tells of the request.
        assert_eq!(run(&[(3000, "method=GET route=/list/{id}/task status=200 took=3ms")]), DrillStatus::Pass);
        assert_eq!(run(&[(3000, "method=GET endpoint=list_tasks status=200 took=3ms")]), DrillStatus::Pass);
    }

    #[test]
    fn json_or_logfmt_request_lines_with_a_duration_pass() {
        let json = r#"{"level":"info","http":{"method":"GET","status_code":200},"duration_ms":12}"#;
        let logfmt = "level=info method=GET path=/list/1/task status=200 took=12ms";
        for line in [json, logfmt] {
            let v = structured_logging(&with_logs(vec![get(0, "/api/v2/list/1/task", 200)], &[line]));
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
