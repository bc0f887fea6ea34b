//! Secret hygiene, token provenance, install-hook and the checklist,
//! against temporary git repositories built here. The planted token must
//! never appear in any output.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Run, TOKEN, run_in, scratch_dir};

/// A second token shape, planted in repositories; split in source.
const PLANTED: &str = concat!("pk", "_7654321_PLANTEDTOKEN0123456789ABCDEFGHIJ");
const OAUTH_SECRET: &str = concat!("9fK2mQ7xR4tZ8", "wB1nV6cL3pD5");

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A fresh repository with `files` written, committed when `commit`.
fn repo(name: &str, files: &[(&str, &str)], commit: bool) -> PathBuf {
    let dir = scratch_dir(name).join("repo");
    std::fs::create_dir_all(&dir).expect("mkdir");
    git(&dir, &["init", "-q"]);
    for (path, content) in files {
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(file, content).expect("write");
    }
    if commit {
        git(&dir, &["add", "-A"]);
        git(&dir, &["commit", "-q", "-m", "init"]);
    }
    dir
}

fn secrets(dir: &Path, env: &[(&str, &str)]) -> Run {
    let r = run_in(
        dir,
        &["check", "--only", "secrets", "--repo", ".", "--format", "json", "-vv"],
        env,
        Duration::from_secs(30),
    );
    for secret in [PLANTED, OAUTH_SECRET, TOKEN] {
        assert!(!r.all_output().contains(secret), "a secret value was printed:\n{}", r.all_output());
    }
    r
}

const GUARD: (&str, &str) = (
    ".pre-commit-config.yaml",
    "repos:\n  - repo: https://github.com/gitleaks/gitleaks\n    hooks: [{id: gitleaks}]\n",
);

#[test]
fn a_committed_token_fails_p1_with_file_line_and_prefix() {
    let dir =
        repo("committed", &[("src/config.js", &format!("// config\nconst token = \"{PLANTED}\";\n")), GUARD], true);
    let r = secrets(&dir, &[]);
    assert_eq!(r.code, 1);
    let check = r.check("secrets");
    assert_eq!((check["status"].as_str(), check["severity"].as_str()), (Some("fail"), Some("P1")));
    let summary = r.summary_of("secrets");
    assert!(summary.starts_with("ClickUp personal token in src/config.js:2 (pk_765…, fingerprint "), "{summary}");
    let sarif =
        run_in(&dir, &["check", "--only", "secrets", "--repo", ".", "--format", "sarif"], &[], Duration::from_secs(30))
            .json();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "src/config.js");
    assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
}

#[test]
fn the_deployed_token_is_recognised_by_fingerprint() {
    let dir = repo("deployed", &[("app.py", &format!("CLICKUP = '{TOKEN}'\n")), GUARD], true);
    let r = secrets(&dir, &[("CLICKUP_API_TOKEN", TOKEN)]);
    assert!(r.summary_of("secrets").ends_with("it is the deployed token"), "{}", r.summary_of("secrets"));
}

#[test]
fn a_token_only_in_an_ignored_file_passes() {
    let dir = repo(
        "ignored",
        &[
            (".gitignore", ".env\nlocal/\n"),
            (".env", &format!("CLICKUP_API_TOKEN={PLANTED}\n")),
            ("local/notes.txt", PLANTED),
            GUARD,
        ],
        true,
    );
    let r = secrets(&dir, &[]);
    assert_eq!(r.status_of("secrets"), "pass", "{}", r.stdout);
    assert_eq!(r.code, 0);
}

#[test]
fn an_unignored_env_file_fails_naming_it() {
    let dir = repo("env", &[(".env", "DEBUG=1\n"), (".env.example", "CLICKUP_API_TOKEN=\n"), GUARD], false);
    let r = secrets(&dir, &[]);
    assert_eq!(r.status_of("secrets"), "fail");
    assert_eq!(r.summary_of("secrets"), ".env is not ignored by git and would be committed");
}

#[test]
fn an_oauth_secret_in_a_client_bundle_fails_even_when_ignored() {
    let bundle = format!("var a=1;\nwindow.cfg={{clickupClientSecret: \"{OAUTH_SECRET}\"}};\n");
    let dir = repo("bundle", &[(".gitignore", "dist/\n"), ("dist/app.js", &bundle), GUARD], true);
    let r = secrets(&dir, &[]);
    assert_eq!(r.status_of("secrets"), "fail");
    assert!(r.summary_of("secrets").contains("in client bundle dist/app.js:2"), "{}", r.summary_of("secrets"));
}

/// PATH as for a user who installed the binary: its directory first.
fn path_with_binary() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_clickup-preflight")).parent().expect("bin dir").to_owned();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&rest)))
        .expect("join PATH")
        .to_string_lossy()
        .into_owned()
}

/// `git commit` of what is staged, with `path` as PATH: whether it went
/// through, and everything it said.
fn try_commit(dir: &Path, message: &str, path: &str) -> (bool, String) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"])
        .args(["commit", "-q", "-m", message])
        .env("PATH", path)
        .output()
        .expect("git commit");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn install_hook(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["install-hook", "--repo", "."];
    args.extend_from_slice(extra);
    run_in(dir, &args, &[("PATH", &path_with_binary())], Duration::from_secs(30))
}

fn read_hook(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(".git/hooks").join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn no_guard_warns_and_install_hook_adds_one_that_blocks_commits() {
    let dir = repo("hook", &[("README.md", "hello\n")], true);
    assert_eq!(secrets(&dir, &[]).status_of("secrets"), "warn");

    let installed = install_hook(&dir, &[]);
    assert_eq!(installed.code, 0, "{}", installed.all_output());
    assert_eq!(secrets(&dir, &[]).status_of("secrets"), "pass", "the hook counts as a guard");
    let again = install_hook(&dir, &[]);
    assert_eq!(again.code, 0, "installing again is fine: {}", again.all_output());
    let hook = read_hook(&dir, "pre-commit");
    assert_eq!(hook.matches("check --only secrets --staged").count(), 1, "one invocation:\n{hook}");
    assert!(!dir.join(".git/hooks/pre-commit.local").exists(), "its own hook is not chained to itself");

    // A clean commit goes through; one adding a token is blocked.
    let path = path_with_binary();
    std::fs::write(dir.join("ok.txt"), "fine\n").expect("write");
    git(&dir, &["add", "ok.txt"]);
    let (clean, said) = try_commit(&dir, "clean", &path);
    assert!(clean, "{said}");
    std::fs::write(dir.join("leak.txt"), format!("token {PLANTED}\n")).expect("write");
    git(&dir, &["add", "leak.txt"]);
    let (went_through, said) = try_commit(&dir, "leak", &path);
    assert!(!went_through, "the hook blocks the commit");
    assert!(said.contains("leak.txt:1"), "{said}");
    assert!(!said.contains(PLANTED), "the hook does not print the token");
}

#[test]
fn install_hook_keeps_an_existing_hook_and_runs_it_first() {
    let dir = repo("hook-chain", &[("README.md", "hello\n")], true);
    let theirs = "#!/bin/sh\necho their-hook-ran >&2\ntest ! -e STOP\n";
    let hooks = dir.join(".git/hooks");
    std::fs::write(hooks.join("pre-commit"), theirs).expect("write hook");
    std::fs::set_permissions(hooks.join("pre-commit"), std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let installed = install_hook(&dir, &[]);
    assert_eq!(installed.code, 0, "{}", installed.all_output());
    assert!(installed.stdout.contains("pre-commit.local"), "says where the hook went: {}", installed.stdout);
    assert_eq!(read_hook(&dir, "pre-commit.local"), theirs, "kept byte for byte");
    assert_eq!(install_hook(&dir, &[]).code, 0);
    assert_eq!(read_hook(&dir, "pre-commit.local"), theirs, "a second install keeps it too");
    assert_eq!(read_hook(&dir, "pre-commit").matches("check --only secrets --staged").count(), 1);

    let path = path_with_binary();
    std::fs::write(dir.join("ok.txt"), "fine\n").expect("write");
    git(&dir, &["add", "ok.txt"]);
    let (clean, said) = try_commit(&dir, "clean", &path);
    assert!(clean && said.contains("their-hook-ran"), "both ran and passed: {said}");
    std::fs::write(dir.join("STOP"), "").expect("write");
    std::fs::write(dir.join("more.txt"), "fine\n").expect("write");
    git(&dir, &["add", "more.txt"]);
    let (went_through, said) = try_commit(&dir, "stopped", &path);
    assert!(!went_through, "their hook's failure still blocks: {said}");
    std::fs::remove_file(dir.join("STOP")).expect("rm");
    std::fs::write(dir.join("leak.txt"), format!("token {PLANTED}\n")).expect("write");
    git(&dir, &["add", "leak.txt"]);
    let (went_through, said) = try_commit(&dir, "leak", &path);
    assert!(!went_through && said.contains("their-hook-ran") && said.contains("leak.txt:1"), "{said}");

    // --force replaces a foreign hook without keeping it; a second foreign
    // hook with pre-commit.local taken is refused without --force.
    std::fs::write(hooks.join("pre-commit"), theirs).expect("write hook");
    let refused = install_hook(&dir, &[]);
    assert_eq!(refused.code, 2, "{}", refused.all_output());
    assert!(refused.stderr.contains("pre-commit.local") && refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(install_hook(&dir, &["--force"]).code, 0);
    assert!(read_hook(&dir, "pre-commit").contains("check --only secrets --staged"));
}

#[test]
fn the_hook_blocks_with_a_clear_message_when_the_binary_is_not_on_path() {
    let dir = repo("hook-no-binary", &[("README.md", "hello\n")], true);
    assert_eq!(install_hook(&dir, &[]).code, 0);
    std::fs::write(dir.join("ok.txt"), "fine\n").expect("write");
    git(&dir, &["add", "ok.txt"]);
    let git_dir =
        String::from_utf8_lossy(&Command::new("sh").args(["-c", "command -v git"]).output().expect("sh").stdout)
            .trim()
            .to_owned();
    let without = format!("{}:/usr/bin:/bin", Path::new(&git_dir).parent().expect("git dir").display());
    let (went_through, said) = try_commit(&dir, "clean", &without);
    assert!(!went_through, "no scanner, no commit: {said}");
    assert!(said.contains("clickup-preflight is not on PATH") && said.contains("--no-verify"), "{said}");
}

#[test]
fn outside_a_repository_secrets_is_skip() {
    let dir = scratch_dir("not-a-repo");
    let r = secrets(&dir, &[]);
    assert_eq!(r.status_of("secrets"), "skip");
}

// ---- pre-commit: the file names it passes --------------------------------------

/// `check --only secrets` with file names, as pre-commit runs a hook, from `dir`.
fn secrets_of_files(dir: &Path, files: &[&str]) -> Run {
    let mut args = vec!["check", "--only", "secrets", "--format", "json"];
    args.extend_from_slice(files);
    let r = run_in(dir, &args, &[], Duration::from_secs(30));
    assert!(!r.all_output().contains(PLANTED), "a secret value was printed:\n{}", r.all_output());
    r
}

#[test]
fn named_files_are_read_and_nothing_else() {
    let dir = repo("named-files", &[("README.md", "hello\n")], true);
    std::fs::write(dir.join("ok.txt"), "fine\n").expect("write");
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    std::fs::write(dir.join("src/leak.rs"), format!("const T: &str = \"{PLANTED}\";\n")).expect("write");

    let clean = secrets_of_files(&dir, &["ok.txt", "README.md"]);
    assert_eq!((clean.code, clean.status_of("secrets").as_str()), (0, "pass"), "{}", clean.all_output());
    let scanned = &clean.check("secrets")["metrics"]["files_scanned"];
    assert_eq!(scanned, 2, "only the named files are read, not the untracked src/leak.rs: {}", clean.stdout);

    let leaking = secrets_of_files(&dir, &["ok.txt", "src/leak.rs"]);
    assert_eq!((leaking.code, leaking.status_of("secrets").as_str()), (1, "fail"), "{}", leaking.all_output());
    assert!(leaking.summary_of("secrets").contains("src/leak.rs:1"), "{}", leaking.summary_of("secrets"));

    std::fs::write(dir.join(".env"), "X=1\n").expect("write");
    let env = secrets_of_files(&dir, &[".env"]);
    assert_eq!(env.status_of("secrets"), "fail", "a named .env file is about to be committed: {}", env.stdout);
    assert!(env.summary_of("secrets").contains(".env"), "{}", env.summary_of("secrets"));
}

/// A minified bundle over 1 MiB: one long line of code, a token near its end.
fn big_bundle() -> String {
    let mut text = String::from("// built\n");
    while text.len() < 1536 * 1024 {
        text.push_str("function f(a,b){return a+b};var x={k:\"v\"};");
    }
    text.push_str(&format!("var t=\"{PLANTED}\";\n"));
    text
}

#[test]
fn a_token_in_a_file_over_a_mebibyte_is_found_staged_named_or_committed() {
    let bundle = big_bundle();
    let dir = repo("big-file", &[("dist/app.min.js", &bundle), GUARD], true);
    let named = secrets_of_files(&dir, &["dist/app.min.js"]);
    assert_eq!((named.code, named.status_of("secrets").as_str()), (1, "fail"), "{}", named.all_output());
    assert!(named.summary_of("secrets").contains("dist/app.min.js:2"), "{}", named.summary_of("secrets"));
    let scanned = secrets(&dir, &[]);
    assert_eq!(scanned.status_of("secrets"), "fail", "{}", scanned.all_output());
    assert!(scanned.summary_of("secrets").contains("dist/app.min.js:2"), "{}", scanned.summary_of("secrets"));
    std::fs::write(dir.join("vendor.js"), &bundle).expect("write");
    git(&dir, &["add", "vendor.js"]);
    let staged =
        run_in(&dir, &["check", "--only", "secrets", "--staged", "--format", "json"], &[], Duration::from_secs(30));
    assert_eq!((staged.code, staged.status_of("secrets").as_str()), (1, "fail"), "{}", staged.all_output());
    assert!(staged.summary_of("secrets").contains("vendor.js:2"), "{}", staged.summary_of("secrets"));
    for run in [&named, &scanned, &staged] {
        assert!(!run.all_output().contains(PLANTED), "{}", run.all_output());
    }
}

#[test]
fn a_named_file_that_cannot_be_read_is_an_error_naming_it() {
    let dir = repo("named-missing", &[("README.md", "hello\n")], true);
    let r = secrets_of_files(&dir, &["README.md", "gone.txt"]);
    assert_eq!((r.code, r.status_of("secrets").as_str()), (1, "error"), "{}", r.all_output());
    assert!(r.summary_of("secrets").contains("gone.txt"), "{}", r.summary_of("secrets"));
}

#[test]
fn file_names_are_refused_when_the_secrets_scan_would_not_read_them() {
    let dir = repo("named-refused", &[("README.md", "hello\n")], true);
    let without_secrets =
        run_in(&dir, &["check", "--sandbox", "healthy", "--only", "auth", "README.md"], &[], Duration::from_secs(30));
    assert_eq!(without_secrets.code, 2, "{}", without_secrets.all_output());
    assert_eq!(without_secrets.stderr.trim().lines().count(), 1, "one line: {}", without_secrets.stderr);
    assert!(without_secrets.stderr.contains("secrets"), "{}", without_secrets.stderr);
    let with_staged =
        run_in(&dir, &["check", "--only", "secrets", "--staged", "README.md"], &[], Duration::from_secs(30));
    assert_eq!(with_staged.code, 2, "--staged reads the index, not named files: {}", with_staged.all_output());
}

/// The `entry` of each hook in `.pre-commit-hooks.yaml`, by id.
fn pre_commit_entries() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml"))
        .expect(".pre-commit-hooks.yaml");
    let mut hooks = Vec::new();
    let mut id = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("- id:") {
            id = Some(rest.trim().to_owned());
        } else if let Some(entry) = line.trim().strip_prefix("entry:") {
            hooks.push((id.clone().expect("an id before its entry"), entry.trim().to_owned()));
        }
    }
    hooks
}

#[test]
fn every_published_pre_commit_hook_blocks_a_token_and_passes_a_clean_file() {
    let hooks = pre_commit_entries();
    let ids: Vec<&str> = hooks.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["clickup-preflight-secrets", "clickup-preflight-secrets-system"]);
    let dir = repo("pre-commit-entry", &[("README.md", "hello\n")], true);
    std::fs::write(dir.join("ok.txt"), "fine\n").expect("write");
    std::fs::write(dir.join("leak.txt"), format!("token {PLANTED}\n")).expect("write");
    for (id, entry) in &hooks {
        let mut words = entry.split_whitespace();
        assert_eq!(words.next(), Some("clickup-preflight"), "{id}: the entry runs the binary");
        let args: Vec<&str> = words.collect();
        // pre-commit appends the file names to the entry.
        let with = |files: &[&'static str]| {
            let argv: Vec<&str> = args.iter().copied().chain(files.iter().copied()).collect();
            run_in(&dir, &argv, &[], Duration::from_secs(30))
        };
        let clean = with(&["ok.txt", "README.md"]);
        assert_eq!(clean.code, 0, "{id}: {}", clean.all_output());
        assert!(clean.all_output().trim().is_empty(), "{id}: quiet when clean: {}", clean.all_output());
        let blocked = with(&["ok.txt", "leak.txt"]);
        assert_eq!(blocked.code, 1, "{id}: {}", blocked.all_output());
        assert!(blocked.all_output().contains("leak.txt:1"), "{id}: {}", blocked.all_output());
        assert!(!blocked.all_output().contains(PLANTED), "{id}: the token is not printed");
    }
}

/// The argv pre-commit runs for `entry` over `files`: the entry's words,
/// then the file names (pre-commit adds no `--` of its own).
fn pre_commit_argv<'a>(entry: &'a str, files: &[&'a str]) -> Vec<&'a str> {
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("clickup-preflight"), "the entry runs the binary: {entry}");
    words.chain(files.iter().copied()).collect()
}

#[test]
fn a_staged_file_named_like_a_flag_is_scanned_as_a_file_by_every_hook() {
    // Names a commit can add: read as flags they would print help and exit
    // 0, or turn the gate off, and the token in leak.txt would go through.
    let names = ["--help", "-V", "--fail-on=never", "--format=nagios", "-q", "--"];
    let mut files: Vec<(&str, String)> = names.iter().map(|name| (*name, format!("x {PLANTED}\n"))).collect();
    files.push(("leak.txt", format!("token {PLANTED}\n")));
    let refs: Vec<(&str, &str)> = files.iter().map(|(name, text)| (*name, text.as_str())).collect();
    let dir = repo("pre-commit-dashes", &refs, false);
    std::fs::write(dir.join("ok.txt"), "fine\n").expect("write");
    for (id, entry) in pre_commit_entries() {
        for name in names {
            let blocked = run_in(&dir, &pre_commit_argv(&entry, &[name, "leak.txt"]), &[], Duration::from_secs(30));
            let out = blocked.all_output();
            assert_eq!(blocked.code, 1, "{id}, a file named {name}: {out}");
            assert!(out.contains("leak.txt:1") && out.contains(&format!("{name}:1")), "{id}, {name}: {out}");
            assert!(!out.contains(PLANTED), "{id}: the token is not printed");
        }
        let clean = run_in(&dir, &pre_commit_argv(&entry, &["ok.txt"]), &[], Duration::from_secs(30));
        assert_eq!((clean.code, clean.all_output().trim()), (0, ""), "{id}: {}", clean.all_output());
    }
}

// ---- token ------------------------------------------------------------------

fn token_check(dir: &Path, config: &str, env: &[(&str, &str)], extra: &[&str]) -> Run {
    std::fs::write(dir.join("checks.toml"), config).expect("write config");
    let mut args = vec!["check", "--sandbox", "healthy", "--only", "token", "--repo", ".", "--format", "json"];
    args.extend_from_slice(extra);
    run_in(dir, &args, env, Duration::from_secs(30))
}

#[test]
fn the_token_owner_must_be_the_service_account() {
    let dir = scratch_dir("owner");
    let ok = token_check(&dir, "service_account = \"sandbox@example.com\"\n", &[], &[]);
    assert_eq!(ok.status_of("token"), "pass", "{}", ok.stdout);
    let wrong = token_check(&dir, "service_account = \"ops@example.com\"\n", &[], &[]);
    assert_eq!(wrong.status_of("token"), "fail");
    assert_eq!(
        wrong.summary_of("token"),
        "the token belongs to Sandbox Service Account, not the service account ops@example.com"
    );
    assert!(!wrong.stdout.contains("sandbox@example.com"), "the user's email is not printed");
    let unset = token_check(&dir, "", &[], &[]);
    assert_eq!(unset.status_of("token"), "warn", "a personal token without service_account");
}

#[test]
fn token_command_supplies_the_token_and_a_dot_env_file_warns() {
    let dir = repo("token-source", &[(".gitignore", ".env\n")], true);
    let command = format!("token_command = \"printf %s {TOKEN}\"\nservice_account = \"1000001\"\n");
    let r = token_check(&dir, &command, &[], &[]);
    assert_eq!(r.status_of("token"), "pass", "{}", r.stdout);
    assert!(r.summary_of("token").contains("token_command"), "{}", r.summary_of("token"));
    assert!(!r.all_output().contains(TOKEN));

    std::fs::write(dir.join(".env"), format!("{TOKEN}\n")).expect("write .env");
    let r = token_check(&dir, "service_account = \"1000001\"\n", &[], &["--token-file", ".env"]);
    assert_eq!(r.status_of("token"), "warn");
    assert!(r.summary_of("token").contains(".env file inside the repository"), "{}", r.summary_of("token"));

    let failing = token_check(&dir, "token_command = \"echo oops >&2; exit 3\"\nservice_account = \"1\"\n", &[], &[]);
    assert_eq!(failing.code, 2);
    assert!(
        failing.stderr.starts_with("error: checks.toml:1: `token_command`: `echo` failed with exit code 3"),
        "{}",
        failing.stderr
    );
    assert!(!failing.stderr.contains("oops"), "the command's stderr is not repeated");
}

#[test]
fn a_failing_token_command_names_the_config_file_it_came_from_and_its_line() {
    let dir = scratch_dir("token-command-file");
    std::fs::create_dir_all(dir.join("ops")).expect("mkdir");
    std::fs::write(dir.join("ops/preflight.toml"), "service_account = \"1\"\ntoken_command = \"exit 3\"\n")
        .expect("write");
    let r = run_in(
        &dir,
        &["check", "--sandbox", "healthy", "--only", "token", "--config", "ops/preflight.toml"],
        &[],
        Duration::from_secs(30),
    );
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.lines().collect::<Vec<_>>(),
        ["error: ops/preflight.toml:2: `token_command`: `exit` failed with exit code 3"],
    );
}

// ---- checklist ------------------------------------------------------------------

#[test]
fn checklist_settles_every_item_and_gates_on_open_items() {
    let dir = repo("checklist", &[(".gitignore", ".env\n"), GUARD], true);
    let attest = |item: &str, on: &str| {
        format!("[attest.{item}]\nby = \"ops@example.com\"\non = {on}\nlink = \"https://wiki.example/{item}\"\n")
    };
    let today = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let recent = {
        // A date 10 days ago, from the run's clock, formatted by the shell's date.
        let out = Command::new("date")
            .args(["-u", "-d", &format!("@{}", today - 10 * 86_400), "+%Y-%m-%d"])
            .output()
            .expect("date");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let config = format!(
        "service_account = \"1000001\"\n{}{}",
        attest("token-rotation", &recent),
        attest("caching", "2020-01-01")
    );
    std::fs::write(dir.join("checks.toml"), config).expect("write config");
    let r = run_in(
        &dir,
        &["checklist", "--sandbox", "healthy", "--repo", ".", "--format", "json"],
        &[],
        Duration::from_secs(30),
    );
    assert_eq!(r.code, 1, "items are still OPEN");
    let doc = r.json();
    let items = doc["items"].as_array().expect("items");
    assert_eq!(items.len(), 25);
    let item = |id: &str| items.iter().find(|i| i["id"] == id).cloned().unwrap_or_else(|| panic!("{id}"));
    assert_eq!(item("env-ignored-and-hook")["state"], "verified");
    assert_eq!(item("env-ignored-and-hook")["check"], "secrets");
    assert_eq!(item("service-account")["verdict"], "pass");
    for probe in ["health-check", "rate-limit-alerting", "rate-limit-headers-monitored"] {
        assert_eq!(item(probe)["state"], "open", "{probe}: a passing run of this tool does not verify it");
        assert_eq!(item(probe)["basis"], "probe", "{probe}");
        assert!(item(probe)["satisfy_with"].as_str().is_some_and(|h| h.contains("--output prometheus=")), "{probe}");
    }
    assert_eq!(item("latency-tracked")["state"], "open", "the latency check is not the integration's tracking");
    assert_eq!(item("latency-tracked")["verified_by"], serde_json::Value::Null);
    assert_eq!(item("token-rotation")["state"], "attested");
    assert_eq!(item("token-rotation")["attested"]["stale"], false);
    assert_eq!(item("caching")["attested"]["stale"], true);
    assert_eq!(item("circuit-breaker")["state"], "open");
    assert_eq!(doc["totals"]["attested"], 2);
    assert_eq!(doc["totals"]["stale"], 1);
    assert_eq!(
        r.stderr.lines().filter(|l| l.starts_with("error: stale attestations")).collect::<Vec<_>>(),
        [
            "error: stale attestations, older than 180 days (attest_max_age_days), keep the gate shut: caching (attested 2020-01-01); re-attest them with a new `on` date"
        ],
        "{}",
        r.stderr
    );

    let table = run_in(&dir, &["checklist", "--sandbox", "healthy", "--repo", "."], &[], Duration::from_secs(30));
    assert!(
        table.stdout.contains("ATTESTED (stale)")
            && table.stdout.contains("VERIFIED (PASS)")
            && table.stdout.contains("OPEN (probe)")
            && table.stdout.contains(" token-rotation "),
        "the table shows states and each item's id:\n{}",
        table.stdout
    );
    let md = run_in(
        &dir,
        &["checklist", "--sandbox", "healthy", "--repo", ".", "--format", "markdown"],
        &[],
        Duration::from_secs(30),
    );
    assert_eq!(md.stdout.matches("- [").count(), 25, "{}", md.stdout);
}

#[test]
fn checklist_attestations_must_name_real_items() {
    let dir = scratch_dir("bad-attest");
    std::fs::write(dir.join("checks.toml"), "[attest.token-rotaton]\nby = \"x\"\non = 2026-01-01\n").expect("write");
    let r = run_in(&dir, &["checklist", "--sandbox", "healthy"], &[], Duration::from_secs(30));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error: checks.toml:1: `[attest.token-rotaton]`: `token-rotaton` is not a checklist item"),
        "{}",
        r.stderr
    );
}

/// A drill report as `drill --format json` writes it, dated `days_ago`.
fn drill_report(days_ago: u64, items: &[(&str, &str)]) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let started = clickup_preflight::model::calendar::rfc3339(now - days_ago * 86_400);
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|(id, status)| serde_json::json!({"id": id, "status": status, "summary": "s", "evidence": []}))
        .collect();
    serde_json::json!({"schema_version": 1, "kind": "drill", "status": "fail", "started": started, "items": items,
                       "plan": [], "command": {"argv": ["x"], "exit_code": 0, "duration_ms": 1}, "requests": 0, "duration_ms": 1})
    .to_string()
}

#[test]
fn checklist_counts_drilled_items_by_date_and_a_failed_drill_beats_an_attestation() {
    let dir = scratch_dir("checklist-drill");
    let config = "attest_max_age_days = 30\n[attest.circuit-breaker]\nby = \"ops\"\non = 2026-11-01\n";
    std::fs::write(dir.join("checks.toml"), config).expect("write config");
    let verdicts = [
        ("caching", "pass"),
        ("circuit-breaker", "fail"),
        ("request-queuing", "warn"),
        ("webhooks-over-polling", "not-exercised"),
    ];
    std::fs::write(dir.join("fresh.json"), drill_report(2, &verdicts)).expect("write");
    std::fs::write(dir.join("old.json"), drill_report(40, &verdicts)).expect("write");
    let checklist = |report: &str| {
        let args = ["checklist", "--sandbox", "healthy", "--format", "json", "--drill", report];
        run_in(&dir, &args, &[], Duration::from_secs(30))
    };
    let fresh = checklist("fresh.json");
    assert_eq!(fresh.code, 1, "{}", fresh.stderr);
    let doc = fresh.json();
    let item = |doc: &serde_json::Value, id: &str| {
        doc["items"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["id"] == id).cloned())
            .unwrap_or_else(|| panic!("{id}"))
    };
    let caching = item(&doc, "caching");
    assert_eq!((caching["state"].as_str(), caching["verdict"].as_str()), (Some("verified"), Some("pass")));
    assert_eq!(caching["drill"]["stale"], false);
    assert_eq!(caching["drill"]["on"].as_str().map(str::len), Some(10), "{caching}");
    let breaker = item(&doc, "circuit-breaker");
    assert_eq!(
        (breaker["state"].as_str(), breaker["verdict"].as_str()),
        (Some("verified"), Some("fail")),
        "evidence beats paper"
    );
    for settled_nothing in ["request-queuing", "webhooks-over-polling"] {
        let it = item(&doc, settled_nothing);
        assert_eq!(it["state"], "open", "{it}");
        assert!(it["reason"].as_str().is_some_and(|r| r.starts_with("the drill found it ")), "{it}");
    }
    assert_eq!((doc["totals"]["drilled"].as_u64(), doc["totals"]["drill_failing"].as_u64()), (Some(2), Some(1)));

    let old = checklist("old.json");
    let doc = old.json();
    assert_eq!(item(&doc, "caching")["drill"]["stale"], true, "older than attest_max_age_days");
    assert!(
        old.stderr.contains("error: the drill report is older than 30 days")
            && old.stderr.contains("caching (drilled "),
        "{}",
        old.stderr
    );
    let table =
        run_in(&dir, &["checklist", "--sandbox", "healthy", "--drill", "fresh.json"], &[], Duration::from_secs(30));
    assert!(
        table.stdout.contains("VERIFIED (drill)") && table.stdout.contains("VERIFIED (drill FAIL)"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("2 by a drill (1 failing, 0 stale)"), "{}", table.stdout);
}

#[test]
fn checklist_refuses_a_drill_report_it_cannot_read_in_one_line() {
    let dir = scratch_dir("checklist-bad-drill");
    std::fs::write(dir.join("check.json"), r#"{"schema_version": 1, "status": "pass", "checks": []}"#).expect("write");
    std::fs::write(dir.join("wrong-item.json"), drill_report(0, &[("cachng", "pass")])).expect("write");
    for (file, expected) in [
        ("missing.json", "error: missing.json: cannot read it"),
        ("check.json", "error: check.json: `kind`: expected \"drill\""),
        ("wrong-item.json", "error: wrong-item.json: `items[0].id`: `cachng` is not a checklist item"),
        (".", "error: .: expected a file written by `drill --format json`"),
    ] {
        let r = run_in(&dir, &["checklist", "--sandbox", "healthy", "--drill", file], &[], Duration::from_secs(30));
        assert_eq!(r.code, 2, "{file}: {}", r.stderr);
        assert!(r.stderr.starts_with(expected), "{file}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stdout.is_empty(), "no checklist printed: {}", r.stdout);
    }
}

/// The checklist run in a repository where every item is attested on
/// `on`, with `extra` appended to `checks.toml` and the file named `name`.
fn checklist_all_attested(dir: &Path, name: &str, on: &str, extra: &str) -> Run {
    let mut config = String::from("attest_max_age_days = 30\n");
    for item in clickup_preflight::checklist::ITEMS {
        config.push_str(&format!("[attest.{}]\nby = \"ops@example.com\"\non = {on}\n", item.id));
    }
    config.push_str(extra);
    std::fs::write(dir.join(name), config).expect("write config");
    run_in(dir, &["checklist", "--sandbox", "healthy", "--config", name], &[], Duration::from_secs(30))
}

#[test]
fn checklist_gate_opens_on_fresh_attestations_and_shuts_on_stale_ones_naming_them() {
    let dir = scratch_dir("stale-attest");
    let day = |days_ago: u64| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let out = Command::new("date")
            .args(["-u", "-d", &format!("@{}", now - days_ago * 86_400), "+%Y-%m-%d"])
            .output()
            .expect("date");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let fresh = checklist_all_attested(&dir, "release.toml", &day(3), "");
    assert_eq!(fresh.code, 0, "every item attested within 30 days:\n{}\n{}", fresh.stdout, fresh.stderr);
    assert!(!fresh.stderr.contains("stale"), "{}", fresh.stderr);
    let stale = checklist_all_attested(&dir, "release.toml", &day(31), "");
    assert_eq!(stale.code, 1, "stale attestations shut the gate:\n{}", stale.stdout);
    assert!(
        stale.stderr.contains("keep the gate shut: secrets-manager (attested ") && stale.stderr.contains("caching"),
        "{}",
        stale.stderr
    );
}

#[test]
fn checklist_attestations_by_nobody_or_from_the_future_are_config_errors() {
    let dir = scratch_dir("bad-attest-values");
    std::fs::write(dir.join("future.toml"), "[attest.caching]\nby = \"ops@example.com\"\non = 2999-01-01\n")
        .expect("write");
    let future =
        run_in(&dir, &["checklist", "--sandbox", "healthy", "--config", "future.toml"], &[], Duration::from_secs(30));
    assert_eq!(future.code, 2);
    assert_eq!(
        future.stderr.lines().collect::<Vec<_>>(),
        [
            "error: future.toml:3: `attest.caching.on`: 2999-01-01 is in the future; expected the day it was attested, e.g. on = 2026-11-01"
        ],
    );
    std::fs::write(dir.join("nobody.toml"), "\n[attest.token-rotation]\nby = \" \"\non = 2026-01-01\n").expect("write");
    let nobody =
        run_in(&dir, &["checklist", "--sandbox", "healthy", "--config", "nobody.toml"], &[], Duration::from_secs(30));
    assert_eq!(nobody.code, 2);
    assert_eq!(
        nobody.stderr.lines().collect::<Vec<_>>(),
        ["error: nobody.toml:3: `attest.token-rotation.by`: expected who attests, e.g. \"ops@example.com\""],
    );
}

#[test]
fn checklist_without_a_token_runs_what_needs_none() {
    let dir = repo("offline", &[(".gitignore", ".env\n"), GUARD], true);
    let r = run_in(&dir, &["checklist", "--repo", ".", "--format", "json"], &[], Duration::from_secs(30));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no ClickUp token"), "{}", r.stderr);
    let doc = r.json();
    let items = doc["items"].as_array().expect("items");
    let state = |id: &str| items.iter().find(|i| i["id"] == id).map(|i| i["state"].clone());
    assert_eq!(state("env-ignored-and-hook"), Some("verified".into()), "secrets needs no token");
    assert_eq!(state("health-check"), Some("open".into()));
}

// ---- secrets: a scan that cannot run is never a pass or a skip ----------------

/// A directory holding only a `git` that fails like a broken repository, to
/// put first on PATH.
fn failing_git(name: &str) -> PathBuf {
    let bin = scratch_dir(&format!("{name}-bin")).join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let git = bin.join("git");
    std::fs::write(&git, "#!/bin/sh\necho 'fatal: index file corrupt' >&2\nexit 128\n").expect("write fake git");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&git, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    bin
}

#[test]
fn git_missing_is_an_error_not_a_skip() {
    let dir = repo("no-git", &[("README.md", "hello\n"), GUARD], true);
    let empty = scratch_dir("no-git-path");
    let r = secrets(&dir, &[("PATH", empty.to_str().expect("utf-8 path"))]);
    assert_eq!((r.code, r.status_of("secrets").as_str()), (1, "error"), "{}", r.all_output());
    assert!(r.summary_of("secrets").contains("cannot run git"), "{}", r.summary_of("secrets"));
}

#[test]
fn git_failing_is_an_error_with_the_reason() {
    let dir = repo("git-fails", &[("README.md", "hello\n"), GUARD], true);
    let r = secrets(&dir, &[("PATH", failing_git("git-fails").to_str().expect("utf-8 path"))]);
    assert_eq!((r.code, r.status_of("secrets").as_str()), (1, "error"), "{}", r.all_output());
    assert!(r.summary_of("secrets").contains("index file corrupt"), "{}", r.summary_of("secrets"));
    assert_eq!(secrets(&dir, &[]).status_of("secrets"), "pass", "the same repository with a working git passes");
}

#[test]
fn the_pre_commit_scan_exits_non_zero_with_the_reason_when_git_fails() {
    // The command install-hook's script runs, in the hook's own environment
    // (the repository root as working directory), with a git that fails.
    let dir = repo("hook-git-fails", &[("README.md", "hello\n")], true);
    let hook_args = ["check", "--only", "secrets", "--staged", "--repo", ".", "-q", "--no-color"];
    let working = run_in(&dir, &hook_args, &[], Duration::from_secs(30));
    assert_eq!(working.code, 0, "nothing staged passes: {}", working.all_output());
    let path = failing_git("hook-git-fails");
    let broken = run_in(&dir, &hook_args, &[("PATH", path.to_str().expect("utf-8 path"))], Duration::from_secs(30));
    assert_ne!(broken.code, 0, "a broken scan must block the commit: {}", broken.all_output());
    assert!(broken.all_output().contains("index file corrupt"), "the reason is shown: {}", broken.all_output());
}

#[test]
fn a_repo_path_that_is_missing_or_not_a_directory_is_a_usage_error() {
    let dir = scratch_dir("repo-flag");
    std::fs::write(dir.join("file.txt"), "x").expect("write");
    for (path, problem) in [("nowhere", "does not exist"), ("file.txt", "is not a directory")] {
        let r = run_in(&dir, &["check", "--only", "secrets", "--repo", path], &[], Duration::from_secs(30));
        assert_eq!(r.code, 2, "{}", r.all_output());
        assert!(r.stdout.is_empty(), "{}", r.stdout);
        assert_eq!(r.stderr.trim().lines().count(), 1, "one line: {}", r.stderr);
        assert!(r.stderr.contains(&format!("--repo: {path} {problem}")), "{}", r.stderr);
    }
}
