//! The progress line shown on a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

/// A spinner with events read and the rate.
pub struct Progress(ProgressBar);

impl Progress {
    /// Starts the spinner on stderr.
    pub fn new() -> Progress {
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress(bar)
    }

    /// Shows the count so far.
    pub fn update(&self, events: u64, elapsed: Duration) {
        let rate = events as f64 / elapsed.as_secs_f64().max(1e-9);
        self.0
            .set_message(format!("{events} events, {rate:.0} events/s"));
    }

    /// Removes the spinner.
    pub fn finish(self) {
        self.0.finish_and_clear();
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}
