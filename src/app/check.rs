//! `check`: one report on stdout in the chosen format, the same report in
//! any `--output` files, the job summary on GitHub Actions, and the exit
//! code of the chosen format.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::output::{self, Destination, append};
use super::progress::Progress;
use super::session::Session;
use super::{StartError, read_secret, write_stderr, write_stdout};
use crate::checks;
use crate::checks::{CheckId, Gate, Status};
use crate::cli::{CheckArgs, ConnectionArgs, Format, OutputSpec};
use crate::client::ClickUpClient;
use crate::config::ProbeTarget;
use crate::gather::{self, InFlight, Plan, ReceiverTarget, Sources};
use crate::model::Named;
use crate::redact::Redactor;
use crate::repo::{ScanOptions, Scope};
use crate::report::{self, Report, TableOptions};

/// The variable GitHub Actions sets to the job summary file.
const STEP_SUMMARY_ENV: &str = "GITHUB_STEP_SUMMARY";

/// Runs the selected checks; returns the process exit code.
pub(super) async fn run(args: &CheckArgs, quiet: bool, redactor: &Redactor) -> Result<u8, StartError> {
    let outputs = plan_outputs(&args.output, args.connection.format)?;
    let selection = (args.only.as_slice(), args.skip.as_slice());
    let (session, report) =
        execute(&args.connection, selection, args.fail_on, scan_scope(args), quiet, redactor).await?;
    let settings = &session.settings;
    let stdout_format = outputs.stdout.unwrap_or(settings.format);
    let table = stdout_table(args.no_color, quiet);
    let written = write_files(&outputs.files, |f| report::render(&report, f, FILE_TABLE), settings.deadline, redactor);
    // A plugin prints one status line: on a failed write, the caller's UNKNOWN only.
    if (written.is_ok() || stdout_format != Format::Nagios) && !(quiet && all_quiet(&report, stdout_format)) {
        write_stdout(redactor, &report::render(&report, stdout_format, table));
    }
    written?;
    let wants_summary = settings.format == Format::Github || args.output.iter().any(|o| o.format == Format::Github);
    append_job_summary(wants_summary, || report::render_markdown(&report), redactor);
    Ok(report::exit_code(&report, stdout_format))
}

/// On GitHub Actions, when the github format was asked for, appends the
/// Markdown report to the job summary; a failure is a warning, not an error.
pub(super) fn append_job_summary(wanted: bool, markdown: impl FnOnce() -> String, redactor: &Redactor) {
    if let Some(path) = std::env::var_os(STEP_SUMMARY_ENV).filter(|p| wanted && !p.is_empty()) {
        let text = redactor.scrub(&markdown()).into_owned();
        if let Err(e) = append(Path::new(&path), &text) {
            write_stderr(redactor, &format!("warning: cannot append the job summary to ${STEP_SUMMARY_ENV}: {e}\n"));
        }
    }
}

/// How a table in a file is drawn: files carry the whole report, uncoloured
/// (-q is about what a person, or cron's mail, sees).
pub(super) const FILE_TABLE: TableOptions = TableOptions { color: false, quiet: false, width: 120 };

/// How the table on stdout is drawn: coloured on a terminal unless
/// `--no-color` or `NO_COLOR` (or forced by `CLICOLOR_FORCE`), as wide as
/// the terminal.
pub(super) fn stdout_table(no_color: bool, quiet: bool) -> TableOptions {
    let stdout_is_tty = std::io::stdout().is_terminal();
    let color = report::use_color(
        stdout_is_tty,
        no_color,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("CLICOLOR_FORCE").as_deref(),
    );
    TableOptions { color, quiet, width: report::table_width(stdout_is_tty) }
}

/// Which files `secrets` reads, from `--staged` and the FILE arguments
/// (clap refuses both together).
fn scan_scope(args: &CheckArgs) -> Scope {
    if args.staged {
        Scope::Staged
    } else if !args.files.is_empty() {
        Scope::Files(args.files.clone())
    } else {
        Scope::Repository
    }
}

/// Whether `-q` prints nothing: a table in which no check warns, fails or
/// errors (cron mails nothing). Machine formats are the report itself.
fn all_quiet(report: &Report, format: Format) -> bool {
    format == Format::Table && report.outcomes.iter().all(|o| matches!(o.status, Status::Pass | Status::Skip))
}

/// The `--output` destinations, judged before any request.
pub(super) struct Outputs {
    /// The format an `--output FORMAT=-` puts on stdout instead of the table.
    pub(super) stdout: Option<Format>,
    /// Every other output: format, the path as given, where it writes.
    pub(super) files: Vec<(Format, PathBuf, Destination)>,
}

/// Resolves every `--output` path and refuses, before the network, one that
/// cannot be written, and a second report on stdout.
pub(super) fn plan_outputs(specs: &[OutputSpec], format: Format) -> Result<Outputs, StartError> {
    let mut outputs = Outputs { stdout: None, files: Vec::new() };
    for spec in specs {
        let refuse = |reason: String| StartError::Output {
            what: spec.format.name().to_owned(),
            path: spec.path.display().to_string(),
            reason,
        };
        match output::destination(&spec.path).map_err(refuse)? {
            Destination::Stdout if outputs.stdout.is_some() || format != Format::Table => {
                let other = outputs.stdout.unwrap_or(format).name();
                return Err(refuse(format!("stdout already carries the {other} report; one report per stream")));
            }
            Destination::Stdout => outputs.stdout = Some(spec.format),
            destination => {
                if let Some(other) = outputs.same_file(&destination) {
                    return Err(refuse(format!(
                        "the {} report goes to the same file; one report per file",
                        other.name()
                    )));
                }
                outputs.files.push((spec.format, spec.path.clone(), destination));
            }
        }
    }
    Ok(outputs)
}

impl Outputs {
    /// The format of a file output already bound for the file `destination`
    /// replaces: the second would replace the first.
    pub(super) fn same_file(&self, destination: &Destination) -> Option<Format> {
        self.files.iter().find(|(_, _, d)| d.same_file_as(destination)).map(|(format, _, _)| *format)
    }
}

/// Writes every file output, each rendered by `render` in its format; the
/// first failure is the error, after the others were tried.
pub(super) fn write_files(
    files: &[(Format, PathBuf, Destination)],
    render: impl Fn(Format) -> String,
    wait: Duration,
    redactor: &Redactor,
) -> Result<(), StartError> {
    let mut first_error = None;
    for (format, path, destination) in files {
        let text = redactor.scrub(&render(*format)).into_owned();
        if let Err(e) = output::write(destination, text.as_bytes(), wait) {
            first_error.get_or_insert(write_error(format.name(), path, &e));
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// The error for a file that could not be written: our own timeout says
/// what happened; an OS error by its kind.
pub(super) fn write_error(what: &str, path: &Path, e: &std::io::Error) -> StartError {
    let reason = if e.kind() == std::io::ErrorKind::TimedOut { e.to_string() } else { e.kind().to_string() };
    StartError::Output { what: what.to_owned(), path: path.display().to_string(), reason }
}

/// Opens a session, gathers, evaluates and applies the gate policy: the
/// part `check` and `checklist` share.
pub(super) async fn execute(
    connection: &ConnectionArgs,
    selection: (&[CheckId], &[CheckId]),
    fail_on: Gate,
    scope: Scope,
    quiet: bool,
    redactor: &Redactor,
) -> Result<(Session, Report), StartError> {
    let started = Instant::now();
    let session =
        Session::open(connection, selection, redactor, |s| Plan::for_checks(&s.selected, &s.checks).needs_api())
            .await?;
    let settings = &session.settings;
    if matches!(scope, Scope::Files(_)) && !settings.selected.contains(&CheckId::Secrets) {
        return Err(StartError::Unsupported(
            "FILE arguments name files for the secrets check, which is not selected: add --only secrets".into(),
        ));
    }
    let plan = Plan::for_checks(&settings.selected, &settings.checks);
    let receivers = if plan.receivers { load_receivers(&settings.webhook_probes, redactor)? } else { Vec::new() };
    let in_flight = InFlight::default();
    let scan = ScanOptions { bundle_dirs: settings.bundle_dirs.clone(), scope };
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
            let policy = settings.policies.get(id).copied().unwrap_or_default();
            if let Some(allows) = settings.allows.get(id) {
                outcome.allow(|code| allows.iter().find(|a| a.code == code).map(|a| a.reason.clone()));
            }
            outcome.apply_policy(policy.gate, policy.severity, fail_on);
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

/// Reads each receiver's signing secret (from its variable or file) and
/// registers it with the redactor.
fn load_receivers(targets: &[ProbeTarget], redactor: &Redactor) -> Result<Vec<ReceiverTarget>, StartError> {
    targets
        .iter()
        .map(|t| Ok(ReceiverTarget { endpoint: t.endpoint.clone(), secret: read_secret(&t.secret, redactor)? }))
        .collect()
}
