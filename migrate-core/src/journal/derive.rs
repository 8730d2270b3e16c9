//! Deriving, from a statement's text alone, the statements that undo it.
//!
//! The statement is parsed with `sqlparser` for the engine's family. Three
//! outcomes:
//!
//! - [`Derived::Exact`]: the inverse follows from the text (`CREATE TABLE t`
//!   is undone by `DROP TABLE t`). An empty inverse means there is nothing
//!   to undo (`SELECT`, `SET`, a temporary table, which goes with the
//!   connection that made it).
//! - [`Derived::NeedsCapture`]: the statement destroys or changes a
//!   definition, which the backend must read before it runs.
//! - [`Derived::Unknown`]: no inverse, with the reason.
//!
//! A query is taken to change nothing unless it writes (a data-modifying
//! `WITH`, `SELECT ... INTO`); a `SELECT` calling a function with side
//! effects (PostgreSQL `setval`) is beyond what the text shows.
//!
//! Inverse statements use the engine's syntax and quote every name with the
//! given quoting; qualified names stay qualified. Names in probes and
//! captures are unquoted, as the engine stores them (PostgreSQL folds
//! unquoted names to lower case), a qualified name's parts joined with a
//! dot (`app.users`). An index is named as the statement names it, its
//! table alongside when the statement gives it (a PostgreSQL index lives in
//! its table's schema).

mod alter;
mod head;
mod names;

use sqlparser::ast::{
    AlterIndexOperation, CreateIndex, CreateTable, ObjectName, ObjectType, Query, SchemaName,
    SetExpr, Statement,
};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use super::Probe;
use crate::dialect::SqlDialect;
use names::{Cx, Name};

/// What the text of a statement tells about undoing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Derived {
    /// The inverse follows from the statement itself.
    Exact {
        /// Statements that undo it; empty when there is nothing to undo.
        inverse: Vec<String>,
        /// How to tell whether it took effect.
        probe: Option<Probe>,
    },
    /// The statement destroys or changes a definition: the inverse needs
    /// that definition, read from the server before the statement runs.
    NeedsCapture {
        /// What to read.
        capture: Capture,
        /// How to tell whether it took effect.
        probe: Option<Probe>,
    },
    /// No inverse can be derived.
    Unknown {
        /// Why.
        reason: String,
        /// How to tell whether it took effect, when known.
        probe: Option<Probe>,
    },
}

/// A definition to read from the server before a statement runs. Names are
/// unquoted, as the engine stores them; a qualified name's parts are joined
/// with a dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capture {
    /// `DROP TABLE t`: the whole table (columns, keys, indexes). Also for
    /// `DROP TABLE IF EXISTS`: a table found absent leaves nothing to undo.
    Table {
        /// The table (unquoted).
        table: String,
    },
    /// `DROP COLUMN`, or a change of a column's definition (MySQL
    /// `MODIFY`/`CHANGE`, PostgreSQL `ALTER COLUMN ... TYPE`, `SET/DROP NOT
    /// NULL`, `SET/DROP DEFAULT`).
    Column {
        /// The table.
        table: String,
        /// The column as it is before the statement.
        column: String,
        /// Its name after the statement, when that differs (MySQL `CHANGE`);
        /// `None` when the statement keeps the name.
        renamed_to: Option<String>,
        /// `true` when the statement drops it.
        dropped: bool,
    },
    /// `DROP INDEX`.
    Index {
        /// The table, when the statement names it.
        table: Option<String>,
        /// The index.
        name: String,
    },
    /// `DROP VIEW`.
    View {
        /// The view.
        name: String,
    },
}

/// Derives the inverse of `sql`, one statement without its terminator, for
/// an engine of family `dialect`, quoting names with `quote`.
pub fn derive(sql: &str, dialect: SqlDialect, quote: &dyn Fn(&str) -> String) -> Derived {
    let cx = Cx { dialect, quote };
    let parser_dialect: &dyn Dialect = match dialect {
        SqlDialect::Sqlite => &SQLiteDialect {},
        SqlDialect::Postgres => &PostgreSqlDialect {},
        SqlDialect::Mysql => &MySqlDialect {},
        SqlDialect::Generic => &GenericDialect {},
    };
    let statements = match Parser::parse_sql(parser_dialect, sql) {
        Ok(statements) => statements,
        Err(e) => {
            return head::derive_from_head(sql, parser_dialect, &cx).unwrap_or_else(|| {
                unknown(
                    format!("the statement could not be parsed to derive an inverse: {e}"),
                    None,
                )
            });
        }
    };
    match statements.as_slice() {
        [] => nothing_to_undo(),
        [statement] => {
            self::statement(statement, &cx).unwrap_or_else(|reason| unknown(reason, None))
        }
        _ => unknown(
            "the text holds several statements; an inverse is derived for one statement at a time",
            None,
        ),
    }
}

/// An exact inverse.
fn exact(inverse: Vec<String>, probe: Option<Probe>) -> Derived {
    Derived::Exact { inverse, probe }
}

/// An exact, empty inverse: the statement leaves nothing to undo.
fn nothing_to_undo() -> Derived {
    exact(Vec::new(), None)
}

/// No inverse.
fn unknown(reason: impl Into<String>, probe: Option<Probe>) -> Derived {
    Derived::Unknown {
        reason: reason.into(),
        probe,
    }
}

const DATA_CHANGE: &str = "a data change cannot be undone from its text";

/// The inverse of one parsed statement; `Err` carries the reason there is
/// none when a name cannot be read.
fn statement(statement: &Statement, cx: &Cx) -> Result<Derived, String> {
    Ok(match statement {
        Statement::CreateTable(create) => create_table(create, cx)?,
        Statement::CreateVirtualTable {
            name,
            if_not_exists,
            ..
        } => {
            let name = cx.name(name)?;
            let probe = table_probe(&name, true);
            if *if_not_exists {
                unknown(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS may not have created the table",
                    probe,
                )
            } else {
                exact(vec![format!("DROP TABLE {}", cx.sql(&name))], probe)
            }
        }
        Statement::CreateIndex(create) => create_index(create, cx)?,
        Statement::CreateView {
            or_alter,
            or_replace,
            materialized,
            name,
            if_not_exists,
            temporary,
            ..
        } => {
            let name = cx.name(name)?;
            // A materialized view is no view to a backend's catalog query.
            let probe = if *materialized {
                None
            } else {
                Some(Probe::View {
                    name: name.stored(),
                    exists_after: true,
                })
            };
            if *temporary {
                nothing_to_undo()
            } else if *or_replace || *or_alter {
                unknown(
                    "CREATE OR REPLACE VIEW may have replaced an existing view, whose definition is not captured",
                    probe,
                )
            } else if *if_not_exists {
                unknown(
                    "CREATE VIEW IF NOT EXISTS may not have created the view",
                    probe,
                )
            } else {
                let kind = if *materialized {
                    "MATERIALIZED VIEW"
                } else {
                    "VIEW"
                };
                exact(vec![format!("DROP {kind} {}", cx.sql(&name))], probe)
            }
        }
        Statement::CreateSequence {
            temporary,
            if_not_exists,
            name,
            ..
        } => {
            if *temporary {
                nothing_to_undo()
            } else {
                create_simple("SEQUENCE", &cx.name(name)?, *if_not_exists, cx)
            }
        }
        Statement::CreateSchema {
            schema_name,
            if_not_exists,
            ..
        } => {
            let name = match schema_name {
                SchemaName::Simple(name) | SchemaName::NamedAuthorization(name, _) => {
                    cx.name(name)?
                }
                // `CREATE SCHEMA AUTHORIZATION role` names the schema after the role.
                SchemaName::UnnamedAuthorization(role) => Name::single(cx.ident(role)),
            };
            create_simple("SCHEMA", &name, *if_not_exists, cx)
        }
        Statement::CreateDatabase {
            db_name,
            if_not_exists,
            or_replace,
            ..
        } => {
            if *or_replace {
                unknown(
                    "CREATE OR REPLACE DATABASE may have replaced an existing database",
                    None,
                )
            } else {
                create_simple("DATABASE", &cx.name(db_name)?, *if_not_exists, cx)
            }
        }
        Statement::CreateType { name, .. } => create_simple("TYPE", &cx.name(name)?, false, cx),
        Statement::CreateDomain(domain) => {
            create_simple("DOMAIN", &cx.name(&domain.name)?, false, cx)
        }
        Statement::CreateExtension {
            name,
            if_not_exists,
            cascade,
            ..
        } => {
            if *cascade {
                unknown(
                    "CREATE EXTENSION ... CASCADE may also have installed the extensions it requires",
                    None,
                )
            } else {
                create_simple(
                    "EXTENSION",
                    &Name::single(cx.ident(name)),
                    *if_not_exists,
                    cx,
                )
            }
        }
        Statement::CreateTrigger(trigger) => {
            if trigger.or_replace || trigger.or_alter {
                unknown(
                    "CREATE OR REPLACE TRIGGER may have replaced an existing trigger, whose definition is not captured",
                    None,
                )
            } else {
                let name = cx.sql(&cx.name(&trigger.name)?);
                // PostgreSQL scopes trigger names by table.
                let drop = if cx.dialect == SqlDialect::Postgres {
                    format!(
                        "DROP TRIGGER {name} ON {}",
                        cx.sql(&cx.name(&trigger.table_name)?)
                    )
                } else {
                    format!("DROP TRIGGER {name}")
                };
                exact(vec![drop], None)
            }
        }
        // MySQL has no overloading, so a routine's name is enough to drop
        // it; elsewhere the argument types would be needed too.
        Statement::CreateFunction(function)
            if cx.dialect == SqlDialect::Mysql
                && !(function.or_replace
                    || function.or_alter
                    || function.if_not_exists
                    || function.temporary) =>
        {
            exact(
                vec![format!(
                    "DROP FUNCTION {}",
                    cx.sql(&cx.name(&function.name)?)
                )],
                None,
            )
        }
        Statement::CreateProcedure { or_alter, name, .. }
            if cx.dialect == SqlDialect::Mysql && !or_alter =>
        {
            exact(
                vec![format!("DROP PROCEDURE {}", cx.sql(&cx.name(name)?))],
                None,
            )
        }
        Statement::CreateFunction(_) | Statement::CreateProcedure { .. } => unknown(
            "a routine may overload or replace another, so no inverse is derived",
            None,
        ),
        Statement::AlterTable {
            name,
            only,
            operations,
            ..
        } => alter::alter_table(name, *only, operations, cx)?,
        Statement::AlterIndex {
            name,
            operation: AlterIndexOperation::RenameIndex { index_name },
        } => {
            let old = cx.name(name)?;
            // The renamed index stays in its schema.
            let new = cx.name(index_name)?.in_schema_of(&old);
            exact(
                vec![format!(
                    "ALTER INDEX {} RENAME TO {}",
                    cx.sql(&new),
                    cx.q(old.last())
                )],
                Some(Probe::Index {
                    table: None,
                    name: new.stored(),
                    exists_after: true,
                }),
            )
        }
        Statement::RenameTable(renames) => {
            let mut pairs = Vec::with_capacity(renames.len());
            for rename in renames.iter().rev() {
                let (old, new) = (cx.name(&rename.old_name)?, cx.name(&rename.new_name)?);
                pairs.push(format!("{} TO {}", cx.sql(&new), cx.sql(&old)));
            }
            let probe = match renames.first() {
                Some(first) => table_probe(&cx.name(&first.new_name)?, true),
                None => None,
            };
            exact(vec![format!("RENAME TABLE {}", pairs.join(", "))], probe)
        }
        Statement::Drop {
            object_type,
            names,
            cascade,
            temporary,
            table,
            ..
        } => drop(
            *object_type,
            names,
            *cascade,
            *temporary,
            table.as_ref(),
            cx,
        )?,
        Statement::DropTrigger(_) => unknown("the trigger's definition is not captured", None),
        Statement::DropFunction { .. }
        | Statement::DropProcedure { .. }
        | Statement::DropExtension { .. }
        | Statement::DropDomain(_) => {
            unknown("the dropped object's definition is not captured", None)
        }
        Statement::Insert(_)
        | Statement::Update { .. }
        | Statement::Delete(_)
        | Statement::Merge { .. }
        | Statement::Truncate { .. }
        | Statement::LoadData { .. } => unknown(DATA_CHANGE, None),
        Statement::Copy { to, .. } => {
            if *to {
                nothing_to_undo()
            } else {
                unknown(DATA_CHANGE, None)
            }
        }
        Statement::Query(query) => match query_writes(query) {
            Some(reason) => unknown(reason, None),
            None => nothing_to_undo(),
        },
        // EXPLAIN ANALYZE runs the statement it explains.
        Statement::Explain {
            analyze: true,
            statement: explained,
            ..
        } => self::statement(explained, cx)?,
        Statement::Pragma { name, value, .. } => {
            let name = cx.name(name)?;
            if value.is_none() || head::session_pragma(name.last()) {
                nothing_to_undo()
            } else {
                unknown(
                    format!(
                        "PRAGMA {} changes a setting whose previous value is not captured",
                        name.last()
                    ),
                    None,
                )
            }
        }
        // Statements that change only the session, or nothing.
        Statement::Set(_)
        | Statement::Use(_)
        | Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. }
        | Statement::Explain { .. }
        | Statement::ExplainTable { .. }
        | Statement::Analyze { .. }
        | Statement::Vacuum(_)
        | Statement::LockTables { .. }
        | Statement::UnlockTables
        | Statement::Discard { .. }
        | Statement::Deallocate { .. }
        | Statement::Prepare { .. }
        | Statement::ShowFunctions { .. }
        | Statement::ShowVariable { .. }
        | Statement::ShowStatus { .. }
        | Statement::ShowVariables { .. }
        | Statement::ShowCreate { .. }
        | Statement::ShowColumns { .. }
        | Statement::ShowDatabases { .. }
        | Statement::ShowSchemas { .. }
        | Statement::ShowCharset(_)
        | Statement::ShowObjects(_)
        | Statement::ShowTables { .. }
        | Statement::ShowViews { .. }
        | Statement::ShowCollation { .. } => nothing_to_undo(),
        Statement::Comment { .. } => unknown(
            "undoing a comment needs the previous one, which is not captured",
            None,
        ),
        Statement::Grant { .. } | Statement::Revoke { .. } | Statement::Deny(_) => unknown(
            "the privileges held before the statement are not known, so it is not undone",
            None,
        ),
        Statement::Call(_) | Statement::Execute { .. } => {
            unknown("a call may change anything, so no inverse is derived", None)
        }
        _ => unknown("no inverse is derived for this kind of statement", None),
    })
}

fn table_probe(name: &Name, exists_after: bool) -> Option<Probe> {
    Some(Probe::Table {
        name: name.stored(),
        exists_after,
    })
}

/// `CREATE <kind> [IF NOT EXISTS] name`, undone by `DROP <kind> name`.
fn create_simple(kind: &str, name: &Name, if_not_exists: bool, cx: &Cx) -> Derived {
    if if_not_exists {
        unknown(
            format!(
                "CREATE {kind} IF NOT EXISTS may not have created the {}",
                kind.to_ascii_lowercase()
            ),
            None,
        )
    } else {
        exact(vec![format!("DROP {kind} {}", cx.sql(name))], None)
    }
}

fn create_table(create: &CreateTable, cx: &Cx) -> Result<Derived, String> {
    let name = cx.name(&create.name)?;
    if create.temporary {
        // It goes with the connection that made it.
        return Ok(nothing_to_undo());
    }
    let probe = table_probe(&name, true);
    Ok(if create.or_replace {
        unknown(
            "CREATE OR REPLACE TABLE may have replaced an existing table, whose definition is not captured",
            probe,
        )
    } else if create.if_not_exists {
        // DROP TABLE would undo it only if the statement created the table:
        // one that existed before would be dropped with its rows.
        unknown(
            "CREATE TABLE IF NOT EXISTS may not have created the table",
            probe,
        )
    } else {
        exact(vec![format!("DROP TABLE {}", cx.sql(&name))], probe)
    })
}

fn create_index(create: &CreateIndex, cx: &Cx) -> Result<Derived, String> {
    let Some(index) = &create.name else {
        return Ok(unknown(
            "the index is unnamed: the engine generates its name",
            None,
        ));
    };
    let (index, table) = (cx.name(index)?, cx.name(&create.table_name)?);
    let probe = Some(Probe::Index {
        table: Some(table.stored()),
        name: index.stored(),
        exists_after: true,
    });
    if create.if_not_exists {
        return Ok(unknown(
            "CREATE INDEX IF NOT EXISTS may not have created the index",
            probe,
        ));
    }
    let drop = match cx.dialect {
        SqlDialect::Mysql => format!("DROP INDEX {} ON {}", cx.sql(&index), cx.sql(&table)),
        // The index lives in its table's schema.
        SqlDialect::Postgres | SqlDialect::Generic => format!(
            "DROP INDEX {}{}",
            if create.concurrently {
                "CONCURRENTLY "
            } else {
                ""
            },
            cx.sql(&index.in_schema_of(&table))
        ),
        SqlDialect::Sqlite => format!("DROP INDEX {}", cx.sql(&index)),
    };
    Ok(exact(vec![drop], probe))
}

/// `DROP <kind> names [CASCADE]`.
fn drop(
    kind: ObjectType,
    names: &[ObjectName],
    cascade: bool,
    temporary: bool,
    table: Option<&ObjectName>,
    cx: &Cx,
) -> Result<Derived, String> {
    if temporary {
        // MySQL's DROP TEMPORARY TABLE: the table would have gone with its
        // connection anyway.
        return Ok(nothing_to_undo());
    }
    let lower = kind.to_string().to_ascii_lowercase();
    if !matches!(
        kind,
        ObjectType::Table | ObjectType::View | ObjectType::Index
    ) {
        return Ok(unknown(
            format!("the dropped {lower}'s definition is not captured"),
            None,
        ));
    }
    let [name] = names else {
        return Ok(unknown(
            format!(
                "the statement drops several {lower}s; only a single dropped {lower}'s definition is captured"
            ),
            None,
        ));
    };
    let name = cx.name(name)?.stored();
    let (capture, probe) = match kind {
        ObjectType::Table => (
            Capture::Table {
                table: name.clone(),
            },
            Probe::Table {
                name,
                exists_after: false,
            },
        ),
        ObjectType::View => (
            Capture::View { name: name.clone() },
            Probe::View {
                name,
                exists_after: false,
            },
        ),
        _ => {
            let table = table.map(|t| cx.name(t)).transpose()?.map(|t| t.stored());
            (
                Capture::Index {
                    table: table.clone(),
                    name: name.clone(),
                },
                Probe::Index {
                    table,
                    name,
                    exists_after: false,
                },
            )
        }
    };
    Ok(if cascade {
        unknown(
            format!(
                "CASCADE also drops the objects that depend on the {lower}, whose definitions are not captured"
            ),
            Some(probe),
        )
    } else {
        Derived::NeedsCapture {
            capture,
            probe: Some(probe),
        }
    })
}

/// Why a query changes something, or `None` when it only reads.
fn query_writes(query: &Query) -> Option<&'static str> {
    fn body_writes(body: &SetExpr) -> Option<&'static str> {
        match body {
            SetExpr::Select(select) if select.into.is_some() => {
                Some("SELECT ... INTO creates a table or sets variables, and no inverse is derived")
            }
            SetExpr::Select(_) | SetExpr::Values(_) | SetExpr::Table(_) => None,
            SetExpr::Query(query) => query_writes(query),
            SetExpr::SetOperation { left, right, .. } => {
                body_writes(left).or_else(|| body_writes(right))
            }
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
                Some(DATA_CHANGE)
            }
        }
    }
    query
        .with
        .iter()
        .flat_map(|with| &with.cte_tables)
        .find_map(|cte| query_writes(&cte.query))
        .or_else(|| body_writes(&query.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double_quote(name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    fn backtick(name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }

    /// Checks every case, reporting all mismatches at once.
    fn check(dialect: SqlDialect, cases: &[(&str, Derived)]) {
        let quote: &dyn Fn(&str) -> String = match dialect {
            SqlDialect::Mysql => &backtick,
            _ => &double_quote,
        };
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|(sql, want)| {
                let got = derive(sql, dialect, quote);
                (got != *want).then(|| format!("{sql}\n   want {want:?}\n   got  {got:?}"))
            })
            .collect();
        assert!(failures.is_empty(), "{dialect}:\n{}", failures.join("\n"));
    }

    fn ex(inverse: &[&str], probe: Option<Probe>) -> Derived {
        exact(inverse.iter().map(|s| s.to_string()).collect(), probe)
    }

    fn none() -> Derived {
        nothing_to_undo()
    }

    fn cap(capture: Capture, probe: Option<Probe>) -> Derived {
        Derived::NeedsCapture { capture, probe }
    }

    fn unk(reason: &str, probe: Option<Probe>) -> Derived {
        unknown(reason, probe)
    }

    fn table(name: &str, exists_after: bool) -> Option<Probe> {
        Some(Probe::Table {
            name: name.into(),
            exists_after,
        })
    }

    fn column(table: &str, column: &str, exists_after: bool) -> Option<Probe> {
        Some(Probe::Column {
            table: table.into(),
            column: column.into(),
            exists_after,
        })
    }

    fn index(table: Option<&str>, name: &str, exists_after: bool) -> Option<Probe> {
        Some(Probe::Index {
            table: table.map(Into::into),
            name: name.into(),
            exists_after,
        })
    }

    fn view(name: &str, exists_after: bool) -> Option<Probe> {
        Some(Probe::View {
            name: name.into(),
            exists_after,
        })
    }

    fn constraint(table: &str, name: &str, exists_after: bool) -> Option<Probe> {
        Some(Probe::Constraint {
            table: table.into(),
            name: name.into(),
            exists_after,
        })
    }

    fn cap_table(table: &str) -> Capture {
        Capture::Table {
            table: table.into(),
        }
    }

    fn cap_column(table: &str, column: &str, renamed_to: Option<&str>, dropped: bool) -> Capture {
        Capture::Column {
            table: table.into(),
            column: column.into(),
            renamed_to: renamed_to.map(Into::into),
            dropped,
        }
    }

    fn cap_index(table: Option<&str>, name: &str) -> Capture {
        Capture::Index {
            table: table.map(Into::into),
            name: name.into(),
        }
    }

    fn cap_view(name: &str) -> Capture {
        Capture::View { name: name.into() }
    }

    const UNNAMED: &str = "the constraint is unnamed: the engine generates its name";
    const IF_NOT_EXISTS: &str = "CREATE TABLE IF NOT EXISTS may not have created the table";
    const NO_CONSTRAINT: &str = "the constraint's definition is not captured";

    #[test]
    fn postgres() {
        check(
            SqlDialect::Postgres,
            &[
                (
                    "CREATE TABLE users (id int PRIMARY KEY)",
                    ex(&[r#"DROP TABLE "users""#], table("users", true)),
                ),
                // Unquoted names fold to lower case; quoted ones keep theirs.
                (
                    "CREATE TABLE Users (id int)",
                    ex(&[r#"DROP TABLE "users""#], table("users", true)),
                ),
                (
                    r#"CREATE TABLE "Users" (id int)"#,
                    ex(&[r#"DROP TABLE "Users""#], table("Users", true)),
                ),
                (
                    r#"CREATE TABLE App."Users" (id int)"#,
                    ex(&[r#"DROP TABLE "app"."Users""#], table("app.Users", true)),
                ),
                (
                    "CREATE TABLE IF NOT EXISTS t (a int)",
                    unk(IF_NOT_EXISTS, table("t", true)),
                ),
                ("CREATE TEMP TABLE t (a int)", none()),
                (
                    "CREATE TABLE t2 AS SELECT * FROM t",
                    ex(&[r#"DROP TABLE "t2""#], table("t2", true)),
                ),
                (
                    "CREATE UNIQUE INDEX users_email ON users (email)",
                    ex(
                        &[r#"DROP INDEX "users_email""#],
                        index(Some("users"), "users_email", true),
                    ),
                ),
                (
                    "CREATE INDEX CONCURRENTLY i ON s.t (a)",
                    ex(
                        &[r#"DROP INDEX CONCURRENTLY "s"."i""#],
                        index(Some("s.t"), "i", true),
                    ),
                ),
                (
                    "CREATE INDEX ON t (a)",
                    unk("the index is unnamed: the engine generates its name", None),
                ),
                (
                    "CREATE INDEX IF NOT EXISTS i ON t (a)",
                    unk(
                        "CREATE INDEX IF NOT EXISTS may not have created the index",
                        index(Some("t"), "i", true),
                    ),
                ),
                (
                    "CREATE VIEW v AS SELECT 1",
                    ex(&[r#"DROP VIEW "v""#], view("v", true)),
                ),
                (
                    "CREATE MATERIALIZED VIEW mv AS SELECT 1",
                    ex(&[r#"DROP MATERIALIZED VIEW "mv""#], None),
                ),
                (
                    "CREATE OR REPLACE VIEW v AS SELECT 1",
                    unk(
                        "CREATE OR REPLACE VIEW may have replaced an existing view, whose definition is not captured",
                        view("v", true),
                    ),
                ),
                (
                    "CREATE SEQUENCE s.seq",
                    ex(&[r#"DROP SEQUENCE "s"."seq""#], None),
                ),
                ("CREATE SCHEMA app", ex(&[r#"DROP SCHEMA "app""#], None)),
                (
                    "CREATE SCHEMA AUTHORIZATION bob",
                    ex(&[r#"DROP SCHEMA "bob""#], None),
                ),
                (
                    "CREATE SCHEMA IF NOT EXISTS app",
                    unk(
                        "CREATE SCHEMA IF NOT EXISTS may not have created the schema",
                        None,
                    ),
                ),
                (
                    "CREATE TYPE mood AS ENUM ('sad', 'ok')",
                    ex(&[r#"DROP TYPE "mood""#], None),
                ),
                (
                    "CREATE DOMAIN posint AS int",
                    ex(&[r#"DROP DOMAIN "posint""#], None),
                ),
                (
                    "CREATE EXTENSION hstore",
                    ex(&[r#"DROP EXTENSION "hstore""#], None),
                ),
                (
                    "CREATE TRIGGER tr BEFORE INSERT ON s.t FOR EACH ROW EXECUTE FUNCTION f()",
                    ex(&[r#"DROP TRIGGER "tr" ON "s"."t""#], None),
                ),
                (
                    "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a'",
                    unk(
                        "a routine may overload or replace another, so no inverse is derived",
                        None,
                    ),
                ),
                (
                    "ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT ''",
                    ex(
                        &[r#"ALTER TABLE "users" DROP COLUMN "email""#],
                        column("users", "email", true),
                    ),
                ),
                (
                    "ALTER TABLE users ADD COLUMN IF NOT EXISTS email text",
                    unk(
                        "ADD COLUMN IF NOT EXISTS may not have added the column",
                        column("users", "email", true),
                    ),
                ),
                (
                    "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)",
                    ex(
                        &[r#"ALTER TABLE "orders" DROP CONSTRAINT "orders_user_fk""#],
                        constraint("orders", "orders_user_fk", true),
                    ),
                ),
                (
                    "ALTER TABLE ONLY t ADD CONSTRAINT k CHECK (a > 0) NOT VALID",
                    ex(
                        &[r#"ALTER TABLE ONLY "t" DROP CONSTRAINT "k""#],
                        constraint("t", "k", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY (a)",
                    ex(
                        &[r#"ALTER TABLE "t" DROP CONSTRAINT "t_pk""#],
                        constraint("t", "t_pk", true),
                    ),
                ),
                ("ALTER TABLE t ADD UNIQUE (a)", unk(UNNAMED, None)),
                ("ALTER TABLE t ADD PRIMARY KEY (a)", unk(UNNAMED, None)),
                (
                    "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u (id)",
                    unk(UNNAMED, None),
                ),
                (
                    "ALTER TABLE t DROP CONSTRAINT k",
                    unk(NO_CONSTRAINT, constraint("t", "k", false)),
                ),
                (
                    "ALTER TABLE s.t RENAME TO u",
                    ex(
                        &[r#"ALTER TABLE "s"."u" RENAME TO "t""#],
                        table("s.u", true),
                    ),
                ),
                (
                    "ALTER TABLE t RENAME COLUMN a TO b",
                    ex(
                        &[r#"ALTER TABLE "t" RENAME COLUMN "b" TO "a""#],
                        column("t", "b", true),
                    ),
                ),
                (
                    "ALTER TABLE t RENAME CONSTRAINT a TO b",
                    ex(
                        &[r#"ALTER TABLE "t" RENAME CONSTRAINT "b" TO "a""#],
                        constraint("t", "b", true),
                    ),
                ),
                (
                    "ALTER INDEX s.i RENAME TO j",
                    ex(
                        &[r#"ALTER INDEX "s"."j" RENAME TO "i""#],
                        index(None, "s.j", true),
                    ),
                ),
                (
                    "ALTER TABLE t DROP COLUMN c",
                    cap(cap_column("t", "c", None, true), column("t", "c", false)),
                ),
                (
                    "ALTER TABLE t DROP COLUMN c CASCADE",
                    unk(
                        "CASCADE also drops the objects that depend on the column, whose definitions are not captured",
                        column("t", "c", false),
                    ),
                ),
                (
                    "ALTER TABLE t ALTER COLUMN c TYPE bigint",
                    cap(cap_column("t", "c", None, false), None),
                ),
                (
                    "ALTER TABLE t ALTER COLUMN c SET DATA TYPE bigint",
                    cap(cap_column("t", "c", None, false), None),
                ),
                (
                    "ALTER TABLE t ALTER COLUMN c SET NOT NULL",
                    cap(cap_column("t", "c", None, false), None),
                ),
                (
                    "ALTER TABLE t ALTER COLUMN c DROP NOT NULL",
                    cap(cap_column("t", "c", None, false), None),
                ),
                (
                    "ALTER TABLE t ALTER COLUMN c SET DEFAULT 0",
                    cap(cap_column("t", "c", None, false), None),
                ),
                (
                    "ALTER TABLE t ALTER COLUMN c DROP DEFAULT",
                    cap(cap_column("t", "c", None, false), None),
                ),
                (
                    "ALTER TABLE t ALTER COLUMN c ADD GENERATED ALWAYS AS IDENTITY",
                    ex(&[r#"ALTER TABLE "t" ALTER COLUMN "c" DROP IDENTITY"#], None),
                ),
                // Several operations: one inverse each, in reverse order.
                (
                    "ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int, ADD CONSTRAINT k CHECK (a < b)",
                    ex(
                        &[
                            r#"ALTER TABLE "t" DROP CONSTRAINT "k""#,
                            r#"ALTER TABLE "t" DROP COLUMN "b""#,
                            r#"ALTER TABLE "t" DROP COLUMN "a""#,
                        ],
                        column("t", "a", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD COLUMN a int, DROP COLUMN b",
                    unk(
                        "one of the statement's operations needs a definition read before it runs, \
                         which cannot be combined with the other operations' inverses; \
                         one operation per ALTER TABLE statement can be undone",
                        column("t", "a", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD COLUMN a int, ADD UNIQUE (a)",
                    unk(UNNAMED, column("t", "a", true)),
                ),
                (
                    "DROP TABLE users",
                    cap(cap_table("users"), table("users", false)),
                ),
                (
                    "DROP TABLE IF EXISTS Users",
                    cap(cap_table("users"), table("users", false)),
                ),
                ("DROP TABLE s.t", cap(cap_table("s.t"), table("s.t", false))),
                (
                    "DROP TABLE a, b",
                    unk(
                        "the statement drops several tables; only a single dropped table's definition is captured",
                        None,
                    ),
                ),
                (
                    "DROP TABLE t CASCADE",
                    unk(
                        "CASCADE also drops the objects that depend on the table, whose definitions are not captured",
                        table("t", false),
                    ),
                ),
                (
                    "DROP INDEX s.i",
                    cap(cap_index(None, "s.i"), index(None, "s.i", false)),
                ),
                (
                    "DROP INDEX CONCURRENTLY IF EXISTS i",
                    cap(cap_index(None, "i"), index(None, "i", false)),
                ),
                ("DROP VIEW v", cap(cap_view("v"), view("v", false))),
                (
                    "DROP SEQUENCE s",
                    unk("the dropped sequence's definition is not captured", None),
                ),
                (
                    "DROP TRIGGER tr ON t",
                    unk("the trigger's definition is not captured", None),
                ),
                ("INSERT INTO t VALUES (1)", unk(DATA_CHANGE, None)),
                ("UPDATE t SET a = 1", unk(DATA_CHANGE, None)),
                ("DELETE FROM t", unk(DATA_CHANGE, None)),
                ("TRUNCATE t", unk(DATA_CHANGE, None)),
                (
                    "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
                    unk(DATA_CHANGE, None),
                ),
                (
                    "SELECT * INTO t2 FROM t",
                    unk(
                        "SELECT ... INTO creates a table or sets variables, and no inverse is derived",
                        None,
                    ),
                ),
                ("SELECT 1", none()),
                ("SET search_path TO app", none()),
                (
                    "COMMENT ON TABLE t IS 'x'",
                    unk(
                        "undoing a comment needs the previous one, which is not captured",
                        None,
                    ),
                ),
                (
                    "GRANT SELECT ON t TO bob",
                    unk(
                        "the privileges held before the statement are not known, so it is not undone",
                        None,
                    ),
                ),
                (
                    "CREATE TABLE (",
                    unk(
                        "the statement could not be parsed to derive an inverse: \
                         sql parser error: Expected: identifier, found: ( at Line: 1, Column: 14",
                        None,
                    ),
                ),
            ],
        );
    }

    #[test]
    fn mysql() {
        check(
            SqlDialect::Mysql,
            &[
                // Names keep their case.
                (
                    "CREATE TABLE Users (id INT)",
                    ex(&["DROP TABLE `Users`"], table("Users", true)),
                ),
                (
                    "CREATE TABLE app.users (id INT)",
                    ex(&["DROP TABLE `app`.`users`"], table("app.users", true)),
                ),
                (
                    "CREATE TABLE IF NOT EXISTS t (a INT)",
                    unk(IF_NOT_EXISTS, table("t", true)),
                ),
                (
                    "CREATE OR REPLACE TABLE t (a INT)",
                    unk(
                        "CREATE OR REPLACE TABLE may have replaced an existing table, whose definition is not captured",
                        table("t", true),
                    ),
                ),
                ("CREATE TEMPORARY TABLE t (a INT)", none()),
                (
                    "CREATE INDEX i ON t (a)",
                    ex(&["DROP INDEX `i` ON `t`"], index(Some("t"), "i", true)),
                ),
                (
                    "CREATE UNIQUE INDEX i ON app.t (a)",
                    ex(
                        &["DROP INDEX `i` ON `app`.`t`"],
                        index(Some("app.t"), "i", true),
                    ),
                ),
                (
                    "CREATE VIEW v AS SELECT 1",
                    ex(&["DROP VIEW `v`"], view("v", true)),
                ),
                ("CREATE DATABASE d", ex(&["DROP DATABASE `d`"], None)),
                (
                    "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
                    ex(&["DROP TRIGGER `tr`"], None),
                ),
                (
                    "CREATE DEFINER = `root`@`localhost` TRIGGER app.tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END",
                    ex(&["DROP TRIGGER `app`.`tr`"], None),
                ),
                (
                    "CREATE TRIGGER IF NOT EXISTS tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
                    unk(
                        "CREATE TRIGGER IF NOT EXISTS may not have created the trigger",
                        None,
                    ),
                ),
                (
                    "CREATE FUNCTION f() RETURNS INT DETERMINISTIC RETURN 1",
                    ex(&["DROP FUNCTION `f`"], None),
                ),
                (
                    "CREATE PROCEDURE p() BEGIN SELECT 1; END",
                    ex(&["DROP PROCEDURE `p`"], None),
                ),
                (
                    "CREATE DEFINER = CURRENT_USER() FUNCTION f() RETURNS INT RETURN 1",
                    ex(&["DROP FUNCTION `f`"], None),
                ),
                (
                    "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t",
                    ex(&["DROP EVENT `e`"], None),
                ),
                (
                    "CREATE OR REPLACE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
                    unk(
                        "CREATE OR REPLACE TRIGGER may have replaced an existing trigger, whose definition is not captured",
                        None,
                    ),
                ),
                (
                    "ALTER TABLE t ADD COLUMN c INT AFTER b",
                    ex(&["ALTER TABLE `t` DROP COLUMN `c`"], column("t", "c", true)),
                ),
                // How MySQL runs the statement leaves nothing to undo.
                (
                    "ALTER TABLE t ADD COLUMN c INT, ALGORITHM=INSTANT",
                    ex(&["ALTER TABLE `t` DROP COLUMN `c`"], column("t", "c", true)),
                ),
                (
                    "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id)",
                    ex(
                        &["ALTER TABLE `t` DROP FOREIGN KEY `fk`"],
                        constraint("t", "fk", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD CONSTRAINT uq UNIQUE (a)",
                    ex(
                        &["ALTER TABLE `t` DROP INDEX `uq`"],
                        index(Some("t"), "uq", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD UNIQUE KEY u_a (a)",
                    ex(
                        &["ALTER TABLE `t` DROP INDEX `u_a`"],
                        index(Some("t"), "u_a", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0)",
                    ex(
                        &["ALTER TABLE `t` DROP CONSTRAINT `ck`"],
                        constraint("t", "ck", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY (a)",
                    ex(
                        &["ALTER TABLE `t` DROP PRIMARY KEY"],
                        constraint("t", "PRIMARY", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD PRIMARY KEY (a)",
                    ex(
                        &["ALTER TABLE `t` DROP PRIMARY KEY"],
                        constraint("t", "PRIMARY", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD INDEX i (a)",
                    ex(
                        &["ALTER TABLE `t` DROP INDEX `i`"],
                        index(Some("t"), "i", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD KEY (a)",
                    unk("the index is unnamed: the engine generates its name", None),
                ),
                (
                    "ALTER TABLE t ADD FULLTEXT INDEX ft (a)",
                    ex(
                        &["ALTER TABLE `t` DROP INDEX `ft`"],
                        index(Some("t"), "ft", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u (id)",
                    unk(UNNAMED, None),
                ),
                ("ALTER TABLE t ADD UNIQUE (a)", unk(UNNAMED, None)),
                (
                    "ALTER TABLE t DROP FOREIGN KEY fk",
                    unk(NO_CONSTRAINT, constraint("t", "fk", false)),
                ),
                (
                    "ALTER TABLE t DROP PRIMARY KEY",
                    unk(
                        "the primary key's definition is not captured",
                        constraint("t", "PRIMARY", false),
                    ),
                ),
                (
                    "ALTER TABLE t DROP INDEX i",
                    cap(cap_index(Some("t"), "i"), index(Some("t"), "i", false)),
                ),
                (
                    "DROP INDEX i ON t",
                    cap(cap_index(Some("t"), "i"), index(Some("t"), "i", false)),
                ),
                (
                    "ALTER TABLE t MODIFY COLUMN c BIGINT",
                    cap(cap_column("t", "c", None, false), None),
                ),
                (
                    "ALTER TABLE t MODIFY c BIGINT NOT NULL",
                    cap(cap_column("t", "c", None, false), None),
                ),
                (
                    "ALTER TABLE t CHANGE COLUMN a b BIGINT",
                    cap(
                        cap_column("t", "a", Some("b"), false),
                        column("t", "b", true),
                    ),
                ),
                (
                    "ALTER TABLE t CHANGE a a BIGINT",
                    cap(cap_column("t", "a", None, false), None),
                ),
                // A change of case alone renames the column but no probe can tell.
                (
                    "ALTER TABLE t CHANGE a A BIGINT",
                    cap(cap_column("t", "a", Some("A"), false), None),
                ),
                (
                    "ALTER TABLE t ALTER COLUMN c SET DEFAULT 1",
                    cap(cap_column("t", "c", None, false), None),
                ),
                (
                    "ALTER TABLE t DROP COLUMN c",
                    cap(cap_column("t", "c", None, true), column("t", "c", false)),
                ),
                (
                    "ALTER TABLE t RENAME TO u",
                    ex(&["ALTER TABLE `u` RENAME TO `t`"], table("u", true)),
                ),
                (
                    "ALTER TABLE app.t RENAME AS u",
                    ex(&["ALTER TABLE `u` RENAME TO `app`.`t`"], table("u", true)),
                ),
                (
                    "ALTER TABLE t RENAME COLUMN a TO b",
                    ex(
                        &["ALTER TABLE `t` RENAME COLUMN `b` TO `a`"],
                        column("t", "b", true),
                    ),
                ),
                // The rename is undone first, whatever its place.
                (
                    "ALTER TABLE t RENAME TO u, ADD COLUMN c INT, ADD INDEX i (c)",
                    ex(
                        &[
                            "ALTER TABLE `u` RENAME TO `t`",
                            "ALTER TABLE `t` DROP INDEX `i`",
                            "ALTER TABLE `t` DROP COLUMN `c`",
                        ],
                        table("u", true),
                    ),
                ),
                (
                    "ALTER TABLE t DROP COLUMN a, DROP COLUMN b",
                    unk(
                        "one of the statement's operations needs a definition read before it runs, \
                         which cannot be combined with the other operations' inverses; \
                         one operation per ALTER TABLE statement can be undone",
                        column("t", "a", false),
                    ),
                ),
                (
                    "RENAME TABLE a TO b",
                    ex(&["RENAME TABLE `b` TO `a`"], table("b", true)),
                ),
                (
                    "RENAME TABLE a TO b, c TO d",
                    ex(&["RENAME TABLE `d` TO `c`, `b` TO `a`"], table("b", true)),
                ),
                ("DROP TABLE t", cap(cap_table("t"), table("t", false))),
                ("DROP TEMPORARY TABLE t", none()),
                (
                    "DROP VIEW IF EXISTS v",
                    cap(cap_view("v"), view("v", false)),
                ),
                ("REPLACE INTO t VALUES (1)", unk(DATA_CHANGE, None)),
                ("INSERT INTO t VALUES (1)", unk(DATA_CHANGE, None)),
                ("SET NAMES utf8mb4", none()),
                ("SELECT 1", none()),
            ],
        );
    }

    #[test]
    fn sqlite() {
        check(
            SqlDialect::Sqlite,
            &[
                (
                    "CREATE TABLE Users (id INTEGER PRIMARY KEY)",
                    ex(&[r#"DROP TABLE "Users""#], table("Users", true)),
                ),
                (
                    "CREATE TABLE [t] (a)",
                    ex(&[r#"DROP TABLE "t""#], table("t", true)),
                ),
                (
                    "CREATE TABLE IF NOT EXISTS t (a)",
                    unk(IF_NOT_EXISTS, table("t", true)),
                ),
                ("CREATE TEMP TABLE t (a)", none()),
                (
                    "CREATE VIRTUAL TABLE f USING fts5(a)",
                    ex(&[r#"DROP TABLE "f""#], table("f", true)),
                ),
                (
                    "CREATE INDEX i ON t (a)",
                    ex(&[r#"DROP INDEX "i""#], index(Some("t"), "i", true)),
                ),
                (
                    "CREATE INDEX aux.i ON t (a)",
                    ex(
                        &[r#"DROP INDEX "aux"."i""#],
                        index(Some("t"), "aux.i", true),
                    ),
                ),
                (
                    "CREATE VIEW v AS SELECT 1",
                    ex(&[r#"DROP VIEW "v""#], view("v", true)),
                ),
                (
                    "CREATE VIEW IF NOT EXISTS v AS SELECT 1",
                    unk(
                        "CREATE VIEW IF NOT EXISTS may not have created the view",
                        view("v", true),
                    ),
                ),
                ("CREATE TEMP VIEW v AS SELECT 1", none()),
                (
                    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE x SET a = 1; END",
                    ex(&[r#"DROP TRIGGER "tr""#], None),
                ),
                (
                    "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
                    none(),
                ),
                (
                    "CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN SELECT 1; END",
                    unk(
                        "CREATE TRIGGER IF NOT EXISTS may not have created the trigger",
                        None,
                    ),
                ),
                (
                    "ALTER TABLE t ADD COLUMN c TEXT",
                    ex(
                        &[r#"ALTER TABLE "t" DROP COLUMN "c""#],
                        column("t", "c", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD c",
                    ex(
                        &[r#"ALTER TABLE "t" DROP COLUMN "c""#],
                        column("t", "c", true),
                    ),
                ),
                (
                    "ALTER TABLE t DROP COLUMN c",
                    cap(cap_column("t", "c", None, true), column("t", "c", false)),
                ),
                (
                    "ALTER TABLE t RENAME TO u",
                    ex(&[r#"ALTER TABLE "u" RENAME TO "t""#], table("u", true)),
                ),
                (
                    "ALTER TABLE aux.t RENAME TO u",
                    ex(
                        &[r#"ALTER TABLE "aux"."u" RENAME TO "t""#],
                        table("aux.u", true),
                    ),
                ),
                (
                    "ALTER TABLE t RENAME COLUMN a TO b",
                    ex(
                        &[r#"ALTER TABLE "t" RENAME COLUMN "b" TO "a""#],
                        column("t", "b", true),
                    ),
                ),
                (
                    "ALTER TABLE t ADD CONSTRAINT k UNIQUE (a)",
                    unk("SQLite has no ALTER TABLE ... ADD CONSTRAINT", None),
                ),
                ("DROP TABLE t", cap(cap_table("t"), table("t", false))),
                (
                    "DROP INDEX IF EXISTS i",
                    cap(cap_index(None, "i"), index(None, "i", false)),
                ),
                ("DROP VIEW v", cap(cap_view("v"), view("v", false))),
                ("DELETE FROM t WHERE a = 1", unk(DATA_CHANGE, None)),
                ("PRAGMA foreign_keys = OFF", none()),
                ("PRAGMA foreign_keys = 0", none()),
                ("PRAGMA user_version", none()),
                (
                    "PRAGMA user_version = 3",
                    unk(
                        "PRAGMA user_version changes a setting whose previous value is not captured",
                        None,
                    ),
                ),
                ("SELECT 1", none()),
            ],
        );
    }

    #[test]
    fn generic() {
        check(
            SqlDialect::Generic,
            &[
                // The generic family keeps names as written.
                (
                    "CREATE TABLE Users (id INT)",
                    ex(&[r#"DROP TABLE "Users""#], table("Users", true)),
                ),
                (
                    "CREATE INDEX i ON s.t (a)",
                    ex(&[r#"DROP INDEX "s"."i""#], index(Some("s.t"), "i", true)),
                ),
                (
                    "ALTER TABLE t ADD CONSTRAINT k UNIQUE (a)",
                    ex(
                        &[r#"ALTER TABLE "t" DROP CONSTRAINT "k""#],
                        constraint("t", "k", true),
                    ),
                ),
                (
                    "ALTER TABLE t ALTER COLUMN c SET NOT NULL",
                    cap(cap_column("t", "c", None, false), None),
                ),
                ("DROP TABLE t", cap(cap_table("t"), table("t", false))),
                ("UPDATE t SET a = 1", unk(DATA_CHANGE, None)),
            ],
        );
    }

    #[test]
    fn text_that_is_not_one_statement() {
        let quote = double_quote;
        assert_eq!(derive("", SqlDialect::Postgres, &quote), none());
        assert!(matches!(
            derive(
                "CREATE TABLE a (x int); CREATE TABLE b (x int)",
                SqlDialect::Postgres,
                &quote
            ),
            Derived::Unknown { .. }
        ));
        let Derived::Unknown {
            reason,
            probe: None,
        } = derive("FROB THE TABLE", SqlDialect::Sqlite, &quote)
        else {
            panic!("an unparsable statement has no inverse");
        };
        assert!(
            reason.starts_with("the statement could not be parsed to derive an inverse: "),
            "{reason}"
        );
    }

    #[test]
    fn names_are_quoted_with_the_engines_quoting() {
        // The quoting closure escapes; the derived names are raw.
        let got = derive(
            r#"CREATE TABLE "we""ird" (a int)"#,
            SqlDialect::Postgres,
            &double_quote,
        );
        assert_eq!(
            got,
            ex(&[r#"DROP TABLE "we""ird""#], table("we\"ird", true))
        );
        let got = derive("CREATE TABLE `a``b` (a int)", SqlDialect::Mysql, &backtick);
        assert_eq!(got, ex(&["DROP TABLE `a``b`"], table("a`b", true)));
    }
}
