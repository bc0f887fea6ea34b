//! The container and Kubernetes files under `deploy/` and the Dockerfile:
//! the arguments each CronJob passes are accepted by the binary and do what
//! the comments say (run against the sandbox, paths moved under a scratch
//! directory), and the image's user, entry point and mounts agree. Docker
//! itself does not run here; `.ci/run` also parses every YAML file with a
//! real YAML parser (the ignored test below).

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::{prometheus, run_in, scratch_dir};

const CRONJOB: &str = include_str!("../../deploy/kubernetes/cronjob.yaml");
const DOCKERFILE: &str = include_str!("../../Dockerfile");
const DOCKERIGNORE: &str = include_str!("../../.dockerignore");

/// The YAML files the project ships.
const YAML_FILES: [&str; 7] = [
    "deploy/kubernetes/cronjob.yaml",
    "deploy/prometheus/clickup-preflight.rules.yml",
    "deploy/prometheus/clickup-preflight.rules.test.yml",
    "action.yml",
    ".github/workflows/release.yml",
    ".pre-commit-hooks.yaml",
    ".pre-commit-config.yaml",
];

/// Each `args:` block sequence of `text`, in order, read line by line: the
/// items indented one level under the key, unquoted.
fn args_lists(text: &str) -> Vec<Vec<String>> {
    let mut lists = Vec::new();
    let mut current: Option<(usize, Vec<String>)> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some((key_indent, items)) = &mut current {
            match line.trim_start().strip_prefix("- ") {
                Some(item) if indent > *key_indent => {
                    items.push(item.trim().trim_matches('"').to_owned());
                    continue;
                }
                _ => lists.extend(current.take().map(|(_, items)| items)),
            }
        }
        if line.trim() == "args:" {
            current = Some((indent, Vec::new()));
        }
    }
    lists.extend(current.map(|(_, items)| items));
    lists
}

/// The values of every `key: value` line, in order, unquoted.
fn value_of<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines().filter_map(|l| l.trim().strip_prefix(key)).map(|v| v.trim().trim_matches('"')).collect()
}

#[test]
fn the_textfile_cronjob_writes_the_prometheus_file_into_its_mount_quietly() {
    let lists = args_lists(CRONJOB);
    assert_eq!(lists.len(), 2, "the textfile CronJob and the Nagios variant: {lists:?}");
    let args = &lists[0];
    let output = args.iter().find_map(|a| a.strip_prefix("prometheus=")).expect("--output prometheus=PATH");
    let mount = value_of(CRONJOB, "mountPath:")[0];
    assert_eq!(Path::new(output).parent(), Some(Path::new(mount)), "the file goes into the mounted directory");
    assert!(output.ends_with(".prom"), "the textfile collector reads *.prom only");

    let dir = scratch_dir("deploy-textfile");
    std::fs::create_dir_all(dir.join(mount.trim_start_matches('/'))).expect("mkdir");
    let mut argv: Vec<String> = args
        .iter()
        .map(|a| match a.strip_prefix("prometheus=") {
            Some(path) => format!("prometheus={}", dir.join(path.trim_start_matches('/')).display()),
            None => a.clone(),
        })
        .collect();
    argv.extend(["--sandbox".into(), "healthy".into()]);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let r = run_in(&dir, &argv, &[], Duration::from_secs(30));
    assert_eq!(r.code, 0, "{argv:?}: {}", r.all_output());
    assert!(r.stdout.is_empty() && r.stderr.is_empty(), "-q keeps the Job's log empty: {}", r.all_output());
    let written = std::fs::read_to_string(dir.join(output.trim_start_matches('/'))).expect("the textfile");
    let series = prometheus::parse(&written);
    assert!(series.contains_key("clickup_preflight_last_run_timestamp_seconds"), "{written}");

    // --fail-on never: a failing integration still exits 0 (Prometheus alerts), and the file says FAIL.
    argv_with_scenario(&argv, "outage", &dir, 0);
    let failing = prometheus::parse(&std::fs::read_to_string(dir.join(output.trim_start_matches('/'))).expect("file"));
    assert_eq!(failing.get("clickup_preflight_check_status{check=\"auth\"}"), Some(&2.0));
}

/// Runs `argv` with its `--sandbox healthy` swapped for `scenario`, expecting `code`.
fn argv_with_scenario(argv: &[&str], scenario: &str, dir: &Path, code: i32) -> String {
    let argv: Vec<&str> = argv.iter().map(|a| if *a == "healthy" { scenario } else { a }).collect();
    let r = run_in(dir, &argv, &[], Duration::from_secs(30));
    assert_eq!(r.code, code, "{argv:?}: {}", r.all_output());
    r.stdout
}

#[test]
fn the_nagios_cronjob_prints_the_plugin_line_and_exits_with_its_state() {
    let lists = args_lists(CRONJOB);
    let mut argv: Vec<&str> = lists[1].iter().map(String::as_str).collect();
    assert!(argv.windows(2).any(|w| w == ["--format", "nagios"]), "{argv:?}");
    argv.extend(["--sandbox", "healthy"]);
    let dir = scratch_dir("deploy-nagios");
    assert!(argv_with_scenario(&argv, "healthy", &dir, 0).starts_with("CLICKUP OK - "));
    assert!(argv_with_scenario(&argv, "outage", &dir, 2).starts_with("CLICKUP CRITICAL - "));
    assert!(value_of(CRONJOB, "suspend:").contains(&"true"), "the variant starts suspended");
}

#[test]
fn the_cronjobs_run_every_five_minutes_as_the_image_s_user_with_the_token_from_a_secret() {
    assert_eq!(value_of(CRONJOB, "schedule:"), ["*/5 * * * *", "*/5 * * * *"]);
    let user = DOCKERFILE.lines().find_map(|l| l.strip_prefix("USER ")).expect("a USER line");
    let (uid, gid) = user.split_once(':').expect("USER uid:gid");
    assert_ne!(uid, "0", "not root");
    assert_eq!(value_of(CRONJOB, "runAsUser:"), [uid, uid]);
    assert_eq!(value_of(CRONJOB, "runAsGroup:"), [gid, gid]);
    assert_eq!(value_of(CRONJOB, "fsGroup:"), [gid], "the image's group");
    // A hostPath keeps the node's ownership whatever fsGroup says: the
    // header's setup gives the textfile directory to the same group.
    let dir = "/var/lib/node_exporter/textfile_collector";
    for step in [format!("sudo chgrp {gid} {dir}"), format!("sudo chmod g+w {dir}")] {
        assert!(CRONJOB.lines().take_while(|l| l.starts_with('#')).any(|l| l.ends_with(&step)), "{step}");
    }
    assert_eq!(value_of(CRONJOB, "- name: CLICKUP_API_TOKEN").len(), 2);
    assert_eq!(value_of(CRONJOB, "secretKeyRef:").len(), 2, "the token comes from a Secret");
    assert!(!CRONJOB.contains("pk_"), "no token in the manifest");
}

#[test]
fn the_image_is_multi_stage_static_minimal_and_non_root() {
    let stages: Vec<&str> = DOCKERFILE.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(stages.len(), 2, "build stage and final stage: {stages:?}");
    assert_eq!(stages[1], "FROM scratch", "the final stage is empty but for the binary and CA certificates");
    assert!(DOCKERFILE.contains("+crt-static") && DOCKERFILE.contains("cargo build --release --locked"));
    assert!(DOCKERFILE.contains("COPY --from=build /clickup-preflight /clickup-preflight"));
    assert!(DOCKERFILE.contains("COPY --from=build /etc/ssl/certs/ca-certificates.crt"), "TLS needs roots");
    assert!(DOCKERFILE.contains(r#"ENTRYPOINT ["/clickup-preflight"]"#));
    let image = value_of(CRONJOB, "image:");
    assert!(image.iter().all(|i| DOCKERFILE.contains(&format!("docker build -t {i} ."))), "{image:?}");
    for ignored in ["target/", ".git/", ".env"] {
        assert!(DOCKERIGNORE.lines().any(|l| l == ignored), ".dockerignore leaves out {ignored}");
    }
}

#[test]
#[ignore = "needs python3 with PyYAML: run by .ci/run"]
fn every_yaml_file_parses_and_the_cronjob_args_read_as_above() {
    let root = env!("CARGO_MANIFEST_DIR");
    let script = r#"
import json, sys, yaml
for path in sys.argv[1:]:
    docs = list(yaml.safe_load_all(open(path)))
    assert docs and all(d is not None for d in docs), path
cron = yaml.safe_load_all(open(sys.argv[1]))
print(json.dumps([d["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"] for d in cron]))
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(YAML_FILES.iter().map(|f| Path::new(root).join(f)))
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let parsed: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).expect("JSON from python");
    assert_eq!(parsed, args_lists(CRONJOB), "the line reader above reads the args as YAML does");
}
