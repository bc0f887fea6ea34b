//! `install-hook`: a git pre-commit hook that runs the `secrets` check on
//! the staged files and blocks the commit on a finding. It finds
//! `clickup-preflight` on PATH and blocks the commit, saying why, when it is
//! not there: a secrets guard that silently lets commits through is worse
//! than none. A hook that was there before is kept as `pre-commit.local`
//! and runs first; installing again rewrites only this tool's own hook.

use std::path::{Path, PathBuf};

use super::output::write_atomic;
use super::{StartError, write_stderr, write_stdout};
use crate::cli::InstallHookArgs;
use crate::redact::Redactor;
use crate::report::Exit;

/// The line that marks a hook as this tool's own (also in hooks installed
/// by earlier versions).
const MARKER: &str = "Installed by `clickup-preflight install-hook`";
/// The name an existing hook is kept under.
const KEPT: &str = "pre-commit.local";
/// The program the hook looks for on PATH.
const PROGRAM: &str = "clickup-preflight";

/// What happens to the hook that was there before.
#[derive(Debug, PartialEq, Eq)]
enum Previous {
    /// None, or this tool's own: rewritten in place.
    Nothing,
    /// Someone else's: renamed to `pre-commit.local`, run first.
    Kept,
    /// Someone else's, replaced on `--force`.
    Replaced,
}

/// Writes the hook and says where.
pub(super) fn install(args: &InstallHookArgs, redactor: &Redactor) -> Result<Exit, StartError> {
    let hooks = hooks_dir(&args.repo)?;
    let hook = hooks.join("pre-commit");
    let kept = hooks.join(KEPT);
    let previous = previous_hook(&hook, &kept, args.force)?;
    std::fs::create_dir_all(&hooks).map_err(|e| fail(format!("cannot create {}: {e}", hooks.display())))?;
    if previous == Previous::Kept {
        std::fs::rename(&hook, &kept).map_err(|e| fail(format!("cannot keep {} as {KEPT}: {e}", hook.display())))?;
    }
    write_atomic(&hook, SCRIPT.as_bytes()).map_err(|e| fail(format!("cannot write {}: {e}", hook.display())))?;
    make_executable(&hook).map_err(|e| fail(format!("cannot make {} executable: {e}", hook.display())))?;
    let chained = match previous {
        Previous::Kept => format!("; the hook that was there is kept as {} and runs first", kept.display()),
        Previous::Replaced => "; the hook that was there was replaced (--force)".to_owned(),
        Previous::Nothing if kept.exists() => format!("; {} runs first", kept.display()),
        Previous::Nothing => String::new(),
    };
    write_stdout(
        redactor,
        &format!("installed {}: commits that add a ClickUp token or secret are blocked{chained}\n", hook.display()),
    );
    if !on_path(PROGRAM) {
        write_stderr(
            redactor,
            &format!("warning: {PROGRAM} is not on PATH here: the hook blocks every commit until it is\n"),
        );
    }
    Ok(Exit::Ok)
}

fn fail(reason: String) -> StartError {
    StartError::Unsupported(format!("install-hook: {reason}"))
}

/// The repository's hooks directory (`core.hooksPath` honoured), from git.
fn hooks_dir(repo: &Path) -> Result<PathBuf, StartError> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "--git-path", "hooks"])
        .output()
        .map_err(|e| fail(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(fail(format!("{} is not inside a git repository", repo.display())));
    }
    let hooks = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    Ok(if hooks.is_absolute() { hooks } else { repo.join(hooks) })
}

/// Decides what to do with an existing hook; refuses to lose one.
fn previous_hook(hook: &Path, kept: &Path, force: bool) -> Result<Previous, StartError> {
    let Ok(text) = std::fs::read(hook) else { return Ok(Previous::Nothing) };
    if String::from_utf8_lossy(&text).contains(MARKER) {
        return Ok(Previous::Nothing);
    }
    if force {
        return Ok(Previous::Replaced);
    }
    if kept.exists() {
        return Err(fail(format!(
            "{} exists and {} is taken, so it cannot be kept and chained; merge the two by hand, \
             or pass --force to replace {} (it is not kept)",
            hook.display(),
            kept.display(),
            hook.display()
        )));
    }
    Ok(Previous::Kept)
}

/// The hook: the kept hook first (its failure blocks), then the secrets
/// check on the staged files, quiet unless it finds something.
const SCRIPT: &str = r#"#!/bin/sh
# Installed by `clickup-preflight install-hook`: blocks a commit that adds a ClickUp
# token or OAuth secret, or a .env file. Bypass once with `git commit --no-verify`.
# Installing again rewrites this file; a hook that was here before was kept as
# pre-commit.local and runs first.
kept_hook="$(dirname "$0")/pre-commit.local"
if [ -x "$kept_hook" ]; then
    "$kept_hook" "$@" || exit $?
fi
if ! command -v clickup-preflight >/dev/null 2>&1; then
    echo "pre-commit: clickup-preflight is not on PATH, so the staged files cannot be checked for ClickUp secrets: the commit is blocked. Put it on PATH, or skip the check once with git commit --no-verify." >&2
    exit 1
fi
exec clickup-preflight check --only secrets --staged --repo . -q --no-color
"#;

/// Whether an executable `name` is in a PATH directory.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| is_executable(&dir.join(name))))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(unix)]
fn make_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_carries_its_marker_and_one_invocation() {
        assert!(SCRIPT.contains(MARKER));
        assert_eq!(SCRIPT.matches("check --only secrets --staged").count(), 1);
        assert!(SCRIPT.contains(KEPT));
    }
}
