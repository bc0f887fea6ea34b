//! Markdown: a verdict table first, then each non-passing check's details
//! in a `<details>` block. For PR comments and GitHub's job summary, whose
//! limit is 1 MiB: the output is capped well under it whatever the input.

use super::Report;
use crate::checks::Status;
use crate::duration::human;

/// The whole summary never exceeds this many bytes.
pub const SUMMARY_CAP: usize = 256 * 1024;
const TRUNCATED: &str = "\n_More details left out to keep the summary under GitHub's size limit._\n";
/// One check's details block never exceeds this many bytes.
const DETAILS_CAP: usize = 16 * 1024;

fn word(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅ PASS",
        Status::Warn => "⚠️ WARN",
        Status::Fail => "❌ FAIL",
        Status::Error => "❗ ERROR",
        Status::Skip => "⏭️ SKIP",
    }
}

/// Renders the summary, at most [`SUMMARY_CAP`] bytes.
pub fn render(report: &Report) -> String {
    let t = report.totals();
    let mut out = format!(
        "## ClickUp preflight: {}\n\n{} checks: {} passed, {} warned, {} failed, {} errored, {} skipped in {}\n\n",
        word(report.status()),
        report.outcomes.len(),
        t.pass,
        t.warn,
        t.fail,
        t.error,
        t.skip,
        human(report.duration)
    );
    out.push_str("| Status | Check | Severity | Gate | Summary |\n|---|---|---|---|---|\n");
    for o in &report.outcomes {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            word(o.status),
            o.id.as_str(),
            o.severity.as_str(),
            o.gate.as_str(),
            cell(&clip(&o.summary, 1024))
        ));
    }
    for o in report.outcomes.iter().filter(|o| o.status != Status::Pass) {
        if o.details.is_empty() && o.hint.is_none() {
            continue;
        }
        let mut body = String::new();
        for line in &o.details {
            body.push_str(&format!("- {}\n", escape(line)));
        }
        if let Some(hint) = &o.hint {
            body.push_str(&format!("\n**Hint:** {}\n", escape(hint)));
        }
        if !push_details(&mut out, o.id.as_str(), word(o.status), &body) {
            break;
        }
    }
    out
}

/// Appends a `<details>` block titled with `id` and `word` whose body is
/// `body` (already escaped) clipped to [`DETAILS_CAP`]; when it would take
/// the summary past [`SUMMARY_CAP`], appends the truncation note instead
/// and returns `false`. Whole blocks only, so no `<details>` is left open.
pub(super) fn push_details(out: &mut String, id: &str, word: &str, body: &str) -> bool {
    let block =
        format!("\n<details><summary><code>{id}</code>: {word}</summary>\n\n{}\n</details>\n", clip(body, DETAILS_CAP));
    if out.len() + block.len() + TRUNCATED.len() > SUMMARY_CAP {
        out.push_str(TRUNCATED);
        return false;
    }
    out.push_str(&block);
    true
}

/// Markdown-inert text: no HTML, no table breaks.
pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A table cell: escaped, pipes escaped, one line.
pub(super) fn cell(text: &str) -> String {
    escape(text).replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// At most `max` bytes, cut at a character boundary, marked when cut.
pub(super) fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::super::tests::report;
    use super::*;

    #[test]
    fn table_first_then_details_for_what_did_not_pass() {
        let mut r = report(&[Status::Pass, Status::Fail]);
        r.outcomes[1].details = vec!["a <b> | c".into()];
        r.outcomes[1].hint = Some("fix it".into());
        let md = render(&r);
        assert!(md.starts_with("## ClickUp preflight: ❌ FAIL\n"), "{md}");
        let table = md.find("| Status | Check |").expect("table");
        let details = md.find("<details>").expect("details");
        assert!(table < details);
        assert!(md.contains("- a &lt;b&gt; | c"), "{md}");
        assert!(md.contains("**Hint:** fix it"));
        assert!(!md.contains("<details><summary><code>auth</code>"), "passing checks have no details block");
    }

    #[test]
    fn a_huge_detail_stays_far_under_the_limit() {
        let mut r = report(&[Status::Fail, Status::Fail, Status::Warn]);
        for o in &mut r.outcomes {
            o.details = (0..50_000).map(|i| format!("line {i} {}", "x".repeat(100)).into()).collect();
            o.summary = "s|".repeat(100_000).into();
        }
        let md = render(&r);
        assert!(md.len() <= SUMMARY_CAP, "{} bytes", md.len());
        assert!(md.len() < 1024 * 1024 / 2);
        assert!(md.contains("</details>"), "blocks stay closed");
    }
}
