//! `init`: writes a starter `checks.toml`, never over an existing file.
//! With a token (or `--sandbox`) it reads the account first, through the
//! same listing as `webhooks list`, and writes its workspaces and healthy
//! webhooks as expectations (`config::starter_file` decides what is
//! written). It reads no config file: the one it writes is not there yet.

use std::path::{Path, PathBuf};

use super::output::NewFileError;
use super::session::Session;
use super::webhooks::{explicit_client, say_spent};
use super::{StartError, write_stderr};
use crate::cli::ConnectionArgs;
use crate::client::Webhook;
use crate::config::{EnvVars, LoadedFile, Observed, StarterCounts, starter_file};
use crate::evidence::WebhookEvidence;
use crate::gather;
use crate::redact::{Redactor, scrub_token_like};
use crate::report::Exit;
use crate::text::OutsideText;

/// Writes the starter file. Exit 0 written; 1 the account could not be read
/// whole (nothing written); 2 (a `StartError`) the file exists or cannot be
/// created, or the flags or token are unusable.
pub(super) async fn run(args: &ConnectionArgs, redactor: &Redactor) -> Result<Exit, StartError> {
    let target = target(args, &EnvVars::from_process());
    refuse_existing(&target)?;
    let (text, counts) = if has_token(args) {
        let session = Session::open_with_file(args, &LoadedFile::default(), (&[], &[]), redactor, |_| true).await?;
        let api = explicit_client(&session)?;
        let listing = gather::all_webhooks(&api, session.settings.deadline).await;
        say_spent(&api, redactor);
        let (workspaces, hooks) = match observed(&listing) {
            Ok(found) => found,
            Err(reason) => {
                write_stderr(redactor, &format!("error: {reason}; nothing written\n"));
                return Ok(Exit::ChecksFailed);
            }
        };
        starter_file(Some(&Observed { workspaces: &workspaces, webhooks: &hooks }))?
    } else {
        starter_file(None)?
    };
    // A last filter, as on stdout: no secret the run knows reaches the file.
    write_new(&target, &redactor.scrub(&text))?;
    write_stderr(redactor, &said(&target, has_token(args), counts));
    Ok(Exit::Ok)
}

/// Where `check` would read its config: `--config`, else
/// `CLICKUP_PREFLIGHT_CONFIG`, else `./checks.toml`.
fn target(args: &ConnectionArgs, env: &EnvVars) -> PathBuf {
    args.config.clone().or_else(|| env.config.as_ref().map(PathBuf::from)).unwrap_or_else(|| "checks.toml".into())
}

/// Whether a token is at hand without a config file: the usual sources
/// except `token_command`, which lives in the file being written.
fn has_token(args: &ConnectionArgs) -> bool {
    args.sandbox.is_some() || args.token_file.is_some() || std::env::var_os(crate::token::TOKEN_ENV).is_some()
}

/// An existing file (or a link, even a dangling one) is never replaced;
/// a missing directory is said before any request is spent.
fn refuse_existing(target: &Path) -> Result<(), StartError> {
    if std::fs::symlink_metadata(target).is_ok() {
        return Err(exists(target));
    }
    match target.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => {
            Err(StartError::NotWritten { path: shown(target), reason: "its directory does not exist".into() })
        }
        _ => Ok(()),
    }
}

fn exists(target: &Path) -> StartError {
    StartError::NotWritten {
        path: shown(target),
        reason: "already exists, and init never overwrites; move it away or pass --config NEW.toml".into(),
    }
}

/// Creates the file, failing if anything appeared there meanwhile; a file
/// left half-written by a failed write is removed.
fn write_new(target: &Path, text: &str) -> Result<(), StartError> {
    super::output::write_new(target, text.as_bytes()).map_err(|e| match e {
        NewFileError::Create(e) if e.kind() == std::io::ErrorKind::AlreadyExists => exists(target),
        NewFileError::Create(e) => {
            StartError::NotWritten { path: shown(target), reason: format!("cannot be created ({})", e.kind()) }
        }
        NewFileError::Write(e) => {
            StartError::NotWritten { path: shown(target), reason: format!("cannot be written ({})", e.kind()) }
        }
    })
}

/// The workspaces and their webhooks, when every workspace was listed: a
/// file written from part of the account would leave webhooks unguarded
/// without saying so.
fn observed(listing: &WebhookEvidence) -> Result<(Vec<OutsideText>, Vec<&Webhook>), String> {
    let workspaces =
        listing.workspaces.as_ref().map_err(|e| format!("cannot tell which workspaces the token reaches: {e}"))?;
    let mut hooks = Vec::new();
    for (workspace, probe) in &listing.lists {
        match &probe.result {
            Ok(list) => hooks.extend(list),
            Err(e) => return Err(format!("cannot list the webhooks of workspace {workspace}: {e}")),
        }
    }
    if let Some(first) = listing.not_checked.first() {
        return Err(format!(
            "{} workspaces not listed (the first: {first}): the rate-limit window is nearly spent; run again after it resets",
            listing.not_checked.len()
        ));
    }
    Ok((workspaces.clone(), hooks))
}

/// The one line said on success.
fn said(target: &Path, read_account: bool, counts: StarterCounts) -> String {
    let path = shown(target);
    if !read_account {
        return format!(
            "wrote {path}: the defaults, every key commented; with CLICKUP_API_TOKEN set (or --token-file), \
             init also writes the workspaces and webhooks the token sees\n"
        );
    }
    let commented = match counts.commented {
        0 => String::new(),
        n => format!("; {n} not healthy now, written commented out with the reason"),
    };
    format!("wrote {path}: {} workspaces, {} expected webhooks{commented}\n", counts.workspaces, counts.expected)
}

/// The path as the one-line messages quote it.
fn shown(path: &Path) -> String {
    scrub_token_like(&crate::text::one_line(&path.display().to_string()))
}
