//! What an up section makes, statement after statement: the tables and
//! columns it creates and the tables it writes rows into. Changing what
//! the same migration created locks nobody out, and a down section that
//! drops or empties it is the normal way back.

use std::collections::HashSet;

use super::lexed::Name;
use super::shape::{Action, Shape};

/// What the statements read so far made.
#[derive(Debug, Clone, Default)]
pub(super) struct Made {
    tables: HashSet<String>,
    schemas: HashSet<String>,
    /// (table, column) added to a table that existed before.
    columns: HashSet<(String, String)>,
    /// (table, column) whose type or nullability changed.
    retyped: HashSet<(String, String)>,
    /// Tables rows were written into.
    written: HashSet<String>,
    /// Tables that existed before and were dropped: a table renamed to one
    /// of their names takes their place with the rows copied into it (a
    /// rebuild), so it is not new.
    dropped: HashSet<String>,
}

impl Made {
    /// Takes one more statement into account.
    pub fn record(&mut self, shape: &Shape) {
        match shape {
            Shape::CreateTable { table, .. } => {
                self.tables.insert(table.key.clone());
            }
            Shape::CreateSchema { name } => {
                self.schemas.insert(name.key.clone());
            }
            Shape::AlterTable { table, actions } => {
                for (action, _) in actions {
                    self.record_action(table, action);
                }
            }
            Shape::RenameTable { renames } => {
                for (from, to) in renames {
                    self.rename(from, to);
                }
            }
            Shape::Insert { table, .. } | Shape::Update { table } | Shape::Delete { table } => {
                self.written.insert(table.key.clone());
            }
            Shape::DropTable { tables, .. } => {
                for t in tables {
                    if !self.tables.remove(&t.key) {
                        self.dropped.insert(t.key.clone());
                    }
                }
            }
            _ => {}
        }
    }

    fn record_action(&mut self, table: &Name, action: &Action) {
        let t = table.key.clone();
        match action {
            Action::AddColumn(def) => {
                self.columns.insert((t, def.name.key.clone()));
            }
            Action::AlterType { column, .. } | Action::SetNotNull { column } => {
                self.retyped.insert((t, column.key.clone()));
            }
            Action::Modify(def) => {
                self.retyped.insert((t, def.name.key.clone()));
            }
            Action::Change { old, def } => {
                self.retyped.insert((t.clone(), old.key.clone()));
                self.retyped.insert((t, def.name.key.clone()));
            }
            Action::RenameTo(to) => self.rename(table, to),
            _ => {}
        }
    }

    fn rename(&mut self, from: &Name, to: &Name) {
        if self.tables.remove(&from.key) && !self.dropped.contains(&to.key) {
            self.tables.insert(to.key.clone());
        }
        if self.written.contains(&from.key) {
            self.written.insert(to.key.clone());
        }
    }

    /// The statements so far created `table`.
    pub fn table(&self, table: &Name) -> bool {
        self.tables.contains(&table.key)
    }

    /// The statements so far created `schema`.
    pub fn schema(&self, schema: &Name) -> bool {
        self.schemas.contains(&schema.key)
    }

    /// The statements so far created `table.column`, with its table or
    /// on its own.
    pub fn column(&self, table: &Name, column: &Name) -> bool {
        self.table(table)
            || self
                .columns
                .contains(&(table.key.clone(), column.key.clone()))
    }

    /// The statements so far changed the type or nullability of
    /// `table.column`.
    pub fn retyped(&self, table: &Name, column: &Name) -> bool {
        self.retyped
            .contains(&(table.key.clone(), column.key.clone()))
    }

    /// The statements so far created `table` or wrote rows into it.
    pub fn wrote(&self, table: &Name) -> bool {
        self.table(table) || self.written.contains(&table.key)
    }
}
