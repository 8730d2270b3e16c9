//! Running a plan: each step atomically (statements and history write in one
//! transaction) or journaled (a `partial` history row advanced after every
//! statement), under the backend's migration lock.

mod prepare;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::backend::{Backend, BackendExt, BatchItem};
use crate::error::{Error, Result};
use crate::history::{HistoryRecord, RecordState};
use crate::log::{Action, LogEntry};
use crate::migration::{Migration, MigrationKey};
use crate::plan::{Direction, PlanOptions, Request};
use crate::source::Source;

pub use prepare::{
    PreparedStatement, PreparedStep, execution_mode, is_destructive, prepare, prepare_from_source,
    prepare_plan, render,
};
pub(crate) use prepare::{located, online_for, session_edges};

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
    /// What to do about the database's state (`--fake`, orphans, order).
    pub plan: PlanOptions,
    /// Unapply with the file's down section instead of the statements
    /// stored at apply time (`--use-file-down`).
    pub prefer_file_down: bool,
    /// How long to wait for another run's lock.
    pub lock_timeout: Duration,
    /// `user@host` recorded with each applied migration and log entry.
    pub applied_by: Option<String>,
    /// The git commit of the migrations folder, recorded with each applied
    /// migration.
    pub source_commit: Option<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            plan: PlanOptions::default(),
            prefer_file_down: false,
            lock_timeout: crate::backend::DEFAULT_LOCK_TIMEOUT,
            applied_by: None,
            source_commit: None,
        }
    }
}

/// Receives news of a run as it happens, for live output.
pub trait Progress: Send {
    /// Something about the history worth knowing that does not stop the
    /// run (an applied migration edited in comments only), before the plan.
    fn noticed(&mut self, warnings: &[String]) {
        let _ = warnings;
    }
    /// The plan is ready and about to run.
    fn planned(&mut self, steps: &[PreparedStep]) {
        let _ = steps;
    }
    /// A step is about to run.
    fn step_started(&mut self, step: &PreparedStep) {
        let _ = step;
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
    tracing::debug!("lock taken");
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
    // A squash whose originals all ran here takes their rows now, so that
    // what the run records and unapplies is the squash's row.
    crate::squash::record_replacements(backend, source, options.applied_by.clone()).await?;
    // Plan before creating anything, so a refused or empty run leaves the
    // database exactly as it was.
    let (history, steps) = prepare(
        backend,
        source,
        request,
        &options.plan,
        options.prefer_file_down,
    )
    .await?;
    crate::online::check_ready(backend, &steps).await?;
    if !steps.is_empty() {
        backend.ensure_history().await?;
    }
    let warnings = crate::edits::warnings(source, &history);
    if !warnings.is_empty() {
        progress.noticed(&warnings);
    }
    progress.planned(&steps);
    // Only the rows the run unapplies are read again: a keyed copy of the
    // whole history would be most of a large run's memory.
    let unapplied: std::collections::HashSet<(&str, &str)> = steps
        .iter()
        .filter(|s| s.direction == Direction::Unapply)
        .map(|s| (s.key.app.as_str(), s.key.name.as_str()))
        .collect();
    let mut records: HashMap<MigrationKey, HistoryRecord> = history
        .into_iter()
        .filter(|r| unapplied.contains(&(r.app.as_str(), r.name.as_str())))
        .map(|r| (r.key(), r))
        .collect();
    let mut reports = Vec::with_capacity(steps.len());
    for step in &steps {
        reports.push(run_step(backend, source, step, &mut records, options, progress).await?);
    }
    Ok(reports)
}

/// Runs one prepared step and brings `records` (rows of the history as read
/// before the run, at least those of the migrations it unapplies) up to
/// date with it.
async fn run_step(
    backend: &mut dyn Backend,
    source: &Source,
    step: &PreparedStep,
    records: &mut HashMap<MigrationKey, HistoryRecord>,
    options: &RunOptions,
    progress: &mut dyn Progress,
) -> Result<StepReport> {
    progress.step_started(step);
    let started = Instant::now();
    let record = match step.direction {
        Direction::Apply => new_record(
            source.get(&step.key).expect("applied steps have files"),
            options,
        )?,
        Direction::Unapply => records
            .get(&step.key)
            .cloned()
            .expect("the planner unapplies only recorded migrations"),
    };
    if step.fake && record.state != RecordState::Applied {
        crate::repair::check_forgettable(&mut *backend, source, &record).await?;
    }
    let mut runner = StepRunner {
        backend: &mut *backend,
        step,
        record,
        actor: options.applied_by.clone(),
        fault_prefix: "",
    };
    runner.run().await?;
    match step.direction {
        Direction::Apply => {
            records.insert(step.key.clone(), runner.record);
        }
        Direction::Unapply => {
            records.remove(&step.key);
        }
    }
    let report = StepReport {
        app: step.key.app.clone(),
        name: step.key.name.clone(),
        direction: step.direction,
        mode: step.mode,
        fake: step.fake,
        statements: if step.fake { 0 } else { step.statements.len() },
        duration_ms: started.elapsed().as_millis() as u64,
    };
    progress.step_finished(&report);
    Ok(report)
}

/// Moves single migrations up and down under a lock its caller holds,
/// keeping the history in memory between steps instead of reading and
/// planning it all again for each: `migrate check`'s proof moves hundreds
/// of migrations three times each on a scratch database it alone uses, and
/// a full run per step would make it quadratic in the number of
/// migrations. The caller orders the steps (dependencies first); nothing
/// here plans.
pub struct Stepper {
    records: HashMap<MigrationKey, HistoryRecord>,
    /// A step failed or something else wrote the history: read it again
    /// before the next step.
    stale: bool,
    history_reads: usize,
    options: RunOptions,
}

impl Stepper {
    /// A stepper that reads the history before its first step, creating
    /// the history tables if needed.
    pub fn new(options: RunOptions) -> Stepper {
        Stepper {
            records: HashMap::new(),
            stale: true,
            history_reads: 0,
            options,
        }
    }

    /// How many times the history was read: once, unless a step failed or
    /// [`Stepper::forget`] was called.
    pub fn history_reads(&self) -> usize {
        self.history_reads
    }

    /// Says that something else changed the history (a repair): it is read
    /// again before the next step.
    pub fn forget(&mut self) {
        self.stale = true;
    }

    /// Applies or unapplies `key`, as `migrate` would run that one step.
    pub async fn step(
        &mut self,
        backend: &mut dyn Backend,
        source: &Source,
        key: &MigrationKey,
        direction: Direction,
    ) -> Result<StepReport> {
        if self.stale {
            backend.ensure_history().await?;
            self.records = backend
                .load_history()
                .await?
                .into_iter()
                .map(|r| (r.key(), r))
                .collect();
            self.stale = false;
            self.history_reads += 1;
        }
        let plan_step = crate::plan::Step {
            key: key.clone(),
            direction,
            fake: false,
        };
        let record = self.records.get(key);
        if direction == Direction::Unapply && record.is_none() {
            return Err(Error::Refused(format!("{key} is not applied")));
        }
        let step = prepare::prepare_step(
            source,
            record,
            &plan_step,
            backend.dialect(),
            self.options.prefer_file_down,
        )?;
        crate::online::check_ready(backend, std::slice::from_ref(&step)).await?;
        let result = run_step(
            backend,
            source,
            &step,
            &mut self.records,
            &self.options,
            &mut Silent,
        )
        .await;
        if result.is_err() {
            self.stale = true;
        }
        result
    }
}

/// The history row of a migration about to be applied.
pub(crate) fn new_record(m: &Migration, options: &RunOptions) -> Result<HistoryRecord> {
    let up_sql = m.up.sql()?;
    Ok(HistoryRecord {
        app: m.app.clone(),
        name: m.name.clone(),
        checksum: m.checksum.clone(),
        applied_at: now(),
        duration_ms: 0,
        state: RecordState::Applied,
        statements_done: up_sql.len() as i64,
        statements_total: up_sql.len() as i64,
        last_error: None,
        up_sql,
        down_sql: m.down.as_ref().map(crate::Script::sql).transpose()?,
        applied_by: options.applied_by.clone(),
        tool_version: crate::VERSION.to_string(),
        source_commit: options.source_commit.clone(),
        journal: Vec::new(),
    })
}

/// Runs one step and writes its history row and log entry.
pub(crate) struct StepRunner<'a> {
    pub(crate) backend: &'a mut dyn Backend,
    pub(crate) step: &'a PreparedStep,
    /// The row as it will be written (apply) or as it was read (unapply).
    pub(crate) record: HistoryRecord,
    pub(crate) actor: Option<String>,
    /// What the crash points of this run are called: empty, or `resume-`
    /// while repair resumes ([`crate::fault`]).
    pub(crate) fault_prefix: &'static str,
}

impl StepRunner<'_> {
    async fn run(&mut self) -> Result<()> {
        let started = Instant::now();
        match (self.step.fake, self.step.mode) {
            (true, _) => {
                let action = match self.step.direction {
                    Direction::Apply => Action::FakeApply,
                    Direction::Unapply if self.step.orphan => Action::Prune,
                    Direction::Unapply => Action::FakeUnapply,
                };
                self.record_outcome(action, 0..0, None, true).await
            }
            (false, ExecutionMode::Atomic) => {
                let (lead, trail) = self.step.outside;
                let total = self.step.statements.len();
                self.run_outside(0..lead).await?;
                let result = self.run_atomic(lead..total - trail, started).await;
                // Session settings are restored whether the transaction
                // committed or not.
                let restored = self.run_outside(total - trail..total).await;
                result.and(restored)
            }
            (false, ExecutionMode::Journaled) => self.journaled(started).await,
        }
    }

    fn done_action(&self) -> Action {
        match self.step.direction {
            Direction::Apply => Action::Apply,
            Direction::Unapply => Action::Unapply,
        }
    }

    /// Runs `body` and the history write in one transaction, as two
    /// batches: the statements (with the `BEGIN`), then the history row,
    /// the log entry and the `COMMIT`, so that the row records how long the
    /// statements took. A backend that pipelines pays two round trips for
    /// the whole migration.
    async fn run_atomic(&mut self, body: std::ops::Range<usize>, started: Instant) -> Result<()> {
        let start = body.start;
        let begin = self.backend.dialect().begin_statement();
        let mut items = vec![BatchItem::statement(begin)];
        for i in body {
            trace_statement(self.step, i);
            items.push(BatchItem::statement(self.step.statements[i].sql.clone()));
        }
        match self.backend.run_batch(&items, true).await {
            Ok(()) => {}
            Err((0, e)) => return Err(e),
            Err((i, e)) => {
                self.roll_back().await;
                let outcome = rolled_back(self.step.direction);
                return Err(statement_error(self.step, start + i - 1, e, outcome.into()));
            }
        }
        self.record.duration_ms = started.elapsed().as_millis() as i64;
        let action = self.done_action();
        let ran = 0..self.step.statements.len();
        self.record_outcome(action, ran, None, false).await
    }

    /// Rolls back the transaction a failed batch leaves open, if any.
    async fn roll_back(&mut self) {
        if let Err(rollback) = self.backend.rollback().await {
            tracing::warn!("rollback after a failed migration also failed: {rollback}");
        }
    }

    /// Runs session statements just before or after the transaction.
    async fn run_outside(&mut self, range: std::ops::Range<usize>) -> Result<()> {
        for i in range {
            trace_statement(self.step, i);
            if let Err(e) = self.backend.execute(&self.step.statements[i].sql).await {
                return Err(statement_error(
                    self.step,
                    i,
                    e,
                    "It is a session setting run outside the migration's transaction.".into(),
                ));
            }
        }
        Ok(())
    }

    /// The history write and log entry of a finished step, the row written
    /// (apply) or deleted (unapply), and what ran, then `COMMIT`: one batch
    /// that finishes the open transaction, or opens its own when `open`.
    async fn record_outcome(
        &mut self,
        action: Action,
        ran: std::ops::Range<usize>,
        detail: Option<String>,
        open: bool,
    ) -> Result<()> {
        let begin = open.then(|| BatchItem::statement(self.backend.dialect().begin_statement()));
        let items: Vec<BatchItem> = begin
            .into_iter()
            .chain(self.outcome_items(action, ran, detail))
            .collect();
        let Err((i, e)) = self.backend.run_batch(&items, true).await else {
            return Ok(());
        };
        self.roll_back().await;
        Err(self.outcome_failure(items.len() - i, e))
    }

    /// The last items of a finished step's transaction: its history row
    /// written (apply) or deleted (unapply), its log entry, and `COMMIT`.
    fn outcome_items(
        &self,
        action: Action,
        ran: std::ops::Range<usize>,
        detail: Option<String>,
    ) -> [BatchItem; 3] {
        let key = &self.step.key;
        let change = match self.step.direction {
            Direction::Apply => crate::store::record_item(&*self.backend, &self.record),
            Direction::Unapply => crate::store::delete_item(&*self.backend, &key.app, &key.name),
        };
        let entry = self.log_entry(action, ran, detail);
        let log = crate::store::log_item(&*self.backend, &entry);
        [change, log, BatchItem::statement("COMMIT")]
    }

    /// What failed, when the item `from_end` places from the end of a batch
    /// that ends with [`Self::outcome_items`] failed.
    fn outcome_failure(&self, from_end: usize, e: Error) -> Error {
        let key = &self.step.key;
        let what = match from_end {
            3 => format!("cannot record {key} in the history"),
            2 => "cannot write the audit log".to_string(),
            1 => format!("cannot commit {key} and its history row"),
            _ => format!("cannot open the transaction of {key}"),
        };
        e.in_context(what)
    }

    fn log_entry(
        &self,
        action: Action,
        ran: std::ops::Range<usize>,
        detail: Option<String>,
    ) -> LogEntry {
        LogEntry {
            at: now(),
            app: self.step.key.app.clone(),
            name: self.step.key.name.clone(),
            action,
            checksum: Some(self.record.checksum.clone()),
            detail,
            statements: self.step.statements[ran]
                .iter()
                .map(|s| s.sql.clone())
                .collect(),
            actor: self.actor.clone(),
            tool_version: crate::VERSION.to_string(),
        }
    }

    async fn log(
        &mut self,
        action: Action,
        ran: std::ops::Range<usize>,
        detail: Option<String>,
    ) -> Result<()> {
        let entry = self.log_entry(action, ran, detail);
        self.backend.append_log(&entry).await
    }

    /// Runs statements one by one, writing the history row before the first
    /// and after each, so the row always says how many ran.
    async fn journaled(&mut self, started: Instant) -> Result<()> {
        self.record.state = match self.step.direction {
            Direction::Apply => RecordState::Partial,
            Direction::Unapply => RecordState::Reverting,
        };
        self.record.statements_done = 0;
        self.record.statements_total = self.step.statements.len() as i64;
        self.record.last_error = None;
        self.record.journal.clear();
        // The first row announces the first statement when its text gives
        // its entry: the statement's own journal write is then not needed.
        let first = self.entry_known_early(0);
        let announced = first.is_some();
        self.record.journal.extend(first);
        self.backend.write_record(&self.record).await?;
        let action = self.done_action();
        self.run_journaled(0, announced, action, started).await
    }

    /// Runs the statements from `start` (0-based) on, journaled, then
    /// records the outcome as `action`. The row must already say `start`
    /// statements are done.
    pub(crate) async fn continue_journaled(
        &mut self,
        start: usize,
        action: Action,
        started: Instant,
    ) -> Result<()> {
        self.run_journaled(start, false, action, started).await
    }

    /// [`Self::continue_journaled`]; `announced` when the row already holds
    /// the entry of statement `start`.
    ///
    /// Each statement goes as one batch: its journal write (unless the
    /// write before announced it), the statement, and the write that
    /// counts it, which also announces the next statement when
    /// [`Self::entry_known_early`] gives its entry. A statement that only
    /// changes rows runs in one transaction with the write that counts it
    /// instead. The last statement is counted by the outcome's write.
    ///
    /// The history is written at most once between two statements: a
    /// statement with a probe whose count would announce nothing is counted
    /// by the next write (the next statement's journal write, or its
    /// transaction), and a crash in between leaves it in doubt, settled by
    /// looking. A statement without a probe is counted at once, so that no
    /// crash leaves it to the user to settle.
    async fn run_journaled(
        &mut self,
        start: usize,
        mut announced: bool,
        action: Action,
        started: Instant,
    ) -> Result<()> {
        let step = self.step;
        let total = step.statements.len();
        let mut open = false;
        for (i, statement) in step.statements.iter().enumerate().skip(start) {
            trace_statement(step, i);
            if !announced {
                let entry = self.entry_now(&statement.sql).await;
                self.record.journal.truncate(i);
                self.record.journal.push(entry);
            }
            crate::fault::point(self.fault_prefix, "entry", i + 1);
            let next = (i + 1 < total)
                .then(|| self.entry_known_early(i + 1))
                .flatten();
            let ran = match statement.online {
                Some(tool) => {
                    let items = [
                        crate::store::record_item(&*self.backend, &self.record),
                        BatchItem::statement(&statement.sql),
                        self.count_item(i, next.as_ref(), false),
                    ];
                    self.run_online(tool, &items, i + 1).await
                }
                None => {
                    let with_its_count = changes_rows_only(self.backend.dialect(), &statement.sql);
                    let last = i + 1 == total;
                    let mut items = Vec::with_capacity(4);
                    if with_its_count {
                        items.push(BatchItem::statement(
                            self.backend.dialect().begin_statement(),
                        ));
                    } else if !announced {
                        items.push(crate::store::record_item(&*self.backend, &self.record));
                    }
                    let at = items.len();
                    items.push(BatchItem::statement(&statement.sql));
                    // A statement the database can be asked about is
                    // counted by the next history write, unless a count
                    // must announce the statement after it now.
                    let deferred =
                        !with_its_count && next.is_none() && self.record.journal[i].probe.is_some();
                    if !last && !deferred {
                        items.push(self.count_item(i, next.as_ref(), with_its_count));
                        if with_its_count {
                            items.push(BatchItem::statement("COMMIT"));
                        }
                    }
                    open = last && with_its_count;
                    let ran = self
                        .run_journaled_batch(&items, at, i + 1, with_its_count)
                        .await;
                    if ran.is_err() && with_its_count {
                        self.roll_back().await;
                    }
                    ran
                }
            };
            match ran {
                Ok(()) => {
                    self.record.statements_done = i as i64 + 1;
                    announced = next.is_some();
                    self.record.journal.extend(next);
                }
                Err(Failed::Statement(e)) => {
                    let outcome = self.journal_failure(i, &e).await;
                    return Err(statement_error(step, i, e, outcome));
                }
                Err(Failed::History(e)) => {
                    let key = &step.key;
                    return Err(e.in_context(format!("cannot record {key} in the history")));
                }
            }
        }
        self.record.state = RecordState::Applied;
        self.record.statements_done = total as i64;
        self.record.duration_ms = started.elapsed().as_millis() as i64;
        self.record_outcome(action, start..total, None, !open).await
    }

    /// The journal entry of a statement about to run, read from the
    /// database where its text does not give it.
    async fn entry_now(&mut self, sql: &str) -> crate::journal::JournalEntry {
        // What undoes a statement is read before it runs: after a DROP
        // there is nothing left to read it from.
        match self.backend.journal_entry(sql).await {
            Ok(entry) => entry,
            Err(e) => crate::journal::JournalEntry::without_inverse(
                sql,
                format!("its inverse could not be derived: {e}"),
                None,
            ),
        }
    }

    /// The entry of statement `index` (0-based), when it can be written
    /// with the history write before it ([`crate::journal::entry_known_early`]).
    /// Not for a statement that changes rows (it is counted in its own
    /// transaction, never announced) nor one run by an online tool.
    fn entry_known_early(&self, index: usize) -> Option<crate::journal::JournalEntry> {
        let statement = &self.step.statements[index];
        let dialect = self.backend.dialect();
        if statement.online.is_some() || changes_rows_only(dialect, &statement.sql) {
            return None;
        }
        crate::journal::entry_known_early(&statement.sql, dialect)
    }

    /// The history write that counts statement `index` (0-based) as done
    /// and announces `next`, the entry of the statement after it, when
    /// given. `whole_row` writes the row even with nothing to announce: a
    /// statement run in one transaction with its count has had no journal
    /// write of its own.
    fn count_item(
        &mut self,
        index: usize,
        next: Option<&crate::journal::JournalEntry>,
        whole_row: bool,
    ) -> BatchItem {
        if next.is_none() && !whole_row {
            let key = &self.step.key;
            return crate::store::count_item(&*self.backend, &key.app, &key.name, index as i64 + 1);
        }
        let done = self.record.statements_done;
        self.record.statements_done = index as i64 + 1;
        self.record.journal.extend(next.cloned());
        let item = crate::store::record_item(&*self.backend, &self.record);
        self.record.journal.truncate(index + 1);
        self.record.statements_done = done;
        item
    }

    /// Runs the batch of statement `number`, whose item `at` is the
    /// statement. With crash points installed ([`crate::fault`]), item by
    /// item, so that a test can kill the run just before the statement
    /// (`before`) and just after it (`after`): the states a crash inside a
    /// batch leaves, which the journal must recover from.
    async fn run_journaled_batch(
        &mut self,
        items: &[BatchItem],
        at: usize,
        number: usize,
        in_transaction: bool,
    ) -> std::result::Result<(), Failed> {
        let failed = |(k, e): (usize, Error)| Failed::at(k, at, e);
        if !crate::fault::installed() {
            return self
                .backend
                .run_batch(items, in_transaction)
                .await
                .map_err(failed);
        }
        for (k, item) in items.iter().enumerate() {
            if k == at {
                crate::fault::point(self.fault_prefix, "before", number);
            }
            let one = std::slice::from_ref(item);
            self.backend
                .run_batch(one, in_transaction)
                .await
                .map_err(|(_, e)| failed((k, e)))?;
            if k == at {
                crate::fault::point(self.fault_prefix, "after", number);
            }
        }
        Ok(())
    }

    /// Runs statement `number` of an `online=` section: the journal write,
    /// the tool in place of the statement, then the write that counts it,
    /// each on its own (the tool runs outside the connection), with the
    /// crash points of [`Self::run_journaled_batch`].
    async fn run_online(
        &mut self,
        tool: crate::online::OnlineTool,
        items: &[BatchItem; 3],
        number: usize,
    ) -> std::result::Result<(), Failed> {
        let Some(alter) = crate::online::parse_alter(&items[1].sql) else {
            return Err(Failed::Statement(Error::Refused(format!(
                "`{}` is not an ALTER TABLE",
                items[1].sql
            ))));
        };
        self.backend
            .run_batch(std::slice::from_ref(&items[0]), false)
            .await
            .map_err(|(_, e)| Failed::History(e))?;
        crate::fault::point(self.fault_prefix, "before", number);
        tracing::info!(migration = %self.step.key, statement = number, table = %alter.table, tool = tool.program(), "altering online");
        self.backend
            .online_alter(tool, &alter)
            .await
            .map_err(Failed::Statement)?;
        crate::fault::point(self.fault_prefix, "after", number);
        self.backend
            .run_batch(std::slice::from_ref(&items[2]), false)
            .await
            .map_err(|(_, e)| Failed::History(e))
    }

    /// Records why a journaled step stopped, and says what it left behind.
    async fn journal_failure(&mut self, index: usize, e: &Error) -> String {
        let error = format!("statement {} failed: {}", index + 1, engine_message(e));
        self.record.last_error = Some(error.clone());
        let action = match self.step.direction {
            Direction::Apply => Action::ApplyFailed,
            Direction::Unapply => Action::UnapplyFailed,
        };
        // Its first statement failed, so nothing of the migration ran: the
        // history goes back to saying it is not applied.
        let nothing_ran = index == 0 && self.step.direction == Direction::Apply;
        let written = if nothing_ran {
            let key = &self.step.key;
            self.backend.delete_record(&key.app, &key.name).await
        } else {
            self.backend.write_record(&self.record).await
        };
        if let Err(log) = self.log(action, index..index + 1, Some(error)).await {
            tracing::warn!("cannot write the failure to the audit log: {log}");
        }
        let why = if self.backend.dialect().capabilities().transactional_ddl {
            "the migration says transaction=false, so each statement committed on its own"
        } else {
            "this engine commits each DDL statement on its own"
        };
        match (written, nothing_ran) {
            (Ok(()), true) => format!(
                "Nothing of {} ran: its first statement failed, and the history is as it was. Fix the statement and run migrate again.",
                self.step.key
            ),
            (Ok(()), false) => format!(
                "{} ({why}); the history records {} as {} with {index} of {} statements done. `migrate repair` shows how to undo or finish it.",
                statements_upto(index),
                self.step.key,
                self.record.state.as_str(),
                self.step.statements.len()
            ),
            (Err(write), true) => format!(
                "Nothing of {} ran: its first statement failed, but removing its row from the history also failed ({write}); `migrate repair` shows it.",
                self.step.key
            ),
            (Err(write), false) => format!(
                "{}; recording the failure in the history also failed ({write}), so the history says {index} statements ran but not why it stopped.",
                statements_upto(index)
            ),
        }
    }
}

/// Why the batch of a journaled statement stopped.
enum Failed {
    /// The statement failed: nothing after it in the batch ran.
    Statement(Error),
    /// A history write (or the `BEGIN` before the statement) failed.
    History(Error),
}

impl Failed {
    /// The failure of item `k` of a batch whose item `at` is the statement.
    fn at(k: usize, at: usize, e: Error) -> Failed {
        if k == at {
            Failed::Statement(e)
        } else {
            Failed::History(e)
        }
    }
}

/// Whether `sql` only changes rows (`INSERT`, `UPDATE`, `DELETE`,
/// `REPLACE`) and runs inside a transaction on this engine. Such a
/// statement can neither commit by itself nor, through a trigger or a
/// function it calls, end the transaction around it, so a journaled step
/// runs it in one transaction with the write that counts it. Anything else
/// (a procedure call, a prepared statement, a session setting) may commit
/// or outlive a rollback, and keeps the journal write before it.
fn changes_rows_only(dialect: &dyn crate::backend::Dialect, sql: &str) -> bool {
    let first = crate::dialect::leading_keywords(sql, 1);
    matches!(
        first.first().map(String::as_str),
        Some("INSERT" | "UPDATE" | "DELETE" | "REPLACE")
    ) && dialect.classify(sql) == crate::backend::StatementClass::Transactional
}

/// `Statement 1 ran and stays applied` / `Statements 1 to 3 ran and stay
/// applied`: the statements before the one that failed.
fn statements_upto(index: usize) -> String {
    match index {
        1 => "Statement 1 ran and stays applied".to_string(),
        n => format!("Statements 1 to {n} ran and stay applied"),
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

/// What a failed atomic step left behind: nothing, and the migration where
/// it was, which an unapply must say too (it is still applied).
fn rolled_back(direction: Direction) -> &'static str {
    match direction {
        Direction::Apply => {
            "Nothing of this migration was applied: its transaction was rolled back."
        }
        Direction::Unapply => {
            "Nothing of this migration was unapplied: its transaction was rolled back, and it stays applied."
        }
    }
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
