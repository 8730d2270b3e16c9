//! Turning operations into one engine's SQL: the [`Renderer`] trait that
//! each driver crate implements, and the pieces every renderer needs.

use crate::backend::Dialect;
use crate::split::split_statements;

use super::ops::{Operation, SqlOp};
use super::schema::{Change, OperationError, SchemaState};

/// Renders portable operations as one engine's SQL.
///
/// Implemented by each driver crate's dialect and returned by
/// [`Dialect::renderer`].
pub trait Renderer: Send + Sync {
    /// The statements that perform `op` on a schema in state `before`, in
    /// order, each without a trailing `;`. Fails when `op` is invalid
    /// against `before` (the message says why) or the engine cannot do it.
    fn render(&self, op: &Operation, before: &SchemaState) -> Result<Vec<String>, String>;

    /// Session statements that must run before the migration's transaction
    /// opens and after it ends, because rendering `op` on `before` needs
    /// them and the engine ignores them inside a transaction (SQLite's
    /// table rebuild needs `PRAGMA foreign_keys = OFF`, or dropping the old
    /// table fires `ON DELETE` actions). The default needs none.
    fn outside_transaction(
        &self,
        op: &Operation,
        before: &SchemaState,
    ) -> Option<(Vec<String>, Vec<String>)> {
        let _ = (op, before);
        None
    }
}

/// Renders a list of operations, each against the state the previous ones
/// leave, and returns the statements and the state after the last one.
pub fn render_all(
    renderer: &dyn Renderer,
    ops: &[Operation],
    before: &SchemaState,
) -> Result<(Vec<String>, SchemaState), OperationError> {
    let mut state = before.clone();
    let mut statements = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let error = |message: String| OperationError {
            index: i + 1,
            kind: op.kind(),
            message,
        };
        statements.extend(renderer.render(op, &state).map_err(error)?);
        state.apply(op).map_err(error)?;
    }
    Ok((statements, state))
}

/// `op` checked against `before`, and the state after it: what a renderer
/// starts from.
pub fn prepare(op: &Operation, before: &SchemaState) -> Result<(Change, SchemaState), String> {
    let change = before.resolve(op)?;
    let mut after = before.clone();
    after.apply_change(&change);
    Ok((change, after))
}

/// The statements an `sql` operation runs on `dialect`'s engine: its
/// variant for the engine, else the generic `up`, split into statements by
/// the engine's tokenizer. An empty text gives no statement.
pub fn sql_statements(op: &SqlOp, dialect: &dyn Dialect) -> Result<Vec<String>, String> {
    let Some((up, _)) = op.for_engine(dialect.name()) else {
        return Err(format!(
            "this `sql` operation has no SQL for {}: give `up`, or a `{}` variant",
            dialect.name(),
            dialect.name()
        ));
    };
    let statements = split_statements(up, dialect.sql_dialect())
        .map_err(|e| format!("cannot split the SQL for {}: {e}", dialect.name()))?;
    Ok(statements.into_iter().map(|s| s.sql).collect())
}

/// `"a", "b"` in `dialect`'s quoting.
pub fn quote_list(dialect: &dyn Dialect, names: &[String]) -> String {
    names
        .iter()
        .map(|n| dialect.quote_identifier(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A standard SQL string literal: single quotes, doubled inside. With
/// `backslash_escapes` (MySQL's default mode) backslashes are doubled too.
pub fn string_literal(value: &str, backslash_escapes: bool) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' if backslash_escapes => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portable::{CreateTable, DropTable, parse};

    /// Renders each operation as its kind and table.
    struct Names;

    impl Renderer for Names {
        fn render(&self, op: &Operation, before: &SchemaState) -> Result<Vec<String>, String> {
            let (change, _) = prepare(op, before)?;
            let table = match change {
                Change::CreateTable(t) | Change::DropTable(t) => t.name,
                other => format!("{other:?}"),
            };
            Ok(vec![format!("{} {table}", op.kind())])
        }
    }

    fn table(name: &str) -> Operation {
        let text = format!(
            "[[operations]]\nop = \"create_table\"\ntable = \"{name}\"\ncolumns = [{{ name = \"id\", type = \"auto_id\" }}]\n"
        );
        let op = parse(&text).expect("valid").operations.remove(0);
        assert!(matches!(op, Operation::CreateTable(CreateTable { .. })));
        op
    }

    #[test]
    fn render_all_threads_the_state_through() {
        let ops = [
            table("a"),
            Operation::DropTable(DropTable { table: "a".into() }),
            table("a"),
        ];
        let (statements, after) = render_all(&Names, &ops, &SchemaState::new()).expect("renders");
        assert_eq!(
            statements,
            ["create_table a", "drop_table a", "create_table a"]
        );
        assert!(after.table("a").is_some());

        let ops = [table("a"), table("b"), table("a")];
        let err = render_all(&Names, &ops, &SchemaState::new()).expect_err("a twice");
        assert_eq!(
            err.to_string(),
            "operation 3 (create_table): the name `a` is already used by table `a`"
        );
    }

    #[test]
    fn string_literals_escape_quotes() {
        assert_eq!(string_literal("it's", false), "'it''s'");
        assert_eq!(string_literal("a\\b", false), "'a\\b'");
        assert_eq!(string_literal("a\\b", true), "'a\\\\b'");
        assert_eq!(string_literal("", true), "''");
    }
}
