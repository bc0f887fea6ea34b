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

    /// `text` with every registered secret masked, whole or in pieces
    /// ([`mask_secrets`]).
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let secrets = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        mask_secrets(text, secrets.iter().map(String::as_str))
    }
}

/// `text` with each of `secrets` masked wherever it stands whole, then in
/// pieces ([`mask_fragments`]): what the redactor does with the run's
/// secrets and the sandbox with the tokens it issued. Empty secrets are
/// passed over.
pub fn mask_secrets<'a, 's>(text: &'a str, secrets: impl IntoIterator<Item = &'s str> + Clone) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for secret in secrets.clone().into_iter().filter(|s| !s.is_empty()) {
        if out.contains(secret) {
            out = Cow::Owned(out.replace(secret, MASK));
        }
    }
    match mask_fragments(&out, secrets) {
        Cow::Borrowed(_) => out,
        Cow::Owned(masked) => Cow::Owned(masked),
    }
}

/// The shortest run of a secret's characters masked on its own. A secret
/// wrapped across lines, cut by an escape sequence or an invalid byte, or
/// spread over query parameters never appears whole, so whole-secret
/// masking misses it; runs this long of its random part do not occur by
/// chance. A command that prints its token in pieces shorter than this on
/// purpose defeats any filter (it can write the token to a file as well).
pub const FRAGMENT: usize = 8;

/// The random part of a personal token (`pk_USER_RANDOM`: its prefix and
/// user id appear in ordinary output); `None` for any other secret, which
/// is masked whole only: a secret a person chose holds words
/// (`golden-receiver-secret`), and masking every word of it wherever it
/// appears would garble ordinary text.
fn random_part(secret: &str) -> Option<&str> {
    let (user, random) = secret.strip_prefix("pk_")?.split_once('_')?;
    let random_enough = random.len() >= 2 * FRAGMENT && random.bytes().all(|b| b.is_ascii_alphanumeric());
    (user.bytes().all(|b| b.is_ascii_digit()) && random_enough).then_some(random)
}

/// `text` with every run of [`FRAGMENT`] or more characters that also
/// occurs in the random part of one of `secrets` (personal tokens only,
/// see [`random_part`]) masked, each run once. Pieces are ASCII, so a mask
/// always falls on character boundaries.
fn mask_fragments<'a, 's>(text: &'a str, secrets: impl IntoIterator<Item = &'s str>) -> Cow<'a, str> {
    let pieces: std::collections::HashSet<&[u8]> =
        secrets.into_iter().filter_map(random_part).flat_map(|random| random.as_bytes().windows(FRAGMENT)).collect();
    let bytes = text.as_bytes();
    if pieces.is_empty() || bytes.len() < FRAGMENT {
        return Cow::Borrowed(text);
    }
    let mut hidden = vec![false; bytes.len()];
    for (start, window) in bytes.windows(FRAGMENT).enumerate() {
        if pieces.contains(window) {
            hidden[start..start + FRAGMENT].iter_mut().for_each(|h| *h = true);
        }
    }
    if !hidden.contains(&true) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut start = 0;
    while start < bytes.len() {
        let end = (start..bytes.len()).find(|&i| hidden[i] != hidden[start]).unwrap_or(bytes.len());
        // Hidden runs are ASCII (every piece is), so both ends are boundaries.
        out.push_str(if hidden[start] { MASK } else { &text[start..end] });
        start = end;
    }
    Cow::Owned(out)
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

    /// A secret printed in pieces (wrapped across lines, split by an escape
    /// sequence or an invalid byte, spread over query parameters) is masked
    /// piece by piece: no run of [`FRAGMENT`] of its characters survives.
    #[test]
    fn pieces_of_a_registered_secret_are_masked_too() {
        let token = concat!("pk", "_1000001_H1VIXL4TSOZF6HIXGWBN3KNAUGE1HTMI");
        let r = Redactor::default();
        r.add(token);
        let cases = [
            (
                format!("{}\n{}\n{}", &token[..15], &token[15..26], &token[26..]),
                "pk_1000001_H1VI\n[REDACTED]\n[REDACTED]",
            ),
            (format!("esc {}␛{}", &token[..20], &token[20..]), "esc pk_1000001_[REDACTED]␛[REDACTED]"),
            (
                format!("x={}&y={}&z={}", &token[..14], &token[14..27], &token[27..]),
                "x=pk_1000001_H1V&y=[REDACTED]&z=[REDACTED]",
            ),
        ];
        for (text, masked) in &cases {
            assert_eq!(r.scrub(text), *masked, "{text}");
        }
        // Fewer than FRAGMENT characters of it, and the same characters elsewhere, stay.
        assert_eq!(r.scrub("pk_1000001_H1VIXL4 and H1VIXL4"), "pk_1000001_H1VIXL4 and H1VIXL4");
        assert!(matches!(r.scrub("the user 1000001 and task 86dr00001"), Cow::Borrowed(_)));
        // A secret a person chose is masked whole, its words left alone elsewhere.
        r.add("golden-receiver-secret");
        assert_eq!(r.scrub("receiver url: golden-receiver-secret"), "receiver url: [REDACTED]");
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
