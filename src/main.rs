//! The `clickup-preflight` binary: parse, run, exit. Everything else lives in
//! the library so that it can be tested without a process.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A bug must not print a stack trace or a payload that might quote
    // runtime data: one line, where, and exit 101 (documented as a bug).
    std::panic::set_hook(Box::new(|info| {
        let place = info.location().map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        eprintln!("error: internal error{place}; this is a bug in clickup-preflight, please report it");
    }));
    let cli = clickup_preflight::cli::Cli::parse();
    clickup_preflight::app::run(cli)
}
