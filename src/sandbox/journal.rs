//! The sandbox's journal: one entry per API request, so that a drill can
//! judge afterwards what an integration did (its retries, gaps, polling).
//! An entry names which token was presented by generation, never by value,
//! and its path and query are masked of anything token-shaped.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// Entries kept at most; a run past it stops recording (and says so once in
/// the log) rather than growing without bound.
const CAPACITY: usize = 200_000;

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
}

/// The entries recorded so far, behind a lock.
#[derive(Debug)]
pub(super) struct Journal {
    started: Instant,
    entries: Mutex<Vec<JournalEntry>>,
}

impl Journal {
    /// An empty journal whose clock starts now.
    pub(super) fn new() -> Journal {
        Journal { started: Instant::now(), entries: Mutex::new(Vec::new()) }
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
