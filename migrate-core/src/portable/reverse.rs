//! Automatic reverses: the operations that undo an operation, derived from
//! the schema state before it.
//!
//! Every operation but `sql` reverses exactly: what a drop removes is
//! known from the state (a dropped column comes back with its type,
//! nullability and default; a dropped table with its indexes, keys, checks
//! and foreign keys, all under their names). Two things do not come back:
//! data (a dropped column or table is re-created empty) and column order (a
//! re-added column goes last, the only place every engine can add one).
//!
//! A re-added column needs a value in the rows the table holds: NULL, its
//! default, or the `drop_column`'s `restore_default`. A NOT NULL column
//! without a default and without `restore_default` has none, and engines
//! disagree on what adding it does (SQLite and PostgreSQL fail once there
//! are rows, MySQL fills in zeros), so its drop is [`Irreversible`].
//!
//! An `sql` operation reverses to its `down` text, per engine; without
//! one it is [`Irreversible`].

use std::fmt;

use super::ops::{
    AddColumn, AddForeignKey, AddUnique, AlterColumn, CreateIndex, DropColumn, DropForeignKey,
    DropIndex, DropTable, DropUnique, Operation, RenameColumn, RenameTable, SQL_ENGINES, SqlOp,
    SqlVariant,
};
use super::schema::{Change, SchemaState};
use super::types::{Column, ColumnDefault};

/// Why an operation (or a migration) cannot be reversed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Irreversible {
    /// 1-based position of the operation in its migration, when known.
    pub index: Option<usize>,
    /// The operation's `op` name.
    pub kind: &'static str,
    /// Why.
    pub reason: String,
}

impl fmt::Display for Irreversible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(
                f,
                "operation {i} ({}) is irreversible: {}",
                self.kind, self.reason
            ),
            None => write!(f, "{} is irreversible: {}", self.kind, self.reason),
        }
    }
}

impl std::error::Error for Irreversible {}

/// The operations that undo `op`, which must be valid against `before`
/// (the state just before it). An invalid operation is reported as
/// irreversible, with why it is invalid.
pub fn reverse(op: &Operation, before: &SchemaState) -> Result<Vec<Operation>, Irreversible> {
    let irreversible = |reason: String| Irreversible {
        index: None,
        kind: op.kind(),
        reason,
    };
    let change = before
        .resolve(op)
        .map_err(|e| irreversible(format!("it does not apply to the schema: {e}")))?;
    reverse_change(&change).map_err(irreversible)
}

/// The operations that undo a resolved change.
pub fn reverse_change(change: &Change) -> Result<Vec<Operation>, String> {
    Ok(vec![match change {
        Change::DropColumn {
            table,
            column,
            restore_default,
        } => return re_add_column(table, column, restore_default.as_ref()),
        Change::CreateTable(table) => Operation::DropTable(DropTable {
            table: table.name.clone(),
        }),
        Change::DropTable(table) => Operation::CreateTable(table.to_create_table()),
        Change::RenameTable { from, to } => Operation::RenameTable(RenameTable {
            table: to.clone(),
            to: from.clone(),
        }),
        Change::AddColumn { table, column } => Operation::DropColumn(DropColumn {
            table: table.clone(),
            column: column.name.clone(),
            restore_default: None,
        }),
        Change::AlterColumn {
            table,
            old,
            changes,
            ..
        } => Operation::AlterColumn(AlterColumn {
            table: table.clone(),
            column: old.name.clone(),
            ty: changes.ty.then_some(old.ty),
            nullable: changes.nullable.then_some(old.nullable),
            default: changes.default.then(|| old.default.clone()),
        }),
        Change::RenameColumn { table, from, to } => Operation::RenameColumn(RenameColumn {
            table: table.clone(),
            column: to.clone(),
            to: from.clone(),
        }),
        Change::CreateIndex { table, index } => Operation::DropIndex(DropIndex {
            table: table.clone(),
            name: Some(index.name.clone()),
            columns: None,
        }),
        Change::DropIndex { table, index } => Operation::CreateIndex(CreateIndex {
            table: table.clone(),
            name: Some(index.name.clone()),
            columns: index.columns.clone(),
            unique: index.unique,
        }),
        Change::AddForeignKey { table, foreign_key } => Operation::DropForeignKey(DropForeignKey {
            table: table.clone(),
            name: Some(foreign_key.name.clone()),
            columns: None,
        }),
        Change::DropForeignKey { table, foreign_key } => Operation::AddForeignKey(AddForeignKey {
            table: table.clone(),
            foreign_key: foreign_key.to_spec(),
        }),
        Change::AddUnique { table, unique } => Operation::DropUnique(DropUnique {
            table: table.clone(),
            name: Some(unique.name.clone()),
            columns: None,
        }),
        Change::DropUnique { table, unique } => Operation::AddUnique(AddUnique {
            table: table.clone(),
            name: Some(unique.name.clone()),
            columns: unique.columns.clone(),
        }),
        Change::Sql(sql) => Operation::Sql(reverse_sql(sql)?),
    }])
}

/// The operations that add a dropped column back as it was, giving the
/// rows the table holds `restore` when there is one (the column's own
/// default, or none, is set back after), else NULL or the column's
/// default. Refuses a NOT NULL column without a default or `restore`.
fn re_add_column(
    table: &str,
    column: &Column,
    restore: Option<&ColumnDefault>,
) -> Result<Vec<Operation>, String> {
    let Some(fill) = restore else {
        if !column.nullable && column.default.is_none() {
            return Err(format!(
                "column `{}` of `{table}` is NOT NULL without a default, so the rows of `{table}` would have no value for it when it is added back: \
give this `drop_column` a `restore_default` (the value those rows get), \
or write `.sql` variants of the migration (`NNNN_name.sqlite.sql`, `.postgres.sql`, `.mysql.sql`) with a `-- migrate:down` section",
                column.name
            ));
        }
        return Ok(vec![Operation::AddColumn(AddColumn {
            table: table.to_string(),
            column: column.clone(),
        })]);
    };
    let mut ops = vec![Operation::AddColumn(AddColumn {
        table: table.to_string(),
        column: column.clone().with_default(fill.clone()),
    })];
    if column.default.as_ref() != Some(fill) {
        ops.push(Operation::AlterColumn(AlterColumn {
            table: table.to_string(),
            column: column.name.clone(),
            ty: None,
            nullable: None,
            default: Some(column.default.clone()),
        }));
    }
    Ok(ops)
}

/// Swaps `up` and `down` in the generic text and every variant. Refuses
/// when some engine would run SQL that has no `down`.
fn reverse_sql(sql: &SqlOp) -> Result<SqlOp, String> {
    let missing: Vec<&str> = SQL_ENGINES
        .iter()
        .copied()
        .filter(|e| matches!(sql.for_engine(e), Some((_, None))))
        .collect();
    if !missing.is_empty() {
        let which = if missing.len() == SQL_ENGINES.len() {
            "it has no `down`".to_string()
        } else {
            format!("it has no `down` for {}", missing.join(", "))
        };
        return Err(format!(
            "{which}, so what it did cannot be undone; add `down` (it may be empty when there is nothing to undo)"
        ));
    }
    let swap = |v: &Option<SqlVariant>| {
        v.as_ref().map(|v| SqlVariant {
            up: v.down.clone().unwrap_or_default(),
            down: Some(v.up.clone()),
        })
    };
    // A generic text that no engine uses (each has a variant) may lack a
    // `down`; it stays unused.
    let (up, down) = match (&sql.up, &sql.down) {
        (Some(up), Some(down)) => (Some(down.clone()), Some(up.clone())),
        _ => (None, None),
    };
    Ok(SqlOp {
        up,
        down,
        sqlite: swap(&sql.sqlite),
        postgres: swap(&sql.postgres),
        mysql: swap(&sql.mysql),
    })
}

/// The operations that undo a whole migration: each operation reversed
/// against the state just before it, last operation first.
pub fn reverse_all(
    ops: &[Operation],
    before: &SchemaState,
) -> Result<Vec<Operation>, Irreversible> {
    let mut state = before.clone();
    let mut reversed: Vec<Vec<Operation>> = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let with_index = |mut e: Irreversible| {
            e.index = Some(i + 1);
            e
        };
        let change = state.resolve(op).map_err(|e| {
            with_index(Irreversible {
                index: None,
                kind: op.kind(),
                reason: format!("it does not apply to the schema: {e}"),
            })
        })?;
        let undo = reverse_change(&change).map_err(|reason| {
            with_index(Irreversible {
                index: None,
                kind: op.kind(),
                reason,
            })
        })?;
        reversed.push(undo);
        state.apply_change(&change);
    }
    Ok(reversed.into_iter().rev().flatten().collect())
}
