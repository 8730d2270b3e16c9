//! A database's schema as engine-neutral lines, so that SQLite, PostgreSQL
//! and MySQL schemas built from the same portable migrations can be compared
//! with each other: tables, columns (normalized type, nullability, default),
//! secondary indexes and foreign keys.

use mysql_async::prelude::Queryable;

use super::db::{Kind, Scratch};

/// Engine-neutral description of every user table.
pub async fn shape(db: &Scratch) -> Vec<String> {
    let mut lines = Vec::new();
    for table in db.tables().await {
        lines.push(format!("table {table}"));
        let (columns, indexes, fks) = match db.kind {
            Kind::Sqlite => sqlite(db, &table),
            Kind::Postgres => postgres(db, &table).await,
            Kind::Mysql => mysql(db, &table).await,
        };
        lines.extend(columns);
        let mut indexes = indexes;
        indexes.sort();
        lines.extend(indexes);
        let mut fks = fks;
        fks.sort();
        lines.extend(fks);
    }
    lines
}

type Parts = (Vec<String>, Vec<String>, Vec<String>);

/// `integer`, `string(100)`, `decimal(10,2)`...: one name per portable type.
fn normal_type(
    raw: &str,
    length: Option<i64>,
    precision: Option<i64>,
    scale: Option<i64>,
) -> String {
    let t = raw.to_ascii_lowercase();
    let args = t.find('(').map(|i| t[i + 1..t.len() - 1].to_string());
    let base = t.split('(').next().unwrap_or("").trim().to_string();
    match base.as_str() {
        "tinyint" if args.as_deref() == Some("1") => "boolean".into(),
        "bool" | "boolean" => "boolean".into(),
        "int" | "integer" | "int4" => "integer".into(),
        "bigint" | "int8" => "bigint".into(),
        "smallint" | "int2" => "smallint".into(),
        "varchar" | "character varying" => {
            format!(
                "string({})",
                length.map(|l| l.to_string()).or(args).unwrap_or_default()
            )
        }
        "text" | "longtext" => "text".into(),
        "decimal" | "numeric" => match (precision, scale) {
            (Some(p), Some(s)) => format!("decimal({p},{s})"),
            _ => format!("decimal({})", args.unwrap_or_default().replace(' ', "")),
        },
        "date" => "date".into(),
        "datetime" | "timestamp" | "timestamp without time zone" => "timestamp".into(),
        other => other.into(),
    }
}

/// A default without the engine's quoting and casts: `'x'::text` -> `x`.
fn normal_default(raw: Option<String>) -> String {
    let Some(raw) = raw else { return String::new() };
    let mut d = raw.trim().to_string();
    if d.eq_ignore_ascii_case("null") {
        return String::new();
    }
    if let Some(i) = d.find("::") {
        d.truncate(i);
    }
    let d = d.trim_matches('\'').to_string();
    // 0.00 and 0 are the same default for a decimal.
    match d.parse::<f64>() {
        Ok(n) => format!(" default {n}"),
        Err(_) => format!(" default {d}"),
    }
}

fn column_line(name: &str, ty: String, nullable: bool, pk: bool, default: String) -> String {
    let null = if pk {
        " primary key"
    } else if nullable {
        " null"
    } else {
        " not null"
    };
    format!("  column {name} {ty}{null}{default}")
}

fn sqlite(db: &Scratch, table: &str) -> Parts {
    let c = rusqlite::Connection::open(db.url.strip_prefix("sqlite://").unwrap()).unwrap();
    let mut columns = Vec::new();
    let mut stmt = c
        .prepare(&format!("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}') ORDER BY cid"))
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .unwrap();
    for row in rows {
        let (name, ty, notnull, default, pk) = row.unwrap();
        columns.push(column_line(
            &name,
            normal_type(&ty, None, None, None),
            notnull == 0,
            pk > 0,
            normal_default(default),
        ));
    }
    let mut indexes = Vec::new();
    let mut list = c
        .prepare(&format!(
            "SELECT name, \"unique\" FROM pragma_index_list('{table}') WHERE origin != 'pk'"
        ))
        .unwrap();
    let names: Vec<(String, i64)> = list
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (name, unique) in names {
        let mut info = c
            .prepare(&format!(
                "SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"
            ))
            .unwrap();
        let cols: Vec<String> = info
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        indexes.push(index_line(&name, unique != 0, &cols));
    }
    let mut fks = Vec::new();
    let mut fk = c
        .prepare(&format!(
            "SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list('{table}')"
        ))
        .unwrap();
    let rows = fk
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .unwrap();
    for row in rows {
        let (from, to_table, to, on_delete) = row.unwrap();
        fks.push(fk_line(&from, &to_table, &to, &on_delete));
    }
    (columns, indexes, fks)
}

fn index_line(name: &str, unique: bool, columns: &[String]) -> String {
    format!(
        "  {}index {name} ({})",
        if unique { "unique " } else { "" },
        columns.join(", ")
    )
}

fn fk_line(from: &str, table: &str, to: &str, on_delete: &str) -> String {
    let action = on_delete.to_ascii_lowercase().replace('_', " ");
    let action = if action == "no action" || action == "restrict" || action.is_empty() {
        "no action".to_string()
    } else {
        action
    };
    format!("  foreign key ({from}) references {table} ({to}) on delete {action}")
}

async fn postgres(db: &Scratch, table: &str) -> Parts {
    let (client, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let pk: Vec<String> = client
        .query(
            "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::text::regclass AND i.indisprimary",
            &[&table],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut columns = Vec::new();
    for r in client
        .query(
            "SELECT column_name::text, data_type::text, character_maximum_length::bigint, numeric_precision::bigint, numeric_scale::bigint, is_nullable::text, column_default::text \
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            &[&table],
        )
        .await
        .unwrap()
    {
        let name: String = r.get(0);
        let ty: String = r.get(1);
        let is_pk = pk.contains(&name);
        columns.push(column_line(
            &name,
            normal_type(&ty, r.get(2), r.get(3), r.get(4)),
            r.get::<_, String>(5) == "YES",
            is_pk,
            normal_default(r.get(6)),
        ));
    }
    let mut indexes = Vec::new();
    for r in client
        .query(
            "SELECT c.relname::text, ix.indisunique, array_agg(a.attname::text ORDER BY k.ord) \
             FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid \
             JOIN unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) ON true \
             JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum \
             WHERE ix.indrelid = $1::text::regclass AND NOT ix.indisprimary GROUP BY c.relname, ix.indisunique",
            &[&table],
        )
        .await
        .unwrap()
    {
        let cols: Vec<String> = r.get(2);
        indexes.push(index_line(&r.get::<_, String>(0), r.get(1), &cols));
    }
    let mut fks = Vec::new();
    for r in client
        .query(
            "SELECT a.attname::text, rc.relname::text, ra.attname::text, c.confdeltype::text \
             FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
             JOIN pg_class rc ON rc.oid = c.confrelid JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] \
             WHERE c.conrelid = $1::text::regclass AND c.contype = 'f'",
            &[&table],
        )
        .await
        .unwrap()
    {
        let action = match r.get::<_, String>(3).as_str() {
            "c" => "cascade",
            "n" => "set null",
            "r" => "restrict",
            _ => "no action",
        };
        fks.push(fk_line(&r.get::<_, String>(0), &r.get::<_, String>(1), &r.get::<_, String>(2), action));
    }
    (columns, indexes, fks)
}

async fn mysql(db: &Scratch, table: &str) -> Parts {
    let mut c = mysql_async::Conn::new(mysql_async::Opts::from_url(&db.url).unwrap())
        .await
        .unwrap();
    type Col = (
        String,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        String,
        Option<String>,
        String,
        String,
    );
    let rows: Vec<Col> = c
        .exec(
            "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_KEY, DATA_TYPE \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            (table,),
        )
        .await
        .unwrap();
    let columns = rows
        .into_iter()
        .map(
            |(name, column_type, length, precision, scale, nullable, default, key, data_type)| {
                let ty = if column_type.starts_with("tinyint(1)") {
                    column_type
                } else {
                    data_type
                };
                let (precision, scale) = if ty == "decimal" {
                    (precision, scale)
                } else {
                    (None, None)
                };
                column_line(
                    &name,
                    normal_type(&ty, length, precision, scale),
                    nullable == "YES",
                    key == "PRI",
                    normal_default(default),
                )
            },
        )
        .collect();
    let stats: Vec<(String, i64, String)> = c
        .exec(
            "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME != 'PRIMARY' ORDER BY INDEX_NAME, SEQ_IN_INDEX",
            (table,),
        )
        .await
        .unwrap();
    let mut grouped: Vec<(String, bool, Vec<String>)> = Vec::new();
    for (name, non_unique, column) in stats {
        match grouped.last_mut() {
            Some(last) if last.0 == name => last.2.push(column),
            _ => grouped.push((name, non_unique == 0, vec![column])),
        }
    }
    let indexes = grouped
        .iter()
        .map(|(n, u, cols)| index_line(n, *u, cols))
        .collect();
    let fk_rows: Vec<(String, String, String, String)> = c
        .exec(
            "SELECT k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.DELETE_RULE \
             FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
             ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL",
            (table,),
        )
        .await
        .unwrap();
    let fks = fk_rows
        .iter()
        .map(|(f, t, to, d)| fk_line(f, t, to, d))
        .collect();
    let _ = c.disconnect().await;
    (columns, indexes, fks)
}
