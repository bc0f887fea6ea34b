//! `webhooks list` and `webhooks reactivate`.

use std::io::IsTerminal;

use super::session::Session;
use super::{StartError, write_stderr, write_stdout};
use crate::cli::{ConnectionArgs, Format, ReactivateArgs};
use crate::config::ConfigError;
use crate::gather;
use crate::model::Named;
use crate::redact::Redactor;
use crate::report::{self, Exit};

/// Lists every webhook of the reachable workspaces.
pub(super) async fn list(args: &ConnectionArgs, redactor: &Redactor) -> Result<Exit, StartError> {
    table_or_json(args.format, "webhooks list")?;
    let session = Session::open(args, (&[], &[]), redactor, |_| true).await?;
    let listing = gather::all_webhooks(session.require_api()?, session.settings.deadline).await;
    let text = match session.settings.format {
        Format::Json => report::render_list_json(&listing),
        _ => report::render_list_table(&listing, report::table_width(std::io::stdout().is_terminal())),
    };
    write_stdout(redactor, &text);
    Ok(report::list_exit(&listing))
}

/// Finds the webhook, asks for confirmation, reactivates it and says what
/// changed.
pub(super) async fn reactivate(args: &ReactivateArgs, redactor: &Redactor) -> Result<Exit, StartError> {
    if args.id.is_empty() || !args.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        let message =
            "expected a webhook id such as 4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e01 (see `webhooks list`)".to_owned();
        return Err(ConfigError::Value { origin: "ID".into(), message }.into());
    }
    table_or_json(args.connection.format, "webhooks reactivate")?;
    let session = Session::open(&args.connection, (&[], &[]), redactor, |_| true).await?;
    let api = session.require_api()?;
    let listing = gather::all_webhooks(api, session.settings.deadline).await;
    let found = listing.lists.iter().filter_map(|(_, p)| p.result.as_ref().ok()).flatten().find(|h| h.id == args.id);
    let Some(before) = found.cloned() else {
        let searched = listing.lists.iter().filter(|(_, p)| p.result.is_ok()).count();
        // Not found is only "not found" when every workspace could be searched.
        let (partial, exit) = if report::list_exit(&listing) == Exit::Ok {
            ("", Exit::WebhookNotFound)
        } else {
            (" (some could not be listed: see `webhooks list`)", Exit::ChecksFailed)
        };
        write_stderr(
            redactor,
            &format!("error: no webhook {} in the {searched} workspaces listed{partial}\n", args.id),
        );
        return Ok(exit);
    };
    if !args.yes && !confirm(&before, redactor).await? {
        write_stderr(redactor, "not changed\n");
        return Ok(Exit::Declined);
    }
    let probe = api.reactivate_webhook(&args.id).await;
    match probe.result {
        Ok(after) => {
            let text = match session.settings.format {
                Format::Json => report::render_reactivation_json(&before, &after),
                _ => report::render_reactivation_text(&before, &after),
            };
            write_stdout(redactor, &text);
            Ok(Exit::Ok)
        }
        Err(e) => {
            write_stderr(redactor, &format!("error: reactivation failed: {e}\n"));
            Ok(Exit::ChecksFailed)
        }
    }
}

/// The webhooks commands print a table or JSON; the report formats are for `check`.
fn table_or_json(format: Format, command: &str) -> Result<(), StartError> {
    match format {
        Format::Table | Format::Json => Ok(()),
        other => Err(StartError::Unsupported(format!("{command} prints `table` or `json`, not `{}`", other.name()))),
    }
}

/// Asks on the terminal; refuses to guess when there is none.
async fn confirm(hook: &crate::client::Webhook, redactor: &Redactor) -> Result<bool, StartError> {
    if !std::io::stdin().is_terminal() {
        return Err(StartError::Confirmation(format!(
            "refusing to reactivate webhook {} without confirmation: stdin is not a terminal; pass --yes",
            hook.id
        )));
    }
    let health = hook
        .health
        .as_ref()
        .map_or_else(|| "unknown health".to_owned(), |h| format!("{}, fail_count {}", h.status, h.fail_count));
    write_stderr(redactor, &format!("Reactivate webhook {} ({}, now {health})? [y/N] ", hook.id, hook.endpoint));
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| StartError::Runtime(e.to_string()))?
    .map_err(|e| StartError::Runtime(format!("cannot read the answer: {e}")))?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}
