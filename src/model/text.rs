//! The type of outside text: anything a server, a config file or a scanned
//! file controls, after the sanitizer (in the `text` module) made it safe to
//! show. The type lives in the leaf so that every layer can carry it; only
//! the sanitizer makes it.

use std::fmt;

/// Text from outside the program, sanitized. Made only by the sanitizer
/// in the `text` module; reading it (`Display`, `Deref<Target = str>`)
/// yields the sanitized text.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutsideText(String);

impl OutsideText {
    /// The sanitized text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For the sanitizer (the `text` module) only: the one place that turns
    /// raw text into this type. `tests/suite/layers.rs` checks nothing else
    /// calls it.
    pub(crate) fn from_sanitized(text: String) -> Self {
        OutsideText(text)
    }
}

impl std::ops::Deref for OutsideText {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OutsideText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for OutsideText {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for OutsideText {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for OutsideText {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<OutsideText> for String {
    fn eq(&self, other: &OutsideText) -> bool {
        self == &other.0
    }
}

/// Machine formats write the sanitized text (there is deliberately no
/// `Deserialize`: decoding makes raw text, which only the sanitizer turns
/// into this type).
impl serde::Serialize for OutsideText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Lets a list of outside texts be joined (`[OutsideText]::join`).
impl std::borrow::Borrow<str> for OutsideText {
    fn borrow(&self) -> &str {
        &self.0
    }
}
