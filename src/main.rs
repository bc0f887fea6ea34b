//! The `clickup-preflight` binary: parse, run, exit. Everything else lives in
//! the library so that it can be tested without a process.

use std::process::ExitCode;

use clickup_preflight::{app, cli};

#[expect(clippy::print_stderr, reason = "the panic hook prints one line as the process dies; nothing else here prints")]
fn main() -> ExitCode {
    // A bug must not print a stack trace or a payload that might quote
    // runtime data: one line, where, and exit 101 (documented as a bug).
    std::panic::set_hook(Box::new(|info| {
        let place = info.location().map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        eprintln!("error: internal error{place}; this is a bug in clickup-preflight, please report it");
    }));
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Read from the raw arguments, so that a plugin stays a plugin even
    // when the rest of its command line does not parse.
    let nagios = cli::wants_nagios(&args);
    match <cli::Cli as clap::Parser>::try_parse_from(&args) {
        Ok(cli) => std::panic::catch_unwind(|| app::run(cli)).unwrap_or_else(|_| app::internal_error(nagios)),
        Err(error) => app::usage_error(&error, nagios),
    }
}
