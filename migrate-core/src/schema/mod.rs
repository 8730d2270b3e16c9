//! A database's schema as one engine-neutral model, read from the engine's
//! catalog ([`crate::Backend::inspect`]), and the differences between two
//! of them ([`diff`]).
//!
//! The model holds what a migration changes: tables (columns, primary key,
//! indexes, foreign keys, checks), views, triggers and, on PostgreSQL,
//! sequences. Everything is normalized ([`normalize`]) so that two schemas
//! compare equal when they mean the same thing: the same database before
//! and after a migration and its reverse, and, for what the portable format
//! writes, the same migration on SQLite, PostgreSQL and MySQL.
//!
//! # Normalization, in short
//! - **Types**: one name per portable type (`integer`, `bigint`,
//!   `smallint`, `boolean`, `string(N)`, `text`, `decimal(P,S)`, `float`,
//!   `double`, `date`, `time`, `timestamp`, `timestamp_tz`, `binary`,
//!   `uuid`, `json`), any other type as the engine names it, lower-cased.
//!   See [`normalize::data_type`].
//! - **Defaults**: casts, the parentheses engines add and the engines'
//!   quoting are taken off; a string is written once, in standard quotes
//!   (`'it''s'`); numbers compare as numbers (`0.00` is `0`), booleans are
//!   `true`/`false`, every spelling of "now" is `current_timestamp`, and a
//!   `NULL` default is no default. See [`normalize::default_value`].
//! - **Auto-increment**: a column the engine fills when an insert leaves it
//!   out: PostgreSQL identity columns and `nextval(...)` defaults (then
//!   without a default), MySQL's `auto_increment`, and SQLite's rowid alias
//!   (`INTEGER PRIMARY KEY`, with or without `AUTOINCREMENT`).
//! - **Foreign key actions**: lower-case words (`no action`, `restrict`,
//!   `cascade`, `set null`, `set default`). InnoDB cannot tell `RESTRICT`
//!   from `NO ACTION` (MariaDB reports `RESTRICT` for a key that names
//!   neither), so on MySQL both read `no action`; PostgreSQL and SQLite keep
//!   the difference, which they enforce.
//! - **Expressions** (checks, index expressions and predicates, view and
//!   trigger definitions): whitespace, identifier quoting, keyword case,
//!   casts and redundant parentheses are normalized ([`normalize::expression`]).
//!   The engine's own rewriting is not undone (PostgreSQL adds
//!   parentheses, MySQL qualifies the names of a view's columns), so a
//!   simple check compares across engines, a view's query within one.
//!
//! # What is left out
//! The tool's own history table and its audit log (named by
//! [`crate::Backend::location`]), the engines' internal tables (SQLite's
//! `sqlite_*`), and, on PostgreSQL, sequences owned by a column (a `SERIAL`
//! or identity column's: the column shows as auto-increment instead).
//! Functions, procedures, comments, collations, index methods, generated
//! column expressions and materialized views are not in the model.
//!
//! What an engine stores differently reads back differently: SQLite keeps
//! a portable `json` column as `text` and a `big_auto_id` as its 64-bit
//! `integer` rowid; InnoDB's own index for a foreign key that no index
//! serves is among the table's indexes.

mod diff;
pub mod normalize;
pub(crate) mod row;
pub(crate) mod tokens;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::Serialize;

pub use diff::{ColumnChange, Difference, diff};

/// Which part of a schema an inspection reads.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every table, view, trigger and sequence.
    All,
    /// Only these tables, with their triggers; no views and no sequences.
    /// Names are compared without case on SQLite, exactly on PostgreSQL
    /// and MySQL (whose catalogs find a table by its exact name only
    /// quickly): give a name both as written and lower-cased. What one migration's statements name is all
    /// it can change, and reading only that keeps `migrate check`'s proof
    /// linear in the number of migrations.
    Tables(&'a [String]),
}

impl Scope<'_> {
    /// Whether views and sequences are read.
    pub fn whole(&self) -> bool {
        matches!(self, Scope::All)
    }

    /// Whether `table` is in scope, compared without case: what
    /// [`Schema::within`] keeps.
    pub fn keeps(&self, table: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Tables(names) => names.iter().any(|n| n.eq_ignore_ascii_case(table)),
        }
    }

    /// An SQL condition, to follow others with `AND`, that keeps the rows
    /// whose `column` names a table in scope, compared without case: empty
    /// for [`Scope::All`]. `backslash_escapes` for MySQL's string literals.
    pub(crate) fn condition(&self, column: &str, backslash_escapes: bool) -> String {
        self.list(column, backslash_escapes, |n| n.to_lowercase(), true)
    }

    /// [`Scope::condition`] comparing names exactly, so that the catalog's
    /// index on names serves it: given both the names as written and as
    /// folded (PostgreSQL folds unquoted names; MySQL keeps them as
    /// written, or lower-cases them all with `lower_case_table_names`).
    pub(crate) fn exact_condition(&self, column: &str, backslash_escapes: bool) -> String {
        self.list(column, backslash_escapes, str::to_string, false)
    }

    fn list(
        &self,
        column: &str,
        backslash_escapes: bool,
        spell: impl Fn(&str) -> String,
        lower: bool,
    ) -> String {
        match self {
            Scope::All => String::new(),
            Scope::Tables([]) => " AND 1 = 0".to_string(),
            Scope::Tables(names) => {
                let list: Vec<String> = names
                    .iter()
                    .map(|n| crate::portable::render::string_literal(&spell(n), backslash_escapes))
                    .collect();
                match lower {
                    true => format!(" AND lower({column}) IN ({})", list.join(", ")),
                    false => format!(" AND {column} IN ({})", list.join(", ")),
                }
            }
        }
    }
}

/// Every object of one database (or PostgreSQL schema) that a migration
/// changes, by name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Schema {
    /// Tables, without the tool's own and the engine's internal ones.
    pub tables: BTreeMap<String, Table>,
    /// Views.
    pub views: BTreeMap<String, View>,
    /// Triggers, by name. PostgreSQL names a trigger per table: when two
    /// tables have triggers of the same name, those are keyed
    /// `table.name`.
    pub triggers: BTreeMap<String, Trigger>,
    /// Sequences that no column owns (PostgreSQL only).
    pub sequences: BTreeMap<String, Sequence>,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Table {
    /// Its name.
    pub name: String,
    /// Its columns, in the engine's order.
    pub columns: Vec<Column>,
    /// The columns of its primary key, in key order; empty without one.
    pub primary_key: Vec<String>,
    /// Its indexes, unique constraints included and the primary key's
    /// left out, sorted by name.
    pub indexes: Vec<Index>,
    /// Its foreign keys, sorted by columns, then referenced table, then
    /// referenced columns, then name.
    pub foreign_keys: Vec<ForeignKey>,
    /// Its check constraints, sorted by name, then expression.
    pub checks: Vec<Check>,
}

impl Table {
    /// An empty table named `name`.
    pub fn new(name: impl Into<String>) -> Table {
        Table {
            name: name.into(),
            ..Table::default()
        }
    }

    /// The column `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The index `name`.
    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// The same table with its lists in the documented order.
    pub(crate) fn sorted(mut self) -> Table {
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.checks.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its type, normalized ([`normalize::data_type`]).
    pub data_type: String,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Its default, normalized ([`normalize::default_value`]); `None`
    /// without one (a `NULL` default included).
    pub default: Option<String>,
    /// Whether the engine fills it when an insert leaves it out.
    pub auto_increment: bool,
}

/// An index, or the index of a unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Index {
    /// Its name.
    pub name: String,
    /// Whether it is unique.
    pub unique: bool,
    /// Its parts in order: a column's name, an expression as its SQL text
    /// in parentheses (`(lower(email))`), a prefix as `name(10)` (MySQL);
    /// followed by ` desc` when descending.
    pub columns: Vec<String>,
    /// The `WHERE` of a partial index, normalized.
    pub predicate: Option<String>,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ForeignKey {
    /// Its constraint name; `None` when the engine keeps none (SQLite,
    /// when the `CREATE TABLE` names none).
    pub name: Option<String>,
    /// Its columns, in key order.
    pub columns: Vec<String>,
    /// The table it references (`schema.table` on PostgreSQL when that
    /// table is in another schema).
    pub referenced_table: String,
    /// The referenced columns, in key order.
    pub referenced_columns: Vec<String>,
    /// What deleting a referenced row does: `no action`, `restrict`,
    /// `cascade`, `set null` or `set default`.
    pub on_delete: String,
    /// What updating a referenced key does, in the same words.
    pub on_update: String,
}

impl ForeignKey {
    fn sort_key(&self) -> (&[String], &str, &[String], Option<&str>) {
        (
            &self.columns,
            &self.referenced_table,
            &self.referenced_columns,
            self.name.as_deref(),
        )
    }
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Check {
    /// Its constraint name; `None` when the engine keeps none (SQLite,
    /// when the `CREATE TABLE` names none).
    pub name: Option<String>,
    /// Its expression, normalized ([`normalize::expression`]).
    pub expression: String,
}

impl Check {
    fn sort_key(&self) -> (Option<&str>, &str) {
        (self.name.as_deref(), &self.expression)
    }
}

/// A view.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct View {
    /// Its name.
    pub name: String,
    /// Its query as the engine keeps it, normalized
    /// ([`normalize::expression`]).
    pub definition: String,
}

/// A trigger.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Trigger {
    /// Its name.
    pub name: String,
    /// The table it is on.
    pub table: String,
    /// When it fires and what it does, as the engine keeps it, normalized
    /// ([`normalize::expression`]). On PostgreSQL that is the `CREATE
    /// TRIGGER` statement, which names the function it calls but does not
    /// hold its body.
    pub definition: String,
}

/// A sequence (PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Sequence {
    /// Its name.
    pub name: String,
    /// Its type, normalized (`integer`, `bigint`, `smallint`).
    pub data_type: String,
    /// Its first value.
    pub start: i64,
    /// What each call adds.
    pub increment: i64,
    /// Its lowest value.
    pub min_value: i64,
    /// Its highest value.
    pub max_value: i64,
    /// Whether it starts again after its last value.
    pub cycle: bool,
}

impl Schema {
    /// The same schema with every table's lists in the documented order.
    pub(crate) fn sorted(mut self) -> Schema {
        self.tables = std::mem::take(&mut self.tables)
            .into_iter()
            .map(|(name, table)| (name, table.sorted()))
            .collect();
        self
    }

    /// The part of this schema that `scope` reads.
    pub fn within(mut self, scope: Scope<'_>) -> Schema {
        if scope.whole() {
            return self;
        }
        self.tables.retain(|name, _| scope.keeps(name));
        self.triggers.retain(|_, t| scope.keeps(&t.table));
        self.views.clear();
        self.sequences.clear();
        self
    }

    /// The same schema with every table's columns sorted by name, for
    /// comparing schemas whose columns were added in another order (a
    /// re-created column is last on SQLite and PostgreSQL).
    pub fn ignoring_column_order(&self) -> Schema {
        let mut schema = self.clone();
        for table in schema.tables.values_mut() {
            table.columns.sort_by(|a, b| a.name.cmp(&b.name));
        }
        schema
    }
}

/// The tool's own tables where `location` says the history lives, which
/// inspection leaves out: the history table and its audit log.
pub(crate) fn own_tables(location: &crate::HistoryLocation) -> [String; 2] {
    [
        location.table.clone(),
        crate::log::table_name(&location.table),
    ]
}
