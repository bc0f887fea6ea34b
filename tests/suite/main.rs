//! Every integration test in one binary: cargo runs test binaries one
//! after another, so thirty of them waited for each other's slowest test;
//! as modules of one harness they share its threads, and the suite links
//! once instead of thirty times. Run one file's tests with a filter:
//! `cargo test --test suite golden::`.

mod action;
mod alert_rules;
mod cli;
mod common;
mod completions;
mod config_cmd;
mod contradictions;
mod deploy;
mod drill;
mod drill_examples;
mod fault_matrix;
mod faults;
mod files;
mod findings;
mod formats;
mod golden;
mod grafana;
mod hostile_text;
mod hygiene;
mod init;
mod layers;
mod packaging;
mod readme;
mod sandbox_api;
mod scenarios;
mod schema;
mod secrecy;
mod webhooks;
