//! A drill's report as data: the verdicts, the plan as played, what the
//! command did and how it ended. The renderers (`report::drill`) read it;
//! the overall status and the exit code are decided here, once, so every
//! format and the process agree.

use std::time::Duration;

use super::journal::{Journal, Phase};
use super::verdict::{DrillStatus, ItemVerdict};
use crate::model::{Exit, Gate, OutsideText};

/// Everything a drill concluded.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillReport {
    /// When the drill started, in Unix seconds: the report's date, which
    /// `checklist --drill` gives the items the drill verified.
    pub started_unix: u64,
    /// One verdict per judged checklist item, in the checklist's order.
    pub items: Vec<ItemVerdict>,
    /// The items `--require` named: not exercised, they fail the run.
    pub required: Vec<&'static str>,
    /// The fault plan as it was played.
    pub plan: Vec<Phase>,
    /// The command and how it ended.
    pub command: CommandRun,
    /// API requests the drill world answered (or refused).
    pub requests: usize,
    /// Wall time of the whole drill.
    pub duration: Duration,
    /// What the drill saw outside the judged items (e.g. hosts the
    /// integration tried to reach through `--proxy`), one line each.
    pub notes: Vec<crate::model::Message>,
}

/// The command the drill ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRun {
    /// Its arguments, the program first, sanitized (an argument may hold a secret).
    pub argv: Vec<OutsideText>,
    /// How it ended.
    pub end: CommandEnd,
    /// From its start to its end.
    pub duration: Duration,
}

/// How the command ended: by itself, or stopped by the drill when the plan
/// ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandEnd {
    /// It exited before the plan ended; `code` is `None` when a signal
    /// ended it.
    Exited {
        /// Its exit code.
        code: Option<i32>,
    },
    /// The plan ended; it exited after SIGTERM within the grace period.
    Stopped {
        /// Its exit code; `None` when SIGTERM itself ended it.
        code: Option<i32>,
    },
    /// It was still running after SIGTERM and the grace period: SIGKILL.
    Killed,
}

impl CommandEnd {
    /// `exited`, `stopped` or `killed`, for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            CommandEnd::Exited { .. } => "exited",
            CommandEnd::Stopped { .. } => "stopped",
            CommandEnd::Killed => "killed",
        }
    }

    /// The exit code, when the command ended with one.
    pub fn code(self) -> Option<i32> {
        match self {
            CommandEnd::Exited { code } | CommandEnd::Stopped { code } => code,
            CommandEnd::Killed => None,
        }
    }
}

/// The note on requests the judges left out because they carried a token
/// the drill never issued (or none); `None` when there were none.
fn foreign_note(journal: &Journal) -> Option<crate::model::Message> {
    let foreign = super::foreign_requests(journal);
    (foreign > 0).then(|| {
        crate::message!(
            "{} of {} requests carried a token the drill never issued, or none: they are evidence for no item (does the command take its token from CLICKUP_API_TOKEN?)",
            foreign,
            journal.entries.len()
        )
    })
}

/// The note on a command that failed by itself (exited non-zero, or a
/// signal ended it, before the drill stopped it): its verdicts cover only
/// what it did until then, and an item it never reached is not exercised,
/// which does not fail the drill unless `--require`d.
fn failure_note(command: &CommandRun) -> Option<crate::model::Message> {
    let after = crate::duration::human(command.duration);
    match command.end {
        CommandEnd::Exited { code: Some(0) } | CommandEnd::Stopped { .. } | CommandEnd::Killed => None,
        CommandEnd::Exited { code: Some(code) } => Some(crate::message!(
            "the command exited {} by itself after {}: the verdicts cover what it did until then",
            code,
            after
        )),
        CommandEnd::Exited { code: None } => Some(crate::message!(
            "the command was ended by a signal after {}, not by the drill: the verdicts cover what it did until then",
            after
        )),
    }
}

impl DrillReport {
    /// Judges a finished drill: every judge's verdict on `journal`
    /// ([`super::judge_all`]), the plan as played and the requests counted,
    /// with the command, the `--require`d items, when the drill started
    /// (Unix seconds) and how long it took.
    pub fn judge(
        journal: &Journal,
        command: CommandRun,
        required: Vec<&'static str>,
        started_unix: u64,
        duration: Duration,
    ) -> DrillReport {
        DrillReport {
            started_unix,
            items: super::judge_all(journal),
            required,
            plan: journal.plan.clone(),
            requests: journal.entries.len(),
            duration,
            notes: foreign_note(journal).into_iter().chain(failure_note(&command)).collect(),
            command,
        }
    }

    /// Whether `--require` named the item.
    pub fn is_required(&self, id: &str) -> bool {
        self.required.contains(&id)
    }

    /// Whether the item counts as failed: a FAIL, or a required item the
    /// run never exercised.
    pub fn failed(&self, item: &ItemVerdict) -> bool {
        item.status == DrillStatus::Fail || (item.status == DrillStatus::NotExercised && self.is_required(item.id))
    }

    /// The overall status: `fail` when an item failed (required items not
    /// exercised count), else `warn` when one warned, else `pass` when one
    /// passed; `not-exercised` when nothing was.
    pub fn status(&self) -> DrillStatus {
        if self.items.iter().any(|i| self.failed(i)) {
            DrillStatus::Fail
        } else if self.items.iter().any(|i| i.status == DrillStatus::Warn) {
            DrillStatus::Warn
        } else if self.items.iter().any(|i| i.status == DrillStatus::Pass) {
            DrillStatus::Pass
        } else {
            DrillStatus::NotExercised
        }
    }

    /// Whether the item fails the run under `gate` (`--fail-on`): a failed
    /// item unless `never`; a warning under `warn`. Not exercised never
    /// blocks unless required.
    pub fn blocks(&self, item: &ItemVerdict, gate: Gate) -> bool {
        match gate {
            Gate::ReportOnly => false,
            Gate::Fail => self.failed(item),
            Gate::Warn => self.failed(item) || item.status == DrillStatus::Warn,
        }
    }

    /// The process exit code: 1 when an item blocks under `gate`, else 0.
    pub fn exit(&self, gate: Gate) -> Exit {
        if self.items.iter().any(|i| self.blocks(i, gate)) { Exit::ChecksFailed } else { Exit::Ok }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::message;

    pub(crate) fn report(statuses: &[DrillStatus], required: &[&'static str]) -> DrillReport {
        let ids = ["token-rotation", "handles-401-429-500", "backoff-with-jitter", "caching"];
        DrillReport {
            started_unix: 1_795_000_000,
            items: statuses
                .iter()
                .zip(ids)
                .map(|(status, id)| ItemVerdict {
                    id,
                    status: *status,
                    summary: message!("summary"),
                    evidence: Vec::new(),
                })
                .collect(),
            required: required.to_vec(),
            plan: Vec::new(),
            command: CommandRun {
                argv: Vec::new(),
                end: CommandEnd::Exited { code: Some(0) },
                duration: Duration::ZERO,
            },
            requests: 0,
            duration: Duration::ZERO,
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_failed_item_fails_the_run_unless_never() {
        let r = report(&[DrillStatus::Pass, DrillStatus::Fail], &[]);
        assert_eq!(r.status(), DrillStatus::Fail);
        assert_eq!(r.exit(Gate::Fail), Exit::ChecksFailed);
        assert_eq!(r.exit(Gate::Warn), Exit::ChecksFailed);
        assert_eq!(r.exit(Gate::ReportOnly), Exit::Ok);
    }

    #[test]
    fn a_warning_fails_only_under_fail_on_warn() {
        let r = report(&[DrillStatus::Pass, DrillStatus::Warn, DrillStatus::NotExercised], &[]);
        assert_eq!(r.status(), DrillStatus::Warn);
        assert_eq!(r.exit(Gate::Fail), Exit::Ok);
        assert_eq!(r.exit(Gate::Warn), Exit::ChecksFailed);
    }

    #[test]
    fn not_exercised_fails_only_when_required() {
        let r = report(&[DrillStatus::Pass, DrillStatus::NotExercised], &[]);
        assert_eq!((r.status(), r.exit(Gate::Warn)), (DrillStatus::Pass, Exit::Ok));
        let r = report(&[DrillStatus::Pass, DrillStatus::NotExercised], &["handles-401-429-500"]);
        assert_eq!((r.status(), r.exit(Gate::Fail)), (DrillStatus::Fail, Exit::ChecksFailed));
        assert_eq!(r.exit(Gate::ReportOnly), Exit::Ok);
        // Required and passed is simply a pass.
        let r = report(&[DrillStatus::Pass, DrillStatus::NotExercised], &["token-rotation"]);
        assert_eq!(r.exit(Gate::Fail), Exit::Ok);
        assert_eq!(report(&[DrillStatus::NotExercised], &[]).status(), DrillStatus::NotExercised);
    }

    #[test]
    fn judging_a_journal_counts_its_requests_and_keeps_its_plan() {
        let journal = crate::drill::fixtures::journal(vec![crate::drill::fixtures::get(0, "/user", 200)]);
        let journal =
            Journal { plan: vec![crate::drill::fixtures::phase(crate::drill::PhaseKind::Outage, 0, 10)], ..journal };
        let command = CommandRun { argv: Vec::new(), end: CommandEnd::Killed, duration: Duration::ZERO };
        let r = DrillReport::judge(&journal, command, vec!["caching"], 7, Duration::from_secs(2));
        assert_eq!((r.requests, r.plan.len(), r.started_unix, r.duration), (1, 1, 7, Duration::from_secs(2)));
        assert_eq!(r.items.len(), crate::drill::judged_items().len());
        assert!(r.is_required("caching") && !r.is_required("circuit-breaker"));
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        let foreign = crate::drill::JournalEntry {
            token: crate::drill::TokenUsed::Unknown,
            ..crate::drill::fixtures::get(10, "/user", 401)
        };
        let journal = Journal { entries: vec![journal.entries[0].clone(), foreign], ..journal };
        let command = CommandRun { argv: Vec::new(), end: CommandEnd::Killed, duration: Duration::ZERO };
        let r = DrillReport::judge(&journal, command, Vec::new(), 7, Duration::from_secs(2));
        assert_eq!(r.notes.len(), 1, "{:?}", r.notes);
        assert!(r.notes[0].starts_with("1 of 2 requests carried a token the drill never issued"), "{}", r.notes[0]);
    }

    /// A command that failed by itself (a test runner whose tests failed, a
    /// worker that crashed at start) may leave every item not exercised and
    /// the drill's exit 0: the report says so, whatever the verdicts.
    #[test]
    fn a_command_that_failed_by_itself_is_noted() {
        let journal = crate::drill::fixtures::journal(vec![crate::drill::fixtures::get(0, "/user", 200)]);
        let noted = |end| {
            let command = CommandRun { argv: Vec::new(), end, duration: Duration::from_millis(40) };
            DrillReport::judge(&journal, command, Vec::new(), 7, Duration::from_secs(2)).notes
        };
        let failed = noted(CommandEnd::Exited { code: Some(3) });
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert!(failed[0].starts_with("the command exited 3 by itself after 40ms"), "{}", failed[0]);
        let signalled = noted(CommandEnd::Exited { code: None });
        assert!(signalled[0].starts_with("the command was ended by a signal after 40ms"), "{signalled:?}");
        for fine in [CommandEnd::Exited { code: Some(0) }, CommandEnd::Stopped { code: None }, CommandEnd::Killed] {
            assert!(noted(fine).is_empty(), "{fine:?}");
        }
    }

    #[test]
    fn the_command_end_names_itself_and_keeps_its_code() {
        assert_eq!(CommandEnd::Exited { code: Some(3) }.code(), Some(3));
        assert_eq!(CommandEnd::Stopped { code: None }.as_str(), "stopped");
        assert_eq!((CommandEnd::Killed.as_str(), CommandEnd::Killed.code()), ("killed", None));
    }
}
