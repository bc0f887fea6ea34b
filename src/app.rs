//! Runs a command end to end: settings, token, sandbox, gather, evaluate,
//! render, exit code. Start-up problems (usage, config, token) become one
//! line on stderr and exit 2; everything after start-up is a report.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use secrecy::{ExposeSecret, SecretString};

use crate::checks;
use crate::cli::{CheckArgs, Cli, Command, Format, SandboxArgs};
use crate::client::{ClickUpClient, ClientError, StatusClient, Transport};
use crate::config::{self, ConfigError, EnvVars, Settings};
use crate::gather::{self, Plan};
use crate::redact::Redactor;
use crate::report::{self, Exit, Report, TableOptions};
use crate::sandbox::{Sandbox, ScenarioName};
use crate::token::{self, TokenError, TokenKind};

/// Why a run could not start. Each message is one line that names the
/// place and says what was expected; none contains the token.
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
    /// The async runtime or a signal handler could not be set up.
    #[error("cannot start: {0}")]
    Runtime(String),
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let redactor = Redactor::default();
    init_tracing(cli.verbose, &redactor);
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StartError::Runtime(e.to_string()))
        .and_then(|runtime| {
            runtime.block_on(async {
                match &cli.command {
                    Command::Check(args) => check(args, cli.quiet, &redactor).await,
                    Command::Sandbox(args) => serve(args, &redactor).await,
                }
            })
        });
    match outcome {
        Ok(exit) => exit.into(),
        Err(error) => {
            let line = format!("error: {error}\n");
            let _ = std::io::stderr().write_all(redactor.scrub(&line).as_bytes());
            Exit::CouldNotStart.into()
        }
    }
}

/// `check`: one report on stdout, and its exit code.
async fn check(args: &CheckArgs, quiet: bool, redactor: &Redactor) -> Result<Exit, StartError> {
    let started = Instant::now();
    let env = EnvVars::from_process();
    let file = config::load_file(args, &env)?;
    let mut settings = config::resolve(args, &env, &file)?;
    let plan = Plan::for_checks(&settings.selected, &settings.checks);

    let token = choose_token(args, plan.needs_api())?;
    if let Some(t) = &token {
        redactor.add(t.expose_secret());
    }
    // Kept alive until the report is rendered; dropping it stops the server.
    let sandbox = match (args.sandbox, &token) {
        (Some(name), Some(t)) => Some((name, start_sandbox(name, t.clone(), &mut settings).await?)),
        _ => None,
    };

    let transport = Transport::new(settings.transport)?;
    let api = match (&token, plan.needs_api()) {
        (Some(t), true) => Some(ClickUpClient::new(&transport, settings.api_url.clone(), t)?),
        _ => None,
    };
    let status = plan.status_page.then(|| StatusClient::new(&transport, settings.status_url.clone()));
    let kind = token.as_ref().map(TokenKind::of);
    let evidence = gather::gather(plan, api.as_ref(), status.as_ref(), settings.deadline, kind).await;
    let outcomes = settings.selected.iter().map(|id| checks::evaluate(*id, &evidence, &settings.checks)).collect();
    let report = Report {
        outcomes,
        api_requests: api.as_ref().map_or(0, ClickUpClient::requests),
        status_requests: status.as_ref().map_or(0, StatusClient::requests),
        duration: started.elapsed(),
        sandbox: sandbox.as_ref().map(|(name, _)| name.as_str()),
    };
    let text = render(&report, settings.format, quiet);
    write_stdout(redactor, &text);
    Ok(report.exit())
}

/// The token to use: `--token-file`, else `CLICKUP_API_TOKEN`, else (with
/// `--sandbox`) a demo token. `None` only when no check needs the API.
fn choose_token(args: &CheckArgs, needs_api: bool) -> Result<Option<SecretString>, StartError> {
    match token::load(args.token_file.as_deref(), std::env::var(token::TOKEN_ENV).ok()) {
        Ok((secret, _source)) => Ok(Some(secret)),
        Err(TokenError::Missing) if args.sandbox.is_some() => Ok(Some(token::demo_token())),
        Err(TokenError::Missing) if !needs_api => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// Starts the in-process sandbox on a free loopback port, accepting
/// `token`, and points the settings at it.
async fn start_sandbox(
    name: ScenarioName,
    token: SecretString,
    settings: &mut Settings,
) -> Result<Sandbox, StartError> {
    let running = Sandbox::start(([127, 0, 0, 1], 0).into(), name, token)
        .await
        .map_err(|e| StartError::Sandbox { addr: "127.0.0.1:0".into(), reason: e.to_string() })?;
    settings.api_url = parse_own_url(&running.api_url())?;
    settings.status_url = parse_own_url(&running.status_url())?;
    tracing::info!(scenario = name.as_str(), api = %settings.api_url, "sandbox started");
    Ok(running)
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

/// `sandbox`: serve until Ctrl-C, after printing the URLs and the token to use.
async fn serve(args: &SandboxArgs, redactor: &Redactor) -> Result<Exit, StartError> {
    let (token, shown) = match std::env::var(token::TOKEN_ENV).ok().filter(|t| !t.trim().is_empty()) {
        Some(raw) => {
            let (secret, _) = token::load(None, Some(raw))?;
            redactor.add(secret.expose_secret());
            (secret, format!("the one in {} (not shown)", token::TOKEN_ENV))
        }
        None => {
            let demo = token::demo_token();
            let shown = demo.expose_secret().to_owned();
            (demo, shown)
        }
    };
    if !args.listen.ip().is_loopback() {
        tracing::warn!(addr = %args.listen, "the sandbox is listening beyond loopback");
    }
    let running = Sandbox::start(args.listen, args.scenario, token)
        .await
        .map_err(|e| StartError::Sandbox { addr: args.listen.to_string(), reason: e.to_string() })?;
    let text = format!(
        "clickup-preflight sandbox: scenario `{}` on http://{}\n  api url:        {}\n  status url:     {}   (Status.io)\n  statuspage url: {}   (Atlassian Statuspage)\n  token:          {}\nPress Ctrl-C to stop.\n",
        args.scenario.as_str(),
        running.addr(),
        running.api_url(),
        running.status_url(),
        running.statuspage_url(),
        shown
    );
    write_stdout(redactor, &text);
    tokio::signal::ctrl_c().await.map_err(|e| StartError::Runtime(format!("cannot wait for Ctrl-C: {e}")))?;
    tracing::info!(requests = running.api_requests(), "sandbox stopped");
    Ok(Exit::Ok)
}

fn parse_own_url(text: &str) -> Result<reqwest::Url, StartError> {
    reqwest::Url::parse(text).map_err(|e| StartError::Runtime(format!("sandbox URL {text}: {e}")))
}

/// Writes to stdout through the redactor. A closed pipe (`| head`) is not
/// an error worth a message.
fn write_stdout(redactor: &Redactor, text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(redactor.scrub(text).as_bytes()).and_then(|()| out.flush());
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
