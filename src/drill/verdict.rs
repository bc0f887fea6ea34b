//! What a drill says about one checklist item.

use crate::model::Message;

/// The verdict on one item. A behaviour the command never triggered is
/// [`DrillStatus::NotExercised`], never a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DrillStatus {
    /// The behaviour was triggered and the integration handled it.
    Pass,
    /// Handled in part, or the evidence is incomplete.
    Warn,
    /// The behaviour was triggered and the integration mishandled it.
    Fail,
    /// The run never triggered the behaviour: no evidence either way.
    NotExercised,
}

impl DrillStatus {
    /// The lower-case word reports use (`not-exercised` spelled so).
    pub fn as_str(self) -> &'static str {
        match self {
            DrillStatus::Pass => "pass",
            DrillStatus::Warn => "warn",
            DrillStatus::Fail => "fail",
            DrillStatus::NotExercised => "not-exercised",
        }
    }
}

impl std::fmt::Display for DrillStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The program's own word for a verdict.
impl crate::model::Shown for DrillStatus {}

/// One checklist item's verdict with the evidence it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemVerdict {
    /// The checklist item's id (`crate::model::checklist_items`).
    pub id: &'static str,
    /// The verdict.
    pub status: DrillStatus,
    /// One line saying why.
    pub summary: Message,
    /// Journal entries, counts and gaps the verdict cites.
    pub evidence: Vec<Message>,
}
