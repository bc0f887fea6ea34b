//! ClickUp's public status: Status.io (what status.clickup.com runs on) or
//! an Atlassian Statuspage `summary.json`, recognised from the body.
//!
//! Decoding keeps the raw level (a Status.io code or a Statuspage
//! indicator) and the names of what is not operational; what a level means
//! is the `platform` check's business. Inner shapes ClickUp has not
//! confirmed (incident and maintenance items) are read leniently.

use reqwest::Url;
use serde_json::Value;

use super::Probe;
use super::transport::Transport;
use super::{ApiError, RequestCounter};
use crate::text::{self, OutsideText, Sanitizer};

/// Which status-page product answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPageFormat {
    /// Status.io public API (`result.status_overall`).
    StatusIo,
    /// Atlassian Statuspage `summary.json` (`status.indicator`).
    Statuspage,
}

/// A level exactly as the page stated it: of the whole page, of one of its
/// parts, or an incident's impact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawLevel {
    /// Status.io `status_code`: 100, 200, ... 600.
    StatusIoCode(i64),
    /// Statuspage `indicator` (and incident `impact`): `none`, `minor`,
    /// `major`, `critical`, `maintenance`.
    Indicator(OutsideText),
    /// Statuspage component `status`: `operational`, `degraded_performance`,
    /// `partial_outage`, `major_outage`, `under_maintenance`.
    Component(OutsideText),
}

/// A service, container or component the page says is not operational.
/// Kept with its own level because a page's headline can lag its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// `service` or `service / container`.
    pub name: OutsideText,
    /// The page's own words for its state.
    pub words: OutsideText,
    /// Its level.
    pub level: RawLevel,
}

/// An incident the page lists as not resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// Its title, or `(untitled)`: an unexpected shape never hides it.
    pub title: OutsideText,
    /// Its stated impact (Statuspage `impact`), when there is one.
    pub impact: Option<RawLevel>,
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
    /// Services, containers or components that are not operational.
    pub affected: Vec<Part>,
    /// Incidents not resolved.
    pub incidents: Vec<Incident>,
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

/// Decodes either format from raw bytes. A key given twice in one object
/// with different values (two `status_code`s, two `indicator`s) is a decode
/// error: which one the page meant cannot be known, and serde_json alone
/// would silently keep the last.
pub fn decode(bytes: &[u8], endpoint: &str, s: &Sanitizer) -> Result<StatusPage, ApiError> {
    let value: Value = super::body::decode_unambiguous(bytes, endpoint, EXPECTED)?;
    let bad = |reason: String| ApiError::Decode { endpoint: endpoint.to_owned(), reason };
    if let Some(overall) = value.pointer("/result/status_overall") {
        let code = overall
            .get("status_code")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad("`result.status_overall.status_code` is missing or not a number".into()))?;
        return Ok(StatusPage {
            format: StatusPageFormat::StatusIo,
            level: RawLevel::StatusIoCode(code),
            description: field(overall.get("status"), s),
            affected: status_io_affected(&value, s),
            incidents: active_incidents(value.pointer("/result/incidents"), s),
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
            description: field(status.get("description"), s),
            affected: statuspage_affected(&value, s),
            incidents: active_incidents(value.get("incidents"), s),
            maintenance: titles(in_progress.as_ref(), s),
        });
    }
    Err(bad(format!("the body is not {EXPECTED}")))
}

/// A string value as the page sent it, or nothing; sanitized by the caller.
fn raw(v: Option<&Value>) -> &str {
    v.and_then(Value::as_str).unwrap_or_default()
}

/// A name-like field, sanitized.
fn field(v: Option<&Value>, s: &Sanitizer) -> OutsideText {
    s.line(raw(v), text::NAME)
}

/// An item's title; an item with no recognisable title still counts, so an
/// incident is never hidden by an unexpected shape.
fn title(item: &Value, s: &Sanitizer) -> OutsideText {
    let found =
        ["name", "title", "incident_title", "summary"].iter().find_map(|key| item.get(key).and_then(Value::as_str));
    s.line(found.unwrap_or("(untitled)"), text::NAME)
}

fn titles(items: Option<&Value>, s: &Sanitizer) -> Vec<OutsideText> {
    items.and_then(Value::as_array).into_iter().flatten().map(|item| title(item, s)).collect()
}

/// Incidents not marked resolved. Their inner shape is not confirmed for
/// ClickUp's page, so anything listed counts unless it says it is over;
/// a textual `impact` (Statuspage's) is kept for the verdict.
fn active_incidents(items: Option<&Value>, s: &Sanitizer) -> Vec<Incident> {
    const OVER: [&str; 3] = ["resolved", "postmortem", "completed"];
    items
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|item| !item.get("status").and_then(Value::as_str).is_some_and(|st| OVER.contains(&st)))
        .map(|item| Incident {
            title: title(item, s),
            impact: item.get("impact").and_then(Value::as_str).map(|i| RawLevel::Indicator(s.line(i, text::WORD))),
        })
        .collect()
}

/// Services and containers whose code is not 100. A container is listed
/// when its code differs from its service's (the same state twice says
/// nothing new).
fn status_io_affected(value: &Value, s: &Sanitizer) -> Vec<Part> {
    let mut out = Vec::new();
    let Some(services) = value.pointer("/result/status").and_then(Value::as_array) else {
        return out;
    };
    for service in services {
        let name = raw(service.get("name"));
        let code = service.get("status_code").and_then(Value::as_i64);
        if let Some(c) = code.filter(|c| *c != 100) {
            out.push(Part {
                name: s.line(name, text::NAME),
                words: field(service.get("status"), s),
                level: RawLevel::StatusIoCode(c),
            });
        }
        for container in service.get("containers").and_then(Value::as_array).into_iter().flatten() {
            let c_code = container.get("status_code").and_then(Value::as_i64);
            if let Some(c) = c_code.filter(|c| *c != 100 && Some(*c) != code) {
                out.push(Part {
                    name: s.line(&format!("{name} / {}", raw(container.get("name"))), text::NAME),
                    words: field(container.get("status"), s),
                    level: RawLevel::StatusIoCode(c),
                });
            }
        }
    }
    out
}

fn statuspage_affected(value: &Value, s: &Sanitizer) -> Vec<Part> {
    let Some(components) = value.get("components").and_then(Value::as_array) else {
        return Vec::new();
    };
    components
        .iter()
        .filter_map(|c| {
            let status = c.get("status").and_then(Value::as_str)?;
            (status != "operational").then(|| Part {
                name: field(c.get("name"), s),
                words: s.line(status, text::WORD),
                level: RawLevel::Component(s.line(status, text::WORD)),
            })
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
        let affected: Vec<(&str, &RawLevel)> = page.affected.iter().map(|p| (p.name.as_str(), &p.level)).collect();
        assert_eq!(
            affected,
            vec![("API", &RawLevel::StatusIoCode(300)), ("Web App / EU", &RawLevel::StatusIoCode(400))]
        );
        assert_eq!(page.affected[1].words, "Partial Service Disruption");
        assert_eq!(page.incidents, vec![Incident { title: "Slow task loading".into(), impact: None }]);
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
        assert_eq!(
            page.affected,
            vec![Part {
                name: "API".into(),
                words: "major_outage".into(),
                level: RawLevel::Component("major_outage".into())
            }]
        );
        let incidents: Vec<(&str, Option<&RawLevel>)> =
            page.incidents.iter().map(|i| (i.title.as_str(), i.impact.as_ref())).collect();
        assert_eq!(incidents, vec![("API down", None), ("(untitled)", Some(&RawLevel::Indicator("major".into())))]);
        assert_eq!(page.maintenance, vec!["Now"]);
    }

    #[test]
    fn resolved_incidents_are_not_active() {
        let body = br#"{"status":{"indicator":"none","description":"All Systems Operational"},"components":[],
            "incidents":[{"name":"Old","status":"resolved","impact":"major"},{"name":"Done","status":"postmortem"},{"name":"Open","status":"monitoring"}]}"#;
        let page = decode(body, "GET status page", &Sanitizer::shapes_only()).expect("decodes");
        assert_eq!(page.incidents.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(), vec!["Open"]);
    }

    #[test]
    fn a_level_given_twice_with_different_values_is_an_error() {
        for body in [
            &br#"{"result":{"status_overall":{"status":"Operational","status_code":500,"status_code":100}}}"#[..],
            br#"{"status":{"indicator":"major","indicator":"none"}}"#,
            br#"{"result":{"status_overall":{"status_code":100},"status":[{"name":"API","status_code":500,"status_code":100}]}}"#,
        ] {
            let err = decode(body, "GET status page", &Sanitizer::shapes_only()).expect_err("ambiguous").to_string();
            assert!(err.contains("duplicate key") && err.contains("with different values"), "{err}");
        }
        let same = br#"{"status":{"indicator":"none","indicator":"none"}}"#;
        assert_eq!(
            decode(same, "GET status page", &Sanitizer::shapes_only()).map(|p| p.level).ok(),
            Some(RawLevel::Indicator("none".into()))
        );
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
