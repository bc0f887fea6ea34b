//! `workspaces`: the workspaces (`GET /team`) the token can reach, and the
//! ones `checks.toml` says it must reach.

use super::api_error::{judge_error, note_attempts};
use super::{CheckId, Outcome, Status};
use crate::config::CheckConfig;
use crate::evidence::Evidence;

const ID: CheckId = CheckId::Workspaces;

/// Evaluates `/team` against the expected workspace ids.
pub fn evaluate(evidence: &Evidence, cfg: &CheckConfig) -> Outcome {
    let Some(probe) = &evidence.teams else {
        return Outcome::new(ID, Status::Error, "no GET /team exchange was gathered");
    };
    let teams = match &probe.result {
        Ok(teams) => teams,
        Err(error) => return note_attempts(judge_error(ID, error).took(probe.elapsed), [probe]),
    };
    let names: Vec<String> = teams
        .iter()
        .map(|t| if t.name.is_empty() { t.id.to_string() } else { format!("{} ({})", t.name, t.id) })
        .collect();
    let o = Outcome::new(ID, Status::Pass, String::new()).metric("workspaces", teams.len() as f64).took(probe.elapsed);
    let o = note_attempts(o, [probe]);
    if teams.is_empty() {
        return Outcome { status: Status::Fail, summary: "no workspace is reachable with this token".to_owned(), ..o }
            .hint("the token's user must be a member of the workspace, or the OAuth app must be authorised for it");
    }
    let missing: Vec<&str> =
        cfg.expected_workspaces.iter().filter(|id| !teams.iter().any(|t| &t.id == *id)).map(String::as_str).collect();
    let reachable = format!("{} reachable: {}", plural(teams.len()), names.join(", "));
    if missing.is_empty() {
        return Outcome { summary: reachable, ..o };
    }
    Outcome { status: Status::Fail, summary: format!("expected workspace {} not reachable", missing.join(", ")), ..o }
        .detail(reachable)
        .hint("add the token's user to each missing workspace (or authorise the OAuth app there), or fix `workspaces` in checks.toml")
}

fn plural(n: usize) -> String {
    if n == 1 { "1 workspace".to_owned() } else { format!("{n} workspaces") }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::client::{ApiError, Team};
    use crate::evidence::Probe;

    fn teams(list: &[(&str, &str)]) -> Evidence {
        let teams = list.iter().map(|(id, name)| Team { id: (*id).into(), name: (*name).into() }).collect();
        Evidence {
            teams: Some(Probe {
                result: Ok(teams),
                elapsed: Duration::from_millis(9),
                rate_limit: Default::default(),
                attempts: 1,
            }),
            ..Evidence::default()
        }
    }

    #[test]
    fn reachable_workspaces_pass_and_are_named() {
        let o = evaluate(&teams(&[("9012345", "Acme"), ("42", "")]), &CheckConfig::default());
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.summary, "2 workspaces reachable: Acme (9012345), 42");
    }

    #[test]
    fn none_reachable_fails() {
        let o = evaluate(&teams(&[]), &CheckConfig::default());
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn each_missing_expected_workspace_is_named() {
        let cfg = CheckConfig {
            expected_workspaces: vec!["9012345".into(), "777".into(), "888".into()],
            ..CheckConfig::default()
        };
        let o = evaluate(&teams(&[("9012345", "Acme")]), &cfg);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.summary, "expected workspace 777, 888 not reachable");
        let cfg = CheckConfig { expected_workspaces: vec!["9012345".into()], ..CheckConfig::default() };
        assert_eq!(evaluate(&teams(&[("9012345", "Acme")]), &cfg).status, Status::Pass);
    }

    #[test]
    fn api_errors_and_missing_evidence_never_pass() {
        let e = ApiError::Decode { endpoint: "GET /team".into(), reason: "missing field `teams`".into() };
        let ev = Evidence { teams: Some(Probe::failed(e, Duration::ZERO)), ..Evidence::default() };
        assert_eq!(evaluate(&ev, &CheckConfig::default()).status, Status::Error);
        let e =
            ApiError::Http { endpoint: "GET /team".into(), status: 401, ecode: Some("OAUTH_025".into()), err: None };
        let ev = Evidence { teams: Some(Probe::failed(e, Duration::ZERO)), ..Evidence::default() };
        assert_eq!(evaluate(&ev, &CheckConfig::default()).status, Status::Fail);
        assert_eq!(evaluate(&Evidence::default(), &CheckConfig::default()).status, Status::Error);
    }
}
