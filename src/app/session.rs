//! What every command that talks to ClickUp sets up first: settings, the
//! token, the in-process sandbox when asked for, and the clients.

use secrecy::{ExposeSecret, SecretString};

use super::StartError;
use crate::checks::CheckId;
use crate::cli::ConnectionArgs;
use crate::client::{ClickUpClient, StatusClient, Transport};
use crate::config::{self, EnvVars, Settings};
use crate::evidence::TokenOrigin;
use crate::redact::Redactor;
use crate::sandbox::{Sandbox, ScenarioName, parse_fault};
use crate::token::{self, TokenError, TokenKind, TokenSource};

/// A command's connection to ClickUp (or to the sandbox standing in for it).
pub(super) struct Session {
    /// Validated settings, pointed at the sandbox when one runs.
    pub settings: Settings,
    /// The token's kind, when there is a token.
    pub token_kind: Option<TokenKind>,
    /// Where the token came from, when there is one.
    pub token_origin: Option<TokenOrigin>,
    /// The one HTTP client of the run.
    pub transport: Transport,
    /// The ClickUp client, when a token is needed and present.
    pub api: Option<ClickUpClient>,
    /// The status-page client.
    pub status: StatusClient,
    /// The in-process sandbox; kept alive until the command ends.
    pub sandbox: Option<(ScenarioName, Sandbox)>,
}

impl Session {
    /// Resolves settings for `selection`, then sets up what they need.
    /// `needs_api` says, from the settings, whether a token is required.
    pub(super) async fn open(
        args: &ConnectionArgs,
        selection: (&[CheckId], &[CheckId]),
        redactor: &Redactor,
        needs_api: impl Fn(&Settings) -> bool,
    ) -> Result<Session, StartError> {
        let file = config::load_file(&args.overrides(), &EnvVars::from_process())?;
        Session::open_with_file(args, &file, selection, redactor, needs_api).await
    }

    /// As [`Session::open`], with the config file already chosen: `init`
    /// reads none (the file it writes is not there yet).
    pub(super) async fn open_with_file(
        args: &ConnectionArgs,
        file: &config::LoadedFile,
        selection: (&[CheckId], &[CheckId]),
        redactor: &Redactor,
        needs_api: impl Fn(&Settings) -> bool,
    ) -> Result<Session, StartError> {
        let started = std::time::Instant::now();
        let env = EnvVars::from_process();
        let overrides = args.overrides();
        let mut settings = config::resolve(&overrides, selection, &env, file)?;
        let needs_api = needs_api(&settings);
        let token = choose_token(args, settings.token_command.as_deref(), needs_api, settings.deadline)
            .map_err(|e| locate_token_command(e, settings.token_command_at.as_ref()))?;
        // The deadline covers the whole run, token_command included.
        settings.deadline = settings.deadline.saturating_sub(started.elapsed());
        if let Some((t, _)) = &token {
            redactor.add(t.expose_secret());
        }
        let token_origin = token.as_ref().map(|(t, source)| TokenOrigin {
            env_file_in_repo: is_env_file_in(source, &settings.repo),
            fingerprint: crate::repo::fingerprint(t.expose_secret()),
            source: source.clone(),
        });
        let token = token.map(|(t, _)| t);
        let sandbox = match (args.sandbox, &token) {
            (Some(name), Some(t)) => Some((name, start_sandbox(name, t.clone(), &args.fault, &mut settings).await?)),
            _ => None,
        };
        let transport = Transport::new(settings.transport, redactor)?;
        let api = match (&token, needs_api) {
            (Some(t), true) => {
                Some(ClickUpClient::new(&transport, settings.api_url.clone(), t)?.with_policy(settings.resilience))
            }
            _ => None,
        };
        let status = StatusClient::new(&transport, settings.status_url.clone());
        Ok(Session {
            settings,
            token_kind: token.as_ref().map(TokenKind::of),
            token_origin,
            transport,
            api,
            status,
            sandbox,
        })
    }

    /// The ClickUp client, for commands that cannot run without one.
    pub(super) fn require_api(&self) -> Result<&ClickUpClient, StartError> {
        self.api.as_ref().ok_or(StartError::Token(TokenError::Missing))
    }
}

/// The token to use: `--token-file`, else `CLICKUP_API_TOKEN`, else
/// `token_command`, else (with `--sandbox`) a demo token. `None` only when
/// nothing needs the API.
fn choose_token(
    args: &ConnectionArgs,
    token_command: Option<&str>,
    needs_api: bool,
    deadline: std::time::Duration,
) -> Result<Option<(SecretString, TokenSource)>, StartError> {
    match token::load(args.token_file.as_deref(), std::env::var(token::TOKEN_ENV).ok()) {
        Ok(found) => Ok(Some(found)),
        Err(TokenError::Missing) => match token_command {
            Some(command) if needs_api => Ok(Some((token::from_command(command, deadline)?, TokenSource::Command))),
            _ if args.sandbox.is_some() => Ok(Some((token::demo_token(), TokenSource::SandboxDemo))),
            _ if !needs_api => Ok(None),
            _ => Err(TokenError::Missing.into()),
        },
        Err(other) => Err(other.into()),
    }
}

/// A failing `token_command` is a problem of the config file it is written
/// in: the error names that file, the line and the key.
fn locate_token_command(error: StartError, at: Option<&config::Located>) -> StartError {
    match (error, at) {
        (StartError::Token(TokenError::Command(reason)), Some(at)) => StartError::Config(at.error(reason)),
        (other, _) => other,
    }
}

/// Whether the token was read from a `.env*` file inside the repository.
fn is_env_file_in(source: &TokenSource, repo: &std::path::Path) -> bool {
    let TokenSource::File(path) = source else { return false };
    let named_env = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".env"));
    let (Ok(file), Ok(root)) = (path.canonicalize(), repo.canonicalize()) else { return false };
    named_env && file.starts_with(root)
}

/// Starts the in-process sandbox on a free loopback port, accepting
/// `token`, and points the settings at it.
async fn start_sandbox(
    name: ScenarioName,
    token: SecretString,
    fault_specs: &[String],
    settings: &mut Settings,
) -> Result<Sandbox, StartError> {
    let faults =
        fault_specs.iter().map(|f| parse_fault(f)).collect::<Result<Vec<_>, _>>().map_err(StartError::Unsupported)?;
    let running = Sandbox::start(([127, 0, 0, 1], 0).into(), *name.scenario(), token, None, faults, None)
        .await
        .map_err(|e| StartError::Sandbox { addr: "127.0.0.1:0".into(), reason: e.to_string() })?;
    settings.api_url = own_url(&running.api_url())?;
    settings.status_url = own_url(&running.status_url())?;
    tracing::info!(scenario = name.as_str(), api = %settings.api_url, "sandbox started");
    Ok(running)
}

fn own_url(text: &str) -> Result<reqwest::Url, StartError> {
    reqwest::Url::parse(text).map_err(|e| StartError::Runtime(format!("sandbox URL {text}: {e}")))
}
