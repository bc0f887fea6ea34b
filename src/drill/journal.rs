//! What the drill world saw while the command ran: one entry per request,
//! the fault plan's phases, and the command's own log lines. Plain data,
//! filled in by the drill world (the sandbox) and read by the judges, so
//! the judges stay pure functions over literals in their tests.

use std::time::Duration;

use crate::model::OutsideText;

/// Everything a drill recorded, in the order it happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Journal {
    /// Every request the drill world answered (or refused), by time.
    pub entries: Vec<JournalEntry>,
    /// The fault plan as it was played.
    pub plan: Vec<Phase>,
    /// What the command wrote on stdout and stderr, line by line.
    pub logs: Vec<LogLine>,
    /// How the command ended; `None` while it still ran when the drill
    /// stopped recording (the drill stopping it at the plan's end is not the
    /// command ending by itself).
    pub exit: Option<CommandExit>,
    /// The integration's webhooks: what it registered, what the drill
    /// delivered to them, and the suspensions it played.
    pub webhooks: super::deliveries::Webhooks,
    /// The polls of the integration's own health endpoint, by time; empty
    /// unless the drill was given one (`drill --health-url`).
    pub health: Vec<HealthPoll>,
}

/// One poll of the integration's own health endpoint: whether the
/// integration said it was up while ClickUp was down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthPoll {
    /// When it was sent, since the drill started.
    pub at: Duration,
    /// The status answered; `None` when nothing came back in time (refused,
    /// reset, timed out).
    pub status: Option<u16>,
    /// How long the answer (or the failure) took.
    pub latency: Duration,
}

impl HealthPoll {
    /// Whether the endpoint answered 2xx.
    pub fn healthy(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// How and when the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandExit {
    /// When it exited, since the drill started.
    pub at: Duration,
    /// Its exit code; `None` when a signal ended it.
    pub code: Option<i32>,
}

/// An HTTP method, reduced to what the judges need to tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// Any other method (`PATCH`, `HEAD`, ...): the drill models none.
    Other,
}

impl Method {
    /// Whether repeating the request is safe, so a client may retry it after
    /// a server error without knowing whether the first attempt took effect.
    pub fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Put | Method::Delete)
    }

    /// The method as HTTP spells it (`Other` as `OTHER`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Other => "OTHER",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The program's own word for a method.
impl crate::model::Shown for Method {}

/// The fault the drill applied to one request, whatever the phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answered as ClickUp would.
    None,
    /// A 429 the plan forced; `reset` is the instant the answer's
    /// `X-RateLimit-Reset` named, as time since the drill started.
    RateLimited {
        /// When the window opens again.
        reset: Duration,
    },
    /// A 429 because the client itself used up the window (its own burst);
    /// `reset` as in [`Fault::RateLimited`].
    WindowExhausted {
        /// When the window opens again.
        reset: Duration,
    },
    /// A 500, 502 or 503 of the server-error phase.
    ServerError,
    /// Refused or 503 during the outage.
    Outage,
    /// A 401 (`OAUTH_025`) of the auth-fault phase.
    AuthFault,
    /// A 401 because the token was revoked by the rotation.
    RevokedToken,
}

impl Fault {
    /// The fault's kebab-case name, for journals and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::RateLimited { .. } => "rate-limited",
            Fault::WindowExhausted { .. } => "window-exhausted",
            Fault::ServerError => "server-error",
            Fault::Outage => "outage",
            Fault::AuthFault => "auth-fault",
            Fault::RevokedToken => "revoked-token",
        }
    }

    /// When a 429's window opens again, for the faults that are a 429.
    pub fn reset(self) -> Option<Duration> {
        match self {
            Fault::RateLimited { reset } | Fault::WindowExhausted { reset } => Some(reset),
            _ => None,
        }
    }
}

/// A kind of phase of the fault plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhaseKind {
    /// Normal answers, before any fault.
    WarmUp,
    /// A small window that counts down, then 429s until the reset.
    RateLimit,
    /// 5xx for a share of requests.
    ServerErrors,
    /// Every request refused or 503.
    Outage,
    /// 401 `OAUTH_025` for every request.
    AuthFault,
    /// The token is replaced and the old one revoked.
    TokenRotation,
    /// Normal answers between or after faults.
    Normal,
}

impl PhaseKind {
    /// The phase's kebab-case name, for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseKind::WarmUp => "warm-up",
            PhaseKind::RateLimit => "rate-limit",
            PhaseKind::ServerErrors => "server-errors",
            PhaseKind::Outage => "outage",
            PhaseKind::AuthFault => "auth-fault",
            PhaseKind::TokenRotation => "token-rotation",
            PhaseKind::Normal => "normal",
        }
    }
}

impl std::fmt::Display for PhaseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The program's own word for a phase.
impl crate::model::Shown for PhaseKind {}

/// One phase of the fault plan, as time since the drill started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase {
    /// What the drill does during it.
    pub kind: PhaseKind,
    /// When it starts.
    pub start: Duration,
    /// When it ends (exclusive).
    pub end: Duration,
}

impl Phase {
    /// Whether `at` falls in the phase.
    pub fn contains(&self, at: Duration) -> bool {
        self.start <= at && at < self.end
    }
}

/// Which token a request carried: an id the drill gave it, never the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenUsed {
    /// No `Authorization` header.
    Missing,
    /// The drill's token of this generation (0 first, 1 after a rotation, ...).
    Drill(u32),
    /// A token the drill never issued.
    Unknown,
}

/// The rate-limit headers of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    /// `X-RateLimit-Limit`
    pub limit: u32,
    /// `X-RateLimit-Remaining`
    pub remaining: u32,
    /// When the window reopens, as `X-RateLimit-Reset` said it, since the
    /// drill started; `None` when the answer did not say.
    pub reset: Option<Duration>,
}

/// One request the drill world saw.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    /// When it arrived, since the drill started.
    pub at: Duration,
    /// Its method.
    pub method: Method,
    /// The drill's route template (`/list/{id}/task`); `None` for a route the
    /// drill does not model (reported, not hidden).
    pub route: Option<&'static str>,
    /// The path and query as the client sent them, sanitized: two requests
    /// for the same resource have the same text.
    pub path: OutsideText,
    /// The status answered; `None` when the connection was refused or closed
    /// without an answer (the outage).
    pub status: Option<u16>,
    /// The ClickUp `ECODE` the answer's body carried, a literal of the drill's.
    pub ecode: Option<&'static str>,
    /// The fault applied.
    pub fault: Fault,
    /// The phase the request fell in.
    pub phase: PhaseKind,
    /// The token it carried.
    pub token: TokenUsed,
    /// The rate-limit headers answered, when there were.
    pub window: Option<RateWindow>,
    /// For a read: a version of the data the answer served, which the drill
    /// world changes whenever that data changes (a global change counter is
    /// a safe choice). `None` when not a read or no data was served.
    pub data_version: Option<u64>,
    /// Whether a webhook the integration registered (and the drill had not
    /// suspended) delivers events for the data this request reads.
    pub covered_by_webhook: bool,
}

impl JournalEntry {
    /// Whether the client may retry it after a server error: its method is
    /// idempotent.
    pub fn is_retry_candidate(&self) -> bool {
        self.method.is_idempotent()
    }

    /// Whether the answer was a success (2xx).
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// Whether the answer asks for a retry later: no answer, 429 or 5xx.
    pub fn failed_transiently(&self) -> bool {
        self.status.is_none_or(|s| s == 429 || s >= 500)
    }

    /// Whether `other` asks for the same thing (method and path).
    pub fn same_request(&self, other: &JournalEntry) -> bool {
        self.method == other.method && self.path == other.path
    }
}

/// Which of the command's output streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// One line the command wrote, sanitized.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// When it was read, since the drill started.
    pub at: Duration,
    /// Where it was written.
    pub stream: Stream,
    /// The line.
    pub text: OutsideText,
}
