//! `platform`: ClickUp's own public status, from Status.io (the default,
//! what status.clickup.com runs on) or an Atlassian Statuspage summary.
//!
//! The verdict is the worst of everything the page says: its headline, each
//! service, container or component, every unresolved incident and any
//! maintenance in progress. A headline can lag its parts (Status.io's
//! overall code stays 100 while a service is down), so a part that
//! disagrees is named in the summary. An unknown level is ERROR: a status
//! page that changes its vocabulary must not read as "operational".

use super::{CheckId, EVIDENCE_MISSING, Finding, FindingCode, Message, Needs, Outcome, Status};
use crate::client::{RawLevel, StatusPage, StatusPageFormat};
use crate::evidence::Evidence;
use crate::message;

const ID: CheckId = CheckId::Platform;

/// The status page could not be fetched or read (ERROR).
pub const STATUS_UNKNOWN: FindingCode = "platform-status-unknown";
/// The page uses a level this tool does not know (ERROR).
pub const LEVEL_UNKNOWN: FindingCode = "platform-level-unknown";
/// The headline or a service is degraded or down (WARN or FAIL).
pub const DEGRADED: FindingCode = "platform-degraded";
/// An unresolved incident (WARN, or FAIL by its impact).
pub const INCIDENT: FindingCode = "platform-incident";
/// Maintenance in progress (WARN).
pub const MAINTENANCE: FindingCode = "platform-maintenance";

/// Every finding code `platform` reports (public API).
pub const CODES: &[FindingCode] = &[EVIDENCE_MISSING, STATUS_UNKNOWN, LEVEL_UNKNOWN, DEGRADED, INCIDENT, MAINTENANCE];

/// Status.io's codes: 100 operational; 200 planned maintenance and 300
/// degraded performance warn (ClickUp works, slower or partly paused on
/// schedule); 400, 500 and 600 (partial disruption, disruption, security
/// event) fail: requests will fail or must not be trusted.
pub fn status_io_verdict(code: i64) -> Option<Status> {
    match code {
        100 => Some(Status::Pass),
        200 | 300 => Some(Status::Warn),
        400 | 500 | 600 => Some(Status::Fail),
        _ => None,
    }
}

/// Statuspage's indicators (and incident impacts): `none` passes, `minor`
/// and `maintenance` warn, `major` and `critical` fail.
pub fn indicator_verdict(indicator: &str) -> Option<Status> {
    match indicator {
        "none" => Some(Status::Pass),
        "minor" | "maintenance" => Some(Status::Warn),
        "major" | "critical" => Some(Status::Fail),
        _ => None,
    }
}

/// Statuspage's component states, on the same scale as Status.io's codes:
/// degraded performance and maintenance warn, any outage fails.
pub fn component_verdict(status: &str) -> Option<Status> {
    match status {
        "operational" => Some(Status::Pass),
        "degraded_performance" | "under_maintenance" => Some(Status::Warn),
        "partial_outage" | "major_outage" => Some(Status::Fail),
        _ => None,
    }
}

/// What one stated level means; `None` for a word or code nobody documents.
pub fn level_verdict(level: &RawLevel) -> Option<Status> {
    match level {
        RawLevel::StatusIoCode(code) => status_io_verdict(*code),
        RawLevel::Indicator(ind) => indicator_verdict(ind),
        RawLevel::Component(status) => component_verdict(status),
    }
}

fn describe_level(level: &RawLevel) -> Message {
    match level {
        RawLevel::StatusIoCode(code) => message!("status code {}", code),
        RawLevel::Indicator(ind) => message!("indicator `{}`", ind),
        RawLevel::Component(status) => message!("component status `{}`", status),
    }
}

/// The worst level among one kind of thing the page lists, and its entries.
struct Listed {
    status: Status,
    heading: &'static str,
    entries: Vec<Message>,
}

impl Listed {
    fn text(&self) -> Message {
        message!("{}: {}", self.heading, Message::join(&self.entries, ", "))
    }
}

/// Every part, incident and maintenance, judged. An unresolved incident
/// warns at least (ClickUp says something is wrong), and fails when its
/// stated impact does; maintenance in progress warns, like code 200. Each
/// non-operational entry is also one finding.
fn judge_parts(page: &StatusPage, findings: &mut Vec<Finding>) -> Vec<Listed> {
    let mut affected = Listed { status: Status::Pass, heading: "affected", entries: Vec::new() };
    for part in &page.affected {
        let status = level_verdict(&part.level).unwrap_or(Status::Error);
        affected.status = affected.status.max(status);
        let entry = match status {
            Status::Error => message!("{} (unknown {})", part.name, describe_level(&part.level)),
            _ => message!("{} ({})", part.name, part.words),
        };
        match status {
            Status::Error => findings.push(Finding::new(LEVEL_UNKNOWN, status, entry.clone())),
            Status::Warn | Status::Fail => findings.push(Finding::new(DEGRADED, status, entry.clone())),
            Status::Pass | Status::Skip => {}
        }
        affected.entries.push(entry);
    }
    let mut incidents = Listed { status: Status::Pass, heading: "incidents", entries: Vec::new() };
    for incident in &page.incidents {
        let impact = incident.impact.as_ref().and_then(level_verdict).unwrap_or(Status::Warn);
        incidents.status = incidents.status.max(impact.max(Status::Warn));
        findings.push(Finding::new(INCIDENT, impact.max(Status::Warn), &incident.title));
        incidents.entries.push(Message::from(&incident.title));
    }
    findings.extend(page.maintenance.iter().map(|m| Finding::new(MAINTENANCE, Status::Warn, m)));
    let maintenance = Listed {
        status: if page.maintenance.is_empty() { Status::Pass } else { Status::Warn },
        heading: "maintenance in progress",
        entries: page.maintenance.iter().map(Message::from).collect(),
    };
    [affected, incidents, maintenance].into_iter().filter(|l| !l.entries.is_empty()).collect()
}

/// The status page alone: no token, no ClickUp API request.
pub fn needs() -> Needs {
    Needs { status_page: true, ..Needs::NONE }
}

/// Evaluates the status page.
pub fn evaluate(evidence: &Evidence) -> Outcome {
    let Some(probe) = &evidence.status_page else {
        return Outcome::new(ID, Status::Error, "the status page was not fetched").found(EVIDENCE_MISSING);
    };
    let page = match &probe.result {
        Ok(page) => page,
        Err(error) => {
            // Only an answer in the wrong shape means the URL is not a status API.
            let hint = if super::api_error::is_unreachable(error) {
                super::api_error::unreachable_hint(error, "--status-url")
            } else {
                Message::from("point --status-url at a Status.io status API or a Statuspage summary.json")
            };
            return Outcome::new(ID, Status::Error, message!("status unknown: {}", error))
                .found(STATUS_UNKNOWN)
                .hint(hint)
                .took(probe.elapsed);
        }
    };
    let level = describe_level(&page.level);
    let source = match page.format {
        StatusPageFormat::StatusIo => "Status.io",
        StatusPageFormat::Statuspage => "Statuspage",
    };
    let Some(headline) = level_verdict(&page.level) else {
        return Outcome::new(
            ID,
            Status::Error,
            message!("unknown {} {}; cannot tell whether ClickUp is operational", source, level),
        )
        .found(LEVEL_UNKNOWN)
        .took(probe.elapsed);
    };
    let mut findings = Vec::new();
    if headline > Status::Pass {
        findings.push(Finding::new(DEGRADED, headline, message!("ClickUp reports: {} ({})", page.description, level)));
    }
    let listed = judge_parts(page, &mut findings);
    let worst = listed.iter().map(|l| l.status).fold(headline, Status::max);
    let description = if page.description.is_empty() { level.clone() } else { Message::from(&page.description) };
    let listed = Message::join(listed.iter().map(Listed::text), "; ");
    let summary = if worst > headline {
        message!("ClickUp's headline says {} ({}), but the page also lists: {}", description, level, listed)
    } else if listed.is_empty() {
        message!("ClickUp reports: {}", description)
    } else {
        message!("ClickUp reports: {}; {}", description, listed)
    };
    let mut o = Outcome::new(ID, worst, summary).took(probe.elapsed).detail(message!("source: {}, {}", source, level));
    o.findings = findings;
    if worst == Status::Error {
        o = o.hint("the status page uses a level this tool does not know: read the page itself before trusting it");
    } else if worst != Status::Pass {
        o = o.hint("a ClickUp-side problem: hold the deploy or expect degraded behaviour, and make sure the integration degrades gracefully");
    }
    o
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::client::{ApiError, Incident, Part, StatusPage};
    use crate::evidence::Probe;

    fn page(format: StatusPageFormat, level: RawLevel) -> StatusPage {
        StatusPage {
            format,
            level,
            description: Default::default(),
            affected: vec![],
            incidents: vec![],
            maintenance: vec![],
        }
    }

    fn run(result: Result<StatusPage, ApiError>) -> Outcome {
        let probe = Probe { result, elapsed: Duration::from_millis(30), rate_limit: Default::default(), attempts: 1 };
        evaluate(&Evidence { status_page: Some(probe), ..Evidence::default() })
    }

    #[test]
    fn status_io_codes_map_to_verdicts() {
        let expected = [
            (100, Status::Pass),
            (200, Status::Warn),
            (300, Status::Warn),
            (400, Status::Fail),
            (500, Status::Fail),
            (600, Status::Fail),
            (150, Status::Error),
            (0, Status::Error),
        ];
        for (code, status) in expected {
            assert_eq!(
                run(Ok(page(StatusPageFormat::StatusIo, RawLevel::StatusIoCode(code)))).status,
                status,
                "{code}"
            );
        }
    }

    #[test]
    fn statuspage_indicators_map_to_verdicts() {
        let expected = [
            ("none", Status::Pass),
            ("minor", Status::Warn),
            ("maintenance", Status::Warn),
            ("major", Status::Fail),
            ("critical", Status::Fail),
            ("unknown", Status::Error),
        ];
        for (ind, status) in expected {
            assert_eq!(
                run(Ok(page(StatusPageFormat::Statuspage, RawLevel::Indicator(ind.into())))).status,
                status,
                "{ind}"
            );
        }
    }

    fn part(name: &str, words: &str, level: RawLevel) -> Part {
        Part { name: name.into(), words: words.into(), level }
    }

    fn incident(title: &str, impact: Option<&str>) -> Incident {
        Incident { title: title.into(), impact: impact.map(|i| RawLevel::Indicator(i.into())) }
    }

    fn operational_status_io() -> StatusPage {
        StatusPage {
            description: "Operational".into(),
            ..page(StatusPageFormat::StatusIo, RawLevel::StatusIoCode(100))
        }
    }

    #[test]
    fn summary_names_affected_services_and_incidents() {
        let mut p = page(StatusPageFormat::StatusIo, RawLevel::StatusIoCode(500));
        p.description = "Service Disruption".into();
        p.affected = vec![part("API", "Service Disruption", RawLevel::StatusIoCode(500))];
        p.incidents = vec![incident("Tasks failing to load", None)];
        let o = run(Ok(p));
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.summary,
            "ClickUp reports: Service Disruption; affected: API (Service Disruption); incidents: Tasks failing to load"
        );
    }

    #[test]
    fn an_operational_headline_passes_only_when_nothing_else_disagrees() {
        let o = run(Ok(operational_status_io()));
        assert_eq!((o.status, o.summary.as_str()), (Status::Pass, "ClickUp reports: Operational"));
        assert_eq!(o.hint, None);
    }

    #[test]
    fn a_part_worse_than_the_headline_decides_and_is_named() {
        let cases = [
            (200, "Planned Maintenance", Status::Warn),
            (300, "Degraded Performance", Status::Warn),
            (400, "Partial Service Disruption", Status::Fail),
            (500, "Service Disruption", Status::Fail),
            (600, "Security Event", Status::Fail),
        ];
        for (code, words, expected) in cases {
            let mut p = operational_status_io();
            p.affected = vec![part("API / EU", words, RawLevel::StatusIoCode(code))];
            let o = run(Ok(p));
            assert_eq!(o.status, expected, "{code}");
            assert_eq!(
                o.summary,
                message!(
                    "ClickUp's headline says Operational (status code 100), but the page also lists: affected: API / EU ({})",
                    words
                )
            );
        }
        let mut p = operational_status_io();
        p.affected = vec![part("API", "Sideways", RawLevel::StatusIoCode(450))];
        let o = run(Ok(p));
        assert_eq!(o.status, Status::Error, "an unknown code on a part is not a pass");
        assert!(o.summary.contains("API (unknown status code 450)"), "{}", o.summary);
    }

    #[test]
    fn an_active_incident_or_maintenance_under_an_operational_headline_is_not_a_pass() {
        let mut p = operational_status_io();
        p.incidents = vec![incident("Webhooks delayed", None)];
        let o = run(Ok(p));
        assert_eq!(o.status, Status::Warn);
        assert!(o.summary.ends_with("but the page also lists: incidents: Webhooks delayed"), "{}", o.summary);
        let mut p = operational_status_io();
        p.maintenance = vec!["Database upgrade".into()];
        let o = run(Ok(p));
        assert_eq!(o.status, Status::Warn);
        assert!(o.summary.ends_with("maintenance in progress: Database upgrade"), "{}", o.summary);
        for (impact, expected) in [
            ("none", Status::Warn),
            ("minor", Status::Warn),
            ("major", Status::Fail),
            ("critical", Status::Fail),
            ("odd", Status::Warn),
        ] {
            let mut p = page(StatusPageFormat::Statuspage, RawLevel::Indicator("none".into()));
            p.incidents = vec![incident("API errors", Some(impact))];
            assert_eq!(run(Ok(p)).status, expected, "impact {impact}");
        }
    }

    #[test]
    fn statuspage_components_are_judged_against_an_indicator_of_none() {
        let expected = [
            ("operational", Status::Pass),
            ("degraded_performance", Status::Warn),
            ("under_maintenance", Status::Warn),
            ("partial_outage", Status::Fail),
            ("major_outage", Status::Fail),
            ("melting", Status::Error),
        ];
        for (component, status) in expected {
            let mut p = page(StatusPageFormat::Statuspage, RawLevel::Indicator("none".into()));
            p.affected = vec![part("API", component, RawLevel::Component(component.into()))];
            let o = run(Ok(p));
            assert_eq!(o.status, status, "{component}");
            if status != Status::Pass {
                assert!(o.summary.contains("indicator `none`") && o.summary.contains("API ("), "{}", o.summary);
            }
        }
    }

    #[test]
    fn a_headline_worse_than_its_parts_still_decides() {
        let mut p = page(StatusPageFormat::StatusIo, RawLevel::StatusIoCode(500));
        p.affected = vec![part("Docs", "Degraded Performance", RawLevel::StatusIoCode(300))];
        let o = run(Ok(p));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.starts_with("ClickUp reports: status code 500; affected: Docs"), "{}", o.summary);
    }

    #[test]
    fn unreachable_or_unrecognised_sources_are_errors() {
        let e = ApiError::Http { endpoint: "GET status page".into(), status: 404, ecode: None, err: None };
        let o = run(Err(e));
        assert_eq!(o.status, Status::Error);
        assert!(o.summary.contains("HTTP 404"), "{}", o.summary);
        assert_eq!(evaluate(&Evidence::default()).status, Status::Error);
    }
}
