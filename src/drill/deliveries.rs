//! What the drill world did with the integration's own webhooks: which it
//! registered, every signed event delivered to them and how each was
//! answered, and when the drill suspended them. Plain data, filled in by the
//! drill world (the sandbox) and read by the webhook judges.

use std::time::Duration;

use crate::model::OutsideText;

/// The drill's record of the integration's webhooks, in the order things
/// happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Webhooks {
    /// Every webhook the integration registered, delivered to or not.
    pub registrations: Vec<Registration>,
    /// Every delivery the drill made, answered or still waiting.
    pub deliveries: Vec<Delivery>,
    /// Every suspension the drill played, and how each ended.
    pub suspensions: Vec<Suspension>,
}

/// One `POST /team/{id}/webhook` the world accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// When it was accepted, since the drill started.
    pub at: Duration,
    /// The webhook's id, as the world answered it.
    pub webhook: OutsideText,
    /// Whether the drill delivers to it, or why not.
    pub reach: Reach,
}

/// Whether the drill delivers events to a registered webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Its endpoint is on loopback and it subscribes to an event the world
    /// produces: the drill delivers to it.
    Delivered,
    /// Its endpoint is not on loopback: the drill never contacts it.
    NotLoopback,
    /// Its endpoint is on loopback but not plain `http://`: the drill
    /// delivers without TLS only, so it never contacts it.
    NotPlainHttp,
    /// It subscribes to no event the world produces (task changes), or
    /// filters on a location the world does not have.
    NoDrillEvents,
}

impl Reach {
    /// The reach as reports say it.
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Delivered => "delivered to",
            Reach::NotLoopback => "not on loopback, never contacted",
            Reach::NotPlainHttp => "not plain http:// on loopback, never contacted",
            Reach::NoDrillEvents => "subscribed to no event the drill produces",
        }
    }
}

impl std::fmt::Display for Reach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The program's own words for a reach.
impl crate::model::Shown for Reach {}

/// Why the drill sent a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryKind {
    /// One event on its own.
    Single,
    /// A delivery sent again: the same payload and history item id as an
    /// earlier one, as ClickUp re-sends.
    Duplicate,
    /// One of many events delivered at once.
    Burst,
}

impl DeliveryKind {
    /// The kind as reports say it.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Single => "single",
            DeliveryKind::Duplicate => "duplicate",
            DeliveryKind::Burst => "burst",
        }
    }
}

impl std::fmt::Display for DeliveryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The program's own word for a kind.
impl crate::model::Shown for DeliveryKind {}

/// How the integration's receiver answered one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryAnswer {
    /// An HTTP status.
    Status(u16),
    /// No answer within the drill's limit (ClickUp's 7 s unless a test
    /// shrinks it); the latency is the limit.
    TimedOut,
    /// Refused, or the connection closed without an answer.
    NoAnswer,
    /// Still waiting when the journal was read; the latency is the wait so far.
    Pending,
}

impl DeliveryAnswer {
    /// The status, when there was one.
    pub fn status(self) -> Option<u16> {
        match self {
            DeliveryAnswer::Status(status) => Some(status),
            _ => None,
        }
    }

    /// Whether the receiver acknowledged it (2xx), however late.
    pub fn acknowledged(self) -> bool {
        self.status().is_some_and(|s| (200..300).contains(&s))
    }
}

impl std::fmt::Display for DeliveryAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeliveryAnswer::Status(status) => write!(f, "{status}"),
            DeliveryAnswer::TimedOut => f.write_str("no answer (timed out)"),
            DeliveryAnswer::NoAnswer => f.write_str("no answer (refused or closed)"),
            DeliveryAnswer::Pending => f.write_str("no answer yet"),
        }
    }
}

/// A status or the program's own words.
impl crate::model::Shown for DeliveryAnswer {}

/// One signed event the drill delivered to a webhook of the integration.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// When it was sent, since the drill started.
    pub at: Duration,
    /// The webhook it was delivered to.
    pub webhook: OutsideText,
    /// The event (`taskCreated`, `taskStatusUpdated`...).
    pub event: &'static str,
    /// The task the event is about, which the integration may then read.
    pub task_id: OutsideText,
    /// The payload's `history_items[0].id`, the idempotency key.
    pub history_id: OutsideText,
    /// Why it was sent.
    pub kind: DeliveryKind,
    /// How the receiver answered.
    pub answer: DeliveryAnswer,
    /// From sending to the end of the answer (or to the time-out, the
    /// failure, or the journal's reading).
    pub latency: Duration,
}

/// The drill marked a webhook `suspended` in the listing and stopped
/// delivering to it, as ClickUp does after failures.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspension {
    /// When, since the drill started.
    pub at: Duration,
    /// Which webhook.
    pub webhook: OutsideText,
    /// How the integration brought it back, if it did.
    pub recovery: Option<Recovery>,
}

/// How and when the integration made up for a suspension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recovery {
    /// When, since the drill started.
    pub at: Duration,
    /// What it did.
    pub how: RecoveryKind,
}

/// What the integration did about a suspended webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryKind {
    /// `PUT /webhook/{id}` with `status: active`.
    Reactivated,
    /// A new `POST /team/{id}/webhook`.
    Reregistered,
}

impl RecoveryKind {
    /// The recovery as reports say it.
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryKind::Reactivated => "reactivated it",
            RecoveryKind::Reregistered => "registered a new webhook",
        }
    }
}

impl std::fmt::Display for RecoveryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The program's own words for a recovery.
impl crate::model::Shown for RecoveryKind {}
