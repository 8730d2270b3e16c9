//! Crash points, for tests of what a killed run leaves behind.
//!
//! The executor and repair call [`point`] at every place where a crash
//! matters: before a statement's journal entry is written (`entry`), once
//! it is written but before the statement runs (`before`), once it ran but
//! before the history counts it (`after`); the same with `resume-` in front
//! while `repair --resume` runs statements; `undo-before` and `undo-after`
//! around each inverse of `repair --undo`. Nothing happens there unless a
//! program [`install`]s a hook, and the `migrate` binary never does: only
//! the test binary `migrate-crashtest` (feature `fault-injection` of
//! `migrate-cli`) installs one, which aborts the process at the point
//! `MIGRATE_FAULT=<point>:<statement>` names. No environment variable can
//! make a production binary crash itself.

use std::sync::OnceLock;

type Hook = Box<dyn Fn(&str, usize) + Send + Sync>;

static HOOK: OnceLock<Hook> = OnceLock::new();

/// Installs the process's crash hook, called with each point's name and
/// the 1-based statement number; `false` when one is installed already.
pub fn install(hook: impl Fn(&str, usize) + Send + Sync + 'static) -> bool {
    HOOK.set(Box::new(hook)).is_ok()
}

/// A crash point: calls the hook, if a program installed one.
pub(crate) fn point(prefix: &str, when: &str, statement: usize) {
    if let Some(hook) = HOOK.get() {
        hook(&format!("{prefix}{when}"), statement);
    }
}

/// Whether a crash hook is installed: the executor then sends the journal
/// writes and the statement between them one by one, so that the hook can
/// stop the run between them.
pub(crate) fn installed() -> bool {
    HOOK.get().is_some()
}
