//! Planning: from the source, the history and what the user asked for, the
//! ordered steps to run, or a refusal that says why. Pure code, no I/O.
//!
//! The rules follow Django's `migrate`:
//! - moving forward to a migration applies every missing ancestor first
//!   (earlier migrations of its app and declared dependencies, across apps);
//! - moving back to a migration unapplies every later migration of its app
//!   and, first, everything that depends on them, newest first;
//! - `zero` unapplies the whole app.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::error::{Error, Result};
use crate::history::{HistoryRecord, RecordState};
use crate::migration::{Migration, MigrationKey};
use crate::source::Source;

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

/// How the plan treats the database's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Only the history moves (`--fake`): partial rows count as applied so
    /// that they can be forgotten or completed on paper, and irreversible
    /// migrations can be unapplied.
    pub fake: bool,
}

/// Computes the steps for `request`, or refuses.
pub fn plan(
    source: &Source,
    history: &[HistoryRecord],
    request: &Request,
    options: PlanOptions,
) -> Result<Plan> {
    let records: HashMap<MigrationKey, &HistoryRecord> =
        history.iter().map(|r| (r.key(), r)).collect();
    let applied: HashSet<MigrationKey> = history
        .iter()
        .filter(|r| options.fake || r.state == RecordState::Applied)
        .map(HistoryRecord::key)
        .collect();
    let graph = Graph::new(source);

    let steps = match request {
        Request::All => {
            let wanted: Vec<MigrationKey> = source.ordered().map(Migration::key).collect();
            forward(&graph, &applied, &wanted)
        }
        Request::App(app) => {
            let list = known_app(source, history, app)?;
            let wanted: Vec<MigrationKey> = list.last().map(Migration::key).into_iter().collect();
            forward(&graph, &applied, &wanted)
        }
        Request::To { app, target } => {
            let list = known_app(source, history, app)?;
            if target == "zero" {
                let removed: Vec<MigrationKey> = list.iter().map(Migration::key).collect();
                backward(&graph, &applied, &removed)
            } else {
                let target = source.resolve(app, target)?;
                if applied.contains(&target.key()) {
                    let later: Vec<MigrationKey> = list
                        .iter()
                        .filter(|m| m.number > target.number)
                        .map(Migration::key)
                        .collect();
                    backward(&graph, &applied, &later)
                } else {
                    forward(&graph, &applied, &[target.key()])
                }
            }
        }
    };
    let plan = Plan { steps };
    let scope = scope_of(source, request, &plan);
    if !options.fake {
        refuse_unfinished(history, &scope)?;
    }
    refuse_orphans(source, history, &scope)?;
    refuse_modified(source, &records, &plan, &scope, options)?;
    if !options.fake {
        refuse_irreversible(source, &records, &plan)?;
    }
    Ok(plan)
}

/// The app must exist in the source. An app known only to the history is
/// reported as such, since its files are gone.
fn known_app<'a>(
    source: &'a Source,
    history: &[HistoryRecord],
    app: &str,
) -> Result<&'a [Migration]> {
    match source.app(app) {
        Some(list) => Ok(list),
        None if history.iter().any(|r| r.app == app) => Err(Error::Refused(format!(
            "app `{app}` has applied migrations in this database but no folder in {}: its files were removed; restore them (for example from version control) to unapply them",
            source.dir().display()
        ))),
        None => Err(source.unknown_app(app)),
    }
}

/// Parents and children of every migration in the source.
struct Graph<'a> {
    /// Dependency order, for sorting steps.
    position: HashMap<MigrationKey, usize>,
    parents: HashMap<MigrationKey, Vec<MigrationKey>>,
    children: HashMap<MigrationKey, Vec<MigrationKey>>,
    _source: &'a Source,
}

impl<'a> Graph<'a> {
    fn new(source: &'a Source) -> Self {
        let mut parents: HashMap<MigrationKey, Vec<MigrationKey>> = HashMap::new();
        let mut children: HashMap<MigrationKey, Vec<MigrationKey>> = HashMap::new();
        for app in source.apps() {
            let list = source.app(app).unwrap_or_default();
            for (i, m) in list.iter().enumerate() {
                let mut ps = m.depends_on.clone();
                if i > 0 {
                    ps.push(list[i - 1].key());
                }
                for p in &ps {
                    children.entry(p.clone()).or_default().push(m.key());
                }
                parents.insert(m.key(), ps);
            }
        }
        let position = source
            .ordered()
            .enumerate()
            .map(|(i, m)| (m.key(), i))
            .collect();
        Graph {
            position,
            parents,
            children,
            _source: source,
        }
    }

    /// `start` and everything reachable from it through `edges`.
    fn closure(
        &self,
        start: &[MigrationKey],
        edges: &HashMap<MigrationKey, Vec<MigrationKey>>,
    ) -> HashSet<MigrationKey> {
        let mut seen: HashSet<MigrationKey> = HashSet::new();
        let mut stack: Vec<MigrationKey> = start.to_vec();
        while let Some(key) = stack.pop() {
            if seen.insert(key.clone()) {
                stack.extend(edges.get(&key).into_iter().flatten().cloned());
            }
        }
        seen
    }

    fn sorted(&self, keys: HashSet<MigrationKey>, reverse: bool) -> Vec<MigrationKey> {
        let mut keys: Vec<MigrationKey> = keys.into_iter().collect();
        keys.sort_by_key(|k| self.position[k]);
        if reverse {
            keys.reverse();
        }
        keys
    }
}

fn forward(graph: &Graph, applied: &HashSet<MigrationKey>, targets: &[MigrationKey]) -> Vec<Step> {
    let needed: HashSet<MigrationKey> = graph
        .closure(targets, &graph.parents)
        .into_iter()
        .filter(|k| !applied.contains(k))
        .collect();
    graph
        .sorted(needed, false)
        .into_iter()
        .map(|key| Step {
            key,
            direction: Direction::Apply,
        })
        .collect()
}

fn backward(graph: &Graph, applied: &HashSet<MigrationKey>, removed: &[MigrationKey]) -> Vec<Step> {
    let undone: HashSet<MigrationKey> = graph
        .closure(removed, &graph.children)
        .into_iter()
        .filter(|k| applied.contains(k))
        .collect();
    graph
        .sorted(undone, true)
        .into_iter()
        .map(|key| Step {
            key,
            direction: Direction::Unapply,
        })
        .collect()
}

/// The apps a request concerns: the named app and every app the plan
/// touches; every app for [`Request::All`].
fn scope_of(source: &Source, request: &Request, plan: &Plan) -> BTreeSet<String> {
    let mut scope: BTreeSet<String> = plan.steps.iter().map(|s| s.key.app.clone()).collect();
    match request {
        Request::All => scope.extend(source.apps().map(str::to_string)),
        Request::App(app) | Request::To { app, .. } => {
            scope.insert(app.clone());
        }
    }
    scope
}

fn refuse_unfinished(history: &[HistoryRecord], scope: &BTreeSet<String>) -> Result<()> {
    let unfinished: Vec<&HistoryRecord> = history
        .iter()
        .filter(|r| r.state != RecordState::Applied && scope.contains(&r.app))
        .collect();
    let Some(first) = unfinished.first() else {
        return Ok(());
    };
    let mut text = String::new();
    for r in &unfinished {
        text.push_str(&describe_unfinished(r));
        text.push('\n');
    }
    let before = previous_name(history, first);
    text.push_str(&format!(
        "The database holds the effects of the statements that ran. Undo them by hand (`migrate sql {app} {name}` prints them), \
then record that with `migrate --fake {app} {before}`; or finish them by hand and record that with `migrate --fake {app} {name}`.",
        app = first.app,
        name = first.name,
    ));
    Err(Error::Refused(text))
}

/// One line on a partial or reverting record.
pub fn describe_unfinished(r: &HistoryRecord) -> String {
    let what = match r.state {
        RecordState::Reverting => "was being unapplied",
        _ => "is partially applied",
    };
    let error = r
        .last_error
        .as_deref()
        .map(|e| format!("; {e}"))
        .unwrap_or_default();
    format!(
        "{} {what}: {} of {} statements ran{error}",
        r.key(),
        r.statements_done,
        r.statements_total
    )
}

/// The name to `--fake` back to so that `record` counts as not applied.
fn previous_name(history: &[HistoryRecord], record: &HistoryRecord) -> String {
    let number = crate::migration::number_of(&record.name);
    history
        .iter()
        .filter(|r| r.app == record.app && crate::migration::number_of(&r.name) < number)
        .max_by_key(|r| crate::migration::number_of(&r.name))
        .map(|r| r.name.clone())
        .unwrap_or_else(|| "zero".to_string())
}

fn refuse_orphans(
    source: &Source,
    history: &[HistoryRecord],
    scope: &BTreeSet<String>,
) -> Result<()> {
    let orphans: Vec<&HistoryRecord> = history
        .iter()
        .filter(|r| scope.contains(&r.app) && source.get(&r.key()).is_none())
        .collect();
    if orphans.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = orphans
        .iter()
        .map(|r| format!("  {} (applied {})", r.key(), r.applied_at))
        .collect();
    Err(Error::Refused(format!(
        "these migrations are applied in this database but their files are gone from {}:\n{}\n\
Someone probably unapplied and deleted them. Restore the files and unapply them, \
or if their effects were already undone by hand, forget them with `migrate --fake`.",
        source.dir().display(),
        list.join("\n")
    )))
}

fn refuse_modified(
    source: &Source,
    records: &HashMap<MigrationKey, &HistoryRecord>,
    plan: &Plan,
    scope: &BTreeSet<String>,
    options: PlanOptions,
) -> Result<()> {
    let unapplied: HashSet<&MigrationKey> = plan
        .steps
        .iter()
        .filter(|s| s.direction == Direction::Unapply)
        .map(|s| &s.key)
        .collect();
    let mut modified: Vec<String> = Vec::new();
    for app in scope {
        for m in source.app(app).unwrap_or_default() {
            let key = m.key();
            if let Some(r) = records.get(&key)
                && r.state == RecordState::Applied
                && r.checksum != m.checksum
                && !unapplied.contains(&key)
                && !options.fake
            {
                modified.push(format!("  {key} (applied {})", r.applied_at));
            }
        }
    }
    if modified.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "these applied migrations were edited after they ran, so the database may not match their files:\n{}\n\
Revert the edit and put the change in a new migration (`migrate new`), \
or unapply the migration (its stored down statements match what ran) and apply the new version.",
        modified.join("\n")
    )))
}

fn refuse_irreversible(
    source: &Source,
    records: &HashMap<MigrationKey, &HistoryRecord>,
    plan: &Plan,
) -> Result<()> {
    for step in plan
        .steps
        .iter()
        .filter(|s| s.direction == Direction::Unapply)
    {
        let stored = records.get(&step.key).and_then(|r| r.down_sql.as_ref());
        let in_file = source.get(&step.key).and_then(|m| m.down.as_ref());
        if stored.is_none() && in_file.is_none() {
            return Err(Error::Refused(format!(
                "{} is irreversible: it has no down section, so it cannot be unapplied. \
Add a `-- migrate:down` section (or a .down.sql file) that undoes it, \
or undo it by hand and record that with `migrate --fake`.",
                step.key
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
