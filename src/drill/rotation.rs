//! Judge of the `token-rotation` item: when the drill replaces the token
//! mid-run (`drill --rotate-token-file`), does the integration pick up the
//! new one without a restart and without hammering the revoked one?
//!
//! The drill rotates once, at the start of the plan's token-rotation phase:
//! it issues generation 1 ([`TokenUsed::Drill`]`(1)`), writes it to the
//! file and revokes generation 0 at once (a leaked token is revoked that
//! way), so a request on the old token after the rotation is answered 401.
//! The drill sees only the command it started: a wrapper that restarts its
//! worker without exiting itself looks like a switch without a restart.

use std::time::Duration;

use super::cite;
use super::errors::{IN_FLIGHT_GRACE, MAX_401_RETRIES};
use super::journal::{Journal, JournalEntry, PhaseKind, TokenUsed};
use super::verdict::{DrillStatus, ItemVerdict};
use crate::duration::human;
use crate::message;
use crate::model::Message;

/// From the first request refused on the revoked token, the integration
/// must send one on the new token within this long: enough to re-read a
/// file after a 401 with a backoff, short enough that it is not an outage.
pub const SWITCH_WINDOW: Duration = Duration::from_secs(5);
/// Requests on the revoked token after the rotation allowed at most: the
/// one that finds it revoked and [`MAX_401_RETRIES`] retries.
pub const MAX_OLD_AFTER_ROTATION: usize = 1 + MAX_401_RETRIES;
/// The generation the rotation issues.
const NEW: TokenUsed = TokenUsed::Drill(1);
/// Evidence lines cited per kind of violation; the rest are counted.
const CITED: usize = 3;

/// `token-rotation`: after the rotation, requests must move to the new
/// token within [`SWITCH_WINDOW`] of the first refusal, with at most
/// [`MAX_OLD_AFTER_ROTATION`] requests on the revoked token, none of them
/// after the switch (beyond requests already in flight), and without the
/// command exiting first. Not exercised without a rotation phase or
/// without a request after it; the drill ending before the window closed
/// warns (no evidence either way).
pub fn token_rotation(journal: &Journal) -> ItemVerdict {
    let id = "token-rotation";
    let verdict = |status, summary, evidence| ItemVerdict { id, status, summary, evidence };
    let Some(rotation) = journal.plan.iter().find(|p| p.kind == PhaseKind::TokenRotation) else {
        let summary = message!("the drill did not rotate the token (no --rotate-token-file)");
        return verdict(DrillStatus::NotExercised, summary, Vec::new());
    };
    let rotated = rotation.start;
    let after: Vec<&JournalEntry> = journal.entries.iter().filter(|e| e.at >= rotated).collect();
    if after.is_empty() {
        let summary = message!("no request came after the rotation at {}", human(rotated));
        return verdict(DrillStatus::NotExercised, summary, Vec::new());
    }
    let is_old = |e: &&&JournalEntry| matches!(e.token, TokenUsed::Drill(n) if n < 1);
    let old: Vec<&&JournalEntry> = after.iter().filter(is_old).collect();
    let switched = after.iter().find(|e| e.token == NEW);
    let mut evidence = vec![message!(
        "token rotated at {}: {} requests after it, {} on the revoked token",
        human(rotated),
        after.len(),
        old.len()
    )];
    let Some(switched) = switched else {
        return never_switched(journal, rotated, &after, &old, evidence);
    };
    let waited = old.first().map_or(Duration::ZERO, |first| switched.at.saturating_sub(first.at));
    evidence.push(message!("first request on the new token: {}", cite(switched)));
    let fell_back: Vec<&&&JournalEntry> = old.iter().filter(|e| e.at > switched.at + IN_FLIGHT_GRACE).collect();
    evidence.extend(fell_back.iter().take(CITED).map(|e| message!("{} still carried the revoked token", cite(e))));
    let (status, summary) = if old.len() > MAX_OLD_AFTER_ROTATION {
        let summary = message!(
            "the revoked token was sent {} times after the rotation (at most {} expected)",
            old.len(),
            MAX_OLD_AFTER_ROTATION
        );
        (DrillStatus::Fail, summary)
    } else if !fell_back.is_empty() {
        (DrillStatus::Fail, message!("requests went back to the revoked token after the switch"))
    } else if waited > SWITCH_WINDOW {
        let summary = message!(
            "switched {} after the first refusal, later than the {} allowed",
            human(waited),
            human(SWITCH_WINDOW)
        );
        (DrillStatus::Fail, summary)
    } else if old.is_empty() {
        (DrillStatus::Pass, message!("switched to the new token before sending the revoked one, without a restart"))
    } else {
        let summary =
            message!("switched to the new token {} after the first refusal, without a restart", human(waited));
        (DrillStatus::Pass, summary)
    };
    verdict(status, summary, evidence)
}

/// The verdict when no request carried the new token after the rotation.
fn never_switched(
    journal: &Journal,
    rotated: Duration,
    after: &[&JournalEntry],
    old: &[&&JournalEntry],
    mut evidence: Vec<Message>,
) -> ItemVerdict {
    let id = "token-rotation";
    let exited = journal.exit.filter(|exit| exit.at >= rotated);
    let last_seen = after.last().map_or(rotated, |e| e.at);
    let plan_end = journal.plan.last().map_or(last_seen, |p| p.end);
    let recorded_until = exited.map_or(plan_end.max(last_seen), |exit| exit.at);
    evidence.extend(old.iter().take(CITED).map(|e| message!("{} carried the revoked token", cite(e))));
    let (status, summary) = if let Some(exit) = exited {
        evidence.push(message!("the command exited at {}", human(exit.at)));
        (DrillStatus::Fail, message!("the command exited after the rotation without using the new token"))
    } else if old.is_empty() {
        (DrillStatus::Fail, message!("requests after the rotation carried neither the old nor the new token"))
    } else if old.len() > MAX_OLD_AFTER_ROTATION {
        let summary =
            message!("the revoked token was sent {} times after the rotation and the new one never", old.len());
        (DrillStatus::Fail, summary)
    } else if recorded_until.saturating_sub(old[0].at) < SWITCH_WINDOW {
        let summary = message!(
            "the drill ended {} after the first refusal, before the {} switch window closed",
            human(recorded_until.saturating_sub(old[0].at)),
            human(SWITCH_WINDOW)
        );
        (DrillStatus::Warn, summary)
    } else {
        (
            DrillStatus::Fail,
            message!("the new token was never used within {} of the first refusal", human(SWITCH_WINDOW)),
        )
    };
    ItemVerdict { id, status, summary, evidence }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::journal::{CommandExit, Fault};
    use super::*;

    /// A plan with a rotation from 10 s to 20 s.
    fn rotated(entries: Vec<JournalEntry>) -> Journal {
        Journal {
            plan: vec![phase(PhaseKind::Normal, 0, 10_000), phase(PhaseKind::TokenRotation, 10_000, 20_000)],
            ..journal(entries)
        }
    }

    /// A request on generation `generation`; the old one is refused after 10 s.
    fn on(ms: u64, generation: u32) -> JournalEntry {
        let refused = generation == 0 && ms >= 10_000;
        let entry = get(ms, "/team", if refused { 401 } else { 200 });
        let fault = if refused { Fault::RevokedToken } else { entry.fault };
        JournalEntry { token: TokenUsed::Drill(generation), fault, ecode: refused.then_some("OAUTH_025"), ..entry }
    }

    #[test]
    fn a_switch_after_one_refusal_passes_and_one_without_any_refusal_too() {
        let v = token_rotation(&rotated(vec![on(9_000, 0), on(10_200, 0), on(10_400, 1), on(11_000, 1)]));
        assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
        assert!(v.summary.contains("200ms after the first refusal"), "{}", v.summary);
        let v = token_rotation(&rotated(vec![on(9_000, 0), on(10_050, 1)]));
        assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
    }

    #[test]
    fn the_revoked_token_retried_past_its_allowance_or_after_the_switch_fails() {
        let allowed: Vec<JournalEntry> = (0..3).map(|i| on(10_000 + i * 100, 0)).chain([on(10_500, 1)]).collect();
        assert_eq!(token_rotation(&rotated(allowed)).status, DrillStatus::Pass);
        let looped: Vec<JournalEntry> = (0..4).map(|i| on(10_000 + i * 100, 0)).chain([on(10_500, 1)]).collect();
        let v = token_rotation(&rotated(looped));
        assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
        assert!(v.summary.contains("sent 4 times"), "{}", v.summary);
        // Back to the old token after the switch; one already in flight is forgiven.
        let in_flight = vec![on(10_000, 0), on(10_300, 1), on(10_350, 0)];
        assert_eq!(token_rotation(&rotated(in_flight)).status, DrillStatus::Pass);
        let v = token_rotation(&rotated(vec![on(10_000, 0), on(10_300, 1), on(12_000, 0)]));
        assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
        assert!(v.evidence.iter().any(|e| e.contains("GET /team at 12s still carried the revoked token")), "{v:?}");
    }

    #[test]
    fn a_switch_later_than_the_window_fails() {
        let slow = vec![on(10_000, 0), on(15_001, 1)];
        let v = token_rotation(&rotated(slow));
        assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
        assert!(v.summary.contains("later than the 5s allowed"), "{}", v.summary);
        assert_eq!(token_rotation(&rotated(vec![on(10_000, 0), on(15_000, 1)])).status, DrillStatus::Pass);
    }

    #[test]
    fn never_switching_fails_unless_the_drill_ended_inside_the_window() {
        let v = token_rotation(&rotated(vec![on(10_000, 0), on(12_000, 0)]));
        assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
        assert!(v.summary.contains("never used within 5s"), "{}", v.summary);
        // The plan ended 2 s after the first refusal: the window was still open.
        let v = token_rotation(&rotated(vec![on(18_000, 0)]));
        assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
        // Exiting (or restarting) after the rotation without using the new token fails.
        let exit = Some(CommandExit { at: Duration::from_millis(18_500), code: Some(1) });
        let v = token_rotation(&Journal { exit, ..rotated(vec![on(18_000, 0)]) });
        assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
        assert!(v.summary.contains("exited after the rotation"), "{}", v.summary);
        // Requests on a token the drill never issued.
        let unknown = JournalEntry { token: TokenUsed::Unknown, ..on(11_000, 1) };
        assert_eq!(token_rotation(&rotated(vec![unknown])).status, DrillStatus::Fail);
    }

    #[test]
    fn no_rotation_or_no_request_after_it_is_not_exercised() {
        let v = token_rotation(&journal(vec![on(0, 0), on(12_000, 0)]));
        assert_eq!(v.status, DrillStatus::NotExercised);
        assert!(v.summary.contains("--rotate-token-file"), "{}", v.summary);
        let v = token_rotation(&rotated(vec![on(0, 0), on(9_999, 0)]));
        assert_eq!(v.status, DrillStatus::NotExercised);
    }
}
