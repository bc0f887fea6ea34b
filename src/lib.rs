//! clickup-preflight: is a ClickUp API v2 integration ready for production?
//!
//! The program is a pipeline (see `shared/design.md`): flags, environment and
//! `checks.toml` become one validated [`config::Settings`]; [`gather`] makes
//! every request once, concurrently, and records what it saw as
//! [`evidence::Evidence`]; each module under [`checks`] turns evidence into an
//! [`checks::Outcome`] with a pure function; [`report`] owns the overall verdict
//! and the exit code, and its renderers only render.
//!
//! The binary in `main.rs` is a thin shell around [`app::run`].

pub mod app;
pub mod checklist;
pub mod checks;
pub mod cli;
pub mod client;
pub mod config;
pub mod drill;
pub mod duration;
pub mod evidence;
pub mod gather;
pub mod input;
pub mod model;
pub mod process;
pub mod redact;
pub mod repo;
pub mod report;
pub mod sandbox;
pub mod text;
pub mod token;

#[cfg(test)]
mod proptests;
