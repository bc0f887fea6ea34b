//! The `checklist` command's output: every item once, section by section,
//! with its id (the `[attest.<id>]` key), VERIFIED / ATTESTED / OPEN, totals
//! and the share verified by machine.

use serde_json::{Value, json};

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
    let stale: Vec<String> = items
        .iter()
        .filter_map(|i| match &i.state {
            State::Attested { on, stale: true, .. } => Some(format!("{} (attested {on})", i.item.id)),
            _ => None,
        })
        .collect();
    let drilled: Vec<String> = items
        .iter()
        .filter_map(|i| match &i.state {
            State::Drilled { on, stale: true, .. } => Some(format!("{} (drilled {on})", i.item.id)),
            _ => None,
        })
        .collect();
    let mut lines = String::new();
    if !stale.is_empty() {
        lines.push_str(&format!(
            "error: stale attestations, older than {max_age_days} days (attest_max_age_days), keep the gate shut: {}; re-attest them with a new `on` date\n",
            stale.join(", ")
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

/// The checklist as JSON (schema_version 1).
pub fn render_checklist_json(items: &[ItemResult]) -> String {
    let t = checklist_totals(items);
    let list: Vec<Value> = items
        .iter()
        .map(|i| {
            let basis = i.item.basis;
            let mut v = json!({"id": i.item.id, "section": i.item.section, "text": i.item.text,
                               "verified_by": basis.verifying_check().map(crate::model::CheckId::as_str),
                               "basis": basis.as_str(), "bearing_check": basis.check().map(crate::model::CheckId::as_str)});
            match &i.state {
                State::Verified { check, status } => {
                    v["state"] = json!("verified");
                    v["check"] = json!(check.as_str());
                    v["verdict"] = json!(status.as_str());
                }
                State::Drilled { status, on, stale } => {
                    v["state"] = json!("verified");
                    v["verdict"] = json!(status.as_str());
                    v["drill"] = json!({"on": on, "stale": stale});
                }
                State::Attested { by, on, link, stale } => {
                    v["state"] = json!("attested");
                    v["attested"] = json!({"by": by, "on": on, "link": link, "stale": stale});
                }
                State::Open { reason, satisfy_with } => {
                    v["state"] = json!("open");
                    v["reason"] = json!(reason);
                    v["satisfy_with"] = json!(satisfy_with);
                }
            }
            v
        })
        .collect();
    let doc = json!({
        "schema_version": 1,
        "items": list,
        "totals": {"items": items.len(), "verified": t.verified, "failing": t.failing, "drilled": t.drilled, "drill_failing": t.drill_failing, "drill_stale": t.drill_stale, "attested": t.attested, "stale": t.stale, "open": t.open, "probe": t.probe},
    });
    super::json::pretty(&doc)
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

    #[test]
    fn ids_never_wrap_in_a_narrow_table() {
        let items = crate::checklist::evaluate(&[], &BTreeMap::new(), 20_000, 180);
        let table = render_checklist_table(&items, 60);
        for item in crate::checklist::ITEMS {
            assert!(table.contains(&format!(" {} ", item.id)), "{} is split:\n{table}", item.id);
        }
    }
}
