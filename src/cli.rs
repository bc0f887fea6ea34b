//! Commands and flags (clap derive). Environment fallbacks for URLs and the
//! config path are read in `config::resolve`, not here, so that clap's
//! conflict rules see only what was typed and precedence is tested in one
//! place.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};

pub use crate::model::Format;
use crate::model::{CheckId, Gate, Named};
use crate::sandbox::{ReceiverMode, ScenarioName};

/// Is this ClickUp API v2 integration ready for production?
///
/// Runs auth, rate-limit, latency, workspace and platform-status checks
/// concurrently and prints PASS / WARN / FAIL / ERROR per check.
/// Exit codes: 0 nothing failed, 1 a check failed or could not be
/// evaluated, 2 the run could not start (bad flag, bad config, no token).
#[derive(Debug, Parser)]
// `--version` names the commit when built from a git checkout (build.rs).
#[command(name = "clickup-preflight", version = env!("CLICKUP_PREFLIGHT_VERSION"), max_term_width = 100)]
pub struct Cli {
    /// More logging on stderr: -v for the tool's own steps, -vv for the HTTP stack too.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Print only checks that warn, fail or error; nothing at all when none does (cron mails nothing).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the checks and report (exit 0 pass, 1 fail, 2 could not start).
    Check(CheckArgs),
    /// List the workspaces' webhooks, or reactivate a suspended one.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// Serve the built-in fake ClickUp API and status page until interrupted.
    Sandbox(SandboxArgs),
    /// The production checklist, item by item: VERIFIED by a check or a drill, ATTESTED in checks.toml, or OPEN.
    #[command(mut_arg("format", |a| only_formats(a, &[Format::Table, Format::Json, Format::Markdown])))]
    Checklist(ChecklistArgs),
    /// Write a git pre-commit hook that runs the secrets check on staged files.
    InstallHook(InstallHookArgs),
    /// Run your integration against a fault-scripted fake ClickUp and judge what it does, item by item.
    ///
    /// The command after `--` runs directly (no shell) with CLICKUP_API_URL and CLICKUP_API_TOKEN
    /// pointing at the drill world; when it exits, or the plan ends (then SIGTERM, --grace,
    /// SIGKILL), every checklist item the drill judges gets pass, warn, fail or not-exercised with
    /// its evidence.
    /// Exit codes: 0 no item failed; 1 an item failed (see --fail-on, --require); 2 the drill could
    /// not start; 130 interrupted (the command was stopped, no report).
    Drill(DrillArgs),
    /// Print the completion script for a shell on stdout.
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout, or write one page per command into a directory.
    Man(ManArgs),
    /// Write a starter checks.toml (never over a file); with a token, expect what it sees now.
    ///
    /// With a token (CLICKUP_API_TOKEN or --token-file) or --sandbox, the workspaces and the
    /// healthy webhooks the token sees become what `check` expects; unhealthy ones are written
    /// commented out, with the reason.
    ///
    /// Exit codes: 0 written; 1 the account could not be read whole (nothing written);
    /// 2 could not start (the file exists, bad flag, unusable token).
    #[command(
        mut_arg("format", |a| only_formats(a, &[Format::Table]).hide(true)),
        mut_arg("repo", |a| a.hide(true)),
        mut_arg("config", |a| a.help("Where to write [env: CLICKUP_PREFLIGHT_CONFIG] [default: ./checks.toml]")),
    )]
    Init(ConnectionArgs),
    /// Print the configuration in effect, each value with its source; the token masked.
    ///
    /// Sources: flag, env NAME, checks.toml:LINE or default. The token shows by its source
    /// only, never its value; token_command is not run.
    #[command(mut_arg("format", |a| only_formats(a, &[Format::Table, Format::Json])))]
    Config(ConnectionArgs),
}

/// Flags of `drill`, then the command after `--`.
#[derive(Debug, Args)]
pub struct DrillArgs {
    /// Output format on stdout.
    #[arg(long, value_parser = named(&crate::report::DRILL_FORMATS), default_value = "table")]
    pub format: Format,

    /// Also write FORMAT to PATH (repeatable), e.g. json=drill.json.
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub output: Vec<OutputSpec>,

    /// Scale the plan to last this long, every phase kept (15s to 1h) [default: the plan's own; 60s built in].
    #[arg(long, value_name = "DURATION", value_parser = drill_duration)]
    pub duration: Option<Duration>,

    /// Play the fault plan in this TOML file instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,

    /// When the plan ends: how long the command has between SIGTERM and SIGKILL.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5s")]
    pub grace: Duration,

    /// Poll the integration's own health endpoint (a loopback URL) every 250ms; it must answer 2xx through the outage.
    #[arg(long, value_name = "URL", value_parser = health_url)]
    pub health_url: Option<String>,

    /// Rotate the token after the auth fault: write the new one to PATH (0600; the first one at the start) and revoke the old.
    #[arg(long, value_name = "PATH")]
    pub rotate_token_file: Option<PathBuf>,

    /// Also serve an HTTPS proxy that impersonates api.clickup.com with a CA made for this run, for integrations that hard-code the host (sets HTTPS_PROXY and the CA variables).
    #[arg(long)]
    pub proxy: bool,

    /// Write every request the drill saw as JSON lines to FILE (the token by generation, never its value).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// What fails the run: fail (an item FAIL), warn (also WARN), never (report only).
    #[arg(long, value_parser = all::<Gate>(), value_name = "WHEN", default_value = "fail")]
    pub fail_on: Gate,

    /// These items fail the run when the drill did not exercise them (comma-separated checklist ids).
    #[arg(long, value_name = "ITEM", value_delimiter = ',', value_parser = drilled_item)]
    pub require: Vec<&'static str>,

    /// No colours, even on a terminal (NO_COLOR does the same; CLICOLOR_FORCE forces them).
    #[arg(long)]
    pub no_color: bool,

    /// The command to drill and its arguments, after `--`.
    #[arg(last = true, required = true, num_args = 1.., value_name = "COMMAND", value_parser = clap::value_parser!(std::ffi::OsString))]
    pub command: Vec<std::ffi::OsString>,
}

/// Flags of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Connection, config and output flags.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Run only these checks (comma-separated).
    #[arg(long, value_parser = all::<CheckId>(), value_delimiter = ',', value_name = "CHECK")]
    pub only: Vec<CheckId>,

    /// Skip these checks (comma-separated).
    #[arg(long, value_parser = all::<CheckId>(), value_delimiter = ',', value_name = "CHECK")]
    pub skip: Vec<CheckId>,

    /// Also write FORMAT to PATH in the same run (repeatable), e.g. junit=preflight.xml.
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub output: Vec<OutputSpec>,

    /// What fails the run: fail (FAIL/ERROR), warn (also WARN), never (report only).
    #[arg(long, value_parser = all::<Gate>(), value_name = "WHEN", default_value = "fail")]
    pub fail_on: Gate,

    /// No colours, even on a terminal (NO_COLOR does the same; CLICOLOR_FORCE forces them).
    #[arg(long)]
    pub no_color: bool,

    /// `secrets` reads only the files staged for commit (what the pre-commit hook runs).
    #[arg(long)]
    pub staged: bool,

    /// `secrets` reads only these files, relative to the current directory (what pre-commit passes).
    #[arg(value_name = "FILE", conflicts_with = "staged")]
    pub files: Vec<PathBuf>,
}

/// `webhooks list` and `webhooks reactivate`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Print every webhook of the reachable workspaces: health, fail count, endpoint, events, location.
    #[command(mut_arg("format", |a| only_formats(a, &[Format::Table, Format::Json])))]
    List(ConnectionArgs),
    /// Set a suspended (or failing) webhook back to active: PUT /webhook/{id} with its endpoint and events as listed.
    ///
    /// Exit codes: 0 reactivated unchanged; 1 ClickUp refused, its answer shows the
    /// webhook changed, or a workspace could not be listed; 2 could not start (bad id,
    /// no token, no terminal without --yes);
    /// 4 no such webhook in any workspace; 5 declined at the prompt.
    #[command(mut_arg("format", |a| only_formats(a, &[Format::Table, Format::Json])))]
    Reactivate(ReactivateArgs),
}

/// Flags of `checklist`.
#[derive(Debug, Args)]
pub struct ChecklistArgs {
    /// Connection, config and output flags.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// A drill report (`drill --format json`): the items it passed count as VERIFIED as of its date.
    #[arg(long, value_name = "FILE")]
    pub drill: Option<PathBuf>,
}

/// Flags of `install-hook`.
#[derive(Debug, Args)]
pub struct InstallHookArgs {
    /// The repository to install into [default: .].
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub repo: PathBuf,

    /// Replace an existing pre-commit hook instead of keeping it as pre-commit.local (run first).
    #[arg(long)]
    pub force: bool,
}

/// Flags of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Flags of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write clickup-preflight.1 and one page per command (clickup-preflight-check.1, ...) into DIR,
    /// created if missing; refuses to overwrite an existing page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Flags of `webhooks reactivate`.
#[derive(Debug, Args)]
pub struct ReactivateArgs {
    /// The webhook's id (a UUID, as `webhooks list` shows it).
    #[arg(value_name = "ID")]
    pub id: String,

    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// The workspace that has the webhook: look only there (one request) instead of searching.
    #[arg(long, value_name = "WORKSPACE_ID")]
    pub workspace: Option<String>,

    /// Connection, config and output flags.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Flags shared by every command that talks to ClickUp.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Read the token from this file instead of CLICKUP_API_TOKEN.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// ClickUp API base URL [env: CLICKUP_API_URL] [default: https://api.clickup.com/api/v2].
    #[arg(long, value_name = "URL", conflicts_with = "sandbox")]
    pub api_url: Option<String>,

    /// Status page URL, Status.io or Statuspage summary.json [env: CLICKUP_STATUS_URL] [default: ClickUp's Status.io API].
    #[arg(long, value_name = "URL", conflicts_with = "sandbox")]
    pub status_url: Option<String>,

    /// Config file [env: CLICKUP_PREFLIGHT_CONFIG] [default: ./checks.toml if present].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Output format on stdout.
    #[arg(long, value_parser = all::<Format>(), default_value = "table")]
    pub format: Format,

    /// Per-request timeout, e.g. 10, 2.5s, 500ms [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// Overall deadline for the whole run [default: 30s, or timeout + 5s if longer].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub deadline: Option<Duration>,

    /// The repository the `secrets` check reads (and `token` judges .env files in) [default: .].
    #[arg(long, value_name = "PATH")]
    pub repo: Option<PathBuf>,

    /// Run against the built-in fake ClickUp with this scenario: no token, no network.
    #[arg(long, value_parser = all::<ScenarioName>(), value_name = "SCENARIO")]
    pub sandbox: Option<ScenarioName>,

    /// With --sandbox: inject a fault, KIND[=VALUE][,share=F][,route=PATH] (repeatable; see README).
    #[arg(long, value_name = "SPEC", requires = "sandbox", value_parser = fault_spec)]
    pub fault: Vec<String>,
}

/// Flags of `sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,

    /// Which behaviour to model.
    #[arg(long, value_parser = all::<ScenarioName>(), default_value = "healthy")]
    pub scenario: ScenarioName,

    /// Also act as a team's webhook receiver on /webhook, behaving as MODE.
    #[arg(long, value_parser = all::<ReceiverMode>(), value_name = "MODE", num_args = 0..=1, default_missing_value = "good")]
    pub receiver: Option<ReceiverMode>,

    /// With --receiver slow or too-slow: wait this long before each answer [default: 5.5s, 7.5s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "receiver")]
    pub receiver_delay: Option<Duration>,

    /// Delay every GET /user by this instead of the scenario's own delay (3.5s for `slow`, none otherwise).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub user_delay: Option<Duration>,

    /// Inject a fault, KIND[=VALUE][,share=F][,route=PATH] (repeatable; see README).
    #[arg(long, value_name = "SPEC", value_parser = fault_spec)]
    pub fault: Vec<String>,

    /// Replace the scenario's workspaces with N generated ones, for scale runs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub workspaces: Option<u16>,

    /// Webhooks per generated workspace.
    #[arg(long, value_name = "M", default_value_t = 40, requires = "workspaces")]
    pub webhooks_per_workspace: u16,

    /// Inject the faults listed in this TOML file ([[fault]] spec = "...").
    #[arg(long, value_name = "PATH")]
    pub faults: Option<PathBuf>,

    /// The receiver's signing secret [env: CLICKUP_WEBHOOK_SECRET] [default: a printed demo secret].
    #[arg(long, value_name = "PATH", requires = "receiver")]
    pub secret_file: Option<PathBuf>,

    /// Serve the drill world: spaces, folders, lists and tasks to read and change, webhooks to
    /// create and delete, and a journal of every request at /sandbox/journal.
    #[arg(long, conflicts_with_all = ["receiver", "workspaces"])]
    pub world: bool,

    /// With --world: play this fault plan (TOML, as `drill --plan` reads it) from the moment the
    /// sandbox starts, so an integration can be tried against the drill's faults by hand.
    #[arg(long, value_name = "FILE", requires = "world")]
    pub plan: Option<PathBuf>,

    /// With --world: play the fault plan (the built-in one unless --plan) scaled to last this long.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "world")]
    pub duration: Option<Duration>,
}

/// Output formats.
impl ConnectionArgs {
    /// The flags that override the environment and `checks.toml`, as the
    /// configuration layer takes them.
    pub fn overrides(&self) -> crate::config::Overrides {
        crate::config::Overrides {
            config: self.config.clone(),
            api_url: self.api_url.clone(),
            status_url: self.status_url.clone(),
            timeout: self.timeout,
            deadline: self.deadline,
            repo: self.repo.clone(),
            format: self.format,
        }
    }
}

/// Restricts `--format` to what a command prints, so that `--help` offers
/// only those and anything else is a usage error (the report formats are
/// for `check`).
fn only_formats(arg: clap::Arg, allowed: &'static [Format]) -> clap::Arg {
    arg.value_parser(named(allowed))
}

/// A value parser over one of the library's closed sets of names (check
/// ids, formats, gates): the names and their help come from the library,
/// which itself knows no clap.
fn named<T: Named + Send + Sync>(allowed: &'static [T]) -> impl TypedValueParser<Value = T> {
    let values = allowed.iter().map(|v| PossibleValue::new(v.name()).help(v.about()));
    PossibleValuesParser::new(values).try_map(|name: String| T::from_name(&name).ok_or("not one of the names"))
}

/// Every value of a closed set.
fn all<T: Named + Send + Sync>() -> impl TypedValueParser<Value = T> {
    named(T::VARIANTS)
}

/// `--output FORMAT=PATH`: another format written to a file in the same run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// The format.
    pub format: Format,
    /// Where to write it: a file replaced atomically, a symlink's target, a FIFO or device in place, `-` for stdout.
    pub path: PathBuf,
}

fn parse_output(text: &str) -> Result<OutputSpec, String> {
    let (name, path) =
        text.split_once('=').ok_or_else(|| format!("expected FORMAT=PATH, e.g. junit=report.xml; got `{text}`"))?;
    let format = Format::from_name(name.trim()).ok_or_else(|| {
        let names: Vec<&str> = Format::VARIANTS.iter().map(|f| f.name()).collect();
        format!("unknown format `{name}`; expected one of {}", names.join(", "))
    })?;
    if path.trim().is_empty() {
        return Err(format!("expected a path after `{name}=`"));
    }
    Ok(OutputSpec { format, path: PathBuf::from(path) })
}

/// Whether a raw command line asks `check` for the Nagios format, read
/// without clap so that it still answers when parsing fails: a monitoring
/// plugin must report UNKNOWN (3), not a usage error (2, CRITICAL to it).
pub fn wants_nagios(args: &[std::ffi::OsString]) -> bool {
    let words: Vec<&str> =
        args.iter().skip(1).map(|a| a.to_str().unwrap_or_default()).take_while(|a| *a != "--").collect();
    let is_check = words.iter().find(|w| !w.starts_with('-')).is_some_and(|w| *w == "check");
    let nagios = words.iter().enumerate().any(|(i, w)| {
        *w == "--format=nagios" || (*w == "--format" && words.get(i + 1).is_some_and(|v| *v == "nagios"))
    });
    is_check && nagios
}

/// `--duration` of `drill`: a duration from 15s to 1h, the range the
/// built-in plan keeps every phase meaningful in.
fn drill_duration(text: &str) -> Result<Duration, String> {
    let duration = crate::duration::parse(text).map_err(|e| e.to_string())?;
    if (Duration::from_secs(15)..=Duration::from_secs(3600)).contains(&duration) {
        Ok(duration)
    } else {
        Err("expected a duration from 15s to 1h".to_owned())
    }
}

/// `--require` of `drill`: a checklist item id the drill judges.
fn drilled_item(text: &str) -> Result<&'static str, String> {
    let judged = crate::drill::judged_items();
    let text = text.trim();
    match judged.iter().find(|id| **id == text) {
        Some(id) => Ok(id),
        None if crate::model::checklist_items::item_by_id(text).is_some() => {
            Err(format!("the drill does not judge this checklist item; it judges {}", judged.join(", ")))
        }
        None => Err(format!("not a checklist item id; the drill judges {}", judged.join(", "))),
    }
}

/// `--health-url` of `drill`: an http(s) URL on loopback, where the
/// command the drill runs serves its health endpoint.
fn health_url(text: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
    let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let loopback =
        host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !matches!(url.scheme(), "http" | "https") || !loopback {
        return Err("expected an http:// or https:// URL on loopback (127.0.0.1, [::1] or localhost)".to_owned());
    }
    Ok(url.to_string())
}

fn fault_spec(text: &str) -> Result<String, String> {
    crate::sandbox::parse_fault(text).map(|_| text.to_owned())
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    crate::duration::parse(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn only_takes_comma_separated_ids() {
        let cli = Cli::try_parse_from(["clickup-preflight", "check", "--only", "auth,rate-limit"]).expect("parses");
        let Command::Check(args) = cli.command else { panic!("expected check") };
        assert!(args.connection.sandbox.is_none());
        assert_eq!(args.only, vec![CheckId::Auth, CheckId::RateLimit]);
    }

    #[test]
    fn nagios_is_found_in_raw_arguments_of_check_only() {
        let args = |line: &str| line.split(' ').map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert!(wants_nagios(&args("cp check --format nagios --bogus")));
        assert!(wants_nagios(&args("cp -q check --bogus --format=nagios")));
        assert!(!wants_nagios(&args("cp check --format json")));
        assert!(!wants_nagios(&args("cp webhooks list --format nagios")));
        assert!(!wants_nagios(&args("cp check -- --format nagios")));
    }

    #[test]
    fn outputs_parse_as_format_equals_path() {
        assert_eq!(parse_output("junit=out/r.xml"), Ok(OutputSpec { format: Format::Junit, path: "out/r.xml".into() }));
        assert!(parse_output("junit").is_err());
        assert!(parse_output("xml=r.xml").is_err_and(|e| e.contains("prometheus")));
        assert!(parse_output("junit=").is_err());
    }

    #[test]
    fn unknown_ids_and_sandbox_conflicts_are_usage_errors() {
        assert!(Cli::try_parse_from(["clickup-preflight", "check", "--only", "nope"]).is_err());
        assert!(
            Cli::try_parse_from(["clickup-preflight", "check", "--sandbox", "healthy", "--api-url", "http://x"])
                .is_err()
        );
    }
}
