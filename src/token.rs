//! Where the token comes from, what kind it is, and the sandbox's demo token.
//!
//! The token lives in a [`SecretString`] from the moment it is read: its
//! `Debug` prints `[REDACTED]`, and nothing in this module formats it.

use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use crate::duration::human;
use crate::model::Message;
use crate::text::Sanitizer;

/// The environment variable that holds the token.
pub const TOKEN_ENV: &str = "CLICKUP_API_TOKEN";

/// Personal tokens (`pk_…`) belong to one user; OAuth tokens to an app
/// acting for a user. The report says which, because the checklist wants a
/// service account rather than someone's personal token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `pk_<user id>_<32 characters>` (see [`is_personal_token`]).
    Personal,
    /// Starts with `pk_` but is not of the personal shape: not called
    /// personal or OAuth on a guess.
    Unrecognised,
    /// Anything else: an OAuth access token.
    OAuth,
}

impl TokenKind {
    /// Recognises the kind from the token's shape.
    pub fn of(token: &SecretString) -> TokenKind {
        let t = token.expose_secret();
        let t = t.strip_prefix("Bearer ").unwrap_or(t);
        if is_personal_token(t) {
            TokenKind::Personal
        } else if t.starts_with("pk_") {
            TokenKind::Unrecognised
        } else {
            TokenKind::OAuth
        }
    }

    /// "a personal token" or "an OAuth token", for report sentences.
    pub fn describe(self) -> &'static str {
        match self {
            TokenKind::Personal => "a personal token",
            TokenKind::Unrecognised => "a pk_ token not of the personal shape",
            TokenKind::OAuth => "an OAuth token",
        }
    }
}

/// Whether `text` is exactly a ClickUp personal token: `pk_`, the user's id
/// (6 to 10 digits; 7-digit ids are common, so a narrower pattern misses
/// real tokens), `_`, then 32 upper-case letters or digits. The one
/// definition, shared by the token's kind and the secrets scan.
pub fn is_personal_token(text: &str) -> bool {
    let Some((user, secret)) = text.strip_prefix("pk_").and_then(|rest| rest.split_once('_')) else {
        return false;
    };
    (6..=10).contains(&user.len())
        && user.bytes().all(|b| b.is_ascii_digit())
        && secret.len() == 32
        && secret.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Where the token in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// `CLICKUP_API_TOKEN`.
    Env,
    /// `--token-file PATH`.
    File(PathBuf),
    /// The stdout of `token_command` in `checks.toml`.
    Command,
    /// Made up for the built-in sandbox.
    SandboxDemo,
}

/// Why no usable token could be had. Messages never contain the token.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Nothing was provided.
    #[error(
        "no ClickUp API token: set {TOKEN_ENV} or pass --token-file PATH \
         (to see the tool without one: clickup-preflight check --sandbox healthy)"
    )]
    Missing,
    /// `--token-file` could not be read.
    #[error("cannot read the token file {path}: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The OS's reason.
        reason: String,
    },
    /// The source held only whitespace.
    #[error("the token from {0} is empty")]
    Empty(String),
    /// `token_command` failed.
    #[error("token_command in checks.toml: {0}")]
    Command(String),
    /// The token is wrapped in quotes, which are not part of it.
    #[error("the token from {0} is in quotes; remove the quotes: they are not part of the token")]
    Quoted(String),
    /// A `NAME=value` line from an env-style file instead of the value.
    #[error(
        "the token from {0} is a NAME=value line from an env file; give only the value \
         (e.g. load the file with `set -a; . FILE` and use {TOKEN_ENV})"
    )]
    Assignment(String),
    /// Whitespace or control characters inside the token.
    #[error("the token from {0} contains spaces or control characters; expected one line such as pk_…")]
    Malformed(String),
}

impl TokenSource {
    /// For report sentences. A path is the user's text, so it passes the
    /// sanitizer like any outside text.
    pub fn describe(&self) -> Message {
        match self {
            TokenSource::Env => crate::message!("the {} environment variable", TOKEN_ENV),
            TokenSource::File(path) => {
                let shown = Sanitizer::shapes_only().line(&path.display().to_string(), crate::text::URL);
                crate::message!("the file {}", shown)
            }
            TokenSource::Command => Message::from("token_command (a secrets-manager command)"),
            TokenSource::SandboxDemo => Message::from("the sandbox's demo token"),
        }
    }
}

/// The most of `token_command`'s stdout that is read: a token is one short
/// line, and a runaway command must not fill memory.
const MAX_COMMAND_OUTPUT: u64 = 64 * 1024;

/// Runs `token_command` (through `sh -c`, in a process group of its own)
/// and takes its stdout as the token. Its stderr is not shown: a failing
/// secrets-manager CLI may print anything. At `deadline` the whole group is
/// killed, so that a hung CLI and its children neither hold the run past
/// `--deadline` nor outlive it.
pub fn from_command(command: &str, deadline: Duration) -> Result<SecretString, TokenError> {
    let program = program_name(command);
    let fail = |reason: String| TokenError::Command(format!("`{program}` {reason}"));
    let ends_at = Instant::now() + deadline;
    let mut child = group_leader(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| TokenError::Command(format!("cannot start sh: {}", e.kind())))?;
    let output = read_in_background(child.stdout.take());
    let Some(status) = wait_until(&mut child, ends_at) else {
        kill_group(&mut child);
        let _ = child.wait();
        return Err(fail(format!("did not finish within the {} deadline; it was stopped", human(deadline))));
    };
    match status.code() {
        Some(0) => {}
        Some(127) => return Err(fail("not found (exit code 127): is it installed and on PATH?".to_owned())),
        Some(126) => return Err(fail("cannot be executed (exit code 126)".to_owned())),
        Some(code) => return Err(fail(format!("failed with exit code {code}"))),
        None => return Err(fail("was ended by a signal".to_owned())),
    }
    // A child left in the background may hold stdout open: wait no longer than the deadline.
    let bytes = output
        .recv_timeout(ends_at.saturating_duration_since(Instant::now()))
        .map_err(|_| fail(format!("left its output open past the {} deadline", human(deadline))))?;
    validate(String::from_utf8_lossy(&bytes).into_owned(), "token_command")
}

/// The program a shell command runs, for messages: its first word after
/// any `NAME=value` assignments (whose values may be secrets), unquoted.
fn program_name(command: &str) -> String {
    let is_assignment = |word: &str| {
        word.split_once('=')
            .is_some_and(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    };
    let word = command.split_whitespace().find(|w| !is_assignment(w)).unwrap_or("sh");
    word.trim_matches(|c| c == '\'' || c == '"').to_owned()
}

/// `sh -c command` as the leader of a new process group, so that the whole
/// group can be killed at once.
fn group_leader(command: &str) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c").arg(command);
    crate::process::in_own_group(&mut sh);
    sh
}

/// Reads at most [`MAX_COMMAND_OUTPUT`] bytes of `pipe` on a thread; the
/// result arrives when the pipe closes.
fn read_in_background(pipe: Option<ChildStdout>) -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(pipe) = pipe {
            let _ = pipe.take(MAX_COMMAND_OUTPUT).read_to_end(&mut bytes);
        }
        let _ = sender.send(bytes);
    });
    receiver
}

/// Waits for `child` until `ends_at`; `None` when it is still running.
fn wait_until(child: &mut Child, ends_at: Instant) -> Option<ExitStatus> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < ends_at => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) | Err(_) => return None,
        }
    }
}

/// Kills `leader`'s process group, then the leader itself in case the
/// group could not be signalled.
fn kill_group(leader: &mut Child) {
    crate::process::signal_group(leader.id(), crate::process::GroupSignal::Kill);
    let _ = leader.kill();
}

/// A token file longer than this holds more than a token.
const TOKEN_FILE_LIMIT: u64 = 64 * 1024;

/// Finds the token: `--token-file` wins over the environment.
pub fn load(token_file: Option<&Path>, env_value: Option<String>) -> Result<(SecretString, TokenSource), TokenError> {
    if let Some(path) = token_file {
        let raw = crate::input::read_text(path, TOKEN_FILE_LIMIT)
            .map_err(|e| TokenError::Unreadable { path: path.to_owned(), reason: e.to_string() })?;
        let token = validate(raw, &path.display().to_string())?;
        return Ok((token, TokenSource::File(path.to_owned())));
    }
    match env_value {
        Some(raw) => Ok((validate(raw, TOKEN_ENV)?, TokenSource::Env)),
        None => Err(TokenError::Missing),
    }
}

/// Trims surrounding whitespace (a file's trailing newline) and refuses what
/// cannot be one HTTP header value. `Bearer ` is allowed as a prefix.
fn validate(raw: String, from: &str) -> Result<SecretString, TokenError> {
    let raw = SecretString::from(raw);
    let trimmed = raw.expose_secret().trim();
    if trimmed.is_empty() {
        return Err(TokenError::Empty(from.to_owned()));
    }
    let body = trimmed.strip_prefix("Bearer ").unwrap_or(trimmed);
    // Recognised before sending: ClickUp would answer "token invalid", and
    // the advice for that (a new token) revokes the one production uses.
    if body.lines().any(is_assignment) {
        return Err(TokenError::Assignment(from.to_owned()));
    }
    if body.contains(['"', '\'']) {
        return Err(TokenError::Quoted(from.to_owned()));
    }
    if body.chars().any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii()) {
        return Err(TokenError::Malformed(from.to_owned()));
    }
    Ok(SecretString::from(trimmed.to_owned()))
}

/// Whether a line is a shell or env-file assignment, `[export ]NAME=value`.
/// A value starting with `=` is base64 padding (`abc==`), not an assignment.
fn is_assignment(line: &str) -> bool {
    let line = line.trim();
    let line = line.strip_prefix("export ").map_or(line, str::trim_start);
    let Some((name, value)) = line.split_once('=') else { return false };
    let identifier = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    identifier && !value.is_empty() && !value.starts_with('=')
}

/// A fresh personal-token-shaped value for the sandbox, random per start so
/// that nobody mistakes it for a credential worth keeping.
pub fn demo_token() -> SecretString {
    SecretString::from(format!("pk_1000001_{}", random_alnum(32)))
}

/// `len` random upper-case letters and digits, from the standard library's
/// per-process random hash keys: unpredictable enough for demo tokens and
/// test-delivery ids, which protect nothing.
pub fn random_alnum(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let state = std::collections::hash_map::RandomState::new();
    let mut out = String::with_capacity(len);
    let mut word = 0u64;
    for i in 0..len as u64 {
        if i % 8 == 0 {
            let mut h = state.build_hasher();
            h.write_u64(i);
            word = h.finish();
        }
        out.push(char::from(ALPHABET[(word % ALPHABET.len() as u64) as usize]));
        word /= ALPHABET.len() as u64;
    }
    out
}

/// A personal token whose user id has `digits` digits, for tests; built at
/// run time so that the repository holds no token-shaped literal.
#[cfg(test)]
pub(crate) fn personal_token_for_tests(digits: usize) -> String {
    format!("{}_{}_{}", "pk", "7".repeat(digits), "AB12".repeat(8))
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::personal_token_for_tests as personal;

    #[test]
    fn kinds_are_recognised_from_the_exact_shape() {
        for digits in 6..=10 {
            let token = personal(digits);
            assert!(is_personal_token(&token), "{digits} digits");
            assert_eq!(TokenKind::of(&token.clone().into()), TokenKind::Personal, "{digits} digits");
            assert_eq!(TokenKind::of(&format!("Bearer {token}").into()), TokenKind::Personal);
        }
        for digits in [0, 5, 11] {
            assert!(!is_personal_token(&personal(digits)), "{digits} digits");
            assert_eq!(TokenKind::of(&personal(digits).into()), TokenKind::Unrecognised, "{digits} digits");
        }
        let seven = personal(7);
        for near in [format!("{seven}A"), seven[..seven.len() - 1].to_owned(), seven.to_ascii_lowercase()] {
            assert!(!is_personal_token(&near), "32 upper-case letters or digits, no more, no fewer");
        }
        assert_eq!(TokenKind::of(&"8a7f_oauth".into()), TokenKind::OAuth);
    }

    #[test]
    fn file_beats_env_and_is_trimmed() {
        let dir = std::env::temp_dir().join(format!("cp-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("token");
        std::fs::write(&file, "pk_1_FROMFILE\n").expect("write");
        let (token, source) = load(Some(&file), Some("pk_2_FROMENV".into())).expect("loads");
        assert_eq!(token.expose_secret(), "pk_1_FROMFILE");
        assert_eq!(source, TokenSource::File(file.clone()));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn missing_empty_and_malformed_are_refused_without_echo() {
        assert!(matches!(load(None, None), Err(TokenError::Missing)));
        assert!(matches!(load(None, Some("  \n".into())), Err(TokenError::Empty(_))));
        let err = load(None, Some("pk_1 SECRETPART".into())).expect_err("space inside");
        assert!(!err.to_string().contains("SECRETPART"));
        let missing = load(Some(Path::new("/nonexistent/token")), None).expect_err("no file");
        assert!(missing.to_string().contains("/nonexistent/token"));
    }

    #[test]
    fn the_program_is_the_first_word_after_assignments() {
        assert_eq!(program_name("op read op://vault/clickup"), "op");
        assert_eq!(program_name("VAULT_TOKEN=s.SECRET vault kv get -field=token x"), "vault");
        assert_eq!(program_name("'op' read x"), "op");
        assert_eq!(program_name(""), "sh");
    }

    #[test]
    fn quotes_and_assignments_are_recognised_without_echo() {
        for quoted in ["\"pk_1_SECRETPART\"", "'pk_1_SECRETPART'", "Bearer \"abc_SECRETPART\""] {
            let err = load(None, Some(quoted.into())).expect_err(quoted);
            assert!(matches!(err, TokenError::Quoted(_)), "{quoted}: {err}");
            assert!(!err.to_string().contains("SECRETPART"));
        }
        for assigned in ["CLICKUP_API_TOKEN=pk_1_SECRETPART", "export T='pk_1_SECRETPART'", "A=1\nB=pk_1_SECRETPART"] {
            let err = load(None, Some(assigned.into())).expect_err(assigned);
            assert!(matches!(err, TokenError::Assignment(_)), "{assigned}: {err}");
            assert!(!err.to_string().contains("SECRETPART"));
        }
        for fine in ["pk_1_ABCDEF", "YWJjZGVm==", "YWJjZA=", "Bearer 123_abc"] {
            assert!(load(None, Some(fine.into())).is_ok(), "{fine}");
        }
    }

    #[test]
    fn demo_tokens_have_the_personal_shape_and_differ() {
        let a = demo_token();
        let b = demo_token();
        let text = a.expose_secret();
        assert!(text.starts_with("pk_1000001_"));
        assert_eq!(text.len(), "pk_1000001_".len() + 32);
        assert!(text[11..].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
        assert_ne!(a.expose_secret(), b.expose_secret());
    }
}
