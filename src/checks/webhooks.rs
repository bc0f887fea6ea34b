//! `webhooks`: the health, security and registration of the workspaces'
//! webhooks, from one `GET /team/{id}/webhook` per workspace.
//!
//! ClickUp marks a webhook `failing` after failed deliveries, suspends it at
//! `fail_count` 100 or at once on a 401 or 410, and tells nobody. This check is the
//! alarm. It also holds the registrations to what `checks.toml` expects.
//!
//! A listing that contradicts itself is not a pass: `active` with a
//! `fail_count` at the suspension threshold, a webhook with no events, or
//! one id listed twice.

use super::api_error::{judge_error, note_attempts, with_api_codes};
use super::{Bounds, CheckId, EVIDENCE_MISSING, FindingCode, Message, MetricKey, Needs, Outcome, Status, Threshold};
use crate::client::{LocationFilter, Webhook, is_known_event};
use crate::evidence::Evidence;
use crate::message;
use crate::text::OutsideText;

const ID: CheckId = CheckId::Webhooks;

/// Some workspaces were not listed: the run's request budget did not allow it (WARN).
pub const NOT_CHECKED: FindingCode = "webhooks-not-checked";
/// One webhook id listed more than once (ERROR).
pub const LISTED_TWICE: FindingCode = "webhook-listed-twice";
/// Suspended, or at ClickUp's suspension threshold (FAIL).
pub const SUSPENDED: FindingCode = "webhook-suspended";
/// Marked `failing` (WARN).
pub const FAILING: FindingCode = "webhook-failing";
/// No health, or a health status this tool does not know (ERROR).
pub const HEALTH_UNKNOWN: FindingCode = "webhook-health-unknown";
/// The endpoint is not https:// (FAIL).
pub const HTTP_ENDPOINT: FindingCode = "webhook-http-endpoint";
/// Subscribed to no events (WARN).
pub const NO_EVENTS: FindingCode = "webhook-no-events";
/// Subscribed to events ClickUp does not document (WARN).
pub const UNKNOWN_EVENTS: FindingCode = "webhook-unknown-events";
/// An expected registration is missing or in another workspace (FAIL).
pub const EXPECTED_MISSING: FindingCode = "expected-webhook-missing";
/// An expected registration differs from what `checks.toml` says (FAIL).
pub const EXPECTED_DIFFERS: FindingCode = "expected-webhook-differs";

/// Every finding code `webhooks` reports (public API), with the shared
/// API-error codes for a workspace that could not be listed.
pub const CODES: &[FindingCode] = with_api_codes![
    EVIDENCE_MISSING,
    NOT_CHECKED,
    LISTED_TWICE,
    SUSPENDED,
    FAILING,
    HEALTH_UNKNOWN,
    HTTP_ENDPOINT,
    NO_EVENTS,
    UNKNOWN_EVENTS,
    EXPECTED_MISSING,
    EXPECTED_DIFFERS
];

/// One problem found: its code, how serious, what, and what to do about it.
struct Finding {
    code: FindingCode,
    status: Status,
    text: Message,
    hint: Option<&'static str>,
}

impl Finding {
    fn new(code: FindingCode, status: Status, text: Message, hint: &'static str) -> Self {
        Finding { code, status, text, hint: Some(hint) }
    }

    fn unhinted(code: FindingCode, status: Status, text: Message) -> Self {
        Finding { code, status, text, hint: None }
    }
}

const HINT_RECEIVER: &str = "fix the receiver first (2xx within 7 s, never 401 or 410), then `clickup-preflight webhooks reactivate ID`; \
                             ClickUp drops events after their retries and notifies nobody";
const HINT_HTTPS: &str = "re-register the webhook with an https:// endpoint (PUT /webhook/{id} with the new endpoint)";
const HINT_EVENTS: &str = "subscribe only to the events ClickUp documents, or `*`";
const HINT_EXPECT: &str = "ClickUp lists only the webhooks created by the token's own user: run with the token that \
                           registered the webhooks (one whose creator was deactivated stays listed but never fires); \
                           else register it as checks.toml expects (POST /team/{id}/webhook), or fix [[webhooks.expect]]";
const HINT_NONE_LISTED: &str = "ClickUp lists only the webhooks created by the token's own user: run with the token \
                                that registered the webhooks; if the integration relies on webhooks, declare them as \
                                [[webhooks.expect]] in checks.toml";
/// The budget, not the window, is what usually stops the listing: a run may
/// spend `api.request_budget_percent` (10% by default) of the window.
const HINT_BUDGET: &str = "a run spends at most `api.request_budget_percent` (default 10%) of the rate-limit window, leaving the rest to production: name the workspaces to check in `workspaces`, or raise `api.request_budget_percent`; if the window itself is nearly spent, run again after its reset";
const HINT_NO_EVENTS: &str = "set the webhook's events explicitly (a list, or `*` for all) with PUT /webhook/{id}";

/// ClickUp suspends a webhook when its `fail_count` reaches this.
pub const SUSPENSION_THRESHOLD: u64 = 100;

/// A webhook the deployment needs registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedWebhook {
    /// Delivery URL, without a trailing `/`; shown in reports, so sanitized
    /// as webhook endpoints from ClickUp are, and compared with them so.
    pub endpoint: OutsideText,
    /// Events it must subscribe to, at least (documented names, checked at
    /// load; shown in reports, so outside text like any other).
    pub events: Vec<OutsideText>,
    /// Workspace it must be registered in, if stated (digits, checked at
    /// load; shown in reports, so outside text like any other).
    pub workspace: Option<OutsideText>,
    /// Location filters; the effective (most specific) one must match.
    pub location: LocationFilter,
}

/// Endpoints compare without a trailing slash: ClickUp stores what it was
/// given, and `…/clickup` and `…/clickup/` reach the same handler in most
/// frameworks.
pub fn normalise_endpoint(endpoint: &str) -> String {
    endpoint.trim().trim_end_matches('/').to_owned()
}

/// `[[webhooks.expect]]` and `workspaces`, validated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// Webhooks that must be registered.
    pub expected: Vec<ExpectedWebhook>,
    /// Workspaces named in `checks.toml` (digits, checked at load): only
    /// their webhooks are listed, and `/team` is not needed to find them.
    pub workspaces: Vec<OutsideText>,
}

/// One listing per workspace: the named ones, else those `/team` lists.
pub fn needs(cfg: &Config) -> Needs {
    Needs {
        teams: cfg.workspaces.is_empty(),
        webhook_listings: true,
        named_workspaces: cfg.workspaces.clone(),
        ..Needs::NONE
    }
}

/// Evaluates every listed webhook and every expectation.
pub fn evaluate(evidence: &Evidence, cfg: &Config) -> Outcome {
    let Some(gathered) = &evidence.webhooks else {
        return Outcome::new(ID, Status::Error, "no webhook listing was gathered").found(EVIDENCE_MISSING);
    };
    let workspaces = match &gathered.workspaces {
        Ok(ids) => ids,
        Err(error) => {
            let o = judge_error(ID, error);
            let summary = message!("cannot tell which workspaces to list: {}", o.summary);
            let findings =
                o.findings.iter().map(|f| super::Finding { message: summary.clone(), ..f.clone() }).collect();
            return Outcome { summary, findings, ..o };
        }
    };
    let mut findings: Vec<Finding> = Vec::new();
    let mut hooks: Vec<&Webhook> = Vec::new();
    for (workspace, probe) in &gathered.lists {
        match &probe.result {
            Ok(list) => hooks.extend(list),
            Err(error) => {
                let o = judge_error(ID, error);
                let text = message!("workspace {}: {}", workspace, o.summary);
                let code = o.findings.first().map_or(EVIDENCE_MISSING, |f| f.code);
                findings.push(Finding::unhinted(code, o.status, text));
            }
        }
    }
    if !gathered.not_checked.is_empty() {
        let text = message!(
            "{} not checked ({}): listing them would spend more of the rate-limit window than this run may",
            plural(gathered.not_checked.len(), "workspace"),
            shortlist(&gathered.not_checked)
        );
        findings.push(Finding::new(NOT_CHECKED, Status::Warn, text, HINT_BUDGET));
    }
    findings.extend(judge_duplicates(&mut hooks));
    for hook in &hooks {
        findings.extend(judge_hook(hook));
    }
    for expected in &cfg.expected {
        findings.extend(judge_expectation(expected, &hooks));
    }
    let slowest = gathered.lists.iter().map(|(_, p)| p.elapsed).max().unwrap_or_default();
    if gathered.lists.is_empty() && !gathered.not_checked.is_empty() {
        let summary = message!(
            "not checked: listing {} would spend more of the rate-limit window than this run may",
            plural(gathered.not_checked.len(), "workspace")
        );
        return Outcome::new(ID, Status::Skip, summary).hint(HINT_BUDGET);
    }
    if hooks.is_empty() && findings.is_empty() {
        let summary = message!("no webhooks registered in {} workspaces, and none expected", workspaces.len());
        return Outcome::new(ID, Status::Skip, summary)
            .hint(HINT_NONE_LISTED)
            .metric(MetricKey::Webhooks, 0.0)
            .took(slowest);
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.status));
    let status = findings.first().map_or(Status::Pass, |f| f.status);
    // The summary carries up to two of the worst findings; the rest go below.
    let in_summary = findings.iter().filter(|f| f.status == status && status != Status::Pass).count().min(2);
    let summary = if status == Status::Pass {
        let expected = match cfg.expected.len() {
            0 => Message::default(),
            n => message!("; all {} expected registrations present", n),
        };
        message!(
            "{} in {}, all active{}",
            plural(hooks.len(), "webhook"),
            plural(gathered.lists.len(), "workspace"),
            expected
        )
    } else {
        let mut text = Message::join(findings.iter().take(in_summary).map(|f| &f.text), "; ");
        if findings.len() > in_summary {
            text.push(message!(" (+{} more below)", findings.len() - in_summary));
        }
        text
    };
    let (failing, suspended) = health_counts(&hooks);
    let max_fail_count = hooks.iter().filter_map(|h| h.health.as_ref()).map(|h| h.fail_count).max().unwrap_or(0);
    let mut o = Outcome::new(ID, status, summary)
        .metric(MetricKey::Webhooks, hooks.len() as f64)
        .bounded_metric(
            MetricKey::WebhooksFailing,
            failing as f64,
            Bounds { warn: Some(Threshold::Above(0.0)), ..Bounds::default() },
        )
        .bounded_metric(
            MetricKey::WebhooksSuspended,
            suspended as f64,
            Bounds { fail: Some(Threshold::Above(0.0)), ..Bounds::default() },
        )
        .metric(MetricKey::WebhooksMaxFailCount, max_fail_count as f64)
        .took(slowest);
    // One series per id: a repeated id reports its worst fail_count once.
    let mut per_id: Vec<(&str, u64)> = Vec::new();
    for h in &hooks {
        let fail_count = h.health.as_ref().map_or(0, |x| x.fail_count);
        match per_id.iter_mut().find(|(id, _)| h.id == *id) {
            Some((_, worst)) => *worst = (*worst).max(fail_count),
            None => per_id.push((&h.id, fail_count)),
        }
    }
    for (id, fail_count) in per_id {
        o = o.labelled_metric(MetricKey::WebhookFailCount, id, fail_count as f64);
    }
    o.hint = findings.iter().find_map(|f| f.hint).map(Message::from);
    o.findings = findings.iter().map(|f| super::Finding::new(f.code, f.status, f.text.clone())).collect();
    o.details = findings.into_iter().skip(in_summary).map(|f| f.text).collect();
    o.details.extend(hooks.iter().map(|h| describe(h)));
    note_attempts(o, gathered.lists.iter().map(|(_, p)| p))
}

/// An id listed more than once is ERROR: the listing contradicts itself
/// when the entries differ, and repeats itself when they do not. Identical
/// repeats are then judged once; differing entries are each judged.
fn judge_duplicates(hooks: &mut Vec<&Webhook>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for hook in hooks.iter() {
        if seen.contains(&hook.id.as_str()) {
            continue;
        }
        seen.push(&hook.id);
        let copies: Vec<&&Webhook> = hooks.iter().filter(|h| h.id == hook.id).collect();
        if copies.len() > 1 {
            let differ = copies.iter().any(|h| **h != *hook);
            let how = if differ { "with different contents: cannot tell which is true" } else { "identically" };
            let text = message!("webhook {} is listed {} times, {}", hook.id, copies.len(), how);
            out.push(Finding::unhinted(LISTED_TWICE, Status::Error, text));
        }
    }
    let mut unique: Vec<&Webhook> = Vec::with_capacity(hooks.len());
    for hook in hooks.iter() {
        if !unique.contains(hook) {
            unique.push(hook);
        }
    }
    *hooks = unique;
    out
}

/// What the check finds wrong with one listed webhook now, a line each;
/// empty when it is healthy. `init` writes only healthy webhooks as
/// expectations, by this same judgement.
pub fn problems(hook: &Webhook) -> Vec<Message> {
    judge_hook(hook).into_iter().map(|f| f.text).collect()
}

/// What is wrong with one webhook: health, transport, events.
fn judge_hook(hook: &Webhook) -> Vec<Finding> {
    let name = message!("webhook {} ({})", hook.id, hook.endpoint);
    let mut out = Vec::new();
    match hook.health.as_ref().map(|h| (h.status.as_str(), h.fail_count, &h.status)) {
        Some(("active" | "failing", n, status)) if n >= SUSPENSION_THRESHOLD => {
            let text = message!(
                "{} says `{}` but its fail_count {} is at or above ClickUp's suspension threshold ({}): treat it as suspended",
                name,
                status,
                n,
                SUSPENSION_THRESHOLD
            );
            out.push(Finding::new(SUSPENDED, Status::Fail, text, HINT_RECEIVER));
        }
        Some(("active", _, _)) => {}
        Some(("failing", n, _)) => {
            out.push(Finding::new(
                FAILING,
                Status::Warn,
                message!("{} is failing: fail_count {}", name, n),
                HINT_RECEIVER,
            ));
        }
        Some(("suspended" | "disabled", n, _)) => {
            let text = message!("{} is suspended (fail_count {}): ClickUp delivers nothing to it", name, n);
            out.push(Finding::new(SUSPENDED, Status::Fail, text, HINT_RECEIVER));
        }
        Some((_, _, other)) => {
            let text = message!("{} has an unknown health status `{}`", name, clip(other));
            out.push(Finding::unhinted(HEALTH_UNKNOWN, Status::Error, text));
        }
        None => out.push(Finding::unhinted(HEALTH_UNKNOWN, Status::Error, message!("{} reports no health", name))),
    }
    if !hook.endpoint.trim().to_ascii_lowercase().starts_with("https://") {
        let text = message!("{} is not https://: deliveries and their signatures travel in clear text", name);
        out.push(Finding::new(HTTP_ENDPOINT, Status::Fail, text, HINT_HTTPS));
    }
    if hook.events.iter().all(|e| e.trim().is_empty()) {
        let text = message!("{} subscribes to no events: ClickUp may deliver nothing, or everything", name);
        out.push(Finding::new(NO_EVENTS, Status::Warn, text, HINT_NO_EVENTS));
    }
    let unknown: Vec<&OutsideText> =
        hook.events.iter().filter(|e| !e.trim().is_empty() && !is_known_event(e)).collect();
    if !unknown.is_empty() {
        let text = message!("{} subscribes to undocumented events: {}", name, Message::join(unknown, ", "));
        out.push(Finding::new(UNKNOWN_EVENTS, Status::Warn, text, HINT_EVENTS));
    }
    out
}

/// Whether an expected registration exists, and if not, the difference.
fn judge_expectation(expected: &ExpectedWebhook, hooks: &[&Webhook]) -> Option<Finding> {
    let same_endpoint: Vec<&&Webhook> =
        hooks.iter().filter(|h| normalise_endpoint(&h.endpoint) == expected.endpoint).collect();
    let in_workspace: Vec<&&Webhook> = same_endpoint
        .iter()
        .copied()
        .filter(|h| expected.workspace.as_ref().is_none_or(|ws| &h.team_id == ws))
        .collect();
    let Some(closest) = in_workspace.iter().min_by_key(|h| differences(expected, h).len()) else {
        let text = match (same_endpoint.first(), &expected.workspace) {
            (Some(other), Some(ws)) => {
                message!(
                    "expected webhook {} is registered in workspace {}, not {}",
                    expected.endpoint,
                    other.team_id,
                    ws
                )
            }
            _ => message!("expected webhook {} is not registered", expected.endpoint),
        };
        return Some(Finding::new(EXPECTED_MISSING, Status::Fail, text, HINT_EXPECT));
    };
    let diff = differences(expected, closest);
    let text = message!("webhook {} for {}: {}", closest.id, expected.endpoint, Message::join(&diff, "; "));
    (!diff.is_empty()).then(|| Finding::new(EXPECTED_DIFFERS, Status::Fail, text, HINT_EXPECT))
}

/// How a registered webhook falls short of an expectation.
fn differences(expected: &ExpectedWebhook, hook: &Webhook) -> Vec<Message> {
    let mut out = Vec::new();
    if !hook.events.iter().any(|e| e == "*") {
        let missing: Vec<&OutsideText> =
            expected.events.iter().filter(|e| *e != "*" && !hook.events.iter().any(|h| h == *e)).collect();
        if expected.events.iter().any(|e| e == "*") {
            out.push(Message::from("subscribes to fewer events: expected all (`*`)"));
        } else if !missing.is_empty() {
            out.push(message!("subscribes to fewer events: missing {}", Message::join(missing, ", ")));
        }
    }
    if let Some(want) = expected.location.effective_text() {
        if hook.location.effective_text() != Some(want) {
            out.push(message!("watches {} instead of {} {}", hook.location.describe(), want.0.as_str(), want.1));
        }
    }
    out
}

/// One line per webhook for the details: what it listens to, where, and how
/// it is doing. Names the level ClickUp applies when several are set.
fn describe(hook: &Webhook) -> Message {
    let levels = hook.location.levels_set();
    let location = if levels.len() > 1 {
        let set = levels.iter().map(|l| l.as_str());
        message!("{} (most specific of {})", hook.location.describe(), Message::join(set, ", "))
    } else {
        hook.location.describe()
    };
    let health = hook
        .health
        .as_ref()
        .map_or_else(|| Message::from("no health"), |h| message!("{} (fail_count {})", clip(&h.status), h.fail_count));
    message!(
        "webhook {} in workspace {}: {} -> {}; events {}; watches {}",
        hook.id,
        hook.team_id,
        health,
        hook.endpoint,
        Message::join(&hook.events, ", "),
        location
    )
}

fn health_counts(hooks: &[&Webhook]) -> (usize, usize) {
    let status =
        |s: &[&str]| hooks.iter().filter(|h| h.health.as_ref().is_some_and(|x| s.contains(&x.status.as_str()))).count();
    (status(&["failing"]), status(&["suspended", "disabled"]))
}

/// Up to ten ids, then how many more.
fn shortlist(ids: &[OutsideText]) -> Message {
    match ids.len() {
        0..=10 => Message::join(ids, ", "),
        n => message!("{}, and {} more", Message::join(&ids[..10], ", "), n - 10),
    }
}

fn plural(n: usize, what: &'static str) -> Message {
    if n == 1 { message!("1 {}", what) } else { message!("{} {}s", n, what) }
}

/// A health word (sanitized already), shown short.
fn clip(text: &OutsideText) -> OutsideText {
    text.clipped(40)
}

#[cfg(test)]
mod tests;
