//! The drilled command as a child process: started directly (no shell) as
//! the leader of a process group of its own, stdin closed, stdout and
//! stderr read line by line on threads into [`LogLine`]s, and stopped with
//! its whole group. A guard kills the group whatever path leaves the drill
//! (an error, a panic), so no child outlives it.

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::drill::{CommandEnd, LogLine, Stream};
use crate::process::{GroupSignal, group_alive, signal_group};
use crate::redact::Redactor;
use crate::text::Sanitizer;

/// Lines kept of the command's output, both streams together; later ones
/// are read (so the command never blocks on a full pipe) and dropped.
pub(super) const MAX_LOG_LINES: usize = 5_000;
/// Bytes of one line read; the rest of a longer line is dropped.
const MAX_LINE_BYTES: usize = 16 * 1024;
/// Characters of one line kept after sanitizing: enough for a JSON log record.
const LINE_BOUND: usize = 4_096;
/// How often a stopping group is looked at.
const POLL: Duration = Duration::from_millis(20);
/// How long the output is still read once the group is gone (a process
/// that left the group may hold the pipes open: it is not waited for).
const DRAIN: Duration = Duration::from_secs(1);

/// How the command's output is turned into log lines.
#[derive(Debug, Clone)]
pub(super) struct LogSink {
    /// Masks the drill's tokens and anything token-shaped.
    pub(super) sanitizer: Sanitizer,
    /// With `-v`: echo each line, sanitized, to stderr through this.
    pub(super) echo: Option<Redactor>,
    /// The drill's clock: a line's time is since this instant.
    pub(super) clock: Instant,
}

/// What the command wrote, once its group is gone.
#[derive(Debug)]
pub(super) struct Logs {
    /// Every line kept, by time.
    pub(super) lines: Vec<LogLine>,
    /// Whether its output was still open [`DRAIN`] after the group was
    /// gone: a process it started left the group (`setsid`, a daemon) and
    /// still runs, beyond the drill's reach.
    pub(super) held_open: bool,
}

/// A running command.
#[derive(Debug)]
pub(super) struct Running {
    group: GroupGuard,
    exited: tokio::sync::oneshot::Receiver<(Option<ExitStatus>, Instant)>,
    /// Set once the exit was received.
    status: Option<(Option<ExitStatus>, Instant)>,
    logs: mpsc::Receiver<LogLine>,
    dropped: Arc<AtomicUsize>,
    started: Instant,
}

/// Kills the group when dropped, unless [`Running::finish`] found it empty.
#[derive(Debug)]
struct GroupGuard {
    leader: u32,
    armed: bool,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if self.armed {
            signal_group(self.leader, GroupSignal::Kill);
        }
    }
}

/// Starts `argv` with `env` added to this process's environment (the
/// drill's URL and token; a proxy's variables). The error is one line
/// naming the program: not found, not executable, or the OS's reason.
pub(super) fn spawn(argv: &[OsString], env: &[(&str, &OsStr)], sink: LogSink) -> Result<Running, String> {
    let (program, args) = argv.split_first().ok_or("no command was given after `--`")?;
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.envs(env.iter().copied());
    crate::process::in_own_group(&mut command);
    let shown = sink.sanitizer.line(&program.to_string_lossy(), crate::text::URL);
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("cannot run `{shown}`: not found (is it installed and on PATH?)"),
        std::io::ErrorKind::PermissionDenied => format!("cannot run `{shown}`: not executable (permission denied)"),
        kind => format!("cannot run `{shown}`: {kind}"),
    })?;
    let started = Instant::now();
    let group = GroupGuard { leader: child.id(), armed: true };
    let (lines, logs) = mpsc::channel();
    let kept = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let readers: [(Option<Box<dyn Read + Send>>, Stream); 2] = [
        (child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>), Stream::Stdout),
        (child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>), Stream::Stderr),
    ];
    for (pipe, stream) in readers {
        let Some(pipe) = pipe else { continue };
        let (lines, sink, kept, dropped) = (lines.clone(), sink.clone(), Arc::clone(&kept), Arc::clone(&dropped));
        std::thread::spawn(move || read_lines(pipe, stream, &sink, &lines, (&kept, &dropped)));
    }
    let (done, exited) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let status = child.wait().ok();
        let _ = done.send((status, Instant::now()));
    });
    Ok(Running { group, exited, status: None, logs, dropped, started })
}

/// Reads `pipe` line by line until it closes, each line bounded, sanitized
/// and sent while fewer than [`MAX_LOG_LINES`] were kept.
fn read_lines(
    pipe: Box<dyn Read + Send>,
    stream: Stream,
    sink: &LogSink,
    lines: &mpsc::Sender<LogLine>,
    (kept, dropped): (&AtomicUsize, &AtomicUsize),
) {
    let mut reader = BufReader::new(pipe);
    let mut raw = Vec::new();
    while read_bounded_line(&mut reader, &mut raw).unwrap_or(false) {
        let text = String::from_utf8_lossy(&raw);
        let line = LogLine {
            at: sink.clock.elapsed(),
            stream,
            text: sink.sanitizer.line(text.trim_end_matches(['\n', '\r']), LINE_BOUND),
        };
        if let Some(redactor) = &sink.echo {
            let name = if stream == Stream::Stdout { "stdout" } else { "stderr" };
            super::super::write_stderr(redactor, &format!("[command {name}] {}\n", line.text));
        }
        if kept.fetch_add(1, Ordering::Relaxed) < MAX_LOG_LINES {
            let _ = lines.send(line);
        } else {
            dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Reads one line into `line` (cleared first), keeping at most
/// [`MAX_LINE_BYTES`] of it and consuming the rest; `false` at the end of
/// the stream with nothing read.
fn read_bounded_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<bool> {
    line.clear();
    let mut any = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(any);
        }
        any = true;
        let (used, ended) = match available.iter().position(|b| *b == b'\n') {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        let room = MAX_LINE_BYTES.saturating_sub(line.len());
        line.extend_from_slice(&available[..used.min(room)]);
        reader.consume(used);
        if ended {
            return Ok(true);
        }
    }
}

impl Running {
    /// Waits until the command exits by itself: its exit code (`None`:
    /// a signal) and when, on the drill's clock.
    pub(super) async fn exited(&mut self) -> (Option<i32>, Instant) {
        if self.status.is_none() {
            let received = (&mut self.exited).await.unwrap_or((None, Instant::now()));
            self.status = Some(received);
        }
        let (status, at) = self.status.unwrap_or((None, Instant::now()));
        (status.and_then(|s| s.code()), at)
    }

    /// Stops a command still running: SIGTERM to its group, then SIGKILL
    /// when the leader has not exited within `grace`. Leftovers of the
    /// group are cleared too ([`Running::finish`]).
    pub(super) async fn stop(&mut self, grace: Duration) -> CommandEnd {
        signal_group(self.group.leader, GroupSignal::Term);
        let end = match tokio::time::timeout(grace, self.exited()).await {
            Ok((code, _)) => CommandEnd::Stopped { code },
            Err(_) => {
                signal_group(self.group.leader, GroupSignal::Kill);
                self.exited().await;
                CommandEnd::Killed
            }
        };
        self.finish(grace).await;
        end
    }

    /// After the leader exited: whatever it left in its group gets
    /// SIGTERM, then SIGKILL when still there after `grace`.
    pub(super) async fn finish(&mut self, grace: Duration) {
        let leader = self.group.leader;
        if group_alive(leader) {
            signal_group(leader, GroupSignal::Term);
            let until = Instant::now() + grace;
            while Instant::now() < until && group_alive(leader) {
                tokio::time::sleep(POLL).await;
            }
            signal_group(leader, GroupSignal::Kill);
        }
        self.group.armed = false;
    }

    /// How long the command ran, from its start to its exit (or now).
    pub(super) fn duration(&self) -> Duration {
        self.status.map_or_else(|| self.started.elapsed(), |(_, at)| at.saturating_duration_since(self.started))
    }

    /// Every line read, in order; waits up to [`DRAIN`] for the pipes to
    /// close after the group is gone. Says on stderr's log how many lines
    /// past [`MAX_LOG_LINES`] were dropped.
    pub(super) fn logs(self) -> Logs {
        let until = Instant::now() + DRAIN;
        let mut lines = Vec::new();
        let held_open = loop {
            match self.logs.recv_timeout(until.saturating_duration_since(Instant::now())) {
                Ok(line) => lines.push(line),
                Err(mpsc::RecvTimeoutError::Timeout) => break true,
                Err(mpsc::RecvTimeoutError::Disconnected) => break false,
            }
        };
        let dropped = self.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            tracing::warn!(kept = MAX_LOG_LINES, dropped, "the command wrote more lines than the drill keeps");
        }
        lines.sort_by_key(|l| l.at);
        Logs { lines, held_open }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_bounded_and_the_rest_of_a_long_line_is_consumed() {
        let long = format!("{}\nnext\r\nlast", "x".repeat(MAX_LINE_BYTES + 10));
        let mut reader = BufReader::with_capacity(64, long.as_bytes());
        let mut line = Vec::new();
        assert!(read_bounded_line(&mut reader, &mut line).expect("read"));
        assert_eq!(line.len(), MAX_LINE_BYTES);
        assert!(read_bounded_line(&mut reader, &mut line).expect("read"));
        assert_eq!(line, b"next\r\n");
        assert!(read_bounded_line(&mut reader, &mut line).expect("read"));
        assert_eq!(line, b"last");
        assert!(!read_bounded_line(&mut reader, &mut line).expect("read"));
    }
}
