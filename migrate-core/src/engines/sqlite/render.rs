//! Portable operations as SQLite SQL.
//!
//! | portable | SQLite declared type (affinity) |
//! |---|---|
//! | `smallint`, `integer`, `bigint` | `SMALLINT`, `INTEGER`, `BIGINT` (integer) |
//! | `auto_id`, `big_auto_id` | `INTEGER PRIMARY KEY AUTOINCREMENT` |
//! | `decimal(p,s)` | `DECIMAL(p,s)` (numeric) |
//! | `float`, `double` | `REAL`, `DOUBLE` (real) |
//! | `boolean` | `BOOLEAN` (numeric; defaults written `1`/`0`) |
//! | `string(n)`, `text` | `VARCHAR(n)` (length not enforced), `TEXT` |
//! | `binary` | `BLOB` |
//! | `date`, `time` | `DATE`, `TIME` |
//! | `timestamp`, `timestamp_tz` | `DATETIME`, `TIMESTAMPTZ` (numeric; text values stay text) |
//! | `uuid`, `json` | `CHAR(36)`, `TEXT` (text affinity, so no value is read as a number) |
//!
//! Auto columns use `AUTOINCREMENT`, so that ids are never reused, as on
//! PostgreSQL and MySQL (at the cost of SQLite's `sqlite_sequence` table).
//! Unique constraints are unique indexes named after the constraint
//! (SQLite cannot add or drop a table constraint): `add_unique` and
//! `drop_unique` need no rebuild.
//!
//! `ALTER TABLE` does what SQLite allows: rename a table or a column, drop a
//! column (the schema state already refuses columns that keys, indexes or
//! checks use, which SQLite refuses too), and add a column that is nullable
//! or has a constant default. Everything else rebuilds the table, following
//! <https://www.sqlite.org/lang_altertable.html#otheralter>: `alter_column`,
//! `add_foreign_key`, `drop_foreign_key`, and `add_column` of a NOT NULL
//! column without default or with a `now`/`sql` default. A rebuild is:
//!
//! ```sql
//! CREATE TABLE "new_t" (...the table as it will be...)
//! INSERT INTO "new_t" ("a", "b") SELECT "a", "b" FROM "t"   -- the columns both have
//! DROP TABLE "t"
//! ALTER TABLE "new_t" RENAME TO "t"
//! CREATE INDEX ...                                        -- every index of "t" again
//! PRAGMA foreign_key_check("t")
//! ```
//!
//! Rows keep their values (and their ids); an added column gets its default.
//! Values are copied as they are: after a type change SQLite converts them
//! only as the new column's affinity does (`'12'` becomes `12` in an
//! `INTEGER` column, `'abc'` stays text), where PostgreSQL would cast or
//! fail. A NOT NULL column added without a default fails the copy when
//! the table has rows, as it fails on PostgreSQL.
//!
//! # What the executor must do around a rebuild
//!
//! [`rebuilt_table`] says whether an operation rebuilds a table. A migration
//! with a rebuild still runs in one transaction, but foreign keys must be
//! off while it runs, and this tool's SQLite (rusqlite's bundled build,
//! compiled with `SQLITE_DEFAULT_FOREIGN_KEYS=1`) has them on:
//! - with foreign keys on, `DROP TABLE "t"` first deletes every row of `t`,
//!   which runs the `ON DELETE` actions of the foreign keys that reference
//!   `t`: CASCADE deletes the rows that reference it, SET NULL clears
//!   them, RESTRICT and NO ACTION fail. `PRAGMA defer_foreign_keys = ON`
//!   (which does work inside a transaction) only delays the checks; it
//!   stops no action, and the violations it counts are still there at
//!   `COMMIT`. So the executor runs `PRAGMA foreign_keys = OFF` before
//!   `BEGIN` and `PRAGMA foreign_keys = ON` after `COMMIT` or `ROLLBACK`
//!   (the pragma does nothing inside a transaction);
//! - with foreign keys off, nothing checks them: the last statement of a
//!   rebuild, `PRAGMA foreign_key_check("t")`, returns one row per
//!   violation (a row of `t` whose parent is missing, after
//!   `add_foreign_key`) and no row when all is well. It does not fail by
//!   itself: the executor must read its rows and roll back when there is
//!   any.
//!
//! Triggers on a rebuilt table are dropped with it, and views that name it
//! must be dropped before and re-created after (with `sql` operations):
//! the schema state does not know them.

use crate::backend::Dialect;
use crate::portable::render::{
    ColumnSyntax, create_index, prepare, primary_key_clause, quote_list, sql_statements,
    standard_statement,
};
use crate::portable::{
    Change, Column, ColumnDefault, ColumnType, Operation, Renderer, SchemaState, Table,
};

use super::SqliteDialect;

/// How SQLite writes a column. An auto column is the rowid.
const SYNTAX: ColumnSyntax = ColumnSyntax {
    type_name,
    auto: " PRIMARY KEY AUTOINCREMENT",
    explicit_null: false,
    booleans: ["0", "1"],
    now: "CURRENT_TIMESTAMP",
    backslash_escapes: false,
    text_default_as_expression: &[],
};

impl Renderer for SqliteDialect {
    fn render(&self, op: &Operation, before: &SchemaState) -> Result<Vec<String>, String> {
        let (change, after) = prepare(op, before)?;
        let d = self;
        let q = |s: &str| d.quote_identifier(s);
        if let Some(table) = rebuilds(&change) {
            let old = before
                .table(table)
                .ok_or_else(|| format!("there is no table `{table}`"))?;
            let new = after
                .table(table)
                .ok_or_else(|| format!("there is no table `{table}`"))?;
            return Ok(rebuild(d, before, old, new));
        }
        if let Some(sql) = standard_statement(d, &SYNTAX, &change) {
            return Ok(vec![sql]);
        }
        Ok(match &change {
            Change::CreateTable(table) => {
                let mut statements = vec![create_table(d, &table.name, table)];
                statements.extend(indexes(d, table));
                statements
            }
            Change::DropIndex { index, .. } => vec![format!("DROP INDEX {}", q(&index.name))],
            Change::AddUnique { table, unique } => {
                vec![create_index(d, table, &unique.name, &unique.columns, true)]
            }
            Change::DropUnique { unique, .. } => {
                vec![format!("DROP INDEX {}", q(&unique.name))]
            }
            Change::Sql(sql) => sql_statements(sql, d)?,
            Change::AlterColumn { .. }
            | Change::AddForeignKey { .. }
            | Change::DropForeignKey { .. } => {
                unreachable!("rebuilt above")
            }
            Change::DropTable(_)
            | Change::RenameTable { .. }
            | Change::AddColumn { .. }
            | Change::DropColumn { .. }
            | Change::RenameColumn { .. }
            | Change::CreateIndex { .. } => unreachable!("standard SQL, rendered above"),
        })
    }

    fn outside_transaction(
        &self,
        op: &Operation,
        before: &SchemaState,
    ) -> Option<(Vec<String>, Vec<String>)> {
        rebuilt_table(op, before).map(|_| {
            (
                vec!["PRAGMA foreign_keys = OFF".to_string()],
                vec!["PRAGMA foreign_keys = ON".to_string()],
            )
        })
    }
}

/// The table that rendering `op` on `before` rebuilds (see the module
/// documentation for what the executor must do around it), or `None` when
/// `op` needs no rebuild or is invalid.
pub fn rebuilt_table(op: &Operation, before: &SchemaState) -> Option<String> {
    let change = before.resolve(op).ok()?;
    rebuilds(&change).map(str::to_string)
}

/// The table a change rebuilds, if it cannot be done with `ALTER TABLE`.
fn rebuilds(change: &Change) -> Option<&str> {
    match change {
        Change::AlterColumn { table, .. }
        | Change::AddForeignKey { table, .. }
        | Change::DropForeignKey { table, .. } => Some(table),
        Change::AddColumn { table, column } if !alter_can_add(column) => Some(table),
        _ => None,
    }
}

/// Whether `ALTER TABLE ADD COLUMN` accepts `column`: SQLite refuses a NOT
/// NULL column without a default, and defaults that are not constants
/// (`CURRENT_TIMESTAMP`, expressions; a raw `sql` default may be either).
fn alter_can_add(column: &Column) -> bool {
    match &column.default {
        None => column.nullable,
        Some(ColumnDefault::Now | ColumnDefault::Sql(_)) => false,
        Some(_) => true,
    }
}

/// The statements that rebuild `old` as `new` (same name).
fn rebuild(d: &SqliteDialect, before: &SchemaState, old: &Table, new: &Table) -> Vec<String> {
    let q = |s: &str| d.quote_identifier(s);
    let temporary = temporary_name(before, &new.name);
    let kept: Vec<String> = new
        .columns
        .iter()
        .filter(|c| old.column(&c.name).is_some())
        .map(|c| c.name.clone())
        .collect();
    let kept = quote_list(d, &kept);
    let mut statements = vec![
        create_table(d, &temporary, new),
        format!(
            "INSERT INTO {} ({kept}) SELECT {kept} FROM {}",
            q(&temporary),
            q(&new.name)
        ),
        format!("DROP TABLE {}", q(&new.name)),
        format!("ALTER TABLE {} RENAME TO {}", q(&temporary), q(&new.name)),
    ];
    // DROP TABLE took the indexes with it.
    statements.extend(indexes(d, new));
    statements.push(format!("PRAGMA foreign_key_check({})", q(&new.name)));
    statements
}

/// `new_<table>`, or with a number when that name is taken.
fn temporary_name(before: &SchemaState, table: &str) -> String {
    let mut name = format!("new_{table}");
    let mut counter = 1;
    while before.name_owner(&name).is_some() {
        name = format!("new_{table}_{counter}");
        counter += 1;
    }
    name
}

/// `CREATE TABLE "name"` with `table`'s columns, primary key (unless an
/// auto column says PRIMARY KEY itself), checks and foreign keys (its
/// unique constraints and indexes are separate statements: [`indexes`]).
fn create_table(d: &SqliteDialect, name: &str, table: &Table) -> String {
    let primary_key = primary_key_clause(d, table).filter(|_| table.auto_column().is_none());
    crate::portable::render::create_table(d, &SYNTAX, name, table, primary_key)
}

/// The unique constraints (as unique indexes) and indexes of `table`.
fn indexes(d: &SqliteDialect, table: &Table) -> Vec<String> {
    table
        .uniques
        .iter()
        .map(|u| create_index(d, &table.name, &u.name, &u.columns, true))
        .chain(
            table
                .indexes
                .iter()
                .map(|i| create_index(d, &table.name, &i.name, &i.columns, i.unique)),
        )
        .collect()
}

/// SQLite's declared type for a portable type (it decides the affinity).
pub(crate) fn type_name(ty: ColumnType) -> String {
    match ty {
        ColumnType::SmallInt => "SMALLINT".into(),
        ColumnType::Integer | ColumnType::AutoId | ColumnType::BigAutoId => "INTEGER".into(),
        ColumnType::BigInt => "BIGINT".into(),
        ColumnType::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
        ColumnType::Float => "REAL".into(),
        ColumnType::Double => "DOUBLE".into(),
        ColumnType::Boolean => "BOOLEAN".into(),
        ColumnType::String { length } => format!("VARCHAR({length})"),
        ColumnType::Text | ColumnType::Json => "TEXT".into(),
        ColumnType::Binary => "BLOB".into(),
        ColumnType::Date => "DATE".into(),
        ColumnType::Time => "TIME".into(),
        ColumnType::Timestamp => "DATETIME".into(),
        ColumnType::TimestampTz => "TIMESTAMPTZ".into(),
        ColumnType::Uuid => "CHAR(36)".into(),
    }
}

#[cfg(test)]
mod tests {
    use crate::portable::{SchemaState, render_all};
    use crate::testkit::portable::{self, ops};

    use super::*;

    /// What patient's `name` defaults to in the clinic.
    const NAME_DEFAULT: &str = "it's";

    /// The patient table as CREATE TABLE writes it, under `name`.
    fn patient_table(name: &str) -> String {
        format!(
            "CREATE TABLE \"{name}\" (\n    \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n    \"name\" VARCHAR(100) NOT NULL DEFAULT 'it''s',\n    \"dob\" DATE,\n    \"balance\" DECIMAL(10,2) NOT NULL DEFAULT 0,\n    \"doctor_id\" INTEGER,\n    CONSTRAINT \"positive_balance\" CHECK (balance >= 0),\n    CONSTRAINT \"patient_doctor_id_fkey\" FOREIGN KEY (\"doctor_id\") REFERENCES \"doctor\" (\"id\") ON DELETE SET NULL\n)"
        )
    }

    fn clinic() -> SchemaState {
        portable::clinic(NAME_DEFAULT)
    }

    /// The statements of one TOML operation on `state`.
    #[track_caller]
    fn sql(state: &SchemaState, op: &str) -> Vec<String> {
        portable::render_one(&SqliteDialect, state, op)
    }

    #[track_caller]
    fn rebuilt(state: &SchemaState, op: &str) -> Option<String> {
        let ops = ops(&format!("[[operations]]\n{op}\n"));
        rebuilt_table(&ops[0], state)
    }

    #[test]
    fn the_dialect_returns_this_renderer() {
        assert!(SqliteDialect.renderer().is_some());
    }

    #[test]
    fn create_table_then_its_indexes() {
        let (statements, _) = render_all(
            &SqliteDialect,
            &portable::clinic_ops(NAME_DEFAULT),
            &SchemaState::new(),
        )
        .expect("renders");
        assert_eq!(
            statements,
            [
                "CREATE TABLE \"doctor\" (\n    \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n    \"name\" VARCHAR(50) NOT NULL\n)".to_string(),
                patient_table("patient"),
                "CREATE UNIQUE INDEX \"patient_name_dob_key\" ON \"patient\" (\"name\", \"dob\")".to_string(),
                "CREATE INDEX \"patient_dob_idx\" ON \"patient\" (\"dob\")".to_string(),
            ]
        );
    }

    #[test]
    fn every_type_and_default() {
        let statements = sql(
            &SchemaState::new(),
            r#"op = "create_table"
table = "t"
columns = [
  { name = "a", type = "smallint", default = -1 },
  { name = "b", type = "integer" },
  { name = "c", type = "bigint" },
  { name = "d", type = "decimal", precision = 5 },
  { name = "e", type = "float", default = 1.5 },
  { name = "f", type = "double" },
  { name = "g", type = "boolean", default = true },
  { name = "h", type = "string", length = 3, nullable = true },
  { name = "i", type = "text", default = "" },
  { name = "j", type = "binary" },
  { name = "k", type = "date", default = "2024-01-31" },
  { name = "l", type = "time" },
  { name = "m", type = "timestamp", default = { now = true } },
  { name = "n", type = "timestamp_tz", default = { sql = "(datetime('now'))" } },
  { name = "o", type = "uuid" },
  { name = "p", type = "json", default = "{}" },
]
primary_key = ["b", "c"]"#,
        );
        assert_eq!(
            statements,
            [
                "CREATE TABLE \"t\" (\n    \"a\" SMALLINT NOT NULL DEFAULT -1,\n    \"b\" INTEGER NOT NULL,\n    \"c\" BIGINT NOT NULL,\n    \"d\" DECIMAL(5,0) NOT NULL,\n    \"e\" REAL NOT NULL DEFAULT 1.5,\n    \"f\" DOUBLE NOT NULL,\n    \"g\" BOOLEAN NOT NULL DEFAULT 1,\n    \"h\" VARCHAR(3),\n    \"i\" TEXT NOT NULL DEFAULT '',\n    \"j\" BLOB NOT NULL,\n    \"k\" DATE NOT NULL DEFAULT '2024-01-31',\n    \"l\" TIME NOT NULL,\n    \"m\" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    \"n\" TIMESTAMPTZ NOT NULL DEFAULT (datetime('now')),\n    \"o\" CHAR(36) NOT NULL,\n    \"p\" TEXT NOT NULL DEFAULT '{}',\n    PRIMARY KEY (\"b\", \"c\")\n)"
            ]
        );
    }

    #[test]
    fn table_operations() {
        let state = clinic();
        assert_eq!(
            sql(&state, "op = \"drop_table\"\ntable = \"patient\""),
            ["DROP TABLE \"patient\""]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"rename_table\"\ntable = \"patient\"\nto = \"person\""
            ),
            ["ALTER TABLE \"patient\" RENAME TO \"person\""]
        );
    }

    #[test]
    fn columns_sqlite_can_alter() {
        let state = clinic();
        for (column, expected) in [
            (
                "{ name = \"active\", type = \"boolean\", default = false }",
                "\"active\" BOOLEAN NOT NULL DEFAULT 0",
            ),
            (
                "{ name = \"note\", type = \"text\", nullable = true }",
                "\"note\" TEXT",
            ),
        ] {
            let op = format!("op = \"add_column\"\ntable = \"patient\"\ncolumn = {column}");
            assert_eq!(
                sql(&state, &op),
                [format!("ALTER TABLE \"patient\" ADD COLUMN {expected}")]
            );
            assert_eq!(rebuilt(&state, &op), None);
        }
        assert_eq!(
            sql(
                &state,
                "op = \"drop_column\"\ntable = \"doctor\"\ncolumn = \"name\""
            ),
            ["ALTER TABLE \"doctor\" DROP COLUMN \"name\""]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"rename_column\"\ntable = \"patient\"\ncolumn = \"dob\"\nto = \"born\""
            ),
            ["ALTER TABLE \"patient\" RENAME COLUMN \"dob\" TO \"born\""]
        );
    }

    /// The rebuild of patient into `create` (the new CREATE TABLE), copying
    /// `kept` columns.
    fn patient_rebuild(create: String, kept: &str) -> Vec<String> {
        vec![
            create,
            format!("INSERT INTO \"new_patient\" ({kept}) SELECT {kept} FROM \"patient\""),
            "DROP TABLE \"patient\"".into(),
            "ALTER TABLE \"new_patient\" RENAME TO \"patient\"".into(),
            "CREATE UNIQUE INDEX \"patient_name_dob_key\" ON \"patient\" (\"name\", \"dob\")"
                .into(),
            "CREATE INDEX \"patient_dob_idx\" ON \"patient\" (\"dob\")".into(),
            "PRAGMA foreign_key_check(\"patient\")".into(),
        ]
    }

    const ALL: &str = "\"id\", \"name\", \"dob\", \"balance\", \"doctor_id\"";

    #[test]
    fn alter_column_rebuilds_the_table() {
        let state = clinic();
        let op = "op = \"alter_column\"\ntable = \"patient\"\ncolumn = \"dob\"\ntype = \"timestamp\"\nnullable = false\ndefault = { now = true }";
        assert_eq!(
            sql(&state, op),
            patient_rebuild(
                patient_table("new_patient").replace(
                    "\"dob\" DATE,",
                    "\"dob\" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,"
                ),
                ALL
            )
        );
        assert_eq!(rebuilt(&state, op), Some("patient".into()));
    }

    #[test]
    fn add_column_rebuilds_when_alter_table_cannot() {
        let state = clinic();
        for (column, definition) in [
            (
                "{ name = \"seen\", type = \"timestamp\", default = { now = true } }",
                "\"seen\" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP",
            ),
            (
                "{ name = \"code\", type = \"uuid\" }",
                "\"code\" CHAR(36) NOT NULL",
            ),
            (
                "{ name = \"n\", type = \"integer\", nullable = true, default = { sql = \"(1 + 1)\" } }",
                "\"n\" INTEGER DEFAULT (1 + 1)",
            ),
        ] {
            let op = format!("op = \"add_column\"\ntable = \"patient\"\ncolumn = {column}");
            assert_eq!(
                sql(&state, &op),
                patient_rebuild(
                    patient_table("new_patient").replace(
                        "\"doctor_id\" INTEGER,",
                        &format!("\"doctor_id\" INTEGER,\n    {definition},")
                    ),
                    ALL
                ),
                "{column}"
            );
            assert_eq!(rebuilt(&state, &op), Some("patient".into()));
        }
    }

    #[test]
    fn foreign_keys_rebuild_the_table() {
        let state = clinic();
        let op =
            "op = \"drop_foreign_key\"\ntable = \"patient\"\nname = \"patient_doctor_id_fkey\"";
        assert_eq!(
            sql(&state, op),
            patient_rebuild(
                patient_table("new_patient").replace(
                    ",\n    CONSTRAINT \"patient_doctor_id_fkey\" FOREIGN KEY (\"doctor_id\") REFERENCES \"doctor\" (\"id\") ON DELETE SET NULL",
                    ""
                ),
                ALL
            )
        );
        let mut without = state.clone();
        without
            .apply_all(&ops(&format!("[[operations]]\n{op}\n")))
            .expect("drops");
        let op = "op = \"add_foreign_key\"\ntable = \"patient\"\ncolumns = [\"doctor_id\"]\nreferences = \"doctor\"\nname = \"by_doctor\"\non_update = \"cascade\"";
        assert_eq!(
            sql(&without, op),
            patient_rebuild(
                patient_table("new_patient").replace(
                    "CONSTRAINT \"patient_doctor_id_fkey\" FOREIGN KEY (\"doctor_id\") REFERENCES \"doctor\" (\"id\") ON DELETE SET NULL",
                    "CONSTRAINT \"by_doctor\" FOREIGN KEY (\"doctor_id\") REFERENCES \"doctor\" (\"id\") ON UPDATE CASCADE"
                ),
                ALL
            )
        );
        assert_eq!(rebuilt(&without, op), Some("patient".into()));
    }

    #[test]
    fn the_temporary_table_avoids_taken_names() {
        let mut state = clinic();
        state
            .apply_all(&ops("[[operations]]\nop = \"create_table\"\ntable = \"new_doctor\"\ncolumns = [{ name = \"a\", type = \"integer\" }]\n"))
            .expect("new_doctor");
        let statements = sql(
            &state,
            "op = \"alter_column\"\ntable = \"doctor\"\ncolumn = \"name\"\ntype = \"text\"",
        );
        assert_eq!(
            statements,
            [
                "CREATE TABLE \"new_doctor_1\" (\n    \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n    \"name\" TEXT NOT NULL\n)",
                "INSERT INTO \"new_doctor_1\" (\"id\", \"name\") SELECT \"id\", \"name\" FROM \"doctor\"",
                "DROP TABLE \"doctor\"",
                "ALTER TABLE \"new_doctor_1\" RENAME TO \"doctor\"",
                "PRAGMA foreign_key_check(\"doctor\")",
            ]
        );
    }

    #[test]
    fn index_and_constraint_operations() {
        let state = clinic();
        assert_eq!(
            sql(
                &state,
                "op = \"create_index\"\ntable = \"patient\"\ncolumns = [\"name\", \"balance\"]"
            ),
            ["CREATE INDEX \"patient_name_balance_idx\" ON \"patient\" (\"name\", \"balance\")"]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"create_index\"\ntable = \"patient\"\ncolumns = [\"name\"]\nunique = true\nname = \"one_name\""
            ),
            ["CREATE UNIQUE INDEX \"one_name\" ON \"patient\" (\"name\")"]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"drop_index\"\ntable = \"patient\"\ncolumns = [\"dob\"]"
            ),
            ["DROP INDEX \"patient_dob_idx\""]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"add_unique\"\ntable = \"doctor\"\ncolumns = [\"name\"]"
            ),
            ["CREATE UNIQUE INDEX \"doctor_name_key\" ON \"doctor\" (\"name\")"]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"drop_unique\"\ntable = \"patient\"\nname = \"patient_name_dob_key\""
            ),
            ["DROP INDEX \"patient_name_dob_key\""]
        );
        assert_eq!(
            rebuilt(
                &state,
                "op = \"add_unique\"\ntable = \"doctor\"\ncolumns = [\"name\"]"
            ),
            None
        );
    }

    #[test]
    fn sql_uses_the_sqlite_variant() {
        let state = clinic();
        assert_eq!(
            sql(
                &state,
                "op = \"sql\"\nup = \"SELECT 1\"\nsqlite = { up = \"CREATE TRIGGER t AFTER INSERT ON doctor BEGIN SELECT 1; END; SELECT 2\" }"
            ),
            [
                "CREATE TRIGGER t AFTER INSERT ON doctor BEGIN SELECT 1; END",
                "SELECT 2"
            ]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"sql\"\nup = \"UPDATE doctor SET name = 'a;b'\""
            ),
            ["UPDATE doctor SET name = 'a;b'"]
        );
        assert_eq!(rebuilt(&state, "op = \"sql\"\nup = \"SELECT 1\""), None);
    }

    #[test]
    fn invalid_operations_are_refused() {
        let ops =
            ops("[[operations]]\nop = \"drop_column\"\ntable = \"patient\"\ncolumn = \"dob\"\n");
        let err = SqliteDialect
            .render(&ops[0], &clinic())
            .expect_err("indexed");
        assert!(err.contains("used by index `patient_dob_idx`"), "{err}");
        assert_eq!(rebuilt_table(&ops[0], &clinic()), None);
    }
}
