//! The closed registry of checks and the types every check speaks.
//!
//! Each check lives in its own module and exposes one pure function,
//! `evaluate(&Evidence, &CheckConfig) -> Outcome`: no I/O, no clock, no
//! printing. An outcome's text is a [`Message`]: the compiler refuses text
//! that did not pass the sanitizer. [`CheckId`] is matched exhaustively in [`evaluate`], so a new
//! check does not compile until it is wired. Words such as `PASS` appear only
//! in renderers; here statuses are typed and ordered.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod api_error;
pub mod auth;
pub mod latency;
pub mod platform;
pub mod rate_limit;
pub mod secrets;
pub mod token;
pub mod webhook_endpoint;
pub mod webhooks;
pub mod workspaces;

use crate::config::CheckConfig;
use crate::evidence::Evidence;
pub use crate::model::Message;
pub use crate::model::{
    Bounds, CheckId, FileLocation, Gate, Metric, MetricKey, OptIns, Outcome, Severity, Status, Threshold,
};

/// Runs one check's pure evaluation. Exhaustive on purpose.
pub fn evaluate(id: CheckId, evidence: &Evidence, cfg: &CheckConfig) -> Outcome {
    match id {
        CheckId::Auth => auth::evaluate(evidence, cfg),
        CheckId::RateLimit => rate_limit::evaluate(evidence, cfg),
        CheckId::Latency => latency::evaluate(evidence, cfg),
        CheckId::Workspaces => workspaces::evaluate(evidence, cfg),
        CheckId::Platform => platform::evaluate(evidence, cfg),
        CheckId::Webhooks => webhooks::evaluate(evidence, cfg),
        CheckId::WebhookEndpoint => webhook_endpoint::evaluate(evidence, cfg),
        CheckId::Secrets => secrets::evaluate(evidence, cfg),
        CheckId::Token => token::evaluate(evidence, cfg),
    }
}
