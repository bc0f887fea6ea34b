//! The sandbox's named scenarios: each one a row of data, not code.

use std::time::Duration;

/// A scenario's name as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScenarioName {
    /// Everything works: every check passes.
    Healthy,
    /// The token is refused (401 OAUTH_025), as after a revocation.
    Unauthorized,
    /// 5 of 100 requests left in the window: rate-limit warns.
    RateLimited,
    /// Every API request answers 429 with a reset time.
    RateExhausted,
    /// `GET /user` takes 3.5 s: latency fails (p95 over 3 s).
    Slow,
    /// The API answers 503 with an HTML page, as a failing edge does.
    Outage,
    /// The status page reports degraded performance.
    PlatformDegraded,
    /// The status page reports a service disruption with an incident.
    PlatformOutage,
    /// The token reaches no workspace.
    NoWorkspaces,
    /// One webhook is failing (fail_count 12).
    WebhookFailing,
    /// One webhook is suspended (fail_count 100).
    WebhookSuspended,
    /// One webhook delivers to a plain http:// endpoint.
    WebhookInsecure,
    /// 50 workspaces of 40 webhooks each, for scale runs.
    Large,
}

impl crate::model::Named for ScenarioName {
    const VARIANTS: &'static [Self] = &ScenarioName::ALL;

    fn name(self) -> &'static str {
        match self {
            ScenarioName::Healthy => "healthy",
            ScenarioName::Unauthorized => "unauthorized",
            ScenarioName::RateLimited => "rate-limited",
            ScenarioName::RateExhausted => "rate-exhausted",
            ScenarioName::Slow => "slow",
            ScenarioName::Outage => "outage",
            ScenarioName::PlatformDegraded => "platform-degraded",
            ScenarioName::PlatformOutage => "platform-outage",
            ScenarioName::NoWorkspaces => "no-workspaces",
            ScenarioName::WebhookFailing => "webhook-failing",
            ScenarioName::WebhookSuspended => "webhook-suspended",
            ScenarioName::WebhookInsecure => "webhook-insecure",
            ScenarioName::Large => "large",
        }
    }

    fn about(self) -> &'static str {
        match self {
            ScenarioName::Healthy => "Everything works: every check passes",
            ScenarioName::Unauthorized => "The token is refused (401 OAUTH_025), as after a revocation",
            ScenarioName::RateLimited => "5 of 100 requests left in the window: rate-limit warns",
            ScenarioName::RateExhausted => "Every API request answers 429 with a reset time",
            ScenarioName::Slow => "`GET /user` takes 3.5 s: latency fails (p95 over 3 s)",
            ScenarioName::Outage => "The API answers 503 with an HTML page, as a failing edge does",
            ScenarioName::PlatformDegraded => "The status page reports degraded performance",
            ScenarioName::PlatformOutage => "The status page reports a service disruption with an incident",
            ScenarioName::NoWorkspaces => "The token reaches no workspace",
            ScenarioName::WebhookFailing => "One webhook is failing (fail_count 12)",
            ScenarioName::WebhookSuspended => "One webhook is suspended (fail_count 100)",
            ScenarioName::WebhookInsecure => "One webhook delivers to a plain http:// endpoint",
            ScenarioName::Large => "50 workspaces of 40 webhooks each, for scale runs",
        }
    }
}

impl ScenarioName {
    /// Every scenario, for listings and tests.
    pub const ALL: [ScenarioName; 13] = [
        ScenarioName::Healthy,
        ScenarioName::Unauthorized,
        ScenarioName::RateLimited,
        ScenarioName::RateExhausted,
        ScenarioName::Slow,
        ScenarioName::Outage,
        ScenarioName::PlatformDegraded,
        ScenarioName::PlatformOutage,
        ScenarioName::NoWorkspaces,
        ScenarioName::WebhookFailing,
        ScenarioName::WebhookSuspended,
        ScenarioName::WebhookInsecure,
        ScenarioName::Large,
    ];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        self.scenario().name
    }

    /// The scenario's data.
    pub fn scenario(self) -> &'static Scenario {
        let index = ScenarioName::ALL.iter().position(|s| *s == self).unwrap_or(0);
        &SCENARIOS[index]
    }
}

/// How the API side answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiMode {
    /// Answers as documented.
    Normal,
    /// 401 `OAUTH_025` for every request.
    TokenRevoked,
    /// 429 for every request.
    Exhausted,
    /// 503 with an HTML body and no rate-limit headers.
    Down,
}

/// What the status page says: a Status.io overall code, the services that
/// are not operational, and incident titles.
#[derive(Debug, Clone, Copy)]
pub struct PlatformState {
    /// Status.io overall code.
    pub code: i64,
    /// Services and their codes; the rest are operational.
    pub affected: &'static [(&'static str, i64)],
    /// Titles of active incidents.
    pub incidents: &'static [&'static str],
}

/// A webhook the sandbox lists, in the workspace at `workspace` (an index
/// into the scenario's workspaces).
#[derive(Debug, Clone, Copy)]
pub struct HookFixture {
    /// UUID.
    pub id: &'static str,
    /// Index into `Scenario::workspaces`.
    pub workspace: usize,
    /// Delivery URL.
    pub endpoint: &'static str,
    /// Subscribed events.
    pub events: &'static [&'static str],
    /// `space_id` filter.
    pub space_id: Option<&'static str>,
    /// `list_id` filter.
    pub list_id: Option<&'static str>,
    /// `health.status`.
    pub status: &'static str,
    /// `health.fail_count`.
    pub fail_count: u64,
}

/// One scenario.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Kebab-case name.
    pub name: &'static str,
    /// API behaviour.
    pub api: ApiMode,
    /// Added delay on `GET /user`.
    pub user_delay: Duration,
    /// `X-RateLimit-Limit`.
    pub limit: u64,
    /// Requests left when the window opens.
    pub remaining_at_start: u64,
    /// Workspaces `(id, name)` the token reaches.
    pub workspaces: &'static [(&'static str, &'static str)],
    /// The status page.
    pub platform: PlatformState,
    /// Registered webhooks.
    pub webhooks: &'static [HookFixture],
    /// Generated instead: (workspaces, webhooks per workspace).
    pub generated: Option<(usize, usize)>,
}

const OPERATIONAL: PlatformState = PlatformState { code: 100, affected: &[], incidents: &[] };
const WORKSPACES: &[(&str, &str)] = &[("9012345", "Acme Production"), ("9012346", "Acme Staging")];

const TASK_SYNC: HookFixture = HookFixture {
    id: "4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e01",
    workspace: 0,
    endpoint: "https://hooks.acme.example/clickup/tasks",
    events: &["taskCreated", "taskUpdated", "taskStatusUpdated"],
    space_id: Some("90110"),
    list_id: Some("901100200300"),
    status: "active",
    fail_count: 0,
};
const STAGING_ALL: HookFixture = HookFixture {
    id: "7c1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6",
    workspace: 1,
    endpoint: "https://staging-hooks.acme.example/clickup",
    events: &["*"],
    space_id: None,
    list_id: None,
    status: "active",
    fail_count: 0,
};
const HOOKS: &[HookFixture] = &[TASK_SYNC, STAGING_ALL];

const HEALTHY: Scenario = Scenario {
    name: "healthy",
    api: ApiMode::Normal,
    user_delay: Duration::ZERO,
    limit: 100,
    remaining_at_start: 100,
    workspaces: WORKSPACES,
    platform: OPERATIONAL,
    webhooks: HOOKS,
    generated: None,
};

static SCENARIOS: [Scenario; 13] = [
    HEALTHY,
    Scenario { name: "unauthorized", api: ApiMode::TokenRevoked, ..HEALTHY },
    Scenario { name: "rate-limited", remaining_at_start: 5, ..HEALTHY },
    Scenario { name: "rate-exhausted", api: ApiMode::Exhausted, remaining_at_start: 0, ..HEALTHY },
    Scenario { name: "slow", user_delay: Duration::from_millis(3500), ..HEALTHY },
    Scenario { name: "outage", api: ApiMode::Down, ..HEALTHY },
    Scenario {
        name: "platform-degraded",
        platform: PlatformState { code: 300, affected: &[("API", 300)], incidents: &["Elevated API response times"] },
        ..HEALTHY
    },
    Scenario {
        name: "platform-outage",
        platform: PlatformState {
            code: 500,
            affected: &[("API", 500), ("Web Application", 400)],
            incidents: &["Tasks failing to load"],
        },
        ..HEALTHY
    },
    Scenario { name: "no-workspaces", workspaces: &[], webhooks: &[], ..HEALTHY },
    Scenario {
        name: "webhook-failing",
        webhooks: &[HookFixture { status: "failing", fail_count: 12, ..TASK_SYNC }, STAGING_ALL],
        ..HEALTHY
    },
    Scenario {
        name: "webhook-suspended",
        webhooks: &[HookFixture { status: "suspended", fail_count: 100, ..TASK_SYNC }, STAGING_ALL],
        ..HEALTHY
    },
    Scenario {
        name: "webhook-insecure",
        webhooks: &[TASK_SYNC, HookFixture { endpoint: "http://staging-hooks.acme.example/clickup", ..STAGING_ALL }],
        ..HEALTHY
    },
    Scenario { name: "large", generated: Some((50, 40)), ..HEALTHY },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_crosses_the_default_latency_threshold() {
        let slow = ScenarioName::Slow.scenario().user_delay;
        assert_eq!(slow, Duration::from_millis(3500), "the README's table says 3.5 s");
        assert!(slow > crate::checks::latency::Config::default().fail_p95_above, "slow must FAIL latency by default");
    }

    #[test]
    fn names_match_the_table() {
        use crate::model::Named;
        for s in ScenarioName::ALL {
            assert_eq!(s.name(), s.as_str());
            assert_eq!(ScenarioName::from_name(s.as_str()), Some(s));
        }
    }
}
