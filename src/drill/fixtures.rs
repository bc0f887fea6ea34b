//! Literal journal entries for the judges' tests.

use std::time::Duration;

use super::journal::*;

/// A `GET` answered `status` (0: refused) at `ms`, otherwise ordinary.
pub(super) fn get(ms: u64, path: &str, status: u16) -> JournalEntry {
    request(ms, Method::Get, path, status)
}

/// A request answered `status` (0: refused) at `ms`, otherwise ordinary.
pub(super) fn request(ms: u64, method: Method, path: &str, status: u16) -> JournalEntry {
    let fault = match status {
        429 => Fault::RateLimited { reset: Duration::from_millis(ms + 3000) },
        401 => Fault::AuthFault,
        0 => Fault::Outage,
        500.. => Fault::ServerError,
        _ => Fault::None,
    };
    JournalEntry {
        at: Duration::from_millis(ms),
        method,
        route: None,
        path: path.into(),
        status: (status != 0).then_some(status),
        ecode: None,
        fault,
        phase: PhaseKind::Normal,
        token: TokenUsed::Drill(0),
        window: None,
        data_version: (method == Method::Get && (200..300).contains(&status)).then_some(1),
        covered_by_webhook: false,
    }
}

/// A 429 at `ms` whose window reopens at `reset_ms`.
pub(super) fn rate_limited(ms: u64, path: &str, reset_ms: u64) -> JournalEntry {
    JournalEntry { fault: Fault::RateLimited { reset: Duration::from_millis(reset_ms) }, ..get(ms, path, 429) }
}

/// A chain of `GET path` attempts starting at `start_ms` with these gaps,
/// every attempt but the last answered `status`, the last 200.
pub(super) fn chain(start_ms: u64, path: &str, status: u16, gaps_ms: &[u64]) -> Vec<JournalEntry> {
    let mut at = start_ms;
    let mut out = vec![get(at, path, status)];
    for (i, gap) in gaps_ms.iter().enumerate() {
        at += gap;
        out.push(get(at, path, if i + 1 == gaps_ms.len() { 200 } else { status }));
    }
    out
}

/// A phase from `start_ms` to `end_ms`.
pub(super) fn phase(kind: PhaseKind, start_ms: u64, end_ms: u64) -> Phase {
    Phase { kind, start: Duration::from_millis(start_ms), end: Duration::from_millis(end_ms) }
}

/// A journal of these entries, sorted by time, no plan, no logs.
pub(super) fn journal(mut entries: Vec<JournalEntry>) -> Journal {
    entries.sort_by_key(|e| e.at);
    Journal { entries, ..Journal::default() }
}
