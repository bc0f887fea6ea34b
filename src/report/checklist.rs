//! The `checklist` command's output: every item once, section by section,
//! VERIFIED / ATTESTED / OPEN, with totals and the share verified by machine.

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
    /// Neither.
    pub open: usize,
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
            State::Attested { stale, .. } => {
                t.attested += 1;
                t.stale += usize::from(*stale);
            }
            State::Open { .. } => t.open += 1,
        }
    }
    t
}

/// Exit 1 while any item is OPEN or verified by a failing check.
pub fn checklist_exit(items: &[ItemResult]) -> Exit {
    if items.iter().any(ItemResult::blocks) { Exit::ChecksFailed } else { Exit::Ok }
}

fn state_word(state: &State) -> String {
    match state {
        State::Verified { status, .. } => format!("VERIFIED ({})", status.as_str().to_ascii_uppercase()),
        State::Attested { stale: true, .. } => "ATTESTED (stale)".to_owned(),
        State::Attested { .. } => "ATTESTED".to_owned(),
        State::Open { .. } => "OPEN".to_owned(),
    }
}

fn evidence(state: &State) -> String {
    match state {
        State::Verified { check, .. } => format!("check `{}`", check.as_str()),
        State::Attested { by, on, link, .. } => match link {
            Some(link) => format!("{by} on {on} ({link})"),
            None => format!("{by} on {on}"),
        },
        State::Open { reason: Some(reason) } => reason.clone(),
        State::Open { reason: None } => "not attested".to_owned(),
    }
}

fn totals_line(items: &[ItemResult]) -> String {
    let t = checklist_totals(items);
    let share = if items.is_empty() { 0 } else { t.verified * 100 / items.len() };
    format!(
        "{} items: {} verified by checks ({share}% by machine, {} failing), {} attested ({} stale), {} open",
        items.len(),
        t.verified,
        t.failing,
        t.attested,
        t.stale,
        t.open
    )
}

/// The checklist as a table per section.
pub fn render_checklist_table(items: &[ItemResult], width: u16) -> String {
    let mut table = super::table::new_table(&["Section", "Item", "State", "Evidence"], width, false);
    let mut last = "";
    for i in items {
        let section = if i.item.section == last { "" } else { i.item.section };
        last = i.item.section;
        table.add_row(vec![section.to_owned(), i.item.text.to_owned(), state_word(&i.state), evidence(&i.state)]);
    }
    format!("{table}\n\n{}\n", totals_line(items))
}

/// The checklist as JSON (schema_version 1).
pub fn render_checklist_json(items: &[ItemResult]) -> String {
    let t = checklist_totals(items);
    let list: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut v = json!({"id": i.item.id, "section": i.item.section, "text": i.item.text,
                               "verified_by": i.item.check.map(|c| c.as_str())});
            match &i.state {
                State::Verified { check, status } => {
                    v["state"] = json!("verified");
                    v["check"] = json!(check.as_str());
                    v["verdict"] = json!(status.as_str());
                }
                State::Attested { by, on, link, stale } => {
                    v["state"] = json!("attested");
                    v["attested"] = json!({"by": by, "on": on, "link": link, "stale": stale});
                }
                State::Open { reason } => {
                    v["state"] = json!("open");
                    v["reason"] = json!(reason);
                }
            }
            v
        })
        .collect();
    let doc = json!({
        "schema_version": 1,
        "items": list,
        "totals": {"items": items.len(), "verified": t.verified, "failing": t.failing, "attested": t.attested, "stale": t.stale, "open": t.open},
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
            "- [{done}] {} — {}: {}\n",
            i.item.text,
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
    fn renders_every_item_once_with_totals() {
        let outcomes =
            vec![Outcome::new(CheckId::Auth, Status::Pass, "ok"), Outcome::new(CheckId::Webhooks, Status::Fail, "x")];
        let items = crate::checklist::evaluate(&outcomes, &BTreeMap::new(), 20_000, 180);
        let table = render_checklist_table(&items, 200);
        assert!(table.contains("VERIFIED (PASS)") && table.contains("OPEN"), "{table}");
        assert!(
            table.contains("25 items: 3 verified by checks (12% by machine, 2 failing), 0 attested (0 stale), 22 open"),
            "{table}"
        );
        let doc: Value = serde_json::from_str(&render_checklist_json(&items)).expect("json");
        assert_eq!(doc["items"].as_array().map(Vec::len), Some(25));
        assert_eq!(doc["totals"]["open"], 22);
        let md = render_checklist_markdown(&items);
        assert_eq!(md.matches("- [").count(), 25);
        assert!(md.contains("- [x] Health check endpoint verifies ClickUp connectivity — VERIFIED (PASS)"), "{md}");
        assert_eq!(checklist_exit(&items), Exit::ChecksFailed);
    }
}
