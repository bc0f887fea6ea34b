//! The production checklist's 25 items (`shared/seeds`) as data: what each
//! asks, in which section, and what kind of evidence can settle it.
//! Settling them against a run is the `checklist` module's business.

use super::CheckId;

/// One checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// Stable key, used in `[attest.<id>]`.
    pub id: &'static str,
    /// The checklist section.
    pub section: &'static str,
    /// The item as the checklist states it.
    pub text: &'static str,
    /// What can settle it: a check that observes it, a check that can only
    /// refute it, this tool deployed as a probe, or a person.
    pub basis: Basis,
}

/// What evidence an item can have. Most items ask what the *integration*
/// does; a passing run of this tool is evidence of that only where a check
/// looks at the item itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The check observes the item itself: its PASS verifies the item, its
    /// FAIL keeps it failing (attested or not).
    Observed(CheckId),
    /// The check sees part of the item: its FAIL shows the item is not met,
    /// but its PASS is no proof, so a person attests.
    Refutable(CheckId),
    /// This tool provides the item when deployed as a scheduled probe with an
    /// alert on its output; a person attests that it is deployed. A check,
    /// when named, can refute the item.
    Probe(Option<CheckId>),
    /// Only a person can attest it.
    Attestation,
}

impl Basis {
    /// The check whose verdict bears on the item, when there is one.
    pub fn check(self) -> Option<CheckId> {
        match self {
            Basis::Observed(c) | Basis::Refutable(c) | Basis::Probe(Some(c)) => Some(c),
            Basis::Probe(None) | Basis::Attestation => None,
        }
    }

    /// The check whose PASS verifies the item, when one can.
    pub fn verifying_check(self) -> Option<CheckId> {
        match self {
            Basis::Observed(c) => Some(c),
            _ => None,
        }
    }

    /// The stable word for the basis, in JSON and the README.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Observed(_) => "check",
            Basis::Refutable(_) => "refutable",
            Basis::Probe(_) => "probe",
            Basis::Attestation => "attestation",
        }
    }

    /// How the README's mapping table states the basis.
    pub fn describe(self) -> String {
        match self {
            Basis::Observed(c) => format!("`{}`", c.as_str()),
            Basis::Refutable(c) => format!("attestation; `{}` can refute", c.as_str()),
            Basis::Probe(None) => "probe, then attestation".to_owned(),
            Basis::Probe(Some(c)) => format!("probe, then attestation; `{}` can refute", c.as_str()),
            Basis::Attestation => "attestation".to_owned(),
        }
    }
}

/// How to satisfy a [`Basis::Probe`] item with this tool.
pub const PROBE_HINT: &str = "satisfy with: clickup-preflight check --output prometheus=PATH from cron, \
     an alert on its metrics, then attest";

const AUTH: &str = "Authentication & Secrets";
const ERRORS: &str = "Error Handling";
const RATES: &str = "Rate Limits";
const MONITORING: &str = "Monitoring";
const HOOKS: &str = "Webhooks";

const fn entry(id: &'static str, section: &'static str, text: &'static str, basis: Basis) -> Item {
    Item { id, section, text, basis }
}

use Basis::{Attestation, Observed, Probe, Refutable};

/// Every item, in the checklist's order. Each basis is a deliberate claim
/// about what the check sees (see the README's checklist section).
pub const ITEMS: [Item; 25] = [
    // `token` sees how this run got its token, not how production stores it.
    entry(
        "secrets-manager",
        AUTH,
        "Production API token stored in secrets manager (not env files)",
        Refutable(CheckId::Token),
    ),
    // `token` asks ClickUp whose token it is and compares `service_account`.
    entry(
        "service-account",
        AUTH,
        "Token uses a service account, not a personal user account",
        Observed(CheckId::Token),
    ),
    // `secrets` reads .gitignore and the hooks of the repository itself.
    entry(
        "env-ignored-and-hook",
        AUTH,
        ".env files in .gitignore; pre-commit hook catches pk_* patterns",
        Observed(CheckId::Secrets),
    ),
    entry("token-rotation", AUTH, "Token rotation procedure documented and tested", Attestation),
    // A clean repository does not prove the bundle built and deployed is clean.
    entry(
        "oauth-secret-server-side",
        AUTH,
        "OAuth client secret server-side only (never in client bundle)",
        Refutable(CheckId::Secrets),
    ),
    entry("handles-401-429-500", ERRORS, "All API calls handle 401 (re-auth), 429 (backoff), 500 (retry)", Attestation),
    entry("backoff-with-jitter", ERRORS, "Exponential backoff with jitter on rate limits", Attestation),
    entry("ecode-parsed", ERRORS, "ClickUp-specific error codes parsed (ECODE field in responses)", Attestation),
    entry("circuit-breaker", ERRORS, "Circuit breaker pattern prevents cascade failures", Attestation),
    entry("graceful-degradation", ERRORS, "Graceful degradation when ClickUp API is down", Attestation),
    entry("plan-limit-known", RATES, "Know your plan's limit (100/1K/10K req/min)", Attestation),
    // The probe exports X-RateLimit-Remaining; one run of it is not monitoring.
    entry("rate-limit-headers-monitored", RATES, "Rate limit headers monitored (X-RateLimit-Remaining)", Probe(None)),
    entry("request-queuing", RATES, "Request queuing prevents burst overruns", Attestation),
    entry("caching", RATES, "Caching reduces unnecessary API calls", Attestation),
    entry("webhooks-over-polling", RATES, "Webhooks replace polling where possible", Attestation),
    entry("health-check", MONITORING, "Health check endpoint verifies ClickUp connectivity", Probe(None)),
    // The probe times its own requests per endpoint; the integration's own tracking is attested.
    entry("latency-tracked", MONITORING, "API latency tracked per endpoint", Attestation),
    entry("error-rate-alerting", MONITORING, "Error rate alerting (>5% triggers P2)", Attestation),
    entry("rate-limit-alerting", MONITORING, "Rate limit remaining alerting (<10% triggers warning)", Probe(None)),
    entry("structured-logging", MONITORING, "Structured logging with request/response metadata", Attestation),
    // `webhooks` reads every registered endpoint's scheme.
    entry("webhook-https", HOOKS, "Endpoint uses HTTPS", Observed(CheckId::Webhooks)),
    // `webhook-endpoint` times the receiver's answer to a real delivery.
    entry("webhook-fast-200", HOOKS, "Responds with 200 within 30 seconds", Observed(CheckId::WebhookEndpoint)),
    // A 2xx to a duplicate does not show it was not processed twice.
    entry("webhook-idempotent", HOOKS, "Idempotent processing (tracks history_items[].id)", Attestation),
    // A slow answer refutes it; a fast one does not show the processing is async.
    entry("webhook-async", HOOKS, "Async processing after immediate 200 response", Refutable(CheckId::WebhookEndpoint)),
    // The probe alarms on suspension; a suspended webhook now refutes it.
    entry(
        "webhook-auto-disable",
        HOOKS,
        "Handles ClickUp auto-disable (re-register if needed)",
        Probe(Some(CheckId::Webhooks)),
    ),
];

/// The item with this id.
pub fn item_by_id(id: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|i| i.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_five_unique_items_in_five_sections() {
        let ids: std::collections::HashSet<&str> = ITEMS.iter().map(|i| i.id).collect();
        assert_eq!(ids.len(), 25);
        for section in [AUTH, ERRORS, RATES, MONITORING, HOOKS] {
            assert_eq!(ITEMS.iter().filter(|i| i.section == section).count(), 5, "{section}");
        }
    }
}
