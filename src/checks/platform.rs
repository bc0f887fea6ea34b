//! `platform`: ClickUp's own public status, from Status.io (the default,
//! what status.clickup.com runs on) or an Atlassian Statuspage summary.
//!
//! An unknown level is ERROR: a status page that changes its vocabulary must
//! not read as "operational".

use super::{CheckId, Outcome, Status};
use crate::client::{RawLevel, StatusPageFormat};
use crate::config::CheckConfig;
use crate::evidence::Evidence;

const ID: CheckId = CheckId::Platform;

/// Status.io's overall codes: 100 operational; 200 planned maintenance and
/// 300 degraded performance warn; 400, 500 and 600 (partial disruption,
/// disruption, security event) fail.
pub fn status_io_verdict(code: i64) -> Option<Status> {
    match code {
        100 => Some(Status::Pass),
        200 | 300 => Some(Status::Warn),
        400 | 500 | 600 => Some(Status::Fail),
        _ => None,
    }
}

/// Statuspage's indicators: `none` passes, `minor` and `maintenance` warn,
/// `major` and `critical` fail.
pub fn indicator_verdict(indicator: &str) -> Option<Status> {
    match indicator {
        "none" => Some(Status::Pass),
        "minor" | "maintenance" => Some(Status::Warn),
        "major" | "critical" => Some(Status::Fail),
        _ => None,
    }
}

/// Evaluates the status page.
pub fn evaluate(evidence: &Evidence, _cfg: &CheckConfig) -> Outcome {
    let Some(probe) = &evidence.status_page else {
        return Outcome::new(ID, Status::Error, "the status page was not fetched");
    };
    let page = match &probe.result {
        Ok(page) => page,
        Err(error) => {
            // Only an answer in the wrong shape means the URL is not a status API.
            let hint = if super::api_error::is_unreachable(error) {
                super::api_error::unreachable_hint(error, "--status-url")
            } else {
                "point --status-url at a Status.io status API or a Statuspage summary.json".to_owned()
            };
            return Outcome::new(ID, Status::Error, format!("status unknown: {error}")).hint(hint).took(probe.elapsed);
        }
    };
    let (verdict, level) = match &page.level {
        RawLevel::StatusIoCode(code) => (status_io_verdict(*code), format!("status code {code}")),
        RawLevel::Indicator(ind) => (indicator_verdict(ind), format!("indicator `{ind}`")),
    };
    let source = match page.format {
        StatusPageFormat::StatusIo => "Status.io",
        StatusPageFormat::Statuspage => "Statuspage",
    };
    let Some(status) = verdict else {
        return Outcome::new(
            ID,
            Status::Error,
            format!("unknown {source} {level}; cannot tell whether ClickUp is operational"),
        )
        .took(probe.elapsed);
    };
    let description = if page.description.is_empty() { level.clone() } else { page.description.to_string() };
    let mut summary = format!("ClickUp reports: {description}");
    if !page.affected.is_empty() {
        summary.push_str(&format!("; affected: {}", page.affected.join(", ")));
    }
    if !page.incidents.is_empty() {
        summary.push_str(&format!("; incidents: {}", page.incidents.join(", ")));
    }
    let mut o = Outcome::new(ID, status, summary).took(probe.elapsed).detail(format!("source: {source}, {level}"));
    o.details.extend(page.maintenance.iter().map(|m| format!("maintenance in progress: {m}")));
    if status != Status::Pass {
        o = o.hint("a ClickUp-side problem: hold the deploy or expect degraded behaviour, and make sure the integration degrades gracefully");
    }
    o
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::client::{ApiError, StatusPage};
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
        evaluate(&Evidence { status_page: Some(probe), ..Evidence::default() }, &CheckConfig::default())
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

    #[test]
    fn summary_names_affected_services_and_incidents() {
        let mut p = page(StatusPageFormat::StatusIo, RawLevel::StatusIoCode(500));
        p.description = "Service Disruption".into();
        p.affected = vec!["API (Service Disruption)".into()];
        p.incidents = vec!["Tasks failing to load".into()];
        let o = run(Ok(p));
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.summary,
            "ClickUp reports: Service Disruption; affected: API (Service Disruption); incidents: Tasks failing to load"
        );
    }

    #[test]
    fn unreachable_or_unrecognised_sources_are_errors() {
        let e = ApiError::Http { endpoint: "GET status page".into(), status: 404, ecode: None, err: None };
        let o = run(Err(e));
        assert_eq!(o.status, Status::Error);
        assert!(o.summary.contains("HTTP 404"), "{}", o.summary);
        assert_eq!(evaluate(&Evidence::default(), &CheckConfig::default()).status, Status::Error);
    }
}
