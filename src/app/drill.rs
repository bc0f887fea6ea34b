//! `drill`: starts the drill world on loopback with the fault plan, runs
//! the team's command against it, stops it when the plan ends, judges the
//! journal and reports one verdict per checklist item. Everything that can
//! be refused (flags, the plan file, every file the drill writes) is
//! refused before the world starts or the command runs.

mod child;
mod health;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};

use super::check::{FILE_TABLE, Outputs, append_job_summary, plan_outputs, stdout_table, write_error, write_files};
use super::output::{self, Destination};
use super::{StartError, write_stderr, write_stdout};
use crate::cli::{DrillArgs, Format};
use crate::drill::plan::PlanError;
use crate::drill::{CommandEnd, CommandExit, CommandRun, DrillReport, Journal, PhaseKind, Plan};
use crate::model::Named;
use crate::redact::Redactor;
use crate::report::{self, DRILL_FORMATS};
use crate::sandbox::{Proxy, Sandbox, ScenarioName};
use crate::text::Sanitizer;

/// The variable the command finds the drill world's API base URL in.
const API_URL_ENV: &str = "CLICKUP_API_URL";
/// What the command is told the API is behind `--proxy`: the real host,
/// which the proxy impersonates (nothing reaches the real one through it).
const PROXIED_API_URL: &str = "https://api.clickup.com/api/v2";
/// The exit code of a drill interrupted by a signal (128 + SIGINT,
/// as shells report Ctrl-C): the command was stopped, nothing was judged.
const INTERRUPTED: u8 = 130;
/// How long a stream output (a FIFO) may wait for its reader.
const OUTPUT_WAIT: Duration = Duration::from_secs(10);

/// What the drill writes besides stdout, judged before it starts.
struct Files {
    outputs: Outputs,
    journal: Option<(PathBuf, Destination)>,
    token: Option<PathBuf>,
}

/// Runs the drill; returns the process exit code.
pub(super) async fn run(args: &DrillArgs, quiet: bool, verbose: u8, redactor: &Redactor) -> Result<u8, StartError> {
    let started = Instant::now();
    let started_unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let plan = choose_plan(args)?;
    let files = plan_files(args)?;
    let token = crate::token::demo_token();
    redactor.add(token.expose_secret());
    // Removed however the drill ends: its tokens are worthless once the world is gone.
    let _token_file = match &files.token {
        Some(path) => {
            write_token(path, &token)?;
            Some(TokenFile(path.clone()))
        }
        None => None,
    };
    let scenario = *ScenarioName::Healthy.scenario();
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let world = Sandbox::start_world(loopback, scenario, token.clone(), Vec::new(), Some(plan.clone()))
        .await
        .map_err(|e| StartError::Sandbox { addr: loopback.to_string(), reason: e.to_string() })?;
    let clock = Instant::now().checked_sub(world.elapsed()).unwrap_or_else(Instant::now);
    let sanitizer = Sanitizer::new(redactor);
    let echo = (verbose > 0).then(|| redactor.clone());
    let poller = match &args.health_url {
        Some(url) => Some(health::Poller::start(url, clock, redactor).map_err(StartError::Drill)?),
        None => None,
    };
    let proxy = if args.proxy {
        Some(Proxy::start(world.addr(), sanitizer.clone()).await.map_err(|e| StartError::Drill(e.to_string()))?)
    } else {
        None
    };
    // Behind the proxy the integration is told the real address, which the
    // proxy serves: its requests take the path a hard-coded host takes.
    let api_url = if proxy.is_some() { PROXIED_API_URL.to_owned() } else { world.api_url() };
    let mut env: Vec<(&str, &OsStr)> =
        vec![(API_URL_ENV, OsStr::new(&api_url)), (crate::token::TOKEN_ENV, OsStr::new(token.expose_secret()))];
    let proxy_env = proxy.as_ref().map(Proxy::child_env).unwrap_or_default();
    env.extend(proxy_env.iter().map(|(name, value)| (*name, value.as_os_str())));
    let sink = child::LogSink { sanitizer: sanitizer.clone(), echo, clock };
    let mut interrupts = Interrupts::listen();
    let mut running = child::spawn(&args.command, &env, sink).map_err(StartError::Drill)?;
    tracing::debug!(api = %world.api_url(), plan_s = plan.total().as_secs_f64(), "drill started");
    let ending = supervise(&world, &mut running, &plan, files.token.as_deref(), &mut interrupts, redactor).await;
    let (end, exit) = match ending {
        Ending::Exited(code, at) => {
            running.finish(args.grace).await;
            let at = at.saturating_duration_since(clock);
            (CommandEnd::Exited { code }, Some(CommandExit { at, code }))
        }
        Ending::PlanEnded => (running.stop(args.grace).await, None),
        Ending::Interrupted => {
            running.stop(args.grace).await;
            write_stderr(redactor, "error: drill interrupted: the command was stopped; nothing was judged\n");
            return Ok(INTERRUPTED);
        }
        Ending::Failed(reason) => {
            running.stop(args.grace).await;
            return Err(StartError::Drill(reason));
        }
    };
    let argv = args.command.iter().map(|a| sanitizer.line(&a.to_string_lossy(), crate::text::URL)).collect();
    let command = CommandRun { argv, end, duration: running.duration() };
    let mut journal = world.drill_journal();
    let logs = running.logs();
    journal.logs = logs.lines;
    journal.exit = exit;
    journal.health = poller.map(health::Poller::finish).unwrap_or_default();
    let mut report = DrillReport::judge(&journal, command, args.require.clone(), started_unix, started.elapsed());
    if logs.held_open {
        report.notes.push(crate::message!(
            "a process the command started still held the command's output open after its process group was gone: it left the group (setsid, a daemon) and may still run; the drill cannot stop it"
        ));
    }
    if let Some(proxy) = proxy {
        report.notes.extend(proxy_notes(&proxy));
        proxy.shutdown().await;
    }
    for note in &report.notes {
        write_stderr(redactor, &format!("warning: {note}\n"));
    }
    publish(args, quiet, &report, &journal, &files, redactor)?;
    Ok(report.exit(args.fail_on).code())
}

/// What the proxy refused, and handshakes that failed because the command
/// did not trust the run's CA (it pins certificates or ignores the CA
/// variables): its requests never reached the world.
fn proxy_notes(proxy: &Proxy) -> Vec<crate::model::Message> {
    let mut notes: Vec<crate::model::Message> = proxy.refused().iter().map(crate::sandbox::Refusal::message).collect();
    let unlisted = proxy.unlisted_refusals();
    if unlisted > 0 {
        notes.push(crate::message!("{} more refused proxy requests to other hosts", unlisted));
    }
    let failed = proxy.failed_handshakes();
    if failed > 0 {
        notes.push(crate::message!(
            "{} TLS handshakes with the proxy failed: the command does not trust the run's CA (SSL_CERT_FILE and friends), or pins certificates",
            failed
        ));
    }
    notes
}

/// The plan: the built-in one or `--plan`'s, scaled by `--duration`, with
/// a token-rotation phase when `--rotate-token-file` is given.
fn choose_plan(args: &DrillArgs) -> Result<Plan, StartError> {
    let plan = load_plan(args.plan.as_deref(), args.duration)?;
    Ok(if args.rotate_token_file.is_some() { plan.with_token_rotation() } else { plan })
}

/// A plan file longer than this is not a plan (the longest sensible one
/// is a few KiB).
const PLAN_LIMIT: u64 = 1 << 20;

/// The plan in `file` (the built-in one without it), scaled to last
/// `duration` when given. `drill --plan` and `sandbox --world --plan` both
/// read through it, so one bad file gives both the same one line: the file
/// (and line) first, then what is wrong.
pub(super) fn load_plan(file: Option<&Path>, duration: Option<Duration>) -> Result<Plan, StartError> {
    let plan = match file {
        Some(path) => {
            let source = crate::input::read_text(path, PLAN_LIMIT).map_err(|e| PlanError {
                path: path.display().to_string(),
                line: None,
                message: format!("cannot read the plan: {e}"),
            })?;
            crate::drill::plan::parse(&source, path)?
        }
        None => Plan::default(),
    };
    Ok(match duration {
        Some(total) => plan.scaled(total),
        None => plan,
    })
}

/// Judges every file the drill writes before anything starts: the
/// `--output` files (the drill's formats only), the journal, and the token
/// file (a regular file: the command re-reads it).
fn plan_files(args: &DrillArgs) -> Result<Files, StartError> {
    for spec in &args.output {
        if !DRILL_FORMATS.contains(&spec.format) {
            let offered: Vec<&str> = DRILL_FORMATS.iter().map(|f| f.name()).collect();
            return Err(StartError::Unsupported(format!(
                "--output {}=...: drill writes {}; not {}",
                spec.format.name(),
                offered.join(", "),
                spec.format.name()
            )));
        }
    }
    let outputs = plan_outputs(&args.output, args.format)?;
    let refuse = |what: &str, path: &Path, reason: String| StartError::Output {
        what: what.to_owned(),
        path: path.display().to_string(),
        reason,
    };
    let journal = match &args.journal {
        Some(path) => match output::destination(path).map_err(|r| refuse("journal", path, r))? {
            Destination::Stdout => return Err(refuse("journal", path, "stdout carries the report".to_owned())),
            destination => {
                if let Some(other) = outputs.same_file(&destination) {
                    let reason = format!("the {} report goes to the same file; one report per file", other.name());
                    return Err(refuse("journal", path, reason));
                }
                Some((path.clone(), destination))
            }
        },
        None => None,
    };
    let token = match &args.rotate_token_file {
        Some(path) => Some(plan_token_file(path, &outputs, journal.as_ref().map(|(_, d)| d))?),
        None => None,
    };
    Ok(Files { outputs, journal, token })
}

/// Where `--rotate-token-file` writes: a path where nothing is yet (not
/// even a symlink), since the drill writes a token there, rotates it and
/// removes the file at the end; a file the team already has (its real
/// token file, say) would be replaced, then deleted. Nor may a report or
/// the journal go there: the removal would take it too.
fn plan_token_file(path: &Path, outputs: &Outputs, journal: Option<&Destination>) -> Result<PathBuf, StartError> {
    let refuse = |reason: &str| StartError::Drill(format!("--rotate-token-file {}: {reason}", path.display()));
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(refuse(
            "it already exists; the drill writes a fresh token file there and removes it afterwards, so name a path where nothing is yet",
        ));
    }
    let destination = output::destination(path).map_err(|reason| refuse(&reason))?;
    if let Some(other) = outputs.same_file(&destination) {
        return Err(refuse(&format!("the {} report goes to the same file", other.name())));
    }
    if journal.is_some_and(|j| j.same_file_as(&destination)) {
        return Err(refuse("the journal goes to the same file"));
    }
    match destination {
        Destination::Replace(file) => Ok(file),
        _ => Err(refuse("expected a regular file the command can re-read")),
    }
}

/// The rotation file, removed when the drill ends (however it ends), so
/// that no token is left behind in a file.
struct TokenFile(PathBuf);

impl Drop for TokenFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Writes a drill token to the rotation file: atomically, owner-only.
fn write_token(path: &Path, token: &SecretString) -> Result<(), StartError> {
    output::write_private_atomic(path, format!("{}\n", token.expose_secret()).as_bytes())
        .map_err(|e| write_error("token", path, &e))
}

/// Why the drill stopped watching the command.
enum Ending {
    /// It exited by itself: its code (`None`: a signal) and when.
    Exited(Option<i32>, Instant),
    /// The plan ended with the command still running.
    PlanEnded,
    /// SIGINT, SIGTERM or SIGHUP reached the drill.
    Interrupted,
    /// The drill could not go on (the rotated token could not be written).
    Failed(String),
}

/// Watches the command until it exits, the plan ends or the drill is
/// interrupted, rotating the token on the way when asked to.
async fn supervise(
    world: &Sandbox,
    running: &mut child::Running,
    plan: &Plan,
    token_file: Option<&Path>,
    interrupts: &mut Interrupts,
    redactor: &Redactor,
) -> Ending {
    let until_end = plan.total().saturating_sub(world.elapsed());
    let rotation = async {
        match token_file {
            Some(path) => match rotate(world, plan, path, redactor).await {
                Ok(()) => std::future::pending().await,
                Err(reason) => reason,
            },
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        (code, at) = running.exited() => Ending::Exited(code, at),
        () = tokio::time::sleep(until_end) => Ending::PlanEnded,
        () = interrupts.received() => Ending::Interrupted,
        reason = rotation => Ending::Failed(reason),
    }
}

/// At the start of the rotation phase: issues the next token, writes it to
/// the file, then revokes the old one (as a leaked token is rotated).
async fn rotate(world: &Sandbox, plan: &Plan, path: &Path, redactor: &Redactor) -> Result<(), String> {
    let Some(phase) = plan.timeline().into_iter().find(|p| p.kind == PhaseKind::TokenRotation) else {
        return Ok(());
    };
    tokio::time::sleep(phase.start.saturating_sub(world.elapsed())).await;
    let fresh = world.issue_token();
    redactor.add(fresh.expose_secret());
    write_token(path, &fresh).map_err(|e| format!("token rotation: {e}"))?;
    world.revoke_older_tokens();
    tracing::debug!(at_ms = world.elapsed().as_millis() as u64, "drill token rotated");
    Ok(())
}

/// SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal went away), listened
/// for from before the command starts: its group is not the terminal's
/// foreground group, so these reach the drill only, which must stop it.
struct Interrupts([Option<tokio::signal::unix::Signal>; 3]);

impl Interrupts {
    fn listen() -> Interrupts {
        use tokio::signal::unix::{SignalKind, signal};
        let on = |kind| signal(kind).ok();
        Interrupts([on(SignalKind::interrupt()), on(SignalKind::terminate()), on(SignalKind::hangup())])
    }

    /// Resolves when one of them arrives.
    async fn received(&mut self) {
        async fn one(signal: &mut Option<tokio::signal::unix::Signal>) {
            match signal {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        let [int, term, hup] = &mut self.0;
        tokio::select! {
            () = one(int) => {}
            () = one(term) => {}
            () = one(hup) => {}
        }
    }
}

/// The report on stdout and in every `--output` file, the journal file,
/// and the job summary on GitHub Actions.
fn publish(
    args: &DrillArgs,
    quiet: bool,
    report: &DrillReport,
    journal: &Journal,
    files: &Files,
    redactor: &Redactor,
) -> Result<(), StartError> {
    let plain = FILE_TABLE;
    let written = write_files(&files.outputs.files, |f| report::render_drill(report, f, plain), OUTPUT_WAIT, redactor);
    let journal_written = files.journal.as_ref().map_or(Ok(()), |(path, destination)| {
        let text = redactor.scrub(&report::render_drill_journal(journal)).into_owned();
        output::write(destination, text.as_bytes(), OUTPUT_WAIT).map_err(|e| write_error("journal", path, &e))
    });
    let table = stdout_table(args.no_color, quiet);
    write_stdout(redactor, &report::render_drill(report, files.outputs.stdout.unwrap_or(args.format), table));
    let wants_summary = args.format == Format::Github || args.output.iter().any(|o| o.format == Format::Github);
    append_job_summary(wants_summary, || report::render_drill(report, Format::Markdown, plain), redactor);
    written.and(journal_written)
}
