//! Migrations a journaled run left part way: what ran, what failed, what is
//! in doubt, and the four ways out.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::backend::{Backend, BackendExt};
use crate::error::{Error, Result};
use crate::executor::{ExecutionMode, PreparedStatement, PreparedStep, StepRunner, now};
use crate::history::{HistoryRecord, RecordState};
use crate::journal::{Derived, JournalEntry, Probe, derive, statement_hash};
use crate::log::{Action, LogEntry};
use crate::migration::MigrationKey;
use crate::plan::Direction;
use crate::source::Source;

/// A statement of the interrupted script that ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ran {
    /// 1-based number in its script.
    pub index: usize,
    /// The statement.
    pub sql: String,
    /// What undoes it, as recorded before it ran; `None` when nothing could
    /// be derived.
    pub inverse: Option<Vec<String>>,
    /// The inverse restores the definition, not the data.
    pub lossy: bool,
    /// Why there is no inverse, or what it cannot bring back.
    pub note: Option<String>,
}

/// The statement after the last one counted, when the run stopped between
/// recording it and counting it: it may or may not have run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Doubt {
    /// 1-based number in its script.
    pub index: usize,
    /// The statement.
    pub sql: String,
    /// What the database shows: `Some(true)` it took effect, `Some(false)`
    /// it did not, `None` it cannot be told by looking.
    pub took_effect: Option<bool>,
    /// What was recorded before it ran.
    #[serde(skip)]
    pub entry: JournalEntry,
}

/// One migration left part way.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// The migration.
    pub key: MigrationKey,
    /// `applying` or `unapplying`: which script stopped.
    pub direction: Direction,
    /// Statements counted as done.
    pub done: usize,
    /// Statements in the script.
    pub total: usize,
    /// The statements that ran, in order.
    pub ran: Vec<Ran>,
    /// The statement that failed and the engine's error.
    pub failed: Option<(usize, String)>,
    /// The statement in doubt after a crash.
    pub doubt: Option<Doubt>,
    /// What a killed `pt-online-schema-change` left behind on the tables
    /// the migration alters ([`crate::online`]); `--undo` and `--resume`
    /// clean it first.
    pub leftovers: Vec<crate::online::Leftover>,
    /// The statements that clean `leftovers`.
    #[serde(skip)]
    cleanup: Vec<String>,
    #[serde(skip)]
    record: HistoryRecord,
    #[serde(skip)]
    script: Vec<String>,
}

/// How to settle a statement in doubt that the database cannot answer for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DoubtChoice {
    /// Only what the database shows.
    #[default]
    Check,
    /// The user says it ran (`--assume-ran`).
    AssumeRan,
    /// The user says it did not (`--assume-not-ran`).
    AssumeNotRan,
}

/// How a repair runs.
#[derive(Debug, Clone)]
pub struct RepairOptions {
    /// How to settle a statement in doubt that the database cannot answer
    /// for.
    pub doubt: DoubtChoice,
    /// Resume an interrupted unapply with the down section of the file as
    /// it is now (fixed), rather than the down statements stored when the
    /// migration was applied (`--use-file-down`).
    pub use_file_down: bool,
    /// `user@host`, for the audit log.
    pub actor: Option<String>,
    /// How long to wait for the migration lock.
    pub lock_timeout: Duration,
}

impl Default for RepairOptions {
    fn default() -> Self {
        RepairOptions {
            doubt: DoubtChoice::Check,
            use_file_down: false,
            actor: None,
            lock_timeout: crate::backend::DEFAULT_LOCK_TIMEOUT,
        }
    }
}

/// The ways out of a partial migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Repair {
    /// Run the inverses of what ran, newest first: as if it never started.
    Undo,
    /// Run the rest from the (fixed) file and record it as applied.
    Resume,
    /// The user finished it by hand: record it as applied.
    MarkApplied,
    /// The user undid it by hand: forget it.
    Forget,
}

impl Repair {
    /// The flag that asks for it.
    pub fn flag(self) -> &'static str {
        match self {
            Repair::Undo => "--undo",
            Repair::Resume => "--resume",
            Repair::MarkApplied => "--mark-applied",
            Repair::Forget => "--forget",
        }
    }

    fn action(self) -> Action {
        match self {
            Repair::Undo => Action::RepairUndo,
            Repair::Resume => Action::RepairResume,
            Repair::MarkApplied => Action::RepairMarkApplied,
            Repair::Forget => Action::RepairForget,
        }
    }
}

/// What a repair will do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairPlan {
    /// The migration.
    pub migration: String,
    /// Which repair.
    pub repair: Repair,
    /// The statements it runs, in order.
    pub statements: Vec<String>,
    /// What the user should know first (data that cannot come back).
    pub warnings: Vec<String>,
    /// What the history says afterwards.
    pub outcome: String,
}

/// Every migration left part way, with what the database shows about a
/// statement in doubt. Changes nothing.
pub async fn inspect(backend: &mut dyn Backend) -> Result<Vec<Case>> {
    let history = backend.load_history().await?;
    let mut cases = Vec::new();
    for record in history
        .into_iter()
        .filter(|r| r.state != RecordState::Applied)
    {
        let mut case = case_of(record);
        if let Some(doubt) = &mut case.doubt
            && let Some(probe) = &doubt.entry.probe
        {
            doubt.took_effect = backend
                .probe(probe)
                .await?
                .map(|exists| exists == probe.exists_after());
        }
        if backend.dialect().sql_dialect() == crate::dialect::SqlDialect::Mysql {
            let database = backend.location().database.clone();
            let tables = crate::online::altered_tables(&case.script, &database);
            if !tables.is_empty() {
                case.leftovers = crate::online::leftovers(backend, &tables).await?;
                let dialect = backend.dialect();
                let quote = |n: &str| dialect.quote_identifier(n);
                case.cleanup = case
                    .leftovers
                    .iter()
                    .flat_map(|l| l.cleanup(&quote))
                    .collect();
            }
        }
        cases.push(case);
    }
    Ok(cases)
}

fn case_of(record: HistoryRecord) -> Case {
    let direction = match record.state {
        RecordState::Reverting => Direction::Unapply,
        _ => Direction::Apply,
    };
    let script = match direction {
        Direction::Apply => record.up_sql.clone(),
        Direction::Unapply => record.down_sql.clone().unwrap_or_default(),
    };
    let counted = (record.statements_done.max(0) as usize).min(script.len());
    // `repair --undo` marks a statement before running its inverse and
    // uncounts it after: marked and still counted, it stopped in between,
    // and whether the statement is still in effect is in doubt.
    let undoing = counted > 0 && record.journal.get(counted - 1).is_some_and(|e| e.undoing);
    let done = if undoing { counted - 1 } else { counted };
    let ran = (0..done)
        .map(|i| {
            let entry = record.journal.get(i);
            Ran {
                index: i + 1,
                sql: script[i].clone(),
                inverse: entry.and_then(|e| e.inverse.clone()),
                lossy: entry.is_some_and(|e| e.lossy),
                note: match entry {
                    Some(e) => e.note.clone(),
                    None => Some("no journal entry was recorded for it".into()),
                },
            }
        })
        .collect();
    let failed = match undoing {
        true => None,
        false => record.last_error.clone().map(|e| (done + 1, e)),
    };
    // A journal entry past the last counted statement, with no error
    // recorded: the run stopped between writing it and counting it.
    let doubt = match (&failed, record.journal.get(done), script.get(done)) {
        (None, Some(entry), Some(sql)) => Some(Doubt {
            index: done + 1,
            sql: sql.clone(),
            took_effect: None,
            entry: entry.clone(),
        }),
        _ => None,
    };
    Case {
        key: record.key(),
        direction,
        done,
        total: script.len(),
        ran,
        failed,
        doubt,
        leftovers: Vec::new(),
        cleanup: Vec::new(),
        record,
        script,
    }
}

impl Case {
    /// Whether the statement in doubt counts as run, or why that cannot be
    /// decided; `Ok(false)` when nothing is in doubt.
    fn settle(&self, choice: DoubtChoice) -> Result<bool> {
        let Some(doubt) = &self.doubt else {
            return Ok(false);
        };
        match (doubt.took_effect, choice) {
            (Some(seen), DoubtChoice::Check) => Ok(seen),
            (Some(seen), DoubtChoice::AssumeRan) if seen => Ok(true),
            (Some(seen), DoubtChoice::AssumeNotRan) if !seen => Ok(false),
            (Some(seen), _) => Err(Error::Refused(format!(
                "statement {} of {} ({}) {} by what the database shows; drop the --assume flag",
                doubt.index,
                self.key,
                first_line(&doubt.sql),
                if seen {
                    "did take effect"
                } else {
                    "did not take effect"
                }
            ))),
            (None, DoubtChoice::AssumeRan) => Ok(true),
            (None, DoubtChoice::AssumeNotRan) => Ok(false),
            (None, DoubtChoice::Check) => Err(Error::Refused(format!(
                "statement {} of {} is in doubt: the run stopped after recording it and before counting it, \
and whether it took effect cannot be told by looking at the database:\n    {}\n\
Check by hand, then say --assume-ran or --assume-not-ran.",
                doubt.index,
                self.key,
                doubt.sql.replace('\n', "\n    ")
            ))),
        }
    }

    /// The statements in effect: those counted, plus the one in doubt when
    /// it took effect.
    fn in_effect(&self, doubt_ran: bool) -> Vec<Ran> {
        let mut ran = self.ran.clone();
        if doubt_ran && let Some(d) = &self.doubt {
            ran.push(Ran {
                index: d.index,
                sql: d.sql.clone(),
                inverse: d.entry.inverse.clone(),
                lossy: d.entry.lossy,
                note: d.entry.note.clone(),
            });
        }
        ran
    }

    /// What `repair` would do, or why it cannot.
    pub fn plan(
        &self,
        repair: Repair,
        source: &Source,
        options: &RepairOptions,
    ) -> Result<RepairPlan> {
        let doubt_ran = self.settle(options.doubt)?;
        let mut plan = RepairPlan {
            migration: self.key.to_string(),
            repair,
            statements: Vec::new(),
            warnings: Vec::new(),
            outcome: String::new(),
        };
        match repair {
            Repair::Undo => {
                let in_effect = self.in_effect(doubt_ran);
                let missing: Vec<String> = in_effect
                    .iter()
                    .filter(|r| r.inverse.is_none())
                    .map(|r| {
                        format!(
                            "  statement {}: {}{}",
                            r.index,
                            first_line(&r.sql),
                            r.note
                                .as_deref()
                                .map(|n| format!(" ({n})"))
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                if !missing.is_empty() {
                    let all: Vec<String> = in_effect
                        .iter()
                        .map(|r| format!("  {}. {}", r.index, r.sql.replace('\n', "\n     ")))
                        .collect();
                    return Err(Error::Refused(format!(
                        "{} cannot be undone automatically: no inverse is known for\n{}\n\
These statements ran:\n{}\n\
Undo them by hand, then record that with `migrate repair --forget {} {}`.",
                        self.key,
                        missing.join("\n"),
                        all.join("\n"),
                        self.key.app,
                        self.key.name
                    )));
                }
                for r in in_effect.iter().rev() {
                    plan.statements
                        .extend(r.inverse.clone().unwrap_or_default());
                    if r.lossy {
                        plan.warnings.push(format!(
                            "undoing statement {} ({}) restores its definition but not its data{}",
                            r.index,
                            first_line(&r.sql),
                            r.note
                                .as_deref()
                                .map(|n| format!(": {n}"))
                                .unwrap_or_default()
                        ));
                    }
                }
                plan.outcome = match self.direction {
                    Direction::Apply => format!(
                        "{} is no longer in the history, as if it never started",
                        self.key
                    ),
                    Direction::Unapply => format!(
                        "{} is applied again, as before the unapply started",
                        self.key
                    ),
                };
            }
            Repair::Resume => {
                let (statements, _) =
                    self.resume_script(source, doubt_ran, options.use_file_down)?;
                let start = self.done + usize::from(doubt_ran);
                let replays = self.session_replays(doubt_ran);
                if !replays.is_empty() {
                    plan.warnings.push(format!(
                        "statements {} set session state (variables, prepared statements, settings) that the new connection lacks: they run again first",
                        replays
                            .iter()
                            .map(|r| r.index.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                plan.statements = replays
                    .into_iter()
                    .map(|r| r.sql)
                    .chain(statements[start..].iter().map(|s| s.sql.clone()))
                    .collect();
                plan.outcome = match self.direction {
                    Direction::Apply => format!("{} is applied", self.key),
                    Direction::Unapply => {
                        format!("{} is no longer in the history (unapplied)", self.key)
                    }
                };
            }
            Repair::MarkApplied | Repair::Forget if !self.leftovers.is_empty() => {
                return Err(Error::Refused(format!(
                    "{}:\n{}\nThey are not part of the table: clean them first with `migrate repair --undo {} {}` \
or `--resume`, which drop them before anything else, or drop them by hand:\n    {}",
                    self.key,
                    self.leftovers
                        .iter()
                        .map(|l| format!("  {}", l.describe()))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    self.key.app,
                    self.key.name,
                    self.cleanup.join(";\n    ")
                )));
            }
            Repair::MarkApplied => {
                plan.outcome = format!(
                    "{} is recorded as applied; nothing runs, after checking the database where it can be checked",
                    self.key
                );
            }
            Repair::Forget => {
                plan.outcome = format!(
                    "{} is removed from the history; nothing runs, after checking the database where it can be checked",
                    self.key
                );
            }
        }
        let running: Vec<String> = self
            .leftovers
            .iter()
            .filter(|l| l.running.is_some())
            .map(|l| format!("  {}", l.describe()))
            .collect();
        if matches!(repair, Repair::Undo | Repair::Resume) && !running.is_empty() {
            return Err(Error::Refused(format!(
                "{}: a copy of pt-online-schema-change seems to be at work:\n{}\n\
Dropping its triggers and table now would lose the writes they carry. Wait for it to end, or end it \
(KILL that session and the tool's process), then run `migrate repair` again.",
                self.key,
                running.join("\n")
            )));
        }
        if matches!(repair, Repair::Undo | Repair::Resume) && !self.cleanup.is_empty() {
            for l in &self.leftovers {
                plan.warnings
                    .push(format!("{}: dropped first", l.describe()));
            }
            plan.statements.splice(0..0, self.cleanup.iter().cloned());
        }
        Ok(plan)
    }

    /// The `online=` tool of the interrupted script, when the file's
    /// section still holds the statements that ran.
    fn online(&self, source: &Source) -> Option<crate::online::OnlineTool> {
        let m = source.get(&self.key)?;
        let script = match self.direction {
            Direction::Apply => &m.up,
            Direction::Unapply => m.down.as_ref()?,
        };
        script
            .online
            .filter(|_| script.sql().is_ok_and(|sql| sql == self.script))
    }

    /// The statements a resume runs through (all of them; it starts past
    /// those in effect), checking that those that ran are unchanged.
    /// The statements in effect that set state of the session that ran
    /// them (`SET @v = ...`, `SET SESSION ...`, `PREPARE ...`): a resume on
    /// a new connection runs them again first, in order, so that the
    /// statements after them see what they saw.
    fn session_replays(&self, doubt_ran: bool) -> Vec<Ran> {
        self.in_effect(doubt_ran)
            .into_iter()
            .filter(|r| sets_session_state(&r.sql))
            .collect()
    }

    fn resume_script<'s>(
        &self,
        source: &'s Source,
        doubt_ran: bool,
        use_file_down: bool,
    ) -> Result<(
        Vec<PreparedStatement>,
        Option<&'s crate::migration::Migration>,
    )> {
        if self.direction == Direction::Unapply && use_file_down {
            let down = source.get(&self.key).and_then(|m| m.down.as_ref());
            let Some(down) = down else {
                return Err(Error::Refused(format!(
                    "{} cannot be resumed with the file's down section: the file has none (or is gone from {})",
                    self.key,
                    source.dir().display()
                )));
            };
            let file = crate::executor::located(down)?;
            self.check_unchanged(&file, doubt_ran, "its down section")?;
            return Ok((file, None));
        }
        if self.direction == Direction::Unapply {
            // The down statements stored with the migration are the ones
            // that started running; the file's `online=` holds for them
            // while they are its down section.
            let stored_online = source
                .get(&self.key)
                .and_then(|m| m.down.as_ref())
                .filter(|d| d.sql().is_ok_and(|sql| sql == self.script))
                .and_then(|d| d.online);
            let statements = self
                .script
                .iter()
                .enumerate()
                .map(|(i, sql)| PreparedStatement {
                    sql: sql.clone(),
                    location: format!("down statement {} stored in the history", i + 1),
                    online: crate::executor::online_for(stored_online, sql),
                })
                .collect();
            return Ok((statements, None));
        }
        let Some(migration) = source.get(&self.key) else {
            return Err(Error::Refused(format!(
                "{} cannot be resumed: its file is gone from {}",
                self.key,
                source.dir().display()
            )));
        };
        let file = crate::executor::located(&migration.up)?;
        self.check_unchanged(&file, doubt_ran, "the file")?;
        Ok((file, Some(migration)))
    }

    /// Resuming runs only what comes after the statements in effect, so
    /// `file` must hold them as they ran.
    fn check_unchanged(
        &self,
        file: &[PreparedStatement],
        doubt_ran: bool,
        what: &str,
    ) -> Result<()> {
        let in_effect = self.done + usize::from(doubt_ran);
        let mut changed = Vec::new();
        for i in 0..in_effect {
            let recorded = self
                .record
                .journal
                .get(i)
                .map(|e| e.hash.clone())
                .unwrap_or_else(|| statement_hash(&self.script[i]));
            match file.get(i) {
                Some(now) if statement_hash(&now.sql) == recorded => {}
                Some(_) => changed.push(format!("  statement {} changed since it ran", i + 1)),
                None => changed.push(format!("  statement {} is gone from {what}", i + 1)),
            }
        }
        if changed.is_empty() {
            return Ok(());
        }
        Err(Error::Refused(format!(
            "{} cannot be resumed: statements that already ran differ in {what} now:\n{}\n\
Resuming runs only what comes after them, so {what} must keep them as they ran. \
Put them back, or undo the migration with `migrate repair --undo {} {}` and apply the new version.",
            self.key,
            changed.join("\n"),
            self.key.app,
            self.key.name
        )))
    }
}

/// Runs one repair under the migration lock: re-reads the history, plans,
/// asks `confirm` (which sees the plan and may decline), then acts and logs.
/// Returns the plan and whether it ran.
pub async fn run(
    backend: &mut dyn Backend,
    source: &Source,
    key: &MigrationKey,
    repair: Repair,
    options: &RepairOptions,
    confirm: &mut (dyn FnMut(&RepairPlan) -> bool + Send),
) -> Result<(RepairPlan, bool)> {
    backend.lock(options.lock_timeout).await?;
    let result = async {
        let cases = inspect(backend).await?;
        let case = cases.into_iter().find(|c| c.key == *key).ok_or_else(|| {
            Error::Usage(format!(
                "{key} is not partially applied: there is nothing to repair"
            ))
        })?;
        let plan = case.plan(repair, source, options)?;
        if matches!(repair, Repair::MarkApplied | Repair::Forget) {
            check_state(backend, source, &case, repair == Repair::MarkApplied).await?;
        }
        if !confirm(&plan) {
            return Ok((plan, false));
        }
        let doubt_ran = case.settle(options.doubt)?;
        if repair == Repair::Resume {
            let (statements, _) = case.resume_script(source, doubt_ran, options.use_file_down)?;
            let start = case.done + usize::from(doubt_ran);
            for tool in crate::online::tools(&statements[start.min(statements.len())..]) {
                backend.online_ready(tool).await?;
            }
        }
        if repair == Repair::Undo
            && let Some(tool) = case.online(source)
            && case
                .in_effect(doubt_ran)
                .iter()
                .flat_map(|r| r.inverse.iter().flatten())
                .any(|sql| crate::online::qualifies(sql))
        {
            backend.online_ready(tool).await?;
        }
        execute(backend, source, case, &plan, doubt_ran, options).await?;
        Ok((plan, true))
    }
    .await;
    let unlocked = backend.unlock().await;
    let out = result?;
    unlocked?;
    Ok(out)
}

async fn execute(
    backend: &mut dyn Backend,
    source: &Source,
    case: Case,
    plan: &RepairPlan,
    doubt_ran: bool,
    options: &RepairOptions,
) -> Result<()> {
    let actor = options.actor.clone();
    let log = |statements: Vec<String>, detail: String| LogEntry {
        at: now(),
        app: case.key.app.clone(),
        name: case.key.name.clone(),
        action: plan.repair.action(),
        checksum: Some(case.record.checksum.clone()),
        detail: Some(detail),
        statements,
        actor: actor.clone(),
        tool_version: crate::VERSION.to_string(),
    };
    if matches!(plan.repair, Repair::Undo | Repair::Resume) {
        for sql in &case.cleanup {
            backend.execute(sql).await.map_err(|e| {
                Error::Refused(format!(
                    "cleaning what pt-online-schema-change left behind failed on `{sql}`: {e}\n\
Nothing of {} was undone or resumed yet; run `migrate repair` again to see where it stands.",
                    case.key
                ))
            })?;
        }
    }
    match plan.repair {
        Repair::Undo => {
            let online = case.online(source);
            let mut record = case.record.clone();
            let mut ran_so_far = Vec::new();
            for r in case.in_effect(doubt_ran).iter().rev() {
                // Marked first, so that a crash while the inverse runs
                // leaves the statement in doubt, not falsely in effect.
                record.statements_done = r.index as i64;
                record.journal.truncate(r.index);
                if let Some(entry) = record.journal.get_mut(r.index - 1) {
                    entry.undoing = true;
                }
                record.last_error = None;
                backend.write_record(&record).await?;
                crate::fault::point("undo-", "before", r.index);
                for sql in r.inverse.iter().flatten() {
                    // The inverse of an online ALTER runs online too.
                    let ran = match crate::executor::online_for(online, sql)
                        .zip(crate::online::parse_alter(sql))
                    {
                        Some((tool, alter)) => backend.online_alter(tool, &alter).await,
                        None => backend.execute(sql).await,
                    };
                    ran.map_err(|e| {
                        Error::Refused(format!(
                            "undoing statement {} of {} failed on `{}`: {e}\n\
The history still counts the statements not yet undone; run `migrate repair` again to see where it stands.",
                            r.index,
                            case.key,
                            first_line(sql)
                        ))
                    })?;
                    ran_so_far.push(sql.clone());
                }
                crate::fault::point("undo-", "after", r.index);
                // Count it undone at once, so the row stays true if the next
                // inverse fails.
                record.statements_done = (r.index - 1) as i64;
                record.journal.truncate(r.index - 1);
                record.last_error = None;
                backend.write_record(&record).await?;
            }
            let entry = log(ran_so_far, plan.outcome.clone());
            backend.begin().await?;
            let written = async {
                match case.direction {
                    Direction::Apply => {
                        backend.delete_record(&case.key.app, &case.key.name).await?
                    }
                    Direction::Unapply => backend.write_record(&restored(&case.record)).await?,
                }
                backend.append_log(&entry).await
            }
            .await;
            end_transaction(backend, written).await
        }
        Repair::Resume => {
            let (statements, migration) =
                case.resume_script(source, doubt_ran, options.use_file_down)?;
            let start = case.done + usize::from(doubt_ran);
            for replay in case.session_replays(doubt_ran) {
                backend.execute(&replay.sql).await.map_err(|e| {
                    Error::Refused(format!(
                        "statement {} of {} set session state the rest needs, and running it again failed: {e}\n    {}",
                        replay.index, case.key, replay.sql
                    ))
                })?;
            }
            let mut record = case.record.clone();
            if let Some(m) = migration {
                // The file is the one that finishes it, so the row now
                // describes the file.
                record.checksum = m.checksum.clone();
                record.up_sql = m.up.sql()?;
                record.down_sql = m.down.as_ref().map(|d| d.sql()).transpose()?;
            }
            record.statements_done = start as i64;
            record.statements_total = statements.len() as i64;
            record.last_error = None;
            backend.write_record(&record).await?;
            let step = PreparedStep {
                key: case.key.clone(),
                direction: case.direction,
                mode: ExecutionMode::Journaled,
                fake: false,
                orphan: migration.is_none() && case.direction == Direction::Apply,
                outside: (0, 0),
                statements,
                warnings: Vec::new(),
            };
            let mut runner = StepRunner {
                backend,
                step: &step,
                record,
                actor,
                fault_prefix: "resume-",
            };
            runner
                .continue_journaled(start, Action::RepairResume, Instant::now())
                .await
        }
        Repair::MarkApplied => {
            let mut record = restored(&case.record);
            if let Some(m) = source.get(&case.key) {
                record.checksum = m.checksum.clone();
                record.up_sql = m.up.sql()?;
                record.down_sql = m.down.as_ref().map(|d| d.sql()).transpose()?;
                record.statements_done = record.up_sql.len() as i64;
                record.statements_total = record.up_sql.len() as i64;
            }
            let entry = log(Vec::new(), plan.outcome.clone());
            backend.begin().await?;
            let written = async {
                backend.write_record(&record).await?;
                backend.append_log(&entry).await
            }
            .await;
            end_transaction(backend, written).await
        }
        Repair::Forget => {
            let entry = log(Vec::new(), plan.outcome.clone());
            backend.begin().await?;
            let written = async {
                backend.delete_record(&case.key.app, &case.key.name).await?;
                backend.append_log(&entry).await
            }
            .await;
            end_transaction(backend, written).await
        }
    }
}

/// The row of a fully applied migration, from a partial one.
fn restored(record: &HistoryRecord) -> HistoryRecord {
    let mut r = record.clone();
    r.state = RecordState::Applied;
    r.statements_done = r.up_sql.len() as i64;
    r.statements_total = r.up_sql.len() as i64;
    r.last_error = None;
    r.journal.clear();
    r
}

/// Commits the transaction `written` ran in, or rolls it back when it
/// failed. (A plain function rather than one taking an async closure: the
/// closure's borrow would make the repair's future not `Send`.)
/// Whether a statement sets state of its session only: a variable, a
/// prepared statement, a setting (not `SET GLOBAL`/`PERSIST`).
fn sets_session_state(sql: &str) -> bool {
    let words = crate::dialect::leading_keywords(sql, 2);
    match words
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["SET", "GLOBAL" | "PERSIST" | "PERSIST_ONLY" | "TRANSACTION"] => false,
        ["SET", ..] | ["PREPARE", ..] | ["DEALLOCATE", ..] => true,
        _ => false,
    }
}

async fn end_transaction(backend: &mut dyn Backend, written: Result<()>) -> Result<()> {
    match written {
        Ok(()) => backend.commit().await,
        Err(e) => {
            let _ = backend.rollback().await;
            Err(e)
        }
    }
}

/// Before `migrate --fake` moves a part-way migration back: the same check
/// as `repair --forget`, so that faking cannot record "not applied" while
/// the database still holds what its statements did.
pub(crate) async fn check_forgettable(
    backend: &mut dyn Backend,
    source: &Source,
    record: &HistoryRecord,
) -> Result<()> {
    let case = case_of(record.clone());
    check_state(backend, source, &case, false).await
}

/// Before `--mark-applied` (`applied`) or `--forget`: whatever the
/// migration's statements say about objects, the database must show the
/// state after all of them (applied) or before any of them (forgotten).
async fn check_state(
    backend: &mut dyn Backend,
    source: &Source,
    case: &Case,
    applied: bool,
) -> Result<()> {
    let up: Vec<String> = match source.get(&case.key) {
        Some(m) => m.up.sql()?,
        None => case.record.up_sql.clone(),
    };
    let dialect = backend.dialect().sql_dialect();
    let quote = {
        let d = backend.dialect();
        move |s: &str| d.quote_identifier(s)
    };
    // Per object, the state expected before the first statement touching it
    // and after the last.
    let mut expected: BTreeMap<String, (Probe, bool, bool)> = BTreeMap::new();
    for sql in &up {
        let probe = match derive(sql, dialect, &quote) {
            Derived::Exact { probe, .. }
            | Derived::NeedsCapture { probe, .. }
            | Derived::Unknown { probe, .. } => probe,
        };
        let Some(probe) = probe else { continue };
        let after = probe.exists_after();
        expected
            .entry(describe(&probe))
            .and_modify(|e| e.2 = after)
            .or_insert((probe, !after, after));
    }
    let mut wrong = Vec::new();
    // Owned, not borrowed from the map: a borrow held across the probe's
    // await would make this future not `Send`.
    for (what, (probe, before, after)) in expected {
        let want = if applied { after } else { before };
        if let Some(exists) = backend.probe(&probe).await?
            && exists != want
        {
            wrong.push(format!(
                "  {what} {}, but {} it {}",
                if exists { "exists" } else { "does not exist" },
                if applied {
                    "once the migration is done"
                } else {
                    "before the migration"
                },
                if want { "does" } else { "does not" }
            ));
        }
    }
    if wrong.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "the database does not match {} {}:\n{}\n{}",
        case.key,
        if applied { "applied" } else { "not applied" },
        wrong.join("\n"),
        if applied {
            "Finish the migration by hand first (or use --resume)."
        } else {
            "Undo what the migration did by hand first (or use --undo)."
        }
    )))
}

/// `table t`, `column t.c`...: an object a probe looks at.
fn describe(probe: &Probe) -> String {
    match probe {
        Probe::Table { name, .. } => format!("table {name}"),
        Probe::Column { table, column, .. } => format!("column {table}.{column}"),
        Probe::Index { name, .. } => format!("index {name}"),
        Probe::View { name, .. } => format!("view {name}"),
        Probe::Constraint { table, name, .. } => format!("constraint {name} of {table}"),
    }
}

fn first_line(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or("");
    if line.len() < sql.len() {
        format!("{line} ...")
    } else {
        line.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::SqlDialect;

    fn choice(doubt: DoubtChoice) -> RepairOptions {
        RepairOptions {
            doubt,
            ..RepairOptions::default()
        }
    }

    fn entry(sql: &str, inverse: Option<&[&str]>, lossy: bool) -> JournalEntry {
        JournalEntry {
            hash: statement_hash(sql),
            inverse: inverse.map(|i| i.iter().map(|s| s.to_string()).collect()),
            lossy,
            note: lossy.then(|| "the rows cannot come back".to_string()),
            probe: None,
            undoing: false,
        }
    }

    fn record(done: i64, journal: Vec<JournalEntry>, error: Option<&str>) -> HistoryRecord {
        HistoryRecord {
            app: "app".into(),
            name: "0002_x".into(),
            checksum: "c".into(),
            applied_at: "t".into(),
            duration_ms: 0,
            state: RecordState::Partial,
            statements_done: done,
            statements_total: 3,
            last_error: error.map(str::to_string),
            up_sql: vec![
                "CREATE TABLE a (id INT)".into(),
                "DROP TABLE old".into(),
                "CREATE TABLE b (id INT)".into(),
            ],
            down_sql: None,
            applied_by: None,
            tool_version: "t".into(),
            source_commit: None,
            journal,
        }
    }

    fn empty_source() -> (tempfile::TempDir, Source) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("app")).unwrap();
        std::fs::write(
            dir.path().join("app/0002_x.sql"),
            "-- migrate:up transaction=false\nCREATE TABLE a (id INT);\nDROP TABLE old;\nCREATE TABLE b (id INT);\n",
        )
        .unwrap();
        let source = Source::load(dir.path(), SqlDialect::Sqlite).unwrap();
        (dir, source)
    }

    #[test]
    fn undo_runs_inverses_newest_first_and_warns_about_data() {
        let (_d, source) = empty_source();
        let journal = vec![
            entry("CREATE TABLE a (id INT)", Some(&["DROP TABLE a"]), false),
            entry("DROP TABLE old", Some(&["CREATE TABLE old (id INT)"]), true),
        ];
        let case = case_of(record(2, journal, Some("statement 3 failed: boom")));
        assert_eq!(case.failed, Some((3, "statement 3 failed: boom".into())));
        assert!(case.doubt.is_none());
        let plan = case
            .plan(Repair::Undo, &source, &choice(DoubtChoice::Check))
            .unwrap();
        assert_eq!(
            plan.statements,
            ["CREATE TABLE old (id INT)", "DROP TABLE a"]
        );
        assert_eq!(plan.warnings.len(), 1);
        assert!(
            plan.warnings[0].contains("statement 2"),
            "{:?}",
            plan.warnings
        );
    }

    #[test]
    fn undo_without_an_inverse_lists_what_ran() {
        let (_d, source) = empty_source();
        let journal = vec![
            entry("CREATE TABLE a (id INT)", Some(&["DROP TABLE a"]), false),
            entry("DROP TABLE old", None, false),
        ];
        let case = case_of(record(2, journal, Some("statement 3 failed")));
        let err = case
            .plan(Repair::Undo, &source, &choice(DoubtChoice::Check))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no inverse is known for\n  statement 2: DROP TABLE old"),
            "{err}"
        );
        assert!(
            err.contains("1. CREATE TABLE a (id INT)\n  2. DROP TABLE old"),
            "{err}"
        );
    }

    #[test]
    fn a_statement_in_doubt_must_be_settled() {
        let (_d, source) = empty_source();
        let journal = vec![
            entry("CREATE TABLE a (id INT)", Some(&["DROP TABLE a"]), false),
            entry("DROP TABLE old", Some(&["CREATE TABLE old (id INT)"]), true),
        ];
        // Killed after recording statement 2, before counting it.
        let case = case_of(record(1, journal, None));
        assert_eq!(case.doubt.as_ref().map(|d| d.index), Some(2));
        let err = case
            .plan(Repair::Undo, &source, &choice(DoubtChoice::Check))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("statement 2 of app:0002_x is in doubt"),
            "{err}"
        );
        let ran = case
            .plan(Repair::Undo, &source, &choice(DoubtChoice::AssumeRan))
            .unwrap();
        assert_eq!(
            ran.statements,
            ["CREATE TABLE old (id INT)", "DROP TABLE a"]
        );
        let not_ran = case
            .plan(Repair::Undo, &source, &choice(DoubtChoice::AssumeNotRan))
            .unwrap();
        assert_eq!(not_ran.statements, ["DROP TABLE a"]);
        // What the database shows wins over a contradicting flag.
        let mut seen = case.clone();
        seen.doubt.as_mut().unwrap().took_effect = Some(false);
        assert!(
            seen.plan(Repair::Undo, &source, &choice(DoubtChoice::AssumeRan))
                .is_err()
        );
        assert_eq!(
            seen.plan(Repair::Resume, &source, &choice(DoubtChoice::Check))
                .unwrap()
                .statements,
            ["DROP TABLE old", "CREATE TABLE b (id INT)"]
        );
    }

    #[test]
    fn resume_refuses_when_statements_that_ran_changed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("app")).unwrap();
        std::fs::write(
            dir.path().join("app/0002_x.sql"),
            "-- migrate:up transaction=false\nCREATE TABLE a (id BIGINT);\nDROP TABLE old;\nCREATE TABLE b (id INT);\n",
        )
        .unwrap();
        let source = Source::load(dir.path(), SqlDialect::Sqlite).unwrap();
        let journal = vec![entry(
            "CREATE TABLE a (id INT)",
            Some(&["DROP TABLE a"]),
            false,
        )];
        let case = case_of(record(1, journal, Some("statement 2 failed")));
        let err = case
            .plan(Repair::Resume, &source, &choice(DoubtChoice::Check))
            .unwrap_err()
            .to_string();
        assert!(err.contains("statement 1 changed since it ran"), "{err}");
        let (_d, unchanged) = empty_source();
        let plan = case
            .plan(Repair::Resume, &unchanged, &choice(DoubtChoice::Check))
            .unwrap();
        assert_eq!(
            plan.statements,
            ["DROP TABLE old", "CREATE TABLE b (id INT)"]
        );
    }
}
