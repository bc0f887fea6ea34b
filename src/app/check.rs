//! `check`: one report on stdout in the chosen format, the same report in
//! any `--output` files, the job summary on GitHub Actions, and the exit
//! code of the chosen format.

use std::io::IsTerminal;
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::output::{append, write_atomic};
use super::progress::Progress;
use super::session::Session;
use super::{StartError, read_secret, write_stderr, write_stdout};
use crate::checks;
use crate::checks::{CheckId, Gate};
use crate::cli::{CheckArgs, ConnectionArgs, Format};
use crate::client::ClickUpClient;
use crate::config::{ProbeTarget, apply_policy};
use crate::gather::{self, InFlight, Plan, Receiver, Sources};
use crate::redact::Redactor;
use crate::repo::ScanOptions;
use crate::report::{self, Report, TableOptions};

/// The variable GitHub Actions sets to the job summary file.
const STEP_SUMMARY_ENV: &str = "GITHUB_STEP_SUMMARY";

/// Runs the selected checks; returns the process exit code.
pub(super) async fn run(args: &CheckArgs, quiet: bool, redactor: &Redactor) -> Result<u8, StartError> {
    for spec in &args.output {
        check_writable(&spec.path, &spec.format.name())?;
    }
    let selection = (args.only.as_slice(), args.skip.as_slice());
    let (session, report) = execute(&args.connection, selection, args.fail_on, args.staged, quiet, redactor).await?;
    let settings = &session.settings;
    let stdout_is_tty = std::io::stdout().is_terminal();
    let color = report::use_color(
        stdout_is_tty,
        args.no_color,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("CLICOLOR_FORCE").as_deref(),
    );
    let table = TableOptions { color, quiet, width: report::table_width(stdout_is_tty) };
    write_stdout(redactor, &report::render(&report, settings.format, table));

    let plain = TableOptions { color: false, quiet, width: 120 };
    for spec in &args.output {
        let text = redactor.scrub(&report::render(&report, spec.format, plain)).into_owned();
        write_atomic(&spec.path, text.as_bytes()).map_err(|e| StartError::Output {
            what: spec.format.name(),
            path: spec.path.display().to_string(),
            reason: e.to_string(),
        })?;
    }
    let wants_summary = settings.format == Format::Github || args.output.iter().any(|o| o.format == Format::Github);
    if let Some(path) = std::env::var_os(STEP_SUMMARY_ENV).filter(|p| wants_summary && !p.is_empty()) {
        let text = redactor.scrub(&report::render_markdown(&report)).into_owned();
        if let Err(e) = append(Path::new(&path), &text) {
            write_stderr(redactor, &format!("warning: cannot append the job summary to ${STEP_SUMMARY_ENV}: {e}\n"));
        }
    }
    Ok(report::exit_code(&report, settings.format))
}

/// Opens a session, gathers, evaluates and applies the gate policy: the
/// part `check` and `checklist` share.
pub(super) async fn execute(
    connection: &ConnectionArgs,
    selection: (&[CheckId], &[CheckId]),
    fail_on: Gate,
    staged: bool,
    quiet: bool,
    redactor: &Redactor,
) -> Result<(Session, Report), StartError> {
    let started = Instant::now();
    let session =
        Session::open(connection, selection, redactor, |s| Plan::for_checks(&s.selected, &s.checks).needs_api())
            .await?;
    let settings = &session.settings;
    let plan = Plan::for_checks(&settings.selected, &settings.checks);
    let receivers = if plan.receivers { load_receivers(&settings.webhook_probes, redactor)? } else { Vec::new() };
    let in_flight = InFlight::default();
    let scan = ScanOptions { bundle_dirs: settings.bundle_dirs.clone(), staged_only: staged };
    let sources = Sources {
        api: session.api.as_ref(),
        status: Some(&session.status),
        transport: &session.transport,
        receivers: &receivers,
        in_flight: &in_flight,
        repo: Some((settings.repo.as_path(), &scan)),
    };
    let show_progress = settings.format == Format::Table && !quiet && std::io::stderr().is_terminal();
    let progress = Progress::start(show_progress, in_flight.clone(), settings.selected.clone());
    let mut evidence = gather::gather(&plan, sources, settings.deadline, session.token_kind).await;
    progress.finish().await;
    evidence.token_origin = session.token_origin.clone();

    let outcomes = settings
        .selected
        .iter()
        .map(|id| {
            let mut outcome = checks::evaluate(*id, &evidence, &settings.checks);
            apply_policy(&mut outcome, settings.policies.get(id), fail_on);
            outcome
        })
        .collect();
    let report = Report {
        outcomes,
        api_requests: session.api.as_ref().map_or(0, ClickUpClient::requests),
        status_requests: session.status.requests(),
        duration: started.elapsed(),
        sandbox: session.sandbox.as_ref().map(|(name, _)| name.as_str()),
        finished_at_unix: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
    };
    Ok((session, report))
}

/// Refuses, before any request, an output whose directory does not exist.
fn check_writable(path: &Path, what: &str) -> Result<(), StartError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if dir.is_dir() {
        Ok(())
    } else {
        Err(StartError::Output {
            what: what.to_owned(),
            path: path.display().to_string(),
            reason: format!("the directory {} does not exist", dir.display()),
        })
    }
}

/// Reads each receiver's signing secret (from its variable or file) and
/// registers it with the redactor.
fn load_receivers(targets: &[ProbeTarget], redactor: &Redactor) -> Result<Vec<Receiver>, StartError> {
    targets
        .iter()
        .map(|t| Ok(Receiver { endpoint: t.endpoint.clone(), secret: read_secret(&t.secret, redactor)? }))
        .collect()
}
