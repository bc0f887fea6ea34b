//! JUnit XML: one `<testsuite>`, one `<testcase>` per check. FAIL becomes
//! `<failure>`, ERROR `<error>`, SKIP `<skipped>`; a WARN passes with its
//! summary in `<system-out>`, as CI consumers show passing cases' output.
//! The shape is the one Jenkins, GitLab and the GitHub test reporters read.

use super::Report;
use crate::checks::{Outcome, Status};
use crate::model::calendar::rfc3339;

/// Renders the report as a JUnit XML document.
pub(super) fn render(report: &Report) -> String {
    let t = report.totals();
    let seconds = |d: std::time::Duration| format!("{:.3}", d.as_secs_f64());
    let counts = format!(
        r#"tests="{}" failures="{}" errors="{}" skipped="{}" time="{}""#,
        report.outcomes.len(),
        t.fail,
        t.error,
        t.skip,
        seconds(report.duration)
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<testsuites name=\"clickup-preflight\" {counts}>\n"));
    out.push_str(&format!(
        "  <testsuite name=\"clickup-preflight\" {counts} timestamp=\"{}\">\n",
        rfc3339(report.finished_at_unix).trim_end_matches('Z')
    ));
    if let Some(scenario) = report.sandbox {
        out.push_str(&format!(
            "    <properties>\n      <property name=\"sandbox\" value=\"{}\"/>\n    </properties>\n",
            attr(scenario)
        ));
    }
    for o in &report.outcomes {
        out.push_str(&format!(
            "    <testcase classname=\"clickup-preflight\" name=\"{}\" time=\"{}\">\n",
            attr(o.id.as_str()),
            seconds(o.duration)
        ));
        let kind =
            format!("{} {} (gate: {})", o.status.as_str().to_ascii_uppercase(), o.severity.as_str(), o.gate.as_str());
        match o.status {
            Status::Fail => out.push_str(&element("failure", &o.summary, &kind, &body(o))),
            Status::Error => out.push_str(&element("error", &o.summary, &kind, &body(o))),
            Status::Skip => out.push_str(&format!("      <skipped message=\"{}\"/>\n", attr(&o.summary))),
            Status::Warn | Status::Pass => {
                let prefix = if o.status == Status::Warn { "WARN: " } else { "" };
                let details = body(o);
                let all = if details.is_empty() {
                    format!("{prefix}{}", o.summary)
                } else {
                    format!("{prefix}{}\n{details}", o.summary)
                };
                out.push_str(&format!("      <system-out>{}</system-out>\n", text(&all)));
            }
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

pub(super) fn element(name: &str, message: &str, kind: &str, body: &str) -> String {
    format!("      <{name} message=\"{}\" type=\"{}\">{}</{name}>\n", attr(message), attr(kind), text(body))
}

fn body(o: &Outcome) -> String {
    let mut lines: Vec<String> = o.details.iter().map(ToString::to_string).collect();
    if let Some(hint) = &o.hint {
        lines.push(format!("hint: {hint}"));
    }
    lines.join("\n")
}

/// XML 1.0 cannot carry most control characters, nor U+FFFE and U+FFFF,
/// at all (not even as character references); drop them, and DEL and the C1
/// controls with them.
fn clean(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|c| matches!(c, '\n' | '\t' | '\r') || !(c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}')))
}

/// Escaped for an attribute value (line breaks and tabs kept as
/// character references, which attribute normalisation would otherwise eat).
pub(super) fn attr(s: &str) -> String {
    escape(s, true)
}

/// Escaped for element text.
pub(super) fn text(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s) {
        match (c, attribute) {
            ('&', _) => out.push_str("&amp;"),
            ('<', _) => out.push_str("&lt;"),
            ('>', _) => out.push_str("&gt;"),
            ('"', true) => out.push_str("&quot;"),
            ('\n', true) => out.push_str("&#10;"),
            ('\r', true) => out.push_str("&#13;"),
            ('\t', true) => out.push_str("&#9;"),
            (c, _) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::report;
    use super::*;

    #[test]
    fn statuses_map_to_junit_elements_and_counts() {
        let r = report(&[Status::Pass, Status::Fail, Status::Error, Status::Skip, Status::Warn]);
        let xml = render(&r);
        assert!(xml.contains(r#"tests="5" failures="1" errors="1" skipped="1""#), "{xml}");
        assert_eq!(xml.matches("<testcase ").count(), 5);
        assert!(xml.contains("<failure message=\"rate-limit summary\" type=\"FAIL P2 (gate: fail)\">"), "{xml}");
        assert!(xml.contains("<skipped message=\"workspaces summary\"/>"), "{xml}");
        assert!(xml.contains("<system-out>WARN: platform summary</system-out>"), "{xml}");
        assert!(xml.contains("timestamp=\"2026-11-18T11:06:40\""), "{xml}");
    }

    #[test]
    fn markup_and_control_characters_are_escaped() {
        let mut r = report(&[Status::Fail]);
        r.outcomes[0].summary = "a<b>&\"c\"\u{1b}[0m\u{0}\u{fffe}\u{ffff}\u{7f}\u{85}".into();
        r.outcomes[0].details = vec!["</failure><x>\u{b}\u{c}".into()];
        let xml = render(&r);
        assert!(xml.contains("message=\"a&lt;b&gt;&amp;&quot;c&quot;[0m\""), "{xml}");
        assert!(xml.contains("&lt;/failure&gt;&lt;x&gt;<"), "{xml}");
        let legal =
            |c: char| matches!(c, '\t' | '\n' | '\r' | ' '..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..);
        assert!(xml.chars().all(legal), "{xml:?}");
    }
}
