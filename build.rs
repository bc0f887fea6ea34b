//! Puts the commit into `--version` when the crate is built from its own
//! git checkout: `clickup-preflight 0.1.0 (abc1234 2026-11-25)`. A report
//! or a bug filed against a build from main then says which main. Built
//! from a crates.io tarball, or without git, the version is the package's
//! alone; a tarball unpacked inside some other repository does not borrow
//! that repository's commit.
//!
//! The script reruns only when HEAD moves (a commit, a checkout): it
//! watches HEAD and the branch ref it points to, never the working tree,
//! so an ordinary edit-and-build does not run git. For the same reason
//! there is no `-dirty` mark: knowing it would mean rerunning on every
//! change to any file.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let package = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=build.rs");
    let in_checkout = is_checkout_top(&manifest);
    if in_checkout {
        for watched in head_files(&manifest) {
            println!("cargo:rerun-if-changed={}", watched.display());
        }
    }
    let (version, date) = match in_checkout.then(|| commit(&manifest)).flatten() {
        Some((hash, date)) => (format!("{package} ({hash} {date})"), date),
        None => (package, String::new()),
    };
    println!("cargo:rustc-env=CLICKUP_PREFLIGHT_VERSION={version}");
    // The man pages' date: the commit's, or none.
    println!("cargo:rustc-env=CLICKUP_PREFLIGHT_DATE={date}");
}

/// `git` run in `dir`, its stdout trimmed; `None` when git is missing or
/// fails or prints nothing.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Whether `manifest` is the top of a git working tree (not a tarball
/// unpacked somewhere inside another repository).
fn is_checkout_top(manifest: &Path) -> bool {
    let top = git(manifest, &["rev-parse", "--show-toplevel"]).map(PathBuf::from);
    top.and_then(|top| top.canonicalize().ok()).is_some_and(|top| manifest.canonicalize().is_ok_and(|m| m == top))
}

/// The short hash and commit date of HEAD; `None` before the first commit.
fn commit(manifest: &Path) -> Option<(String, String)> {
    let hash = git(manifest, &["rev-parse", "--short=7", "HEAD"])?;
    let date = git(manifest, &["log", "-1", "--format=%cs"])?;
    Some((hash, date))
}

/// The files whose change means HEAD moved: HEAD itself (per worktree) and
/// the branch it names, as a loose ref or, once packed, `packed-refs` and
/// the nearest directory a new loose ref would appear under (watching a
/// directory reruns on any branch's commit, so only then). A file named
/// here that did not exist would make cargo rerun the script on every
/// build, so only existing ones are named.
fn head_files(manifest: &Path) -> Vec<PathBuf> {
    // `--git-path` answers relative to the directory git ran in.
    let path_of = |name: &str| git(manifest, &["rev-parse", "--git-path", name]).map(|p| manifest.join(p));
    let Some(head) = path_of("HEAD") else { return Vec::new() };
    let mut files = vec![head];
    let loose = git(manifest, &["symbolic-ref", "-q", "HEAD"]).and_then(|branch| path_of(&branch));
    if let Some(loose) = loose {
        if loose.is_file() {
            files.push(loose);
        } else {
            files.extend(path_of("packed-refs"));
            files.extend(loose.ancestors().skip(1).find(|dir| dir.is_dir()).map(Path::to_path_buf));
        }
    }
    files.retain(|f| f.exists());
    files
}
