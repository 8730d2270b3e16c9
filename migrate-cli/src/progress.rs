//! The progress bar of a long run: the migration at work, how many are
//! done, and an estimate of the time left. Drawn on standard error, and
//! only when standard error is a terminal and the output is text; it
//! appears once the run has gone on for [`REVEAL_AFTER`], so that the
//! usual run of a few quick migrations prints exactly what it always did.
//!
//! Lines printed while it is there go through [`Bar::print`], which lifts
//! the bar, prints, and draws it again, so it never cuts a line in two.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before its bar is shown.
pub const REVEAL_AFTER: Duration = Duration::from_secs(2);

/// A progress bar that may never be shown.
pub struct Bar {
    inner: Option<Shown>,
}

struct Shown {
    bar: ProgressBar,
    /// Set when the run ends, under the lock that revealing the bar takes,
    /// so that a bar is never revealed after it was cleared.
    done: Arc<Mutex<bool>>,
}

impl Bar {
    /// No bar: output is for a pipe, a file or a machine.
    pub fn none() -> Bar {
        Bar { inner: None }
    }

    /// A bar for a run of `total` steps, when standard error is a terminal
    /// and `text` output is wanted; else none.
    pub fn for_run(total: usize, text: bool) -> Bar {
        if !text || total == 0 || !std::io::stderr().is_terminal() {
            return Bar::none();
        }
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{bar:30}] {pos}/{len} {wide_msg} {elapsed} (ETA {eta})",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        let done = Arc::new(Mutex::new(false));
        let (reveal, flag) = (bar.clone(), done.clone());
        std::thread::spawn(move || {
            std::thread::sleep(REVEAL_AFTER);
            let done = flag.lock().unwrap_or_else(|e| e.into_inner());
            if !*done {
                reveal.set_draw_target(ProgressDrawTarget::stderr());
                reveal.enable_steady_tick(Duration::from_millis(120));
            }
        });
        Bar {
            inner: Some(Shown { bar, done }),
        }
    }

    /// Whether lines must be printed whole: with a bar that may appear,
    /// an open `Applying X ...` line would be cut by it.
    pub fn is_active(&self) -> bool {
        self.inner.is_some()
    }

    /// Names the step at work.
    pub fn working_on(&self, what: String) {
        if let Some(s) = &self.inner {
            s.bar.set_message(what);
        }
    }

    /// Counts one step done.
    pub fn step_done(&self) {
        if let Some(s) = &self.inner {
            s.bar.inc(1);
        }
    }

    /// Runs `print` with the bar lifted.
    pub fn print(&self, print: impl FnOnce()) {
        match &self.inner {
            Some(s) => s.bar.suspend(print),
            None => print(),
        }
    }

    /// Clears the bar for good.
    pub fn finish(&mut self) {
        if let Some(s) = self.inner.take() {
            let mut done = s.done.lock().unwrap_or_else(|e| e.into_inner());
            *done = true;
            s.bar.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}
