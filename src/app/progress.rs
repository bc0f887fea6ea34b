//! A live line on a terminal naming the checks still waiting on the
//! network, for runs longer than half a second. Never drawn when stderr is
//! not a terminal or the output is a machine format; cleared before the
//! report is printed. Clipped to the terminal's width: a line that wraps
//! cannot be cleared with one `\r`, and leaves a trail of old frames.

use std::io::Write;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::checks::CheckId;
use crate::gather::InFlight;

const DELAY: Duration = Duration::from_millis(500);
const TICK: Duration = Duration::from_millis(100);
const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// A running progress line; [`Progress::finish`] clears it.
pub(super) struct Progress {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts drawing (after half a second) when `enabled`.
    pub(super) fn start(enabled: bool, in_flight: InFlight, selected: Vec<CheckId>) -> Progress {
        if !enabled {
            return Progress { stop: None, task: None };
        }
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            tokio::select! {
                _ = &mut stopped => return,
                () = tokio::time::sleep(DELAY) => {}
            }
            let mut frame = 0;
            loop {
                let waiting: Vec<&str> =
                    selected.iter().filter(|id| in_flight.waiting_on(**id)).map(|id| id.as_str()).collect();
                let waiting = if waiting.is_empty() { "…".to_owned() } else { waiting.join(", ") };
                let columns = crossterm::terminal::size().ok().map(|(columns, _)| columns);
                let text = fit(FRAMES[frame % FRAMES.len()], &waiting, started.elapsed().as_secs_f64(), columns);
                let line = format!("\r\x1b[2K{text}");
                let _ = std::io::stderr().write_all(line.as_bytes());
                frame += 1;
                tokio::select! {
                    _ = &mut stopped => break,
                    () = tokio::time::sleep(TICK) => {}
                }
            }
            let _ = std::io::stderr().write_all(b"\r\x1b[2K");
        });
        Progress { stop: Some(stop), task: Some(task) }
    }

    /// Stops drawing and clears the line.
    pub(super) async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// The progress text for a terminal of `columns` (0 or `None`: unknown, taken
/// as 80): at most one column less than the width, so the cursor never
/// wraps. The list of waiting checks is shortened first, with `…`.
fn fit(frame: char, waiting: &str, elapsed_secs: f64, columns: Option<u16>) -> String {
    let room = usize::from(columns.filter(|c| *c > 0).unwrap_or(80)).saturating_sub(1);
    let head = format!("{frame} checking ");
    let tail = format!(" ({elapsed_secs:.1}s)");
    let fixed = head.chars().count() + tail.chars().count();
    if fixed + waiting.chars().count() <= room {
        return format!("{head}{waiting}{tail}");
    }
    if room > fixed {
        let kept: String = waiting.chars().take(room - fixed - 1).collect();
        return format!("{head}{kept}…{tail}");
    }
    format!("{head}{waiting}{tail}").chars().take(room).collect()
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn the_line_is_never_as_wide_as_the_terminal() {
        let full = fit('⠋', "latency, platform", 1.25, Some(80));
        assert_eq!(full, "⠋ checking latency, platform (1.2s)");
        for columns in 1..=40u16 {
            let line = fit('⠋', "latency, platform, webhooks", 12.5, Some(columns));
            assert!(line.chars().count() < usize::from(columns), "{columns}: {line:?}");
            assert!(columns < 2 || line.starts_with('⠋'), "{columns}: {line:?}");
        }
        assert_eq!(fit('⠋', "latency, platform", 1.0, Some(30)), "⠋ checking latency, p… (1.0s)");
        assert_eq!(fit('⠋', "latency", 1.0, Some(0)), "⠋ checking latency (1.0s)", "unknown width: 80");
    }
}
