//! `completions`, `man` and `--version`: the scripts name every command and
//! every closed set of values; bash, loading the script, completes them; the
//! man page names every command and flag and renders without a warning;
//! `man --dir` never replaces a file; `--version` names the commit it was
//! built from.

use crate::common;

use std::path::Path;
use std::process::Command;

use clap::CommandFactory;
use clickup_preflight::cli::Cli;
use clickup_preflight::model::{CheckId, Format, Gate, Named};
use clickup_preflight::sandbox::ScenarioName;
use common::{run, run_in, scratch_dir};

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "elvish"];

/// The shells whose scripts complete values (check ids, formats...) as
/// well as commands and flags; clap_complete's PowerShell and Elvish
/// scripts complete only commands and flags.
const SHELLS_WITH_VALUES: [&str; 3] = ["bash", "zsh", "fish"];

/// Every command below the top, as its words (`["webhooks", "list"]`),
/// clap's `help` left out.
fn command_paths() -> Vec<Vec<String>> {
    fn walk(command: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_owned());
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), &[], &mut out);
    out
}

/// The top-level commands.
fn top_commands() -> Vec<String> {
    command_paths().into_iter().filter(|p| p.len() == 1).map(|mut p| p.remove(0)).collect()
}

/// Every flag of every command, long (`--only`) and short (`-v`).
fn flags() -> Vec<String> {
    fn walk(command: &clap::Command, out: &mut Vec<String>) {
        for arg in command.get_arguments() {
            out.extend(arg.get_long().map(|l| format!("--{l}")));
            out.extend(arg.get_short().map(|s| format!("-{s}")));
        }
        command.get_subcommands().for_each(|sub| walk(sub, out));
    }
    let mut out = Vec::new();
    let mut command = Cli::command();
    command.build();
    walk(&command, &mut out);
    out.sort();
    out.dedup();
    out
}

fn names<T: Named>() -> Vec<&'static str> {
    T::VARIANTS.iter().map(|v| v.name()).collect()
}

#[test]
fn every_shell_gets_a_script_naming_every_command_flag_and_value() {
    let commands = top_commands();
    assert!(
        commands.len() >= 7
            && ["check", "webhooks", "completions", "man"].iter().all(|c| commands.contains(&(*c).to_owned()))
    );
    let values: Vec<&str> = [names::<CheckId>(), names::<Format>(), names::<ScenarioName>(), names::<Gate>()].concat();
    for shell in SHELLS {
        let r = run(&["completions", shell], &[]);
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "completions {shell}");
        assert!(r.stdout.len() > 500, "completions {shell} printed only {} bytes", r.stdout.len());
        for word in commands.iter().map(String::as_str).chain(["list", "reactivate"]) {
            assert!(r.stdout.contains(word), "the {shell} script does not mention `{word}`");
        }
        // Fish spells `--only` as `-l only`; every script names the flag.
        for flag in flags().iter().filter_map(|f| f.strip_prefix("--")) {
            assert!(r.stdout.contains(flag), "the {shell} script does not offer --{flag}");
        }
        if SHELLS_WITH_VALUES.contains(&shell) {
            for value in &values {
                assert!(r.stdout.contains(value), "the {shell} script does not offer `{value}`");
            }
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error_listing_the_shells() {
    let r = run(&["completions", "tcsh"], &[]);
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.stdout.is_empty());
    assert!(SHELLS.iter().all(|s| r.stderr.contains(s)), "{}", r.stderr);
}

#[cfg(target_os = "linux")]
#[test]
fn a_script_that_cannot_be_written_is_an_error_not_exit_0() {
    for args in [["completions", "bash"].as_slice(), ["man"].as_slice()] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("open /dev/full");
        let out = common::command(&scratch_dir("dev-full")).args(args).stdout(full).output().expect("run the binary");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: cannot write to stdout: ") && stderr.lines().count() == 1, "{stderr}");
    }
}

/// What bash offers at the end of `line` (words split on spaces; a
/// trailing space starts an empty word), with the script loaded as a user
/// loads it and its registered function called as readline calls it.
fn bash_completes(script: &Path, line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split(' ').collect();
    let driver = r#"
        set -u
        source "$SCRIPT" || exit 90
        spec=$(complete -p clickup-preflight) || exit 91
        function=$(printf '%s\n' "$spec" | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
        [ -n "$function" ] || exit 92
        read -r -a COMP_WORDS <<< "$WORDS"
        [ "${LINE: -1}" = " " ] && COMP_WORDS+=("")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_LINE=$LINE
        COMP_POINT=${#LINE}
        previous=""
        [ "$COMP_CWORD" -gt 0 ] && previous=${COMP_WORDS[COMP_CWORD-1]}
        COMPREPLY=()
        "$function" clickup-preflight "${COMP_WORDS[COMP_CWORD]}" "$previous"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", driver])
        .env("SCRIPT", script)
        .env("WORDS", words.join(" "))
        .env("LINE", line)
        .output()
        .expect("run bash");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "bash on `{line}`: {:?}\n{stderr}", out.status);
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn sorted(mut words: Vec<String>) -> Vec<String> {
    words.sort();
    words
}

fn owned(words: &[&str]) -> Vec<String> {
    sorted(words.iter().map(|w| (*w).to_owned()).collect())
}

#[test]
fn bash_loads_the_script_and_completes_commands_flags_and_values() {
    let dir = scratch_dir("completions-bash");
    let r = run(&["completions", "bash"], &[]);
    assert_eq!(r.code, 0, "{}", r.all_output());
    let script = dir.join("clickup-preflight.bash");
    std::fs::write(&script, &r.stdout).expect("write the script");

    let top = bash_completes(&script, "clickup-preflight ");
    for command in top_commands() {
        assert!(top.contains(&command), "`clickup-preflight <TAB>` lacks {command}: {top:?}");
    }
    assert_eq!(bash_completes(&script, "clickup-preflight che"), owned(&["check", "checklist"]));
    assert_eq!(sorted(bash_completes(&script, "clickup-preflight check --only ")), owned(&names::<CheckId>()));
    assert_eq!(bash_completes(&script, "clickup-preflight check --skip rate"), ["rate-limit"]);
    assert_eq!(sorted(bash_completes(&script, "clickup-preflight check --format ")), owned(&names::<Format>()));
    assert_eq!(sorted(bash_completes(&script, "clickup-preflight check --fail-on ")), owned(&names::<Gate>()));
    assert_eq!(
        sorted(bash_completes(&script, "clickup-preflight -v check --sandbox ")),
        owned(&names::<ScenarioName>())
    );
    assert_eq!(sorted(bash_completes(&script, "clickup-preflight webhooks list --format ")), owned(&["json", "table"]));
    // At a positional argument bash offers the flags too.
    let shells: Vec<String> =
        bash_completes(&script, "clickup-preflight completions ").into_iter().filter(|w| !w.starts_with('-')).collect();
    assert_eq!(sorted(shells), owned(&SHELLS));
    let check_flags = bash_completes(&script, "clickup-preflight check --");
    for flag in ["--only", "--skip", "--format", "--fail-on", "--sandbox", "--output", "--verbose"] {
        assert!(check_flags.iter().any(|f| f == flag), "`check --<TAB>` lacks {flag}: {check_flags:?}");
    }
    let reactivate = bash_completes(&script, "clickup-preflight webhooks reactivate --");
    assert!(reactivate.iter().any(|f| f == "--yes") && !reactivate.iter().any(|f| f == "--only"), "{reactivate:?}");
}

/// The page's requests after roff's apostrophe preamble (`.ie`/`.el`).
fn after_preamble(page: &str) -> &str {
    let mut rest = page;
    while rest.starts_with(".ie ") || rest.starts_with(".el ") {
        rest = rest.split_once('\n').map_or("", |(_, r)| r);
    }
    rest
}

/// How a flag is spelled in roff (`-` escaped as `\-`).
fn roff(flag: &str) -> String {
    flag.replace('-', r"\-")
}

#[test]
fn the_man_page_names_every_command_and_flag() {
    let r = run(&["man"], &[]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    let page = after_preamble(&r.stdout);
    // `.TH` takes positional arguments: an empty date would shift the source into its place.
    let date = git_here(&["log", "-1", "--format=%cs"]).unwrap_or_else(|| r"\&".to_owned());
    let title = format!(".TH clickup-preflight 1 {date} \"clickup-preflight {}\"", env!("CARGO_PKG_VERSION"));
    assert_eq!(page.lines().next().map(str::trim_end), Some(title.as_str()));
    for path in command_paths() {
        let words = path.join(" ");
        let has_page_section = page.contains(&format!(".SS {words}\n")) || page.contains(&format!(".SS \"{words}\"\n"));
        let is_group = command_paths().iter().any(|p| p.len() > path.len() && p.starts_with(&path));
        assert!(has_page_section || is_group, "no COMMANDS entry for `{words}`");
        assert!(page.contains(&roff(&format!("clickup-preflight {words}"))), "the page never names `{words}`");
    }
    let flags = flags();
    assert!(flags.len() > 30, "{flags:?}");
    for flag in flags {
        assert!(page.contains(&format!(r"\fB{}\fR", roff(&flag))), "the page does not name {flag}");
    }
}

/// Every page `man --dir` wrote into `dir`, by file name.
fn pages_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the man directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn man_dir_writes_a_page_per_command_and_never_overwrites() {
    let dir = scratch_dir("man-dir");
    let out = dir.join("share/man/man1");
    let r = run_in(&dir, &["man", "--dir", "share/man/man1"], &[], std::time::Duration::from_secs(30));
    assert_eq!(r.code, 0, "{}", r.all_output());
    let mut expected: Vec<String> =
        command_paths().iter().map(|p| format!("clickup-preflight-{}.1", p.join("-"))).collect();
    expected.push("clickup-preflight.1".to_owned());
    expected.sort();
    assert_eq!(pages_in(&out), expected);
    for name in &expected {
        let page = std::fs::read_to_string(out.join(name)).expect("read page");
        let title = name.trim_end_matches(".1");
        assert!(after_preamble(&page).starts_with(&format!(".TH {title} 1 ")), "{name}");
        assert!(r.stdout.contains(&out.join(name).display().to_string()) || r.stdout.contains(name), "{}", r.stdout);
    }
    let whole = std::fs::read_to_string(out.join("clickup-preflight.1")).expect("read");
    assert_eq!(whole, run(&["man"], &[]).stdout, "the directory's main page is the one `man` prints");

    // Again: the first page is there, so nothing is written, nothing replaced.
    std::fs::write(out.join("clickup-preflight-check.1"), "mine\n").expect("write");
    let again = run_in(&dir, &["man", "--dir", "share/man/man1"], &[], std::time::Duration::from_secs(30));
    assert_eq!(again.code, 2, "{}", again.all_output());
    assert_eq!(again.stderr.lines().count(), 1, "{}", again.stderr);
    assert!(
        again.stderr.contains("clickup-preflight.1") && again.stderr.contains("not overwritten"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read_to_string(out.join("clickup-preflight-check.1")).expect("read"), "mine\n");

    // A fresh directory with one page of someone else's: refused before anything is written.
    let other = dir.join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    std::fs::write(other.join("clickup-preflight-man.1"), "theirs\n").expect("write");
    let refused = run_in(&dir, &["man", "--dir", "other"], &[], std::time::Duration::from_secs(30));
    assert_eq!(refused.code, 2, "{}", refused.all_output());
    assert!(refused.stderr.contains("clickup-preflight-man.1"), "{}", refused.stderr);
    assert_eq!(pages_in(&other), ["clickup-preflight-man.1"]);
    assert_eq!(std::fs::read_to_string(other.join("clickup-preflight-man.1")).expect("read"), "theirs\n");
}

#[cfg(unix)]
#[test]
fn man_dir_does_not_follow_a_dangling_symlink_nor_write_into_a_file() {
    let dir = scratch_dir("man-dir-hostile");
    let pages = dir.join("pages");
    std::fs::create_dir_all(&pages).expect("mkdir");
    std::os::unix::fs::symlink(dir.join("victim"), pages.join("clickup-preflight-check.1")).expect("symlink");
    let r = run_in(&dir, &["man", "--dir", "pages"], &[], std::time::Duration::from_secs(30));
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.stderr.starts_with("error: man: ") && r.stderr.lines().count() == 1, "{}", r.stderr);
    assert!(!dir.join("victim").exists(), "the symlink's target was created");

    std::fs::write(dir.join("plain"), "a file\n").expect("write");
    let r = run_in(&dir, &["man", "--dir", "plain"], &[], std::time::Duration::from_secs(30));
    assert_eq!(r.code, 2, "{}", r.all_output());
    assert!(r.stderr.starts_with("error: man: ") && r.stderr.lines().count() == 1, "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(dir.join("plain")).expect("read"), "a file\n");
}

/// `git` in the crate's directory, when that directory is the top of a git
/// checkout (as build.rs decides); `None` otherwise.
fn git_here(args: &[&str]) -> Option<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let git = |args: &[&str]| {
        let out = Command::new("git").arg("-C").arg(root).args(args).output().ok()?;
        let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
        (out.status.success() && !text.is_empty()).then_some(text)
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    (Path::new(&top).canonicalize().ok()? == root.canonicalize().ok()?).then(|| git(args)).flatten()
}

#[test]
fn version_names_the_commit_when_built_from_a_git_checkout() {
    let package = env!("CARGO_PKG_VERSION");
    let expected = match (git_here(&["rev-parse", "--short=7", "HEAD"]), git_here(&["log", "-1", "--format=%cs"])) {
        (Some(hash), Some(date)) => {
            assert!(hash.len() >= 7 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
            assert!(date.len() == 10 && date.as_bytes()[4] == b'-', "{date}");
            format!("clickup-preflight {package} ({hash} {date})\n")
        }
        _ => format!("clickup-preflight {package}\n"),
    };
    for flag in ["--version", "-V"] {
        let r = run(&[flag], &[]);
        assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, expected.as_str(), ""), "{flag}");
    }
}

/// Runs `program args` on `file`, returning (stdout, stderr), or fails
/// saying what to install.
fn render(program: &str, args: &[&str], file: &Path) -> (String, String) {
    let out = Command::new(program)
        .args(args)
        .arg(file)
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MAN_DISABLE_SECCOMP", "1")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): install man-db (it brings groff-base)"));
    assert!(out.status.success(), "{program} {args:?} {}: {:?}", file.display(), out.status);
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
#[ignore = "needs man (man-db) and groff: run by .ci/run"]
fn every_man_page_renders_with_man_and_groff_without_a_warning() {
    let dir = scratch_dir("man-render");
    let r = run_in(&dir, &["man", "--dir", "man1"], &[], std::time::Duration::from_secs(30));
    assert_eq!(r.code, 0, "{}", r.all_output());
    let pages = pages_in(&dir.join("man1"));
    assert!(pages.len() > 5, "{pages:?}");
    for name in pages {
        let file = dir.join("man1").join(&name);
        let (text, warnings) = render("man", &["-l"], &file);
        assert_eq!(warnings, "", "man -l {name} warned");
        assert!(text.contains("NAME\n") && text.contains("SYNOPSIS\n"), "{name} rendered as:\n{text}");
        let (_, warnings) = render("groff", &["-man", "-Tutf8", "-ww", "-z"], &file);
        assert_eq!(warnings, "", "groff -ww {name} warned");
    }
    let (whole, _) = render("man", &["-l"], &dir.join("man1/clickup-preflight.1"));
    for heading in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "VERSION"] {
        assert!(whole.lines().any(|l| l == heading), "no {heading} in:\n{whole}");
    }
    assert!(whole.contains("webhooks reactivate") && whole.contains("--fail-on"), "{whole}");
}

/// The `sh` block of the README's "Shell completions and man page".
fn readme_install_lines() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let section = readme.split("\n### Shell completions and man page\n").nth(1).expect("the README's section");
    let section = section.split("\n##").next().unwrap_or_default();
    section.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("an sh block").to_owned()
}

#[test]
fn the_readme_install_lines_put_completions_and_pages_where_shells_look() {
    let home = scratch_dir("readme-completions");
    let bin = Path::new(env!("CARGO_BIN_EXE_clickup-preflight")).parent().expect("the binary's directory");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let lines = readme_install_lines();
    assert!(lines.lines().count() >= 5, "{lines}");
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-euo", "pipefail", "-c", &lines])
        .env("HOME", &home)
        .env("PATH", path)
        .current_dir(&home)
        .output()
        .expect("run bash");
    assert!(out.status.success(), "README lines failed: {}", String::from_utf8_lossy(&out.stderr));
    for (file, shell) in [
        (".local/share/bash-completion/completions/clickup-preflight", "bash"),
        (".zfunc/_clickup-preflight", "zsh"),
        (".config/fish/completions/clickup-preflight.fish", "fish"),
    ] {
        let written = std::fs::read_to_string(home.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(written, run(&["completions", shell], &[]).stdout, "{file}");
    }
    let pages = pages_in(&home.join(".local/share/man/man1"));
    assert!(
        pages.contains(&"clickup-preflight.1".to_owned()) && pages.contains(&"clickup-preflight-check.1".to_owned())
    );
}
