//! ClickUp's public status: Status.io (what status.clickup.com runs on) or
//! an Atlassian Statuspage `summary.json`, recognised from the body.
//!
//! Decoding keeps the raw level (a Status.io code or a Statuspage
//! indicator) and the names of what is not operational; what a level means
//! is the `platform` check's business. Inner shapes ClickUp has not
//! confirmed (incident and maintenance items) are read leniently.

use reqwest::Url;
use serde_json::Value;

use super::transport::Transport;
use super::{ApiError, RequestCounter};
use crate::evidence::Probe;
use crate::text::{self, OutsideText, Sanitizer};

/// Which status-page product answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPageFormat {
    /// Status.io public API (`result.status_overall`).
    StatusIo,
    /// Atlassian Statuspage `summary.json` (`status.indicator`).
    Statuspage,
}

/// The overall level exactly as the page stated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawLevel {
    /// Status.io `status_code`: 100, 200, ... 600.
    StatusIoCode(i64),
    /// Statuspage `indicator`: `none`, `minor`, `major`, `critical`, `maintenance`.
    Indicator(OutsideText),
}

/// A decoded status page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusPage {
    /// Which product answered.
    pub format: StatusPageFormat,
    /// The overall level.
    pub level: RawLevel,
    /// The page's own words for the overall level.
    pub description: OutsideText,
    /// Services or components that are not operational, as `name (status)`.
    pub affected: Vec<OutsideText>,
    /// Titles of active incidents.
    pub incidents: Vec<OutsideText>,
    /// Titles of maintenance in progress.
    pub maintenance: Vec<OutsideText>,
}

/// Fetches and decodes one status URL. No token is ever sent to it.
#[derive(Debug, Clone)]
pub struct StatusClient {
    transport: Transport,
    url: Url,
    counter: RequestCounter,
}

impl StatusClient {
    /// A client for one status URL.
    pub fn new(transport: &Transport, url: Url) -> Self {
        StatusClient { transport: transport.clone(), url, counter: RequestCounter::default() }
    }

    /// Requests sent to the status page so far.
    pub fn requests(&self) -> u64 {
        self.counter.get()
    }

    /// `GET` the status URL and decode whichever format it speaks.
    pub async fn fetch(&self) -> Probe<StatusPage> {
        let endpoint = "GET status page";
        self.counter.add();
        let (answer, elapsed) = self.transport.get(self.url.clone(), None, endpoint).await;
        let result = answer.and_then(|answer| {
            if !answer.status.is_success() {
                return Err(ApiError::Http {
                    endpoint: endpoint.to_owned(),
                    status: answer.status.as_u16(),
                    ecode: None,
                    err: None,
                });
            }
            decode(&answer.body, endpoint, self.transport.sanitizer())
        });
        tracing::debug!(elapsed_ms = elapsed.as_millis() as u64, ok = result.is_ok(), "status page exchange");
        Probe { result, elapsed, rate_limit: Default::default(), attempts: 1 }
    }
}

const EXPECTED: &str = "a Status.io status (`result.status_overall`) or a Statuspage summary (`status.indicator`)";

/// Decodes either format from raw bytes; every text through `s`.
pub fn decode(bytes: &[u8], endpoint: &str, s: &Sanitizer) -> Result<StatusPage, ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| ApiError::Decode {
        endpoint: endpoint.to_owned(),
        reason: super::body::describe_json_error(&e, EXPECTED),
    })?;
    let bad = |reason: String| ApiError::Decode { endpoint: endpoint.to_owned(), reason };
    if let Some(overall) = value.pointer("/result/status_overall") {
        let code = overall
            .get("status_code")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad("`result.status_overall.status_code` is missing or not a number".into()))?;
        return Ok(StatusPage {
            format: StatusPageFormat::StatusIo,
            level: RawLevel::StatusIoCode(code),
            description: s.line(raw(overall.get("status")), text::NAME),
            affected: status_io_affected(&value, s),
            incidents: titles(value.pointer("/result/incidents"), s),
            maintenance: titles(value.pointer("/result/maintenance/active"), s),
        });
    }
    if let Some(status) = value.get("status").filter(|s| s.is_object()) {
        let indicator = status
            .get("indicator")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("`status.indicator` is missing or not a string".into()))?;
        let in_progress = value
            .get("scheduled_maintenances")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter(|m| m.get("status").and_then(Value::as_str) == Some("in_progress"))
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .map(Value::Array);
        return Ok(StatusPage {
            format: StatusPageFormat::Statuspage,
            level: RawLevel::Indicator(s.line(indicator, text::WORD)),
            description: s.line(raw(status.get("description")), text::NAME),
            affected: statuspage_affected(&value, s),
            incidents: titles(value.get("incidents"), s),
            maintenance: titles(in_progress.as_ref(), s),
        });
    }
    Err(bad(format!("the body is not {EXPECTED}")))
}

/// A string value as the page sent it, or nothing; sanitized by the caller.
fn raw(v: Option<&Value>) -> &str {
    v.and_then(Value::as_str).unwrap_or_default()
}

/// Titles of incident-like items; an item with no recognisable title still
/// counts, so an incident is never hidden by an unexpected shape.
fn titles(items: Option<&Value>, s: &Sanitizer) -> Vec<OutsideText> {
    let Some(items) = items.and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|item| {
            ["name", "title", "incident_title", "summary"]
                .iter()
                .find_map(|key| item.get(key).and_then(Value::as_str))
                .map_or_else(|| s.line("(untitled)", text::NAME), |title| s.line(title, text::NAME))
        })
        .collect()
}

fn status_io_affected(value: &Value, s: &Sanitizer) -> Vec<OutsideText> {
    let mut out = Vec::new();
    let Some(services) = value.pointer("/result/status").and_then(Value::as_array) else {
        return out;
    };
    for service in services {
        let name = raw(service.get("name"));
        let code = service.get("status_code").and_then(Value::as_i64);
        if code.is_some_and(|c| c != 100) {
            out.push(s.line(&format!("{name} ({})", raw(service.get("status"))), text::NAME));
        }
        for container in service.get("containers").and_then(Value::as_array).into_iter().flatten() {
            let c_code = container.get("status_code").and_then(Value::as_i64);
            if c_code.is_some_and(|c| c != 100) && c_code != code {
                let c_name = raw(container.get("name"));
                let line = format!("{name} / {c_name} ({})", raw(container.get("status")));
                out.push(s.line(&line, text::NAME));
            }
        }
    }
    out
}

fn statuspage_affected(value: &Value, s: &Sanitizer) -> Vec<OutsideText> {
    let Some(components) = value.get("components").and_then(Value::as_array) else {
        return Vec::new();
    };
    components
        .iter()
        .filter_map(|c| {
            let status = c.get("status").and_then(Value::as_str)?;
            (status != "operational").then(|| s.line(&format!("{} ({status})", raw(c.get("name"))), text::NAME))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_status_io_and_lists_what_is_not_operational() {
        let body = br#"{"result":{"status_overall":{"updated":"2026-11-01T00:00:00Z","status":"Degraded Performance","status_code":300},
            "status":[{"id":"a","name":"API","status":"Degraded Performance","status_code":300,"containers":[{"id":"c","name":"US","status":"Degraded Performance","status_code":300}]},
                      {"id":"b","name":"Web App","status":"Operational","status_code":100,"containers":[{"id":"d","name":"EU","status":"Partial Service Disruption","status_code":400}]}],
            "incidents":[{"name":"Slow task loading"}],"maintenance":{"active":[],"upcoming":[]}}}"#;
        let page = decode(body, "GET status page", &Sanitizer::shapes_only()).expect("decodes");
        assert_eq!(page.format, StatusPageFormat::StatusIo);
        assert_eq!(page.level, RawLevel::StatusIoCode(300));
        assert_eq!(page.affected, vec!["API (Degraded Performance)", "Web App / EU (Partial Service Disruption)"]);
        assert_eq!(page.incidents, vec!["Slow task loading"]);
    }

    #[test]
    fn recognises_statuspage_from_the_body() {
        let body = br#"{"page":{"id":"x","name":"P"},"status":{"indicator":"major","description":"Major outage"},
            "components":[{"name":"API","status":"major_outage"},{"name":"Docs","status":"operational"}],
            "incidents":[{"name":"API down","status":"investigating"},{"impact":"major"}],
            "scheduled_maintenances":[{"name":"Later","status":"scheduled"},{"name":"Now","status":"in_progress"}]}"#;
        let page = decode(body, "GET status page", &Sanitizer::shapes_only()).expect("decodes");
        assert_eq!(page.format, StatusPageFormat::Statuspage);
        assert_eq!(page.level, RawLevel::Indicator("major".into()));
        assert_eq!(page.affected, vec!["API (major_outage)"]);
        assert_eq!(page.incidents, vec!["API down", "(untitled)"]);
        assert_eq!(page.maintenance, vec!["Now"]);
    }

    #[test]
    fn unrecognised_or_broken_bodies_are_errors() {
        for body in [
            &b"{}"[..],
            b"[]",
            b"<html>",
            br#"{"result":{"status_overall":{"status_code":"100"}}}"#,
            br#"{"status":{"description":"x"}}"#,
        ] {
            assert!(
                decode(body, "GET status page", &Sanitizer::shapes_only()).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
