//! A structural JUnit validator in Rust, so that `cargo test` needs nothing
//! but the toolchain. It enforces the same shape as `tests/fixtures/junit.xsd`
//! (what Jenkins, GitLab and GitHub test-report actions read); `.ci/run`
//! additionally validates real reports against that schema with xmllint.

use roxmltree::{Document, Node};

const SUITES_ATTRS: &[&str] = &["name", "tests", "failures", "errors", "skipped", "time"];
const SUITE_ATTRS: &[&str] = &["name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname"];
const CASE_ATTRS: &[&str] = &["name", "classname", "time"];
const COUNTS: &[&str] = &["tests", "failures", "errors", "skipped"];

/// Panics with the reason and the document when `xml` is not a JUnit report
/// of the schema's shape.
pub fn validate(xml: &str) {
    if let Err(why) = check(xml) {
        panic!("JUnit XML does not validate: {why}\n{xml}");
    }
}

/// The first way `xml` departs from the schema, if any.
pub fn check(xml: &str) -> Result<(), String> {
    let doc = Document::parse(xml).map_err(|e| format!("not well-formed: {e}"))?;
    let root = doc.root_element();
    expect_name(root, "testsuites")?;
    attributes(root, SUITES_ATTRS, &[])?;
    for suite in elements(root) {
        expect_name(suite, "testsuite")?;
        check_suite(suite)?;
    }
    Ok(())
}

fn check_suite(suite: Node) -> Result<(), String> {
    attributes(suite, SUITE_ATTRS, &["name", "tests"])?;
    if let Some(stamp) = suite.attribute("timestamp") {
        date_time(stamp)?;
    }
    // properties?, testcase*, system-out?, system-err?
    let children: Vec<Node> = elements(suite).collect();
    let mut rest = children.as_slice();
    if let Some((first, tail)) = rest.split_first()
        && first.has_tag_name("properties")
    {
        for property in elements(*first) {
            expect_name(property, "property")?;
            attributes(property, &["name", "value"], &["name", "value"])?;
            for required in ["name", "value"] {
                property.attribute(required).ok_or_else(|| format!("<property> without `{required}`"))?;
            }
        }
        rest = tail;
    }
    while let Some((case, tail)) = rest.split_first() {
        if !case.has_tag_name("testcase") {
            break;
        }
        check_case(*case)?;
        rest = tail;
    }
    trailing_output(rest, "<testsuite>")
}

fn check_case(case: Node) -> Result<(), String> {
    attributes(case, CASE_ATTRS, &["name"])?;
    let children: Vec<Node> = elements(case).collect();
    let mut rest = children.as_slice();
    if let Some((first, tail)) = rest.split_first() {
        match first.tag_name().name() {
            "failure" | "error" => attributes(*first, &["message", "type"], &[])?,
            "skipped" => attributes(*first, &["message"], &[])?,
            _ => return trailing_output(rest, "<testcase>"),
        }
        text_only(*first)?;
        rest = tail;
    }
    trailing_output(rest, "<testcase>")
}

/// `system-out?, system-err?` and nothing else.
fn trailing_output(rest: &[Node], parent: &str) -> Result<(), String> {
    let names: Vec<&str> = rest.iter().map(|n| n.tag_name().name()).collect();
    match names.as_slice() {
        [] | ["system-out"] | ["system-err"] | ["system-out", "system-err"] => {}
        other => return Err(format!("unexpected elements in {parent}: {other:?}")),
    }
    rest.iter().try_for_each(|node| text_only(*node))
}

fn text_only(node: Node) -> Result<(), String> {
    match elements(node).next() {
        Some(_) => Err(format!("<{}> holds elements; only text is allowed", node.tag_name().name())),
        None => Ok(()),
    }
}

fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

fn expect_name(node: Node, name: &str) -> Result<(), String> {
    if node.has_tag_name(name) && node.tag_name().namespace().is_none() {
        Ok(())
    } else {
        Err(format!("expected <{name}>, found <{}>", node.tag_name().name()))
    }
}

/// Only `allowed` attributes; `required` present; counts and times typed.
fn attributes(node: Node, allowed: &[&str], required: &[&str]) -> Result<(), String> {
    let tag = node.tag_name().name();
    for attr in node.attributes() {
        let name = attr.name();
        if !allowed.contains(&name) || attr.namespace().is_some() {
            return Err(format!("<{tag}> has an attribute the schema does not allow: {name}"));
        }
        if COUNTS.contains(&name) && (attr.value().is_empty() || !attr.value().bytes().all(|b| b.is_ascii_digit())) {
            return Err(format!("<{tag} {name}> is not a non-negative integer: {:?}", attr.value()));
        }
        if name == "time" && !is_seconds(attr.value()) {
            return Err(format!("<{tag} time> is not a non-negative decimal: {:?}", attr.value()));
        }
    }
    for name in required {
        if node.attribute(*name).is_none() {
            return Err(format!("<{tag}> lacks the required attribute `{name}`"));
        }
    }
    Ok(())
}

/// xs:decimal with minInclusive 0: digits, at most one point, no exponent.
fn is_seconds(value: &str) -> bool {
    let digits = value.strip_prefix('+').unwrap_or(value);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    !(int.is_empty() && frac.is_empty())
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// xs:dateTime: `YYYY-MM-DDThh:mm:ss(.s+)?(Z|±hh:mm)?`.
fn date_time(value: &str) -> Result<(), String> {
    let bad = || format!("timestamp is not an xs:dateTime: {value:?}");
    let b = value.as_bytes();
    if b.len() < 19 {
        return Err(bad());
    }
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let shape = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return Err(bad());
    }
    let mut rest = &value[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return Err(bad());
        }
        rest = &frac[n..];
    }
    let zone_ok = match rest.as_bytes() {
        [] | [b'Z'] => true,
        [sign, h1, h2, b':', m1, m2] => {
            matches!(sign, b'+' | b'-') && [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    };
    if zone_ok { Ok(()) } else { Err(bad()) }
}
