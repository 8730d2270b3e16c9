//! The schema as portable operations leave it, in memory: tables, their
//! columns, keys, indexes and constraints, all with names.
//!
//! [`SchemaState::resolve`] checks an operation against the state and, when
//! it is valid, describes it as a [`Change`] with every name and reference
//! filled in; [`SchemaState::apply`] then makes the change. Nothing is
//! changed when an operation is invalid.
//!
//! `sql` operations do not change the state: raw SQL is opaque. A table
//! created or altered by raw SQL is unknown here, and later portable
//! operations on it are refused (or, if the SQL changed a known table,
//! rendered from what the state believes).
//!
//! Some rules are stricter than any one engine, so that an operation valid
//! here is valid on every engine:
//! - names compare without case (MySQL and SQLite ignore it), and index and
//!   constraint names are unique in the whole schema (PostgreSQL keeps them
//!   with table names, MySQL keeps foreign key names per database);
//! - a column cannot be dropped while an index, key, foreign key or check
//!   constraint uses it (engines disagree on what happens to those); a
//!   column named in a check expression cannot be renamed either, since the
//!   expression is raw SQL that is not rewritten;
//! - `text`, `binary` and `json` columns cannot be indexed or be keys
//!   (MySQL needs a prefix length);
//! - a foreign key references a primary key or unique constraint (or
//!   unique index) with exactly its columns in order, and column types
//!   must match (integers and decimals of the same size; strings of any
//!   length), as MySQL demands;
//! - auto columns (`auto_id`, `big_auto_id`) are made by `create_table`
//!   only, are the table's whole primary key, and cannot be altered;
//!   primary keys cannot change after `create_table`.

use std::collections::BTreeMap;
use std::fmt;

use super::names::{self, NameKind};
use super::ops::{
    AlterColumn, CheckSpec, CreateIndex, CreateTable, ForeignKeySpec, IndexSpec, Operation,
    ReferentialAction, SqlOp, UniqueSpec, check_identifier,
};
use super::types::{Column, ColumnDefault};

/// Every table the portable operations know, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaState {
    tables: BTreeMap<String, Table>,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The table's name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<Column>,
    /// The primary key's columns (empty: no primary key).
    pub primary_key: Vec<String>,
    /// Unique constraints, in creation order.
    pub uniques: Vec<Unique>,
    /// Indexes, in creation order.
    pub indexes: Vec<Index>,
    /// Check constraints, in creation order.
    pub checks: Vec<Check>,
    /// Foreign keys, in creation order.
    pub foreign_keys: Vec<ForeignKey>,
}

/// A named index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// Its name.
    pub name: String,
    /// The indexed columns, in order.
    pub columns: Vec<String>,
    /// Whether it enforces uniqueness.
    pub unique: bool,
}

/// A named unique constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unique {
    /// Its name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
}

/// A named check constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Its name.
    pub name: String,
    /// The boolean SQL expression, verbatim.
    pub expr: String,
}

/// A named foreign key with its referenced columns resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// Its name.
    pub name: String,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub references: String,
    /// The referenced columns.
    pub ref_columns: Vec<String>,
    /// What deleting a referenced row does.
    pub on_delete: ReferentialAction,
    /// What changing a referenced key does.
    pub on_update: ReferentialAction,
}

/// An operation checked against a state, with everything it touches
/// resolved: generated names, referenced columns, the full definitions of
/// what it drops. Renderers and [`super::reverse()`] work from this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new table, complete.
    CreateTable(Table),
    /// A table dropped, as it was.
    DropTable(Table),
    /// A table renamed.
    RenameTable {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A column added at the end of the table.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: Column,
    },
    /// A column dropped, as it was.
    DropColumn {
        /// The table.
        table: String,
        /// The column as it was.
        column: Column,
        /// The operation's `restore_default`, checked against the column's
        /// type: what the rows get when the column is added back.
        restore_default: Option<ColumnDefault>,
    },
    /// A column changed.
    AlterColumn {
        /// The table.
        table: String,
        /// The column before.
        old: Column,
        /// The column after.
        new: Column,
        /// What the operation changes.
        changes: AlterFlags,
    },
    /// A column renamed.
    RenameColumn {
        /// The table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// An index created.
    CreateIndex {
        /// The table.
        table: String,
        /// The index, named.
        index: Index,
    },
    /// An index dropped, as it was.
    DropIndex {
        /// The table.
        table: String,
        /// The index as it was.
        index: Index,
    },
    /// A foreign key added.
    AddForeignKey {
        /// The referencing table.
        table: String,
        /// The foreign key, named and resolved.
        foreign_key: ForeignKey,
    },
    /// A foreign key dropped, as it was.
    DropForeignKey {
        /// The referencing table.
        table: String,
        /// The foreign key as it was.
        foreign_key: ForeignKey,
    },
    /// A unique constraint added.
    AddUnique {
        /// The table.
        table: String,
        /// The constraint, named.
        unique: Unique,
    },
    /// A unique constraint dropped, as it was.
    DropUnique {
        /// The table.
        table: String,
        /// The constraint as it was.
        unique: Unique,
    },
    /// Raw SQL; the state does not change.
    Sql(SqlOp),
}

/// Which aspects an `alter_column` changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AlterFlags {
    /// The type.
    pub ty: bool,
    /// The nullability.
    pub nullable: bool,
    /// The default (set or removed).
    pub default: bool,
}

/// An operation of a list that failed, with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationError {
    /// 1-based position of the operation in its migration.
    pub index: usize,
    /// Its `op` name.
    pub kind: &'static str,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for OperationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "operation {} ({}): {}",
            self.index, self.kind, self.message
        )
    }
}

impl std::error::Error for OperationError {}

impl Table {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The auto column (`auto_id`, `big_auto_id`), if any.
    pub fn auto_column(&self) -> Option<&Column> {
        self.columns.iter().find(|c| c.ty.is_auto())
    }

    /// The index named `name`.
    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// The names of the indexes, keys and constraints that use `column`,
    /// described for messages (`index patient_name_idx`).
    fn users_of(&self, column: &str) -> Vec<String> {
        let mut users = Vec::new();
        if self.primary_key.iter().any(|c| c == column) {
            users.push("the primary key".to_string());
        }
        for i in &self.indexes {
            if i.columns.iter().any(|c| c == column) {
                users.push(format!("index `{}`", i.name));
            }
        }
        for u in &self.uniques {
            if u.columns.iter().any(|c| c == column) {
                users.push(format!("unique constraint `{}`", u.name));
            }
        }
        for fk in &self.foreign_keys {
            if fk.columns.iter().any(|c| c == column) {
                users.push(format!("foreign key `{}`", fk.name));
            }
        }
        for check in &self.checks {
            if mentions(&check.expr, column) {
                users.push(format!("check constraint `{}`", check.name));
            }
        }
        users
    }

    /// Whether `columns` are exactly the primary key or a unique
    /// constraint or unique index, in order: what a foreign key may
    /// reference.
    fn is_unique_key(&self, columns: &[String]) -> bool {
        self.primary_key == columns
            || self.uniques.iter().any(|u| u.columns == columns)
            || self
                .indexes
                .iter()
                .any(|i| i.unique && i.columns == columns)
    }

    /// This table as a `create_table` operation that recreates it exactly,
    /// names included.
    pub fn to_create_table(&self) -> CreateTable {
        let auto_pk = self
            .auto_column()
            .is_some_and(|c| self.primary_key == [c.name.clone()]);
        CreateTable {
            table: self.name.clone(),
            columns: self.columns.clone(),
            primary_key: (!self.primary_key.is_empty() && !auto_pk)
                .then(|| self.primary_key.clone()),
            unique: self
                .uniques
                .iter()
                .map(|u| UniqueSpec {
                    name: Some(u.name.clone()),
                    columns: u.columns.clone(),
                })
                .collect(),
            indexes: self
                .indexes
                .iter()
                .map(|i| IndexSpec {
                    name: Some(i.name.clone()),
                    columns: i.columns.clone(),
                    unique: i.unique,
                })
                .collect(),
            checks: self
                .checks
                .iter()
                .map(|c| CheckSpec {
                    name: Some(c.name.clone()),
                    expr: c.expr.clone(),
                })
                .collect(),
            foreign_keys: self.foreign_keys.iter().map(ForeignKey::to_spec).collect(),
        }
    }
}

impl ForeignKey {
    /// This foreign key as written in a file, name and columns explicit.
    pub fn to_spec(&self) -> ForeignKeySpec {
        ForeignKeySpec {
            name: Some(self.name.clone()),
            columns: self.columns.clone(),
            references: self.references.clone(),
            ref_columns: Some(self.ref_columns.clone()),
            on_delete: self.on_delete,
            on_update: self.on_update,
        }
    }
}

/// Whether the SQL expression `expr` names `column`: any word of it (runs
/// of letters, digits and `_`, quotes being separators) equal to the name
/// without case. It may see a column where a string literal holds the same
/// word, which only makes a check refuse more.
pub fn mentions(expr: &str, column: &str) -> bool {
    expr.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| word.eq_ignore_ascii_case(column))
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SchemaState {
    /// An empty schema.
    pub fn new() -> Self {
        SchemaState::default()
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// Every table, by name.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values()
    }

    /// The foreign keys of other tables (not `table` itself) that reference
    /// `table`, as (referencing table, foreign key).
    pub fn referencing(&self, table: &str) -> Vec<(&Table, &ForeignKey)> {
        self.tables
            .values()
            .filter(|t| t.name != table)
            .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
            .filter(|(_, fk)| fk.references == table)
            .collect()
    }

    /// Applies `op`: checks it and changes the state, or changes nothing
    /// and says why it is invalid.
    pub fn apply(&mut self, op: &Operation) -> Result<(), String> {
        let change = self.resolve(op)?;
        self.apply_change(&change);
        Ok(())
    }

    /// Applies operations in order; on the first invalid one the state is
    /// left as it was before the first, and the error says which one.
    pub fn apply_all(&mut self, ops: &[Operation]) -> Result<(), OperationError> {
        let mut next = self.clone();
        for (i, op) in ops.iter().enumerate() {
            next.apply(op).map_err(|message| OperationError {
                index: i + 1,
                kind: op.kind(),
                message,
            })?;
        }
        *self = next;
        Ok(())
    }

    /// Checks `op` against this state and describes it as a [`Change`],
    /// without changing anything.
    pub fn resolve(&self, op: &Operation) -> Result<Change, String> {
        op.validate().map_err(|e| e.to_string())?;
        match op {
            Operation::CreateTable(o) => self.resolve_create_table(o).map(Change::CreateTable),
            Operation::DropTable(o) => {
                let table = self.existing(&o.table)?;
                if let Some((other, fk)) = self.referencing(&o.table).first() {
                    return Err(format!(
                        "table `{}` is referenced by foreign key `{}` of table `{}`: drop that foreign key (or table) first",
                        o.table, fk.name, other.name
                    ));
                }
                Ok(Change::DropTable(table.clone()))
            }
            Operation::RenameTable(o) => {
                self.existing(&o.table)?;
                self.name_free(&o.to)?;
                Ok(Change::RenameTable {
                    from: o.table.clone(),
                    to: o.to.clone(),
                })
            }
            Operation::AddColumn(o) => {
                let table = self.existing(&o.table)?;
                if let Some(c) = find_column(table, &o.column.name) {
                    return Err(format!(
                        "table `{}` already has a column `{}`",
                        o.table, c.name
                    ));
                }
                if o.column.ty.is_auto() {
                    return Err(format!(
                        "an `{}` column can only be made by `create_table` (it is the table's primary key)",
                        o.column.ty.name()
                    ));
                }
                let mut column = o.column.clone();
                column.check().map_err(|e| e.to_string())?;
                Ok(Change::AddColumn {
                    table: o.table.clone(),
                    column,
                })
            }
            Operation::DropColumn(o) => {
                let table = self.existing(&o.table)?;
                let column = self.existing_column(table, &o.column)?;
                if table.columns.len() == 1 {
                    return Err(format!(
                        "`{}` is the only column of table `{}`; drop the table instead",
                        o.column, o.table
                    ));
                }
                let users = table.users_of(&o.column);
                if !users.is_empty() {
                    return Err(format!(
                        "column `{}` of `{}` is used by {}: drop {} first",
                        o.column,
                        o.table,
                        users.join(", "),
                        if users.len() == 1 { "it" } else { "them" }
                    ));
                }
                self.not_referenced(table, &o.column, "dropped")?;
                let restore_default = o
                    .restore_default
                    .as_ref()
                    .map(|d| d.for_type(column.ty))
                    .transpose()
                    .map_err(|m| format!("field `restore_default`: {m}"))?;
                Ok(Change::DropColumn {
                    table: o.table.clone(),
                    column: column.clone(),
                    restore_default,
                })
            }
            Operation::AlterColumn(o) => self.resolve_alter_column(o),
            Operation::RenameColumn(o) => {
                let table = self.existing(&o.table)?;
                self.existing_column(table, &o.column)?;
                if let Some(c) = find_column(table, &o.to) {
                    return Err(format!(
                        "table `{}` already has a column `{}`",
                        o.table, c.name
                    ));
                }
                if let Some(check) = table.checks.iter().find(|c| mentions(&c.expr, &o.column)) {
                    return Err(format!(
                        "column `{}` is named in check constraint `{}` ({}), whose SQL cannot be rewritten portably; recreate the table instead",
                        o.column, check.name, check.expr
                    ));
                }
                Ok(Change::RenameColumn {
                    table: o.table.clone(),
                    from: o.column.clone(),
                    to: o.to.clone(),
                })
            }
            Operation::CreateIndex(o) => self.resolve_create_index(o),
            Operation::DropIndex(o) => {
                let table = self.existing(&o.table)?;
                let index = find_named(
                    "index",
                    table,
                    &table.indexes,
                    o.name.as_deref(),
                    o.columns.as_deref(),
                    |i| (&i.name, &i.columns),
                )?;
                if index.unique {
                    self.key_still_referenced(table, &index.columns, &index.name)?;
                }
                Ok(Change::DropIndex {
                    table: o.table.clone(),
                    index: index.clone(),
                })
            }
            Operation::AddForeignKey(o) => {
                let table = self.existing(&o.table)?;
                let taken = |n: &str| self.name_owner(n).is_some();
                let foreign_key = self.resolve_foreign_key(table, &o.foreign_key, &taken, &[])?;
                Ok(Change::AddForeignKey {
                    table: o.table.clone(),
                    foreign_key,
                })
            }
            Operation::DropForeignKey(o) => {
                let table = self.existing(&o.table)?;
                let fk = find_named(
                    "foreign key",
                    table,
                    &table.foreign_keys,
                    o.name.as_deref(),
                    o.columns.as_deref(),
                    |f| (&f.name, &f.columns),
                )?;
                Ok(Change::DropForeignKey {
                    table: o.table.clone(),
                    foreign_key: fk.clone(),
                })
            }
            Operation::AddUnique(o) => {
                let table = self.existing(&o.table)?;
                self.key_columns(table, &o.columns, "a unique constraint")?;
                let name = match &o.name {
                    Some(n) => {
                        self.name_free(n)?;
                        n.clone()
                    }
                    None => names::generate(NameKind::Unique, &o.table, &o.columns, |n| {
                        self.name_owner(n).is_some()
                    }),
                };
                Ok(Change::AddUnique {
                    table: o.table.clone(),
                    unique: Unique {
                        name,
                        columns: o.columns.clone(),
                    },
                })
            }
            Operation::DropUnique(o) => {
                let table = self.existing(&o.table)?;
                let unique = find_named(
                    "unique constraint",
                    table,
                    &table.uniques,
                    o.name.as_deref(),
                    o.columns.as_deref(),
                    |u| (&u.name, &u.columns),
                )?;
                self.key_still_referenced(table, &unique.columns, &unique.name)?;
                Ok(Change::DropUnique {
                    table: o.table.clone(),
                    unique: unique.clone(),
                })
            }
            Operation::Sql(o) => Ok(Change::Sql(o.clone())),
        }
    }

    /// Makes a change that [`SchemaState::resolve`] produced from this very
    /// state. Changes from elsewhere are applied as far as they fit.
    pub fn apply_change(&mut self, change: &Change) {
        match change {
            Change::CreateTable(table) => {
                self.tables.insert(table.name.clone(), table.clone());
            }
            Change::DropTable(table) => {
                self.tables.remove(&table.name);
            }
            Change::RenameTable { from, to } => {
                if let Some(mut table) = self.tables.remove(from) {
                    table.name = to.clone();
                    self.tables.insert(to.clone(), table);
                }
                // Engines follow a renamed table in the foreign keys that
                // reference it (SQLite 3.26+ rewrites them).
                for table in self.tables.values_mut() {
                    for fk in &mut table.foreign_keys {
                        if &fk.references == from {
                            fk.references = to.clone();
                        }
                    }
                }
            }
            Change::AddColumn { table, column } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.columns.push(column.clone());
                }
            }
            Change::DropColumn { table, column, .. } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.columns.retain(|c| c.name != column.name);
                }
            }
            Change::AlterColumn { table, new, .. } => {
                if let Some(t) = self.tables.get_mut(table)
                    && let Some(c) = t.columns.iter_mut().find(|c| c.name == new.name)
                {
                    *c = new.clone();
                }
            }
            Change::RenameColumn { table, from, to } => {
                let rename = |cols: &mut Vec<String>| {
                    for c in cols.iter_mut() {
                        if c == from {
                            *c = to.clone();
                        }
                    }
                };
                if let Some(t) = self.tables.get_mut(table) {
                    for c in &mut t.columns {
                        if &c.name == from {
                            c.name = to.clone();
                        }
                    }
                    rename(&mut t.primary_key);
                    t.indexes.iter_mut().for_each(|i| rename(&mut i.columns));
                    t.uniques.iter_mut().for_each(|u| rename(&mut u.columns));
                    t.foreign_keys
                        .iter_mut()
                        .for_each(|f| rename(&mut f.columns));
                }
                // Foreign keys that reference the column follow it.
                for t in self.tables.values_mut() {
                    for fk in &mut t.foreign_keys {
                        if &fk.references == table {
                            rename(&mut fk.ref_columns);
                        }
                    }
                }
            }
            Change::CreateIndex { table, index } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.indexes.push(index.clone());
                }
            }
            Change::DropIndex { table, index } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.indexes.retain(|i| i.name != index.name);
                }
            }
            Change::AddForeignKey { table, foreign_key } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.foreign_keys.push(foreign_key.clone());
                }
            }
            Change::DropForeignKey { table, foreign_key } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.foreign_keys.retain(|f| f.name != foreign_key.name);
                }
            }
            Change::AddUnique { table, unique } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.uniques.push(unique.clone());
                }
            }
            Change::DropUnique { table, unique } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.uniques.retain(|u| u.name != unique.name);
                }
            }
            Change::Sql(_) => {}
        }
    }

    /// What already uses `name` (compared without case): a table, an index
    /// or a constraint, or the `<table>_pkey` name PostgreSQL gives primary
    /// keys.
    pub fn name_owner(&self, name: &str) -> Option<String> {
        let same = |other: &str| other.eq_ignore_ascii_case(name);
        for t in self.tables.values() {
            if same(&t.name) {
                return Some(format!("table `{}`", t.name));
            }
            if !t.primary_key.is_empty() && same(&format!("{}_pkey", t.name)) {
                return Some(format!("the primary key of table `{}`", t.name));
            }
            for i in &t.indexes {
                if same(&i.name) {
                    return Some(format!("index `{}` of table `{}`", i.name, t.name));
                }
            }
            for u in &t.uniques {
                if same(&u.name) {
                    return Some(format!(
                        "unique constraint `{}` of table `{}`",
                        u.name, t.name
                    ));
                }
            }
            for f in &t.foreign_keys {
                if same(&f.name) {
                    return Some(format!("foreign key `{}` of table `{}`", f.name, t.name));
                }
            }
            for c in &t.checks {
                if same(&c.name) {
                    return Some(format!(
                        "check constraint `{}` of table `{}`",
                        c.name, t.name
                    ));
                }
            }
        }
        None
    }

    fn name_free(&self, name: &str) -> Result<(), String> {
        match self.name_owner(name) {
            Some(owner) => Err(format!("the name `{name}` is already used by {owner}")),
            None => Ok(()),
        }
    }

    fn existing(&self, table: &str) -> Result<&Table, String> {
        self.tables.get(table).ok_or_else(|| {
            let hint = self
                .tables
                .keys()
                .find(|t| t.eq_ignore_ascii_case(table))
                .map(|t| format!(" (there is `{t}`: names are case-sensitive on PostgreSQL)"))
                .unwrap_or_default();
            format!("there is no table `{table}`{hint}")
        })
    }

    fn existing_column<'t>(&self, table: &'t Table, column: &str) -> Result<&'t Column, String> {
        table.column(column).ok_or_else(|| {
            format!(
                "table `{}` has no column `{column}` (it has {})",
                table.name,
                list(
                    &table
                        .columns
                        .iter()
                        .map(|c| c.name.clone())
                        .collect::<Vec<_>>()
                )
            )
        })
    }

    /// Checks that `columns` exist in `table` and can be indexed, for `what`.
    fn key_columns(&self, table: &Table, columns: &[String], what: &str) -> Result<(), String> {
        for name in columns {
            let column = self.existing_column(table, name)?;
            if !column.ty.is_indexable() {
                return Err(format!(
                    "column `{name}` is `{}` and cannot be in {what} on every engine (MySQL needs a prefix length); use `string` with a length",
                    column.ty
                ));
            }
        }
        Ok(())
    }

    /// Refuses when another table's foreign key (or this table's own)
    /// references `column` of `table`.
    fn not_referenced(&self, table: &Table, column: &str, verb: &str) -> Result<(), String> {
        for t in self.tables.values() {
            for fk in &t.foreign_keys {
                if fk.references == table.name && fk.ref_columns.iter().any(|c| c == column) {
                    return Err(format!(
                        "column `{column}` of `{}` is referenced by foreign key `{}` of table `{}` and cannot be {verb}: drop that foreign key first",
                        table.name, fk.name, t.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// Refuses to drop the unique constraint or index `name` on `columns`
    /// when a foreign key needs it and no other key has the same columns.
    fn key_still_referenced(
        &self,
        table: &Table,
        columns: &[String],
        name: &str,
    ) -> Result<(), String> {
        let others = table.primary_key == columns
            || table
                .uniques
                .iter()
                .any(|u| u.name != name && u.columns == columns)
            || table
                .indexes
                .iter()
                .any(|i| i.name != name && i.unique && i.columns == columns);
        if others {
            return Ok(());
        }
        for t in self.tables.values() {
            for fk in &t.foreign_keys {
                if fk.references == table.name && fk.ref_columns == columns {
                    return Err(format!(
                        "`{name}` is the unique key that foreign key `{}` of table `{}` references: drop that foreign key first",
                        fk.name, t.name
                    ));
                }
            }
        }
        Ok(())
    }

    fn resolve_create_table(&self, o: &CreateTable) -> Result<Table, String> {
        self.name_free(&o.table)?;
        let mut columns: Vec<Column> = Vec::with_capacity(o.columns.len());
        for column in &o.columns {
            if let Some(c) = columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(&column.name))
            {
                return Err(format!(
                    "column `{}` is defined twice (as `{}` and `{}`)",
                    column.name, c.name, column.name
                ));
            }
            let mut column = column.clone();
            column
                .check()
                .map_err(|e| format!("column `{}`: {e}", column.name))?;
            columns.push(column);
        }
        let autos: Vec<&Column> = columns.iter().filter(|c| c.ty.is_auto()).collect();
        if autos.len() > 1 {
            return Err(format!(
                "a table has at most one auto column, found {}",
                list(&autos.iter().map(|c| c.name.clone()).collect::<Vec<_>>())
            ));
        }
        let auto = autos.first().map(|c| c.name.clone());
        let mut table = Table {
            name: o.table.clone(),
            columns,
            primary_key: Vec::new(),
            uniques: Vec::new(),
            indexes: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
        };
        table.primary_key = match (&o.primary_key, &auto) {
            (Some(pk), Some(auto)) if pk != std::slice::from_ref(auto) => {
                return Err(format!(
                    "the auto column `{auto}` is the primary key; `primary_key` must be [\"{auto}\"] or left out"
                ));
            }
            (Some(pk), _) => pk.clone(),
            (None, Some(auto)) => vec![auto.clone()],
            (None, None) => Vec::new(),
        };
        self.key_columns(&table, &table.primary_key, "a primary key")?;
        for name in &table.primary_key {
            if table.column(name).is_some_and(|c| c.nullable) {
                return Err(format!("primary key column `{name}` cannot be nullable"));
            }
        }

        // Explicit names first, so that generated ones avoid them all.
        let mut explicit: Vec<&str> = Vec::new();
        let named = o
            .unique
            .iter()
            .map(|u| u.name.as_deref())
            .chain(o.indexes.iter().map(|i| i.name.as_deref()))
            .chain(o.checks.iter().map(|c| c.name.as_deref()))
            .chain(o.foreign_keys.iter().map(|f| f.name.as_deref()))
            .flatten();
        for name in named {
            check_identifier(name)?;
            self.name_free(name)?;
            if name.eq_ignore_ascii_case(&o.table)
                || explicit.iter().any(|n| n.eq_ignore_ascii_case(name))
            {
                return Err(format!("the name `{name}` is used twice in this table"));
            }
            explicit.push(name);
        }
        let mut generated: Vec<String> = Vec::new();
        let mut pick = |kind: NameKind, given: &Option<String>, columns: &[String]| -> String {
            if let Some(name) = given {
                return name.clone();
            }
            let name = names::generate(kind, &o.table, columns, |n| {
                self.name_owner(n).is_some()
                    || n.eq_ignore_ascii_case(&o.table)
                    || explicit.iter().any(|e| e.eq_ignore_ascii_case(n))
                    || generated.iter().any(|g| g.eq_ignore_ascii_case(n))
            });
            generated.push(name.clone());
            name
        };

        for u in &o.unique {
            self.key_columns(&table, &u.columns, "a unique constraint")?;
            let name = pick(NameKind::Unique, &u.name, &u.columns);
            table.uniques.push(Unique {
                name,
                columns: u.columns.clone(),
            });
        }
        for i in &o.indexes {
            self.key_columns(&table, &i.columns, "an index")?;
            let name = pick(NameKind::Index, &i.name, &i.columns);
            table.indexes.push(Index {
                name,
                columns: i.columns.clone(),
                unique: i.unique,
            });
        }
        for c in &o.checks {
            let name = pick(NameKind::Check, &c.name, &[]);
            table.checks.push(Check {
                name,
                expr: c.expr.clone(),
            });
        }
        // Foreign keys last: one may reference the table itself, through
        // its primary key or a unique constraint defined above.
        let mut foreign_keys = Vec::new();
        for spec in &o.foreign_keys {
            let name = pick(NameKind::ForeignKey, &spec.name, &spec.columns);
            let spec = ForeignKeySpec {
                name: Some(name),
                ..spec.clone()
            };
            let fk = self.resolve_foreign_key(&table, &spec, &|_| false, &[&table])?;
            foreign_keys.push(fk);
        }
        table.foreign_keys = foreign_keys;
        Ok(table)
    }

    /// Resolves a foreign key of `table`: checks its columns, finds the
    /// referenced table (in the state, or among `extra` tables not in it
    /// yet) and columns, and names it.
    fn resolve_foreign_key(
        &self,
        table: &Table,
        spec: &ForeignKeySpec,
        taken: &dyn Fn(&str) -> bool,
        extra: &[&Table],
    ) -> Result<ForeignKey, String> {
        self.key_columns(table, &spec.columns, "a foreign key")?;
        let target = extra
            .iter()
            .copied()
            .find(|t| t.name == spec.references)
            .map_or_else(|| self.existing(&spec.references), Ok)
            .map_err(|e| format!("foreign key on {}: {e}", list(&spec.columns)))?;
        let ref_columns = match &spec.ref_columns {
            Some(cols) => cols.clone(),
            None if target.primary_key.is_empty() => {
                return Err(format!(
                    "table `{}` has no primary key; give `ref_columns`",
                    target.name
                ));
            }
            None => target.primary_key.clone(),
        };
        if ref_columns.len() != spec.columns.len() {
            return Err(format!(
                "foreign key on {} has {} column(s) but references {} ({} of `{}`)",
                list(&spec.columns),
                spec.columns.len(),
                ref_columns.len(),
                list(&ref_columns),
                target.name
            ));
        }
        for (column, ref_column) in spec.columns.iter().zip(&ref_columns) {
            let source = self.existing_column(table, column)?;
            let referenced = self.existing_column(target, ref_column)?;
            if !source.ty.can_reference(referenced.ty) {
                return Err(format!(
                    "column `{column}` is `{}` but references `{}`.`{ref_column}`, which is `{}`; the types must match (MySQL refuses otherwise)",
                    source.ty, target.name, referenced.ty
                ));
            }
            let needs_null = spec.on_delete == ReferentialAction::SetNull
                || spec.on_update == ReferentialAction::SetNull;
            if needs_null && !source.nullable {
                return Err(format!(
                    "`set_null` needs nullable columns, but `{column}` is NOT NULL"
                ));
            }
        }
        if !target.is_unique_key(&ref_columns) {
            return Err(format!(
                "{} of table `{}` is not its primary key or a unique constraint; a foreign key must reference one, with exactly its columns in order",
                list(&ref_columns),
                target.name
            ));
        }
        let name = match &spec.name {
            Some(n) if extra.is_empty() => {
                self.name_free(n)?;
                n.clone()
            }
            Some(n) => n.clone(),
            None => names::generate(NameKind::ForeignKey, &table.name, &spec.columns, |n| {
                self.name_owner(n).is_some() || taken(n)
            }),
        };
        Ok(ForeignKey {
            name,
            columns: spec.columns.clone(),
            references: target.name.clone(),
            ref_columns,
            on_delete: spec.on_delete,
            on_update: spec.on_update,
        })
    }

    fn resolve_alter_column(&self, o: &AlterColumn) -> Result<Change, String> {
        let table = self.existing(&o.table)?;
        let old = self.existing_column(table, &o.column)?;
        if old.ty.is_auto() {
            return Err(format!(
                "`{}` is an `{}` column, which cannot be altered portably",
                o.column,
                old.ty.name()
            ));
        }
        let mut new = old.clone();
        if let Some(ty) = o.ty {
            if ty.is_auto() {
                return Err("a column cannot become an auto column".to_string());
            }
            if ty != old.ty {
                let users = table.users_of(&o.column);
                let in_keys = users.iter().any(|u| !u.starts_with("check"));
                if in_keys && !ty.is_indexable() {
                    return Err(format!(
                        "column `{}` is used by {} and cannot become `{ty}`, which cannot be indexed on every engine",
                        o.column,
                        users.join(", ")
                    ));
                }
                if let Some(fk) = table
                    .foreign_keys
                    .iter()
                    .find(|f| f.columns.contains(&o.column))
                {
                    return Err(format!(
                        "column `{}` is in foreign key `{}`; MySQL cannot change its type: drop the foreign key first",
                        o.column, fk.name
                    ));
                }
                self.not_referenced(table, &o.column, "changed to another type")?;
            }
            new.ty = ty;
        }
        if let Some(nullable) = o.nullable {
            if nullable && table.primary_key.contains(&o.column) {
                return Err(format!(
                    "column `{}` is in the primary key and cannot be nullable",
                    o.column
                ));
            }
            if !nullable
                && let Some(fk) = table.foreign_keys.iter().find(|f| {
                    f.columns.contains(&o.column)
                        && (f.on_delete == ReferentialAction::SetNull
                            || f.on_update == ReferentialAction::SetNull)
                })
            {
                return Err(format!(
                    "column `{}` is in foreign key `{}`, which sets it to NULL; it must stay nullable",
                    o.column, fk.name
                ));
            }
            new.nullable = nullable;
        }
        if let Some(default) = &o.default {
            new.default = default.clone();
        }
        if let Some(default) = &new.default {
            let checked = default.for_type(new.ty).map_err(|m| {
                if o.default.is_some() {
                    format!("default: {m}")
                } else {
                    format!(
                        "the column's default does not fit the new type ({m}); set a new `default` or `drop_default = true`"
                    )
                }
            })?;
            new.default = Some(checked);
        }
        Ok(Change::AlterColumn {
            table: o.table.clone(),
            old: old.clone(),
            new,
            changes: AlterFlags {
                ty: o.ty.is_some(),
                nullable: o.nullable.is_some(),
                default: o.default.is_some(),
            },
        })
    }

    fn resolve_create_index(&self, o: &CreateIndex) -> Result<Change, String> {
        let table = self.existing(&o.table)?;
        self.key_columns(table, &o.columns, "an index")?;
        let name = match &o.name {
            Some(n) => {
                self.name_free(n)?;
                n.clone()
            }
            None => names::generate(NameKind::Index, &o.table, &o.columns, |n| {
                self.name_owner(n).is_some()
            }),
        };
        Ok(Change::CreateIndex {
            table: o.table.clone(),
            index: Index {
                name,
                columns: o.columns.clone(),
                unique: o.unique,
            },
        })
    }
}

fn find_column<'t>(table: &'t Table, name: &str) -> Option<&'t Column> {
    table
        .columns
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name))
}

/// Finds the `what` of `table` named `name`, or else the one on exactly
/// `columns`.
fn find_named<'t, T>(
    what: &str,
    table: &'t Table,
    items: &'t [T],
    name: Option<&str>,
    columns: Option<&[String]>,
    key: impl Fn(&T) -> (&String, &Vec<String>),
) -> Result<&'t T, String> {
    let names = || {
        let all: Vec<String> = items.iter().map(|i| key(i).0.clone()).collect();
        if all.is_empty() {
            "none".to_string()
        } else {
            list(&all)
        }
    };
    if let Some(name) = name {
        return items.iter().find(|i| key(i).0 == name).ok_or_else(|| {
            format!(
                "table `{}` has no {what} `{name}` (it has {})",
                table.name,
                names()
            )
        });
    }
    let columns = columns.unwrap_or_default();
    let found: Vec<&T> = items.iter().filter(|i| key(i).1 == columns).collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "table `{}` has no {what} on {} (it has {})",
            table.name,
            list(columns),
            names()
        )),
        many => Err(format!(
            "table `{}` has more than one {what} on {}: {}; give `name`",
            table.name,
            list(columns),
            list(&many.iter().map(|i| key(i).0.clone()).collect::<Vec<_>>())
        )),
    }
}
