//! `[webhooks]` in `checks.toml`: the webhooks a deployment expects, and the
//! receivers to probe, validated into typed values.

use std::path::PathBuf;

use reqwest::Url;

use super::{ConfigError, LoadedFile};
use crate::checks::webhooks::{ExpectedWebhook, normalise_endpoint};
use crate::client::{LocationFilter, WEBHOOK_EVENTS, is_known_event};
use crate::text::{self, Sanitizer};

/// Where a receiver's signing secret is read from. The secret itself is
/// read by the caller at run time and never kept in settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable's name.
    Env(String),
    /// A file.
    File(PathBuf),
}

/// A receiver of the team's to send test deliveries to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeTarget {
    /// The receiver's URL (https, or http on loopback).
    pub endpoint: Url,
    /// Where the signing secret comes from.
    pub secret: SecretSource,
}

/// Validates `[[webhooks.expect]]`.
pub(super) fn expected(file: &LoadedFile) -> Result<Vec<ExpectedWebhook>, ConfigError> {
    let entries = file.config.webhooks.as_ref().and_then(|w| w.expect.as_ref());
    let mut out = Vec::new();
    for (i, e) in entries.into_iter().flatten().enumerate() {
        let bad = |key: &str, message: String| file.invalid_in(Some("webhooks.expect"), Some(i), key, message);
        if e.endpoint.trim().is_empty() {
            return Err(bad("endpoint", "expected the delivery URL, e.g. \"https://api.example.com/clickup\"".into()));
        }
        if e.events.is_empty() {
            return Err(bad("events", "expected at least one event, e.g. [\"taskCreated\"]".into()));
        }
        if let Some(unknown) = e.events.iter().find(|ev| !is_known_event(ev)) {
            let shown = crate::redact::scrub_token_like(unknown);
            return Err(bad(
                "events",
                format!(
                    "`{shown}` is not a ClickUp webhook event; expected `*` or one of {}",
                    WEBHOOK_EVENTS.join(", ")
                ),
            ));
        }
        if let Some(ws) = e.workspace.as_deref().filter(|w| w.is_empty() || !w.chars().all(|c| c.is_ascii_digit())) {
            let shown = crate::redact::scrub_token_like(ws);
            return Err(bad("workspace", format!("workspace ids are digits, like \"9012345\"; got \"{shown}\"")));
        }
        // Read before any secret is known: token shapes are masked.
        let sanitizer = Sanitizer::shapes_only();
        let id = |id: &Option<String>| id.as_deref().map(|id| sanitizer.line(id, text::ID));
        out.push(ExpectedWebhook {
            endpoint: sanitizer.line(&normalise_endpoint(&e.endpoint), text::URL),
            events: e.events.iter().map(|ev| sanitizer.line(ev, text::WORD)).collect(),
            workspace: id(&e.workspace),
            location: LocationFilter {
                space_id: id(&e.space_id),
                folder_id: id(&e.folder_id),
                list_id: id(&e.list_id),
                task_id: id(&e.task_id),
            },
        });
    }
    Ok(out)
}

/// Validates `[[webhooks.probe]]`.
pub(super) fn probes(file: &LoadedFile) -> Result<Vec<ProbeTarget>, ConfigError> {
    let entries = file.config.webhooks.as_ref().and_then(|w| w.probe.as_ref());
    let mut out = Vec::new();
    for (i, p) in entries.into_iter().flatten().enumerate() {
        let bad = |key: &str, message: String| file.invalid_in(Some("webhooks.probe"), Some(i), key, message);
        let endpoint = Url::parse(p.endpoint.trim()).map_err(|e| {
            bad("endpoint", format!("not a URL ({e}); expected e.g. \"https://api.example.com/clickup\""))
        })?;
        match endpoint.scheme() {
            "https" => {}
            "http" if super::is_loopback(&endpoint) => {}
            _ => return Err(bad("endpoint", "expected an https:// URL (http:// only on loopback, for tests)".into())),
        }
        let secret = match (&p.secret_env, &p.secret_file) {
            (Some(name), None) if !name.trim().is_empty() => SecretSource::Env(name.trim().to_owned()),
            (None, Some(path)) => SecretSource::File(path.clone()),
            _ => {
                let key = if p.secret_env.is_some() { "secret_env" } else { "endpoint" };
                return Err(bad(key, "give the signing secret by exactly one of `secret_env` or `secret_file`".into()));
            }
        };
        out.push(ProbeTarget { endpoint, secret });
    }
    Ok(out)
}
