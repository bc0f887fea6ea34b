//! Output of the `webhooks` commands: the listing and a reactivation.

use serde_json::{Value, json};

use super::Exit;
use crate::client::Webhook;
use crate::evidence::WebhookEvidence;

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

/// The listing as JSON (schema_version 1).
pub fn render_list_json(listing: &WebhookEvidence) -> String {
    let webhooks: Vec<Value> = hooks(listing).map(|(ws, h)| hook_json(ws, h)).collect();
    let errors: Vec<Value> =
        problems(listing).into_iter().map(|(ws, e)| json!({"workspace": ws, "error": e})).collect();
    super::json::pretty(&json!({"schema_version": 1, "webhooks": webhooks, "errors": errors}))
}

fn hook_json(workspace: &str, h: &Webhook) -> Value {
    let location = h.location.effective().map(|(level, id)| json!({"level": level.as_str(), "id": id}));
    json!({
        "workspace": workspace,
        "id": h.id,
        "health": h.health.as_ref().map(|x| x.status.clone()),
        "fail_count": h.health.as_ref().map(|x| x.fail_count),
        "endpoint": h.endpoint,
        "events": h.events,
        "location": location,
    })
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

/// What `webhooks reactivate` changed, as JSON: `status` is `pass` when
/// only the health changed, `fail` with `changes` otherwise.
pub fn render_reactivation_json(before: &Webhook, after: &Webhook, changes: &[String]) -> String {
    let state = |h: &Webhook| json!({"health": h.health.as_ref().map(|x| x.status.clone()), "fail_count": h.health.as_ref().map(|x| x.fail_count)});
    let status = if changes.is_empty() { "pass" } else { "fail" };
    super::json::pretty(&json!({
        "schema_version": 1, "id": before.id, "endpoint": before.endpoint, "before": state(before),
        "after": state(after), "status": status, "changes": changes,
    }))
}

fn health(h: &Webhook) -> String {
    h.health
        .as_ref()
        .map_or_else(|| "unknown health".to_owned(), |x| format!("{} (fail_count {})", x.status, x.fail_count))
}
