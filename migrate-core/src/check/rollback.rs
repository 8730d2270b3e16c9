//! How unapplying the migration ends: whether there is a way back, and
//! whether it brings back what the way forward destroyed.

use std::collections::HashSet;

use serde::Serialize;

use super::effects::Made;
use super::findings::{Finding, Severity, codes};
use super::lexed::{Name, first_line};
use super::narrowing::holds;
use super::shape::{Action, Shape};
use super::{Cx, Stmt};
use crate::portable::ops::SQL_ENGINES;
use crate::portable::{AlterColumn, Change, Operation, SchemaState};

/// How unapplying the migration ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rollback {
    /// The down section undoes the up section.
    Reversible,
    /// There is no down section (or a portable operation cannot be
    /// reversed): the migration cannot be unapplied.
    Irreversible,
    /// The down section holds no statement and does not say `noop=true`:
    /// unapplying is refused until it is written.
    EmptyDown,
    /// The down section runs, but cannot bring back what the up section
    /// destroyed (rows, columns, values), or destroys what the up section
    /// did not make.
    Lossy,
}

/// How unapplying ends, with the findings that explain it.
pub(super) fn analyze(
    cx: &Cx,
    up: &[Stmt],
    down: Option<&[Stmt]>,
    findings: &mut Vec<Finding>,
) -> Rollback {
    let m = cx.migration;
    let Some(down_script) = &m.down else {
        findings.push(irreversible(cx));
        return Rollback::Irreversible;
    };
    if down_script.unwritten() {
        findings.push(Finding::new(
            codes::EMPTY_DOWN,
            Severity::Error,
            format!(
                "{} has an empty down section: unapplying it would be refused (running nothing would leave its changes in place); \
write the statements that undo the up section under `-- migrate:down`, or, if there is truly nothing to undo, say so with \
`-- migrate:down noop=true`",
                m.key()
            ),
            &down_script.path,
            None,
        ));
        return Rollback::EmptyDown;
    }
    if down_script.is_empty() {
        findings.push(Finding::new(
            codes::NOOP_DOWN,
            Severity::Info,
            format!(
                "{} has a down section that is empty on purpose (`noop=true`): unapplying it changes nothing but the history",
                m.key()
            ),
            &down_script.path,
            None,
        ));
    }
    let before = findings.len();
    if let Some(pm) = cx.portable {
        portable_up(cx, &pm.operations, &pm.lines, findings);
    }
    raw_up(cx, up, findings);
    if let Some(down) = down {
        raw_down(cx, up, down, findings);
    }
    if findings[before..].iter().any(|f| f.code == codes::LOSSY) {
        Rollback::Lossy
    } else {
        Rollback::Reversible
    }
}

fn irreversible(cx: &Cx) -> Finding {
    let m = cx.migration;
    match (&m.irreversible, cx.portable) {
        (Some(reason), Some(pm)) => {
            // Reversing stops at the last `sql` operation that lacks a
            // `down` for some engine.
            let line = pm
                .operations
                .iter()
                .zip(&pm.lines)
                .rev()
                .find(|(op, _)| match op {
                    Operation::Sql(sql) => SQL_ENGINES
                        .iter()
                        .any(|e| matches!(sql.for_engine(e), Some((_, None)))),
                    _ => false,
                })
                .map(|(_, line)| *line);
            Finding::new(
                codes::IRREVERSIBLE,
                Severity::Warning,
                format!("{}: {reason}", m.key()),
                &m.up.path,
                line,
            )
        }
        _ => Finding::new(
            codes::IRREVERSIBLE,
            Severity::Warning,
            format!(
                "{} has no down section: it cannot be unapplied{}; write the statements that undo it under `-- migrate:down`, \
or `-- migrate:down noop=true` if there is nothing to undo",
                m.key(),
                m.irreversible
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            &m.up.path,
            None,
        ),
    }
}

/// The lossy operations of a portable migration, from the schema they
/// apply to: known within the migration, and before it when the caller
/// threads the state of the migrations before.
fn portable_up(cx: &Cx, ops: &[Operation], lines: &[usize], findings: &mut Vec<Finding>) {
    let mut state: SchemaState = cx.before.cloned().unwrap_or_default();
    // Tables this migration creates hold no rows yet.
    let mut created: HashSet<String> = HashSet::new();
    for (i, op) in ops.iter().enumerate() {
        match op {
            Operation::CreateTable(o) => {
                created.insert(o.table.clone());
            }
            Operation::RenameTable(o) if created.remove(&o.table) => {
                created.insert(o.to.clone());
            }
            _ => {}
        }
        if op.table().is_some_and(|t| created.contains(t)) {
            if let Ok(change) = state.resolve(op) {
                state.apply_change(&change);
            }
            continue;
        }
        let line = lines.get(i).copied();
        let at = |what: String| {
            Finding::new(
                codes::LOSSY,
                Severity::Warning,
                format!("operation {} ({}) {what}", i + 1, op.kind()),
                &cx.migration.up.path,
                line,
            )
        };
        let change = state.resolve(op).ok();
        match (op, &change) {
            (Operation::DropTable(o), _) => findings.push(at(format!(
                "drops table {}: unapplying re-creates it empty, without its rows; copy the rows first if they may be needed",
                o.table
            ))),
            (Operation::DropColumn(o), _) => findings.push(at(format!(
                "drops column {}.{}: unapplying adds it back without its values (NULL or its default in every row)",
                o.table, o.column
            ))),
            (Operation::AlterColumn(o), Some(Change::AlterColumn { old, new, .. })) => {
                if o.ty.is_some() && !holds(old.ty, new.ty) {
                    findings.push(at(format!(
                        "changes column {}.{} from {} to {}, which cannot hold every value of {}: values cut or refused on the way \
forward cannot come back on the way back",
                        o.table, o.column, old.ty, new.ty, old.ty
                    )));
                }
                if old.nullable && !new.nullable {
                    findings.push(at(set_not_null(&o.table, &o.column)));
                }
            }
            (Operation::AlterColumn(o), _) => alter_unknown(o, &at, findings),
            _ => {}
        }
        if let Some(change) = &change {
            state.apply_change(change);
        }
    }
}

/// An `alter_column` on a table whose columns this migration alone does
/// not tell.
fn alter_unknown(o: &AlterColumn, at: &dyn Fn(String) -> Finding, findings: &mut Vec<Finding>) {
    if let Some(ty) = o.ty
        && ty != crate::portable::ColumnType::Text
    {
        findings.push(at(format!(
            "changes the type of column {}.{} to {ty}, which may narrow it (the type it has is set by an earlier migration): \
values cut or refused on the way forward cannot come back on the way back",
            o.table, o.column
        )));
    }
    if o.nullable == Some(false) {
        findings.push(at(set_not_null(&o.table, &o.column)));
    }
}

fn set_not_null(table: &str, column: &str) -> String {
    format!(
        "sets NOT NULL on column {table}.{column}: its NULLs must be gone first (MySQL outside strict mode turns them into the \
type's zero value), and unapplying makes it nullable again without telling which rows held NULL"
    )
}

/// The lossy statements of the up section written as SQL.
fn raw_up(cx: &Cx, up: &[Stmt], findings: &mut Vec<Finding>) {
    let mut made = Made::default();
    for (i, s) in up.iter().enumerate() {
        if s.written {
            for what in up_losses(&s.shape, &made, &up[i + 1..]) {
                findings.push(Finding::new(
                    codes::LOSSY,
                    Severity::Warning,
                    format!("`{}` {what}", first_line(s.sql)),
                    &cx.migration.up.path,
                    Some(s.line),
                ));
            }
        }
        made.record(&s.shape);
    }
}

/// What one up statement destroys that the way back cannot restore;
/// `made` is what the statements before it made, `rest` the statements
/// after it.
fn up_losses(shape: &Shape, made: &Made, rest: &[Stmt]) -> Vec<String> {
    let mut losses = Vec::new();
    match shape {
        Shape::DropTable {
            tables,
            temporary: false,
        } => {
            for t in tables {
                if !made.table(t) && !rebuilt(t, rest) {
                    losses.push(format!(
                        "drops table {}: the way back can re-create it, not its rows; copy them first if they may be needed",
                        t.written
                    ));
                }
            }
        }
        Shape::DropSchema { name } if !made.schema(name) => losses.push(format!(
            "drops {} and everything in it: the way back cannot bring back the rows of its tables",
            name.written
        )),
        Shape::AlterTable { table, actions } if !made.table(table) => {
            for (action, _) in actions {
                losses.extend(action_loss(table, action, made));
            }
        }
        Shape::Delete { table } if !made.table(table) => losses.push(format!(
            "deletes rows of table {}: the way back cannot bring them back",
            table.written
        )),
        Shape::Update { table } if !made.table(table) => losses.push(format!(
            "overwrites values in table {}: the way back cannot bring the old values back",
            table.written
        )),
        Shape::Truncate { tables } => {
            for t in tables.iter().filter(|t| !made.table(t)) {
                losses.push(format!(
                    "empties table {}: the way back cannot bring its rows back",
                    t.written
                ));
            }
        }
        Shape::Insert {
            table,
            overwrites: true,
        } if !made.table(table) => losses.push(format!(
            "may overwrite rows of table {}: the way back cannot bring the old values back",
            table.written
        )),
        _ => {}
    }
    losses
}

/// What one `ALTER TABLE` action destroys.
fn action_loss(table: &Name, action: &Action, made: &Made) -> Option<String> {
    let t = &table.written;
    match action {
        Action::DropColumn(c) if !made.column(table, c) => Some(format!(
            "drops column {t}.{}: the way back can add it again, not the values of column {t}.{}",
            c.written, c.written
        )),
        Action::AlterType { column, .. } if !made.column(table, column) => {
            Some(may_narrow(t, &column.written, "changes its type"))
        }
        Action::Modify(def) if !made.column(table, &def.name) => {
            Some(may_narrow(t, &def.name.written, "redefines it"))
        }
        Action::Change { old, .. } if !made.column(table, old) => {
            Some(may_narrow(t, &old.written, "redefines it"))
        }
        Action::SetNotNull { column } if !made.column(table, column) => {
            Some(set_not_null(t, &column.written))
        }
        _ => None,
    }
}

fn may_narrow(table: &str, column: &str, how: &str) -> String {
    format!(
        "{how}, which may narrow column {table}.{column} (the type it had is not in the text): values cut or refused on the \
way forward cannot come back on the way back; check the old type, or widen only"
    )
}

/// Whether a later statement renames another table to `table`: the
/// rebuild that copies a table's rows into a new one, drops the old one
/// and takes its name, which loses nothing by itself.
fn rebuilt(table: &Name, rest: &[Stmt]) -> bool {
    rest.iter().any(|s| match &s.shape {
        Shape::AlterTable { actions, .. } => actions
            .iter()
            .any(|(a, _)| matches!(a, Action::RenameTo(to) if to.key == table.key)),
        Shape::RenameTable { renames } => renames.iter().any(|(_, to)| to.key == table.key),
        _ => false,
    })
}

/// The down section's statements that destroy what the up section did
/// not make: unapplying then loses it.
fn raw_down(cx: &Cx, up: &[Stmt], down: &[Stmt], findings: &mut Vec<Finding>) {
    let mut made = Made::default();
    for s in up {
        made.record(&s.shape);
    }
    let Some(path) = cx.migration.down.as_ref().map(|d| &d.path) else {
        return;
    };
    // What the down section creates itself (a table it rebuilds) is its
    // own to drop.
    let mut own = Made::default();
    for (i, s) in down.iter().enumerate() {
        if s.written {
            for what in down_losses(&s.shape, &made, &own, &down[i + 1..]) {
                findings.push(Finding::new(
                    codes::LOSSY,
                    Severity::Warning,
                    format!("`{}` (down) {what}", first_line(s.sql)),
                    path,
                    Some(s.line),
                ));
            }
        }
        own.record(&s.shape);
    }
}

fn down_losses(shape: &Shape, up: &Made, own: &Made, rest: &[Stmt]) -> Vec<String> {
    let mine = |t: &Name| up.table(t) || own.table(t);
    let mut losses = Vec::new();
    match shape {
        Shape::DropTable {
            tables,
            temporary: false,
        } => {
            for t in tables.iter().filter(|t| !mine(t) && !rebuilt(t, rest)) {
                losses.push(format!(
                    "drops table {}, which the up section did not create: unapplying loses its rows",
                    t.written
                ));
            }
        }
        Shape::DropSchema { name } if !up.schema(name) => losses.push(format!(
            "drops {}, which the up section did not create: unapplying loses everything in it",
            name.written
        )),
        Shape::AlterTable { table, actions } if !mine(table) => {
            for (action, _) in actions {
                let t = &table.written;
                let loss = match action {
                    Action::DropColumn(c) if !up.column(table, c) => Some(format!(
                        "drops column {t}.{}, which the up section did not add: unapplying loses its values",
                        c.written
                    )),
                    Action::AlterType { column, .. } | Action::SetNotNull { column }
                        if !up.column(table, column) && !up.retyped(table, column) =>
                    {
                        Some(may_narrow(t, &column.written, "changes a column the up section did not"))
                    }
                    Action::Modify(def)
                        if !up.column(table, &def.name) && !up.retyped(table, &def.name) =>
                    {
                        Some(may_narrow(t, &def.name.written, "redefines a column the up section did not"))
                    }
                    _ => None,
                };
                losses.extend(loss);
            }
        }
        Shape::Delete { table } | Shape::Update { table } if !up.wrote(table) && !mine(table) => {
            losses.push(format!(
                "changes rows of table {}, which the up section did not write: unapplying cannot bring them back",
                table.written
            ))
        }
        Shape::Truncate { tables } => {
            for t in tables.iter().filter(|t| !up.wrote(t) && !mine(t)) {
                losses.push(format!(
                    "empties table {}, which the up section did not write: unapplying loses its rows",
                    t.written
                ));
            }
        }
        _ => {}
    }
    losses
}
