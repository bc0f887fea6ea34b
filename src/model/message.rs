//! What the program says to people in a report: a verdict's summary, its
//! evidence lines, its hint.
//!
//! A [`Message`] is made only of the program's own words (string literals)
//! and values whose text is known to be safe: numbers, the program's enums
//! and [`OutsideText`], which only the sanitizer makes. The [`message!`]
//! macro is `format!` with that restriction: each argument must implement
//! [`Shown`], which `String` and borrowed `&str` deliberately do not, and the
//! format string cannot capture variables by name. So a raw string from a
//! server, a config file or a scanned file does not compile into a report:
//! it has to pass the sanitizer first. Renderers still escape for their
//! format; this type is about where text came from, not how it is printed.
//!
//! [`message!`]: crate::message!

use std::fmt;

use super::OutsideText;

/// Text for a report, built from trusted parts (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Message(String);

impl Message {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Joins shown values with a separator of the program's own.
    pub fn join<T: Shown>(items: impl IntoIterator<Item = T>, separator: &'static str) -> Message {
        let mut out = String::new();
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                out.push_str(separator);
            }
            out.push_str(&item.to_string());
        }
        Message(out)
    }

    /// Appends more shown text (`self` then `more`).
    pub fn push(&mut self, more: impl Shown) {
        self.0.push_str(&more.to_string());
    }

    /// For [`message!`](crate::message!) only: the macro has already
    /// checked that every argument is [`Shown`].
    #[doc(hidden)]
    pub fn from_checked_parts(text: String) -> Message {
        Message(text)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for Message {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Message {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Message {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl serde::Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// The program's own words.
impl From<&'static str> for Message {
    fn from(text: &'static str) -> Self {
        Message(text.to_owned())
    }
}

/// Outside text, already sanitized.
impl From<OutsideText> for Message {
    fn from(text: OutsideText) -> Self {
        Message(text.as_str().to_owned())
    }
}

/// Outside text, already sanitized.
impl From<&OutsideText> for Message {
    fn from(text: &OutsideText) -> Self {
        Message(text.as_str().to_owned())
    }
}

/// Unit tests compare and build messages from computed strings.
#[cfg(test)]
impl From<String> for Message {
    fn from(text: String) -> Self {
        Message(text)
    }
}

/// A value whose text may go into a [`Message`]: the program's own words,
/// numbers, its enums, and sanitized outside text. Not `String`, not a
/// borrowed `&str`: those could hold anything. Not `char` either: one taken
/// from outside text could be an ESC.
pub trait Shown: fmt::Display {}

impl Shown for &'static str {}
impl Shown for OutsideText {}
impl Shown for Message {}
impl Shown for bool {}
impl Shown for u8 {}
impl Shown for u16 {}
impl Shown for u32 {}
impl Shown for u64 {}
impl Shown for u128 {}
impl Shown for usize {}
impl Shown for i32 {}
impl Shown for i64 {}
impl Shown for f64 {}
impl<T: Shown + ?Sized> Shown for &T {}
/// Its kebab-case id, a literal of the program's.
impl Shown for super::CheckId {}
impl<T: Shown> Shown for Box<T> {}

/// Checks at compile time that `value` may be shown, and passes it on.
#[doc(hidden)]
pub fn shown<T: Shown + ?Sized>(value: &T) -> &T {
    value
}

/// `format!` for report text: every argument must be [`Shown`], and the
/// format string cannot capture variables by name (it is expanded through
/// `concat!`, which makes the compiler refuse implicit captures).
///
/// ```
/// let n = 3usize;
/// let m = clickup_preflight::message!("{} webhooks", n);
/// assert_eq!(m.as_str(), "3 webhooks");
/// ```
///
/// A raw `String` (a server's text that skipped the sanitizer) does not compile:
///
/// ```compile_fail
/// let from_server = String::from("anything");
/// let _ = clickup_preflight::message!("user {}", from_server);
/// ```
///
/// Nor does a borrowed `&str` that is not the program's own literal:
///
/// ```compile_fail
/// let from_server = String::from("anything");
/// let borrowed: &str = &from_server;
/// let _ = clickup_preflight::message!("user {}", borrowed);
/// ```
///
/// Nor a variable captured by name in the format string:
///
/// ```compile_fail
/// let from_server = String::from("anything");
/// let _ = clickup_preflight::message!("user {from_server}");
/// ```
#[macro_export]
macro_rules! message {
    ($fmt:literal $(,)?) => {
        $crate::model::Message::from_checked_parts(::std::format!(concat!($fmt)))
    };
    ($fmt:literal, $($arg:expr),+ $(,)?) => {
        $crate::model::Message::from_checked_parts(
            ::std::format!(concat!($fmt), $($crate::model::shown(&$arg)),+)
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Sanitizer;

    #[test]
    fn messages_are_made_of_shown_parts() {
        let name = Sanitizer::shapes_only().line("evil\u{1b}[2Jname", crate::text::NAME);
        let m = crate::message!("{} has {} webhooks, {:.1}% of {}", name, 3usize, 12.5, "them");
        assert_eq!(m, "evil␛name has 3 webhooks, 12.5% of them");
        assert_eq!(Message::join(["a", "b"], ", "), "a, b");
        let mut m = Message::from("x");
        m.push(" and y");
        assert_eq!(m.as_str(), "x and y");
    }

    #[test]
    fn braces_read_as_in_format_with_or_without_arguments() {
        assert_eq!(crate::message!("a {{b}}"), "a {b}");
        assert_eq!(crate::message!("a {{b}} {}", 1u8), "a {b} 1");
    }

    #[test]
    fn joins_and_durations_keep_their_text() {
        let names = [Sanitizer::shapes_only().line("a\nb", crate::text::NAME), "c".into()];
        assert_eq!(Message::join(&names, ", "), "a␤b, c");
        let d = crate::duration::human(std::time::Duration::from_millis(1500));
        assert_eq!(crate::message!("took {}", d), "took 1.5s");
        assert_eq!(Message::join(Vec::<Message>::new(), "; "), "");
    }
}
