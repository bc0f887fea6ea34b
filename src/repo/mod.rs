//! The repository side of the evidence: ClickUp secrets in files git would
//! commit and in client bundles, `.env` files git would commit, and whether
//! a pre-commit guard exists. No network; git is asked what it tracks and
//! ignores, so its own ignore rules apply exactly.

pub mod scan;

use std::path::{Path, PathBuf};
use std::process::Command;

pub use scan::{Fingerprint, SecretKind, SecretMatch, fingerprint};

use crate::text::{self, OutsideText, Sanitizer};

/// How much of a file is held at once: larger files are scanned window by
/// window ([`scan::scan_reader`]), never skipped for their size.
const WINDOW: usize = 1024 * 1024;
/// `.env` variants that are templates by convention and meant to be committed
/// (they are still scanned for secrets like any file).
const ENV_TEMPLATES: [&str; 5] = [".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults"];
/// Secret scanners a pre-commit guard may run.
const SCANNERS: [&str; 6] =
    ["clickup-preflight", "gitleaks", "trufflehog", "detect-secrets", "ggshield", "git-secrets"];

/// Where a finding was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A file git tracks.
    Tracked,
    /// A file git would add (untracked, not ignored).
    Untracked,
    /// A file staged for the next commit (`--staged`).
    Staged,
    /// A file named on the command line (what pre-commit passes).
    Named,
    /// A built client bundle, shipped to browsers (ignored or not).
    Bundle,
}

/// One secret in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretFinding {
    /// Path relative to the repository root.
    pub path: OutsideText,
    /// The match.
    pub found: SecretMatch,
    /// Where.
    pub place: Place,
}

/// Whether a pre-commit guard was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// What guards commits, e.g. `.git/hooks/pre-commit runs gitleaks`.
    Found(crate::model::Message),
    /// Nothing would catch a `pk_` token at commit time.
    Missing,
    /// Not looked at: only staged or named files were read, from inside
    /// the hook itself.
    NotExamined,
}

/// What the repository scan saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoEvidence {
    /// The repository root.
    pub root: PathBuf,
    /// Secrets found.
    pub findings: Vec<SecretFinding>,
    /// `.env` files git would commit: (path, already tracked).
    pub exposed_env_files: Vec<(OutsideText, bool)>,
    /// The pre-commit guard.
    pub guard: Guard,
    /// Files read.
    pub files_scanned: usize,
    /// Files not read: binary, or not a regular file (a named symlink or FIFO).
    pub files_skipped: usize,
}

/// How to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    /// Client bundle directories, relative to the root.
    pub bundle_dirs: Vec<String>,
    /// Which files are read.
    pub scope: Scope,
}

/// Which files the scan reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    /// Every file git tracks or would add, and the client bundles.
    #[default]
    Repository,
    /// Only the files staged for commit, as the index holds them
    /// (`--staged`: the hook `install-hook` writes).
    Staged,
    /// Only these files, as the working tree holds them, relative to the
    /// current directory: the names pre-commit passes a hook, which has
    /// made the working tree match what is being committed.
    Files(Vec<PathBuf>),
}

/// Why the repository could not be scanned. Only the first means there is
/// nothing to judge; the others mean the scan could not be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoError {
    /// `path` is not inside a git repository: the check does not apply.
    #[error("{path} is not inside a git repository")]
    NotARepository {
        /// The path given.
        path: OutsideText,
    },
    /// git could not be started (not installed, or not on `PATH`).
    #[error("cannot run git ({reason}); the secrets scan needs git on PATH")]
    GitMissing {
        /// The OS's reason.
        reason: OutsideText,
    },
    /// git ran and failed.
    #[error("git {command} failed: {reason}")]
    Git {
        /// The git subcommand.
        command: String,
        /// The first line git printed (it can quote file names: outside text).
        reason: OutsideText,
    },
    /// The scan itself ended abnormally.
    #[error("the repository scan ended unexpectedly ({0})")]
    ScanFailed(OutsideText),
    /// A file named to be scanned could not be read: "no secret in it"
    /// cannot be claimed.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The file as named.
        path: OutsideText,
        /// The OS's reason.
        reason: String,
    },
}

/// Its `Display` is the program's words and sanitized outside text.
impl crate::model::Shown for RepoError {}

/// Scans the git repository containing `path`, or only the named files.
pub fn gather(path: &Path, options: &ScanOptions, sanitizer: &Sanitizer) -> Result<RepoEvidence, RepoError> {
    if let Scope::Files(files) = &options.scope {
        return gather_files(path, files, sanitizer);
    }
    let root = match git(path, &["rev-parse", "--show-toplevel"]) {
        Ok(out) => PathBuf::from(out.trim()),
        Err(RepoError::Git { reason, .. }) if reason.contains("not a git repository") => {
            return Err(RepoError::NotARepository { path: sanitizer.line(&path.display().to_string(), text::URL) });
        }
        Err(other) => return Err(other),
    };
    let mut evidence = RepoEvidence {
        root: root.clone(),
        findings: Vec::new(),
        exposed_env_files: Vec::new(),
        guard: Guard::NotExamined,
        files_scanned: 0,
        files_skipped: 0,
    };
    if options.scope == Scope::Staged {
        for file in split_z(&git(&root, &["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"])?) {
            if is_exposed_env(&file) {
                evidence.exposed_env_files.push((sanitizer.line(&file, text::URL), true));
            }
            let content = git_bytes(&root, &["show", &format!(":{file}")])?;
            scan_bytes(&mut evidence, &sanitizer.line(&file, text::URL), &content, Place::Staged);
        }
        return Ok(evidence);
    }
    for (listing, place) in [
        (vec!["ls-files", "-z"], Place::Tracked),
        (vec!["ls-files", "-z", "--others", "--exclude-standard"], Place::Untracked),
    ] {
        for file in split_z(&git(&root, &listing)?) {
            if is_exposed_env(&file) {
                evidence.exposed_env_files.push((sanitizer.line(&file, text::URL), place == Place::Tracked));
            }
            scan_file(&mut evidence, &root, &file, place, sanitizer);
        }
    }
    for dir in &options.bundle_dirs {
        let mut files = Vec::new();
        walk(&root.join(dir), &mut files, 0);
        for file in files {
            if let Ok(relative) = file.strip_prefix(&root) {
                let relative = relative.to_string_lossy().replace('\\', "/");
                // A bundle file git also tracks was scanned already; report it once, as a bundle.
                let shown = sanitizer.line(&relative, text::URL);
                evidence.findings.retain(|f| f.path != shown);
                scan_file(&mut evidence, &root, &relative, Place::Bundle, sanitizer);
            }
        }
    }
    evidence.guard = find_guard(&root, sanitizer);
    Ok(evidence)
}

/// Reads exactly `files` (no git needed): a named `.env` file is one about
/// to be committed; one that cannot be read fails the whole scan.
fn gather_files(root: &Path, files: &[PathBuf], sanitizer: &Sanitizer) -> Result<RepoEvidence, RepoError> {
    let mut evidence = RepoEvidence {
        root: root.to_owned(),
        findings: Vec::new(),
        exposed_env_files: Vec::new(),
        guard: Guard::NotExamined,
        files_scanned: 0,
        files_skipped: 0,
    };
    for file in files {
        let name = file.to_string_lossy().replace('\\', "/");
        let shown = sanitizer.line(&name, text::URL);
        if is_exposed_env(&name) {
            evidence.exposed_env_files.push((shown.clone(), true));
        }
        let unreadable = |reason: String| RepoError::Unreadable { path: shown.clone(), reason };
        let meta = std::fs::symlink_metadata(file).map_err(|e| unreadable(e.kind().to_string()))?;
        if meta.is_dir() {
            return Err(unreadable("it is a directory".into()));
        }
        // A symbolic link is committed as the path it points to, not as
        // that file's content.
        if !meta.is_file() {
            evidence.files_skipped += 1;
            continue;
        }
        let scanned = std::fs::File::open(file).and_then(|f| scan::scan_reader(f, WINDOW));
        record(&mut evidence, &shown, scanned.map_err(|e| unreadable(e.kind().to_string()))?, Place::Named);
    }
    Ok(evidence)
}

fn is_exposed_env(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with(".env") && !ENV_TEMPLATES.contains(&name)
}

fn scan_file(evidence: &mut RepoEvidence, root: &Path, relative: &str, place: Place, sanitizer: &Sanitizer) {
    let path = root.join(relative);
    let Ok(meta) = std::fs::symlink_metadata(&path) else { return };
    if !meta.is_file() {
        return;
    }
    match std::fs::File::open(&path).and_then(|f| scan::scan_reader(f, WINDOW)) {
        Ok(scanned) => record(evidence, &sanitizer.line(relative, text::URL), scanned, place),
        Err(_) => evidence.files_skipped += 1,
    }
}

fn scan_bytes(evidence: &mut RepoEvidence, shown: &OutsideText, bytes: &[u8], place: Place) {
    // Reading from memory cannot fail.
    let scanned = scan::scan_reader(bytes, WINDOW).unwrap_or(None);
    record(evidence, shown, scanned, place);
}

/// Counts a file as read (its secrets found) or, binary, as skipped.
fn record(evidence: &mut RepoEvidence, shown: &OutsideText, scanned: Option<Vec<SecretMatch>>, place: Place) {
    let Some(found) = scanned else {
        evidence.files_skipped += 1;
        return;
    };
    evidence.files_scanned += 1;
    evidence.findings.extend(found.into_iter().map(|found| SecretFinding { path: shown.clone(), found, place }));
}

/// Files under `dir`, not following links, at most 20 levels deep.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() && depth < 20 {
            walk(&entry.path(), out, depth + 1);
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
}

/// A pre-commit hook that runs a secret scanner or matches `pk_`, or a
/// `.pre-commit-config.yaml` that runs a secret scanner.
fn find_guard(root: &Path, sanitizer: &Sanitizer) -> Guard {
    let hooks = git(root, &["rev-parse", "--git-path", "hooks"])
        .map(|p| p.trim().to_owned())
        .unwrap_or_else(|_| ".git/hooks".into());
    let hook = root.join(&hooks).join("pre-commit");
    if let Ok(text) = std::fs::read_to_string(&hook) {
        if let Some(tool) = SCANNERS
            .iter()
            .find(|s| text.contains(*s))
            .copied()
            .or_else(|| text.contains("pk_").then_some("a pk_ pattern"))
        {
            // `core.hooksPath` is the repository's to set: outside text.
            return Guard::Found(crate::message!("{}/pre-commit runs {}", sanitizer.line(&hooks, text::URL), tool));
        }
    }
    if let Ok(text) = std::fs::read_to_string(root.join(".pre-commit-config.yaml")) {
        if let Some(tool) = SCANNERS.iter().find(|s| text.contains(*s)) {
            return Guard::Found(crate::message!(".pre-commit-config.yaml runs {}", tool));
        }
    }
    Guard::Missing
}

fn git(dir: &Path, args: &[&str]) -> Result<String, RepoError> {
    git_bytes(dir, args).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Runs git with its messages in English (`LC_ALL=C`), so that "not a git
/// repository" can be told apart from every other failure.
fn git_bytes(dir: &Path, args: &[&str]) -> Result<Vec<u8>, RepoError> {
    let out =
        Command::new("git").arg("-C").arg(dir).args(args).env("LC_ALL", "C").output().map_err(|e| {
            RepoError::GitMissing { reason: Sanitizer::shapes_only().line(&e.to_string(), text::MESSAGE) }
        })?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        // Before the run's secrets are known to this function: token shapes
        // are masked here, and the output filter catches the rest.
        let reason = if first.is_empty() { format!("exit status {}", out.status) } else { first.to_owned() };
        let reason = Sanitizer::shapes_only().line(&reason, text::MESSAGE);
        Err(RepoError::Git { command: args.first().unwrap_or(&"").to_string(), reason })
    }
}

fn split_z(text: &str) -> Vec<String> {
    text.split('\0').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_repository_is_not_a_repository() {
        let outside = std::env::temp_dir().join(format!("cp-not-a-repo-{}", std::process::id()));
        std::fs::create_dir_all(&outside).expect("mkdir");
        let options = ScanOptions { bundle_dirs: vec![], scope: Scope::Repository };
        // /tmp itself might sit inside a repository on some machines: only
        // judge the answer when git agrees there is none.
        if let Err(e) = gather(&outside, &options, &Sanitizer::shapes_only()) {
            assert!(matches!(e, RepoError::NotARepository { .. }), "{e:?}");
            assert!(e.to_string().ends_with("is not inside a git repository"), "{e}");
        }
        let _ = std::fs::remove_dir_all(&outside);
    }

    #[test]
    fn env_files_and_their_templates() {
        assert!(is_exposed_env(".env"));
        assert!(is_exposed_env("app/.env.production"));
        assert!(!is_exposed_env(".env.example"));
        assert!(!is_exposed_env("src/env.rs"));
    }
}
