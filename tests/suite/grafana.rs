//! The Grafana dashboard (`deploy/grafana/clickup-preflight.json`) against
//! what Grafana needs to import it and what the probe really writes: JSON
//! with a title, a `schemaVersion`, panels laid out on the 24-column grid
//! each with its queries, the data source as a variable (never a hard-coded
//! uid), and every series, label and label value its queries and legends
//! name written by real `check --format prometheus` runs against the
//! sandbox; every series those runs write is shown by some panel. Grafana
//! itself does not run here: the queries are read by the small PromQL
//! reader below, which refuses what it does not understand.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::prometheus::{SCRAPE_LABELS, Series, probe_output};
use serde_json::{Value, json};

const DASHBOARD: &str = include_str!("../../deploy/grafana/clickup-preflight.json");

/// The probe runs whose series the dashboard may name: a healthy one writes
/// every family but findings, a failing webhook adds those.
const PROBE_RUNS: [&[&str]; 2] = [&["--sandbox", "healthy"], &["--sandbox", "webhook-failing"]];

/// The panel types the dashboard uses, all built into Grafana.
const PANEL_TYPES: [&str; 6] = ["stat", "gauge", "bargauge", "state-timeline", "timeseries", "table"];

/// Grafana 9 and later: panels reference a data source as `{type, uid}`,
/// which the dashboard's variable fills in.
const MIN_SCHEMA_VERSION: u64 = 36;

fn dashboard() -> Value {
    serde_json::from_str(DASHBOARD).unwrap_or_else(|e| panic!("deploy/grafana/clickup-preflight.json: {e}"))
}

fn panels(doc: &Value) -> &[Value] {
    doc["panels"].as_array().map_or(&[], Vec::as_slice)
}

/// `{x, y, w, h}` of a panel on the 24-column grid.
fn grid(panel: &Value, title: &str) -> [u64; 4] {
    ["x", "y", "w", "h"].map(|k| panel["gridPos"][k].as_u64().unwrap_or_else(|| panic!("{title}: gridPos.{k}")))
}

/// The name of the dashboard's data source variable (type `datasource`,
/// Prometheus).
fn datasource_variable(doc: &Value) -> String {
    let variables = doc["templating"]["list"].as_array().expect("templating.list");
    let found = variables.iter().find(|v| v["type"] == "datasource" && v["query"] == "prometheus");
    let name = found.and_then(|v| v["name"].as_str()).expect("a Prometheus data source variable");
    name.to_owned()
}

/// Every `datasource` value anywhere in `value`, with where it is.
fn datasources<'a>(value: &'a Value, at: &str, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let here = format!("{at}/{key}");
                if key == "datasource" {
                    out.push((here.clone(), inner));
                }
                datasources(inner, &here, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                datasources(item, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_dashboard_has_what_grafana_needs_to_import_it() {
    let doc = dashboard();
    assert!(doc["title"].as_str().is_some_and(|t| !t.is_empty()), "a title");
    let version = doc["schemaVersion"].as_u64().expect("schemaVersion as a number");
    assert!(version >= MIN_SCHEMA_VERSION, "schemaVersion {version}");
    assert!(panels(&doc).len() >= 7, "the panels the issue names");

    let variable = datasource_variable(&doc);
    let reference = json!({"type": "prometheus", "uid": format!("${{{variable}}}")});
    let mut found = Vec::new();
    datasources(&doc, "", &mut found);
    for (at, value) in &found {
        assert_eq!(*value, &reference, "{at}: the data source is the variable, not a hard-coded uid");
    }

    let mut ids = BTreeSet::new();
    let mut cells = BTreeSet::new();
    for panel in panels(&doc) {
        let title = panel["title"].as_str().filter(|t| !t.is_empty()).expect("every panel has a title");
        assert!(ids.insert(panel["id"].as_u64().expect("a numeric id")), "{title}: id repeated");
        assert!(PANEL_TYPES.contains(&panel["type"].as_str().unwrap_or_default()), "{title}: type {}", panel["type"]);
        assert_eq!(panel["datasource"], reference, "{title}");
        let [x, y, w, h] = grid(panel, title);
        assert!(w >= 1 && h >= 1 && x + w <= 24, "{title}: {x},{y} {w}x{h} is off the 24-column grid");
        for cell in (x..x + w).flat_map(|cx| (y..y + h).map(move |cy| (cx, cy))) {
            assert!(cells.insert(cell), "{title} overlaps another panel at {cell:?}");
        }
        let targets = panel["targets"].as_array().filter(|t| !t.is_empty());
        let targets = targets.unwrap_or_else(|| panic!("{title}: no targets"));
        let mut refs = BTreeSet::new();
        for target in targets {
            assert!(target["expr"].as_str().is_some_and(|e| !e.trim().is_empty()), "{title}: a query");
            assert!(refs.insert(target["refId"].as_str().expect("refId")), "{title}: refId repeated");
            assert_eq!(target["datasource"], reference, "{title}");
        }
    }
}

/// One selector: the metric name and its matchers `(label, operator, value)`.
type Selector = (String, Vec<(String, String, String)>);

/// What one PromQL expression names.
#[derive(Debug, Default, PartialEq)]
struct Names {
    selectors: Vec<Selector>,
    /// Labels of `by (...)` and the other grouping clauses.
    grouping: Vec<String>,
}

/// Words followed by a list of label names.
const GROUPING: [&str; 6] = ["by", "without", "on", "ignoring", "group_left", "group_right"];
/// Words that are never a metric: the binary keywords, and the aggregations
/// (which `by (...)` may follow instead of their parenthesis).
const KEYWORDS: [&str; 17] = [
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
];

/// A reader of the PromQL the dashboard uses: selectors with matchers,
/// functions and aggregations, grouping clauses, ranges, numbers,
/// operators. A string outside a selector, or a selector without a metric
/// name, panics: teach it before using them.
struct PromQl {
    chars: Vec<char>,
    at: usize,
}

impl PromQl {
    fn names(expr: &str) -> Names {
        let mut reader = PromQl { chars: expr.chars().collect(), at: 0 };
        let mut names = Names::default();
        while let Some(c) = reader.peek() {
            if c == '[' {
                reader.skip_past(']');
            } else if c.is_ascii_digit() || c == '.' {
                reader.word();
            } else if c.is_ascii_alphabetic() || c == '_' {
                let word = reader.word();
                let next = reader.peek();
                if GROUPING.contains(&word.as_str()) {
                    // `group_left` may stand without its list.
                    if next == Some('(') {
                        names.grouping.extend(reader.label_list());
                    }
                } else if next != Some('(') && !KEYWORDS.contains(&word.as_str()) {
                    let matchers = if next == Some('{') { reader.matchers() } else { Vec::new() };
                    names.selectors.push((word, matchers));
                }
            } else {
                assert!(!matches!(c, '"' | '\'' | '`' | '{'), "{expr}: the reader does not know `{c}` here");
                reader.at += 1;
            }
        }
        names
    }

    /// The next character that is not a space, without taking it.
    fn peek(&mut self) -> Option<char> {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
        self.chars.get(self.at).copied()
    }

    fn take(&mut self) -> Option<char> {
        let c = self.peek();
        self.at += 1;
        c
    }

    /// A name, a number or a duration.
    fn word(&mut self) -> String {
        self.peek();
        let start = self.at;
        while self.chars.get(self.at).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.')) {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn skip_past(&mut self, end: char) {
        while self.take().is_some_and(|c| c != end) {}
    }

    /// `(a, b)` after a grouping word.
    fn label_list(&mut self) -> Vec<String> {
        self.take();
        let mut labels = Vec::new();
        while let Some(c) = self.peek() {
            if c == ')' {
                self.at += 1;
                break;
            }
            if c == ',' {
                self.at += 1;
            } else {
                labels.push(self.word());
            }
        }
        labels
    }

    /// `{label="value", label=~"value"}`.
    fn matchers(&mut self) -> Vec<(String, String, String)> {
        self.take();
        let mut matchers = Vec::new();
        loop {
            match self.peek() {
                Some('}') | None => break,
                Some(',') => self.at += 1,
                Some(_) => {
                    let label = self.word();
                    let mut op = String::new();
                    while let Some(c) = self.peek().filter(|c| matches!(c, '=' | '!' | '~')) {
                        op.push(c);
                        self.at += 1;
                    }
                    matchers.push((label, op, self.quoted()));
                }
            }
        }
        self.at += 1;
        matchers
    }

    fn quoted(&mut self) -> String {
        let quote = self.take().filter(|q| *q == '"').expect("a double-quoted label value");
        let mut text = String::new();
        while let Some(c) = self.chars.get(self.at).copied() {
            self.at += 1;
            match c {
                '\\' => {
                    text.extend(self.chars.get(self.at));
                    self.at += 1;
                }
                c if c == quote => break,
                c => text.push(c),
            }
        }
        text
    }
}

/// What the probe runs wrote: metric name -> the label sets of its series.
type Written = BTreeMap<String, Vec<BTreeMap<String, String>>>;

fn written_by(series: impl IntoIterator<Item = Series>) -> Written {
    let mut written = Written::new();
    for (name, labels) in series {
        written.entry(name).or_default().push(labels);
    }
    written
}

/// Everything `expr` and its `legend` name that the probe did not write:
/// metrics, labels, equality-matched values, grouping labels, legend
/// labels. Labels the scrape adds (`instance`, `job`) are always there.
fn unwritten(expr: &str, legend: &str, written: &Written) -> Vec<String> {
    let names = PromQl::names(expr);
    let mut problems = Vec::new();
    let mut labels: BTreeSet<&str> = SCRAPE_LABELS.into_iter().collect();
    for (metric, matchers) in &names.selectors {
        let Some(series) = written.get(metric) else {
            problems.push(format!("{metric} is not a series the probe writes"));
            continue;
        };
        labels.extend(series.iter().flat_map(|s| s.keys().map(String::as_str)));
        for (label, op, value) in matchers {
            if SCRAPE_LABELS.contains(&label.as_str()) {
                continue;
            }
            if !series.iter().any(|s| s.contains_key(label)) {
                problems.push(format!("{metric} has no label {label}"));
            } else if op == "=" && !value.contains('$') && !series.iter().any(|s| s.get(label) == Some(value)) {
                problems.push(format!("{metric} has no series with {label}=\"{value}\""));
            }
        }
    }
    for label in &names.grouping {
        if !labels.contains(label.as_str()) {
            problems.push(format!("grouping by {label}, which no series here has"));
        }
    }
    // After `by (...)`, only its labels are left for the legend.
    let kept: BTreeSet<&str> = match names.grouping.is_empty() {
        true => labels,
        false => names.grouping.iter().map(String::as_str).collect(),
    };
    for part in legend.split("{{").skip(1) {
        let label = part.split("}}").next().unwrap_or_default().trim();
        if !kept.contains(label) {
            problems.push(format!("the legend shows {{{{{label}}}}}, which the result has not"));
        }
    }
    problems
}

/// Every query of the dashboard with its legend, named by where it is.
fn queries(doc: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for panel in panels(doc) {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let text = |key: &str| target[key].as_str().unwrap_or_default().to_owned();
            out.push((
                format!("panel `{}`", panel["title"].as_str().unwrap_or("?")),
                text("expr"),
                text("legendFormat"),
            ));
        }
    }
    for variable in doc["templating"]["list"].as_array().into_iter().flatten().filter(|v| v["type"] == "query") {
        let query = variable["query"].as_str().expect("a variable's query as text");
        let inside = query.strip_prefix("label_values(").and_then(|q| q.strip_suffix(')'));
        let (selector, label) = inside.and_then(|q| q.rsplit_once(',')).expect("label_values(SELECTOR, LABEL)");
        let at = format!("variable ${}", variable["name"].as_str().unwrap_or("?"));
        out.push((at, selector.to_owned(), format!("{{{{{}}}}}", label.trim())));
    }
    out
}

#[test]
fn every_query_names_series_the_probe_writes_and_every_series_is_shown() {
    let doc = dashboard();
    let runs: Vec<BTreeMap<Series, f64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = PROBE_RUNS.iter().map(|args| scope.spawn(|| probe_output(args))).collect();
        handles.into_iter().map(|h| h.join().expect("a probe run")).collect()
    });
    let written = written_by(runs.into_iter().flat_map(BTreeMap::into_keys));
    let mut shown = BTreeSet::new();
    let queries = queries(&doc);
    assert!(queries.len() >= 10, "{} queries", queries.len());
    for (at, expr, legend) in &queries {
        let problems = unwritten(expr, legend, &written);
        assert!(problems.is_empty(), "{at}: {expr}\n{}", problems.join("\n"));
        shown.extend(PromQl::names(expr).selectors.into_iter().map(|(metric, _)| metric));
    }
    for metric in written.keys() {
        assert!(shown.contains(metric), "the probe writes {metric}, which no panel shows");
    }
}

#[test]
fn the_query_reader_finds_what_is_not_written() {
    let labels = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let written = written_by([
        ("m_seconds".to_owned(), labels(&[("quantile", "0.95"), ("endpoint", "/user")])),
        ("m_findings".to_owned(), labels(&[("check", "auth"), ("code", "token-refused")])),
    ]);
    let names = PromQl::names(
        "sum by (check, code) (max_over_time(m_findings{code=\"a\\\"b\", instance=~\"$instance\"}[$__rate_interval])) \
         / on (check) group_left m_seconds > bool 0.5e1",
    );
    assert_eq!(
        names,
        Names {
            selectors: vec![
                (
                    "m_findings".into(),
                    vec![
                        ("code".into(), "=".into(), "a\"b".into()),
                        ("instance".into(), "=~".into(), "$instance".into())
                    ]
                ),
                ("m_seconds".into(), vec![])
            ],
            grouping: vec!["check".into(), "code".into(), "check".into()],
        }
    );
    let fine =
        unwritten("max by (instance) (m_seconds{quantile=\"0.95\", instance=~\"$i\"})", "{{instance}}", &written);
    assert_eq!(fine, Vec::<String>::new());
    for (expr, legend, expected) in [
        ("m_second", "", "m_second is not a series"),
        ("m_seconds{quantile=\"0.99\"}", "", "no series with quantile=\"0.99\""),
        ("m_seconds{webhook=~\".+\"}", "", "no label webhook"),
        ("sum by (checks) (m_findings)", "", "grouping by checks"),
        ("sum by (check) (m_findings)", "{{code}}", "legend shows {{code}}"),
        ("m_seconds", "{{ endpoints }}", "legend shows {{endpoints}}"),
    ] {
        let problems = unwritten(expr, legend, &written);
        assert!(problems.iter().any(|p| p.contains(expected)), "{expr} {legend}: {problems:?}");
    }
}
