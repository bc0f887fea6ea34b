//! `check`: one report on stdout, and its exit code.

use std::io::IsTerminal;
use std::time::Instant;

use secrecy::{ExposeSecret, SecretString};

use super::session::Session;
use super::{StartError, write_stdout};
use crate::checks;
use crate::cli::{CheckArgs, Format};
use crate::client::{ClickUpClient, StatusClient};
use crate::config::{ProbeTarget, SecretSource};
use crate::gather::{self, Plan, Receiver, Sources};
use crate::redact::Redactor;
use crate::report::{self, Exit, Report, TableOptions};

/// Runs the selected checks.
pub(super) async fn run(args: &CheckArgs, quiet: bool, redactor: &Redactor) -> Result<Exit, StartError> {
    let started = Instant::now();
    let selection = (args.only.as_slice(), args.skip.as_slice());
    let session =
        Session::open(&args.connection, selection, redactor, |s| Plan::for_checks(&s.selected, &s.checks).needs_api())
            .await?;
    let settings = &session.settings;
    let plan = Plan::for_checks(&settings.selected, &settings.checks);
    let receivers = if plan.receivers { load_receivers(&settings.webhook_probes, redactor)? } else { Vec::new() };
    let sources = Sources {
        api: session.api.as_ref(),
        status: Some(&session.status),
        transport: &session.transport,
        receivers: &receivers,
    };
    let evidence = gather::gather(&plan, sources, settings.deadline, session.token_kind).await;
    let outcomes = settings.selected.iter().map(|id| checks::evaluate(*id, &evidence, &settings.checks)).collect();
    let report = Report {
        outcomes,
        api_requests: session.api.as_ref().map_or(0, ClickUpClient::requests),
        status_requests: StatusClient::requests(&session.status),
        duration: started.elapsed(),
        sandbox: session.sandbox.as_ref().map(|(name, _)| name.as_str()),
    };
    write_stdout(redactor, &render(&report, settings.format, quiet));
    Ok(report.exit())
}

/// Reads each receiver's signing secret (from its variable or file) and
/// registers it with the redactor.
fn load_receivers(targets: &[ProbeTarget], redactor: &Redactor) -> Result<Vec<Receiver>, StartError> {
    targets
        .iter()
        .map(|t| {
            let (origin, raw) = match &t.secret {
                SecretSource::Env(name) => (name.clone(), std::env::var(name).map_err(|_| "is not set".to_owned())),
                SecretSource::File(path) => (
                    path.display().to_string(),
                    std::fs::read_to_string(path).map_err(|e| format!("cannot be read ({})", e.kind())),
                ),
            };
            let raw = SecretString::from(raw.map_err(|reason| StartError::Secret { origin: origin.clone(), reason })?);
            let secret = raw.expose_secret().trim();
            if secret.is_empty() {
                return Err(StartError::Secret { origin, reason: "is empty".into() });
            }
            redactor.add(secret);
            Ok(Receiver { endpoint: t.endpoint.clone(), secret: SecretString::from(secret.to_owned()) })
        })
        .collect()
}

/// The report in the chosen format; the table adapts to the terminal.
fn render(report: &Report, format: Format, quiet: bool) -> String {
    match format {
        Format::Json => report::render_json(report),
        Format::Table => {
            let stdout_is_tty = std::io::stdout().is_terminal();
            let color = report::use_color(stdout_is_tty, std::env::var_os("NO_COLOR").as_deref());
            report::render_table(report, TableOptions { color, quiet, width: report::table_width(stdout_is_tty) })
        }
    }
}
