//! The fault plan: which faults the drill world plays, and when. Plain data,
//! so the world (the sandbox) applies it and the judges read the same
//! phases back from the journal. A built-in [`Plan::default`] exercises
//! every behaviour the judges look for within a minute; [`Plan::scaled`]
//! shrinks it for a short drill, and [`parse`] reads a team's own plan from
//! TOML.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::journal::{Phase, PhaseKind};

/// The longest plan a file may ask for: a drill is a CI step, not a soak test.
const MAX_TOTAL: Duration = Duration::from_secs(3600);

/// How long a token-rotation phase lasts when it is inserted rather than
/// made of the normal phase after the auth fault ([`Plan::with_token_rotation`]).
pub const ROTATION_PHASE: Duration = Duration::from_secs(5);

/// The phases of a drill, in order, and the knobs of their faults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The phases, each starting when the one before it ends.
    pub phases: Vec<PlanPhase>,
    /// Requests the rate-limit phase's small window allows before its 429s.
    pub rate_window: u32,
    /// How far ahead of a plan-forced 429 its `X-RateLimit-Reset` lies
    /// (rounded up to a whole second, as the header counts seconds).
    pub reset_after: Duration,
    /// The share of requests, in percent, the server-error phase fails.
    pub error_percent: u8,
}

/// One phase of a plan: what it does and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanPhase {
    /// What the world does during it.
    pub kind: PhaseKind,
    /// How long it lasts.
    pub length: Duration,
}

impl Default for Plan {
    /// Every fault the judges need, with normal traffic between them so a
    /// client can show that it recovers: 60 s in all.
    fn default() -> Plan {
        let phase = |kind, secs| PlanPhase { kind, length: Duration::from_secs(secs) };
        Plan {
            phases: vec![
                phase(PhaseKind::WarmUp, 8),
                phase(PhaseKind::RateLimit, 10),
                phase(PhaseKind::Normal, 5),
                phase(PhaseKind::ServerErrors, 10),
                phase(PhaseKind::Normal, 5),
                phase(PhaseKind::Outage, 8),
                phase(PhaseKind::Normal, 5),
                phase(PhaseKind::AuthFault, 3),
                phase(PhaseKind::Normal, 6),
            ],
            rate_window: 10,
            reset_after: Duration::from_secs(3),
            error_percent: 30,
        }
    }
}

impl Plan {
    /// How long the whole plan lasts.
    pub fn total(&self) -> Duration {
        self.phases.iter().map(|p| p.length).sum()
    }

    /// The same plan stretched or shrunk to last `total`, every phase kept
    /// in proportion (at least a millisecond each) and the reset delay
    /// scaled with it (at least a second, the header's resolution), so a
    /// 15 s drill still plays every fault.
    pub fn scaled(&self, total: Duration) -> Plan {
        let own = self.total().as_secs_f64();
        if own <= 0.0 {
            return self.clone();
        }
        let ratio = total.as_secs_f64() / own;
        let scale = |d: Duration, floor: Duration| Duration::from_secs_f64(d.as_secs_f64() * ratio).max(floor);
        Plan {
            phases: self
                .phases
                .iter()
                .map(|p| PlanPhase { kind: p.kind, length: scale(p.length, Duration::from_millis(1)) })
                .collect(),
            reset_after: scale(self.reset_after, Duration::from_secs(1)),
            ..self.clone()
        }
    }

    /// The plan with a token-rotation phase, for `drill --rotate-token-file`.
    /// It comes right after the last auth fault, so that an integration has
    /// just shown how it treats a 401 when its token is really revoked: the
    /// normal phase that follows the auth fault becomes the rotation phase
    /// (the plan's length unchanged); when none follows, a
    /// [`ROTATION_PHASE`] is inserted there, or appended to a plan without
    /// an auth fault. A plan that already rotates is returned as it is.
    pub fn with_token_rotation(&self) -> Plan {
        let mut plan = self.clone();
        if plan.phases.iter().any(|p| p.kind == PhaseKind::TokenRotation) {
            return plan;
        }
        let after_auth =
            plan.phases.iter().rposition(|p| p.kind == PhaseKind::AuthFault).map_or(plan.phases.len(), |i| i + 1);
        match plan.phases.get_mut(after_auth) {
            Some(next) if next.kind == PhaseKind::Normal => next.kind = PhaseKind::TokenRotation,
            _ => plan.phases.insert(after_auth, PlanPhase { kind: PhaseKind::TokenRotation, length: ROTATION_PHASE }),
        }
        plan
    }

    /// The phases as time since the drill started, as the journal reports them.
    pub fn timeline(&self) -> Vec<Phase> {
        let mut start = Duration::ZERO;
        self.phases
            .iter()
            .map(|p| {
                let phase = Phase { kind: p.kind, start, end: start + p.length };
                start = phase.end;
                phase
            })
            .collect()
    }

    /// The phase in force at `at` since the start; after the plan ends the
    /// world answers normally.
    pub fn phase_at(&self, at: Duration) -> PhaseKind {
        self.timeline().iter().find(|p| p.contains(at)).map_or(PhaseKind::Normal, |p| p.kind)
    }

    /// Whether the `n`-th request (from 0) of the server-error phase fails:
    /// exactly [`Plan::error_percent`] of every hundred, spread evenly, so a
    /// drill repeats.
    pub fn server_error_hits(&self, n: u64) -> bool {
        let share = u64::from(self.error_percent);
        (n + 1) * share / 100 != n * share / 100
    }
}

/// Why a plan file was refused: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct PlanError {
    /// The file, as given.
    pub path: String,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// What was wrong and what is accepted.
    pub message: String,
}

/// A plan file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    rate_window: Option<u32>,
    reset_after: Option<toml::Spanned<String>>,
    error_percent: Option<toml::Spanned<u8>>,
    #[serde(default)]
    phase: Vec<PhaseFile>,
}

/// One `[[phase]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhaseFile {
    kind: toml::Spanned<String>,
    length: toml::Spanned<String>,
}

/// The kinds a plan file may name; the token rotation needs a token file
/// to write, which a plan alone cannot give.
const PLANNABLE: [PhaseKind; 6] = [
    PhaseKind::WarmUp,
    PhaseKind::RateLimit,
    PhaseKind::ServerErrors,
    PhaseKind::Outage,
    PhaseKind::AuthFault,
    PhaseKind::Normal,
];

/// Reads a plan from TOML: optional `rate_window`, `reset_after` (`"3s"`)
/// and `error_percent`, which default to the built-in plan's, and one
/// `[[phase]]` table per phase with `kind` (`warm-up`, `rate-limit`,
/// `server-errors`, `outage`, `auth-fault`, `normal`) and `length`
/// (`"10s"`). Errors name the file and line; the parser's own message is
/// cut to its first line and scrubbed, as for `checks.toml`.
pub fn parse(source: &str, path: &Path) -> Result<Plan, PlanError> {
    let at = |span: Option<std::ops::Range<usize>>, message: String| PlanError {
        path: path.display().to_string(),
        line: span.map(|s| source.get(..s.start).unwrap_or(source).matches('\n').count() + 1),
        message: crate::redact::scrub_token_like(&message),
    };
    let file: PlanFile = toml::from_str(source).map_err(|e| {
        let first = e.message().lines().next().unwrap_or("invalid TOML").trim().to_owned();
        at(e.span(), first)
    })?;
    let defaults = Plan::default();
    let mut phases = Vec::new();
    for written in &file.phase {
        let kind = PLANNABLE.iter().copied().find(|k| k.as_str() == written.kind.get_ref()).ok_or_else(|| {
            let names: Vec<&str> = PLANNABLE.iter().map(|k| k.as_str()).collect();
            at(Some(written.kind.span()), format!("`kind`: expected one of {}", names.join(", ")))
        })?;
        let length = crate::duration::parse(written.length.get_ref())
            .map_err(|e| at(Some(written.length.span()), format!("`length`: {e}")))?;
        phases.push(PlanPhase { kind, length });
    }
    if phases.is_empty() {
        return Err(at(None, "expected at least one [[phase]] table with `kind` and `length`".into()));
    }
    let reset_after = match &file.reset_after {
        Some(text) => {
            crate::duration::parse(text.get_ref()).map_err(|e| at(Some(text.span()), format!("`reset_after`: {e}")))?
        }
        None => defaults.reset_after,
    };
    let error_percent = match &file.error_percent {
        Some(p) if (1..=100).contains(p.get_ref()) => *p.get_ref(),
        Some(p) => return Err(at(Some(p.span()), "`error_percent`: expected a whole number from 1 to 100".into())),
        None => defaults.error_percent,
    };
    let rate_window = match file.rate_window {
        Some(0) => return Err(at(None, "`rate_window`: expected at least 1 request".into())),
        Some(n) => n,
        None => defaults.rate_window,
    };
    let plan = Plan { phases, rate_window, reset_after, error_percent };
    if plan.total() > MAX_TOTAL {
        return Err(at(None, format!("the phases last {}s; a plan may last at most an hour", plan.total().as_secs())));
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(source: &str) -> Result<Plan, PlanError> {
        parse(source, Path::new("plan.toml"))
    }

    #[test]
    fn the_default_plan_plays_every_fault_within_a_minute() {
        let plan = Plan::default();
        assert!(plan.total() <= Duration::from_secs(60));
        for kind in
            [PhaseKind::WarmUp, PhaseKind::RateLimit, PhaseKind::ServerErrors, PhaseKind::Outage, PhaseKind::AuthFault]
        {
            assert!(plan.phases.iter().any(|p| p.kind == kind), "{kind}");
        }
    }

    #[test]
    fn scaling_keeps_every_phase_in_proportion() {
        let plan = Plan::default();
        let short = plan.scaled(Duration::from_secs(15));
        assert_eq!(short.phases.len(), plan.phases.len());
        let total = short.total().as_secs_f64();
        assert!((total - 15.0).abs() < 0.01, "{total}");
        assert_eq!(short.phases[0].length, Duration::from_secs(2));
        assert_eq!(short.reset_after, Duration::from_secs(1));
        let tiny = plan.scaled(Duration::from_millis(3));
        assert!(tiny.phases.iter().all(|p| p.length >= Duration::from_millis(1)));
    }

    #[test]
    fn the_phase_in_force_follows_the_timeline_and_is_normal_after_it() {
        let plan = Plan::default();
        assert_eq!(plan.phase_at(Duration::ZERO), PhaseKind::WarmUp);
        assert_eq!(plan.phase_at(Duration::from_millis(7999)), PhaseKind::WarmUp);
        assert_eq!(plan.phase_at(Duration::from_secs(8)), PhaseKind::RateLimit);
        assert_eq!(plan.phase_at(Duration::from_secs(40)), PhaseKind::Outage);
        assert_eq!(plan.phase_at(Duration::from_secs(60)), PhaseKind::Normal);
        let timeline = plan.timeline();
        assert_eq!(timeline.last().map(|p| p.end), Some(Duration::from_secs(60)));
    }

    #[test]
    fn the_rotation_takes_the_normal_phase_after_the_auth_fault_or_is_inserted() {
        let plan = Plan::default();
        let rotating = plan.with_token_rotation();
        assert_eq!(rotating.total(), plan.total(), "the default plan keeps its length");
        let kinds: Vec<PhaseKind> = rotating.phases.iter().map(|p| p.kind).collect();
        let auth = kinds.iter().position(|k| *k == PhaseKind::AuthFault).expect("an auth fault");
        assert_eq!(kinds[auth + 1], PhaseKind::TokenRotation);
        assert_eq!(rotating.phases[auth + 1].length, plan.phases[auth + 1].length);
        assert_eq!(kinds.iter().filter(|k| **k == PhaseKind::TokenRotation).count(), 1);
        assert_eq!(rotating.with_token_rotation(), rotating, "rotating twice changes nothing");
        let phase = |kind, secs| PlanPhase { kind, length: Duration::from_secs(secs) };
        let last =
            Plan { phases: vec![phase(PhaseKind::WarmUp, 1), phase(PhaseKind::AuthFault, 1)], ..Plan::default() };
        let kinds: Vec<PhaseKind> = last.with_token_rotation().phases.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [PhaseKind::WarmUp, PhaseKind::AuthFault, PhaseKind::TokenRotation]);
        let none = Plan { phases: vec![phase(PhaseKind::Outage, 1), phase(PhaseKind::Normal, 1)], ..Plan::default() };
        let rotating = none.with_token_rotation();
        assert_eq!(rotating.phases.last(), Some(&phase(PhaseKind::TokenRotation, 5)));
        assert_eq!(rotating.phases[1].kind, PhaseKind::Normal, "no auth fault: appended, nothing replaced");
    }

    #[test]
    fn server_errors_hit_exactly_their_share() {
        let plan = Plan { error_percent: 30, ..Plan::default() };
        let hits = (0..100).filter(|n| plan.server_error_hits(*n)).count();
        assert_eq!(hits, 30);
        assert!(!plan.server_error_hits(0), "the first request of the phase passes, then the share applies");
        let all = Plan { error_percent: 100, ..Plan::default() };
        assert!((0..10).all(|n| all.server_error_hits(n)));
    }

    #[test]
    fn a_plan_file_reads_its_phases_and_knobs() {
        let plan = parse_text(
            "rate_window = 5\nreset_after = \"2s\"\nerror_percent = 50\n\n[[phase]]\nkind = \"warm-up\"\nlength = \"1s\"\n\n[[phase]]\nkind = \"outage\"\nlength = \"500ms\"\n",
        )
        .expect("a valid plan");
        assert_eq!(plan.rate_window, 5);
        assert_eq!(plan.reset_after, Duration::from_secs(2));
        assert_eq!(plan.error_percent, 50);
        assert_eq!(
            plan.phases,
            [
                PlanPhase { kind: PhaseKind::WarmUp, length: Duration::from_secs(1) },
                PlanPhase { kind: PhaseKind::Outage, length: Duration::from_millis(500) }
            ]
        );
        let defaults = parse_text("[[phase]]\nkind = \"normal\"\nlength = \"1s\"\n").expect("defaults");
        assert_eq!(defaults.rate_window, Plan::default().rate_window);
    }

    #[test]
    fn a_bad_plan_file_names_the_file_the_line_and_what_was_expected() {
        let cases = [
            ("[[phase]]\nkind = \"warm-up\"\nlength = \"1s\"\nspeed = 2\n", "plan.toml:4:", "speed"),
            ("[[phase]]\nkind = \"chaos\"\nlength = \"1s\"\n", "plan.toml:2:", "expected one of warm-up"),
            ("[[phase]]\nkind = \"token-rotation\"\nlength = \"1s\"\n", "plan.toml:2:", "expected one of"),
            ("\n[[phase]]\nkind = \"outage\"\nlength = \"soon\"\n", "plan.toml:4:", "`length`"),
            ("error_percent = 0\n[[phase]]\nkind = \"outage\"\nlength = \"1s\"\n", "plan.toml:1:", "1 to 100"),
            ("rate_window = 3\n", "plan.toml:", "at least one [[phase]]"),
            ("[[phase]]\nkind = \"outage\"\nlength = \"2h\"\n", "plan.toml", "`length`"),
            ("[[phase]]\nkind = \"outage\"\nlength = \"61m\"\n", "plan.toml", "at most an hour"),
        ];
        for (source, place, expected) in cases {
            let error = parse_text(source).expect_err(source).to_string();
            assert!(error.starts_with(place), "{error}");
            assert!(error.contains(expected), "{error}");
            assert_eq!(error.lines().count(), 1, "{error}");
        }
    }
}
