//! Where the token comes from, what kind it is, and the sandbox's demo token.
//!
//! The token lives in a [`SecretString`] from the moment it is read: its
//! `Debug` prints `[REDACTED]`, and nothing in this module formats it.

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

/// The environment variable that holds the token.
pub const TOKEN_ENV: &str = "CLICKUP_API_TOKEN";

/// Personal tokens (`pk_…`) belong to one user; OAuth tokens to an app
/// acting for a user. The report says which, because the checklist wants a
/// service account rather than someone's personal token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `pk_<user id>_<32 characters>`.
    Personal,
    /// Anything else: an OAuth access token.
    OAuth,
}

impl TokenKind {
    /// Recognises the kind from the token's shape.
    pub fn of(token: &SecretString) -> TokenKind {
        let t = token.expose_secret();
        let t = t.strip_prefix("Bearer ").unwrap_or(t);
        if t.starts_with("pk_") { TokenKind::Personal } else { TokenKind::OAuth }
    }

    /// "a personal token" or "an OAuth token", for report sentences.
    pub fn describe(self) -> &'static str {
        match self {
            TokenKind::Personal => "a personal token",
            TokenKind::OAuth => "an OAuth token",
        }
    }
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
    /// Whitespace or control characters inside the token.
    #[error("the token from {0} contains spaces or control characters; expected one line such as pk_…")]
    Malformed(String),
}

impl TokenSource {
    /// For report sentences.
    pub fn describe(&self) -> String {
        match self {
            TokenSource::Env => format!("the {TOKEN_ENV} environment variable"),
            TokenSource::File(path) => format!("the file {}", path.display()),
            TokenSource::Command => "token_command (a secrets-manager command)".to_owned(),
            TokenSource::SandboxDemo => "the sandbox's demo token".to_owned(),
        }
    }
}

/// Runs `token_command` (through `sh -c`) and takes its stdout as the token.
/// Its stderr is not shown: a failing secrets-manager CLI may print anything.
pub fn from_command(command: &str) -> Result<SecretString, TokenError> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| TokenError::Command(format!("cannot run it: {}", e.kind())))?;
    if !out.status.success() {
        let code = out.status.code().map_or_else(|| "a signal".to_owned(), |c| format!("exit code {c}"));
        return Err(TokenError::Command(format!("it failed with {code}")));
    }
    validate(String::from_utf8_lossy(&out.stdout).into_owned(), "token_command")
}

/// Finds the token: `--token-file` wins over the environment.
pub fn load(token_file: Option<&Path>, env_value: Option<String>) -> Result<(SecretString, TokenSource), TokenError> {
    if let Some(path) = token_file {
        let raw = std::fs::read_to_string(path)
            .map_err(|e| TokenError::Unreadable { path: path.to_owned(), reason: e.kind().to_string() })?;
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
    if body.chars().any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii()) {
        return Err(TokenError::Malformed(from.to_owned()));
    }
    Ok(SecretString::from(trimmed.to_owned()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_recognised_from_shape() {
        assert_eq!(TokenKind::of(&"pk_123_ABC".into()), TokenKind::Personal);
        assert_eq!(TokenKind::of(&"Bearer pk_123_ABC".into()), TokenKind::Personal);
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
