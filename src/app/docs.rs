//! `completions` and `man`: the shell completion scripts and the man pages,
//! generated from the same clap definition that parses the command line,
//! so that they can never offer a flag or a value the binary refuses.
//!
//! The man page printed on stdout is one page for the whole tool: clap's
//! page for the top command, then a COMMANDS section with every command's
//! synopsis, description and flags (a user who installs one file gets
//! everything). `man --dir` also writes one page per command, as
//! `git`-style tools do, and never replaces a file that is already there.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::Roff;

use super::{StartError, write_stdout};
use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::redact::Redactor;
use crate::report::Exit;

/// Prints the completion script for the shell asked for.
pub(super) fn completions(args: &CompletionsArgs) -> Result<Exit, StartError> {
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name.clone(), &mut script);
    if args.shell == clap_complete::Shell::Bash {
        script = bash_states_spelled_alike(&String::from_utf8_lossy(&script), &name).into_bytes();
    }
    print(&script)?;
    Ok(Exit::Ok)
}

/// clap_complete's bash script (4.6.11) names the command being completed
/// two ways when the program's name has a hyphen: the loop that reads the
/// words sets `clickup__preflight__subcmd__check`, the arms that complete
/// it are labelled `clickup__subcmd__preflight__subcmd__check`, so nothing
/// after the first word ever completes (clap-rs/clap#6421). The arms are
/// respelled the loop's way; once fixed upstream this changes nothing.
/// tests/suite/completions.rs drives the script in bash either way.
fn bash_states_spelled_alike(script: &str, name: &str) -> String {
    let arms = format!("{}__subcmd__", name.replace('-', "__subcmd__"));
    let states = format!("{}__subcmd__", name.replace('-', "__"));
    script.replace(&arms, &states)
}

/// Prints the man page, or writes the pages into `--dir`.
pub(super) fn man(args: &ManArgs, redactor: &Redactor) -> Result<Exit, StartError> {
    let pages = pages().map_err(|e| fail(format!("cannot render the man page: {e}")))?;
    match &args.dir {
        None => print(&pages[0].1)?,
        Some(dir) => {
            for path in write_new(dir, &pages)? {
                write_stdout(redactor, &format!("wrote {}\n", path.display()));
            }
        }
    }
    Ok(Exit::Ok)
}

fn fail(reason: String) -> StartError {
    StartError::Unsupported(format!("man: {reason}"))
}

/// Writes generated text to stdout. A closed pipe (`| head`) is fine; any
/// other failure (a full disk behind `>`) is an error, not exit 0 with half
/// a script.
fn print(bytes: &[u8]) -> Result<(), StartError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(StartError::Unsupported(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// The command tree as the pages describe it: built (globals propagated,
/// names of nested commands set), without clap's `help` subcommand.
fn built_command() -> clap::Command {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    command
}

/// Every page as (file name, roff): the whole tool's page first, then one
/// per command, nested ones included, in the order of `--help`.
fn pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let command = built_command();
    let mut pages = vec![(format!("{}.1", command.get_name()), whole_page(&command)?)];
    command_pages(&command, &mut pages)?;
    Ok(pages)
}

fn command_pages(command: &clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    for sub in visible_subcommands(command) {
        let man = man_of(sub.clone());
        let mut roff = Vec::new();
        man.render(&mut roff)?;
        pages.push((man.get_filename(), roff));
        command_pages(sub, pages)?;
    }
    Ok(())
}

/// clap_mangen's page of `command`, dated. Its defaults leave the date
/// empty, which shifts the title line's fields (`.TH` takes positional
/// arguments); without a commit date the date is roff's zero-width `\&`.
fn man_of(command: clap::Command) -> Man {
    let date = match env!("CLICKUP_PREFLIGHT_DATE") {
        "" => r"\&",
        date => date,
    };
    Man::new(command).date(date).source(concat!("clickup-preflight ", env!("CARGO_PKG_VERSION")))
}

fn visible_subcommands(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command.get_subcommands().filter(|s| !s.is_hide_set())
}

/// The top command's page with a COMMANDS section in place of clap's list
/// of subcommands: each leaf command's synopsis, description and own flags
/// (the global ones are under OPTIONS already).
fn whole_page(command: &clap::Command) -> std::io::Result<Vec<u8>> {
    let man = man_of(command.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    page.extend(section(|w| man.render_name_section(w))?.as_bytes());
    page.extend(section(|w| man.render_synopsis_section(w))?.as_bytes());
    page.extend(section(|w| man.render_description_section(w))?.as_bytes());
    page.extend(section(|w| man.render_options_section(w))?.as_bytes());
    page.extend(heading("COMMANDS").as_bytes());
    for (path, leaf) in leaves(command, "") {
        let leaf = man_of(own_flags_only(leaf));
        page.extend(subheading(&path).as_bytes());
        page.extend(body(&section(|w| leaf.render_synopsis_section(w))?).as_bytes());
        page.extend(paragraph().as_bytes());
        page.extend(body(&section(|w| leaf.render_description_section(w))?).as_bytes());
        page.extend(body(&section(|w| leaf.render_options_section(w))?).as_bytes());
    }
    page.extend(section(|w| man.render_version_section(w))?.as_bytes());
    Ok(page)
}

/// The commands that do something (not groups such as `webhooks`), with
/// their path below the top (`webhooks list`), in the order of `--help`.
fn leaves(command: &clap::Command, prefix: &str) -> Vec<(String, clap::Command)> {
    let mut found = Vec::new();
    for sub in visible_subcommands(command) {
        let path = format!("{prefix}{}", sub.get_name());
        if sub.has_subcommands() {
            found.extend(leaves(sub, &format!("{path} ")));
        } else {
            found.push((path, sub.clone()));
        }
    }
    found
}

/// A command with the flags it shares with every command (global ones,
/// `--help`) hidden.
fn own_flags_only(command: clap::Command) -> clap::Command {
    command.mut_args(|arg| {
        let shared = arg.is_global_set() || arg.get_id() == "help";
        if shared { arg.hide(true) } else { arg }
    })
}

/// One section as clap_mangen renders it, without the apostrophe preamble
/// that roff puts before every rendering (the title has it once already).
fn section(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> std::io::Result<String> {
    let mut out = Vec::new();
    render(&mut out)?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let mut lines = text.split_inclusive('\n').peekable();
    while lines.next_if(|l| l.starts_with(".ie ") || l.starts_with(".el ")).is_some() {}
    Ok(lines.collect())
}

/// A section's text after its `.SH` line, to go under a heading of ours;
/// nothing when the section is empty (a command without flags).
fn body(section: &str) -> &str {
    section.strip_prefix(".SH").and_then(|rest| rest.split_once('\n')).map_or("", |(_, body)| body)
}

fn heading(title: &str) -> String {
    roff_text(|roff| {
        roff.control("SH", [title]);
    })
}

fn subheading(title: &str) -> String {
    roff_text(|roff| {
        roff.control("SS", [title]);
    })
}

fn paragraph() -> String {
    roff_text(|roff| {
        roff.control("PP", []);
    })
}

/// Roff requests without the preamble (none of these texts has an apostrophe).
fn roff_text(build: impl FnOnce(&mut Roff)) -> String {
    let mut roff = Roff::new();
    build(&mut roff);
    roff.to_roff()
}

/// Writes every page into `dir` (created if missing), after making sure
/// none is there yet: an existing page is refused, whoever wrote it, and
/// nothing is written then. Each file is created exclusively, so a file
/// that appears meanwhile is not replaced either.
fn write_new(dir: &Path, pages: &[(String, Vec<u8>)]) -> Result<Vec<PathBuf>, StartError> {
    let paths: Vec<PathBuf> = pages.iter().map(|(name, _)| dir.join(name)).collect();
    if let Some(existing) = paths.iter().find(|p| p.symlink_metadata().is_ok()) {
        return Err(fail(format!(
            "{} already exists; not overwritten (remove it or choose another --dir)",
            existing.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
    for (path, (_, roff)) in paths.iter().zip(pages) {
        super::output::write_new(path, roff)
            .map_err(|e| fail(format!("cannot write {}: {}", path.display(), e.io())))?;
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_page_has_each_section_once_and_no_repeated_preamble() {
        let pages = pages().expect("renders");
        let page = String::from_utf8(pages[0].1.clone()).expect("utf-8");
        let headings: Vec<&str> = page.lines().filter(|l| l.starts_with(".SH")).collect();
        assert_eq!(
            headings,
            [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS", ".SH COMMANDS", ".SH VERSION"]
        );
        assert_eq!(page.matches(".ds Aq").count(), 2, "one preamble (.ie/.el pair):\n{page}");
        assert!(page.contains(".SS \"webhooks reactivate\""), "{page}");
    }

    #[test]
    fn a_section_loses_its_preamble_and_body_its_heading() {
        let text =
            section(|w| w.write_all(b".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.SH OPTIONS\n.TP\nx\n")).expect("renders");
        assert_eq!(text, ".SH OPTIONS\n.TP\nx\n");
        assert_eq!(body(&text), ".TP\nx\n");
        assert_eq!(body(""), "");
    }

    #[test]
    fn one_page_per_command_nested_ones_included() {
        let names: Vec<String> = pages().expect("renders").into_iter().map(|(name, _)| name).collect();
        assert_eq!(names[0], "clickup-preflight.1");
        for name in ["clickup-preflight-check.1", "clickup-preflight-webhooks.1", "clickup-preflight-webhooks-list.1"] {
            assert!(names.iter().any(|n| n == name), "no {name} in {names:?}");
        }
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    }
}
