//! The README stays true: its first commands, its `--help` block, its
//! tables of checks, scenarios and formats, and every command in its
//! "Use in CI" and "Use as a probe" sections, run against the sandbox.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{run, run_in, scratch_dir};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

#[test]
fn the_readme_starts_with_the_sandbox_run_and_the_ci_test_command() {
    let readme = readme();
    let first_block = readme.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("a sh block");
    let commands: Vec<&str> = first_block.lines().collect();
    assert_eq!(commands, ["cargo run --release -- check --sandbox healthy", "cargo test --locked"]);
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).expect(".ci/run");
    assert!(ci.lines().any(|l| l.trim() == commands[1]), ".ci/run must run the README's test command");
}

#[test]
fn the_readme_shows_the_current_check_help() {
    let readme = readme();
    let documented = readme
        .split("<!-- help:check:start -->\n```text\n$ clickup-preflight check --help\n")
        .nth(1)
        .and_then(|rest| rest.split("```\n<!-- help:check:end -->").next())
        .expect("help block in README");
    let r = run(&["check", "--help"], &[]);
    assert_eq!(documented, r.stdout, "README's `check --help` is stale: paste the new output");
}

#[test]
fn the_readme_has_a_row_for_every_value_the_binary_accepts() {
    let readme = readme();
    let help = run(&["check", "--help"], &[]).stdout;
    // Every possible value clap lists: check ids, scenarios, formats, gates.
    let names: Vec<&str> =
        help.lines().filter_map(|l| l.trim().strip_prefix("- ").and_then(|rest| rest.split(':').next())).collect();
    assert!(names.len() >= 30, "expected check ids, scenarios, formats and gates in --help, got {names:?}");
    for name in names {
        assert!(readme.contains(&format!("| `{name}` |")), "README has no table row for `{name}`");
    }
}

/// The text of the README between two `## ` headings.
fn section(readme: &str, heading: &str) -> String {
    let start = readme.find(&format!("\n## {heading}\n")).unwrap_or_else(|| panic!("README has no `## {heading}`"));
    let rest = &readme[start + 4..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_owned()
}

/// Every `clickup-preflight check ...` command in a section, as argument
/// lists: shell lines are cut at redirections and operators; Icinga's
/// `command = [ "...", ... ]` arrays are read as lists.
fn commands(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(array) = line.trim().strip_prefix("command = [") {
            let args: Vec<String> =
                array.trim_end_matches(']').split(',').map(|a| a.trim().trim_matches('"').to_owned()).collect();
            if args.first().is_some_and(|a| a.ends_with("/clickup-preflight")) {
                out.push(args.into_iter().skip(1).collect());
            }
            continue;
        }
        let Some(at) = line.find("clickup-preflight check") else { continue };
        let command = &line[at..];
        let end = [" > ", " >> ", " | ", " && ", " || ", " 2>"]
            .iter()
            .filter_map(|op| command.find(op))
            .min()
            .unwrap_or(command.len());
        out.push(command[..end].split_whitespace().skip(1).map(str::to_owned).collect());
    }
    out
}

/// Absolute paths are moved under `root`, with their directories created;
/// a token file gets a token.
fn rehome(args: &[String], root: &Path) -> Vec<String> {
    let moved = |path: &str| -> PathBuf {
        let p = root.join(path.trim_start_matches('/'));
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create directories");
        }
        p
    };
    let mut out = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if let Some((format, path)) = arg.split_once('=').filter(|(_, p)| p.starts_with('/')) {
            out.push(format!("{format}={}", moved(path).display()));
        } else if arg.starts_with('/') {
            let path = moved(arg);
            if args.get(i.wrapping_sub(1)).is_some_and(|flag| flag == "--token-file") {
                std::fs::write(&path, format!("{}\n", common::TOKEN)).expect("write token file");
            }
            out.push(path.display().to_string());
        } else {
            out.push(arg.clone());
        }
    }
    out
}

#[test]
fn every_ci_and_probe_command_runs_against_the_sandbox() {
    let readme = readme();
    let mut ran = 0;
    for heading in ["Use in CI", "Use as a probe"] {
        for args in commands(&section(&readme, heading)) {
            let dir = scratch_dir(&format!("readme-{ran}"));
            let mut argv = rehome(&args, &dir);
            argv.extend(["--sandbox".to_owned(), "healthy".to_owned()]);
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let r = run_in(
                &dir,
                &argv,
                &[("GITHUB_STEP_SUMMARY", dir.join("summary.md").to_str().unwrap_or_default())],
                Duration::from_secs(30),
            );
            assert_eq!(r.code, 0, "README command {argv:?} failed:\n{}", r.all_output());
            for arg in &argv {
                if let Some((_, path)) = arg.split_once('=').filter(|(flag, _)| !flag.starts_with('-')) {
                    let file = dir.join(path);
                    assert!(file.is_file(), "{argv:?} did not write {path}");
                }
            }
            ran += 1;
        }
    }
    assert!(ran >= 5, "expected the GitHub, GitLab, cron, Nagios and Icinga commands, ran {ran}");
}

#[test]
fn the_readme_maps_every_checklist_item_as_the_code_does() {
    let readme = readme();
    for item in clickup_preflight::checklist::ITEMS {
        let row = format!("| `{}` | {} | {} | {} |", item.id, item.section, item.text, item.basis.describe());
        assert!(readme.contains(&row), "README lacks or misstates the row:\n{row}");
    }
}

/// The README's finding-code table, one row per check, exactly as the
/// checks declare them: codes are public API, so the list users read is the
/// list `allow` accepts.
fn code_rows() -> Vec<String> {
    use clickup_preflight::checks::{CheckId, codes};
    CheckId::ALL
        .iter()
        .map(|id| {
            let listed: Vec<String> = codes(*id).iter().map(|c| format!("`{c}`")).collect();
            format!("| `{}` | {} |", id.as_str(), listed.join(", "))
        })
        .collect()
}

#[test]
fn the_readme_lists_every_finding_code_of_every_check() {
    let checks = section(&readme(), "Checks");
    let documented: Vec<&str> = checks
        .split("<!-- codes:start -->\n")
        .nth(1)
        .and_then(|rest| rest.split("<!-- codes:end -->").next())
        .expect("a codes block in ## Checks")
        .lines()
        .filter(|l| l.starts_with("| `"))
        .collect();
    let expected = code_rows();
    assert_eq!(
        documented,
        expected,
        "the README's finding codes are stale; the rows should read:\n{}",
        expected.join("\n")
    );
}

/// The fenced blocks of `lang` in `text`, each as its lines.
fn blocks<'t>(text: &'t str, lang: &str) -> Vec<Vec<&'t str>> {
    let fence = format!("```{lang}\n");
    text.split(fence.as_str()).skip(1).filter_map(|b| b.split("```").next()).map(|b| b.lines().collect()).collect()
}

#[test]
fn the_init_and_config_examples_run_as_shown() {
    let configuration = section(&readme(), "Configuration");
    // The `init` block: its commands, run in order in one empty directory.
    let dir = scratch_dir("readme-init");
    let init_block = blocks(&configuration, "sh")
        .into_iter()
        .find(|b| b.iter().any(|l| l.starts_with("clickup-preflight init")))
        .expect("an init block in ## Configuration");
    for line in init_block {
        let command = line.split(" #").next().unwrap_or_default();
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let r = run_in(&dir, &args, &[], Duration::from_secs(30));
        assert_eq!(r.code, 0, "README command `{command}` failed:\n{}", r.all_output());
    }
    assert!(dir.join("checks.toml").is_file());

    // The `config` example: run with its variables (a test token for
    // `pk_...`); every line shown, other than `...`, is in the output.
    let example = blocks(&configuration, "text")
        .into_iter()
        .find(|b| b.first().is_some_and(|l| l.contains("clickup-preflight config")))
        .expect("a config example in ## Configuration");
    let words: Vec<&str> = example[0].trim_start_matches("$ ").split_whitespace().collect();
    let at = words.iter().position(|w| *w == "clickup-preflight").expect("the command");
    let env: Vec<(&str, &str)> = words[..at]
        .iter()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k, if v == "pk_..." { common::TOKEN } else { v }))
        .collect();
    let r = run_in(&scratch_dir("readme-config"), &words[at + 1..], &env, Duration::from_secs(30));
    assert_eq!(r.code, 0, "{}", r.all_output());
    for shown in example[1..].iter().filter(|l| **l != "...") {
        assert!(r.stdout.lines().any(|l| l == *shown), "README shows `{shown}`, the command prints:\n{}", r.stdout);
    }
}
