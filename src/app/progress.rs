//! A live line on a terminal naming the checks still waiting on the
//! network, for runs longer than half a second. Never drawn when stderr is
//! not a terminal or the output is a machine format; cleared before the
//! report is printed.

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
pub struct Progress {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts drawing (after half a second) when `enabled`.
    pub fn start(enabled: bool, in_flight: InFlight, selected: Vec<CheckId>) -> Progress {
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
                let line = format!(
                    "\r\x1b[2K{} checking {} ({:.1}s)",
                    FRAMES[frame % FRAMES.len()],
                    if waiting.is_empty() { "…".to_owned() } else { waiting.join(", ") },
                    started.elapsed().as_secs_f64()
                );
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
    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}
