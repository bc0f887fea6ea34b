//! `workspaces`: the workspaces (`GET /team`) the token can reach, and the
//! ones `checks.toml` says it must reach.

use super::api_error::{judge_error, note_attempts, with_api_codes};
use super::{Bounds, CheckId, EVIDENCE_MISSING, FindingCode, Message, MetricKey, Needs, Outcome, Status, Threshold};
use crate::client::{Team, is_workspace_id};
use crate::evidence::Evidence;
use crate::message;
use crate::text::OutsideText;

const ID: CheckId = CheckId::Workspaces;

/// `GET /team` listed an entry whose id is not a workspace id (ERROR).
pub const NOT_A_WORKSPACE_ID: FindingCode = "not-a-workspace-id";
/// The token reaches no workspace at all (FAIL).
pub const NO_WORKSPACE: FindingCode = "no-workspace-reachable";
/// A workspace `checks.toml` expects is not reachable (FAIL).
pub const EXPECTED_WORKSPACE_MISSING: FindingCode = "expected-workspace-missing";

/// Every finding code `workspaces` reports (public API).
pub const CODES: &[FindingCode] =
    with_api_codes![EVIDENCE_MISSING, NOT_A_WORKSPACE_ID, NO_WORKSPACE, EXPECTED_WORKSPACE_MISSING];

/// `workspaces` in `checks.toml`, validated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// Workspace ids that must be reachable (digits, checked at load;
    /// shown in reports, so outside text like any other).
    pub expected: Vec<OutsideText>,
}

/// One `GET /team`.
pub fn needs() -> Needs {
    Needs { teams: true, ..Needs::NONE }
}

/// Evaluates `/team` against the expected workspace ids.
pub fn evaluate(evidence: &Evidence, cfg: &Config) -> Outcome {
    let Some(probe) = &evidence.teams else {
        return Outcome::new(ID, Status::Error, "no GET /team exchange was gathered").found(EVIDENCE_MISSING);
    };
    let teams = match &probe.result {
        Ok(teams) => teams,
        Err(error) => return note_attempts(judge_error(ID, error).took(probe.elapsed), [probe]),
    };
    let (teams, not_ids): (Vec<&Team>, Vec<&Team>) = teams.iter().partition(|t| is_workspace_id(&t.id));
    let names: Vec<Message> = teams
        .iter()
        .map(|t| if t.name.is_empty() { Message::from(&t.id) } else { message!("{} ({})", t.name, t.id) })
        .collect();
    // No reachable workspace fails the check.
    let bounds = Bounds { fail: Some(Threshold::Below(1.0)), ..Bounds::default() };
    let o = Outcome::new(ID, Status::Pass, Message::default())
        .bounded_metric(MetricKey::Workspaces, teams.len() as f64, bounds)
        .took(probe.elapsed);
    let o = note_attempts(o, [probe]);
    if !not_ids.is_empty() {
        let shown: Vec<Message> = not_ids.iter().map(|t| message!("`{}`", clip(&t.id))).collect();
        let summary = message!(
            "GET /team listed {} with an id that is not a workspace id (digits): {}",
            if not_ids.len() == 1 { Message::from("1 entry") } else { message!("{} entries", not_ids.len()) },
            Message::join(shown, ", ")
        );
        let o = Outcome { status: Status::Error, summary, ..o }.found(NOT_A_WORKSPACE_ID);
        return if names.is_empty() {
            o
        } else {
            o.detail(message!("{} reachable: {}", plural(teams.len()), Message::join(&names, ", ")))
        };
    }
    if teams.is_empty() {
        return Outcome {
            status: Status::Fail,
            summary: Message::from("no workspace is reachable with this token"),
            ..o
        }
        .found(NO_WORKSPACE)
        .hint("the token's user must be a member of the workspace, or the OAuth app must be authorised for it");
    }
    let missing: Vec<&OutsideText> = cfg.expected.iter().filter(|id| !teams.iter().any(|t| &t.id == *id)).collect();
    let reachable = message!("{} reachable: {}", plural(teams.len()), Message::join(&names, ", "));
    if missing.is_empty() {
        return Outcome { summary: reachable, ..o };
    }
    Outcome { status: Status::Fail, summary: message!("expected workspace {} not reachable", Message::join(missing, ", ")), ..o }
        .found(EXPECTED_WORKSPACE_MISSING)
        .detail(reachable)
        .hint("add the token's user to each missing workspace (or authorise the OAuth app there), or fix `workspaces` in checks.toml")
}

/// An id from the server (sanitized already: one line, never
/// token-shaped), shown short.
fn clip(id: &OutsideText) -> OutsideText {
    id.clipped(40)
}

fn plural(n: usize) -> Message {
    if n == 1 { Message::from("1 workspace") } else { message!("{} workspaces", n) }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::client::ApiError;
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
        let o = evaluate(&teams(&[("9012345", "Acme"), ("42", "")]), &Config::default());
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.summary, "2 workspaces reachable: Acme (9012345), 42");
    }

    #[test]
    fn an_empty_or_non_digit_id_is_not_a_workspace() {
        let o = evaluate(&teams(&[("9012345", "Acme"), ("", "Ghost"), ("../user", "Path")]), &Config::default());
        assert_eq!(o.status, Status::Error);
        assert_eq!(
            o.summary,
            "GET /team listed 2 entries with an id that is not a workspace id (digits): ``, `../user`"
        );
        assert_eq!(o.details, vec!["1 workspace reachable: Acme (9012345)"]);
        let o = evaluate(&teams(&[("abc", "Letters")]), &Config::default());
        assert_eq!(o.status, Status::Error);
        assert!(o.summary.starts_with("GET /team listed 1 entry"), "{}", o.summary);
    }

    #[test]
    fn none_reachable_fails() {
        let o = evaluate(&teams(&[]), &Config::default());
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn each_missing_expected_workspace_is_named() {
        let cfg = Config { expected: vec!["9012345".into(), "777".into(), "888".into()] };
        let o = evaluate(&teams(&[("9012345", "Acme")]), &cfg);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.summary, "expected workspace 777, 888 not reachable");
        let cfg = Config { expected: vec!["9012345".into()] };
        assert_eq!(evaluate(&teams(&[("9012345", "Acme")]), &cfg).status, Status::Pass);
    }

    #[test]
    fn api_errors_and_missing_evidence_never_pass() {
        let e = ApiError::Decode { endpoint: "GET /team".into(), reason: "missing field `teams`".into() };
        let ev = Evidence { teams: Some(Probe::failed(e, Duration::ZERO)), ..Evidence::default() };
        assert_eq!(evaluate(&ev, &Config::default()).status, Status::Error);
        let e =
            ApiError::Http { endpoint: "GET /team".into(), status: 401, ecode: Some("OAUTH_025".into()), err: None };
        let ev = Evidence { teams: Some(Probe::failed(e, Duration::ZERO)), ..Evidence::default() };
        assert_eq!(evaluate(&ev, &Config::default()).status, Status::Fail);
        assert_eq!(evaluate(&Evidence::default(), &Config::default()).status, Status::Error);
    }
}
