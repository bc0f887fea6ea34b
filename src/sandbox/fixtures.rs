//! The JSON bodies the sandbox serves, shaped as ClickUp and the two status
//! page products document them (`shared/reference/clickup-api.md`).

use serde_json::{Value, json};

use super::scenarios::{HookFixture, PlatformState, Scenario};

/// Status.io's words for its codes.
fn status_io_word(code: i64) -> &'static str {
    match code {
        100 => "Operational",
        200 => "Planned Maintenance",
        300 => "Degraded Performance",
        400 => "Partial Service Disruption",
        500 => "Service Disruption",
        _ => "Security Event",
    }
}

const SERVICES: [&str; 4] = ["API", "Web Application", "Notifications", "Integrations"];
const UPDATED: &str = "2026-11-01T12:00:00.000Z";

/// `GET /user`.
pub(super) fn user() -> Value {
    json!({"user": {
        "id": 1000001, "username": "Sandbox Service Account", "email": "sandbox@example.com",
        "color": "#7b68ee", "profilePicture": null, "initials": "SS", "week_start_day": 1,
        "global_font_support": false, "timezone": "Etc/UTC"
    }})
}

/// `GET /team`.
pub(super) fn teams(workspaces: &[(String, String)]) -> Value {
    let teams: Vec<Value> = workspaces
        .iter()
        .map(|(id, name)| {
            json!({"id": id, "name": name, "color": "#536cfe", "avatar": null, "members": [{"user": {
                "id": 1000001, "username": "Sandbox Service Account", "email": "sandbox@example.com",
                "color": "#7b68ee", "profilePicture": null, "initials": "SS", "role": 2
            }}]})
        })
        .collect();
    json!({ "teams": teams })
}

/// One webhook object as `GET /team/{id}/webhook` lists it, secret included
/// (the real API sends it; the client must not keep it).
pub(super) fn webhook(scenario: &Scenario, hook: &HookFixture) -> Value {
    let team_id: u64 = scenario.workspaces.get(hook.workspace).and_then(|(id, _)| id.parse().ok()).unwrap_or(0);
    webhook_json(team_id, hook.id, hook.endpoint, hook)
}

/// A workspace population generated for scale runs: `workspaces`
/// workspaces of `per_workspace` active webhooks each.
pub(super) fn generated(workspaces: usize, per_workspace: usize) -> (Vec<(String, String)>, Vec<Value>) {
    let teams: Vec<(String, String)> =
        (0..workspaces).map(|w| (format!("{}", 9_100_000 + w), format!("Scale Workspace {w}"))).collect();
    let mut hooks = Vec::with_capacity(workspaces * per_workspace);
    for (w, (id, _)) in teams.iter().enumerate() {
        let team_id: u64 = id.parse().unwrap_or(0);
        for n in 0..per_workspace {
            let id = format!("{w:08}-0000-4000-8000-{n:012}");
            let endpoint = format!("https://hooks.scale.example/ws{w}/hook{n}");
            hooks.push(webhook_json(team_id, &id, &endpoint, &GENERATED_HOOK));
        }
    }
    (teams, hooks)
}

/// What every generated webhook has in common; id and endpoint vary.
const GENERATED_HOOK: HookFixture = HookFixture {
    id: "",
    workspace: 0,
    endpoint: "",
    events: &["taskCreated", "taskUpdated"],
    space_id: None,
    list_id: None,
    status: "active",
    fail_count: 0,
};

fn webhook_json(team_id: u64, id: &str, endpoint: &str, hook: &HookFixture) -> Value {
    json!({
        "id": id, "userid": 1000001, "team_id": team_id, "endpoint": endpoint,
        "client_id": "SANDBOXCLIENT", "events": hook.events, "task_id": null, "list_id": hook.list_id,
        "folder_id": null, "space_id": hook.space_id,
        "health": {"status": hook.status, "fail_count": hook.fail_count},
        "secret": format!("SANDBOX-WEBHOOK-SECRET-{}", id.get(..8).unwrap_or_default())
    })
}

/// ClickUp's error shape.
pub(super) fn error(err: &str, ecode: &str) -> Value {
    json!({"err": err, "ECODE": ecode})
}

fn code_of(platform: &PlatformState, service: &str) -> i64 {
    platform.affected.iter().find(|(name, _)| *name == service).map_or(100, |(_, code)| *code)
}

/// The Status.io public status API body.
pub(super) fn status_io(platform: &PlatformState) -> Value {
    let services: Vec<Value> = SERVICES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let code = code_of(platform, name);
            json!({"id": format!("svc{i}"), "name": name, "updated": UPDATED, "status": status_io_word(code), "status_code": code,
                   "containers": [{"id": "global", "name": "Global", "updated": UPDATED, "status": status_io_word(code), "status_code": code}]})
        })
        .collect();
    let incidents: Vec<Value> = platform
        .incidents
        .iter()
        .enumerate()
        .map(|(i, title)| json!({"_id": format!("inc{i}"), "name": title, "datetime_open": UPDATED}))
        .collect();
    json!({"result": {
        "status_overall": {"updated": UPDATED, "status": status_io_word(platform.code), "status_code": platform.code},
        "status": services,
        "incidents": incidents,
        "maintenance": {"active": [], "upcoming": []}
    }})
}

/// The same state as an Atlassian Statuspage `summary.json`.
pub(super) fn statuspage(platform: &PlatformState) -> Value {
    let (indicator, description) = match platform.code {
        100 => ("none", "All Systems Operational"),
        200 => ("maintenance", "Service Under Maintenance"),
        300 => ("minor", "Minor Service Outage"),
        400 | 500 => ("major", "Partial System Outage"),
        _ => ("critical", "Major System Outage"),
    };
    let component_status = |code: i64| match code {
        100 => "operational",
        200 => "under_maintenance",
        300 => "degraded_performance",
        400 => "partial_outage",
        _ => "major_outage",
    };
    let components: Vec<Value> = SERVICES
        .iter()
        .enumerate()
        .map(|(i, name)| json!({"id": format!("cmp{i}"), "name": name, "status": component_status(code_of(platform, name)), "position": i + 1}))
        .collect();
    let incidents: Vec<Value> = platform
        .incidents
        .iter()
        .enumerate()
        .map(|(i, title)| json!({"id": format!("inc{i}"), "name": title, "status": "investigating", "impact": indicator,
                                  "created_at": UPDATED, "updated_at": UPDATED, "shortlink": "https://stspg.io/sandbox", "incident_updates": []}))
        .collect();
    json!({
        "page": {"id": "sandbox", "name": "ClickUp (sandbox)", "url": "https://status.example.invalid", "time_zone": "Etc/UTC", "updated_at": UPDATED},
        "status": {"indicator": indicator, "description": description},
        "components": components,
        "incidents": incidents,
        "scheduled_maintenances": []
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{RawLevel, StatusPageFormat};

    #[test]
    fn fixtures_decode_with_the_real_client_decoder() {
        let p = PlatformState { code: 500, affected: &[("API", 500)], incidents: &["Tasks failing to load"] };
        let io = crate::client::status_decode(
            status_io(&p).to_string().as_bytes(),
            "GET status page",
            &crate::text::Sanitizer::shapes_only(),
        )
        .expect("status.io decodes");
        assert_eq!((io.format, io.level.clone()), (StatusPageFormat::StatusIo, RawLevel::StatusIoCode(500)));
        assert_eq!(io.incidents.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(), vec!["Tasks failing to load"]);
        let sp = crate::client::status_decode(
            statuspage(&p).to_string().as_bytes(),
            "GET status page",
            &crate::text::Sanitizer::shapes_only(),
        )
        .expect("statuspage decodes");
        assert_eq!(sp.level, RawLevel::Indicator("major".into()));
        assert_eq!(
            sp.affected.iter().map(|p| (p.name.as_str(), p.words.as_str())).collect::<Vec<_>>(),
            vec![("API", "major_outage")]
        );
    }
}
