//! `webhooks list` and `webhooks reactivate`.

use std::io::IsTerminal;

use super::session::Session;
use super::{StartError, write_stderr, write_stdout};
use crate::cli::{ConnectionArgs, Format, ReactivateArgs};
use crate::client::ClickUpClient;
use crate::config::ConfigError;
use crate::evidence::WebhookEvidence;
use crate::gather;
use crate::model::Named;
use crate::redact::{Redactor, scrub_token_like};
use crate::report::{self, Exit};

/// Lists every webhook of every reachable workspace, under the budget of a
/// command a person asked for.
pub(super) async fn list(args: &ConnectionArgs, redactor: &Redactor) -> Result<Exit, StartError> {
    table_or_json(args.format, "webhooks list")?;
    let session = Session::open(args, (&[], &[]), redactor, |_| true).await?;
    let api = explicit_client(&session)?;
    let listing = gather::all_webhooks(&api, session.settings.deadline).await;
    let text = match session.settings.format {
        Format::Json => report::render_list_json(&listing),
        _ => report::render_list_table(&listing, report::table_width(std::io::stdout().is_terminal())),
    };
    write_stdout(redactor, &text);
    say_spent(&api, redactor);
    Ok(report::list_exit(&listing))
}

/// Finds the webhook, asks for confirmation, reactivates it with its
/// subscription restated, and checks from ClickUp's answer that only its
/// health changed.
pub(super) async fn reactivate(args: &ReactivateArgs, redactor: &Redactor) -> Result<Exit, StartError> {
    if args.id.is_empty() || !args.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        let message =
            "expected a webhook id such as 4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e01 (see `webhooks list`)".to_owned();
        return Err(ConfigError::Value { origin: "ID".into(), message }.into());
    }
    if let Some(bad) = args.workspace.as_deref().filter(|w| !crate::client::is_workspace_id(w)) {
        let message = format!("expected a workspace id of digits, such as 9012345; got `{}`", scrub_token_like(bad));
        return Err(ConfigError::Value { origin: "--workspace".into(), message }.into());
    }
    table_or_json(args.connection.format, "webhooks reactivate")?;
    let session = Session::open(&args.connection, (&[], &[]), redactor, |_| true).await?;
    let api = explicit_client(&session)?;
    let (found, listing) =
        gather::find_webhook(&api, &args.id, args.workspace.as_deref(), session.settings.deadline).await;
    let Some((_, before)) = found else {
        say_spent(&api, redactor);
        return Ok(not_found(args, &listing, redactor));
    };
    if before.subscription.reactivation_body().is_none() {
        say_spent(&api, redactor);
        write_stderr(
            redactor,
            &format!(
                "error: the listing of webhook {} does not say which events it subscribes to, and ClickUp reads a \
                 reactivation without events as all events; nothing sent (reactivate it in ClickUp's settings)\n",
                before.id
            ),
        );
        return Ok(Exit::ChecksFailed);
    }
    write_stderr(redactor, FIX_THE_RECEIVER_FIRST);
    if !args.yes && !confirm(&before, redactor).await? {
        write_stderr(redactor, "not changed\n");
        return Ok(Exit::Declined);
    }
    let probe = api.reactivate_webhook(&before).await;
    say_spent(&api, redactor);
    match probe.result {
        Ok(after) => {
            let changes = before.subscription_changes(&after);
            let text = match session.settings.format {
                Format::Json => report::render_reactivation_json(&before, &after, &changes),
                _ => report::render_reactivation_text(&before, &after, &changes),
            };
            write_stdout(redactor, &text);
            Ok(if changes.is_empty() { Exit::Ok } else { Exit::ChecksFailed })
        }
        Err(e) => {
            write_stderr(redactor, &format!("error: reactivation failed: {e}\n"));
            Ok(Exit::ChecksFailed)
        }
    }
}

/// Said before every reactivation, prompt or not.
const FIX_THE_RECEIVER_FIRST: &str = "note: fix the receiver first: a webhook whose deliveries keep failing is \
                                      suspended again (at once if the receiver answers 401 or 410)\n";

/// The client under the policy of a command a person asked for: it may
/// spend the rate-limit window, never its reserve.
pub(super) fn explicit_client(session: &Session) -> Result<ClickUpClient, StartError> {
    let policy = session.settings.resilience.for_explicit_command();
    Ok(session.require_api()?.clone().with_policy(policy))
}

/// One line on stderr: the requests this command spent, and what the window
/// had left.
pub(super) fn say_spent(api: &ClickUpClient, redactor: &Redactor) {
    let reserve = api.run_state().policy().reserve;
    let left = api.run_state().remaining().map_or_else(String::new, |r| {
        format!("; {r} left in the rate-limit window (the last {reserve} are never spent)")
    });
    write_stderr(redactor, &format!("{} API requests{left}\n", api.requests()));
}

/// Says why the webhook was not found and picks the exit code: "not found"
/// only when every workspace searched could be listed.
fn not_found(args: &ReactivateArgs, listing: &WebhookEvidence, redactor: &Redactor) -> Exit {
    let searched = listing.lists.iter().filter(|(_, p)| p.result.is_ok()).count();
    let place = args
        .workspace
        .as_deref()
        .map_or_else(|| format!("the {searched} workspaces listed"), |w| format!("workspace {w}"));
    let (partial, exit) = if report::list_exit(listing) == Exit::Ok {
        ("", Exit::WebhookNotFound)
    } else {
        (" (some could not be listed: see `webhooks list`)", Exit::ChecksFailed)
    };
    write_stderr(
        redactor,
        &format!(
            "error: no webhook {} in {place}{partial}\nhint: ClickUp lists only the webhooks created by the \
             token's own user: use the token that registered it\n",
            args.id
        ),
    );
    exit
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
