//! Portable operations as MySQL / MariaDB SQL.
//!
//! | portable | MySQL |
//! |---|---|
//! | `smallint`, `integer`, `bigint` | `SMALLINT`, `INT`, `BIGINT` |
//! | `auto_id`, `big_auto_id` | `INT` / `BIGINT NOT NULL AUTO_INCREMENT` (+ `PRIMARY KEY`) |
//! | `decimal(p,s)` | `DECIMAL(p,s)` |
//! | `float`, `double` | `FLOAT`, `DOUBLE` |
//! | `boolean` | `TINYINT(1)` (what `BOOLEAN` means) |
//! | `string(n)`, `text` | `VARCHAR(n)`, `LONGTEXT` |
//! | `binary` | `LONGBLOB` |
//! | `date`, `time` | `DATE`, `TIME(6)` |
//! | `timestamp`, `timestamp_tz` | `DATETIME(6)`, `TIMESTAMP(6)` (stored as UTC; 1970 to 2038) |
//! | `uuid`, `json` | `CHAR(36)`, `JSON` (an alias of `LONGTEXT` on MariaDB) |
//!
//! Times keep microseconds, as on PostgreSQL. Every DDL statement commits
//! on MySQL and is journaled on its own, so each operation is one
//! statement: `create_table` declares its indexes inline; `alter_column`
//! is `MODIFY COLUMN` with the full new definition (MySQL forgets what a
//! `MODIFY` does not repeat). `rename_column` uses `RENAME COLUMN` (MySQL
//! 8.0, MariaDB 10.5). Defaults of `LONGTEXT`, `LONGBLOB` and `JSON`
//! columns are written as expressions (`DEFAULT ('x')`, MySQL 8.0.13,
//! MariaDB 10.2), the only form MySQL accepts there; string literals double
//! backslashes, as MySQL's default `sql_mode` reads them as escapes.
//! `TIMESTAMP` columns assume `explicit_defaults_for_timestamp = ON` (the
//! default since MySQL 8.0 and MariaDB 10.10).
//!
//! Foreign keys: InnoDB creates an index named after a foreign key whose
//! columns no index starts with; `drop_foreign_key` leaves that index in
//! place (harmless, and reused when the key is added again).

use crate::backend::Dialect;
use crate::portable::render::{
    ColumnSyntax, column_definition, create_table, foreign_key_clause, prepare, primary_key_clause,
    quote_list, sql_statements, standard_statement, unique_clause,
};
use crate::portable::{Change, ColumnType, Operation, Renderer, SchemaState, Table};

use super::MysqlDialect;

/// What follows the column list of every created table: the transactional
/// engine (foreign keys need it) and full Unicode.
const TABLE_OPTIONS: &str = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

/// How MySQL writes a column: always `NULL` or `NOT NULL`, so that a
/// `MODIFY` always says it.
const SYNTAX: ColumnSyntax = ColumnSyntax {
    type_name,
    auto: " NOT NULL AUTO_INCREMENT",
    explicit_null: true,
    booleans: ["0", "1"],
    // The precision must match the column's (6).
    now: "CURRENT_TIMESTAMP(6)",
    backslash_escapes: true,
    // MySQL takes no literal default on these types, only an expression.
    text_default_as_expression: &[ColumnType::Text, ColumnType::Binary, ColumnType::Json],
};

impl Renderer for MysqlDialect {
    fn render(&self, op: &Operation, before: &SchemaState) -> Result<Vec<String>, String> {
        let (change, _) = prepare(op, before)?;
        let d = self;
        let q = |s: &str| d.quote_identifier(s);
        if let Some(sql) = standard_statement(d, &SYNTAX, &change) {
            return Ok(vec![sql]);
        }
        Ok(match &change {
            Change::CreateTable(table) => vec![create_table_inline(d, table)],
            Change::AlterColumn { table, new, .. } => vec![format!(
                "ALTER TABLE {} MODIFY COLUMN {}",
                q(table),
                column_definition(d, &SYNTAX, new)
            )],
            Change::DropIndex { table, index } => {
                vec![format!("DROP INDEX {} ON {}", q(&index.name), q(table))]
            }
            Change::AddForeignKey { table, foreign_key } => vec![format!(
                "ALTER TABLE {} ADD {}",
                q(table),
                foreign_key_clause(d, foreign_key)
            )],
            Change::DropForeignKey { table, foreign_key } => vec![format!(
                "ALTER TABLE {} DROP FOREIGN KEY {}",
                q(table),
                q(&foreign_key.name)
            )],
            Change::AddUnique { table, unique } => vec![format!(
                "ALTER TABLE {} ADD {}",
                q(table),
                unique_clause(d, unique)
            )],
            // A unique constraint is an index on MySQL.
            Change::DropUnique { table, unique } => {
                vec![format!("DROP INDEX {} ON {}", q(&unique.name), q(table))]
            }
            Change::Sql(sql) => sql_statements(sql, d)?,
            Change::DropTable(_)
            | Change::RenameTable { .. }
            | Change::AddColumn { .. }
            | Change::DropColumn { .. }
            | Change::RenameColumn { .. }
            | Change::CreateIndex { .. } => unreachable!("standard SQL, rendered above"),
        })
    }
}

/// One `CREATE TABLE` with keys, indexes and constraints inline.
fn create_table_inline(d: &MysqlDialect, table: &Table) -> String {
    let keys = primary_key_clause(d, table)
        .into_iter()
        .chain(table.uniques.iter().map(|u| unique_clause(d, u)))
        .chain(table.indexes.iter().map(|i| {
            format!(
                "{}INDEX {} ({})",
                if i.unique { "UNIQUE " } else { "" },
                d.quote_identifier(&i.name),
                quote_list(d, &i.columns)
            )
        }));
    let sql = create_table(d, &SYNTAX, &table.name, table, keys);
    format!("{sql}{TABLE_OPTIONS}")
}

/// MySQL's name for a portable type.
pub(crate) fn type_name(ty: ColumnType) -> String {
    match ty {
        ColumnType::SmallInt => "SMALLINT".into(),
        ColumnType::Integer | ColumnType::AutoId => "INT".into(),
        ColumnType::BigInt | ColumnType::BigAutoId => "BIGINT".into(),
        ColumnType::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
        ColumnType::Float => "FLOAT".into(),
        ColumnType::Double => "DOUBLE".into(),
        ColumnType::Boolean => "TINYINT(1)".into(),
        ColumnType::String { length } => format!("VARCHAR({length})"),
        ColumnType::Text => "LONGTEXT".into(),
        ColumnType::Binary => "LONGBLOB".into(),
        ColumnType::Date => "DATE".into(),
        ColumnType::Time => "TIME(6)".into(),
        ColumnType::Timestamp => "DATETIME(6)".into(),
        ColumnType::TimestampTz => "TIMESTAMP(6)".into(),
        ColumnType::Uuid => "CHAR(36)".into(),
        ColumnType::Json => "JSON".into(),
    }
}

#[cfg(test)]
mod tests {
    use crate::portable::{SchemaState, render_all};
    use crate::testkit::portable::{self, ops};

    use super::*;

    /// What patient's `name` defaults to in the clinic.
    const NAME_DEFAULT: &str = "it's \\o/";

    fn clinic() -> SchemaState {
        portable::clinic(NAME_DEFAULT)
    }

    /// The statements of one TOML operation on `state`.
    #[track_caller]
    fn sql(state: &SchemaState, op: &str) -> Vec<String> {
        portable::render_one(&MysqlDialect, state, op)
    }

    #[test]
    fn the_dialect_returns_this_renderer() {
        assert!(MysqlDialect.renderer().is_some());
    }

    #[test]
    fn create_table_is_one_statement() {
        let (statements, _) = render_all(
            &MysqlDialect,
            &portable::clinic_ops(NAME_DEFAULT),
            &SchemaState::new(),
        )
        .expect("renders");
        assert_eq!(
            statements,
            [
                "CREATE TABLE `doctor` (\n    `id` INT NOT NULL AUTO_INCREMENT,\n    `name` VARCHAR(50) NOT NULL,\n    PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
                "CREATE TABLE `patient` (\n    `id` BIGINT NOT NULL AUTO_INCREMENT,\n    `name` VARCHAR(100) NOT NULL DEFAULT 'it''s \\\\o/',\n    `dob` DATE NULL,\n    `balance` DECIMAL(10,2) NOT NULL DEFAULT 0,\n    `doctor_id` INT NULL,\n    PRIMARY KEY (`id`),\n    CONSTRAINT `patient_name_dob_key` UNIQUE (`name`, `dob`),\n    INDEX `patient_dob_idx` (`dob`),\n    CONSTRAINT `positive_balance` CHECK (balance >= 0),\n    CONSTRAINT `patient_doctor_id_fkey` FOREIGN KEY (`doctor_id`) REFERENCES `doctor` (`id`) ON DELETE SET NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
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
  { name = "g", type = "boolean", default = false },
  { name = "h", type = "string", length = 3, nullable = true },
  { name = "i", type = "text", default = "" },
  { name = "j", type = "binary", nullable = true },
  { name = "k", type = "date", default = "2024-01-31" },
  { name = "l", type = "time" },
  { name = "m", type = "timestamp", default = { now = true } },
  { name = "n", type = "timestamp_tz", default = { sql = "CURRENT_TIMESTAMP(6)" } },
  { name = "o", type = "uuid" },
  { name = "p", type = "json", default = "{}" },
]
indexes = [{ columns = ["o"], unique = true }]"#,
        );
        assert_eq!(
            statements,
            [
                "CREATE TABLE `t` (\n    `a` SMALLINT NOT NULL DEFAULT -1,\n    `b` INT NOT NULL,\n    `c` BIGINT NOT NULL,\n    `d` DECIMAL(5,0) NOT NULL,\n    `e` FLOAT NOT NULL DEFAULT 1.5,\n    `f` DOUBLE NOT NULL,\n    `g` TINYINT(1) NOT NULL DEFAULT 0,\n    `h` VARCHAR(3) NULL,\n    `i` LONGTEXT NOT NULL DEFAULT (''),\n    `j` LONGBLOB NULL,\n    `k` DATE NOT NULL DEFAULT '2024-01-31',\n    `l` TIME(6) NOT NULL,\n    `m` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),\n    `n` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),\n    `o` CHAR(36) NOT NULL,\n    `p` JSON NOT NULL DEFAULT ('{}'),\n    UNIQUE INDEX `t_o_idx` (`o`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
            ]
        );
    }

    #[test]
    fn table_operations() {
        let state = clinic();
        assert_eq!(
            sql(&state, "op = \"drop_table\"\ntable = \"patient\""),
            ["DROP TABLE `patient`"]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"rename_table\"\ntable = \"patient\"\nto = \"person\""
            ),
            ["ALTER TABLE `patient` RENAME TO `person`"]
        );
    }

    #[test]
    fn column_operations() {
        let state = clinic();
        assert_eq!(
            sql(
                &state,
                "op = \"add_column\"\ntable = \"patient\"\ncolumn = { name = \"active\", type = \"boolean\", default = true }"
            ),
            ["ALTER TABLE `patient` ADD COLUMN `active` TINYINT(1) NOT NULL DEFAULT 1"]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"drop_column\"\ntable = \"doctor\"\ncolumn = \"name\""
            ),
            ["ALTER TABLE `doctor` DROP COLUMN `name`"]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"rename_column\"\ntable = \"patient\"\ncolumn = \"dob\"\nto = \"born\""
            ),
            ["ALTER TABLE `patient` RENAME COLUMN `dob` TO `born`"]
        );
    }

    #[test]
    fn alter_column_modifies_the_full_definition() {
        let state = clinic();
        let alter = |body: &str| {
            sql(
                &state,
                &format!("op = \"alter_column\"\ntable = \"patient\"\n{body}"),
            )
        };
        // What the operation does not mention is repeated from the state.
        assert_eq!(
            alter("column = \"name\"\nnullable = true"),
            ["ALTER TABLE `patient` MODIFY COLUMN `name` VARCHAR(100) NULL DEFAULT 'it''s \\\\o/'"]
        );
        assert_eq!(
            alter("column = \"name\"\ndrop_default = true"),
            ["ALTER TABLE `patient` MODIFY COLUMN `name` VARCHAR(100) NOT NULL"]
        );
        assert_eq!(
            alter("column = \"balance\"\ntype = \"decimal\"\nprecision = 12\nscale = 3"),
            ["ALTER TABLE `patient` MODIFY COLUMN `balance` DECIMAL(12,3) NOT NULL DEFAULT 0"]
        );
        assert_eq!(
            alter(
                "column = \"dob\"\ntype = \"timestamp\"\nnullable = false\ndefault = { now = true }"
            ),
            [
                "ALTER TABLE `patient` MODIFY COLUMN `dob` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
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
            ["CREATE INDEX `patient_name_balance_idx` ON `patient` (`name`, `balance`)"]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"create_index\"\ntable = \"patient\"\ncolumns = [\"name\"]\nunique = true\nname = \"one_name\""
            ),
            ["CREATE UNIQUE INDEX `one_name` ON `patient` (`name`)"]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"drop_index\"\ntable = \"patient\"\ncolumns = [\"dob\"]"
            ),
            ["DROP INDEX `patient_dob_idx` ON `patient`"]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"drop_foreign_key\"\ntable = \"patient\"\ncolumns = [\"doctor_id\"]"
            ),
            ["ALTER TABLE `patient` DROP FOREIGN KEY `patient_doctor_id_fkey`"]
        );
        let mut without_fk = state.clone();
        without_fk
            .apply_all(&ops("[[operations]]\nop = \"drop_foreign_key\"\ntable = \"patient\"\nname = \"patient_doctor_id_fkey\"\n"))
            .expect("drops");
        assert_eq!(
            sql(
                &without_fk,
                "op = \"add_foreign_key\"\ntable = \"patient\"\ncolumns = [\"doctor_id\"]\nreferences = \"doctor\"\non_delete = \"cascade\"\non_update = \"restrict\""
            ),
            [
                "ALTER TABLE `patient` ADD CONSTRAINT `patient_doctor_id_fkey` FOREIGN KEY (`doctor_id`) REFERENCES `doctor` (`id`) ON DELETE CASCADE ON UPDATE RESTRICT"
            ]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"add_unique\"\ntable = \"doctor\"\ncolumns = [\"name\"]"
            ),
            ["ALTER TABLE `doctor` ADD CONSTRAINT `doctor_name_key` UNIQUE (`name`)"]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"drop_unique\"\ntable = \"patient\"\nname = \"patient_name_dob_key\""
            ),
            ["DROP INDEX `patient_name_dob_key` ON `patient`"]
        );
    }

    #[test]
    fn sql_uses_the_mysql_variant() {
        let state = clinic();
        assert_eq!(
            sql(
                &state,
                "op = \"sql\"\nup = \"UPDATE a SET b = 1; UPDATE c SET d = 2;\""
            ),
            ["UPDATE a SET b = 1", "UPDATE c SET d = 2"]
        );
        assert_eq!(
            sql(
                &state,
                "op = \"sql\"\nup = \"SELECT 1\"\nmysql = { up = \"UPDATE `a` SET b = 'x;y' # c\" }"
            ),
            ["UPDATE `a` SET b = 'x;y'"]
        );
    }

    #[test]
    fn invalid_operations_are_refused() {
        let ops = ops(
            "[[operations]]\nop = \"add_column\"\ntable = \"nurse\"\ncolumn = { name = \"a\", type = \"integer\" }\n",
        );
        let err = MysqlDialect
            .render(&ops[0], &clinic())
            .expect_err("no such table");
        assert_eq!(err, "there is no table `nurse`");
    }
}
