//! MySQL's and MariaDB's catalog as a [`Schema`]: the connection's database
//! (`DATABASE()`), read from `information_schema` in nine queries whatever
//! the number of tables, through [`Backend::query`].
//!
//! What the two servers report differently:
//! - MariaDB stores `JSON` as `LONGTEXT` with a check `json_valid(col)`
//!   named after the column: that pair reads as a `json` column, without
//!   the check.
//! - MariaDB quotes a literal default (`'x'`) and MySQL does not (`x`,
//!   with `DEFAULT_GENERATED` in `EXTRA` for an expression), so MySQL's
//!   literals are quoted before they are normalized.
//! - Checks are in `CHECK_CONSTRAINTS` from MariaDB 10.2 and MySQL 8.0.16;
//!   an older server reports none. MariaDB names a column's check after the
//!   column and an unnamed table check `CONSTRAINT_1`, ...
//! - Index expressions (MySQL 8.0.13) are read from
//!   `STATISTICS.EXPRESSION` where it exists; MariaDB has none.
//!
//! InnoDB keeps an index for every foreign key, named after the key when
//! it had to create one: it shows among the table's indexes. A view's
//! query is MySQL's rewrite of it, with the names qualified by the table;
//! the database's own name is taken out of it.

use std::collections::BTreeMap;

use crate::backend::Backend;
use crate::dialect::SqlDialect;
use crate::error::Result;
use crate::schema::normalize::{self, data_type, default_value, expression};
use crate::schema::row::rows;
use crate::schema::{
    Check, Column, ForeignKey, Index, Schema, Scope, Table, Trigger, View, own_tables,
};

const MY: SqlDialect = SqlDialect::Mysql;

/// What this server's `information_schema` has.
struct Features {
    mariadb: bool,
    index_expressions: bool,
    checks: bool,
    checks_name_their_table: bool,
}

/// Reads `scope` of `backend`'s database.
pub async fn inspect<B: Backend + ?Sized>(backend: &mut B, scope: Scope<'_>) -> Result<Schema> {
    let features = features(backend).await?;
    let own = own_tables(backend.location());
    let mut tables: BTreeMap<String, Table> = rows(
        backend,
        "tables",
        &format!(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED'){} ORDER BY TABLE_NAME",
            in_scope(scope, "TABLE_NAME")
        ),
        &[],
    )
    .await?
    .into_iter()
    .map(|row| row.text(0))
    .filter(|name| !own.contains(name))
    .map(|name| (name.clone(), Table::new(name)))
    .collect();

    columns(backend, &mut tables, &features, scope).await?;
    indexes(backend, &mut tables, &features, scope).await?;
    foreign_keys(backend, &mut tables, scope).await?;
    if features.checks {
        checks(backend, &mut tables, &features, scope).await?;
    }
    let database = backend.location().database.clone();
    let views = match scope.whole() {
        true => views(backend, &database).await?,
        false => BTreeMap::new(),
    };
    let triggers = triggers(backend, &tables, scope).await?;
    Ok(Schema {
        tables,
        views,
        triggers,
        sequences: BTreeMap::new(),
    }
    .sorted())
}

/// `AND` the condition that `column` names a table in scope, compared
/// exactly: `information_schema` then opens only those tables, where a
/// function of the name would make it open every table of the database.
fn in_scope(scope: Scope<'_>, column: &str) -> String {
    scope.exact_condition(column, true)
}

async fn features<B: Backend + ?Sized>(backend: &mut B) -> Result<Features> {
    let has = |table: &str, column: &str| {
        format!("SUM(TABLE_NAME = '{table}' AND COLUMN_NAME = '{column}')")
    };
    // One pass over the two tables' columns, not one per question.
    let sql = format!(
        "SELECT VERSION(), {}, {}, {} FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = 'information_schema' \
         AND TABLE_NAME IN ('STATISTICS', 'CHECK_CONSTRAINTS')",
        has("STATISTICS", "EXPRESSION"),
        has("CHECK_CONSTRAINTS", "CHECK_CLAUSE"),
        has("CHECK_CONSTRAINTS", "TABLE_NAME")
    );
    let found = rows(backend, "server's features", &sql, &[]).await?;
    let row = found.first();
    let flag = |i: usize| row.is_some_and(|r| r.int(i) > 0);
    Ok(Features {
        mariadb: row.is_some_and(|r| r.text(0).to_ascii_lowercase().contains("mariadb")),
        index_expressions: flag(1),
        checks: flag(2),
        checks_name_their_table: flag(3),
    })
}

async fn columns<B: Backend + ?Sized>(
    backend: &mut B,
    tables: &mut BTreeMap<String, Table>,
    features: &Features,
    scope: Scope<'_>,
) -> Result<()> {
    let found = rows(
        backend,
        "columns",
        &format!(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE(){} \
             ORDER BY TABLE_NAME, ORDINAL_POSITION",
            in_scope(scope, "TABLE_NAME")
        ),
        &[],
    )
    .await?;
    for row in found {
        let Some(table) = tables.get_mut(&row.text(0)) else {
            continue;
        };
        let data_type = data_type(MY, &row.text(2));
        let extra = row.text(5).to_ascii_lowercase();
        let generated = (extra.contains("generated") && !extra.contains("default_generated"))
            || extra.contains("persistent");
        let raw = row.opt_text(4).filter(|_| !generated).map(|d| {
            if features.mariadb || extra.contains("default_generated") {
                d
            } else {
                crate::schema::tokens::quote(&d)
            }
        });
        table.columns.push(Column {
            name: row.text(1),
            nullable: row.text(3).eq_ignore_ascii_case("yes"),
            default: raw.and_then(|d| default_value(MY, &d, &data_type)),
            auto_increment: extra.contains("auto_increment"),
            data_type,
        });
    }
    Ok(())
}

/// Indexes, the primary key's among them: one row per key part.
async fn indexes<B: Backend + ?Sized>(
    backend: &mut B,
    tables: &mut BTreeMap<String, Table>,
    features: &Features,
    scope: Scope<'_>,
) -> Result<()> {
    let sql = format!(
        "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION, SUB_PART, {} \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE(){} \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        if features.index_expressions {
            "EXPRESSION"
        } else {
            "NULL"
        },
        in_scope(scope, "TABLE_NAME")
    );
    for row in rows(backend, "indexes", &sql, &[]).await? {
        let Some(table) = tables.get_mut(&row.text(0)) else {
            continue;
        };
        let name = row.text(1);
        let mut part = match (row.opt_text(3), row.opt_text(6)) {
            (Some(column), _) => column,
            (None, Some(expr)) => format!("({})", expression(MY, &expr)),
            (None, None) => "(?)".to_string(),
        };
        if let Some(prefix) = row.opt_int(5) {
            part.push_str(&format!("({prefix})"));
        }
        if name == "PRIMARY" {
            table.primary_key.push(part);
            continue;
        }
        if row.text(4) == "D" {
            part.push_str(" desc");
        }
        if table.indexes.last().is_none_or(|i| i.name != name) {
            table.indexes.push(Index {
                name,
                unique: row.int(2) == 0,
                columns: Vec::new(),
                predicate: None,
            });
        }
        if let Some(index) = table.indexes.last_mut() {
            index.columns.push(part);
        }
    }
    Ok(())
}

/// Foreign keys: one row per key column.
async fn foreign_keys<B: Backend + ?Sized>(
    backend: &mut B,
    tables: &mut BTreeMap<String, Table>,
    scope: Scope<'_>,
) -> Result<()> {
    // The actions come from a query of their own: joined to the key
    // columns, `REFERENTIAL_CONSTRAINTS` is read for every database of the
    // server, whatever the condition on it.
    let actions: BTreeMap<(String, String), (String, String)> = rows(
        backend,
        "foreign key actions",
        &format!(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE \
             FROM information_schema.REFERENTIAL_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = DATABASE(){}",
            in_scope(scope, "TABLE_NAME")
        ),
        &[],
    )
    .await?
    .into_iter()
    .map(|row| ((row.text(0), row.text(1)), (row.text(2), row.text(3))))
    .collect();
    let found = rows(
        backend,
        "foreign keys",
        &format!(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, \
             REFERENCED_TABLE_SCHEMA = DATABASE(), REFERENCED_TABLE_NAME, \
             REFERENCED_COLUMN_NAME, REFERENCED_TABLE_SCHEMA \
             FROM information_schema.KEY_COLUMN_USAGE \
             WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL{} \
             ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION",
            in_scope(scope, "TABLE_NAME")
        ),
        &[],
    )
    .await?;
    for row in found {
        let Some(table) = tables.get_mut(&row.text(0)) else {
            continue;
        };
        let name = row.text(1);
        if table
            .foreign_keys
            .last()
            .is_none_or(|fk| fk.name.as_deref() != Some(&name))
        {
            let referenced = if row.flag(3) {
                row.text(4)
            } else {
                format!("{}.{}", row.text(6), row.text(4))
            };
            let (on_update, on_delete) = actions
                .get(&(row.text(0), name.clone()))
                .cloned()
                .unwrap_or_default();
            table.foreign_keys.push(ForeignKey {
                name: Some(name),
                columns: Vec::new(),
                referenced_table: referenced,
                referenced_columns: Vec::new(),
                on_delete: normalize::referential_action(MY, &on_delete),
                on_update: normalize::referential_action(MY, &on_update),
            });
        }
        if let Some(fk) = table.foreign_keys.last_mut() {
            fk.columns.push(row.text(2));
            fk.referenced_columns.push(row.text(5));
        }
    }
    Ok(())
}

/// Checks; MariaDB's `json_valid` check of a `JSON` column makes that
/// column `json` instead.
async fn checks<B: Backend + ?Sized>(
    backend: &mut B,
    tables: &mut BTreeMap<String, Table>,
    features: &Features,
    scope: Scope<'_>,
) -> Result<()> {
    let sql = if features.checks_name_their_table {
        format!(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = DATABASE(){} ORDER BY TABLE_NAME, CONSTRAINT_NAME",
            in_scope(scope, "TABLE_NAME")
        )
    } else {
        format!(
            "SELECT t.TABLE_NAME, c.CONSTRAINT_NAME, c.CHECK_CLAUSE \
             FROM information_schema.TABLE_CONSTRAINTS t JOIN information_schema.CHECK_CONSTRAINTS c \
               ON c.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = t.CONSTRAINT_NAME \
             WHERE t.TABLE_SCHEMA = DATABASE() AND t.CONSTRAINT_TYPE = 'CHECK'{} \
             ORDER BY t.TABLE_NAME, c.CONSTRAINT_NAME",
            in_scope(scope, "t.TABLE_NAME")
        )
    };
    for row in rows(backend, "checks", &sql, &[]).await? {
        let Some(table) = tables.get_mut(&row.text(0)) else {
            continue;
        };
        let name = row.text(1);
        let check = expression(MY, &row.text(2));
        if check == format!("json_valid({})", expression(MY, &format!("`{name}`")))
            && let Some(column) = table
                .columns
                .iter_mut()
                .find(|c| c.name == name && c.data_type == "text")
        {
            column.data_type = "json".into();
            continue;
        }
        table.checks.push(Check {
            name: Some(name),
            expression: check,
        });
    }
    Ok(())
}

async fn views<B: Backend + ?Sized>(
    backend: &mut B,
    database: &str,
) -> Result<BTreeMap<String, View>> {
    let qualifier = format!("`{}`.", database.replace('`', "``"));
    Ok(rows(
        backend,
        "views",
        "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS \
         WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
        &[],
    )
    .await?
    .into_iter()
    .map(|row| {
        let name = row.text(0);
        let definition = expression(MY, &row.text(1).replace(&qualifier, ""));
        (name.clone(), View { name, definition })
    })
    .collect())
}

async fn triggers<B: Backend + ?Sized>(
    backend: &mut B,
    tables: &BTreeMap<String, Table>,
    scope: Scope<'_>,
) -> Result<BTreeMap<String, Trigger>> {
    Ok(rows(
        backend,
        "triggers",
        &format!(
            "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, \
             ACTION_ORIENTATION, ACTION_STATEMENT FROM information_schema.TRIGGERS \
             WHERE TRIGGER_SCHEMA = DATABASE(){} ORDER BY TRIGGER_NAME",
            in_scope(scope, "EVENT_OBJECT_TABLE")
        ),
        &[],
    )
    .await?
    .into_iter()
    .filter(|row| tables.contains_key(&row.text(1)))
    .map(|row| {
        let name = row.text(0);
        let table = row.text(1);
        let written = format!(
            "{} {} ON `{}` FOR EACH {} {}",
            row.text(2),
            row.text(3),
            table.replace('`', "``"),
            row.text(4),
            row.text(5)
        );
        let trigger = Trigger {
            name: name.clone(),
            table,
            definition: expression(MY, &written),
        };
        (name, trigger)
    })
    .collect())
}
