//! The `checklist` command's output: every item once, section by section,
//! with its id (the `[attest.<id>]` key), VERIFIED / ATTESTED / OPEN, totals
//! and the share verified by machine.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::Exit;
use crate::checklist::{ItemResult, State};

/// Counts over the items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChecklistTotals {
    /// Settled by a check.
    pub verified: usize,
    /// Of those, by a failing check.
    pub failing: usize,
    /// Vouched for by a person.
    pub attested: usize,
    /// Of those, older than allowed.
    pub stale: usize,
    /// Settled by a drill of the integration (`checklist --drill`).
    pub drilled: usize,
    /// Of those, failed by the drill.
    pub drill_failing: usize,
    /// Of those, passed longer ago than allowed.
    pub drill_stale: usize,
    /// Neither.
    pub open: usize,
    /// Of those, items this tool provides when deployed as a probe.
    pub probe: usize,
}

/// Counts the items.
pub fn checklist_totals(items: &[ItemResult]) -> ChecklistTotals {
    let mut t = ChecklistTotals::default();
    for i in items {
        match &i.state {
            State::Verified { status, .. } => {
                t.verified += 1;
                t.failing += usize::from(status.is_failing());
            }
            State::Drilled { status, stale, .. } => {
                t.drilled += 1;
                t.drill_failing += usize::from(*status == crate::drill::DrillStatus::Fail);
                t.drill_stale += usize::from(*stale);
            }
            State::Attested { stale, .. } => {
                t.attested += 1;
                t.stale += usize::from(*stale);
            }
            State::Open { satisfy_with, .. } => {
                t.open += 1;
                t.probe += usize::from(satisfy_with.is_some());
            }
        }
    }
    t
}

/// Exit 1 while any item is OPEN, verified by a failing check, or attested
/// too long ago.
pub fn checklist_exit(items: &[ItemResult]) -> Exit {
    if items.iter().any(ItemResult::blocks) { Exit::ChecksFailed } else { Exit::Ok }
}

/// The lines for stderr naming the attestations and drilled items that keep
/// the gate shut because they are older than `max_age_days`; `None` when
/// there are none.
pub fn stale_attestations_line(items: &[ItemResult], max_age_days: u32) -> Option<String> {
    let (mut attested, mut drilled) = (Vec::new(), Vec::new());
    for i in items {
        match &i.state {
            State::Attested { on, stale: true, .. } => attested.push(format!("{} (attested {on})", i.item.id)),
            State::Drilled { on, stale: true, .. } => drilled.push(format!("{} (drilled {on})", i.item.id)),
            _ => {}
        }
    }
    let mut lines = String::new();
    if !attested.is_empty() {
        lines.push_str(&format!(
            "error: stale attestations, older than {max_age_days} days (attest_max_age_days), keep the gate shut: {}; re-attest them with a new `on` date\n",
            attested.join(", ")
        ));
    }
    if !drilled.is_empty() {
        lines.push_str(&format!(
            "error: the drill report is older than {max_age_days} days (attest_max_age_days), so its passes keep the gate shut: {}; drill the integration again\n",
            drilled.join(", ")
        ));
    }
    (!lines.is_empty()).then_some(lines)
}

fn state_word(state: &State) -> String {
    match state {
        State::Verified { status, .. } => format!("VERIFIED ({})", status.as_str().to_ascii_uppercase()),
        State::Drilled { status: crate::drill::DrillStatus::Fail, .. } => "VERIFIED (drill FAIL)".to_owned(),
        State::Drilled { stale: true, .. } => "VERIFIED (drill, stale)".to_owned(),
        State::Drilled { .. } => "VERIFIED (drill)".to_owned(),
        State::Attested { stale: true, .. } => "ATTESTED (stale)".to_owned(),
        State::Attested { .. } => "ATTESTED".to_owned(),
        State::Open { satisfy_with: Some(_), .. } => "OPEN (probe)".to_owned(),
        State::Open { .. } => "OPEN".to_owned(),
    }
}

fn evidence(state: &State) -> String {
    match state {
        State::Verified { check, .. } => format!("check `{}`", check.as_str()),
        State::Drilled { on, .. } => format!("drill on {on}"),
        State::Attested { by, on, link, .. } => match link {
            Some(link) => format!("{by} on {on} ({link})"),
            None => format!("{by} on {on}"),
        },
        State::Open { reason, satisfy_with } => {
            let parts: Vec<&str> = [reason.as_deref(), *satisfy_with].into_iter().flatten().collect();
            if parts.is_empty() { "not attested".to_owned() } else { parts.join("; ") }
        }
    }
}

fn totals_line(items: &[ItemResult]) -> String {
    let t = checklist_totals(items);
    let share = if items.is_empty() { 0 } else { (t.verified + t.drilled) * 100 / items.len() };
    if t.drilled == 0 {
        return format!(
            "{} items: {} verified by checks ({share}% by machine, {} failing), {} attested ({} stale), {} open ({} a probe of this tool can satisfy)",
            items.len(),
            t.verified,
            t.failing,
            t.attested,
            t.stale,
            t.open,
            t.probe
        );
    }
    format!(
        "{} items: {} verified by checks ({} failing), {} by a drill ({} failing, {} stale), {share}% by machine; {} attested ({} stale), {} open ({} a probe of this tool can satisfy)",
        items.len(),
        t.verified,
        t.failing,
        t.drilled,
        t.drill_failing,
        t.drill_stale,
        t.attested,
        t.stale,
        t.open,
        t.probe
    )
}

/// The checklist as a table per section.
pub fn render_checklist_table(items: &[ItemResult], width: u16) -> String {
    let mut table = super::table::new_table(&["Section", "Id", "Item", "State", "Evidence"], width, false);
    let mut last = "";
    for i in items {
        let section = if i.item.section == last { "" } else { i.item.section };
        last = i.item.section;
        table.add_row(vec![
            section.to_owned(),
            i.item.id.to_owned(),
            i.item.text.to_owned(),
            state_word(&i.state),
            evidence(&i.state),
        ]);
    }
    super::table::keep_whole(&mut table, 1, items.iter().map(|i| i.item.id));
    let states: Vec<String> = items.iter().map(|i| state_word(&i.state)).collect();
    super::table::keep_whole(&mut table, 3, states.iter().map(String::as_str));
    format!("{table}\n\n{}\n", totals_line(items))
}

/// `checklist --format json` (schema_version 1). Written through a
/// `serde_json::Value`, so the keys come out in alphabetical order, as the
/// checklist has always been written, whatever the order of the fields here.
#[derive(Serialize, JsonSchema)]
struct JsonChecklist<'a> {
    /// The document's shape: additive changes only within a version.
    #[schemars(schema_with = "super::json::schema::version")]
    schema_version: u32,
    /// Every checklist item once, section by section.
    items: Vec<JsonItem<'a>>,
    /// Counts over the items.
    totals: JsonTotals,
}

/// One item and how it stands.
#[derive(Serialize, JsonSchema)]
struct JsonItem<'a> {
    /// The item's id (the `[attest.<id>]` key).
    #[schemars(schema_with = "schema::item_id")]
    id: &'static str,
    /// The checklist section it is in.
    #[schemars(schema_with = "schema::section")]
    section: &'static str,
    /// The item as the checklist words it.
    text: &'static str,
    /// The check whose PASS verifies it; null when no check can.
    #[schemars(schema_with = "schema::optional_check_id")]
    verified_by: Option<&'static str>,
    /// What can settle it: `check`, `refutable` (attestation a check can
    /// refute), `probe` or `attestation`.
    #[schemars(schema_with = "schema::basis")]
    basis: &'static str,
    /// The check that bears on it, verifying or refuting; null when none.
    #[schemars(schema_with = "schema::optional_check_id")]
    bearing_check: Option<&'static str>,
    /// Its state, with the fields that state has.
    #[serde(flatten)]
    state: JsonState<'a>,
}

/// An item's state: `verified` (by a check or a drill), `attested` or `open`.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "state", rename_all = "lowercase")]
enum JsonState<'a> {
    /// A check settled it.
    Verified {
        /// The check.
        #[schemars(schema_with = "super::json::schema::check_id")]
        check: &'static str,
        /// Its verdict.
        #[schemars(schema_with = "super::json::schema::status")]
        verdict: &'static str,
    },
    /// A drill of the integration settled it (`checklist --drill`).
    #[serde(rename = "verified")]
    Drilled {
        /// The drill's verdict.
        #[schemars(schema_with = "super::drill::schema::status")]
        verdict: &'static str,
        /// When the drill ran and whether that is too long ago.
        drill: JsonDrilled<'a>,
    },
    /// A person vouched for it in checks.toml.
    Attested {
        /// Who, when and where the evidence is.
        attested: JsonAttested<'a>,
    },
    /// Neither.
    Open {
        /// Why the check that bears on it did not settle it, when one ran.
        reason: Option<&'a str>,
        /// How to satisfy it with this tool, for the items a probe provides.
        satisfy_with: Option<&'static str>,
    },
}

/// The drill that settled an item.
#[derive(Serialize, JsonSchema)]
struct JsonDrilled<'a> {
    /// The day it ran.
    #[schemars(extend("format" = "date"))]
    on: &'a str,
    /// A pass older than `attest_max_age_days`: it keeps the gate shut.
    stale: bool,
}

/// An attestation from checks.toml.
#[derive(Serialize, JsonSchema)]
struct JsonAttested<'a> {
    /// Who vouched.
    by: &'a str,
    /// The day.
    #[schemars(extend("format" = "date"))]
    on: &'a str,
    /// Where the evidence is, if given.
    link: Option<&'a str>,
    /// Older than `attest_max_age_days`: it keeps the gate shut.
    stale: bool,
}

/// [`ChecklistTotals`] with the number of items.
#[derive(Serialize, JsonSchema)]
struct JsonTotals {
    /// Every item.
    items: usize,
    /// Settled by a check.
    verified: usize,
    /// Of those, by a failing check.
    failing: usize,
    /// Settled by a drill.
    drilled: usize,
    /// Of those, failed by the drill.
    drill_failing: usize,
    /// Of those, passed longer ago than allowed.
    drill_stale: usize,
    /// Vouched for by a person.
    attested: usize,
    /// Of those, older than allowed.
    stale: usize,
    /// Neither.
    open: usize,
    /// Of those, items a probe of this tool provides.
    probe: usize,
}

/// The JSON Schema of `checklist --format json`, as written to
/// `schema/checklist.schema.json`.
pub fn checklist_schema() -> Value {
    super::json::schema_of::<JsonChecklist<'static>>("clickup-preflight checklist --format json")
}

fn json_state(state: &State) -> JsonState<'_> {
    match state {
        State::Verified { check, status } => JsonState::Verified { check: check.as_str(), verdict: status.as_str() },
        State::Drilled { status, on, stale } => {
            JsonState::Drilled { verdict: status.as_str(), drill: JsonDrilled { on, stale: *stale } }
        }
        State::Attested { by, on, link, stale } => JsonState::Attested {
            attested: JsonAttested {
                by: by.as_str(),
                on,
                link: link.as_ref().map(crate::model::OutsideText::as_str),
                stale: *stale,
            },
        },
        State::Open { reason, satisfy_with } => {
            JsonState::Open { reason: reason.as_ref().map(crate::model::Message::as_str), satisfy_with: *satisfy_with }
        }
    }
}

/// The checklist as JSON (schema_version 1).
pub fn render_checklist_json(items: &[ItemResult]) -> String {
    let t = checklist_totals(items);
    let doc = JsonChecklist {
        schema_version: 1,
        items: items
            .iter()
            .map(|i| JsonItem {
                id: i.item.id,
                section: i.item.section,
                text: i.item.text,
                verified_by: i.item.basis.verifying_check().map(crate::model::CheckId::as_str),
                basis: i.item.basis.as_str(),
                bearing_check: i.item.basis.check().map(crate::model::CheckId::as_str),
                state: json_state(&i.state),
            })
            .collect(),
        totals: JsonTotals {
            items: items.len(),
            verified: t.verified,
            failing: t.failing,
            drilled: t.drilled,
            drill_failing: t.drill_failing,
            drill_stale: t.drill_stale,
            attested: t.attested,
            stale: t.stale,
            open: t.open,
            probe: t.probe,
        },
    };
    // Plain strings, numbers and booleans: converting cannot fail.
    super::json::pretty(&serde_json::to_value(&doc).unwrap_or_default())
}

/// The `schema_with` functions: the checklist's closed sets, from its table.
mod schema {
    use schemars::{Schema, SchemaGenerator, json_schema};

    use super::super::json::schema::{check_id, names};
    use crate::checklist::{Basis, ITEMS};

    pub(super) fn item_id(_: &mut SchemaGenerator) -> Schema {
        names(ITEMS.iter().map(|i| i.id).collect())
    }

    pub(super) fn section(_: &mut SchemaGenerator) -> Schema {
        let mut sections: Vec<&'static str> = Vec::new();
        for item in ITEMS.iter().filter(|i| !sections.contains(&i.section)).collect::<Vec<_>>() {
            sections.push(item.section);
        }
        names(sections)
    }

    pub(super) fn basis(_: &mut SchemaGenerator) -> Schema {
        use Basis::*;
        let _every = |b: Basis| match b {
            Observed(_) | Refutable(_) | Probe(_) | Attestation => (),
        };
        let any = crate::model::CheckId::ALL[0];
        names([Observed(any), Refutable(any), Probe(None), Attestation].map(Basis::as_str).to_vec())
    }

    pub(super) fn optional_check_id(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({ "oneOf": [check_id(generator), { "type": "null" }] })
    }
}

/// The checklist as Markdown checkboxes, for a release PR.
pub fn render_checklist_markdown(items: &[ItemResult]) -> String {
    let mut out = String::from("## ClickUp production checklist\n");
    let mut last = "";
    for i in items {
        if i.item.section != last {
            out.push_str(&format!("\n### {}\n\n", i.item.section));
            last = i.item.section;
        }
        let done = if i.blocks() { " " } else { "x" };
        out.push_str(&format!(
            "- [{done}] {} (`{}`) — {}: {}\n",
            i.item.text,
            i.item.id,
            state_word(&i.state),
            evidence(&i.state).replace('|', "\\|")
        ));
    }
    out.push_str(&format!("\n{}\n", totals_line(items)));
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::checks::{CheckId, Outcome, Status};

    #[test]
    fn renders_every_item_once_with_ids_and_totals() {
        let outcomes = vec![
            Outcome::new(CheckId::Webhooks, Status::Pass, "ok"),
            Outcome::new(CheckId::Secrets, Status::Fail, "x"),
        ];
        let items = crate::checklist::evaluate(&outcomes, &BTreeMap::new(), 20_000, 180);
        let table = render_checklist_table(&items, 200);
        assert!(table.contains("VERIFIED (PASS)") && table.contains("OPEN (probe)"), "{table}");
        assert!(table.contains("┆ rate-limit-headers-monitored ┆"), "ids are shown whole: {table}");
        assert!(
            table.contains(
                "25 items: 3 verified by checks (12% by machine, 2 failing), 0 attested (0 stale), 22 open (4 a probe of this tool can satisfy)"
            ),
            "{table}"
        );
        let doc: Value = serde_json::from_str(&render_checklist_json(&items)).expect("json");
        assert_eq!(doc["items"].as_array().map(Vec::len), Some(25));
        assert_eq!(doc["totals"]["open"], 22);
        assert_eq!(doc["totals"]["probe"], 4);
        let health = &doc["items"][15];
        assert_eq!((health["id"].as_str(), health["basis"].as_str()), (Some("health-check"), Some("probe")));
        assert_eq!(health["satisfy_with"], crate::checklist::PROBE_HINT);
        let md = render_checklist_markdown(&items);
        assert_eq!(md.matches("- [").count(), 25);
        assert!(md.contains("- [x] Endpoint uses HTTPS (`webhook-https`) — VERIFIED (PASS)"), "{md}");
        assert!(
            md.contains("- [ ] Health check endpoint verifies ClickUp connectivity (`health-check`) — OPEN (probe)"),
            "{md}"
        );
        assert_eq!(checklist_exit(&items), Exit::ChecksFailed);
    }

    /// Both sources of staleness in one run, interleaved with fresh ones:
    /// one line per source, attestations first, each naming only its own
    /// stale items in checklist order.
    #[test]
    fn the_stale_line_names_stale_attestations_and_stale_drills_each_in_its_own_line() {
        let mut items = crate::checklist::evaluate(&[], &BTreeMap::new(), 20_000, 30);
        assert_eq!(stale_attestations_line(&items, 30), None, "nothing stale, no line");
        let by = crate::text::Sanitizer::shapes_only().line("ops@example.com", crate::text::NAME);
        let attested = |on: &str, stale| State::Attested { by: by.clone(), on: on.to_owned(), link: None, stale };
        let drilled = |status, on: &str, stale| State::Drilled { status, on: on.to_owned(), stale };
        let states = [
            ("caching", attested("2020-01-01", true)),
            ("circuit-breaker", drilled(crate::drill::DrillStatus::Pass, "2020-02-02", true)),
            ("token-rotation", attested("2099-01-01", false)),
            ("request-queuing", drilled(crate::drill::DrillStatus::Pass, "2099-02-02", false)),
            ("service-account", attested("2020-03-03", true)),
            ("webhooks-over-polling", drilled(crate::drill::DrillStatus::Pass, "2020-04-04", true)),
        ];
        for (id, state) in states {
            items.iter_mut().find(|i| i.item.id == id).unwrap_or_else(|| panic!("{id}")).state = state;
        }
        let expected = "error: stale attestations, older than 30 days (attest_max_age_days), keep the gate shut: \
             service-account (attested 2020-03-03), caching (attested 2020-01-01); re-attest them with a new `on` date\n\
             error: the drill report is older than 30 days (attest_max_age_days), so its passes keep the gate shut: \
             circuit-breaker (drilled 2020-02-02), webhooks-over-polling (drilled 2020-04-04); drill the integration again\n";
        assert_eq!(stale_attestations_line(&items, 30).as_deref(), Some(expected));
        let only_drills: Vec<ItemResult> =
            items.iter().filter(|i| !matches!(i.state, State::Attested { .. })).cloned().collect();
        let line = stale_attestations_line(&only_drills, 30).expect("stale drills alone");
        assert!(line.starts_with("error: the drill report is older") && line.lines().count() == 1, "{line}");
    }

    #[test]
    fn ids_never_wrap_in_a_narrow_table() {
        let items = crate::checklist::evaluate(&[], &BTreeMap::new(), 20_000, 180);
        let table = render_checklist_table(&items, 60);
        for item in crate::checklist::ITEMS {
            assert!(table.contains(&format!(" {} ", item.id)), "{} is split:\n{table}", item.id);
        }
    }
}
