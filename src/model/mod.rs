//! The leaf of the program: the vocabulary every other layer speaks.
//!
//! Check ids, verdicts, severities, gates, output formats and calendar
//! arithmetic. Nothing here imports another module of this crate or knows
//! the command line, files or the network; everything else may import it.
//! `tests/layers.rs` keeps it that way.

pub mod calendar;
mod check;
pub mod checklist;
mod format;
mod named;

pub use check::{CheckId, Gate, OptIns, Severity, Status};
pub use format::Format;
pub use named::Named;
