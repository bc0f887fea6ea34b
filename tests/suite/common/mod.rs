//! Shared helpers for the end-to-end tests: run the real binary, serve
//! deliberately broken HTTP on loopback, and start the standalone sandbox.

#![allow(dead_code, unreachable_pub, reason = "each test file uses a different subset of these helpers")]

pub mod json_schema;
pub mod junit;
pub mod prometheus;
pub mod raw_http;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A token of the documented personal shape, used to prove it never leaks.
/// Split so that the repository itself holds no token-shaped string.
pub const TOKEN: &str = concat!("pk", "_4242424_TESTTOKENABCDEFGHIJKLMNOPQRSTUVW");

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// Peak resident memory of the process, from /proc (Linux), in KiB.
    pub peak_rss_kib: Option<u64>,
}

impl Run {
    /// stdout parsed as JSON; panics with the output if it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }

    /// One check's object in the JSON report; panics naming the id if absent.
    pub fn check(&self, id: &str) -> serde_json::Value {
        let doc = self.json();
        let found = doc["checks"].as_array().and_then(|checks| checks.iter().find(|c| c["id"] == id)).cloned();
        found.unwrap_or_else(|| panic!("no check {id} in {doc}"))
    }

    /// The status word of one check in the JSON report.
    pub fn status_of(&self, id: &str) -> String {
        self.check(id)["status"].as_str().expect("status string").to_owned()
    }

    /// The summary of one check in the JSON report.
    pub fn summary_of(&self, id: &str) -> String {
        self.check(id)["summary"].as_str().expect("summary string").to_owned()
    }

    /// Everything the process wrote.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A fresh empty directory to run in, so that no `checks.toml` is picked up
/// by accident.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cp-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The binary with a clean environment: no token, URLs or colour settings
/// leak in from the machine running the tests.
pub fn command(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clickup-preflight"));
    cmd.current_dir(dir);
    for var in [
        "CLICKUP_API_TOKEN",
        "CLICKUP_API_URL",
        "CLICKUP_STATUS_URL",
        "CLICKUP_PREFLIGHT_CONFIG",
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "GITHUB_STEP_SUMMARY",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs the binary with `args` and extra environment, killing it (and
/// failing the test) if it runs past `limit`.
pub fn run_in(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Run {
    let mut cmd = command(dir);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn the binary");
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let mut peak_rss_kib = None;
    let status = loop {
        // VmHWM is the peak so far; read it while the process still exists.
        if let Some(hwm) = peak_rss(child.id()) {
            peak_rss_kib = Some(hwm);
        }
        if let Some(status) = child.try_wait().expect("poll child") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("clickup-preflight {args:?} ran past {limit:?}");
        }
        thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
        elapsed: started.elapsed(),
        peak_rss_kib,
    }
}

fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `run_in` a scratch directory with a 30 s limit.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = scratch_dir(&format!("run-{}", unique()));
    run_in(&dir, args, env, Duration::from_secs(30))
}

/// A number no other call in this process gets, for names that must not collide.
pub fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn drain<R: Read + Send + 'static>(mut pipe: R) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// One request as the fake server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    /// The request body (read up to its `content-length`).
    pub body: String,
}

/// How the fake server answers one request.
pub enum Reply {
    /// Status, extra headers, body (Content-Length set).
    Full(u16, Vec<(String, String)>, String),
    /// Accept, read the request, never answer.
    Hang,
    /// 200 with a chunked body that never ends (until the client leaves or
    /// 256 MiB have been offered).
    Endless,
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(body: &str) -> Reply {
        Reply::Full(200, vec![("content-type".into(), "application/json".into())], body.to_owned())
    }
}

/// A tiny HTTP/1.1 server on loopback whose every answer is chosen by a
/// closure, for faults the sandbox does not model.
pub struct FakeServer {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeServer {
    pub fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let log = Arc::clone(&seen);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                thread::spawn(move || serve_one(stream, &*handler, &log));
            }
        });
        FakeServer { port, seen }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

fn serve_one(stream: TcpStream, handler: &dyn Fn(&Seen) -> Reply, log: &Mutex<Vec<Seen>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let method = line.split_whitespace().next().unwrap_or_default().to_owned();
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let length = headers.get("content-length").and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
    let mut body = vec![0; length.min(1024 * 1024)];
    if reader.read_exact(&mut body).is_err() {
        body.clear();
    }
    let seen = Seen { method, path, headers, body: String::from_utf8_lossy(&body).into_owned() };
    log.lock().expect("lock").push(seen.clone());
    let mut stream = stream;
    match handler(&seen) {
        Reply::Full(status, extra, body) => {
            let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
            for (k, v) in extra {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
        Reply::Hang => thread::sleep(Duration::from_secs(60)),
        Reply::Endless => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n");
            let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
            for _ in 0..4096 {
                if stream.write_all(chunk.as_bytes()).is_err() {
                    break;
                }
            }
        }
    }
}

/// `check --format json` against a fake server whose API is at `/api/v2`
/// and status page at `/status`, with the test token and `extra` flags.
pub fn check_against(server: &FakeServer, extra: &[&str]) -> Run {
    let api_url = server.url("/api/v2");
    let status_url = server.url("/status");
    let mut args = vec!["check", "--api-url", &api_url, "--status-url", &status_url, "--format", "json"];
    args.extend_from_slice(extra);
    run(&args, &[("CLICKUP_API_TOKEN", TOKEN)])
}

/// A healthy Status.io body.
pub const STATUS_OK: &str = r#"{"result":{"status_overall":{"updated":"2026-11-01T00:00:00Z","status":"Operational","status_code":100},"status":[],"incidents":[],"maintenance":{"active":[],"upcoming":[]}}}"#;

/// A healthy `/user` body.
pub const USER_OK: &str = r#"{"user":{"id":77,"username":"fake-bot","email":"bot@example.com"}}"#;

/// Rate-limit headers for a healthy answer.
pub fn rate_headers() -> Vec<(String, String)> {
    vec![
        ("content-type".into(), "application/json".into()),
        ("x-ratelimit-limit".into(), "100".into()),
        ("x-ratelimit-remaining".into(), "90".into()),
        ("x-ratelimit-reset".into(), "30".into()),
    ]
}

/// The standalone sandbox as a child process, killed on drop.
pub struct StandaloneSandbox {
    child: Child,
    pub api_url: String,
    pub status_url: String,
    pub statuspage_url: String,
    pub token_line: String,
    pub receiver_url: Option<String>,
    /// The whole `fault plan:` line (after the label) of a world started
    /// with `--plan` or `--duration`.
    pub fault_plan: Option<String>,
}

impl StandaloneSandbox {
    pub fn start(scenario: &str, env: &[(&str, &str)]) -> StandaloneSandbox {
        Self::start_args(&["--scenario", scenario], env)
    }

    /// The healthy scenario with extra flags (e.g. `--receiver MODE`).
    pub fn start_with(extra: &[&str], env: &[(&str, &str)]) -> StandaloneSandbox {
        let mut args = vec!["--scenario", "healthy"];
        args.extend_from_slice(extra);
        Self::start_args(&args, env)
    }

    /// The sandbox with exactly these flags (after `--listen`).
    pub fn start_args(extra: &[&str], env: &[(&str, &str)]) -> StandaloneSandbox {
        let receiving = extra.contains(&"--receiver");
        let planned = extra.contains(&"--plan") || extra.contains(&"--duration");
        let dir = scratch_dir(&format!("sandbox-{}", unique()));
        let mut cmd = command(&dir);
        cmd.args(["sandbox", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn sandbox");
        let banner = startup_text(&mut child);
        let after = |label: &str| -> String {
            banner
                .iter()
                .find_map(|line| line.trim().strip_prefix(label).map(|rest| rest.trim().to_owned()))
                .unwrap_or_else(|| panic!("sandbox never printed {label}:\n{}", banner.join("\n")))
        };
        let first_word = |text: String| text.split_whitespace().next().unwrap_or_default().to_owned();
        let api_url = first_word(after("api url:"));
        let status_url = first_word(after("status url:"));
        let statuspage_url = first_word(after("statuspage url:"));
        let token_line = first_word(after("token:"));
        let fault_plan = planned.then(|| after("fault plan:"));
        let receiver_url = receiving.then(|| first_word(after("receiver url:")));
        StandaloneSandbox { child, api_url, status_url, statuspage_url, token_line, receiver_url, fault_plan }
    }
}

/// The last line of the sandbox's startup text.
const STARTUP_END: &str = "Press Ctrl-C to stop.";

/// The sandbox's startup text, up to [`STARTUP_END`]. A sandbox that stops
/// printing before it (or prints something else) fails the test within
/// 20 s with what it printed, instead of leaving the test waiting for a
/// line that never comes.
fn startup_text(child: &mut Child) -> Vec<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (lines, received) = std::sync::mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let last = line.trim() == STARTUP_END;
            if lines.send(line).is_err() || last {
                break;
            }
        }
    });
    let mut banner = Vec::new();
    loop {
        match received.recv_timeout(Duration::from_secs(20)) {
            Ok(line) if line.trim() == STARTUP_END => return banner,
            Ok(line) => banner.push(line),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the sandbox's startup text stopped before `{STARTUP_END}`:\n{}", banner.join("\n"));
            }
        }
    }
}

impl Drop for StandaloneSandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
