//! `config`: the configuration a run would use, each value with its source,
//! the token as its source only. Reads and validates like `check` (a bad
//! file is the same one-line error and exit 2); sends no request and runs
//! no `token_command`.

use secrecy::ExposeSecret;

use super::{StartError, write_stdout};
use crate::cli::{ConnectionArgs, Format};
use crate::config::{self, Entry, EnvVars, LoadedFile, Settings, Source};
use crate::redact::Redactor;
use crate::report::{self, Exit};
use crate::token::{self, TokenError, TokenSource};

/// What stands for the token, whatever it is.
const MASKED: &str = "********";

/// Prints the settings in effect as a table or JSON.
pub(super) fn run(args: &ConnectionArgs, redactor: &Redactor) -> Result<Exit, StartError> {
    let env = EnvVars::from_process();
    let overrides = args.overrides();
    let file = config::load_file(&overrides, &env)?;
    let settings = config::resolve(&overrides, (&[], &[]), &env, &file)?;
    let mut entries = vec![token_entry(args, &settings, &file, redactor)];
    let scenario = args.sandbox.map(crate::sandbox::ScenarioName::as_str);
    entries.extend(config::explain(&overrides, &env, &file, &settings, scenario));
    let text = match args.format {
        Format::Json => report::render_config_json(&entries),
        _ => report::render_config_table(&entries),
    };
    write_stdout(redactor, &text);
    Ok(Exit::Ok)
}

/// The token's source, as `check` would choose it; its value is never
/// shown, and a token read here is registered so that no output shows it.
fn token_entry(args: &ConnectionArgs, settings: &Settings, file: &LoadedFile, redactor: &Redactor) -> Entry {
    let from_flag = args.token_file.is_some();
    let named = |source: &TokenSource| match source {
        TokenSource::File(_) => Source::Flag("--token-file"),
        _ => Source::Env(token::TOKEN_ENV),
    };
    match token::load(args.token_file.as_deref(), std::env::var(token::TOKEN_ENV).ok()) {
        Ok((secret, source)) => {
            redactor.add(secret.expose_secret());
            Entry::text("token", MASKED, named(&source))
        }
        Err(TokenError::Missing) => match (&settings.token_command, args.sandbox) {
            (Some(_), _) => {
                let line = file.line_of(None, "token_command");
                let source = file.path.clone().map_or(Source::Default, |path| Source::File { path, line });
                Entry::text("token", &format!("{MASKED} (from token_command, not run here)"), source)
            }
            (None, Some(_)) => Entry::text("token", "the sandbox's demo token", Source::Flag("--sandbox")),
            (None, None) => Entry { key: "token".into(), value: config::SettingValue::NotSet, source: Source::Default },
        },
        Err(unusable) => {
            let source = if from_flag { Source::Flag("--token-file") } else { Source::Env(token::TOKEN_ENV) };
            Entry::text("token", &format!("unusable: {unusable}"), source)
        }
    }
}
