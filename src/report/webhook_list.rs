//! Output of the `webhooks` commands: the listing and a reactivation.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::Exit;
use crate::client::{Level, Webhook};
use crate::evidence::WebhookEvidence;
use crate::model::Status;

/// Exit code of `webhooks list`: 1 unless every workspace was listed.
pub fn list_exit(listing: &WebhookEvidence) -> Exit {
    let complete = listing.workspaces.is_ok()
        && listing.not_checked.is_empty()
        && listing.lists.iter().all(|(_, p)| p.result.is_ok());
    if complete { Exit::Ok } else { Exit::ChecksFailed }
}

fn hooks(listing: &WebhookEvidence) -> impl Iterator<Item = (&str, &Webhook)> {
    listing.lists.iter().flat_map(|(ws, p)| p.result.iter().flatten().map(move |h| (ws.as_str(), h)))
}

fn problems(listing: &WebhookEvidence) -> Vec<(Option<&str>, String)> {
    let mut out: Vec<(Option<&str>, String)> = Vec::new();
    if let Err(e) = &listing.workspaces {
        out.push((None, e.to_string()));
    }
    for (ws, p) in &listing.lists {
        if let Err(e) = &p.result {
            out.push((Some(ws.as_str()), e.to_string()));
        }
    }
    for ws in &listing.not_checked {
        out.push((
            Some(ws.as_str()),
            "not listed: the rate-limit window's last requests are left to production".to_owned(),
        ));
    }
    out
}

/// The listing as a table, problems below it. Ids, workspace ids and event
/// names are never split across lines, so they can be copied.
pub fn render_list_table(listing: &WebhookEvidence, width: u16) -> String {
    let header = ["Workspace", "Webhook", "Health", "Fails", "Endpoint", "Events", "Watches"];
    let mut table = super::table::new_table(&header, width, false);
    let mut count = 0;
    for (ws, h) in hooks(listing) {
        count += 1;
        let (status, fails) = h
            .health
            .as_ref()
            .map_or(("unknown".to_owned(), "-".to_owned()), |x| (x.status.to_string(), x.fail_count.to_string()));
        table.add_row(vec![
            ws.to_owned(),
            h.id.to_string(),
            status,
            fails,
            h.endpoint.to_string(),
            h.events.join(", "),
            h.location.describe().to_string(),
        ]);
    }
    let all: Vec<(&str, &Webhook)> = hooks(listing).collect();
    super::table::keep_whole(&mut table, 0, all.iter().map(|(ws, _)| *ws).chain([header[0]]));
    super::table::keep_whole(&mut table, 1, all.iter().map(|(_, h)| h.id.as_str()));
    super::table::keep_whole(
        &mut table,
        5,
        all.iter().flat_map(|(_, h)| h.events.iter().map(crate::model::OutsideText::as_str)),
    );
    let watches: Vec<crate::model::Message> = all.iter().map(|(_, h)| h.location.describe()).collect();
    super::table::keep_whole(&mut table, 6, watches.iter().flat_map(|w| w.split_whitespace()));
    let mut out = if count == 0 { "no webhooks\n".to_owned() } else { format!("{table}\n") };
    for (ws, problem) in problems(listing) {
        out.push_str(&format!(
            "{}: {problem}\n",
            ws.map_or_else(|| "workspaces".to_owned(), |w| format!("workspace {w}"))
        ));
    }
    out
}

/// `webhooks list --format json` (schema_version 1). Keys are in
/// alphabetical order, as the listing has always been written.
#[derive(Serialize, JsonSchema)]
struct JsonListing<'a> {
    /// What kept the listing from being complete; empty when every
    /// workspace was listed (exit 0).
    errors: Vec<JsonListError<'a>>,
    /// The document's shape: additive changes only within a version.
    #[schemars(schema_with = "super::json::schema::version")]
    schema_version: u32,
    /// Every webhook listed, workspace by workspace.
    webhooks: Vec<JsonWebhook<'a>>,
}

/// A workspace that was not listed, or the workspaces that could not be.
#[derive(Serialize, JsonSchema)]
struct JsonListError<'a> {
    /// What went wrong.
    error: String,
    /// The workspace; null when listing the workspaces themselves failed.
    workspace: Option<&'a str>,
}

/// One webhook as ClickUp listed it (sanitized).
#[derive(Serialize, JsonSchema)]
struct JsonWebhook<'a> {
    /// Where ClickUp delivers.
    endpoint: &'a str,
    /// The events it is subscribed to; `*` means all.
    events: Vec<&'a str>,
    /// Events dropped after their retries ran out; null without health.
    fail_count: Option<u64>,
    /// ClickUp's `health.status` (`active`, `failing`, `suspended`...);
    /// null when ClickUp sent none.
    health: Option<&'a str>,
    /// The webhook's id.
    id: &'a str,
    /// The location filter in effect; null when it watches the workspace.
    location: Option<JsonLocation<'a>>,
    /// The workspace it belongs to.
    workspace: &'a str,
}

/// A webhook's most specific location filter.
#[derive(Serialize, JsonSchema)]
struct JsonLocation<'a> {
    /// The id at that level.
    id: &'a str,
    /// `space`, `folder`, `list` or `task`.
    #[schemars(schema_with = "level_names")]
    level: &'static str,
}

fn level_names(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    use Level::*;
    let _every = |l: Level| match l {
        Space | Folder | List | Task => (),
    };
    super::json::schema::names([Space, Folder, List, Task].map(Level::as_str).to_vec())
}

/// The JSON Schema of `webhooks list --format json`, as written to
/// `schema/webhooks-list.schema.json`.
pub fn webhooks_list_schema() -> Value {
    super::json::schema_of::<JsonListing<'static>>("clickup-preflight webhooks list --format json")
}

/// The listing as JSON (schema_version 1).
pub fn render_list_json(listing: &WebhookEvidence) -> String {
    let doc = JsonListing {
        errors: problems(listing).into_iter().map(|(workspace, error)| JsonListError { error, workspace }).collect(),
        schema_version: 1,
        webhooks: hooks(listing).map(|(ws, h)| hook_json(ws, h)).collect(),
    };
    super::json::pretty(&doc)
}

fn hook_json<'a>(workspace: &'a str, h: &'a Webhook) -> JsonWebhook<'a> {
    JsonWebhook {
        endpoint: h.endpoint.as_str(),
        events: h.events.iter().map(crate::model::OutsideText::as_str).collect(),
        fail_count: h.health.as_ref().map(|x| x.fail_count),
        health: h.health.as_ref().map(|x| x.status.as_str()),
        id: h.id.as_str(),
        location: h.location.effective().map(|(level, id)| JsonLocation { level: level.as_str(), id }),
        workspace,
    }
}

/// What `webhooks reactivate` changed, as a sentence; `changes` (what
/// ClickUp's answer shows changed besides health) make it a FAIL listing
/// each difference.
pub fn render_reactivation_text(before: &Webhook, after: &Webhook, changes: &[String]) -> String {
    let mut out =
        format!("reactivated webhook {} ({}): {} -> {}\n", before.id, before.endpoint, health(before), health(after));
    if !changes.is_empty() {
        out.push_str("FAIL: ClickUp's answer shows the webhook changed, not only reactivated:\n");
        for change in changes {
            out.push_str(&format!("  {change}\n"));
        }
        out.push_str("restore the endpoint, events and location it had (shown on the left) before relying on it\n");
    }
    out
}

/// `webhooks reactivate --format json` (schema_version 1). Keys are in
/// alphabetical order, as the answer has always been written.
#[derive(Serialize, JsonSchema)]
struct JsonReactivation<'a> {
    /// The health ClickUp's answer shows.
    after: JsonHealth<'a>,
    /// The health as listed before the reactivation.
    before: JsonHealth<'a>,
    /// What ClickUp's answer shows changed besides the health, one line
    /// each (`endpoint: OLD -> NEW`); empty when only the health changed.
    changes: &'a [String],
    /// Where ClickUp delivers, as listed before.
    endpoint: &'a str,
    /// The webhook's id.
    id: &'a str,
    /// The document's shape: additive changes only within a version.
    #[schemars(schema_with = "super::json::schema::version")]
    schema_version: u32,
    /// `pass` when only the health changed, `fail` when `changes` lists more.
    #[schemars(schema_with = "reactivation_status")]
    status: &'static str,
}

/// A webhook's health at one moment; both null when ClickUp sent none.
#[derive(Serialize, JsonSchema)]
struct JsonHealth<'a> {
    /// Events dropped after their retries ran out.
    fail_count: Option<u64>,
    /// ClickUp's `health.status` (`active`, `failing`, `suspended`...).
    health: Option<&'a str>,
}

impl<'a> JsonHealth<'a> {
    fn of(h: &'a Webhook) -> Self {
        JsonHealth {
            fail_count: h.health.as_ref().map(|x| x.fail_count),
            health: h.health.as_ref().map(|x| x.status.as_str()),
        }
    }
}

/// The two verdicts a reactivation has.
const REACTIVATION_STATUSES: [Status; 2] = [Status::Pass, Status::Fail];

fn reactivation_status(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    super::json::schema::names(REACTIVATION_STATUSES.map(Status::as_str).to_vec())
}

/// The JSON Schema of `webhooks reactivate --format json`, as written to
/// `schema/webhooks-reactivate.schema.json`.
pub fn webhooks_reactivate_schema() -> Value {
    super::json::schema_of::<JsonReactivation<'static>>("clickup-preflight webhooks reactivate --format json")
}

/// What `webhooks reactivate` changed, as JSON: `status` is `pass` when
/// only the health changed, `fail` with `changes` otherwise.
pub fn render_reactivation_json(before: &Webhook, after: &Webhook, changes: &[String]) -> String {
    let [pass, fail] = REACTIVATION_STATUSES;
    let doc = JsonReactivation {
        after: JsonHealth::of(after),
        before: JsonHealth::of(before),
        changes,
        endpoint: before.endpoint.as_str(),
        id: before.id.as_str(),
        schema_version: 1,
        status: if changes.is_empty() { pass } else { fail }.as_str(),
    };
    super::json::pretty(&doc)
}

fn health(h: &Webhook) -> String {
    h.health
        .as_ref()
        .map_or_else(|| "unknown health".to_owned(), |x| format!("{} (fail_count {})", x.status, x.fail_count))
}
