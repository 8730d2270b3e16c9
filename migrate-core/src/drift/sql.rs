//! The statements that make one schema into another, one difference at a
//! time, on one engine: what `migrate drift` prints to bring a database
//! back to what its migrations made, and writes (the other way round) into
//! a migration that accepts the live schema.
//!
//! What an engine cannot do in place is not guessed at: SQLite cannot
//! change a column, a primary key, a foreign key or a check without
//! rebuilding its table, and a view's or trigger's normalized text is not
//! the text that created it. Such a difference gets a note saying so, and
//! no statement.

use serde::Serialize;

use crate::backend::Dialect;
use crate::dialect::SqlDialect;
use crate::engines::type_sql;
use crate::schema::{Check, Column, ColumnChange, Difference, ForeignKey, Index, Schema, Table};

/// One difference and what undoes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The difference, in words.
    pub difference: String,
    /// The statements that make it go away, in order; empty when they
    /// cannot be written (see `note`).
    pub statements: Vec<String>,
    /// Why there is no statement, or what to watch for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The fixes that turn `from` into `to` on `dialect`'s engine, one per
/// difference of [`crate::schema::diff`].
pub fn fixes(from: &Schema, to: &Schema, dialect: &dyn Dialect) -> Vec<Fix> {
    let w = Writer {
        d: dialect,
        family: dialect.sql_dialect(),
        to,
    };
    crate::schema::diff(from, to)
        .iter()
        .map(|difference| {
            let (statements, note) = match w.statements(difference) {
                Ok(statements) => (statements, None),
                Err(note) => (Vec::new(), Some(note)),
            };
            Fix {
                difference: difference.to_string(),
                statements,
                note,
            }
        })
        .collect()
}

struct Writer<'a> {
    d: &'a dyn Dialect,
    family: SqlDialect,
    /// The schema the fixes lead to: where a restated column is read.
    to: &'a Schema,
}

impl Writer<'_> {
    fn q(&self, name: &str) -> String {
        self.d.quote_identifier(name)
    }

    fn statements(&self, difference: &Difference) -> Result<Vec<String>, String> {
        let sqlite = self.family == SqlDialect::Sqlite;
        let rebuild = |what: &str| {
            Err(format!(
                "SQLite cannot {what} in place: rebuild the table (a portable migration's operations do it)"
            ))
        };
        Ok(match difference {
            Difference::TableAdded { table } => self.create_table(table),
            Difference::TableRemoved { table } => {
                vec![format!("DROP TABLE {}", self.q(&table.name))]
            }
            Difference::ColumnAdded { table, column } => vec![format!(
                "ALTER TABLE {} ADD COLUMN {}",
                self.q(table),
                self.column(column)
            )],
            Difference::ColumnRemoved { table, column } => vec![format!(
                "ALTER TABLE {} DROP COLUMN {}",
                self.q(table),
                self.q(&column.name)
            )],
            Difference::ColumnChanged { .. } if sqlite => return rebuild("change a column"),
            Difference::ColumnChanged {
                table,
                column,
                changes,
            } => self.alter_column(table, column, changes)?,
            Difference::ColumnOrderChanged { .. } => {
                return Err("the order of columns does not change what a query sees".into());
            }
            Difference::PrimaryKeyChanged { .. } if sqlite => {
                return rebuild("change a primary key");
            }
            Difference::PrimaryKeyChanged {
                table,
                before,
                after,
            } => self.primary_key(table, before, after),
            Difference::IndexAdded { table, index } => vec![self.create_index(table, index)?],
            Difference::IndexRemoved { table, index } => vec![self.drop_index(table, &index.name)],
            Difference::IndexChanged {
                table,
                before,
                after,
            } => vec![
                self.drop_index(table, &before.name),
                self.create_index(table, after)?,
            ],
            Difference::ForeignKeyAdded { .. } | Difference::ForeignKeyRemoved { .. } if sqlite => {
                return rebuild("add or drop a foreign key");
            }
            Difference::ForeignKeyAdded { table, foreign_key } => vec![format!(
                "ALTER TABLE {} ADD {}",
                self.q(table),
                self.foreign_key(foreign_key)
            )],
            Difference::ForeignKeyRemoved { table, foreign_key } => {
                vec![self.drop_foreign_key(table, foreign_key)?]
            }
            Difference::ForeignKeyChanged { .. } if sqlite => {
                return rebuild("change a foreign key");
            }
            Difference::ForeignKeyChanged {
                table,
                before,
                after,
            } => vec![
                self.drop_foreign_key(table, before)?,
                format!(
                    "ALTER TABLE {} ADD {}",
                    self.q(table),
                    self.foreign_key(after)
                ),
            ],
            Difference::CheckAdded { .. } | Difference::CheckRemoved { .. } if sqlite => {
                return rebuild("add or drop a check");
            }
            Difference::CheckAdded { table, check } => vec![format!(
                "ALTER TABLE {} ADD {}",
                self.q(table),
                self.check(check)
            )],
            Difference::CheckRemoved { table, check } => {
                let Some(name) = &check.name else {
                    return Err("the check has no name to drop it by".into());
                };
                let verb = match self.family {
                    SqlDialect::Mysql => "CHECK",
                    _ => "CONSTRAINT",
                };
                vec![format!(
                    "ALTER TABLE {} DROP {verb} {}",
                    self.q(table),
                    self.q(name)
                )]
            }
            Difference::ViewRemoved { view } => vec![format!("DROP VIEW {}", self.q(&view.name))],
            Difference::TriggerRemoved { trigger } => vec![match self.family {
                SqlDialect::Postgres => format!(
                    "DROP TRIGGER {} ON {}",
                    self.q(&trigger.name),
                    self.q(&trigger.table)
                ),
                _ => format!("DROP TRIGGER {}", self.q(&trigger.name)),
            }],
            Difference::SequenceRemoved { sequence } => {
                vec![format!("DROP SEQUENCE {}", self.q(&sequence.name))]
            }
            Difference::ViewAdded { .. }
            | Difference::ViewChanged { .. }
            | Difference::TriggerAdded { .. }
            | Difference::TriggerChanged { .. }
            | Difference::SequenceAdded { .. }
            | Difference::SequenceChanged { .. } => {
                return Err(
                    "its definition is known only in normalized form: write the statement from the migration that created it"
                        .into(),
                );
            }
        })
    }

    /// `name type [NOT NULL] [DEFAULT x] [auto-increment]`.
    fn column(&self, column: &Column) -> String {
        let mut sql = format!(
            "{} {}",
            self.q(&column.name),
            type_sql(self.family, &column.data_type)
        );
        if column.auto_increment {
            match self.family {
                SqlDialect::Postgres => sql.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
                SqlDialect::Mysql => sql.push_str(" AUTO_INCREMENT"),
                _ => {}
            }
        }
        if !column.nullable {
            sql.push_str(" NOT NULL");
        }
        if let Some(default) = &column.default {
            sql.push_str(&format!(" DEFAULT {default}"));
        }
        sql
    }

    fn create_table(&self, table: &Table) -> Vec<String> {
        // SQLite numbers a rowid alias only when it is declared as the
        // `INTEGER PRIMARY KEY` itself.
        let rowid = self.family == SqlDialect::Sqlite
            && table.primary_key.len() == 1
            && table
                .column(&table.primary_key[0])
                .is_some_and(|c| c.auto_increment);
        let mut parts: Vec<String> = table
            .columns
            .iter()
            .map(|c| match rowid && c.name == table.primary_key[0] {
                true => format!("{} INTEGER PRIMARY KEY", self.q(&c.name)),
                false => self.column(c),
            })
            .collect();
        if !table.primary_key.is_empty() && !rowid {
            parts.push(format!("PRIMARY KEY ({})", self.list(&table.primary_key)));
        }
        parts.extend(table.foreign_keys.iter().map(|fk| self.foreign_key(fk)));
        parts.extend(table.checks.iter().map(|c| self.check(c)));
        let mut statements = vec![format!(
            "CREATE TABLE {} (\n    {}\n)",
            self.q(&table.name),
            parts.join(",\n    ")
        )];
        for index in &table.indexes {
            // InnoDB's own index for a foreign key comes with the key.
            if self.family == SqlDialect::Mysql
                && table
                    .foreign_keys
                    .iter()
                    .any(|fk| fk.name.as_deref() == Some(index.name.as_str()))
            {
                continue;
            }
            if let Ok(sql) = self.create_index(&table.name, index) {
                statements.push(sql);
            }
        }
        statements
    }

    fn alter_column(
        &self,
        table: &str,
        column: &str,
        changes: &[ColumnChange],
    ) -> Result<Vec<String>, String> {
        let t = self.q(table);
        let c = self.q(column);
        if self.family == SqlDialect::Mysql {
            // MODIFY restates the whole column: its final definition.
            let Some(target) = self.to.tables.get(table).and_then(|t| t.column(column)) else {
                return Err("the column's definition is not known".into());
            };
            return Ok(vec![format!(
                "ALTER TABLE {t} MODIFY COLUMN {}",
                self.column(target)
            )]);
        }
        let mut out = Vec::new();
        for change in changes {
            match change {
                ColumnChange::DataType { after, .. } => out.push(format!(
                    "ALTER TABLE {t} ALTER COLUMN {c} TYPE {}",
                    type_sql(self.family, after)
                )),
                ColumnChange::Nullable { after, .. } => out.push(format!(
                    "ALTER TABLE {t} ALTER COLUMN {c} {} NOT NULL",
                    if *after { "DROP" } else { "SET" }
                )),
                ColumnChange::Default { after, .. } => out.push(match after {
                    Some(v) => format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {v}"),
                    None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
                }),
                ColumnChange::AutoIncrement { after, .. } => out.push(match after {
                    true => {
                        format!(
                            "ALTER TABLE {t} ALTER COLUMN {c} ADD GENERATED BY DEFAULT AS IDENTITY"
                        )
                    }
                    false => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP IDENTITY IF EXISTS"),
                }),
            }
        }
        Ok(out)
    }

    fn primary_key(&self, table: &str, before: &[String], after: &[String]) -> Vec<String> {
        let t = self.q(table);
        let mut out = Vec::new();
        if !before.is_empty() {
            out.push(match self.family {
                // PostgreSQL names a primary key `<table>_pkey` unless told.
                SqlDialect::Postgres => format!(
                    "ALTER TABLE {t} DROP CONSTRAINT {}",
                    self.q(&format!("{table}_pkey"))
                ),
                _ => format!("ALTER TABLE {t} DROP PRIMARY KEY"),
            });
        }
        if !after.is_empty() {
            out.push(format!(
                "ALTER TABLE {t} ADD PRIMARY KEY ({})",
                self.list(after)
            ));
        }
        out
    }

    fn create_index(&self, table: &str, index: &Index) -> Result<String, String> {
        let parts: Vec<String> = index
            .columns
            .iter()
            .map(|part| {
                let (name, desc) = match part.strip_suffix(" desc") {
                    Some(name) => (name, " DESC"),
                    None => (part.as_str(), ""),
                };
                match name.starts_with('(') {
                    true => format!("{name}{desc}"),
                    false => format!("{}{desc}", self.q(name)),
                }
            })
            .collect();
        if parts.iter().any(|p| p.contains("(?)")) {
            return Err("the index's expression is not known".into());
        }
        let mut sql = format!(
            "CREATE {}INDEX {} ON {} ({})",
            if index.unique { "UNIQUE " } else { "" },
            self.q(&index.name),
            self.q(table),
            parts.join(", ")
        );
        if let Some(predicate) = &index.predicate {
            sql.push_str(&format!(" WHERE {predicate}"));
        }
        Ok(sql)
    }

    fn drop_index(&self, table: &str, index: &str) -> String {
        match self.family {
            SqlDialect::Mysql => format!("DROP INDEX {} ON {}", self.q(index), self.q(table)),
            _ => format!("DROP INDEX {}", self.q(index)),
        }
    }

    fn foreign_key(&self, fk: &ForeignKey) -> String {
        let name = fk
            .name
            .as_ref()
            .map(|n| format!("CONSTRAINT {} ", self.q(n)))
            .unwrap_or_default();
        let mut sql = format!(
            "{name}FOREIGN KEY ({}) REFERENCES {} ({})",
            self.list(&fk.columns),
            self.q(&fk.referenced_table),
            self.list(&fk.referenced_columns)
        );
        for (on, action) in [("DELETE", &fk.on_delete), ("UPDATE", &fk.on_update)] {
            if action != "no action" {
                sql.push_str(&format!(" ON {on} {}", action.to_uppercase()));
            }
        }
        sql
    }

    fn drop_foreign_key(&self, table: &str, fk: &ForeignKey) -> Result<String, String> {
        let Some(name) = &fk.name else {
            return Err("the foreign key has no name to drop it by".into());
        };
        let verb = match self.family {
            SqlDialect::Mysql => "FOREIGN KEY",
            _ => "CONSTRAINT",
        };
        Ok(format!(
            "ALTER TABLE {} DROP {verb} {}",
            self.q(table),
            self.q(name)
        ))
    }

    fn check(&self, check: &Check) -> String {
        match &check.name {
            Some(name) => format!("CONSTRAINT {} CHECK ({})", self.q(name), check.expression),
            None => format!("CHECK ({})", check.expression),
        }
    }

    fn list(&self, names: &[String]) -> String {
        names
            .iter()
            .map(|n| self.q(n))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::dialect;

    fn column(name: &str, ty: &str, nullable: bool) -> Column {
        Column {
            name: name.into(),
            data_type: ty.into(),
            nullable,
            default: None,
            auto_increment: false,
        }
    }

    fn schema(columns: Vec<Column>, indexes: Vec<Index>) -> Schema {
        let mut table = Table::new("t");
        table.columns = columns;
        table.primary_key = vec!["id".into()];
        table.indexes = indexes;
        let mut schema = Schema::default();
        schema.tables.insert("t".into(), table);
        schema
    }

    fn statements(from: &Schema, to: &Schema, engine: SqlDialect) -> Vec<String> {
        fixes(from, to, dialect(engine).unwrap())
            .into_iter()
            .flat_map(|f| f.statements)
            .collect()
    }

    #[test]
    fn a_changed_column_is_altered_the_way_each_engine_alters_it() {
        let id = || column("id", "integer", false);
        let from = schema(vec![id(), column("note", "string(20)", true)], vec![]);
        let to = schema(vec![id(), column("note", "string(50)", false)], vec![]);
        assert_eq!(
            statements(&from, &to, SqlDialect::Postgres),
            [
                r#"ALTER TABLE "t" ALTER COLUMN "note" TYPE varchar(50)"#,
                r#"ALTER TABLE "t" ALTER COLUMN "note" SET NOT NULL"#
            ]
        );
        assert_eq!(
            statements(&from, &to, SqlDialect::Mysql),
            ["ALTER TABLE `t` MODIFY COLUMN `note` VARCHAR(50) NOT NULL"]
        );
        let sqlite = fixes(&from, &to, dialect(SqlDialect::Sqlite).unwrap());
        assert!(sqlite[0].statements.is_empty());
        assert!(sqlite[0].note.as_deref().unwrap().contains("rebuild"));
    }

    #[test]
    fn indexes_are_dropped_by_name_and_created_with_their_parts() {
        let id = || column("id", "integer", false);
        let index = Index {
            name: "t_note".into(),
            unique: true,
            columns: vec!["note".into(), "(lower(name)) desc".into()],
            predicate: Some("note IS NOT NULL".into()),
        };
        let with = schema(vec![id()], vec![index]);
        let without = schema(vec![id()], vec![]);
        assert_eq!(
            statements(&without, &with, SqlDialect::Postgres),
            [
                r#"CREATE UNIQUE INDEX "t_note" ON "t" ("note", (lower(name)) DESC) WHERE note IS NOT NULL"#
            ]
        );
        assert_eq!(
            statements(&with, &without, SqlDialect::Mysql),
            ["DROP INDEX `t_note` ON `t`"]
        );
    }

    #[test]
    fn views_and_triggers_are_noted_not_guessed() {
        let mut with = Schema::default();
        with.views.insert(
            "v".into(),
            crate::schema::View {
                name: "v".into(),
                definition: "select 1".into(),
            },
        );
        let fixes = fixes(
            &Schema::default(),
            &with,
            dialect(SqlDialect::Sqlite).unwrap(),
        );
        assert!(fixes[0].statements.is_empty());
        assert!(fixes[0].note.is_some());
        assert_eq!(
            statements(&with, &Schema::default(), SqlDialect::Sqlite),
            [r#"DROP VIEW "v""#]
        );
    }
}
