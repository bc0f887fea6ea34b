//! The sandbox's journal: one entry per API request, so that a drill can
//! judge afterwards what an integration did (its retries, gaps, polling).
//! An entry names which token was presented by generation, never by value,
//! and its path and query are masked of anything token-shaped.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Entries kept at most; a run past it stops recording (and says so once in
/// the log) rather than growing without bound.
const CAPACITY: usize = 200_000;
/// Characters of a path and query kept for the judges: enough to tell
/// resources apart, bounded however long a client's URL is.
const PATH_BOUND: usize = 2048;

/// Which token a request presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSeen {
    /// No `Authorization` header.
    Absent,
    /// A token the sandbox never issued.
    Unknown,
    /// The sandbox's n-th token (1 is the first; a rotation issues the next).
    Generation(u32),
}

/// One API request as the sandbox saw and answered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Milliseconds from the sandbox's start to the request's arrival.
    pub at_ms: u64,
    /// How long the sandbox took to answer, injected delays included.
    pub duration_ms: u64,
    /// HTTP method.
    pub method: String,
    /// The concrete path, as requested (masked).
    pub path: String,
    /// The query string, if any (masked).
    pub query: Option<String>,
    /// The route template, like `/list/{id}/task`; `None` for a route the
    /// sandbox does not model, so an unmodelled call is reported, not hidden.
    pub route: Option<String>,
    /// The status answered; `None` when the connection was cut or left hanging.
    pub status: Option<u16>,
    /// The injected fault that shaped the answer, as its spec (`status=503`).
    pub fault: Option<String>,
    /// Which token the request presented.
    pub token: TokenSeen,
    /// `X-RateLimit-Remaining` as answered, when the answer carried it.
    pub rate_limit_remaining: Option<u64>,
    /// The fault plan's phase the request fell in; only when a plan runs,
    /// so a world without one writes the same lines as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// What the judges need beyond the JSON line (typed, not serialised).
    #[serde(skip)]
    pub drill: DrillFacts,
}

/// The facts of one entry a drill judges by, as the program's own types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrillFacts {
    /// The fault applied, in the judges' terms; `None` for a plain answer.
    pub fault: Option<crate::drill::Fault>,
    /// The plan's phase; `None` when no plan runs.
    pub phase: Option<crate::drill::PhaseKind>,
    /// The `ECODE` of an answer the plan forced.
    pub ecode: Option<&'static str>,
    /// `X-RateLimit-Limit` as answered, when the answer carried it.
    pub rate_limit: Option<u64>,
    /// `X-RateLimit-Reset` as answered, as time since the journal started.
    pub rate_reset: Option<Duration>,
    /// For a successful `GET`: the world's change counter when answered.
    pub data_version: Option<u64>,
    /// Whether a webhook the integration registered, still active, covers
    /// the list or task the path names (or the whole team).
    pub covered_by_webhook: bool,
}

/// The entries recorded so far, behind a lock.
#[derive(Debug)]
pub(super) struct Journal {
    started: Instant,
    started_unix_ms: u64,
    entries: Mutex<Vec<JournalEntry>>,
}

impl Journal {
    /// An empty journal whose clock starts now.
    pub(super) fn new() -> Journal {
        let started_unix_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        Journal { started: Instant::now(), started_unix_ms, entries: Mutex::new(Vec::new()) }
    }

    /// Time since the journal started, which is the fault plan's clock.
    pub(super) fn elapsed(&self, at: Instant) -> Duration {
        at.saturating_duration_since(self.started)
    }

    /// The instant an `X-RateLimit-Reset` of `unix_secs` names, as time
    /// since the journal started (zero if it lies before).
    pub(super) fn since_start(&self, unix_secs: u64) -> Duration {
        Duration::from_millis(unix_secs.saturating_mul(1000).saturating_sub(self.started_unix_ms))
    }

    /// The whole Unix second at or after `at` since the start, for an
    /// `X-RateLimit-Reset` header (which counts seconds).
    pub(super) fn reset_header(&self, at: Duration) -> u64 {
        (self.started_unix_ms + at.as_millis() as u64).div_ceil(1000)
    }

    /// Milliseconds since the journal started, for `at_ms`.
    pub(super) fn elapsed_ms(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.started).as_millis() as u64
    }

    /// Appends one entry, unless the journal is full.
    pub(super) fn record(&self, entry: JournalEntry) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() < CAPACITY {
            entries.push(entry);
            if entries.len() == CAPACITY {
                tracing::warn!(capacity = CAPACITY, "sandbox journal full: later requests are not recorded");
            }
        }
    }

    /// A copy of every entry, in order of arrival (entries are appended
    /// when answered, so a slow answer is recorded after faster later ones).
    pub(super) fn entries(&self) -> Vec<JournalEntry> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner).clone();
        entries.sort_by_key(|e| e.at_ms);
        entries
    }

    /// The entries as JSON lines, in order of arrival.
    pub(super) fn json_lines(&self) -> String {
        let mut out = String::new();
        for entry in &self.entries() {
            if let Ok(line) = serde_json::to_string(entry) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }
}

/// The route template of an API path below `/api/v2` (its segments), for
/// the routes the sandbox models; ids become `{id}`.
pub(super) fn template(segments: &[&str]) -> Option<&'static str> {
    Some(match segments {
        ["user"] => "/user",
        ["team"] => "/team",
        ["team", _, "space"] => "/team/{id}/space",
        ["team", _, "webhook"] => "/team/{id}/webhook",
        ["space", _, "folder"] => "/space/{id}/folder",
        ["space", _, "list"] => "/space/{id}/list",
        ["folder", _, "list"] => "/folder/{id}/list",
        ["list", _] => "/list/{id}",
        ["list", _, "task"] => "/list/{id}/task",
        ["task", _] => "/task/{id}",
        ["task", _, "comment"] => "/task/{id}/comment",
        ["webhook", _] => "/webhook/{id}",
        _ => return None,
    })
}

/// The journal as the drill's judges read it: every entry in arrival
/// order, and the plan's phases when one ran. Logs and the command's exit
/// are the drill runner's to add.
pub fn to_drill(entries: &[JournalEntry], plan: Option<&crate::drill::Plan>) -> crate::drill::Journal {
    crate::drill::Journal {
        entries: entries.iter().map(drill_entry).collect(),
        plan: plan.map(crate::drill::Plan::timeline).unwrap_or_default(),
        ..crate::drill::Journal::default()
    }
}

fn drill_entry(entry: &JournalEntry) -> crate::drill::JournalEntry {
    use crate::drill::{Method, RateWindow, TokenUsed};
    let method = match entry.method.as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        _ => Method::Other,
    };
    let below_api = entry.path.strip_prefix("/api/v2").unwrap_or(&entry.path);
    let segments: Vec<&str> = below_api.trim_matches('/').split('/').collect();
    let path = match &entry.query {
        Some(query) => format!("{}?{query}", entry.path),
        None => entry.path.clone(),
    };
    let facts = &entry.drill;
    let window = match (facts.rate_limit, entry.rate_limit_remaining) {
        (Some(limit), Some(remaining)) => Some(RateWindow {
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
            remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
            reset: facts.rate_reset,
        }),
        _ => None,
    };
    crate::drill::JournalEntry {
        at: Duration::from_millis(entry.at_ms),
        method,
        route: template(&segments),
        path: crate::text::Sanitizer::shapes_only().line(&path, PATH_BOUND),
        status: entry.status,
        ecode: facts.ecode,
        fault: facts.fault.unwrap_or(crate::drill::Fault::None),
        phase: facts.phase.unwrap_or(crate::drill::PhaseKind::Normal),
        token: match entry.token {
            TokenSeen::Absent => TokenUsed::Missing,
            TokenSeen::Unknown => TokenUsed::Unknown,
            TokenSeen::Generation(n) => TokenUsed::Drill(n.saturating_sub(1)),
        },
        window,
        data_version: facts.data_version,
        covered_by_webhook: facts.covered_by_webhook,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_name_modelled_routes_only() {
        assert_eq!(template(&["list", "901", "task"]), Some("/list/{id}/task"));
        assert_eq!(template(&["team", "9012345", "webhook"]), Some("/team/{id}/webhook"));
        assert_eq!(template(&["task", "86dr", "attachment"]), None);
        assert_eq!(template(&[""]), None);
    }

    #[test]
    fn entries_come_out_in_arrival_order_however_answers_completed() {
        let journal = Journal::new();
        let entry = |at_ms, path: &str| JournalEntry {
            at_ms,
            duration_ms: 0,
            method: "GET".into(),
            path: path.into(),
            query: None,
            route: None,
            status: Some(200),
            fault: None,
            token: TokenSeen::Generation(1),
            rate_limit_remaining: None,
            phase: None,
            drill: DrillFacts::default(),
        };
        journal.record(entry(30, "/fast-later"));
        journal.record(entry(10, "/slow-earlier"));
        let paths: Vec<String> = journal.entries().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["/slow-earlier", "/fast-later"]);
        let first = journal.json_lines().lines().next().map(str::to_owned).unwrap_or_default();
        assert!(first.contains(r#""path":"/slow-earlier""#), "{first}");
    }

    #[test]
    fn token_generations_serialise_without_a_value() {
        let line =
            serde_json::to_string(&[TokenSeen::Absent, TokenSeen::Unknown, TokenSeen::Generation(2)]).expect("json");
        assert_eq!(line, r#"["absent","unknown",{"generation":2}]"#);
    }
}
