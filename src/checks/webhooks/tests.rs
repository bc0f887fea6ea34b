use std::time::Duration;

use super::*;
use crate::client::{ApiError, Health, LocationFilter};
use crate::evidence::{Probe, WebhookEvidence};

fn hook(id: &str, endpoint: &str, status: &str, fail_count: u64) -> Webhook {
    Webhook {
        id: id.into(),
        team_id: "9012345".into(),
        endpoint: endpoint.into(),
        events: vec!["taskCreated".into(), "taskUpdated".into()],
        location: LocationFilter { list_id: Some("901".into()), ..LocationFilter::default() },
        health: Some(Health { status: status.into(), fail_count }),
        subscription: Default::default(),
    }
}

fn evidence(hooks: Vec<Webhook>) -> Evidence {
    let probe =
        Probe { result: Ok(hooks), elapsed: Duration::from_millis(40), rate_limit: Default::default(), attempts: 1 };
    Evidence {
        webhooks: Some(WebhookEvidence {
            workspaces: Ok(vec!["9012345".into()]),
            lists: vec![("9012345".into(), probe)],
            not_checked: vec![],
        }),
        ..Evidence::default()
    }
}

fn run(hooks: Vec<Webhook>) -> Outcome {
    evaluate(&evidence(hooks), &Config::default())
}

fn expecting(expected: Vec<ExpectedWebhook>, hooks: Vec<Webhook>) -> Outcome {
    evaluate(&evidence(hooks), &Config { expected, ..Config::default() })
}

fn expect(endpoint: &str, events: &[&str], list: Option<&str>) -> ExpectedWebhook {
    ExpectedWebhook {
        endpoint: endpoint.into(),
        events: events.iter().map(|e| (*e).into()).collect(),
        workspace: None,
        location: LocationFilter { list_id: list.map(Into::into), ..LocationFilter::default() },
    }
}

#[test]
fn active_https_webhooks_pass() {
    let o = run(vec![hook("a", "https://h.example/x", "active", 0)]);
    assert_eq!(o.status, Status::Pass);
    assert_eq!(o.summary, "1 webhook in 1 workspace, all active");
    assert!(o.details[0].contains("watches list 901"), "{:?}", o.details);
}

#[test]
fn failing_warns_with_fail_count_and_suspended_fails_naming_id_and_endpoint() {
    let o = run(vec![hook("a", "https://h.example/x", "failing", 12)]);
    assert_eq!(o.status, Status::Warn);
    assert!(o.summary.contains("fail_count 12"), "{}", o.summary);
    let o =
        run(vec![hook("a", "https://h.example/x", "failing", 12), hook("b", "https://h.example/y", "suspended", 100)]);
    assert_eq!(o.status, Status::Fail);
    assert!(o.summary.contains("webhook b (https://h.example/y) is suspended"), "{}", o.summary);
    assert_eq!(o.id.severity(), crate::checks::Severity::P3);
    assert!(o.metrics.iter().any(|m| m.key == MetricKey::WebhooksSuspended && m.value == 1.0));
    let o = run(vec![hook("c", "https://h.example/z", "disabled", 100)]);
    assert_eq!(o.status, Status::Fail, "older docs call it disabled");
}

#[test]
fn unknown_or_missing_health_is_an_error() {
    assert_eq!(run(vec![hook("a", "https://h.example/x", "sleeping", 0)]).status, Status::Error);
    let mut h = hook("a", "https://h.example/x", "active", 0);
    h.health = None;
    assert_eq!(run(vec![h]).status, Status::Error);
}

#[test]
fn plain_http_endpoints_fail() {
    let o = run(vec![hook("a", "http://h.example/x", "active", 0)]);
    assert_eq!(o.status, Status::Fail);
    assert!(o.summary.contains("not https://"), "{}", o.summary);
}

#[test]
fn undocumented_events_warn_and_star_is_fine() {
    let mut h = hook("a", "https://h.example/x", "active", 0);
    h.events = vec!["taskCreated".into(), "taskExploded".into()];
    let o = run(vec![h.clone()]);
    assert_eq!(o.status, Status::Warn);
    assert!(o.summary.contains("taskExploded"));
    h.events = vec!["*".into()];
    assert_eq!(run(vec![h]).status, Status::Pass);
}

#[test]
fn the_most_specific_location_is_reported() {
    let mut h = hook("a", "https://h.example/x", "active", 0);
    h.location =
        LocationFilter { space_id: Some("7".into()), list_id: Some("901".into()), ..LocationFilter::default() };
    let o = run(vec![h]);
    assert!(o.details.iter().any(|d| d.contains("watches list 901 (most specific of space, list)")), "{:?}", o.details);
}

#[test]
fn nothing_registered_and_nothing_expected_is_skip_not_pass() {
    let o = run(vec![]);
    assert_eq!(o.status, Status::Skip);
    assert!(o.hint.as_deref().is_some_and(|h| h.contains("[[webhooks.expect]]")));
}

#[test]
fn expectations_are_met_by_a_matching_registration() {
    let o = expecting(
        vec![expect("https://h.example/x", &["taskCreated"], Some("901"))],
        vec![hook("a", "https://h.example/x/", "active", 0)],
    );
    assert_eq!(o.status, Status::Pass, "{}", o.summary);
    assert!(o.summary.ends_with("all 1 expected registrations present"), "{}", o.summary);
}

#[test]
fn a_missing_expected_webhook_fails() {
    let o = expecting(
        vec![expect("https://h.example/other", &["taskCreated"], None)],
        vec![hook("a", "https://h.example/x", "active", 0)],
    );
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.summary, "expected webhook https://h.example/other is not registered");
    let o = expecting(vec![expect("https://h.example/other", &["taskCreated"], None)], vec![]);
    assert_eq!(o.status, Status::Fail, "an expectation with no webhooks at all is a FAIL, not a SKIP");
}

#[test]
fn fewer_events_or_another_location_fail_with_the_difference() {
    let o = expecting(
        vec![expect("https://h.example/x", &["taskCreated", "taskDeleted"], Some("555"))],
        vec![hook("a", "https://h.example/x", "active", 0)],
    );
    assert_eq!(o.status, Status::Fail);
    assert_eq!(
        o.summary,
        "webhook a for https://h.example/x: subscribes to fewer events: missing taskDeleted; watches list 901 instead of list 555"
    );
}

#[test]
fn a_registration_in_another_workspace_is_named() {
    let mut want = expect("https://h.example/x", &["taskCreated"], None);
    want.workspace = Some("777".into());
    let o = expecting(vec![want], vec![hook("a", "https://h.example/x", "active", 0)]);
    assert_eq!(o.summary, "expected webhook https://h.example/x is registered in workspace 9012345, not 777");
}

#[test]
fn listing_errors_and_unknown_workspaces_never_pass() {
    let error = ApiError::Http {
        endpoint: "GET /team/1/webhook".into(),
        status: 401,
        ecode: Some("OAUTH_027".into()),
        err: None,
    };
    let ev = Evidence {
        webhooks: Some(WebhookEvidence {
            workspaces: Ok(vec!["1".into()]),
            lists: vec![("1".into(), Probe::failed(error.clone(), Duration::ZERO))],
            not_checked: vec![],
        }),
        ..Evidence::default()
    };
    let o = evaluate(&ev, &Config::default());
    assert_eq!(o.status, Status::Fail);
    assert!(o.summary.starts_with("workspace 1: "), "{}", o.summary);
    let ev = Evidence {
        webhooks: Some(WebhookEvidence { workspaces: Err(error), lists: vec![], not_checked: vec![] }),
        ..Evidence::default()
    };
    assert_eq!(evaluate(&ev, &Config::default()).status, Status::Fail);
    assert_eq!(evaluate(&Evidence::default(), &Config::default()).status, Status::Error);
}

#[test]
fn workspaces_left_unchecked_for_the_budget_warn() {
    let mut ev = evidence(vec![hook("a", "https://h.example/x", "active", 0)]);
    if let Some(w) = ev.webhooks.as_mut() {
        w.not_checked = vec!["9012346".into()];
    }
    let o = evaluate(&ev, &Config::default());
    assert_eq!(o.status, Status::Warn);
    assert!(o.summary.starts_with("1 workspace not checked (9012346)"), "{}", o.summary);
    assert!(o.hint.as_deref().is_some_and(|h| h.contains("api.request_budget_percent")), "{:?}", o.hint);
}

#[test]
fn the_hint_fits_the_worst_finding() {
    let o = run(vec![hook("a", "http://h.example/x", "active", 0)]);
    assert!(o.hint.as_deref().is_some_and(|h| h.contains("https://")), "{:?}", o.hint);
    let o = run(vec![hook("a", "https://h.example/x", "suspended", 100)]);
    assert!(o.hint.as_deref().is_some_and(|h| h.contains("reactivate")), "{:?}", o.hint);
    assert_eq!(run(vec![hook("a", "https://h.example/x", "active", 0)]).hint, None);
}

#[test]
fn active_or_failing_at_the_suspension_threshold_fails() {
    assert_eq!(run(vec![hook("a", "https://h.example/x", "active", 99)]).status, Status::Pass);
    let o = run(vec![hook("a", "https://h.example/x", "active", 100)]);
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.summary.contains("says `active` but its fail_count 100 is at or above ClickUp's suspension threshold (100)"),
        "{}",
        o.summary
    );
    assert_eq!(run(vec![hook("a", "https://h.example/x", "failing", 250)]).status, Status::Fail);
    assert_eq!(run(vec![hook("a", "https://h.example/x", "failing", 99)]).status, Status::Warn);
}

#[test]
fn a_webhook_with_no_events_is_not_a_pass() {
    let mut h = hook("a", "https://h.example/x", "active", 0);
    h.events = vec![];
    let o = run(vec![h.clone()]);
    assert_eq!(o.status, Status::Warn);
    assert!(o.summary.contains("subscribes to no events"), "{}", o.summary);
    h.events = vec![" ".into()];
    assert_eq!(run(vec![h]).status, Status::Warn);
}

#[test]
fn a_webhook_id_listed_twice_is_an_error_and_reported_once_per_series() {
    let a = hook("a", "https://h.example/x", "active", 0);
    let o = run(vec![a.clone(), a.clone()]);
    assert_eq!(o.status, Status::Error);
    assert_eq!(o.summary, "webhook a is listed 2 times, identically");
    let mut worse = a.clone();
    worse.health = Some(Health { status: "active".into(), fail_count: 7 });
    let o = run(vec![a.clone(), worse]);
    assert_eq!(o.status, Status::Error);
    assert!(o.summary.contains("with different contents"), "{}", o.summary);
    let series: Vec<(&str, f64)> = o
        .metrics
        .iter()
        .filter(|m| m.key == MetricKey::WebhookFailCount)
        .filter_map(|m| m.label.as_deref().map(|id| (id, m.value)))
        .collect();
    assert_eq!(series, vec![("a", 7.0)], "one series per id, its worst fail_count");
    let suspended = hook("a", "https://h.example/x", "suspended", 100);
    assert_eq!(run(vec![a, suspended]).status, Status::Fail, "a FAIL among the copies still decides");
}
