//! Runs a command end to end. Start-up problems (usage, config, token)
//! become one line on stderr and exit 2; everything after start-up is a
//! report with its own exit code.

mod check;
mod checklist;
mod docs;
mod drill;
mod hook;
mod init;
mod output;
mod progress;
mod sandbox;
mod session;
mod show_config;
mod webhooks;

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{Cli, Command, Format, WebhooksCommand};
use crate::client::ClientError;
use secrecy::{ExposeSecret, SecretString};

use crate::config::{ConfigError, SecretSource};
use crate::redact::Redactor;
use crate::report::{self, Exit};
use crate::token::TokenError;

/// Why a run could not start. Each message is one line that names the
/// place and says what was expected; none contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// `checks.toml`, a flag value or an environment variable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No usable token.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The sandbox could not listen.
    #[error("cannot start the sandbox on {addr}: {reason}")]
    Sandbox {
        /// The address asked for.
        addr: String,
        /// The OS's reason.
        reason: String,
    },
    /// A webhook signing secret could not be read.
    #[error("webhook signing secret from {origin}: {reason}")]
    Secret {
        /// The variable or file named.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// A report file could not be written.
    #[error("cannot write the {what} report to {path}: {reason}")]
    Output {
        /// The format.
        what: String,
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A format the command does not offer.
    #[error("{0}")]
    Unsupported(String),
    /// A drill report given to `checklist --drill` is unreadable or not one.
    #[error(transparent)]
    DrillReport(#[from] crate::checklist::DrillReportError),
    /// A change needs confirmation that cannot be asked for.
    #[error("{0}")]
    Confirmation(String),
    /// `init` did not write its file: it exists, or cannot be created.
    #[error("{path}: {reason}; nothing written")]
    NotWritten {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A fault plan file (`drill --plan`, `sandbox --world --plan`) is
    /// unreadable or not a plan: the file and line, then what is wrong.
    #[error(transparent)]
    Plan(#[from] crate::drill::plan::PlanError),
    /// The drill could not run: its command, or the token file it rotates.
    #[error("{0}")]
    Drill(String),
    /// The async runtime or a signal handler could not be set up.
    #[error("cannot start: {0}")]
    Runtime(String),
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let redactor = Redactor::default();
    init_tracing(cli.verbose, &redactor);
    // A Nagios plugin that cannot run reports UNKNOWN (3) on stdout.
    let nagios = matches!(&cli.command, Command::Check(a) if a.connection.format == Format::Nagios);
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StartError::Runtime(e.to_string()))
        .and_then(|runtime| {
            runtime.block_on(async {
                match &cli.command {
                    Command::Check(args) => check::run(args, cli.quiet, &redactor).await,
                    Command::Webhooks(WebhooksCommand::List(args)) => {
                        webhooks::list(args, &redactor).await.map(Exit::code)
                    }
                    Command::Webhooks(WebhooksCommand::Reactivate(args)) => {
                        webhooks::reactivate(args, &redactor).await.map(Exit::code)
                    }
                    Command::Sandbox(args) => sandbox::run(args, &redactor).await.map(Exit::code),
                    Command::Checklist(args) => checklist::run(args, &redactor).await.map(Exit::code),
                    Command::InstallHook(args) => hook::install(args, &redactor).map(Exit::code),
                    Command::Drill(args) => drill::run(args, cli.quiet, cli.verbose, &redactor).await,
                    Command::Completions(args) => docs::completions(args).map(Exit::code),
                    Command::Man(args) => docs::man(args, &redactor).map(Exit::code),
                    Command::Init(args) => init::run(args, &redactor).await.map(Exit::code),
                    Command::Config(args) => show_config::run(args, &redactor).map(Exit::code),
                }
            })
        });
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) if nagios => {
            write_stdout(&redactor, &report::nagios_could_not_start(&error.to_string()));
            ExitCode::from(report::NagiosState::Unknown.code())
        }
        Err(error) => {
            // One line, whatever a path or value quoted in it holds.
            write_stderr(&redactor, &format!("error: {}\n", crate::text::one_line(&error.to_string())));
            Exit::CouldNotStart.into()
        }
    }
}

/// A command line clap refused. Help and version print as clap prints them;
/// an error is clap's message and exit 2, or for a Nagios plugin one
/// UNKNOWN status line (its first line) and exit 3.
pub fn usage_error(error: &clap::Error, nagios: bool) -> ExitCode {
    let redactor = Redactor::default();
    if !nagios || !error.use_stderr() {
        let _ = error.print();
        return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(Exit::CouldNotStart.code()));
    }
    let text = error.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    let reason = first.strip_prefix("error: ").unwrap_or(first);
    write_stdout(&redactor, &report::nagios_could_not_start(&format!("usage: {reason}")));
    ExitCode::from(report::NagiosState::Unknown.code())
}

/// A bug ended the run (the panic hook has said where, on stderr): exit
/// 101, or for a Nagios plugin one UNKNOWN status line and exit 3.
pub fn internal_error(nagios: bool) -> ExitCode {
    if nagios {
        write_stdout(&Redactor::default(), &report::nagios_could_not_start("internal error (a bug; see stderr)"));
        return ExitCode::from(report::NagiosState::Unknown.code());
    }
    ExitCode::from(101)
}

/// A secret file longer than this holds more than a secret.
const SECRET_LIMIT: u64 = 64 * 1024;

/// Reads a webhook signing secret from its variable or file, trimmed;
/// refuses an unset, unreadable or empty one, and registers it with the
/// redactor so that no output can show it.
fn read_secret(source: &SecretSource, redactor: &Redactor) -> Result<SecretString, StartError> {
    let (origin, raw) = match source {
        // The names come from checks.toml and are shown: token shapes masked.
        SecretSource::Env(name) => {
            (crate::redact::scrub_token_like(name), std::env::var(name).map_err(|_| "is not set".to_owned()))
        }
        SecretSource::File(path) => (
            crate::redact::scrub_token_like(&path.display().to_string()),
            crate::input::read_text(path, SECRET_LIMIT).map_err(|e| format!("cannot be read ({e})")),
        ),
    };
    let raw = SecretString::from(raw.map_err(|reason| StartError::Secret { origin: origin.clone(), reason })?);
    let secret = raw.expose_secret().trim();
    if secret.is_empty() {
        return Err(StartError::Secret { origin, reason: "is empty".into() });
    }
    redactor.add(secret);
    Ok(SecretString::from(secret.to_owned()))
}

/// Writes to stdout through the redactor. A closed pipe (`| head`) is not
/// an error worth a message.
fn write_stdout(redactor: &Redactor, text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(redactor.scrub(text).as_bytes()).and_then(|()| out.flush());
}

/// Writes one line to stderr through the redactor.
fn write_stderr(redactor: &Redactor, text: &str) {
    let _ = std::io::stderr().write_all(redactor.scrub(text).as_bytes());
}

/// Logs go to stderr, through the redactor. Quiet by default (warnings
/// only); `-v` shows this tool's steps, `-vv` everything, HTTP stack
/// included, at trace level.
fn init_tracing(verbose: u8, redactor: &Redactor) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let filter = match verbose {
        0 => Targets::new().with_default(LevelFilter::WARN),
        1 => Targets::new().with_target("clickup_preflight", LevelFilter::DEBUG).with_default(LevelFilter::WARN),
        _ => Targets::new().with_default(LevelFilter::TRACE),
    };
    let redactor = redactor.clone();
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_target(true)
        .with_writer(move || redactor.writer(std::io::stderr()));
    let _ = tracing_subscriber::registry().with(layer).with(filter).try_init();
}
