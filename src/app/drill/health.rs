//! `drill --health-url`: polls the integration's own health endpoint from
//! the start of the drill to its end, so the graceful-degradation judge can
//! tell whether the integration said it was up while ClickUp was down.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::client::{Transport, TransportOptions};
use crate::drill::HealthPoll;
use crate::redact::Redactor;

/// How often the endpoint is polled.
pub(super) const EVERY: Duration = Duration::from_millis(250);
/// How long one poll may take before it counts as no answer: a health
/// endpoint that takes longer is down for whoever polls it.
pub(super) const TIMEOUT: Duration = Duration::from_secs(1);
/// The most of an answer read: only its status matters.
const BODY_CAP: usize = 64 * 1024;

/// A poller running in the background; dropping it stops it.
#[derive(Debug)]
pub(super) struct Poller {
    polls: Arc<Mutex<Vec<HealthPoll>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Poller {
    /// Starts polling `url` every [`EVERY`]; each poll's time is since
    /// `clock` (the drill world's start).
    pub(super) fn start(url: &str, clock: Instant, redactor: &Redactor) -> Result<Poller, String> {
        let url = reqwest::Url::parse(url).map_err(|e| format!("--health-url: not a URL ({e})"))?;
        let options = TransportOptions { timeout: TIMEOUT, body_cap: BODY_CAP };
        let transport = Transport::new(options, redactor).map_err(|e| format!("--health-url: {e}"))?;
        let polls = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&polls);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let at = clock.elapsed();
                let (answer, latency) = transport.get(url.clone(), None, "health").await;
                let status = answer.ok().map(|a| a.status.as_u16());
                recorded.lock().unwrap_or_else(PoisonError::into_inner).push(HealthPoll { at, status, latency });
            }
        });
        Ok(Poller { polls, task })
    }

    /// Stops polling and returns every poll made, by time.
    pub(super) fn finish(self) -> Vec<HealthPoll> {
        self.task.abort();
        self.polls.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.task.abort();
    }
}
