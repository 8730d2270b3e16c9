//! Planning: from the source, the history and what the user asked for, the
//! ordered steps to run, or a refusal that says why. Pure code, no I/O.
//!
//! The rules follow Django's `migrate`:
//! - moving forward to a migration applies every missing ancestor first
//!   (earlier migrations of its app and declared dependencies, across apps);
//! - moving back to a migration unapplies every later migration of its app
//!   and, first, everything that depends on them, newest first;
//! - `zero` unapplies the whole app.
//!
//! Before that, divergent history is dealt with: orphans (applied, file
//! gone) are refused unless the user chose to revert, rewind or prune them;
//! and the plan is refused when it would leave an edited migration applied,
//! apply a migration out of order, or step back across an irreversible one.

mod checks;
mod graph;

use std::collections::{BTreeSet, HashSet};

use crate::error::{Error, Result};
use crate::history::{HistoryRecord, RecordState};
use crate::migration::{Migration, MigrationKey, number_of};
use crate::source::Source;

pub use checks::{describe_unfinished, provenance, statement_changes};
use graph::Graph;

/// What the user asked `migrate` to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Every app to its latest migration.
    All,
    /// One app to its latest migration.
    App(String),
    /// One app to a target: a name or prefix, or `zero`.
    To {
        /// The app.
        app: String,
        /// The target as typed.
        target: String,
    },
}

/// Which way a step moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Run the up script.
    Apply,
    /// Run the down script.
    Unapply,
}

/// One migration to apply or unapply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Which migration.
    pub key: MigrationKey,
    /// Which way.
    pub direction: Direction,
    /// Only the history moves.
    pub fake: bool,
}

/// The steps of a run, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The steps, in the order they run.
    pub steps: Vec<Step>,
}

impl Plan {
    /// `true` when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// What to do about the database's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Only the history moves (`--fake`): partial rows count as applied so
    /// that they can be forgotten or completed on paper, and irreversible
    /// migrations can be unapplied.
    pub fake: bool,
    /// Undo orphans with their stored down statements first
    /// (`--revert-orphans`).
    pub revert_orphans: bool,
    /// Undo everything applied after the earliest orphan of its app, the
    /// orphans, then apply the rest again (`--rewind`).
    pub rewind: bool,
    /// Forget orphans without running anything (`--prune`).
    pub prune: bool,
    /// Apply pending migrations numbered below applied ones
    /// (`--allow-out-of-order`).
    pub allow_out_of_order: bool,
}

/// Computes the steps for `request`, or refuses.
pub fn plan(
    source: &Source,
    history: &[HistoryRecord],
    request: &Request,
    options: PlanOptions,
) -> Result<Plan> {
    let records = crate::history::index_rows(history);
    let mut applied: HashSet<MigrationKey> = history
        .iter()
        .filter(|r| options.fake || r.state == RecordState::Applied)
        .map(HistoryRecord::key)
        .collect();
    // Built when a request needs it: applying everything does not.
    let graph = std::cell::OnceCell::new();
    let graph = || graph.get_or_init(|| Graph::new(source));
    let handles_orphans = options.revert_orphans || options.rewind || options.prune;
    let requested = requested_apps(source, history, request, handles_orphans)?;
    // Before orphans are dealt with: a renamed migration's old row looks
    // like an orphan, and reverting or pruning it would lose what it did.
    let renames = crate::renames::renames(source, history);
    checks::refuse_renames(&renames, &requested)?;

    let orphans: Vec<&HistoryRecord> = history
        .iter()
        .filter(|r| {
            r.state == RecordState::Applied
                && requested.contains(&r.app)
                && source.get_named(&r.app, &r.name).is_none()
        })
        .collect();
    let mut steps = Vec::new();
    if !orphans.is_empty() {
        if !handles_orphans {
            checks::refuse_orphans(source, history, &orphans)?;
        }
        let undo = if options.rewind {
            rewind(graph(), source, &applied, &orphans)
        } else {
            newest_first(source, orphans.iter().map(|r| r.key()).collect())
        };
        let fake = options.fake || (options.prune && !options.rewind);
        for key in undo {
            applied.remove(&key);
            steps.push(Step {
                key,
                direction: Direction::Unapply,
                fake,
            });
        }
    }

    let (direction, keys) = match request {
        // Every migration of the source with all its ancestors is every
        // migration of the source: those not applied, in the source's
        // order, which is the dependency order.
        // `applied` is what the rows say is applied, less what this plan
        // unapplies first (orphans, and a rewind's later migrations):
        // asking the rows builds no key for the thousands already applied.
        Request::All => {
            let undone: HashSet<&MigrationKey> = steps.iter().map(|s| &s.key).collect();
            let pending = |m: &&Migration| {
                let row_applied = records
                    .get(&(m.app.as_str(), m.name.as_str()))
                    .is_some_and(|r| options.fake || r.state == RecordState::Applied);
                !row_applied || (!undone.is_empty() && undone.contains(&m.key()))
            };
            let keys = source.ordered().filter(pending).map(Migration::key);
            (Direction::Apply, keys.collect())
        }
        Request::App(app) => {
            let wanted: Vec<MigrationKey> = source
                .app(app)
                .and_then(|list| list.last())
                .map(Migration::key)
                .into_iter()
                .collect();
            (Direction::Apply, graph().to_apply(&applied, &wanted))
        }
        Request::To { app, target } => {
            let list = source.app(app).unwrap_or_default();
            if target == "zero" {
                let removed: Vec<MigrationKey> = list.iter().map(Migration::key).collect();
                (Direction::Unapply, graph().to_unapply(&applied, &removed))
            } else {
                let target = source.resolve(app, target)?;
                if applied.contains(&target.key()) {
                    let later: Vec<MigrationKey> = list
                        .iter()
                        .filter(|m| m.number > target.number)
                        .map(Migration::key)
                        .collect();
                    (Direction::Unapply, graph().to_unapply(&applied, &later))
                } else {
                    (
                        Direction::Apply,
                        graph().to_apply(&applied, &[target.key()]),
                    )
                }
            }
        }
    };
    for key in keys {
        if direction == Direction::Unapply {
            applied.remove(&key);
        }
        steps.push(Step {
            key,
            direction,
            fake: options.fake,
        });
    }
    // Repeatable migrations come last, on a run that takes their app to
    // its latest: those that never ran, or whose file changed since.
    let to_latest: Vec<&str> = match request {
        Request::All => source.apps().collect(),
        Request::App(app) => vec![app.as_str()],
        Request::To { .. } => Vec::new(),
    };
    for app in to_latest {
        for m in source.repeatables(app) {
            let due = records
                .get(&(m.app.as_str(), m.name.as_str()))
                .is_none_or(|r| r.state != RecordState::Applied || r.checksum != m.checksum);
            if due {
                steps.push(Step {
                    key: m.key(),
                    direction: Direction::Apply,
                    fake: options.fake,
                });
            }
        }
    }
    let plan = Plan { steps };

    let mut scope = requested;
    scope.extend(plan.steps.iter().map(|s| s.key.app.clone()));
    checks::refuse_renames(&renames, &scope)?;
    if !options.fake {
        checks::refuse_unfinished(history, &scope)?;
        checks::refuse_modified(source, &records, &plan, &scope)?;
        if !options.allow_out_of_order {
            checks::refuse_out_of_order(source, &plan, &applied)?;
        }
        checks::refuse_irreversible(source, &records, &plan)?;
    }
    Ok(plan)
}

/// The apps a request concerns. A named app must exist in the source; an
/// app known only to the history (its folder deleted) may be named only to
/// deal with its orphans.
fn requested_apps(
    source: &Source,
    history: &[HistoryRecord],
    request: &Request,
    handles_orphans: bool,
) -> Result<BTreeSet<String>> {
    let app = match request {
        Request::All => {
            let mut apps: BTreeSet<String> = source.apps().map(str::to_string).collect();
            apps.extend(history.iter().map(|r| r.app.clone()));
            return Ok(apps);
        }
        Request::App(app) => app,
        Request::To { app, target } => {
            if source.app(app).is_none() && target != "zero" {
                known_app(source, history, app, false)?;
            }
            app
        }
    };
    known_app(source, history, app, handles_orphans)?;
    Ok(BTreeSet::from([app.clone()]))
}

fn known_app(
    source: &Source,
    history: &[HistoryRecord],
    app: &str,
    handles_orphans: bool,
) -> Result<()> {
    if source.app(app).is_some() {
        return Ok(());
    }
    if history.iter().any(|r| r.app == app) {
        if handles_orphans {
            return Ok(());
        }
        return Err(Error::Refused(format!(
            "app `{app}` has applied migrations in this database but no folder in {}: its files were removed. \
Undo them with `migrate {app} --revert-orphans`, or forget them with `migrate {app} --prune` if they were undone by hand.",
            source.dir().display()
        )));
    }
    Err(source.unknown_app(app))
}

/// Keys newest first: by app, then place in the app's order and name,
/// descending.
fn newest_first(source: &Source, mut keys: Vec<MigrationKey>) -> Vec<MigrationKey> {
    keys.sort_by_cached_key(|k| (k.app.clone(), source.order_number(k), k.name.clone()));
    keys.reverse();
    keys
}

/// What `--rewind` undoes: per app with orphans, everything applied after
/// its earliest orphan (and what depends on that, in other apps, first),
/// with the orphans, newest first.
fn rewind(
    graph: &Graph,
    source: &Source,
    applied: &HashSet<MigrationKey>,
    orphans: &[&HistoryRecord],
) -> Vec<MigrationKey> {
    let mut in_app: Vec<MigrationKey> = orphans.iter().map(|r| r.key()).collect();
    let mut later: Vec<MigrationKey> = Vec::new();
    let apps: BTreeSet<&str> = orphans.iter().map(|r| r.app.as_str()).collect();
    for app in &apps {
        let earliest = orphans
            .iter()
            .filter(|r| r.app == *app)
            .filter_map(|r| number_of(&r.name))
            .min()
            .unwrap_or(0);
        later.extend(
            source
                .app(app)
                .unwrap_or_default()
                .iter()
                .filter(|m| m.number > earliest)
                .map(Migration::key),
        );
    }
    let mut first = Vec::new();
    for key in graph.to_unapply(applied, &later) {
        if apps.contains(key.app.as_str()) {
            in_app.push(key);
        } else {
            first.push(key);
        }
    }
    first.extend(newest_first(source, in_app));
    first
}

#[cfg(test)]
mod tests;
