//! Turning a plan into steps ready to run: statements resolved (from the
//! file, or as stored in the history), execution mode chosen and checked,
//! warnings gathered; and rendering them for people.

use super::ExecutionMode;
use crate::backend::{Backend, BackendExt, Dialect, StatementClass};
use crate::dialect::leading_keywords;
use crate::error::{Error, Result, SourceProblem};
use crate::history::HistoryRecord;
use crate::migration::{Migration, MigrationKey, Script};
use crate::online::OnlineTool;
use crate::plan::{Direction, Plan, PlanOptions, Request, Step, plan};
use crate::source::Source;

/// One statement ready to run, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedStatement {
    /// The text sent to the server.
    pub sql: String,
    /// `line 12 of migrations/app/0001_x.sql`, or where else it came from.
    pub location: String,
    /// `Some` for an `ALTER TABLE` of an `online=` section: it runs through
    /// that tool ([`crate::online`]) rather than as a statement.
    pub online: Option<OnlineTool>,
}

/// The tool `statement` runs through when its script says `online=`:
/// only `ALTER TABLE`s do.
pub(crate) fn online_for(script_online: Option<OnlineTool>, sql: &str) -> Option<OnlineTool> {
    script_online.filter(|_| crate::online::qualifies(sql))
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
    /// Only the history moves.
    pub fake: bool,
    /// Its file is gone (an orphan undone from the stored statements).
    pub orphan: bool,
    /// Leading and trailing session statements that run just before the
    /// transaction of an atomic step opens and just after it ends.
    pub outside: (usize, usize),
    /// The statements, in order.
    pub statements: Vec<PreparedStatement>,
    /// Things the user should know before it runs.
    pub warnings: Vec<String>,
}

/// Loads the history and plans, without locking or changing anything
/// (`--dry-run`, and the first half of [`super::migrate`]).
pub async fn prepare(
    backend: &mut dyn Backend,
    source: &Source,
    request: &Request,
    options: &PlanOptions,
    prefer_file_down: bool,
) -> Result<(Vec<HistoryRecord>, Vec<PreparedStep>)> {
    let (history, whole) = history_for(backend, source, request).await?;
    tracing::debug!(records = history.len(), whole, target = %backend.target(), "history loaded");
    // Squashes: the squash or its originals, as this history decides
    // (the history is taken as it is when there is no squash, not copied).
    let (source, history) = crate::squash::resolve_owned(source, history)?;
    let plan = plan(&source, &history, request, *options)?;
    tracing::debug!(steps = plan.steps.len(), ?request, "plan ready");
    debug_assert!(
        whole || plan.steps.iter().all(|s| s.direction == Direction::Apply),
        "a plan that unapplies needs the stored down statements"
    );
    let steps = prepare_plan(
        &source,
        &history,
        &plan,
        backend.dialect(),
        prefer_file_down,
    )?;
    Ok((history, steps))
}

/// The history as planning `request` needs it, and whether its rows are
/// whole. Where a migration stands is read first ([`Shape::State`]); the
/// rest (when, by whom, what ran) only where planning may look at it: when
/// the request may unapply (the stored down statements), a row is not
/// applied (repair's report) or has no file (an orphan's stored
/// statements), a file changed since it ran (an edit of statements or of
/// comments), or a squash is present.
///
/// [`Shape::State`]: crate::history::Shape::State
async fn history_for(
    backend: &mut dyn Backend,
    source: &Source,
    request: &Request,
) -> Result<(Vec<HistoryRecord>, bool)> {
    if !matches!(request, Request::All | Request::App(_)) {
        return Ok((backend.load_history().await?, true));
    }
    let state = crate::history::Shape::State;
    crate::store::load_history_as_needed(backend, source, state, |r, m| {
        r.state != crate::history::RecordState::Applied
            || m.is_none_or(|m| m.checksum != r.checksum)
    })
    .await
}

/// Checks every step of a plan and resolves its statements.
pub fn prepare_plan(
    source: &Source,
    history: &[HistoryRecord],
    plan: &Plan,
    dialect: &dyn Dialect,
    prefer_file_down: bool,
) -> Result<Vec<PreparedStep>> {
    // Only unapplying reads a step's row: a run that only applies (or
    // does nothing) indexes nothing, and the index borrows the rows' names.
    let records = if plan.steps.iter().any(|s| s.direction == Direction::Unapply) {
        crate::history::index_rows(history)
    } else {
        Default::default()
    };
    split_steps(source, plan)?;
    plan.steps
        .iter()
        .map(|step| {
            let record = records
                .get(&(step.key.app.as_str(), step.key.name.as_str()))
                .copied();
            prepare_step(source, record, step, dialect, prefer_file_down)
        })
        .collect()
}

/// Splits the file sections the plan's steps run, all at once and on
/// several threads when there are many (a source read lazily splits none
/// while it reads), so that every one that cannot be split is reported
/// before anything runs.
fn split_steps(source: &Source, plan: &Plan) -> Result<()> {
    let scripts: Vec<&Script> = plan
        .steps
        .iter()
        .filter_map(|s| {
            let m = source.get(&s.key)?;
            match s.direction {
                Direction::Apply => Some(&m.up),
                Direction::Unapply => m.down.as_ref(),
            }
        })
        .collect();
    let mut problems = crate::source::split_scripts(&scripts);
    if problems.is_empty() {
        return Ok(());
    }
    problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    Err(Error::InvalidSource(problems))
}

/// Checks one step and resolves its statements; `record` is the step's
/// history row, if it has one.
pub(crate) fn prepare_step(
    source: &Source,
    record: Option<&HistoryRecord>,
    step: &Step,
    dialect: &dyn Dialect,
    prefer_file_down: bool,
) -> Result<PreparedStep> {
    let migration = source.get(&step.key);
    let mut prepared = match step.direction {
        Direction::Apply => {
            let m = migration.expect("the planner applies only migrations it has files for");
            prepare_from_source(m, Direction::Apply, dialect)?
        }
        Direction::Unapply => {
            let (statements, transaction, warnings) =
                down_statements(&step.key, migration, record, prefer_file_down)?;
            let meant = migration
                .and_then(|m| m.down.as_ref())
                .is_some_and(|d| d.noop && d.is_empty());
            if statements.is_empty() && !meant && !step.fake {
                return Err(empty_down(&step.key, migration));
            }
            let sql: Vec<&str> = statements.iter().map(|s| s.sql.as_str()).collect();
            let mode = execution_mode(dialect, &sql, transaction, &step.key, None)?;
            PreparedStep {
                key: step.key.clone(),
                direction: Direction::Unapply,
                mode,
                fake: false,
                orphan: false,
                outside: session_edges(dialect, &sql),
                statements,
                warnings,
            }
        }
    };
    prepared.fake = step.fake;
    prepared.orphan = migration.is_none();
    if !step.fake && step.direction == Direction::Unapply {
        for (i, s) in prepared.statements.iter().enumerate() {
            if is_destructive(&s.sql) && !is_rebuild_drop(&s.sql, &prepared.statements[i + 1..]) {
                prepared.warnings.push(format!(
                    "unapplying {} destroys data: `{}`",
                    step.key,
                    first_line(&s.sql)
                ));
            }
        }
    }
    Ok(prepared)
}

/// The refusal to unapply a migration through a down section that runs
/// nothing without saying so: its changes would stay, and applying it again
/// would fail on them.
fn empty_down(key: &MigrationKey, migration: Option<&Migration>) -> Error {
    let file_has_statements = migration
        .and_then(|m| m.down.as_ref())
        .is_some_and(|d| !d.is_empty());
    let fix = if file_has_statements {
        "Its file's down section has statements now: run them with `migrate --use-file-down`"
    } else {
        "Write the statements that undo it under `-- migrate:down` and unapply with `migrate --use-file-down`; \
or, if there is truly nothing to undo, say so with `-- migrate:down noop=true`"
    };
    let file = migration
        .and_then(|m| m.down.as_ref())
        .map(|d| format!(" ({})", d.path.display()))
        .unwrap_or_default();
    Error::Refused(format!(
        "{key} has an empty down section{file}: unapplying it would run nothing and leave its changes in place \
(applying it again would then fail on them). {fix}; or undo it by hand and record that with `migrate --fake`."
    ))
}

/// The statements that undo a migration: those stored when it was applied
/// (they match what ran), or the file's when none were stored or when asked
/// (`--use-file-down`); with the transaction flag and any warning.
fn down_statements(
    key: &MigrationKey,
    migration: Option<&Migration>,
    record: Option<&HistoryRecord>,
    prefer_file_down: bool,
) -> Result<(Vec<PreparedStatement>, bool, Vec<String>)> {
    let mut warnings = Vec::new();
    let file_down = migration.and_then(|m| m.down.as_ref());
    let file_sql = file_down.map(Script::sql).transpose()?;
    let stored = record.and_then(|r| r.down_sql.as_ref());
    let transaction = file_down.is_none_or(|d| d.transaction && d.online.is_none());
    // The stored statements are the file's: its `online=` holds for them.
    let online = file_down
        .filter(|_| stored.is_some() && file_sql.as_ref() == stored)
        .and_then(|d| d.online);
    let statements = match (stored, file_down) {
        (Some(stored), Some(file)) if file_sql.as_ref() != Some(stored) => {
            if prefer_file_down {
                warnings.push(format!(
                    "the down section of {key} changed since it was applied; running the file's version as asked (--use-file-down)"
                ));
                located(file)?
            } else {
                warnings.push(format!(
                    "the down section of {key} changed since it was applied; running the down statements stored when it was applied, which match what ran (--use-file-down runs the file's)"
                ));
                from_history(stored, online)
            }
        }
        (Some(stored), _) => from_history(stored, online),
        (None, Some(file)) => located(file)?,
        (None, None) => Vec::new(),
    };
    Ok((statements, transaction, warnings))
}

fn from_history(stored: &[String], online: Option<OnlineTool>) -> Vec<PreparedStatement> {
    stored
        .iter()
        .enumerate()
        .map(|(i, sql)| PreparedStatement {
            sql: sql.clone(),
            location: format!("down statement {} stored in the history", i + 1),
            online: online_for(online, sql),
        })
        .collect()
}

/// A `DROP TABLE t` followed by a rename of another table to `t`: the
/// table rebuild that copies the rows first, which loses nothing.
fn is_rebuild_drop(sql: &str, rest: &[PreparedStatement]) -> bool {
    let words = leading_keywords(sql, 3);
    let [drop, table, name] = words.as_slice() else {
        return false;
    };
    if drop != "DROP" || table != "TABLE" {
        return false;
    }
    rest.iter().any(|s| {
        let w = leading_keywords(&s.sql, 64);
        w.starts_with(&["ALTER".to_string(), "TABLE".to_string()])
            && w.windows(3)
                .any(|x| x[0] == "RENAME" && x[1] == "TO" && &x[2] == name)
    })
}

/// Statements whose effect loses data: dropped tables or columns, deleted
/// rows.
pub fn is_destructive(sql: &str) -> bool {
    let words = leading_keywords(sql, 64);
    let word = |i: usize| words.get(i).map(String::as_str);
    match (word(0), word(1)) {
        (Some("DROP"), Some("TABLE" | "SCHEMA" | "DATABASE"))
        | (Some("TRUNCATE" | "DELETE"), _) => true,
        (Some("ALTER"), Some("TABLE")) => {
            words.windows(2).any(|w| w[0] == "DROP" && w[1] == "COLUMN")
        }
        _ => false,
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
                "{} is irreversible: {}",
                migration.key(),
                migration
                    .irreversible
                    .as_deref()
                    .unwrap_or("it has no down section")
            ))
        })?,
    };
    let statements = located(script)?;
    let sql: Vec<&str> = statements.iter().map(|s| s.sql.as_str()).collect();
    // An online section runs statement by statement: the tool commits on
    // its own.
    let mode = execution_mode(
        dialect,
        &sql,
        script.transaction && script.online.is_none(),
        &migration.key(),
        Some(script),
    )?;
    Ok(PreparedStep {
        key: migration.key(),
        direction,
        mode,
        fake: false,
        orphan: false,
        outside: session_edges(dialect, &sql),
        statements,
        warnings: Vec::new(),
    })
}

pub(crate) fn located(script: &Script) -> Result<Vec<PreparedStatement>> {
    Ok(script
        .statements()?
        .iter()
        .map(|s| PreparedStatement {
            sql: s.sql.clone(),
            location: format!("line {} of {}", s.line, script.path.display()),
            online: online_for(script.online, &s.sql),
        })
        .collect())
}

/// Chooses how a script runs on an engine. A statement that cannot run in
/// a transaction, in a script that did not opt out of transactions, is an
/// error that names the statement and the fix.
pub fn execution_mode(
    dialect: &dyn Dialect,
    statements: &[&str],
    transaction: bool,
    key: &MigrationKey,
    script: Option<&Script>,
) -> Result<ExecutionMode> {
    if !transaction {
        return Ok(ExecutionMode::Journaled);
    }
    let mut mode = ExecutionMode::Atomic;
    let (lead, trail) = session_edges(dialect, statements);
    for (i, sql) in statements.iter().enumerate() {
        let class = match dialect.classify(sql) {
            StatementClass::Session if i < lead || i >= statements.len() - trail => {
                StatementClass::Transactional
            }
            StatementClass::Session => StatementClass::NoTransaction,
            other => other,
        };
        match class {
            StatementClass::Transactional | StatementClass::Session => {}
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
                        line: script.statements()?.get(i).map(|s| s.line),
                        message,
                    }]),
                    None => Error::Refused(message),
                });
            }
        }
    }
    Ok(mode)
}

/// How many session statements stand at the very start and the very end
/// of a script: they run outside an atomic migration's transaction.
pub fn session_edges(dialect: &dyn Dialect, statements: &[&str]) -> (usize, usize) {
    let is_session = |sql: &&&str| dialect.classify(sql) == StatementClass::Session;
    let lead = statements.iter().take_while(is_session).count();
    let trail = statements[lead..]
        .iter()
        .rev()
        .take_while(is_session)
        .count();
    (lead, trail)
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
pub fn render(step: &PreparedStep, dialect: &dyn Dialect) -> String {
    let mut out = String::new();
    let history_note = match step.direction {
        Direction::Apply => format!("-- record {} as applied in the history", step.key),
        Direction::Unapply => format!("-- remove {} from the history", step.key),
    };
    if step.fake {
        out.push_str(&format!("-- fake: no statement runs\n{history_note}\n"));
        return out;
    }
    for warning in &step.warnings {
        out.push_str(&format!("-- warning: {warning}\n"));
    }
    match step.mode {
        ExecutionMode::Atomic => {
            let (lead, trail) = step.outside;
            let body_end = step.statements.len() - trail;
            for s in &step.statements[..lead] {
                out.push_str(&format!("{};\n", s.sql));
            }
            out.push_str(&format!("{};\n", dialect.begin_statement()));
            for s in &step.statements[lead..body_end] {
                out.push_str(&format!("{};\n", s.sql));
            }
            out.push_str(&format!("{history_note}\nCOMMIT;\n"));
            for s in &step.statements[body_end..] {
                out.push_str(&format!("{};\n", s.sql));
            }
        }
        ExecutionMode::Journaled => {
            out.push_str(
                "-- journaled: no transaction; each statement commits on its own and the history records progress after each\n",
            );
            for s in &step.statements {
                if let Some(tool) = s.online {
                    out.push_str(&format!(
                        "-- online={}: runs through {}, which copies the table while writes go on\n",
                        tool.name(),
                        tool.program()
                    ));
                }
                out.push_str(&format!("{};\n", s.sql));
            }
            out.push_str(&format!("{history_note}\n"));
        }
    }
    out
}
