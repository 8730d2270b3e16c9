//! One job run on many databases at once (`--database` given several
//! times, `--databases FILE`, a group of `migrate.toml`, several
//! `--schema`s): the list files that name them, and a runner that keeps at
//! most `jobs` of them at work, lets each finish on its own, and, with
//! `fail_fast`, starts no new one after a failure.
//!
//! Each database keeps its own connection, lock and history: the runner
//! knows nothing of them, it only schedules the work and times it.

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How many databases are worked on at once when `--jobs` is not given.
pub const DEFAULT_JOBS: usize = 4;

/// One line of a list file that names a database (or a schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// Its line number, from 1, for messages.
    pub line: usize,
    /// What the line names, trimmed.
    pub value: String,
}

/// Reads a list file: one entry per line; blank lines and lines whose
/// first non-blank character is `#` are skipped. A `#` later in a line is
/// kept, since a URL's password may hold one. A missing or unreadable file
/// and a line of more than one word are usage errors naming the file (and
/// the line).
pub fn read_list(path: &Path, what: &str) -> Result<Vec<ListEntry>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Usage(format!(
            "cannot read the list of {what} `{}`: {e}",
            path.display()
        ))
    })?;
    parse_list(path, &text, what)
}

/// [`read_list`] of a text already read.
pub fn parse_list(path: &Path, text: &str, what: &str) -> Result<Vec<ListEntry>> {
    let mut entries = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let value = raw.trim();
        if value.is_empty() || value.starts_with('#') {
            continue;
        }
        if value.split_whitespace().nth(1).is_some() {
            return Err(Error::Usage(format!(
                "{}:{}: one of the {what} per line, but this line holds several words; \
                 write each on its own line (comments start the line with #)",
                path.display(),
                i + 1
            )));
        }
        entries.push(ListEntry {
            line: i + 1,
            value: value.to_string(),
        });
    }
    if entries.is_empty() {
        return Err(Error::Usage(format!(
            "`{}` names no {what}: write one per line",
            path.display()
        )));
    }
    Ok(entries)
}

/// How the runner schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// At most this many at work at once (at least 1).
    pub jobs: usize,
    /// After a failure, start no other: those not started yet are
    /// [`Outcome::Skipped`]; those at work finish.
    pub fail_fast: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            jobs: DEFAULT_JOBS,
            fail_fast: false,
        }
    }
}

/// What one job returned, and whether it counts as a failure (for
/// `fail_fast` and the tally).
#[derive(Debug, Clone)]
pub struct Finished<R> {
    /// The job's own report.
    pub value: R,
    /// `false` when it failed.
    pub ok: bool,
}

/// How one target ended.
#[derive(Debug, Clone)]
pub enum Outcome<R> {
    /// The job ran to its end (succeeded or not: see `ok`).
    Done {
        /// The job's report.
        value: R,
        /// `false` when it failed.
        ok: bool,
        /// How long it took.
        duration: Duration,
    },
    /// The job panicked; a bug, reported as this target's failure rather
    /// than taking the others down.
    Crashed {
        /// The panic's message.
        message: String,
        /// How long it ran.
        duration: Duration,
    },
    /// Not started: an earlier target failed and `fail_fast` was set.
    Skipped,
}

impl<R> Outcome<R> {
    /// `true` for a job that ran and succeeded.
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Done { ok: true, .. })
    }

    /// `true` for a job that failed or crashed.
    pub fn is_failed(&self) -> bool {
        matches!(
            self,
            Outcome::Done { ok: false, .. } | Outcome::Crashed { .. }
        )
    }

    /// How long it took (zero when skipped).
    pub fn duration(&self) -> Duration {
        match self {
            Outcome::Done { duration, .. } | Outcome::Crashed { duration, .. } => *duration,
            Outcome::Skipped => Duration::ZERO,
        }
    }
}

/// How many targets ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Succeeded.
    pub ok: usize,
    /// Failed or crashed.
    pub failed: usize,
    /// Not started.
    pub skipped: usize,
}

impl Tally {
    /// Counts outcomes.
    pub fn of<R>(outcomes: &[Outcome<R>]) -> Tally {
        let mut tally = Tally::default();
        for o in outcomes {
            match o {
                Outcome::Done { ok: true, .. } => tally.ok += 1,
                Outcome::Done { ok: false, .. } | Outcome::Crashed { .. } => tally.failed += 1,
                Outcome::Skipped => tally.skipped += 1,
            }
        }
        tally
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ok, {} failed, {} skipped",
            self.ok, self.failed, self.skipped
        )
    }
}

/// Runs `work` on every target, at most `options.jobs` at once, each in a
/// task of its own (so that they use every worker thread of the runtime).
/// `finished` is told of each target as it ends, in the order they end,
/// with its index in `targets`; skipped targets are told last, in order.
/// Returns the outcomes in the order of `targets`.
pub async fn run<T, R, F, Fut>(
    targets: Vec<T>,
    options: Options,
    work: F,
    finished: impl FnMut(usize, &Outcome<R>),
) -> Vec<Outcome<R>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Finished<R>> + Send + 'static,
{
    run_until(targets, options, work, finished, std::future::pending()).await
}

/// [`run`], starting no new target once `stop` completes (Ctrl-C): those
/// at work finish, and those not started are [`Outcome::Skipped`].
pub async fn run_until<T, R, F, Fut>(
    targets: Vec<T>,
    options: Options,
    work: F,
    mut finished: impl FnMut(usize, &Outcome<R>),
    stop_when: impl Future<Output = ()>,
) -> Vec<Outcome<R>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Finished<R>> + Send + 'static,
{
    let mut stop_when = std::pin::pin!(stop_when);
    let mut stopped = false;
    let jobs = options.jobs.max(1);
    let total = targets.len();
    let mut outcomes: Vec<Option<Outcome<R>>> = (0..total).map(|_| None).collect();
    let mut started: Vec<Option<Instant>> = vec![None; total];
    let mut ids = std::collections::HashMap::new();
    let mut pending = targets.into_iter().enumerate();
    let mut running = tokio::task::JoinSet::new();
    let mut stop = false;
    loop {
        while !stop && running.len() < jobs {
            let Some((index, target)) = pending.next() else {
                break;
            };
            let start = Instant::now();
            started[index] = Some(start);
            let job = work(target);
            let handle = running.spawn(async move {
                let done = job.await;
                (index, done, start.elapsed())
            });
            ids.insert(handle.id(), index);
        }
        let joined = tokio::select! {
            joined = running.join_next_with_id() => joined,
            () = &mut stop_when, if !stopped => {
                stopped = true;
                stop = true;
                continue;
            }
        };
        let Some(joined) = joined else {
            break;
        };
        let (index, outcome) = match joined {
            Ok((_, (index, done, duration))) => (
                index,
                Outcome::Done {
                    value: done.value,
                    ok: done.ok,
                    duration,
                },
            ),
            Err(e) => {
                let index = ids[&e.id()];
                let message = if e.is_panic() {
                    panic_message(e.into_panic())
                } else {
                    "the job was cancelled".to_string()
                };
                let duration = started[index].map(|s| s.elapsed()).unwrap_or_default();
                (index, Outcome::Crashed { message, duration })
            }
        };
        if options.fail_fast && outcome.is_failed() {
            stop = true;
        }
        finished(index, &outcome);
        outcomes[index] = Some(outcome);
    }
    outcomes
        .into_iter()
        .enumerate()
        .map(|(index, o)| {
            o.unwrap_or_else(|| {
                finished(index, &Outcome::Skipped);
                Outcome::Skipped
            })
        })
        .collect()
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    format!("internal error (a bug, please report it): {text}")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn lists_skip_comments_and_blank_lines_and_name_a_bad_line() {
        let path = Path::new("tenants.txt");
        let entries = parse_list(
            path,
            "# tenants\n\nsqlite://a.db\n  acme  \n\t# later\npostgres://u:p#w@h/db\n",
            "databases",
        )
        .unwrap();
        let values: Vec<(usize, &str)> =
            entries.iter().map(|e| (e.line, e.value.as_str())).collect();
        assert_eq!(
            values,
            [
                (3, "sqlite://a.db"),
                (4, "acme"),
                (6, "postgres://u:p#w@h/db")
            ]
        );
        let err = parse_list(path, "a\n\nb c\n", "databases").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("tenants.txt:3:"), "{err}");
        let err = parse_list(path, "# only a comment\n", "databases").unwrap_err();
        assert!(err.to_string().contains("names no databases"), "{err}");
        let err = read_list(Path::new("/nonexistent/list.txt"), "databases").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("/nonexistent/list.txt"), "{err}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_jobs_run_at_once_and_outcomes_keep_their_order() {
        let at_work = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut seen = Vec::new();
        let outcomes = run(
            (0..20).collect(),
            Options {
                jobs: 3,
                fail_fast: false,
            },
            |n: u64| {
                let (at_work, most) = (at_work.clone(), most.clone());
                async move {
                    let now = at_work.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5 + (n * 7) % 11)).await;
                    at_work.fetch_sub(1, Ordering::SeqCst);
                    Finished {
                        value: n * 10,
                        ok: n != 4,
                    }
                }
            },
            |i, _| seen.push(i),
        )
        .await;
        assert_eq!(most.load(Ordering::SeqCst), 3);
        assert_eq!(seen.len(), 20);
        let values: Vec<u64> = outcomes
            .iter()
            .map(|o| match o {
                Outcome::Done { value, .. } => *value,
                _ => panic!("{o:?}"),
            })
            .collect();
        assert_eq!(values, (0..20).map(|n| n * 10).collect::<Vec<_>>());
        assert_eq!(
            Tally::of(&outcomes).to_string(),
            "19 ok, 1 failed, 0 skipped"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fail_fast_starts_nothing_after_a_failure() {
        let outcomes = run(
            (0..10).collect(),
            Options {
                jobs: 2,
                fail_fast: true,
            },
            |n: u32| async move {
                if n > 0 {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Finished {
                    value: n,
                    ok: n > 0,
                }
            },
            |_, _| {},
        )
        .await;
        // Job 0 fails at once, while job 1 is at work: it finishes, and
        // nothing else starts.
        assert!(outcomes[0].is_failed());
        assert!(outcomes[1].is_ok());
        assert!(
            outcomes[2..].iter().all(|o| matches!(o, Outcome::Skipped)),
            "{outcomes:?}"
        );
        assert_eq!(
            Tally::of(&outcomes).to_string(),
            "1 ok, 1 failed, 8 skipped"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stop_lets_those_at_work_finish_and_starts_no_other() {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let mut tx = Some(tx);
        let outcomes = run_until(
            (0..6).collect(),
            Options {
                jobs: 2,
                fail_fast: false,
            },
            |n: u32| async move {
                tokio::time::sleep(Duration::from_millis(if n == 1 { 300 } else { 10 })).await;
                Finished { value: n, ok: true }
            },
            |i, _| {
                // Stop once job 0 is done, while job 1 is still at work.
                if i == 0 {
                    let _ = tx.take().map(|tx| tx.send(()));
                }
            },
            async {
                let _ = rx.await;
            },
        )
        .await;
        let ok: Vec<bool> = outcomes.iter().map(Outcome::is_ok).collect();
        // Job 2 may have started in the instant between job 0's end and
        // the stop; nothing after it did.
        assert!(ok[0] && ok[1], "{outcomes:?}");
        assert!(
            outcomes[3..].iter().all(|o| matches!(o, Outcome::Skipped)),
            "{outcomes:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_is_that_targets_failure() {
        let outcomes = run(
            (0..4).collect(),
            Options {
                jobs: 1,
                fail_fast: true,
            },
            |n: u32| async move {
                if n == 1 {
                    panic!("boom");
                }
                Finished { value: n, ok: true }
            },
            |_, _| {},
        )
        .await;
        assert!(outcomes[0].is_ok());
        match &outcomes[1] {
            Outcome::Crashed { message, .. } => assert!(message.contains("boom"), "{message}"),
            o => panic!("{o:?}"),
        }
        assert!(matches!(outcomes[2], Outcome::Skipped), "{outcomes:?}");
    }
}
