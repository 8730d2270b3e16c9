//! Which tables a migration can change, read from its text: what the proof
//! inspects around it. Reading only those keeps the proof's work growing
//! with the number of migrations, not with its square; a statement whose
//! reach the text does not tell (a view, a trigger, a procedure, a name in
//! another schema, a `CASCADE` that drops what depends on a table) makes
//! the proof read the whole schema instead.

use std::collections::BTreeSet;

use super::lexed::{Lexed, Name};
use super::shape::{Action, Shape};
use crate::dialect::SqlDialect;
use crate::migration::Migration;

/// The tables the up and down sections of `m` (as read for `family`) name,
/// each as written and lower-cased; `None` when some statement may reach
/// further.
pub(super) fn tables_named(m: &Migration, family: SqlDialect) -> Option<Vec<String>> {
    let mut tables = BTreeSet::new();
    let mut statements = Vec::new();
    for section in std::iter::once(&m.up).chain(m.down.as_ref()) {
        statements.extend(section.statements().ok()?);
    }
    for statement in statements {
        let lexed = Lexed::new(&statement.sql, family);
        if lexed.len() == 0 || cascades(&lexed) {
            return None;
        }
        if lexed.is(0, &["SET"]) {
            // A session setting changes no table, but a search path changes
            // which schema the names that follow are in.
            if lexed.find(&["SEARCH_PATH"]).is_some() {
                return None;
            }
            continue;
        }
        for name in names(&lexed.shape())? {
            if name.written.contains('.') {
                return None;
            }
            // PostgreSQL compares names exactly: an unquoted name is
            // stored folded, a quoted one as written.
            tables.insert(name.written);
            tables.insert(name.key);
        }
    }
    Some(tables.into_iter().collect())
}

/// The tables one statement names, or `None` when it may reach others.
fn names(shape: &Shape) -> Option<Vec<Name>> {
    Some(match shape {
        Shape::CreateTable { table, .. }
        | Shape::CreateIndex { table, .. }
        | Shape::Insert { table, .. }
        | Shape::Update { table }
        | Shape::Delete { table } => vec![table.clone()],
        Shape::AlterTable { table, actions } => {
            let mut names = vec![table.clone()];
            for (action, _) in actions {
                match action {
                    Action::RenameTo(to) => names.push(to.clone()),
                    Action::Other => return None,
                    _ => {}
                }
            }
            names
        }
        Shape::DropTable { tables, .. } | Shape::Truncate { tables } => tables.clone(),
        Shape::RenameTable { renames } => renames
            .iter()
            .flat_map(|(from, to)| [from.clone(), to.clone()])
            .collect(),
        Shape::CreateSchema { .. } | Shape::DropSchema { .. } | Shape::Other => return None,
    })
}

/// A `CASCADE` that is not a foreign key's action: it drops or empties
/// what depends on the tables named (views, other tables' keys or rows).
fn cascades(lexed: &Lexed) -> bool {
    (0..lexed.len())
        .any(|i| lexed.is(i, &["CASCADE"]) && !(i > 0 && lexed.is(i - 1, &["DELETE", "UPDATE"])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::dialect;
    use crate::source::Source;

    fn reach(up: &[&str], down: &[&str]) -> Option<Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("app")).unwrap();
        let text = format!(
            "-- migrate:up\n{};\n-- migrate:down\n{};\n",
            up.join(";\n"),
            down.join(";\n")
        );
        std::fs::write(dir.path().join("app/0001_x.sql"), text).unwrap();
        let engine = SqlDialect::Postgres;
        let source = Source::load_for(dir.path(), dialect(engine).unwrap()).unwrap();
        tables_named(&source.app("app").unwrap()[0], engine)
    }

    #[test]
    fn table_statements_name_their_tables() {
        assert_eq!(
            reach(
                &[
                    "CREATE TABLE Orders (id int REFERENCES customers ON DELETE CASCADE)",
                    "CREATE INDEX o_id ON orders (id)",
                    "ALTER TABLE items RENAME TO lines",
                    "INSERT INTO orders SELECT * FROM archive",
                    "SET lock_timeout = '1s'",
                ],
                &["DROP TABLE orders"]
            ),
            Some(vec![
                "Orders".into(),
                "items".into(),
                "lines".into(),
                "orders".into()
            ])
        );
    }

    #[test]
    fn statements_that_may_reach_further_read_everything() {
        for sql in [
            "CREATE VIEW v AS SELECT 1",
            "DROP INDEX o_id",
            "DROP TABLE orders CASCADE",
            "ALTER TABLE other.orders ADD COLUMN x int",
            "SET search_path TO other",
            "CREATE SCHEMA s",
        ] {
            assert_eq!(
                reach(&["CREATE TABLE t (id int)", sql], &["DROP TABLE t"]),
                None,
                "{sql}"
            );
        }
    }
}
