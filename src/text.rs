//! Outside text: anything a server, a config file or a scanned file controls.
//!
//! Such text enters the program in a few places (the ClickUp client's
//! decode, the status page's decode, `checks.toml`, the repository scan) and
//! is turned there, once, into an [`OutsideText`] by the one [`Sanitizer`].
//! The raw `String` never travels further, so a renderer cannot print text
//! that skipped the sanitizer: there is no other way to make the type, and
//! the type's text is the sanitized one.
//!
//! The sanitizer works in a fixed order, because each step protects the next:
//! 1. control characters are replaced visibly (C0, C1, DEL, whole ESC, CSI
//!    and OSC sequences, CR, bidirectional overrides, and line breaks in
//!    one-line fields), so nothing can redraw a terminal or start a line;
//! 2. token-shaped values are masked (the run's known secrets, and any word
//!    [`crate::redact::scrub_token_like`] calls token-shaped);
//! 3. URL userinfo is dropped (`https://user:pw@host/` becomes `https://host/`);
//! 4. only then the text is clipped to its bound, so a clip can never keep
//!    most of a token that masking would have caught whole.
//!
//! This module does not escape for any output format: each renderer still
//! escapes for its consumer (XML, workflow commands, Prometheus labels).

use std::io::Write;

pub use crate::model::OutsideText;
use crate::redact::{Redactor, scrub_token_like};

/// Bound for a single word: a health status, an indicator, an `ECODE`, a
/// header value.
pub const WORD: usize = 40;
/// Bound for an id (webhook UUIDs are 36 characters).
pub const ID: usize = 64;
/// Bound for a name: a username, a team or service name, an incident title.
pub const NAME: usize = 120;
/// Bound for a server's message (`err`).
pub const MESSAGE: usize = 160;
/// Bound for a URL or a file path.
pub const URL: usize = 300;

/// What marks a clipped text.
const ELLIPSIS: char = '…';
/// What replaces a whole escape sequence (ESC, CSI, OSC, DCS...).
const ESCAPE_MARK: char = '␛';
/// What replaces a line break in a one-line field.
const NEWLINE_MARK: char = '␤';
/// What replaces a control character with no picture of its own.
const OTHER_MARK: char = '\u{FFFD}';

/// Clipping is the sanitizer's business, so it lives here.
impl OutsideText {
    /// At most `bound` characters of it, `…` marking a cut, for a report
    /// line that needs it shorter than its field's bound. Clipping last
    /// keeps it sanitized: masking already happened on the whole text.
    pub fn clipped(&self, bound: usize) -> OutsideText {
        OutsideText::from_sanitized(clip(self.as_str(), bound))
    }
}

/// Unit tests build evidence from literals; they still go through the
/// sanitizer (shapes only, no known secrets).
#[cfg(test)]
impl From<&str> for OutsideText {
    fn from(raw: &str) -> Self {
        Sanitizer::shapes_only().line(raw, usize::MAX)
    }
}

#[cfg(test)]
impl From<String> for OutsideText {
    fn from(raw: String) -> Self {
        OutsideText::from(raw.as_str())
    }
}

/// The one way to make [`OutsideText`]. It knows the run's secrets through
/// the run's [`Redactor`] (shared, so secrets registered later count too).
#[derive(Debug, Clone, Default)]
pub struct Sanitizer {
    known: Redactor,
}

impl Sanitizer {
    /// A sanitizer that masks the secrets `known` holds, now and later.
    pub fn new(known: &Redactor) -> Self {
        Sanitizer { known: known.clone() }
    }

    /// A sanitizer for text read before any secret is known (`checks.toml`
    /// is read before the token, which may come from its `token_command`):
    /// it masks token shapes only. The output filter still masks the token.
    pub fn shapes_only() -> Self {
        Sanitizer::default()
    }

    /// One-line text: line breaks are replaced visibly too.
    pub fn line(&self, raw: &str, bound: usize) -> OutsideText {
        self.sanitize(raw, false, bound)
    }

    /// Text whose line breaks are kept (as `\n`); everything else as
    /// [`Sanitizer::line`].
    pub fn lines(&self, raw: &str, bound: usize) -> OutsideText {
        self.sanitize(raw, true, bound)
    }

    fn sanitize(&self, raw: &str, multi_line: bool, bound: usize) -> OutsideText {
        let visible = replace_controls(raw, multi_line);
        let masked = scrub_token_like(&self.known.scrub(&visible));
        OutsideText::from_sanitized(clip(&drop_userinfo(&masked), bound))
    }
}

/// The program's own one-line message that quotes what a user named (a
/// path, a flag's value): control characters made visible as the sanitizer
/// makes them, so that the message stays one line and no terminal acts on
/// it. Nothing is masked or clipped: the message is not outside text, and
/// the output filter still masks the run's secrets.
pub fn one_line(message: &str) -> String {
    replace_controls(message, false)
}

/// Control characters replaced by visible marks; escape sequences replaced
/// whole, so that no terminal acts on their tails.
fn replace_controls(raw: &str, multi_line: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' if multi_line => out.push('\n'),
            '\n' | '\u{2028}' | '\u{2029}' | '\u{85}' => out.push(NEWLINE_MARK),
            '\t' => out.push(' '),
            '\u{1b}' => {
                skip_escape(&mut chars);
                out.push(ESCAPE_MARK);
            }
            // C1 introducers of a CSI or of a control string.
            '\u{9b}' => {
                skip_csi(&mut chars);
                out.push(ESCAPE_MARK);
            }
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => {
                skip_string(&mut chars);
                out.push(ESCAPE_MARK);
            }
            // C0 controls have pictures at U+2400 (CR becomes ␍).
            c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or(OTHER_MARK)),
            '\u{7f}' => out.push('␡'),
            c if is_invisible_control(c) => out.push(OTHER_MARK),
            c => out.push(c),
        }
    }
    out
}

/// C1 controls, bidirectional embeddings, overrides and isolates: text that
/// changes how other text looks.
fn is_invisible_control(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// After ESC: the rest of a CSI, a control string (OSC, DCS, SOS, PM, APC)
/// or a two-character escape.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars);
        }
        Some(c) if (' '..='~').contains(c) => {
            chars.next();
        }
        _ => {}
    }
}

/// Parameter and intermediate bytes, then the final byte.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        chars.next();
        if ('\u{40}'..='\u{7e}').contains(&c) || !(' '..='~').contains(&c) {
            break;
        }
    }
}

/// Up to and including the string terminator: BEL, ST (`ESC \` or U+009C).
/// An unterminated string runs to the end of the text.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// `scheme://user:password@host/...` without `user:password@`.
fn drop_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end =
            tail.find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace()).unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority.rfind('@') {
            Some(userinfo_end) => out.push_str(&authority[userinfo_end + 1..]),
            None => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

/// At most `bound` characters, `…` marking a cut.
fn clip(text: &str, bound: usize) -> String {
    match text.char_indices().nth(bound) {
        None => text.to_owned(),
        Some((cut, _)) => {
            let mut clipped = text[..cut].to_owned();
            clipped.push(ELLIPSIS);
            clipped
        }
    }
}

/// A CI log runs the workflow commands it finds at the start of any line
/// of any output, after leading spaces (`::stop-commands::` would switch
/// off the job's own). Outside text is sanitized long before it gets here;
/// this is the second line: a line that would start a command gets its
/// first colon replaced by a look-alike (U+FF1A), in every format but
/// `github`, whose own commands are escaped where they are made.
pub fn no_workflow_commands(text: String) -> String {
    if !text.lines().any(starts_a_command) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.split_inclusive('\n') {
        if starts_a_command(line) {
            let indent = line.len() - line.trim_start().len();
            out.push_str(&line[..indent]);
            out.push('\u{ff1a}');
            out.push_str(&line[indent + 1..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

fn starts_a_command(line: &str) -> bool {
    line.trim_start().starts_with("::")
}

/// Log text for stderr, which a CI log reads like stdout: control
/// characters made visible (line breaks kept) and no line able to start a
/// workflow command. For the output filter, after the secrets are masked.
pub fn safe_log_text(text: &str) -> String {
    no_workflow_commands(replace_controls(text, true))
}

/// The output filter lives with the sanitizer it shares its rules with.
impl Redactor {
    /// A writer to `inner` that masks secrets in each write.
    pub fn writer<W: Write>(&self, inner: W) -> RedactingWriter<W> {
        RedactingWriter { redactor: self.clone(), inner }
    }
}

/// A [`Write`] that masks secrets, makes control characters visible and
/// keeps any line from starting a CI workflow command (see
/// [`safe_log_text`]). Each `write` call is scrubbed on its
/// own: callers write whole lines or whole events (tracing's fmt layer
/// formats an event before writing it).
#[derive(Debug)]
pub struct RedactingWriter<W> {
    redactor: Redactor,
    inner: W,
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.inner.write_all(safe_log_text(&self.redactor.scrub(&text)).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Split so that the repository itself holds no token-shaped string.
    const TOKEN: &str = concat!("pk", "_4242424_TESTTOKENABCDEFGHIJKLMNOPQRSTUVW");
    const SECRET_PART: &str = "TESTTOKENABCDEFGHIJKLMNOPQRSTUVW";

    fn with_token() -> Sanitizer {
        let known = Redactor::default();
        known.add(TOKEN);
        Sanitizer::new(&known)
    }

    /// Any 29-character run of the token's secret part.
    fn leaks_secret(text: &str) -> bool {
        (0..=SECRET_PART.len() - 29).any(|i| text.contains(&SECRET_PART[i..i + 29]))
    }

    #[test]
    fn writer_masks_bytes() {
        let r = Redactor::default();
        r.add("hunter2hunter2");
        let mut out = Vec::new();
        writeln!(r.writer(&mut out), "token=hunter2hunter2").expect("write to vec");
        assert_eq!(String::from_utf8_lossy(&out), "token=[REDACTED]\n");
    }

    #[test]
    fn control_characters_become_visible_marks() {
        let s = Sanitizer::shapes_only();
        assert_eq!(s.line("a\nb\rc\td\u{7}e\u{7f}", 100).as_str(), "a␤b␍c d␇e␡");
        assert_eq!(s.lines("a\nb\r\n", 100).as_str(), "a\nb␍\n");
        assert_eq!(s.line("x\u{2028}y\u{85}z", 100).as_str(), "x␤y␤z");
        assert_eq!(s.line("\u{202e}evil\u{2066}", 100).as_str(), "\u{FFFD}evil\u{FFFD}");
    }

    #[test]
    fn escape_sequences_are_replaced_whole() {
        let s = Sanitizer::shapes_only();
        assert_eq!(s.line("FAIL\u{1b}[2K\u{1b}[1GPASS", 100).as_str(), "FAIL␛␛PASS");
        assert_eq!(s.line("\u{1b}]0;title\u{7}x", 100).as_str(), "␛x");
        assert_eq!(s.line("\u{1b}]8;;https://e.example\u{1b}\\link", 100).as_str(), "␛link");
        assert_eq!(s.line("\u{9b}31mred", 100).as_str(), "␛red");
        assert_eq!(s.line("\u{1b}c!", 100).as_str(), "␛!");
        assert_eq!(s.line("\u{1b}]unterminated", 100).as_str(), "␛");
        assert_eq!(s.line("end\u{1b}", 100).as_str(), "end␛");
    }

    #[test]
    fn the_known_token_and_token_shapes_are_masked() {
        let s = with_token();
        assert_eq!(s.line(&format!("hi {TOKEN}!"), 100).as_str(), "hi [REDACTED]!");
        let other = concat!("pk", "_12345678_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");
        assert_eq!(Sanitizer::shapes_only().line(&format!("a {other} b"), 100).as_str(), "a [REDACTED] b");
        assert_eq!(Sanitizer::shapes_only().line(SECRET_PART, 100).as_str(), "[REDACTED]");
        // Ordinary words, UUIDs and short prefixes stay.
        let plain = "webhook 4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e0f pk_812 taskCreated";
        assert_eq!(Sanitizer::shapes_only().line(plain, 100).as_str(), plain);
    }

    #[test]
    fn masking_comes_before_clipping() {
        let s = with_token();
        for cut in [40, 120, 160] {
            for pad in 0..cut {
                let raw = format!("{}{TOKEN}{}", "x".repeat(pad), " tail".repeat(40));
                let text = s.line(&raw, cut);
                assert!(!leaks_secret(&text), "cut {cut}, pad {pad}: {text}");
                assert!(!text.contains("pk_4242424"), "cut {cut}, pad {pad}: {text}");
            }
        }
    }

    #[test]
    fn a_token_split_by_a_control_character_is_still_masked() {
        let raw = format!("{}\u{1b}[0m{}", &TOKEN[..11], &TOKEN[11..]);
        assert!(!leaks_secret(&with_token().line(&raw, 200)));
    }

    #[test]
    fn url_userinfo_is_dropped() {
        let s = Sanitizer::shapes_only();
        assert_eq!(s.line("https://user:pw@host.example/a@b", 200).as_str(), "https://host.example/a@b");
        assert_eq!(s.line("see http://u@h:8080?x and ftp://h/", 200).as_str(), "see http://h:8080?x and ftp://h/");
        assert_eq!(s.line("mail bot@example.com", 200).as_str(), "mail bot@example.com");
    }

    #[test]
    fn clipping_bounds_huge_text() {
        let huge = "u".repeat(3 * 1024 * 1024);
        let text = Sanitizer::shapes_only().line(&huge, NAME);
        assert_eq!(text.chars().count(), NAME + 1);
        assert!(text.ends_with('…'));
        assert_eq!(Sanitizer::shapes_only().line("short", NAME).as_str(), "short");
    }

    #[test]
    fn no_line_can_start_a_workflow_command() {
        assert_eq!(no_workflow_commands("ok\n  ::x::y\n::z".into()), "ok\n  \u{ff1a}:x::y\n\u{ff1a}:z");
        assert_eq!(no_workflow_commands("a::b\n".into()), "a::b\n");
        assert_eq!(safe_log_text("x\u{1b}[1m\r\n::stop-commands::t\n"), "x␛␍\n\u{ff1a}:stop-commands::t\n");
    }

    #[test]
    fn secrets_registered_later_are_masked_too() {
        let known = Redactor::default();
        let s = Sanitizer::new(&known);
        known.add("late-secret-value");
        assert_eq!(s.line("x late-secret-value", 100).as_str(), "x [REDACTED]");
    }
}
