//! `sandbox`: serve the fake ClickUp (and, with `--receiver`, a webhook
//! receiver) until Ctrl-C, after printing the URLs and credentials to use.

use secrecy::{ExposeSecret, SecretString};

use super::{StartError, read_secret, write_stdout};
use crate::cli::SandboxArgs;
use crate::config::SecretSource;
use crate::drill::Plan;
use crate::duration::human;
use crate::redact::Redactor;
use crate::report::Exit;
use crate::sandbox::{Receiver, Sandbox, Scenario, load_faults, parse_fault};
use crate::token;

/// The variable the receiver reads its signing secret from.
pub(super) const WEBHOOK_SECRET_ENV: &str = "CLICKUP_WEBHOOK_SECRET";

/// Serves until interrupted.
pub(super) async fn run(args: &SandboxArgs, redactor: &Redactor) -> Result<Exit, StartError> {
    let (token, token_shown) = match std::env::var(token::TOKEN_ENV).ok().filter(|t| !t.trim().is_empty()) {
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
    let (receiver, secret_shown) = match args.receiver {
        None => (None, None),
        Some(mode) => {
            let (secret, shown) = receiver_secret(args, redactor)?;
            let receiver = Receiver::new(mode, secret);
            let receiver = match args.receiver_delay {
                Some(delay) => receiver.with_delay(delay).map_err(StartError::Unsupported)?,
                None => receiver,
            };
            (Some(receiver), Some(shown))
        }
    };
    if !args.listen.ip().is_loopback() {
        tracing::warn!(addr = %args.listen, "the sandbox is listening beyond loopback");
    }
    let mut faults = match &args.faults {
        Some(path) => load_faults(path).map_err(StartError::Unsupported)?,
        None => Vec::new(),
    };
    for spec in &args.fault {
        faults.push(parse_fault(spec).map_err(StartError::Unsupported)?);
    }
    let scale = args.workspaces.map(|n| (usize::from(n), usize::from(args.webhooks_per_workspace)));
    let named = *args.scenario.scenario();
    let scenario = Scenario { user_delay: args.user_delay.unwrap_or(named.user_delay), ..named };
    let plan = world_plan(args)?;
    let running = if args.world {
        Sandbox::start_world(args.listen, scenario, token, faults, plan.as_ref().map(|(p, _)| p.clone())).await
    } else {
        Sandbox::start(args.listen, scenario, token, receiver, faults, scale).await
    };
    let running = running.map_err(|e| StartError::Sandbox { addr: args.listen.to_string(), reason: e.to_string() })?;
    let mut text = format!(
        "clickup-preflight sandbox: scenario `{}` on http://{}\n  stats url:      http://{}{}\n  api url:        {}\n  status url:     {}   (Status.io)\n  statuspage url: {}   (Atlassian Statuspage)\n  token:          {}\n",
        args.scenario.as_str(),
        running.addr(),
        running.addr(),
        crate::sandbox::STATS_PATH,
        running.api_url(),
        running.status_url(),
        running.statuspage_url(),
        token_shown
    );
    if args.world {
        text.push_str(&format!("  journal url:    http://{}{}\n", running.addr(), crate::sandbox::JOURNAL_PATH));
    }
    if let Some((plan, name)) = &plan {
        text.push_str(&format!("  fault plan:     {}\n", describe_plan(plan, name)));
    }
    if let (Some(mode), Some(shown)) = (args.receiver, secret_shown) {
        let mode = crate::model::Named::name(mode);
        text.push_str(&format!(
            "  receiver url:   {}   (mode `{mode}`)\n  secret:         {shown}\n",
            running.receiver_url()
        ));
    }
    text.push_str("Press Ctrl-C to stop.\n");
    write_stdout(redactor, &text);
    tokio::signal::ctrl_c().await.map_err(|e| StartError::Runtime(format!("cannot wait for Ctrl-C: {e}")))?;
    tracing::info!(requests = running.api_requests(), "sandbox stopped");
    Ok(Exit::Ok)
}

/// The fault plan `sandbox --world` plays and the name the startup text
/// gives it: `--plan FILE` or the built-in plan, scaled to `--duration`
/// when given (read as `drill` reads it); none without either flag (the
/// world answers normally).
fn world_plan(args: &SandboxArgs) -> Result<Option<(Plan, String)>, StartError> {
    if args.plan.is_none() && args.duration.is_none() {
        return Ok(None);
    }
    let plan = super::drill::load_plan(args.plan.as_deref(), args.duration)?;
    let name = args.plan.as_ref().map_or_else(|| "the built-in plan".to_owned(), |p| p.display().to_string());
    Ok(Some(match args.duration {
        Some(total) => (plan, format!("{name} scaled to {}", human(total))),
        None => (plan, name),
    }))
}

/// One line saying which plan plays and how long each phase lasts, from
/// the sandbox's start: `plan.toml, 12s from the start: warm-up 4s, outage
/// 8s, then answers normally (window 2 requests, reset 2s, 50% server
/// errors)`.
fn describe_plan(plan: &Plan, name: &str) -> String {
    let phases: Vec<String> = plan.phases.iter().map(|p| format!("{} {}", p.kind, human(p.length))).collect();
    format!(
        "{name}, {} from the start: {}, then answers normally (window {} requests, reset {}, {}% server errors)",
        human(plan.total()),
        phases.join(", "),
        plan.rate_window,
        human(plan.reset_after),
        plan.error_percent
    )
}

/// `--secret-file`, else `CLICKUP_WEBHOOK_SECRET`, else a printed demo secret.
fn receiver_secret(args: &SandboxArgs, redactor: &Redactor) -> Result<(SecretString, String), StartError> {
    let source = match &args.secret_file {
        Some(path) => Some(SecretSource::File(path.clone())),
        None => std::env::var_os(WEBHOOK_SECRET_ENV).map(|_| SecretSource::Env(WEBHOOK_SECRET_ENV.to_owned())),
    };
    match source {
        Some(source) => {
            let origin = match &source {
                SecretSource::Env(name) => name.clone(),
                SecretSource::File(path) => path.display().to_string(),
            };
            Ok((read_secret(&source, redactor)?, format!("the one in {origin} (not shown)")))
        }
        None => {
            let demo = format!("sandbox-webhook-secret-{}", token::random_alnum(16).to_ascii_lowercase());
            Ok((SecretString::from(demo.clone()), demo))
        }
    }
}
