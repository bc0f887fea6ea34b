//! Finds ClickUp secrets in text: personal tokens (`pk_<6 to 10 digits>_<32
//! upper-case letters or digits>`) anywhere, and OAuth client secrets or access
//! tokens assigned to a variable whose name mentions ClickUp.
//!
//! Pure and line-based; a file of any size is read through [`scan_reader`] in
//! bounded windows. A match is reported by line, with the value's first six
//! characters and a fingerprint: never the value.

use std::io::Read;

use ring::digest;

use crate::text::{self, OutsideText, Sanitizer};
use crate::token::is_personal_token;

/// What kind of secret matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// A personal API token.
    PersonalToken,
    /// A value assigned to a ClickUp secret/token variable.
    AssignedSecret,
}

impl SecretKind {
    /// For report sentences.
    pub fn describe(self) -> &'static str {
        match self {
            SecretKind::PersonalToken => "ClickUp personal token",
            SecretKind::AssignedSecret => "ClickUp secret or token value",
        }
    }
}

/// One secret found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// 1-based line.
    pub line: u32,
    /// What matched.
    pub kind: SecretKind,
    /// The first six characters, enough to recognise, too few to use; the
    /// scanned file's text, so sanitized.
    pub prefix: OutsideText,
    /// [`fingerprint`] of the whole value.
    pub fingerprint: Fingerprint,
}

/// The first 12 hex digits of a value's SHA-256: compares two secrets
/// without showing either. A type of its own so that report text may show
/// it: its text is hex digits this program computed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint(String);

/// Hex digits the program computed: nothing from the scanned file.
impl crate::model::Shown for Fingerprint {}

impl Fingerprint {
    /// The hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Unit tests name fingerprints directly.
#[cfg(test)]
impl From<&str> for Fingerprint {
    fn from(hex: &str) -> Self {
        Fingerprint(hex.to_owned())
    }
}

/// The [`Fingerprint`] of `secret`.
pub fn fingerprint(secret: &str) -> Fingerprint {
    let digest = digest::digest(&digest::SHA256, secret.trim().as_bytes());
    Fingerprint(digest.as_ref().iter().take(6).map(|b| format!("{b:02x}")).collect())
}

/// How many bytes at the start of a file tell a binary file: a NUL among them.
const BINARY_SNIFF: usize = 8192;

/// Bytes that end a statement or a list item in code and data, and that no
/// secret's text contains (neither a token nor `NAME = "value"`): a line too
/// long for one window (minified code) is cut after one of them.
const PIECE_ENDS: &[u8] = b",;(){}[]<>";

/// Every secret in what `reader` yields, as [`scan`] finds them in the whole
/// text (line numbers included), read at most `window` bytes at a time, so
/// that a file of any size is scanned in bounded memory instead of skipped
/// (a skipped file would pass unread). Each window is cut after its last
/// line break or, inside a line longer than a window, after its last
/// [`PIECE_ENDS`] byte, so that no secret is split between two windows; only
/// a window-long run without either is cut at a non-word byte, or anywhere.
/// `None` when the text is binary (a NUL in its first 8 KiB).
pub fn scan_reader(mut reader: impl Read, window: usize) -> std::io::Result<Option<Vec<SecretMatch>>> {
    let window = window.max(1);
    let mut pending = Vec::with_capacity(window);
    let mut found = Vec::new();
    let mut lines_before = 0u32;
    let mut first = true;
    loop {
        let wanted = window - pending.len();
        let at_end = reader.by_ref().take(wanted as u64).read_to_end(&mut pending)? < wanted;
        if std::mem::take(&mut first) && pending.iter().take(BINARY_SNIFF).any(|b| *b == 0) {
            return Ok(None);
        }
        let cut = if at_end { pending.len() } else { cut_point(&pending) };
        let piece = &pending[..cut];
        let matches = scan(&String::from_utf8_lossy(piece));
        found.extend(matches.into_iter().map(|m| SecretMatch { line: m.line.saturating_add(lines_before), ..m }));
        let breaks = piece.iter().filter(|b| **b == b'\n').count();
        lines_before = lines_before.saturating_add(u32::try_from(breaks).unwrap_or(u32::MAX));
        pending.drain(..cut);
        if at_end {
            return Ok(Some(found));
        }
    }
}

/// Where a full window is cut: after its last line break, else after its
/// last [`PIECE_ENDS`] byte, else after its last ASCII non-word byte, else
/// at its end.
fn cut_point(window: &[u8]) -> usize {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    window
        .iter()
        .rposition(|b| *b == b'\n')
        .or_else(|| window.iter().rposition(|b| PIECE_ENDS.contains(b)))
        .or_else(|| window.iter().rposition(|b| b.is_ascii() && !word(b)))
        .map_or(window.len(), |at| at + 1)
}

/// Every secret in `text`.
pub fn scan(text: &str) -> Vec<SecretMatch> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = (index + 1) as u32;
        let tokens = personal_tokens(line);
        for token in &tokens {
            out.push(found(number, SecretKind::PersonalToken, token));
        }
        if tokens.is_empty() {
            if let Some(value) = assigned_secret(line) {
                out.push(found(number, SecretKind::AssignedSecret, value));
            }
        }
    }
    out
}

fn found(line: u32, kind: SecretKind, value: &str) -> SecretMatch {
    SecretMatch {
        line,
        kind,
        prefix: Sanitizer::shapes_only().line(&value.chars().take(6).collect::<String>(), text::WORD),
        fingerprint: fingerprint(value),
    }
}

/// Every personal token on the line ([`is_personal_token`]: `pk_`, 6 to 10
/// digits, `_`, 32 of [A-Z0-9]) as a whole word, wherever it is: no nearby
/// word such as "clickup" is needed, because the shape is ClickUp's alone.
fn personal_tokens(line: &str) -> Vec<&str> {
    let bytes = line.as_bytes();
    let in_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    line.match_indices("pk_")
        .filter(|(start, _)| *start == 0 || !in_word(bytes[start - 1]))
        .map(|(start, _)| &line[start..start + bytes[start..].iter().take_while(|b| in_word(**b)).count()])
        .filter(|word| is_personal_token(word))
        .collect()
}

/// `NAME = value` / `NAME: "value"` / `"name": "value"` anywhere on the
/// line, where NAME mentions ClickUp and a secret or token, and the value
/// looks like a credential (not a placeholder or a reference to the
/// environment).
fn assigned_secret(line: &str) -> Option<&str> {
    let lower = line.to_ascii_lowercase();
    if !lower.contains("clickup") || !(lower.contains("secret") || lower.contains("token")) {
        return None;
    }
    for (at, _) in line.match_indices(['=', ':']) {
        let before = line[..at].trim_end().trim_end_matches(['"', '\'', '`']);
        let name_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .map_or(0, |i| i + 1);
        let name = before[name_start..].to_ascii_lowercase();
        if !name.contains("clickup") || !(name.contains("secret") || name.contains("token")) {
            continue;
        }
        let rest = line[at + 1..].trim_start().trim_start_matches('=').trim_start();
        let rest = rest.trim_start_matches(['"', '\'', '`']);
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
        let value = &rest[..end];
        let opaque = value.len() >= 20
            && value.chars().any(|c| c.is_ascii_digit())
            && value.chars().any(|c| c.is_ascii_alphabetic());
        if opaque {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test values are split so that the repository holds no secret-shaped string.
    const TOKEN: &str = concat!("pk", "_81234567_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");

    #[test]
    fn finds_personal_tokens_anywhere_on_a_line() {
        let text = format!("a\nconst t = \"{TOKEN}\";\nb {}_1234567_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 c\n", "pk");
        let found = scan(&text);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].line, found[0].kind), (2, SecretKind::PersonalToken));
        assert_eq!(found[0].prefix, "pk_812");
        assert_eq!(found[0].fingerprint, fingerprint(TOKEN));
        assert_eq!(found[1].line, 3);
    }

    #[test]
    fn finds_user_ids_of_6_to_10_digits_without_the_word_clickup() {
        use crate::token::personal_token_for_tests as personal;
        for digits in 6..=10 {
            let token = personal(digits);
            let found = scan(&format!("headers = {{'Authorization': '{token}'}}"));
            assert_eq!(found.len(), 1, "{digits} digits");
            assert_eq!((found[0].kind, found[0].fingerprint.clone()), (SecretKind::PersonalToken, fingerprint(&token)));
        }
        for digits in [5, 11] {
            assert!(scan(&format!("headers = {{'Authorization': '{}'}}", personal(digits))).is_empty(), "{digits}");
        }
    }

    #[test]
    fn ignores_what_is_not_a_token() {
        for text in [
            "pk_123_ABC",                                     // too short
            "pk_123_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456",       // 33 characters
            "xpk_1_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",         // inside a word
            "pk__ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",           // no digits
            "pk_1_abcdefghijklmnopqrstuvwxyz012345",          // lower case
            "CLICKUP_CLIENT_SECRET=${CLICKUP_CLIENT_SECRET}", // a reference
            "clickupToken: process.env.CLICKUP_TOKEN",        // a reference
            "CLICKUP_CLIENT_SECRET=<your-secret-here>",       // a placeholder
            "OTHER_SECRET=ABCDEFGHIJ0123456789ABCDEF",        // not ClickUp's
        ] {
            assert!(scan(text).is_empty(), "{text}");
        }
    }

    /// `text` scanned through [`scan_reader`] with `window`-byte windows.
    fn windowed(text: &str, window: usize) -> Vec<SecretMatch> {
        scan_reader(text.as_bytes(), window).expect("reads").expect("text")
    }

    #[test]
    fn a_text_read_in_windows_finds_what_the_whole_text_holds_on_the_same_lines() {
        let secret = concat!("clickupClientSecret", ": \"9fK2mQ7xR4tZ8wB1nV6cL3pD5\"");
        let code = "f(a,b);".repeat(40);
        let minified = format!("{code}var t=\"{TOKEN}\";{code}\r\n{code}window.cfg={{{secret}}};{code}");
        let text = format!("line one\n{minified}\n\nlast {TOKEN} line\n");
        let whole = scan(&text);
        assert_eq!(
            whole.iter().map(|m| (m.line, m.kind)).collect::<Vec<_>>(),
            [(2, SecretKind::PersonalToken), (3, SecretKind::AssignedSecret), (5, SecretKind::PersonalToken)]
        );
        // Windows shorter than the long line, of every size down to one
        // longer than the longest secret's text: the cuts fall everywhere.
        for window in (secret.len() + 8..text.len() + 2).rev() {
            assert_eq!(windowed(&text, window), whole, "window of {window} bytes");
        }
    }

    #[test]
    fn a_binary_text_is_told_by_a_nul_and_an_empty_one_holds_nothing() {
        let binary = format!("\0\x01 {TOKEN}");
        assert_eq!(scan_reader(binary.as_bytes(), 64).expect("reads"), None);
        assert_eq!(scan_reader(&b""[..], 64).expect("reads"), Some(vec![]));
    }

    #[test]
    fn finds_secrets_assigned_to_clickup_variables() {
        for text in [
            concat!("CLICKUP_CLIENT_SECRET", "=8f3KQ2ZP0XWJ5N7R1T9V4B6M"),
            concat!("  clickupOAuthToken", ": '123456789_abcdefghijklmnopqrst'"),
            concat!("\"clickup_access_token\"", ": \"AbCdEf0123456789GhIjKl\","),
            concat!("window.cfg={clickupClientSecret", ": \"9fK2mQ7xR4tZ8wB1nV6cL3pD5\"};"),
        ] {
            let found = scan(text);
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(found[0].kind, SecretKind::AssignedSecret);
            assert!(!found[0].prefix.contains('='), "{:?}", found[0]);
        }
    }
}
