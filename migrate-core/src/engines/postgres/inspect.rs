//! PostgreSQL's catalog as a [`Schema`]: the current schema of the session
//! (`current_schema()`), read from `pg_catalog` in seven queries whatever
//! the number of tables, through [`Backend::query`].
//!
//! Partitions are left out (their partitioned table stands for them), and
//! so are sequences that a column owns (`SERIAL`, identity): those columns
//! are auto-increment instead. A table in another schema is named
//! `schema.table` where a foreign key references it.

use std::collections::BTreeMap;

use crate::backend::Backend;
use crate::dialect::SqlDialect;
use crate::error::Result;
use crate::schema::normalize::{self, data_type, default_value, expression};
use crate::schema::row::{Row, rows};
use crate::schema::{
    Check, Column, ForeignKey, Index, Schema, Scope, Sequence, Table, Trigger, View, own_tables,
};

const PG: SqlDialect = SqlDialect::Postgres;

/// The oid of the session's current schema.
const SCHEMA: &str = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())";

/// The tables inspected, as the alias `c` of `pg_class`.
fn tables_in(scope: Scope<'_>) -> String {
    format!(
        "c.relnamespace = {SCHEMA} AND c.relkind IN ('r', 'p') AND NOT c.relispartition{}",
        scope.exact_condition("c.relname", false)
    )
}

/// Reads `scope` of `backend`'s current schema.
pub async fn inspect<B: Backend + ?Sized>(backend: &mut B, scope: Scope<'_>) -> Result<Schema> {
    let tables_sql = tables_in(scope);
    let sql = format!(
        "SELECT c.relname::text, current_schema()::text FROM pg_class c WHERE {tables_sql} ORDER BY 1"
    );
    let found = rows(backend, "tables", &sql, &[]).await?;
    let current = found.first().map(|r| r.text(1)).unwrap_or_default();
    let location = backend.location();
    let own = if location.schema.as_deref().is_none_or(|s| s == current) {
        own_tables(location).to_vec()
    } else {
        Vec::new()
    };
    let mut tables: BTreeMap<String, Table> = found
        .iter()
        .map(|r| r.text(0))
        .filter(|name| !own.contains(name))
        .map(|name| (name.clone(), Table::new(name)))
        .collect();

    columns(backend, &mut tables, &tables_sql).await?;
    constraints(backend, &mut tables, &tables_sql, &current).await?;
    indexes(backend, &mut tables, &tables_sql).await?;
    let triggers = triggers(backend, &own, scope).await?;
    let (views, sequences) = match scope.whole() {
        true => (views(backend).await?, sequences(backend).await?),
        false => (BTreeMap::new(), BTreeMap::new()),
    };
    Ok(Schema {
        tables,
        views,
        triggers,
        sequences,
    }
    .sorted())
}

async fn columns<B: Backend + ?Sized>(
    backend: &mut B,
    tables: &mut BTreeMap<String, Table>,
    tables_sql: &str,
) -> Result<()> {
    let sql = format!(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
         a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE {tables_sql} AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY c.relname, a.attnum"
    );
    for row in rows(backend, "columns", &sql, &[]).await? {
        let Some(table) = tables.get_mut(&row.text(0)) else {
            continue;
        };
        let data_type = data_type(PG, &row.text(2));
        let identity = !row.text(5).is_empty();
        let generated = !row.text(6).is_empty();
        let raw_default = row.opt_text(4).filter(|_| !generated);
        let serial = raw_default
            .as_deref()
            .is_some_and(|d| d.trim_start().starts_with("nextval("));
        table.columns.push(Column {
            name: row.text(1),
            nullable: !row.flag(3),
            default: raw_default
                .filter(|_| !serial)
                .and_then(|d| default_value(PG, &d, &data_type)),
            auto_increment: identity || serial,
            data_type,
        });
    }
    Ok(())
}

/// Primary keys, foreign keys and checks: one row per key column.
async fn constraints<B: Backend + ?Sized>(
    backend: &mut B,
    tables: &mut BTreeMap<String, Table>,
    tables_sql: &str,
    current: &str,
) -> Result<()> {
    let sql = format!(
        "SELECT c.relname::text, k.conname::text, k.contype::text, \
         a.attname::text, fc.relname::text, fn.nspname::text, fa.attname::text, \
         k.confdeltype::text, k.confupdtype::text, \
         CASE WHEN k.contype = 'c' THEN pg_get_expr(k.conbin, k.conrelid, true) END \
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
         LEFT JOIN LATERAL unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(attnum, fattnum, ord) \
           ON true \
         LEFT JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum \
         LEFT JOIN pg_class fc ON fc.oid = k.confrelid \
         LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace \
         LEFT JOIN pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = u.fattnum \
         WHERE {tables_sql} AND k.contype IN ('p', 'f', 'c') \
         ORDER BY c.relname, k.conname, u.ord"
    );
    let found = rows(backend, "constraints", &sql, &[]).await?;
    let mut last: Option<(String, String)> = None;
    for row in found {
        let (table_name, name) = (row.text(0), row.text(1));
        let Some(table) = tables.get_mut(&table_name) else {
            continue;
        };
        let first = last.as_ref() != Some(&(table_name.clone(), name.clone()));
        last = Some((table_name, name.clone()));
        match row.text(2).as_str() {
            "p" => table.primary_key.extend(row.opt_text(3)),
            "c" if first => table.checks.push(Check {
                name: Some(name),
                expression: expression(PG, &row.text(9)),
            }),
            "f" => {
                if first {
                    let schema = row.text(5);
                    let referenced = if schema == current {
                        row.text(4)
                    } else {
                        format!("{schema}.{}", row.text(4))
                    };
                    table.foreign_keys.push(ForeignKey {
                        name: Some(name),
                        columns: Vec::new(),
                        referenced_table: referenced,
                        referenced_columns: Vec::new(),
                        on_delete: action(&row.text(7)),
                        on_update: action(&row.text(8)),
                    });
                }
                if let Some(fk) = table.foreign_keys.last_mut() {
                    fk.columns.extend(row.opt_text(3));
                    fk.referenced_columns.extend(row.opt_text(6));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// A foreign key action from its letter in `pg_constraint`.
fn action(code: &str) -> String {
    let words = match code {
        "r" => "restrict",
        "c" => "cascade",
        "n" => "set null",
        "d" => "set default",
        _ => "no action",
    };
    normalize::referential_action(PG, words)
}

/// Every index but primary keys': one row per key part. A key part's
/// column name is a subquery: joined, PostgreSQL scans the whole of
/// `pg_attribute` for it, every table's columns for one table's indexes.
async fn indexes<B: Backend + ?Sized>(
    backend: &mut B,
    tables: &mut BTreeMap<String, Table>,
    tables_sql: &str,
) -> Result<()> {
    let sql = format!(
        "SELECT c.relname::text, i.relname::text, x.indisunique, \
         CASE WHEN x.indkey[k.ord - 1] = 0 THEN pg_get_indexdef(x.indexrelid, k.ord, true) END, \
         (SELECT a.attname::text FROM pg_attribute a \
           WHERE a.attrelid = x.indrelid AND a.attnum = x.indkey[k.ord - 1]), \
         (x.indoption[k.ord - 1] & 1)::int8, pg_get_expr(x.indpred, x.indrelid, true) \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class c ON c.oid = x.indrelid \
         CROSS JOIN LATERAL generate_series(1, x.indnkeyatts::int4) AS k(ord) \
         WHERE {tables_sql} AND NOT x.indisprimary \
         ORDER BY c.relname, i.relname, k.ord"
    );
    for row in rows(backend, "indexes", &sql, &[]).await? {
        let Some(table) = tables.get_mut(&row.text(0)) else {
            continue;
        };
        let name = row.text(1);
        if table.indexes.last().is_none_or(|i| i.name != name) {
            table.indexes.push(Index {
                name,
                unique: row.flag(2),
                columns: Vec::new(),
                predicate: row.opt_text(6).map(|p| expression(PG, &p)),
            });
        }
        let mut part = match row.opt_text(3) {
            Some(expr) => format!("({})", expression(PG, &expr)),
            None => row.text(4),
        };
        if row.int(5) != 0 {
            part.push_str(" desc");
        }
        if let Some(index) = table.indexes.last_mut() {
            index.columns.push(part);
        }
    }
    Ok(())
}

async fn views<B: Backend + ?Sized>(backend: &mut B) -> Result<BTreeMap<String, View>> {
    let sql = format!(
        "SELECT c.relname::text, pg_get_viewdef(c.oid, true) FROM pg_class c \
         WHERE c.relnamespace = {SCHEMA} AND c.relkind = 'v' ORDER BY 1"
    );
    Ok(rows(backend, "views", &sql, &[])
        .await?
        .into_iter()
        .map(|row| {
            let name = row.text(0);
            let query = row.text(1);
            let definition = expression(PG, query.trim().trim_end_matches(';'));
            (name.clone(), View { name, definition })
        })
        .collect())
}

async fn triggers<B: Backend + ?Sized>(
    backend: &mut B,
    own: &[String],
    scope: Scope<'_>,
) -> Result<BTreeMap<String, Trigger>> {
    let sql = format!(
        "SELECT t.tgname::text, c.relname::text, pg_get_triggerdef(t.oid, true) \
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
         WHERE c.relnamespace = {SCHEMA} AND NOT t.tgisinternal{} ORDER BY 2, 1",
        scope.exact_condition("c.relname", false)
    );
    let found: Vec<Trigger> = rows(backend, "triggers", &sql, &[])
        .await?
        .into_iter()
        .map(|row| Trigger {
            name: row.text(0),
            table: row.text(1),
            definition: expression(PG, &row.text(2)),
        })
        .filter(|t| !own.contains(&t.table))
        .collect();
    Ok(keyed_triggers(found))
}

/// Triggers by name, or by `table.name` where the name is on several
/// tables.
fn keyed_triggers(found: Vec<Trigger>) -> BTreeMap<String, Trigger> {
    let shared = |name: &str| found.iter().filter(|t| t.name == name).count() > 1;
    found
        .iter()
        .map(|t| {
            let key = if shared(&t.name) {
                format!("{}.{}", t.table, t.name)
            } else {
                t.name.clone()
            };
            (key, t.clone())
        })
        .collect()
}

/// Sequences no column owns.
async fn sequences<B: Backend + ?Sized>(backend: &mut B) -> Result<BTreeMap<String, Sequence>> {
    let sql = format!(
        "SELECT c.relname::text, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, \
         s.seqmin, s.seqmax, s.seqcycle \
         FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
         WHERE c.relnamespace = {SCHEMA} AND NOT EXISTS (SELECT 1 FROM pg_depend d \
           WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid \
           AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 \
           AND d.deptype IN ('a', 'i')) \
         ORDER BY 1"
    );
    Ok(rows(backend, "sequences", &sql, &[])
        .await?
        .into_iter()
        .map(|row: Row| {
            let name = row.text(0);
            let sequence = Sequence {
                name: name.clone(),
                data_type: data_type(PG, &row.text(1)),
                start: row.int(2),
                increment: row.int(3),
                min_value: row.int(4),
                max_value: row.int(5),
                cycle: row.flag(6),
            };
            (name, sequence)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_sharing_a_name_are_keyed_by_table() {
        let trigger = |name: &str, table: &str| Trigger {
            name: name.into(),
            table: table.into(),
            definition: String::new(),
        };
        let keyed = keyed_triggers(vec![
            trigger("audit", "a"),
            trigger("audit", "b"),
            trigger("stamp", "a"),
        ]);
        assert_eq!(
            keyed.keys().collect::<Vec<_>>(),
            ["a.audit", "b.audit", "stamp"]
        );
    }

    #[test]
    fn actions_by_letter() {
        assert_eq!(action("a"), "no action");
        assert_eq!(action("r"), "restrict");
        assert_eq!(action("c"), "cascade");
        assert_eq!(action("n"), "set null");
        assert_eq!(action("d"), "set default");
    }
}
