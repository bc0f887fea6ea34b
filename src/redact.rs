//! The last line of defence for the token: every byte the program writes to
//! stdout or stderr passes through a [`Redactor`] that knows the secrets of
//! the run.
//!
//! The first lines of defence are elsewhere: the token is a `SecretString`,
//! its header is marked sensitive, and no error formats a body or a header.
//! This module exists because a server can echo anything back, and a
//! checker must not become the leak it warns about.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};

/// What replaces a secret in output.
pub const MASK: &str = "[REDACTED]";

/// Replaces known secrets in text. Cheap to clone; clones share secrets.
#[derive(Debug, Clone, Default)]
pub struct Redactor(Arc<Mutex<Vec<String>>>);

impl Redactor {
    /// Registers a secret; too-short values are ignored (masking "a" would
    /// garble output without protecting anything).
    pub fn add(&self, secret: &str) {
        let secret = secret.trim();
        if secret.len() >= 8 {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).push(secret.to_owned());
        }
    }

    /// `text` with every registered secret masked.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let secrets = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = Cow::Borrowed(text);
        for secret in secrets.iter() {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), MASK));
            }
        }
        out
    }
}

/// Masks every token-shaped word: the one definition of "token-shaped" in
/// the program, used for outside text (the sanitizer) and for text
/// that may quote user input whose secrets are not known (a config file's
/// parse error). A word is a run of ASCII letters, digits and `_`; it is
/// token-shaped when it is a ClickUp personal token or the start of one
/// (`pk_` and 16 or more characters), a long opaque credential (24 or more
/// characters with a digit), or holds 24 upper-case letters or digits in a
/// row (a token's secret part, whatever surrounds it). UUIDs, split by `-`,
/// and short prefixes such as `pk_812` stay readable.
pub fn scrub_token_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word_start = None;
    for (i, c) in text.char_indices() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            push_word(&mut out, &text[start..i]);
        }
        out.push(c);
    }
    if let Some(start) = word_start {
        push_word(&mut out, &text[start..]);
    }
    out
}

fn push_word(out: &mut String, word: &str) {
    out.push_str(if is_token_shaped(word) { MASK } else { word });
}

fn is_token_shaped(word: &str) -> bool {
    let personal = word.starts_with("pk_") && word.len() >= 16;
    let opaque = word.len() >= 24 && word.bytes().any(|b| b.is_ascii_digit());
    let mut run = 0;
    let secret_part = word.bytes().any(|b| {
        run = if b.is_ascii_uppercase() || b.is_ascii_digit() { run + 1 } else { 0 };
        run >= 24
    });
    personal || opaque || secret_part
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_registered_secrets_everywhere() {
        let r = Redactor::default();
        r.add("pk_42_SECRETSECRETSECRET");
        assert_eq!(r.scrub("a pk_42_SECRETSECRETSECRET b pk_42_SECRETSECRETSECRET"), "a [REDACTED] b [REDACTED]");
        assert!(matches!(r.scrub("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn token_like_words_are_masked_and_ordinary_words_kept() {
        let text = "unexpected `pk_1234_ABCDEFGHIJ`, expected a string; id 9012345 ok";
        assert_eq!(scrub_token_like(text), "unexpected `[REDACTED]`, expected a string; id 9012345 ok");
        assert_eq!(scrub_token_like("ABCDEFGHIJKLMNOPQRSTUVWX-y"), "[REDACTED]-y");
        assert_eq!(
            scrub_token_like("id 4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e0f pk_812"),
            "id 4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e0f pk_812"
        );
        assert_eq!(scrub_token_like("x 0a1b2c3d4e5f6a7b8c9d0e1f2a3b y"), "x [REDACTED] y");
        assert_eq!(scrub_token_like("warn_below_percent"), "warn_below_percent");
    }
}
