//! Running a plan: each step atomically (statements and history write in one
//! transaction) or journaled (a `partial` history row advanced after every
//! statement), under the backend's migration lock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::backend::{Backend, Dialect, StatementClass};
use crate::error::{Error, Result, SourceProblem};
use crate::history::{HistoryRecord, RecordState};
use crate::migration::{Migration, MigrationKey};
use crate::plan::{Direction, Plan, PlanOptions, Request, Step, plan};
use crate::source::Source;

/// How one step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionMode {
    /// One transaction holds the statements and the history write: all or
    /// nothing.
    Atomic,
    /// Statements commit one by one; the history row is written `partial`
    /// first and advanced after each statement, so a failure leaves an
    /// exact record of what ran.
    Journaled,
}

/// Settings of one run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Move the history only; run nothing (`--fake`).
    pub fake: bool,
    /// How long to wait for another run's lock.
    pub lock_timeout: Duration,
    /// `user@host` recorded with each applied migration.
    pub applied_by: Option<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            fake: false,
            lock_timeout: crate::backend::DEFAULT_LOCK_TIMEOUT,
            applied_by: None,
        }
    }
}

/// Receives news of a run as it happens, for live output.
pub trait Progress: Send {
    /// A step is about to run.
    fn step_started(&mut self, step: &PreparedStep, fake: bool) {
        let _ = (step, fake);
    }
    /// A step finished.
    fn step_finished(&mut self, report: &StepReport) {
        let _ = report;
    }
}

/// A [`Progress`] that ignores everything.
pub struct Silent;
impl Progress for Silent {}

/// What one finished step did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StepReport {
    /// The app.
    pub app: String,
    /// The migration.
    pub name: String,
    /// Which way it moved.
    pub direction: Direction,
    /// How it ran.
    pub mode: ExecutionMode,
    /// Only the history moved.
    pub fake: bool,
    /// Statements run.
    pub statements: usize,
    /// Wall time, in milliseconds.
    pub duration_ms: u64,
}

/// One statement ready to run, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedStatement {
    /// The text sent to the server.
    pub sql: String,
    /// `line 12 of migrations/app/0001_x.sql`, or where else it came from.
    pub location: String,
}

/// A plan step with everything needed to run it, checked before anything
/// runs.
#[derive(Debug, Clone)]
pub struct PreparedStep {
    /// Which migration.
    pub key: MigrationKey,
    /// Which way.
    pub direction: Direction,
    /// How it will run.
    pub mode: ExecutionMode,
    /// The statements, in order.
    pub statements: Vec<PreparedStatement>,
    /// Things the user should know before it runs.
    pub warnings: Vec<String>,
}

/// Loads the history and plans, without locking or changing anything
/// (`--dry-run`, and the first half of [`migrate`]).
pub async fn prepare(
    backend: &mut dyn Backend,
    source: &Source,
    request: &Request,
    fake: bool,
) -> Result<(Vec<HistoryRecord>, Vec<PreparedStep>)> {
    let history = backend.load_history().await?;
    tracing::debug!(records = history.len(), target = %backend.target(), "history loaded");
    let plan = plan(source, &history, request, PlanOptions { fake })?;
    tracing::debug!(steps = plan.steps.len(), ?request, "plan ready");
    let steps = prepare_plan(source, &history, &plan, backend.dialect())?;
    Ok((history, steps))
}

/// Checks every step of a plan and resolves its statements.
pub fn prepare_plan(
    source: &Source,
    history: &[HistoryRecord],
    plan: &Plan,
    dialect: &dyn Dialect,
) -> Result<Vec<PreparedStep>> {
    let records: HashMap<MigrationKey, &HistoryRecord> =
        history.iter().map(|r| (r.key(), r)).collect();
    plan.steps
        .iter()
        .map(|step| prepare_step(source, &records, step, dialect))
        .collect()
}

fn prepare_step(
    source: &Source,
    records: &HashMap<MigrationKey, &HistoryRecord>,
    step: &Step,
    dialect: &dyn Dialect,
) -> Result<PreparedStep> {
    let migration = source.get(&step.key);
    let record = records.get(&step.key).copied();
    match step.direction {
        Direction::Apply => {
            let m = migration.expect("the planner applies only migrations it has files for");
            prepare_from_source(m, Direction::Apply, dialect)
        }
        Direction::Unapply => {
            let mut warnings = Vec::new();
            let file_down = migration.and_then(|m| m.down.as_ref());
            let stored = record.and_then(|r| r.down_sql.as_ref());
            let transaction = file_down.is_none_or(|d| d.transaction);
            let statements: Vec<PreparedStatement> = match (stored, file_down) {
                (Some(stored), file) => {
                    if let Some(file) = file
                        && file.sql() != *stored
                    {
                        warnings.push(format!(
                            "the down section of {} changed since it was applied; running the down statements stored when it was applied, which match what ran",
                            step.key
                        ));
                    }
                    stored
                        .iter()
                        .enumerate()
                        .map(|(i, sql)| PreparedStatement {
                            sql: sql.clone(),
                            location: format!("down statement {} stored in the history", i + 1),
                        })
                        .collect()
                }
                (None, Some(file)) => located(file),
                (None, None) => Vec::new(),
            };
            let sql: Vec<&str> = statements.iter().map(|s| s.sql.as_str()).collect();
            let mode = execution_mode(dialect, &sql, transaction, &step.key, None)?;
            Ok(PreparedStep {
                key: step.key.clone(),
                direction: Direction::Unapply,
                mode,
                statements,
                warnings,
            })
        }
    }
}

/// Prepares one direction of a migration straight from its file, as
/// `migrate sql` shows it.
pub fn prepare_from_source(
    migration: &Migration,
    direction: Direction,
    dialect: &dyn Dialect,
) -> Result<PreparedStep> {
    let script = match direction {
        Direction::Apply => &migration.up,
        Direction::Unapply => migration.down.as_ref().ok_or_else(|| {
            Error::Refused(format!(
                "{} is irreversible: it has no down section",
                migration.key()
            ))
        })?,
    };
    let statements = located(script);
    let sql: Vec<&str> = statements.iter().map(|s| s.sql.as_str()).collect();
    let mode = execution_mode(
        dialect,
        &sql,
        script.transaction,
        &migration.key(),
        Some(script),
    )?;
    Ok(PreparedStep {
        key: migration.key(),
        direction,
        mode,
        statements,
        warnings: Vec::new(),
    })
}

fn located(script: &crate::migration::Script) -> Vec<PreparedStatement> {
    script
        .statements
        .iter()
        .map(|s| PreparedStatement {
            sql: s.sql.clone(),
            location: format!("line {} of {}", s.line, script.path.display()),
        })
        .collect()
}

/// Chooses how a script runs on an engine. A statement that cannot run in
/// a transaction, in a script that did not opt out of transactions, is an
/// error that names the statement and the fix.
pub fn execution_mode(
    dialect: &dyn Dialect,
    statements: &[&str],
    transaction: bool,
    key: &MigrationKey,
    script: Option<&crate::migration::Script>,
) -> Result<ExecutionMode> {
    if !transaction {
        return Ok(ExecutionMode::Journaled);
    }
    let mut mode = ExecutionMode::Atomic;
    for (i, sql) in statements.iter().enumerate() {
        match dialect.classify(sql) {
            StatementClass::Transactional => {}
            StatementClass::ImplicitCommit => mode = ExecutionMode::Journaled,
            StatementClass::NoTransaction => {
                let message = format!(
                    "statement {} of {key} cannot run inside a transaction on {}: `{}`; add `transaction=false` to its section marker (`-- migrate:up transaction=false`) so it runs statement by statement",
                    i + 1,
                    dialect.name(),
                    first_line(sql)
                );
                return Err(match script {
                    Some(script) => Error::InvalidSource(vec![SourceProblem {
                        path: script.path.clone(),
                        line: script.statements.get(i).map(|s| s.line),
                        message,
                    }]),
                    None => Error::Refused(message),
                });
            }
        }
    }
    Ok(mode)
}

fn first_line(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or("");
    if line.len() < sql.len() {
        format!("{line} ...")
    } else {
        line.to_string()
    }
}

/// The statements of a step as they would run, transaction wrapper and
/// history writes included, as `migrate sql` and `--dry-run` print them.
pub fn render(step: &PreparedStep, dialect: &dyn Dialect, fake: bool) -> String {
    let mut out = String::new();
    let history_note = match step.direction {
        Direction::Apply => format!("-- record {} as applied in the history", step.key),
        Direction::Unapply => format!("-- remove {} from the history", step.key),
    };
    if fake {
        out.push_str(&format!("-- fake: no statement runs\n{history_note}\n"));
        return out;
    }
    for warning in &step.warnings {
        out.push_str(&format!("-- warning: {warning}\n"));
    }
    match step.mode {
        ExecutionMode::Atomic => {
            out.push_str(&format!("{};\n", dialect.begin_statement()));
            for s in &step.statements {
                out.push_str(&format!("{};\n", s.sql));
            }
            out.push_str(&format!("{history_note}\nCOMMIT;\n"));
        }
        ExecutionMode::Journaled => {
            out.push_str(
                "-- journaled: no transaction; each statement commits on its own and the history records progress after each\n",
            );
            for s in &step.statements {
                out.push_str(&format!("{};\n", s.sql));
            }
            out.push_str(&format!("{history_note}\n"));
        }
    }
    out
}

/// Runs `request`: takes the lock, reads the history under it, plans, and
/// runs each step. The lock is released on every path. Returns what ran;
/// on failure the error says what the failing step left behind, and the
/// steps before it stay done.
pub async fn migrate(
    backend: &mut dyn Backend,
    source: &Source,
    request: &Request,
    options: &RunOptions,
    progress: &mut dyn Progress,
) -> Result<Vec<StepReport>> {
    tracing::debug!(timeout = ?options.lock_timeout, "taking the migration lock");
    backend.lock(options.lock_timeout).await?;
    let result = locked_run(backend, source, request, options, progress).await;
    let unlocked = backend.unlock().await;
    let reports = result?;
    unlocked?;
    Ok(reports)
}

async fn locked_run(
    backend: &mut dyn Backend,
    source: &Source,
    request: &Request,
    options: &RunOptions,
    progress: &mut dyn Progress,
) -> Result<Vec<StepReport>> {
    // Plan before creating anything, so a refused or empty run leaves the
    // database exactly as it was.
    let (history, steps) = prepare(backend, source, request, options.fake).await?;
    if !steps.is_empty() {
        backend.ensure_history().await?;
    }
    let records: HashMap<MigrationKey, HistoryRecord> =
        history.into_iter().map(|r| (r.key(), r)).collect();
    let mut reports = Vec::with_capacity(steps.len());
    for step in &steps {
        progress.step_started(step, options.fake);
        let started = Instant::now();
        let record = match step.direction {
            Direction::Apply => Some(new_record(
                source.get(&step.key).expect("applied steps have files"),
                options,
            )),
            Direction::Unapply => records.get(&step.key).cloned(),
        };
        run_step(backend, step, record, options.fake).await?;
        let report = StepReport {
            app: step.key.app.clone(),
            name: step.key.name.clone(),
            direction: step.direction,
            mode: step.mode,
            fake: options.fake,
            statements: if options.fake {
                0
            } else {
                step.statements.len()
            },
            duration_ms: started.elapsed().as_millis() as u64,
        };
        progress.step_finished(&report);
        reports.push(report);
    }
    Ok(reports)
}

/// The history row of a migration about to be applied.
fn new_record(m: &Migration, options: &RunOptions) -> HistoryRecord {
    HistoryRecord {
        app: m.app.clone(),
        name: m.name.clone(),
        checksum: m.checksum.clone(),
        applied_at: now(),
        duration_ms: 0,
        state: RecordState::Applied,
        statements_done: m.up.statements.len() as i64,
        statements_total: m.up.statements.len() as i64,
        last_error: None,
        up_sql: m.up.sql(),
        down_sql: m.down.as_ref().map(|d| d.sql()),
        applied_by: options.applied_by.clone(),
        tool_version: crate::VERSION.to_string(),
    }
}

async fn run_step(
    backend: &mut dyn Backend,
    step: &PreparedStep,
    record: Option<HistoryRecord>,
    fake: bool,
) -> Result<()> {
    let started = Instant::now();
    match (step.direction, fake) {
        (Direction::Apply, true) => {
            let record = record.expect("apply steps carry a record");
            backend.write_record(&record).await
        }
        (Direction::Unapply, true) => backend.delete_record(&step.key.app, &step.key.name).await,
        (Direction::Apply, false) => {
            let mut record = record.expect("apply steps carry a record");
            match step.mode {
                ExecutionMode::Atomic => {
                    backend.begin().await?;
                    let result = async {
                        run_statements_in_transaction(backend, step).await?;
                        record.duration_ms = started.elapsed().as_millis() as i64;
                        backend.write_record(&record).await
                    }
                    .await;
                    finish_transaction(backend, result).await
                }
                ExecutionMode::Journaled => {
                    record.state = RecordState::Partial;
                    record.statements_done = 0;
                    journaled(backend, step, record, started).await
                }
            }
        }
        (Direction::Unapply, false) => match step.mode {
            ExecutionMode::Atomic => {
                backend.begin().await?;
                let result = async {
                    run_statements_in_transaction(backend, step).await?;
                    backend.delete_record(&step.key.app, &step.key.name).await
                }
                .await;
                finish_transaction(backend, result).await
            }
            ExecutionMode::Journaled => {
                let mut record = record.ok_or_else(|| {
                    Error::Refused(format!("{} has no history row to unapply", step.key))
                })?;
                record.state = RecordState::Reverting;
                record.statements_done = 0;
                record.statements_total = step.statements.len() as i64;
                record.last_error = None;
                journaled(backend, step, record, started).await
            }
        },
    }
}

async fn run_statements_in_transaction(
    backend: &mut dyn Backend,
    step: &PreparedStep,
) -> Result<()> {
    for (i, statement) in step.statements.iter().enumerate() {
        trace_statement(step, i);
        if let Err(e) = backend.execute(&statement.sql).await {
            return Err(statement_error(
                step,
                i,
                e,
                "Nothing of this migration was applied: its transaction was rolled back.".into(),
            ));
        }
    }
    Ok(())
}

/// Commits on success; rolls back on failure, keeping the first error.
async fn finish_transaction(backend: &mut dyn Backend, result: Result<()>) -> Result<()> {
    match result {
        Ok(()) => backend.commit().await,
        Err(e) => {
            if let Err(rollback) = backend.rollback().await {
                tracing::warn!("rollback after a failed migration also failed: {rollback}");
            }
            Err(e)
        }
    }
}

/// Runs statements one by one, writing the history row before the first
/// and after each, so the row always says how many ran.
async fn journaled(
    backend: &mut dyn Backend,
    step: &PreparedStep,
    mut record: HistoryRecord,
    started: Instant,
) -> Result<()> {
    backend.write_record(&record).await?;
    for (i, statement) in step.statements.iter().enumerate() {
        trace_statement(step, i);
        if let Err(e) = backend.execute(&statement.sql).await {
            let message = engine_message(&e);
            record.last_error = Some(format!("statement {} failed: {message}", i + 1));
            let outcome = match backend.write_record(&record).await {
                Ok(()) => format!(
                    "Statements 1 to {i} ran and stay applied (this engine cannot roll them back); the history records {} as {} with {i} of {} statements done. Run `migrate status` to see it.",
                    step.key,
                    record.state.as_str(),
                    step.statements.len()
                ),
                Err(write) => format!(
                    "Statements 1 to {i} ran and stay applied; recording the failure in the history also failed ({write}), so the history says {i} statements ran but not why it stopped."
                ),
            };
            return Err(statement_error(step, i, e, outcome));
        }
        record.statements_done = i as i64 + 1;
        backend.write_record(&record).await?;
    }
    match step.direction {
        Direction::Apply => {
            record.state = RecordState::Applied;
            record.duration_ms = started.elapsed().as_millis() as i64;
            backend.write_record(&record).await
        }
        Direction::Unapply => backend.delete_record(&step.key.app, &step.key.name).await,
    }
}

fn trace_statement(step: &PreparedStep, index: usize) {
    let statement = &step.statements[index];
    tracing::debug!(migration = %step.key, statement = index + 1, location = %statement.location, "running");
    tracing::trace!(sql = %statement.sql);
}

fn engine_message(e: &Error) -> String {
    match e {
        Error::Database { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

fn statement_error(step: &PreparedStep, index: usize, e: Error, outcome: String) -> Error {
    let statement = &step.statements[index];
    let mut sql = statement.sql.clone();
    if sql.len() > 400 {
        let cut = (0..=400)
            .rev()
            .find(|i| sql.is_char_boundary(*i))
            .unwrap_or(0);
        sql.truncate(cut);
        sql.push_str(" ...");
    }
    Error::Statement(Box::new(crate::error::StatementFailure {
        migration: step.key.to_string(),
        index: index + 1,
        total: step.statements.len(),
        location: statement.location.clone(),
        sql: sql.replace('\n', "\n    "),
        message: engine_message(&e),
        outcome,
    }))
}

/// The current time as stored in the history: RFC 3339, UTC, milliseconds.
pub fn now() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .expect("a UTC timestamp always formats")
}
