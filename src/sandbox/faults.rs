//! Faults the sandbox injects on top of any scenario, from `--fault SPEC`
//! (repeatable) or a `--faults FILE` of `[[fault]]` tables. They let the
//! tool, and a team's own integration, be tested against a misbehaving
//! ClickUp: slow, failing, cut off, lying about its content.
//!
//! A spec is `KIND[=VALUE][,share=F][,route=PATH]`: `share` (default 1) is
//! the fraction of matching requests hit, spread evenly and counted per path
//! (so the checks' concurrent requests, arriving in any order, meet the same
//! faults and a run's verdict repeats); `route` (default `/api/v2`) matches
//! any request path containing it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// What a fault does to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer after a delay, fixed or spread over a range.
    Latency {
        /// Shortest delay.
        min: Duration,
        /// Longest delay.
        max: Duration,
    },
    /// Answer with this HTTP status and ClickUp's error body.
    Status(u16),
    /// Close the connection without an answer.
    Reset,
    /// Never answer.
    Hang,
    /// A 200 whose JSON stops halfway.
    Truncate,
    /// A 200 whose body is not JSON.
    Malformed,
    /// A 200 with an HTML page and `Content-Type: text/html`.
    WrongContentType,
    /// A 200 with a body larger than any client should read (8 MiB).
    Oversized,
    /// A redirect to another origin.
    Redirect,
}

impl FaultKind {
    /// The kind as a spec would write it (`status=503`, `latency`), for the
    /// journal.
    pub fn spec(&self) -> String {
        match self {
            FaultKind::Latency { .. } => "latency".into(),
            FaultKind::Status(code) => format!("status={code}"),
            FaultKind::Reset => "reset".into(),
            FaultKind::Hang => "hang".into(),
            FaultKind::Truncate => "truncate".into(),
            FaultKind::Malformed => "malformed".into(),
            FaultKind::WrongContentType => "content-type".into(),
            FaultKind::Oversized => "oversized".into(),
            FaultKind::Redirect => "redirect".into(),
        }
    }

    /// The status a client receives under this fault; `None` when it
    /// receives no answer, or (latency) the status is the real answer's.
    pub fn status(&self) -> Option<u16> {
        match self {
            FaultKind::Status(code) => Some(*code),
            FaultKind::Truncate | FaultKind::Malformed | FaultKind::WrongContentType | FaultKind::Oversized => {
                Some(200)
            }
            FaultKind::Redirect => Some(302),
            FaultKind::Latency { .. } | FaultKind::Reset | FaultKind::Hang => None,
        }
    }
}

/// One configured fault.
#[derive(Debug)]
pub struct Fault {
    /// What it does.
    pub kind: FaultKind,
    /// Fraction of matching requests it hits.
    pub share: f64,
    /// Requests whose path contains this.
    pub route: String,
    seen: AtomicU64,
    seen_per_path: Mutex<HashMap<String, u64>>,
}

impl Clone for Fault {
    fn clone(&self) -> Self {
        Fault::new(self.kind.clone(), self.share, self.route.clone())
    }
}

impl Fault {
    /// A fault with fresh counters.
    fn new(kind: FaultKind, share: f64, route: String) -> Fault {
        Fault { kind, share, route, seen: AtomicU64::new(0), seen_per_path: Mutex::default() }
    }

    /// Whether this request (its path) is hit: the n-th matching request to
    /// this path is hit when `floor((n + 1) * share)` steps past
    /// `floor(n * share)`, so the first request to a path is answered unless
    /// the share is 1. Counting per path keeps the sequence each exchange
    /// meets independent of how concurrent requests to other paths interleave.
    pub fn hits(&self, path: &str) -> bool {
        if !path.contains(&self.route) {
            return false;
        }
        self.seen.fetch_add(1, Ordering::Relaxed);
        let n = {
            let mut per_path = self.seen_per_path.lock().unwrap_or_else(PoisonError::into_inner);
            let count = per_path.entry(path.to_owned()).or_insert(0);
            *count += 1;
            (*count - 1) as f64
        };
        ((n + 1.0) * self.share).floor() > (n * self.share).floor()
    }

    /// The delay for the n-th hit of a latency range (spread, repeatable).
    pub fn delay(&self) -> Option<Duration> {
        let FaultKind::Latency { min, max } = self.kind else { return None };
        let n = self.seen.load(Ordering::Relaxed);
        let spread = max.saturating_sub(min).as_millis() as u64;
        let offset = if spread == 0 { 0 } else { (n.wrapping_mul(2_654_435_761) >> 7) % (spread + 1) };
        Some(min + Duration::from_millis(offset))
    }
}

/// Parses `KIND[=VALUE][,share=F][,route=PATH]`.
pub fn parse(spec: &str) -> Result<Fault, String> {
    let mut parts = spec.split(',');
    let head = parts.next().unwrap_or_default().trim();
    let (kind, value) = head.split_once('=').map_or((head, None), |(k, v)| (k, Some(v.trim())));
    let need = |what: &str| value.ok_or_else(|| format!("`{kind}` needs a value: {what}"));
    let kind = match kind {
        "latency" => {
            let v = need("latency=200ms or latency=100ms..500ms")?;
            let (lo, hi) = v.split_once("..").unwrap_or((v, v));
            let lo = crate::duration::parse(lo).map_err(|e| e.to_string())?;
            let hi = crate::duration::parse(hi).map_err(|e| e.to_string())?;
            if hi < lo {
                return Err(format!("latency range {v} runs backwards"));
            }
            FaultKind::Latency { min: lo, max: hi }
        }
        "status" => {
            let code: u16 = need("status=503")?.parse().map_err(|_| "status takes an HTTP status code".to_owned())?;
            if !(400..600).contains(&code) {
                return Err(format!("status={code}: expected a 4xx or 5xx code"));
            }
            FaultKind::Status(code)
        }
        "reset" => FaultKind::Reset,
        "hang" => FaultKind::Hang,
        "truncate" => FaultKind::Truncate,
        "malformed" => FaultKind::Malformed,
        "content-type" => FaultKind::WrongContentType,
        "oversized" => FaultKind::Oversized,
        "redirect" => FaultKind::Redirect,
        other => {
            return Err(format!(
                "unknown fault `{other}`; expected latency, status, reset, hang, truncate, malformed, content-type, oversized or redirect"
            ));
        }
    };
    let mut fault = Fault::new(kind, 1.0, "/api/v2".to_owned());
    for option in parts {
        match option.trim().split_once('=') {
            Some(("share", v)) => {
                fault.share = v
                    .parse::<f64>()
                    .ok()
                    .filter(|s| (0.0..=1.0).contains(s))
                    .ok_or_else(|| format!("share={v}: expected a number from 0 to 1"))?;
            }
            Some(("route", v)) if v.starts_with('/') => fault.route = v.to_owned(),
            _ => return Err(format!("`{option}`: expected share=F or route=/path")),
        }
    }
    Ok(fault)
}

/// Reads a `--faults` file: `[[fault]]` tables with `spec = "..."`.
pub fn load(path: &std::path::Path) -> Result<Vec<Fault>, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        fault: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        spec: String,
    }
    let text = crate::input::read_text(path, 1 << 20).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file: File = toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))?;
    file.fault.iter().map(|e| parse(&e.spec).map_err(|m| format!("{}: {m}", path.display()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs_with_options() {
        let f = parse("status=503,share=0.5,route=/user").expect("parses");
        assert_eq!((f.kind.clone(), f.share, f.route.as_str()), (FaultKind::Status(503), 0.5, "/user"));
        let f = parse("latency=100ms..300ms").expect("parses");
        assert_eq!(f.kind, FaultKind::Latency { min: Duration::from_millis(100), max: Duration::from_millis(300) });
        for bad in
            ["", "explode", "status", "status=200", "status=abc", "latency=2s..1s", "reset,share=2", "hang,route=user"]
        {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shares_spread_hits_evenly_and_routes_filter() {
        let f = parse("reset,share=0.5").expect("parses");
        let hits: Vec<bool> = (0..6).map(|_| f.hits("/api/v2/user")).collect();
        assert_eq!(hits, [false, true, false, true, false, true]);
        let f = parse("hang,route=/team").expect("parses");
        assert!(!f.hits("/api/v2/user") && f.hits("/api/v2/team"));
        let all = parse("malformed").expect("parses");
        assert!(!all.hits("/1.0/status/x"), "the status page is spared unless routed");
    }

    #[test]
    fn each_path_meets_the_same_sequence_however_requests_interleave() {
        let sequence = |order: &[&str]| {
            let f = parse("status=503,share=0.5").expect("parses");
            let mut per_path: std::collections::BTreeMap<String, Vec<bool>> = Default::default();
            for path in order {
                per_path.entry((*path).to_owned()).or_default().push(f.hits(path));
            }
            per_path
        };
        let (user, team) = ("/api/v2/user", "/api/v2/team");
        let one = sequence(&[user, user, team, user, team]);
        let other = sequence(&[team, user, team, user, user]);
        assert_eq!(one, other);
        assert_eq!(one[user], [false, true, false]);
        assert_eq!(one[team], [false, true]);
    }
}
