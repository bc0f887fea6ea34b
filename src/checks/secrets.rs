//! `secrets`: no ClickUp token or OAuth secret in the files git would
//! commit or in the client bundles; every `.env` file ignored; a pre-commit
//! guard that would catch `pk_` tokens. No network.
//!
//! Findings name the file and line with the secret's first six characters
//! and a fingerprint, never the value, and say whether it is the token this
//! run uses.

use super::{
    CheckId, EVIDENCE_MISSING, FileLocation, Finding, FindingCode, Message, MetricKey, Needs, Outcome, Status,
};
use crate::evidence::Evidence;
use crate::message;
use crate::repo::{Fingerprint, Guard, Place, RepoError, SecretFinding};

const ID: CheckId = CheckId::Secrets;

/// git is missing or failing, or the scan crashed: nothing was read (ERROR).
pub const SCAN_FAILED: FindingCode = "scan-failed";
/// A ClickUp token or OAuth secret in a file git would commit or a bundle (FAIL).
pub const SECRET_IN_REPOSITORY: FindingCode = "secret-in-repository";
/// A `.env` file committed or not ignored by git (FAIL).
pub const ENV_FILE_EXPOSED: FindingCode = "env-file-exposed";
/// No pre-commit guard would catch a `pk_` token (WARN).
pub const NO_GUARD: FindingCode = "no-pre-commit-guard";

/// Every finding code `secrets` reports (public API).
pub const CODES: &[FindingCode] = &[EVIDENCE_MISSING, SCAN_FAILED, SECRET_IN_REPOSITORY, ENV_FILE_EXPOSED, NO_GUARD];

/// The repository scan alone: no token, no request.
pub fn needs() -> Needs {
    Needs { repo: true, ..Needs::NONE }
}

/// Evaluates the repository scan.
pub fn evaluate(evidence: &Evidence) -> Outcome {
    let scan = match &evidence.repo {
        None => return Outcome::new(ID, Status::Error, "the repository was not scanned").found(EVIDENCE_MISSING),
        Some(Err(error @ RepoError::NotARepository { .. })) => {
            return Outcome::new(ID, Status::Skip, message!("{}", error))
                .hint("point --repo at the repository that is deployed");
        }
        // git missing or failing, or a crashed scan: nothing was read, so
        // "no secret found" cannot be claimed. A pre-commit hook must block.
        Some(Err(error)) => {
            return Outcome::new(ID, Status::Error, message!("the repository could not be scanned: {}", error))
                .found(SCAN_FAILED)
                .hint("install git (or fix what it reports), then run again; a commit guarded by this scan is blocked meanwhile");
        }
        Some(Ok(scan)) => scan,
    };
    let deployed = evidence.token_origin.as_ref().map(|t| &t.fingerprint);
    let mut problems: Vec<Message> = Vec::new();
    let mut locations = Vec::new();
    let mut found = Vec::new();
    for f in &scan.findings {
        let text = describe(f, deployed);
        let at = FileLocation { path: f.path.clone(), line: f.found.line, message: text.clone() };
        found.push(Finding::new(SECRET_IN_REPOSITORY, Status::Fail, text.clone()).at(at.clone()));
        locations.push(at);
        problems.push(text);
    }
    for (path, tracked) in &scan.exposed_env_files {
        let how = if *tracked { "is committed" } else { "is not ignored by git and would be committed" };
        let text = message!("{} {}", path, how);
        let at = FileLocation { path: path.clone(), line: 1, message: text.clone() };
        found.push(Finding::new(ENV_FILE_EXPOSED, Status::Fail, text.clone()).at(at.clone()));
        locations.push(at);
        problems.push(text);
    }
    let guard = match &scan.guard {
        Guard::Found(what) => Some(message!("pre-commit guard: {}", what)),
        Guard::Missing => None,
        Guard::NotExamined => Some(Message::from("staged or named files only")),
    };
    if guard.is_none() {
        let text = "no pre-commit guard would catch a pk_ token";
        found.push(Finding::new(NO_GUARD, Status::Warn, text));
    }
    let counted =
        message!("{} files read, {} skipped (binary, or not a regular file)", scan.files_scanned, scan.files_skipped);
    let mut o = if !problems.is_empty() {
        let summary = match problems.len() {
            1 => problems[0].clone(),
            n => message!("{} (+{} more below)", problems[0], n - 1),
        };
        let mut o = Outcome::new(ID, Status::Fail, summary)
            .hint("remove the secret, rotate it in ClickUp (Settings > Apps) since git history keeps it, add .env* to .gitignore, and keep OAuth secrets server-side");
        o.details = problems.into_iter().skip(1).collect();
        o
    } else if guard.is_none() {
        Outcome::new(ID, Status::Warn, "no ClickUp secrets found, but no pre-commit guard would catch a pk_ token")
            .hint("run `clickup-preflight install-hook`, or add a secret scanner (gitleaks, detect-secrets) to .pre-commit-config.yaml")
    } else {
        Outcome::new(
            ID,
            Status::Pass,
            message!("no ClickUp secrets in {} files; .env files ignored", scan.files_scanned),
        )
    };
    o.details.extend(guard);
    o.details.push(counted);
    let findings = locations.len();
    o.locations = locations;
    o.findings = found;
    o.metric(MetricKey::SecretFindings, findings as f64).metric(MetricKey::FilesScanned, scan.files_scanned as f64)
}

fn describe(f: &SecretFinding, deployed: Option<&Fingerprint>) -> Message {
    let place = match f.place {
        Place::Bundle => "client bundle ",
        Place::Untracked => "untracked, not ignored ",
        Place::Staged => "staged ",
        Place::Tracked | Place::Named => "",
    };
    let whose = if deployed == Some(&f.found.fingerprint) { "; it is the deployed token" } else { "" };
    message!(
        "{} in {}{}:{} ({}…, fingerprint {}){}",
        f.found.kind.describe(),
        place,
        f.path,
        f.found.line,
        f.found.prefix,
        f.found.fingerprint,
        whose
    )
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::evidence::TokenOrigin;
    use crate::repo::{RepoEvidence, SecretKind, SecretMatch};
    use crate::token::TokenSource;

    fn scan(findings: Vec<SecretFinding>, env: Vec<(String, bool)>, guard: Guard) -> Evidence {
        let repo = RepoEvidence {
            root: PathBuf::from("/r"),
            findings,
            exposed_env_files: env.into_iter().map(|(path, tracked)| (path.as_str().into(), tracked)).collect(),
            guard,
            files_scanned: 10,
            files_skipped: 1,
        };
        Evidence { repo: Some(Ok(repo)), ..Evidence::default() }
    }

    fn finding(place: Place, fingerprint: &str) -> SecretFinding {
        let found = SecretMatch {
            line: 3,
            kind: SecretKind::PersonalToken,
            prefix: "pk_812".into(),
            fingerprint: fingerprint.into(),
        };
        SecretFinding { path: "src/a.js".into(), found, place }
    }

    #[test]
    fn clean_and_guarded_passes() {
        let o = evaluate(&scan(vec![], vec![], Guard::Found("x".into())));
        assert_eq!(o.status, Status::Pass);
    }

    #[test]
    fn no_guard_warns() {
        assert_eq!(evaluate(&scan(vec![], vec![], Guard::Missing)).status, Status::Warn);
    }

    #[test]
    fn a_token_fails_p1_with_location_and_says_if_it_is_the_deployed_one() {
        let mut ev = scan(vec![finding(Place::Tracked, "abc123")], vec![], Guard::Found("x".into()));
        ev.token_origin =
            Some(TokenOrigin { source: TokenSource::Env, env_file_in_repo: false, fingerprint: "abc123".into() });
        let o = evaluate(&ev);
        assert_eq!((o.status, o.severity), (Status::Fail, crate::checks::Severity::P1));
        assert_eq!(
            o.summary,
            "ClickUp personal token in src/a.js:3 (pk_812…, fingerprint abc123); it is the deployed token"
        );
        assert_eq!(o.locations[0].line, 3);
        let o = evaluate(&scan(vec![finding(Place::Bundle, "f")], vec![], Guard::Missing));
        assert!(o.summary.contains("in client bundle src/a.js:3"), "{}", o.summary);
        assert!(!o.summary.contains("deployed"));
    }

    #[test]
    fn exposed_env_files_fail_named() {
        let o = evaluate(&scan(
            vec![],
            vec![(".env".into(), false), ("app/.env.prod".into(), true)],
            Guard::Found("x".into()),
        ));
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.summary, ".env is not ignored by git and would be committed (+1 more below)");
        assert!(o.details[0].starts_with("app/.env.prod is committed"));
    }

    #[test]
    fn not_a_repository_is_skip_and_missing_scan_is_error() {
        let not_repo = RepoError::NotARepository { path: "/tmp".into() };
        let ev = Evidence { repo: Some(Err(not_repo)), ..Evidence::default() };
        assert_eq!(evaluate(&ev).status, Status::Skip);
        assert_eq!(evaluate(&Evidence::default()).status, Status::Error);
    }

    #[test]
    fn git_missing_or_failing_or_a_crashed_scan_is_an_error_with_the_reason() {
        for (error, reason) in [
            (RepoError::GitMissing { reason: "No such file or directory (os error 2)".into() }, "cannot run git"),
            (
                RepoError::Git { command: "ls-files".into(), reason: "fatal: index file corrupt".into() },
                "git ls-files failed: fatal: index file corrupt",
            ),
            (RepoError::ScanFailed("panicked".into()), "ended unexpectedly (panicked)"),
        ] {
            let o = evaluate(&Evidence { repo: Some(Err(error)), ..Evidence::default() });
            assert_eq!(o.status, Status::Error, "{}", o.summary);
            assert!(
                o.summary.starts_with("the repository could not be scanned: ") && o.summary.contains(reason),
                "{}",
                o.summary
            );
        }
    }
}
