//! `install-hook`: a git pre-commit hook that runs the `secrets` check on
//! the staged files and blocks the commit on a finding. It does nothing
//! else, and never replaces an existing hook without `--force`.

use std::path::{Path, PathBuf};

use super::{StartError, write_stdout};
use crate::cli::InstallHookArgs;
use crate::redact::Redactor;
use crate::report::Exit;

/// Writes the hook and says where.
pub(super) fn install(args: &InstallHookArgs, redactor: &Redactor) -> Result<Exit, StartError> {
    let fail = |reason: String| StartError::Unsupported(format!("install-hook: {reason}"));
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(&args.repo)
        .args(["rev-parse", "--git-path", "hooks"])
        .output()
        .map_err(|e| fail(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(fail(format!("{} is not inside a git repository", args.repo.display())));
    }
    let hooks = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let hooks = if hooks.is_absolute() { hooks } else { args.repo.join(hooks) };
    let hook = hooks.join("pre-commit");
    if hook.exists() && !args.force {
        return Err(fail(format!("{} exists; pass --force to replace it", hook.display())));
    }
    std::fs::create_dir_all(&hooks).map_err(|e| fail(format!("cannot create {}: {e}", hooks.display())))?;
    let binary = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("clickup-preflight"));
    std::fs::write(&hook, script(&binary)).map_err(|e| fail(format!("cannot write {}: {e}", hook.display())))?;
    make_executable(&hook).map_err(|e| fail(format!("cannot make {} executable: {e}", hook.display())))?;
    write_stdout(
        redactor,
        &format!("installed {}: commits that add a ClickUp token or secret are blocked\n", hook.display()),
    );
    Ok(Exit::Ok)
}

/// The hook: the secrets check on staged files, quiet unless it finds
/// something; its exit code blocks the commit.
fn script(binary: &Path) -> String {
    let quoted = binary.display().to_string().replace('\'', "'\\''");
    format!(
        "#!/bin/sh\n# Installed by `clickup-preflight install-hook`: blocks a commit that adds a ClickUp\n# token or OAuth secret, or a .env file. Bypass once with `git commit --no-verify`.\nexec '{quoted}' check --only secrets --staged --repo . -q --no-color\n"
    )
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
