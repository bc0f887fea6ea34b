//! The leaf of the program: the vocabulary every other layer speaks.
//!
//! Check ids, verdicts, severities, gates, output formats, calendar
//! arithmetic, and the two kinds of text a report carries: outside text
//! (sanitized) and messages built from it and the program's own words. Nothing here imports another module of this crate or knows
//! the command line, files or the network; everything else may import it.
//! `tests/suite/layers.rs` keeps it that way.

pub mod calendar;
mod check;
pub mod checklist_items;
mod finding;
mod format;
mod message;
mod metric;
mod named;
mod outcome;
mod report;
mod text;

pub use check::{CheckId, Gate, OptIns, Severity, Status};
pub use finding::{Finding, FindingCode, is_kebab_case};
pub use format::Format;
pub use message::{Message, Shown, shown};
pub use metric::{Bounds, Metric, MetricKey, MetricSpec, Series, Threshold, Unit};
pub use named::Named;
pub use outcome::{FileLocation, Outcome};
pub use report::{Exit, NagiosState, Report, Totals, exit_code, nagios_state};
pub use text::OutsideText;
