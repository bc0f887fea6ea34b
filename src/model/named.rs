//! Closed sets of names users type: check ids, formats, gates, scenarios.
//!
//! The library describes each set once (its values, the name each takes,
//! one line about it); the command layer turns that into flags and help.
//! That keeps the argument parser out of every layer below the command line.

/// A closed set of values, each with the name users type and a line of help.
pub trait Named: Copy + Sized + 'static {
    /// Every value, in the order help lists them.
    const VARIANTS: &'static [Self];

    /// The name users type (kebab-case); stable public API.
    fn name(self) -> &'static str;

    /// One line about the value, for `--help`.
    fn about(self) -> &'static str;

    /// The value with this name, if any.
    fn from_name(name: &str) -> Option<Self> {
        Self::VARIANTS.iter().copied().find(|v| v.name() == name)
    }
}
