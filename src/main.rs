//! The `clickup-preflight` binary: parse, run, exit. Everything else lives in
//! the library so that it can be tested without a process.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = clickup_preflight::cli::Cli::parse();
    clickup_preflight::app::run(cli)
}
