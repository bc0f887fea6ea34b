//! The starter `checks.toml` that `init` writes: the shipped `checks.toml`
//! (every key commented, the defaults stated), and, when the account was
//! read, its workspaces and one `[[webhooks.expect]]` per healthy webhook,
//! so that what works today is what the probe guards from now on.
//!
//! Values from the account are outside text: they are written with the
//! TOML serializer, never pasted into quotes, and they are the sanitized
//! text the `webhooks` check compares with (it sanitizes the listing the
//! same way), so an endpoint shown masked still matches. A webhook that is
//! not healthy now is written commented out with the reason: expecting a
//! broken state would make the probe guard it. The text is loaded back
//! with the real loader before it is handed out.

use std::path::Path;

use serde::Serialize;

use super::{ConfigError, EnvVars, LoadedFile, Overrides};
use crate::checks::webhooks as webhooks_check;
use crate::client::{Level, Webhook, is_workspace_id};
use crate::text::OutsideText;

/// The shipped `checks.toml`: the starter's comments and defaults.
const TEMPLATE: &str = include_str!("../../checks.toml");
/// The template's line that the account's workspaces replace.
const WORKSPACES_LINE: &str = "workspaces = []\n";
/// The first line of the template's commented `[webhooks]` paragraph; the
/// expectations go after that paragraph.
const WEBHOOKS_PARAGRAPH: &str = "# [webhooks]:";

/// What `init` read of the account: the workspaces and their webhooks.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// The workspaces the token reaches (ids as listed).
    pub workspaces: &'a [OutsideText],
    /// Every webhook listed in them, in listing order.
    pub webhooks: &'a [&'a Webhook],
}

/// Counts for the line `init` prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StarterCounts {
    /// Workspace ids written to `workspaces`.
    pub workspaces: usize,
    /// `[[webhooks.expect]]` entries written.
    pub expected: usize,
    /// Webhooks written commented out, not healthy now.
    pub commented: usize,
}

/// The starter file's text, and what it holds. Without `observed`, it is
/// the shipped `checks.toml` itself. Errs only if the text would not load,
/// which would be a bug here: nothing is written then.
pub fn starter_file(observed: Option<&Observed<'_>>) -> Result<(String, StarterCounts), ConfigError> {
    let mut counts = StarterCounts::default();
    let Some(observed) = observed else { return Ok((TEMPLATE.to_owned(), counts)) };
    let (ids, odd_ids): (Vec<&OutsideText>, Vec<&OutsideText>) =
        observed.workspaces.iter().partition(|id| is_workspace_id(id));
    counts.workspaces = ids.len();
    let mut workspaces = serialize(&Workspaces { workspaces: ids.iter().map(|id| id.as_str()).collect() })?;
    for odd in odd_ids {
        workspaces.push_str(&comment(&format!("left out: workspace id `{odd}` is not digits")));
    }
    let mut hooks = String::from(
        "\n# Filled by `clickup-preflight init` from the webhooks the token saw: each\n\
         # must stay registered with at least these events.\n",
    );
    let mut seen: Vec<&Webhook> = Vec::new();
    for hook in observed.webhooks {
        if seen.contains(hook) {
            continue;
        }
        seen.push(hook);
        let problems = problems(hook, observed.webhooks);
        let entry = serialize(&ExpectFile { webhooks: Expects { expect: vec![expectation(hook)] } })?;
        hooks.push('\n');
        hooks.push_str(&comment(&format!("webhook {}", hook.id)));
        if problems.is_empty() {
            counts.expected += 1;
            hooks.push_str(&note_on_shown_text(hook));
            hooks.push_str(&entry);
        } else {
            counts.commented += 1;
            hooks.push_str(&comment(&format!("not expected: {}", problems.join("; "))));
            hooks.push_str("# Fix it, then uncomment to guard it:\n");
            hooks.push_str(&comment(&entry));
        }
    }
    let text = fill(&workspaces, &hooks)?;
    loads(&text)?;
    Ok((text, counts))
}

/// Puts the workspaces and the expectations into the template.
fn fill(workspaces: &str, hooks: &str) -> Result<String, ConfigError> {
    let missing = |what: &str| ConfigError::Value {
        origin: "init".to_owned(),
        message: format!("the starter template lacks its {what}; this is a bug"),
    };
    let at = TEMPLATE.find(WEBHOOKS_PARAGRAPH).ok_or_else(|| missing("[webhooks] paragraph"))?;
    let end = TEMPLATE[at..].find("\n\n").map_or(TEMPLATE.len(), |n| at + n + 1);
    let (head, tail) = TEMPLATE.split_at(end);
    if !head.contains(WORKSPACES_LINE) {
        return Err(missing("`workspaces = []` line"));
    }
    Ok(format!("{}{hooks}{tail}", head.replacen(WORKSPACES_LINE, workspaces, 1)))
}

/// Why `hook` is not written as an expectation: what the `webhooks` check
/// finds wrong with it now, a workspace id the loader would refuse, or a
/// contradicting second listing of its id (identical repeats are written once).
fn problems(hook: &Webhook, all: &[&Webhook]) -> Vec<String> {
    let mut out: Vec<String> = webhooks_check::problems(hook).iter().map(ToString::to_string).collect();
    if !is_workspace_id(&hook.team_id) {
        out.push(format!("its workspace id `{}` is not digits", hook.team_id));
    }
    if all.iter().any(|other| other.id == hook.id && *other != hook) {
        out.push("its id is listed more than once, with different contents".to_owned());
    }
    out
}

/// A note above an entry whose endpoint is shown masked or clipped: it is
/// compared as shown, so it still matches, but it is not the whole URL.
fn note_on_shown_text(hook: &Webhook) -> String {
    let masked = hook.endpoint.contains(crate::redact::MASK);
    let clipped = hook.endpoint.ends_with('…');
    if masked || clipped {
        comment(
            "the endpoint is shown as the tool shows it (secret-looking parts masked, long text clipped); it is compared as shown",
        )
    } else {
        String::new()
    }
}

/// The expectation that `hook`, as listed now, meets exactly.
fn expectation(hook: &Webhook) -> Expect<'_> {
    let mut entry = Expect {
        endpoint: webhooks_check::normalise_endpoint(&hook.endpoint),
        events: hook.events.iter().map(OutsideText::as_str).collect(),
        workspace: Some(hook.team_id.as_str()).filter(|id| is_workspace_id(id)),
        ..Expect::default()
    };
    if let Some((level, id)) = hook.location.effective() {
        let slot = match level {
            Level::Space => &mut entry.space_id,
            Level::Folder => &mut entry.folder_id,
            Level::List => &mut entry.list_id,
            Level::Task => &mut entry.task_id,
        };
        *slot = Some(id);
    }
    entry
}

/// Every line of `text` as a TOML comment. Outside text here is sanitized
/// already (no line breaks or control characters); splitting on line breaks
/// keeps even a serialized multi-line value inside the comment.
fn comment(text: &str) -> String {
    text.lines().map(|line| format!("# {line}\n")).collect()
}

fn serialize(value: &impl Serialize) -> Result<String, ConfigError> {
    toml::to_string(value).map_err(|e| ConfigError::Value { origin: "init".to_owned(), message: e.to_string() })
}

/// Loads the text as `check` would, defaults and validation included.
fn loads(text: &str) -> Result<(), ConfigError> {
    let path = Path::new("checks.toml");
    let file =
        LoadedFile { path: Some(path.to_owned()), source: text.to_owned(), config: super::file::parse(text, path)? };
    super::resolve(&Overrides::default(), (&[], &[]), &EnvVars::default(), &file).map(|_| ())
}

#[derive(Serialize)]
struct Workspaces<'a> {
    workspaces: Vec<&'a str>,
}

#[derive(Serialize)]
struct ExpectFile<'a> {
    webhooks: Expects<'a>,
}

#[derive(Serialize)]
struct Expects<'a> {
    expect: Vec<Expect<'a>>,
}

/// One `[[webhooks.expect]]`, with the keys the loader reads.
#[derive(Serialize, Default)]
struct Expect<'a> {
    endpoint: String,
    events: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workspace: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    space_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    folder_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    list_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_id: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::checks::{CheckId, Status};
    use crate::client::{Health, LocationFilter};
    use crate::evidence::{Evidence, Probe, WebhookEvidence};

    fn hook(id: &str, endpoint: &str, status: &str) -> Webhook {
        Webhook {
            id: id.into(),
            team_id: "9012345".into(),
            endpoint: endpoint.into(),
            events: vec!["taskCreated".into(), "taskUpdated".into()],
            location: LocationFilter {
                space_id: Some("90110".into()),
                list_id: Some("901".into()),
                ..Default::default()
            },
            health: Some(Health { status: status.into(), fail_count: if status == "active" { 0 } else { 100 } }),
            subscription: Default::default(),
        }
    }

    fn starter(hooks: &[Webhook]) -> (String, StarterCounts) {
        let refs: Vec<&Webhook> = hooks.iter().collect();
        let workspaces: Vec<OutsideText> = vec!["9012345".into()];
        starter_file(Some(&Observed { workspaces: &workspaces, webhooks: &refs })).expect("a starter file")
    }

    /// The `webhooks` check over `hooks`, expecting what the starter file says.
    fn check_with(text: &str, hooks: Vec<Webhook>) -> crate::checks::Outcome {
        let path = Path::new("checks.toml");
        let file = LoadedFile {
            path: None,
            source: text.to_owned(),
            config: super::super::file::parse(text, path).expect("parses"),
        };
        let settings =
            super::super::resolve(&Overrides::default(), (&[], &[]), &EnvVars::default(), &file).expect("resolves");
        let probe = Probe { result: Ok(hooks), elapsed: Duration::ZERO, rate_limit: Default::default(), attempts: 1 };
        let evidence = Evidence {
            webhooks: Some(WebhookEvidence {
                workspaces: Ok(vec!["9012345".into()]),
                lists: vec![("9012345".into(), probe)],
                not_checked: vec![],
            }),
            ..Evidence::default()
        };
        crate::checks::evaluate(CheckId::Webhooks, &evidence, &settings.checks)
    }

    #[test]
    fn without_an_account_the_starter_is_the_shipped_file() {
        let (text, counts) = starter_file(None).expect("starter");
        assert_eq!(text, TEMPLATE);
        assert_eq!(counts, StarterCounts::default());
        assert!(text.starts_with(crate::config::SCHEMA_LINE));
        loads(&text).expect("the shipped file loads");
    }

    #[test]
    fn healthy_webhooks_become_expectations_that_pass_and_broken_ones_stay_comments() {
        let hooks = vec![hook("a", "https://h.example/x/", "active"), hook("b", "https://h.example/y", "suspended")];
        let (text, counts) = starter(&hooks);
        assert_eq!(counts, StarterCounts { workspaces: 1, expected: 1, commented: 1 });
        assert!(text.contains("workspaces = [\"9012345\"]\n"), "{text}");
        assert!(text.contains("\n[[webhooks.expect]]\nendpoint = \"https://h.example/x\"\n"), "{text}");
        assert!(text.contains("list_id = \"901\""), "the most specific location: {text}");
        assert!(!text.contains("space_id = \"90110\""), "only the effective location is compared: {text}");
        assert!(text.contains("# not expected: webhook b (https://h.example/y) is suspended"), "{text}");
        assert!(text.contains("# endpoint = \"https://h.example/y\""), "{text}");
        assert_eq!(check_with(&text, vec![hooks[0].clone()]).status, Status::Pass, "{text}");
        // The guard works: the expected webhook gone is a FAIL.
        let gone = check_with(&text, vec![hook("c", "https://h.example/z", "active")]);
        assert_eq!(gone.status, Status::Fail);
        assert!(gone.findings.iter().any(|f| f.code == crate::checks::webhooks::EXPECTED_MISSING));
    }

    #[test]
    fn hostile_text_is_written_as_toml_strings_and_still_matches() {
        let endpoint = "https://h.example/a\"b'c\\d\n]]\n[api]\nurl = \"http://evil.example\"\n#x\u{1b}[2J ]]";
        let long = format!("https://h.example/{}", "p".repeat(400));
        // As the client decodes a listing: one line, bounded as a URL.
        let as_listed = |raw: &str| crate::text::Sanitizer::shapes_only().line(raw, crate::text::URL);
        let mut hooks = vec![hook("a", endpoint, "active"), hook("b", &long, "active")];
        for h in &mut hooks {
            h.endpoint = as_listed(&h.endpoint);
        }
        let (text, counts) = starter(&hooks);
        assert_eq!(counts.expected, 2, "{text}");
        let parsed: toml::Table = toml::from_str(&text).expect("TOML");
        let expect = parsed["webhooks"]["expect"].as_array().expect("expectations");
        assert_eq!(expect.len(), 2, "no table was injected: {text}");
        assert!(parsed.get("api").and_then(|a| a.get("url")).is_none_or(|u| u.as_str() != Some("http://evil.example")));
        assert_eq!(expect[0]["endpoint"].as_str(), Some(hooks[0].endpoint.as_str()));
        assert!(text.contains("clipped"), "a clipped endpoint is noted: {text}");
        assert_eq!(check_with(&text, hooks).status, Status::Pass, "{text}");
    }

    #[test]
    fn ids_the_loader_would_refuse_are_left_out_with_a_note() {
        let mut odd = hook("a", "https://h.example/x", "active");
        odd.team_id = "../1".into();
        let refs = vec![&odd];
        let workspaces: Vec<OutsideText> = vec!["9012345".into(), "x/../2".into()];
        let (text, counts) =
            starter_file(Some(&Observed { workspaces: &workspaces, webhooks: &refs })).expect("starter");
        assert_eq!(counts, StarterCounts { workspaces: 1, expected: 0, commented: 1 });
        assert!(text.contains("# left out: workspace id `x/../2` is not digits"), "{text}");
        assert!(text.contains("its workspace id `../1` is not digits"), "{text}");
    }

    #[test]
    fn a_repeated_id_is_written_once_and_a_contradicting_one_not_at_all() {
        let a = hook("a", "https://h.example/x", "active");
        let (text, counts) = starter(&[a.clone(), a.clone()]);
        assert_eq!((counts.expected, counts.commented), (1, 0), "{text}");
        let other = hook("a", "https://h.example/other", "active");
        let (text, counts) = starter(&[a, other]);
        assert_eq!((counts.expected, counts.commented), (0, 2), "{text}");
        assert!(text.contains("listed more than once"), "{text}");
    }
}
