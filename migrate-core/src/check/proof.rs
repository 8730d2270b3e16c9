//! The proof on a scratch database: every migration applied, filled with
//! rows, unapplied, compared with the schema before it, and applied again,
//! through the same executor a real run uses.
//!
//! For each migration, in dependency order: the schema before; up; the
//! schema after; rows generated in the tables it touched; down; the schema
//! compared with the one before (`exact`, or the differences in words) and
//! the rows of the tables that existed before counted; up again, compared
//! with the schema after the first up. A migration that fails leaves the
//! migrations that depend on it (later ones of its app, and those that name
//! it in `depends_on`) not run; other apps go on.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;

use super::{Finding, Severity};
use super::{reach, rows};
use crate::backend::{Backend, BackendExt};
use crate::dialect::SqlDialect;
use crate::executor::{RunOptions, Stepper};
use crate::migration::{Migration, MigrationKey};
use crate::plan::Direction;
use crate::repair::{Repair, RepairOptions};
use crate::schema::{self, Difference, Schema, Trigger};
use crate::source::Source;

/// How the first up went: serde `ok`, `error`, `not-run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpResult {
    /// It ran.
    Ok,
    /// It failed.
    Error,
    /// Not tried: no scratch database for this engine, or something it
    /// depends on failed.
    NotRun,
}

/// How the down went: serde `ok`, `error`, `missing`, `not-run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DownResult {
    /// It ran.
    Ok,
    /// It failed, or was refused.
    Error,
    /// The migration has no down section.
    Missing,
    /// Not tried.
    NotRun,
}

/// Whether down then up gave back the schema: serde `exact`, `differs`,
/// `not-run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Roundtrip {
    /// Down restored the schema before the migration, and up again the
    /// schema after it.
    Exact,
    /// One of the two comparisons found a difference.
    Differs,
    /// Not tried.
    NotRun,
}

/// Rows of the tables that existed before a migration, generated after its
/// up, and how many its down kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RowsKept {
    /// Rows in those tables before the down.
    pub before_down: i64,
    /// Rows in those tables after it.
    pub after_down: i64,
}

/// The proof of one migration on one engine.
#[derive(Debug, Clone, Serialize)]
pub struct Proof {
    /// The first up.
    pub up: UpResult,
    /// The down.
    pub down: DownResult,
    /// Down and up again against the schemas before and after.
    pub roundtrip: Roundtrip,
    /// What the down did to the rows of tables older than the migration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<RowsKept>,
    /// The differences after the down (with the schema before) and after
    /// the second up (with the schema after the first), in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<String>,
    /// What went wrong, as findings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

impl Proof {
    /// The proof of a migration that was not tried.
    pub fn not_run() -> Proof {
        Proof {
            up: UpResult::NotRun,
            down: DownResult::NotRun,
            roundtrip: Roundtrip::NotRun,
            rows: None,
            differences: Vec::new(),
            findings: Vec::new(),
        }
    }
}

/// Counts of the work a proof did, for the growth tests and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    /// Schema inspections.
    pub inspections: usize,
    /// Tables those inspections read, all together.
    pub tables_read: usize,
    /// Steps run (ups and downs).
    pub runs: usize,
    /// Times the history was read.
    pub history_reads: usize,
}

/// Proves `selected` migrations of `source` (read for `backend`'s engine)
/// on `backend`, an empty scratch database. Migrations before a selected
/// one are applied without proof, as the selected ones need them; nothing
/// after the last selected one runs.
pub async fn prove(
    backend: &mut dyn Backend,
    source: &Source,
    selected: &(dyn Fn(&Migration) -> bool + Sync),
    work: &mut Work,
) -> Vec<(MigrationKey, Proof)> {
    // The scratch database is this proof's alone: one lock for all its
    // steps (a repair after a failure takes it again, which the engines'
    // locks allow).
    if let Err(e) = backend.lock(crate::backend::DEFAULT_LOCK_TIMEOUT).await {
        tracing::debug!(error = %e, "the proof could not take the lock");
        return Vec::new();
    }
    let proofs = prove_locked(backend, source, selected, work).await;
    let _ = backend.unlock().await;
    proofs
}

async fn prove_locked(
    backend: &mut dyn Backend,
    source: &Source,
    selected: &(dyn Fn(&Migration) -> bool + Sync),
    work: &mut Work,
) -> Vec<(MigrationKey, Proof)> {
    // A squash and its originals never run in one database: prove what a
    // fresh one runs, and say so of the migrations it leaves out.
    let all = source;
    let view = match crate::squash::resolve(all, &[]) {
        Ok((view, _)) => view,
        Err(_) => std::borrow::Cow::Borrowed(all),
    };
    let source: &Source = &view;
    let mut proofs = Vec::new();
    for m in all.ordered().filter(|m| selected(m)) {
        if let Some(by) = source.stand_in(&m.key()) {
            let mut proof = Proof::not_run();
            proof.findings.push(finding(
                "not-run",
                Severity::Info,
                format!(
                    "not run: a fresh database runs {by} instead (a squash and the migrations it replaces never both run), proven in its place"
                ),
                m,
                None,
            ));
            proofs.push((m.key(), proof));
        }
    }
    let ordered: Vec<&Migration> = source.ordered().collect();
    let last = ordered.iter().rposition(|m| selected(m));
    let mut broken: HashSet<MigrationKey> = HashSet::new();
    let mut counter = 0u64;
    let mut known: Option<Known> = None;
    let mut stepper = Stepper::new(RunOptions::default());
    for (i, m) in ordered.iter().enumerate() {
        if last.is_none_or(|l| i > l) {
            break;
        }
        let blocked = depends_on(source, m)
            .into_iter()
            .find(|k| broken.contains(k));
        if let Some(dep) = blocked {
            broken.insert(m.key());
            if selected(m) {
                let mut proof = Proof::not_run();
                proof.findings.push(finding(
                    "not-run",
                    Severity::Info,
                    format!("not run: it depends on {dep}, which failed here"),
                    m,
                    None,
                ));
                proofs.push((m.key(), proof));
            }
            continue;
        }
        if !selected(m) {
            work.runs += 1;
            known = None;
            if let Err(e) = stepper
                .step(backend, source, &m.key(), Direction::Apply)
                .await
            {
                broken.insert(m.key());
                tracing::debug!(key = %m.key(), error = %e, "a migration before the checked ones failed");
            }
            continue;
        }
        let proof = prove_one(
            backend,
            source,
            m,
            &mut stepper,
            &mut known,
            &mut counter,
            work,
        )
        .await;
        if proof.up != UpResult::Ok {
            broken.insert(m.key());
        }
        proofs.push((m.key(), proof));
    }
    work.history_reads += stepper.history_reads();
    proofs
}

/// The whole schema of the scratch database as the proof last read it,
/// kept up to date from what it reads around each migration: the next
/// migration's schema before, without reading it again.
struct Known(Schema);

impl Known {
    /// The part of the schema that reading `scope` on `family` returns.
    fn within(&self, scope: Option<&[String]>, family: SqlDialect) -> Schema {
        let mut schema = self.0.clone();
        if let Some(tables) = scope {
            schema.tables.retain(|name, _| covers(tables, family, name));
            schema
                .triggers
                .retain(|_, t| covers(tables, family, &t.table));
            schema.views.clear();
            schema.sequences.clear();
        }
        schema
    }

    /// The schema once `read` (what `scope` reads, after a migration)
    /// replaces what was known of it; `None` where the two reads may key
    /// triggers differently (PostgreSQL names a trigger by its table too
    /// when another table has one of the same name).
    fn updated(self, scope: Option<&[String]>, family: SqlDialect, read: Schema) -> Option<Known> {
        let Some(tables) = scope else {
            return Some(Known(read));
        };
        let mut schema = self.0;
        let touched = |t: &Trigger| covers(tables, family, &t.table);
        if !read.triggers.is_empty() || schema.triggers.values().any(touched) {
            return None;
        }
        schema
            .tables
            .retain(|name, _| !covers(tables, family, name));
        schema.tables.extend(read.tables);
        Some(Known(schema))
    }
}

/// Whether reading `tables` on `family` returns the table `name`: names
/// compare without case on SQLite, exactly elsewhere
/// ([`crate::schema::Scope::Tables`]).
fn covers(tables: &[String], family: SqlDialect, name: &str) -> bool {
    match family {
        SqlDialect::Sqlite => tables.iter().any(|t| t.eq_ignore_ascii_case(name)),
        _ => tables.iter().any(|t| t == name),
    }
}

async fn prove_one(
    backend: &mut dyn Backend,
    source: &Source,
    m: &Migration,
    stepper: &mut Stepper,
    known: &mut Option<Known>,
    counter: &mut u64,
    work: &mut Work,
) -> Proof {
    let mut proof = Proof::not_run();
    let family = backend.dialect().sql_dialect();
    let scope = reach::tables_named(m, family);
    let scope = scope.as_deref();
    let model = match known.take() {
        Some(k) => Some(k),
        None => match inspect(backend, None, work).await {
            Ok(schema) => Some(Known(schema)),
            Err(_) => None,
        },
    };
    let before = match &model {
        Some(k) => k.within(scope, family),
        None => match inspect(backend, scope, work).await {
            Ok(s) => s,
            Err(e) => {
                proof.findings.push(finding(
                    "inspect-failed",
                    Severity::Error,
                    format!("cannot read the schema before it: {e}"),
                    m,
                    None,
                ));
                return proof;
            }
        },
    };
    work.runs += 1;
    if let Err(e) = stepper
        .step(backend, source, &m.key(), Direction::Apply)
        .await
    {
        proof.up = UpResult::Error;
        proof.findings.push(finding(
            "up-failed",
            Severity::Error,
            format!("applying it fails: {}", describe(&e)),
            m,
            failing_line(&e),
        ));
        clean_up(backend, source, m, stepper).await;
        return proof;
    }
    proof.up = UpResult::Ok;
    let Ok(after) = inspect(backend, scope, work).await else {
        return proof;
    };
    let touched = touched_tables(&before, &after);
    let generated = rows::insert(backend, &after, &touched, counter).await;
    for (table, why) in &generated.skipped {
        proof.findings.push(finding(
            "rows-not-generated",
            Severity::Info,
            format!("no rows generated in {table}: {why}"),
            m,
            None,
        ));
    }
    let older: Vec<&String> = touched
        .iter()
        .filter(|t| before.tables.contains_key(*t))
        .collect();
    let mut before_down = 0;
    for table in &older {
        before_down += rows::count(backend, table).await.unwrap_or(0);
    }
    if m.down.is_none() {
        proof.down = DownResult::Missing;
        *known = model.and_then(|k| k.updated(scope, family, after));
        return proof;
    }
    work.runs += 1;
    if let Err(e) = stepper
        .step(backend, source, &m.key(), Direction::Unapply)
        .await
    {
        proof.down = DownResult::Error;
        proof.findings.push(finding(
            "down-failed",
            Severity::Error,
            format!(
                "unapplying it (with rows in its tables) fails: {}",
                describe(&e)
            ),
            m,
            failing_line(&e),
        ));
        clean_up(backend, source, m, stepper).await;
        return proof;
    }
    proof.down = DownResult::Ok;
    let mut after_down = 0;
    for table in &older {
        after_down += rows::count(backend, table).await.unwrap_or(0);
    }
    if !older.is_empty() {
        proof.rows = Some(RowsKept {
            before_down,
            after_down,
        });
        if after_down < before_down {
            proof.findings.push(finding(
                "rows-lost",
                Severity::Warning,
                format!(
                    "unapplying it deleted {} of the {before_down} rows of {}",
                    before_down - after_down,
                    older
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                m,
                None,
            ));
        }
    }
    let Ok(restored) = inspect(backend, scope, work).await else {
        return proof;
    };
    let back = schema::diff(&before, &restored);
    report(
        &mut proof,
        m,
        &back,
        "after unapplying it, the schema differs from before it",
    );
    work.runs += 1;
    if let Err(e) = stepper
        .step(backend, source, &m.key(), Direction::Apply)
        .await
    {
        proof.roundtrip = Roundtrip::Differs;
        proof.findings.push(finding(
            "reapply-failed",
            Severity::Error,
            format!(
                "applying it again after unapplying it fails: {}",
                describe(&e)
            ),
            m,
            failing_line(&e),
        ));
        clean_up(backend, source, m, stepper).await;
        return proof;
    }
    let Ok(again) = inspect(backend, scope, work).await else {
        return proof;
    };
    let forth = schema::diff(&after, &again);
    report(
        &mut proof,
        m,
        &forth,
        "applying it again gives another schema than the first time",
    );
    proof.roundtrip = if back.is_empty() && forth.is_empty() {
        Roundtrip::Exact
    } else {
        Roundtrip::Differs
    };
    *known = model.and_then(|k| k.updated(scope, family, again));
    proof
}

/// Reads the tables `scope` names, or the whole schema.
async fn inspect(
    backend: &mut dyn Backend,
    scope: Option<&[String]>,
    work: &mut Work,
) -> crate::Result<Schema> {
    work.inspections += 1;
    let schema = match scope {
        Some(tables) => backend.inspect_tables(tables).await?,
        None => backend.inspect().await?,
    };
    work.tables_read += schema.tables.len();
    Ok(schema)
}

/// Records differences: a warning, or information when every one of them
/// is minor (a re-created column placed last).
fn report(proof: &mut Proof, m: &Migration, differences: &[Difference], what: &str) {
    if differences.is_empty() {
        return;
    }
    let words: Vec<String> = differences.iter().map(|d| d.to_string()).collect();
    let severity = if differences.iter().all(Difference::is_minor) {
        Severity::Info
    } else {
        Severity::Warning
    };
    proof.findings.push(finding(
        "roundtrip-differs",
        severity,
        format!("{what}: {}", words.join("; ")),
        m,
        m.down
            .as_ref()
            .and_then(|d| d.statements().ok()?.first())
            .map(|s| s.line),
    ));
    proof.differences.extend(words);
}

/// Tables the migration created or changed, as they are after it.
fn touched_tables(before: &Schema, after: &Schema) -> BTreeSet<String> {
    after
        .tables
        .iter()
        .filter(|(name, table)| before.tables.get(*name) != Some(*table))
        .map(|(name, _)| name.clone())
        .collect()
}

/// What `m` needs applied first: the migration before it in its app, and
/// those its `depends_on` names.
fn depends_on(source: &Source, m: &Migration) -> Vec<MigrationKey> {
    let mut deps = m.depends_on.clone();
    if let Some(list) = source.app(&m.app)
        && let Some(at) = list.iter().position(|x| x.name == m.name)
        && at > 0
    {
        deps.push(list[at - 1].key());
    }
    deps
}

/// After a failure that left the migration part way, undoes what ran so
/// that the other apps can go on.
async fn clean_up(
    backend: &mut dyn Backend,
    source: &Source,
    m: &Migration,
    stepper: &mut Stepper,
) {
    stepper.forget();
    let partial = backend
        .load_history()
        .await
        .map(|h| {
            h.iter()
                .any(|r| r.key() == m.key() && r.state != crate::RecordState::Applied)
        })
        .unwrap_or(false);
    if partial {
        let options = RepairOptions::default();
        let outcome = crate::repair::run(
            backend,
            source,
            &m.key(),
            Repair::Undo,
            &options,
            &mut |_| true,
        )
        .await;
        if let Err(e) = outcome {
            tracing::debug!(key = %m.key(), error = %e, "could not undo a failed proof step");
        }
    }
}

/// The file line of the statement an error names, when it names one.
fn failing_line(error: &crate::Error) -> Option<usize> {
    match error {
        crate::Error::Statement(failure) => failure
            .location
            .strip_prefix("line ")?
            .split(' ')
            .next()?
            .parse()
            .ok(),
        _ => None,
    }
}

/// An error in one line: the failing statement and the engine's words,
/// without the recovery advice a real run prints.
fn describe(error: &crate::Error) -> String {
    match error {
        crate::Error::Statement(f) => format!(
            "statement {} of {} (`{}`) fails: {}",
            f.index,
            f.total,
            f.sql.lines().next().unwrap_or(""),
            f.message
        ),
        other => other.to_string().lines().next().unwrap_or("").to_string(),
    }
}

fn finding(
    code: &'static str,
    severity: Severity,
    message: String,
    m: &Migration,
    line: Option<usize>,
) -> Finding {
    Finding {
        code,
        severity,
        message,
        file: m.up.path.clone(),
        line,
    }
}
