//! The statement journal on PostgreSQL: probes answered from the catalog,
//! and the inverses of destructive statements rebuilt from the catalog
//! (`pg_get_indexdef`, `pg_get_viewdef`, `pg_get_constraintdef`,
//! `format_type`, ...) before the statement runs.
//!
//! Names are resolved the way the statement resolves them: by the search
//! path (`to_regclass`), and written back as `regclass` prints them, so
//! that a restored object lands in the schema it was in.
//!
//! A dropped table is rebuilt when it uses only what can be rebuilt from
//! the catalog: columns (types, collations, defaults, identity, generated
//! expressions, owned sequences), constraints, indexes, triggers and
//! comments. Partitioned, inherited, typed and temporary tables, and tables
//! with row security or rules, get no inverse and a note saying why.

use migrate_core::Result;
use migrate_core::backend::Dialect;
use migrate_core::journal::{Capture, Probe, Restore};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::PostgresDialect;
use crate::conn::Conn;

/// The oid of the relation named by the text parameter `$1` as a statement
/// names it (unquoted; `schema.name` when that is how it is found), by the
/// search path; NULL when there is none.
const RESOLVE: &str = "COALESCE(to_regclass(quote_ident($1)), CASE WHEN strpos($1, '.') > 0 \
     THEN to_regclass(quote_ident(split_part($1, '.', 1)) || '.' \
     || quote_ident(substr($1, strpos($1, '.') + 1))) END)";

/// Whether the object a probe names exists now, by the search path.
pub(crate) async fn probe(conn: &Conn, probe: &Probe) -> Result<Option<bool>> {
    let relation = |kinds: &str| {
        format!(
            "SELECT EXISTS (SELECT 1 FROM pg_class WHERE oid = {RESOLVE} AND relkind IN ({kinds}))"
        )
    };
    let (sql, params): (String, Vec<&str>) = match probe {
        Probe::Table { name, .. } => (relation("'r', 'p', 'f'"), vec![name]),
        Probe::View { name, .. } => (relation("'v', 'm'"), vec![name]),
        // Index names belong to a schema, not to a table.
        Probe::Index { name, .. } => (relation("'i', 'I'"), vec![name]),
        Probe::Column { table, column, .. } => (
            format!(
                "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {RESOLVE} \
                 AND attname = $2::text AND attnum > 0 AND NOT attisdropped)"
            ),
            vec![table, column],
        ),
        Probe::Constraint { table, name, .. } => (
            format!(
                "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = {RESOLVE} \
                 AND conname = $2::text)"
            ),
            vec![table, name],
        ),
    };
    let params: Vec<&(dyn ToSql + Sync)> =
        params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
    let row = conn
        .client
        .query_one(&sql, &params)
        .await
        .map_err(|e| conn.error("cannot look for the object", e))?;
    Ok(Some(row.get(0)))
}

/// Reads what `capture` names and builds what restores it; `Err` says what
/// could not be read.
pub(crate) async fn restore(conn: &Conn, capture: &Capture, statement: &str) -> Captured<Restore> {
    restore_capture(&Catalog { conn }, capture, changes_type(statement)).await
}

type Captured<T> = std::result::Result<T, String>;

/// Queries on the catalog, failing with a message for the journal's note.
struct Catalog<'a> {
    conn: &'a Conn,
}

impl Catalog<'_> {
    async fn rows(
        &self,
        what: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Captured<Vec<Row>> {
        self.conn
            .client
            .query(sql, params)
            .await
            .map_err(|e| format!("cannot read {what}: {}", self.conn.describe(&e)))
    }

    /// The first column of every row, as text.
    async fn texts(
        &self,
        what: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Captured<Vec<String>> {
        let rows = self.rows(what, sql, params).await?;
        Ok(rows.iter().filter_map(|r| r.get(0)).collect())
    }
}

/// A table, view or index found by name.
struct Relation {
    oid: u32,
    /// As `regclass` prints it: quoted, qualified when not on the path.
    name: String,
}

async fn relation(cat: &Catalog<'_>, name: &str, kinds: &str) -> Captured<Option<Relation>> {
    let sql = format!(
        "SELECT c.oid, c.oid::regclass::text FROM pg_class c \
         WHERE c.oid = {RESOLVE} AND c.relkind IN ({kinds})"
    );
    let rows = cat
        .rows(&format!("the definition of {name}"), &sql, &[&name])
        .await?;
    Ok(rows.first().map(|r| Relation {
        oid: r.get(0),
        name: r.get(1),
    }))
}

/// Reads what `capture` names and builds its inverse; `Err` says what
/// could not be read or rebuilt.
async fn restore_capture(
    cat: &Catalog<'_>,
    capture: &Capture,
    changes_type: bool,
) -> Captured<Restore> {
    #[allow(unreachable_patterns)]
    match capture {
        Capture::Index { name, .. } => restore_index(cat, name).await,
        Capture::View { name } => restore_view(cat, name).await,
        Capture::Column {
            table,
            column,
            dropped: true,
            ..
        } => restore_dropped_column(cat, table, column).await,
        Capture::Column {
            table,
            column,
            renamed_to,
            dropped: false,
        } => {
            let current = renamed_to.as_deref().unwrap_or(column);
            restore_changed_column(cat, table, column, current, changes_type).await
        }
        Capture::Table { table } => restore_table(cat, table).await,
        _ => Err("this engine cannot capture that definition".into()),
    }
}

async fn restore_index(cat: &Catalog<'_>, name: &str) -> Captured<Restore> {
    let sql = format!(
        "SELECT pg_get_indexdef(c.oid), c.relkind::text, \
         'COMMENT ON INDEX ' || c.oid::regclass::text || ' IS ' \
         || quote_literal(obj_description(c.oid, 'pg_class')) \
         FROM pg_class c WHERE c.oid = {RESOLVE} AND c.relkind IN ('i', 'I')"
    );
    let rows = cat
        .rows(&format!("the definition of {name}"), &sql, &[&name])
        .await?;
    let Some(row) = rows.first() else {
        return Ok(Restore::nothing());
    };
    let mut definition: String = row.get(0);
    if row.get::<_, String>(1) == "I" {
        // The index of a partitioned table: dropping it dropped those of
        // the partitions too, which creating it without ONLY brings back.
        definition = definition.replacen(" ON ONLY ", " ON ", 1);
    }
    let mut inverse = vec![definition];
    inverse.extend(row.get::<_, Option<String>>(2));
    Ok(Restore::exact(inverse))
}

async fn restore_view(cat: &Catalog<'_>, name: &str) -> Captured<Restore> {
    let what = format!("the definition of {name}");
    let sql = format!(
        "SELECT c.oid, c.oid::regclass::text, c.relkind::text, pg_get_viewdef(c.oid), \
         array_to_string(c.reloptions, ', '), c.relispopulated, \
         'COMMENT ON ' || CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW ' ELSE 'VIEW ' END \
         || c.oid::regclass::text || ' IS ' || quote_literal(obj_description(c.oid, 'pg_class')) \
         FROM pg_class c WHERE c.oid = {RESOLVE} AND c.relkind IN ('v', 'm')"
    );
    let rows = cat.rows(&what, &sql, &[&name]).await?;
    let Some(row) = rows.first() else {
        return Ok(Restore::nothing());
    };
    let oid: u32 = row.get(0);
    let materialized = row.get::<_, String>(2) == "m";
    let mut inverse = vec![create_view(
        &row.get::<_, String>(1),
        materialized,
        row.get::<_, Option<String>>(4).as_deref(),
        &row.get::<_, String>(3),
        row.get(5),
    )];
    if materialized {
        inverse.extend(indexes(cat, oid, None).await?);
    }
    inverse.extend(row.get::<_, Option<String>>(6));
    inverse.extend(column_comments(cat, oid, None).await?);
    Ok(Restore::exact(inverse))
}

/// `CREATE [MATERIALIZED] VIEW name [WITH (options)] AS <definition>`.
fn create_view(
    name: &str,
    materialized: bool,
    options: Option<&str>,
    definition: &str,
    populated: bool,
) -> String {
    let definition = definition.trim();
    let definition = definition.strip_suffix(';').unwrap_or(definition);
    let mut sql = String::from(if materialized {
        "CREATE MATERIALIZED VIEW "
    } else {
        "CREATE VIEW "
    });
    sql.push_str(name);
    if let Some(options) = options.filter(|o| !o.is_empty()) {
        sql.push_str(&format!(" WITH ({options})"));
    }
    sql.push_str(" AS\n");
    sql.push_str(definition);
    if materialized && !populated {
        sql.push_str("\nWITH NO DATA");
    }
    sql
}

/// A column as the catalog describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Column {
    num: i16,
    /// Quoted.
    name: String,
    /// `format_type` of its type and modifier.
    data_type: String,
    not_null: bool,
    /// Its default, or its generation expression.
    default: Option<String>,
    /// `a` (always), `d` (by default) or empty.
    identity: String,
    /// `s` (stored), `v` (virtual) or empty.
    generated: String,
    /// When not its type's default: qualified and quoted.
    collation: Option<String>,
    /// The sequence it owns (`serial`, identity).
    sequence: Option<Sequence>,
    /// `COMMENT ON COLUMN ...` when it has a comment.
    comment: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Sequence {
    /// Qualified and quoted.
    name: String,
    /// The name as a string literal.
    literal: String,
    data_type: String,
    start: i64,
    increment: i64,
    min: i64,
    max: i64,
    cache: i64,
    cycle: bool,
    /// Its last value, when it gave one and may be read.
    last: Option<i64>,
}

impl Column {
    /// Whether a value comes for the rows when it is added back.
    fn fills_rows(&self) -> bool {
        self.default.is_some() || !self.identity.is_empty() || !self.generated.is_empty()
    }

    /// Its sequence when that is a `serial` one, made and owned apart.
    fn serial(&self) -> Option<&Sequence> {
        self.sequence.as_ref().filter(|_| self.identity.is_empty())
    }
}

/// `AS type INCREMENT BY ... CYCLE`, the options of a sequence.
fn sequence_options(s: &Sequence, with_type: bool) -> String {
    let mut options = String::new();
    if with_type {
        options.push_str(&format!("AS {} ", s.data_type));
    }
    options.push_str(&format!(
        "INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}",
        s.increment,
        s.min,
        s.max,
        s.start,
        s.cache,
        if s.cycle { "CYCLE" } else { "NO CYCLE" }
    ));
    options
}

/// A column's definition as `CREATE TABLE` and `ADD COLUMN` take it;
/// `NOT NULL` only when `not_null`.
fn column_definition(c: &Column, not_null: bool) -> String {
    let mut def = format!("{} {}", c.name, c.data_type);
    if let Some(collation) = &c.collation {
        def.push_str(&format!(" COLLATE {collation}"));
    }
    let expression = c.default.as_deref().unwrap_or("NULL");
    match (c.generated.as_str(), c.identity.as_str()) {
        ("s", _) => def.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED")),
        ("v", _) => def.push_str(&format!(" GENERATED ALWAYS AS ({expression}) VIRTUAL")),
        (_, kind @ ("a" | "d")) => {
            def.push_str(if kind == "a" {
                " GENERATED ALWAYS AS IDENTITY"
            } else {
                " GENERATED BY DEFAULT AS IDENTITY"
            });
            if let Some(s) = &c.sequence {
                def.push_str(&format!(
                    " (SEQUENCE NAME {} {})",
                    s.name,
                    sequence_options(s, false)
                ));
            }
        }
        _ => {
            if let Some(default) = &c.default {
                def.push_str(&format!(" DEFAULT {default}"));
            }
        }
    }
    if not_null {
        def.push_str(" NOT NULL");
    }
    def
}

/// What puts a column's sequence back: statements before the column is
/// made (`CREATE SEQUENCE` of a serial), and after (ownership, position).
fn sequence_statements(c: &Column, table: &str) -> (Vec<String>, Vec<String>) {
    let (mut before, mut after) = (Vec::new(), Vec::new());
    if let Some(s) = c.serial() {
        before.push(format!(
            "CREATE SEQUENCE {} {}",
            s.name,
            sequence_options(s, true)
        ));
        after.push(format!(
            "ALTER SEQUENCE {} OWNED BY {table}.{}",
            s.name, c.name
        ));
    }
    if let Some(s) = &c.sequence
        && let Some(last) = s.last
    {
        after.push(format!("SELECT setval({}, {last})", s.literal));
    }
    (before, after)
}

/// The columns of a table (or just `only`), in order.
async fn columns(cat: &Catalog<'_>, oid: u32, only: Option<&str>) -> Captured<Vec<Column>> {
    let sql = "SELECT a.attnum, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), \
         a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, \
         a.attgenerated::text, \
         CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation \
              THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END, \
         s.name, quote_literal(s.name), format_type(sq.seqtypid, NULL), sq.seqstart, \
         sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache, sq.seqcycle, \
         CASE WHEN has_sequence_privilege(sq.seqrelid, 'SELECT,USAGE') \
              THEN pg_sequence_last_value(sq.seqrelid) END, \
         'COMMENT ON COLUMN ' || a.attrelid::regclass::text || '.' || quote_ident(a.attname) \
         || ' IS ' || quote_literal(col_description(a.attrelid, a.attnum)) \
         FROM pg_attribute a \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         LEFT JOIN pg_collation co ON co.oid = a.attcollation \
         LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace \
         LEFT JOIN LATERAL (SELECT pg_get_serial_sequence(a.attrelid::regclass::text, \
              a.attname::text) AS name) s ON true \
         LEFT JOIN pg_sequence sq ON sq.seqrelid = to_regclass(s.name) \
         WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped \
           AND ($2::text IS NULL OR a.attname = $2::text) \
         ORDER BY a.attnum";
    let rows = cat.rows("the columns", sql, &[&oid, &only]).await?;
    Ok(rows
        .iter()
        .map(|r| Column {
            num: r.get(0),
            name: r.get(1),
            data_type: r.get(2),
            not_null: r.get(3),
            default: r.get(4),
            identity: r.get(5),
            generated: r.get(6),
            collation: r.get(7),
            sequence: r.get::<_, Option<String>>(8).and_then(|name| {
                Some(Sequence {
                    name,
                    literal: r.get(9),
                    data_type: r.get::<_, Option<String>>(10)?,
                    start: r.get(11),
                    increment: r.get(12),
                    min: r.get(13),
                    max: r.get(14),
                    cache: r.get(15),
                    cycle: r.get(16),
                    last: r.get(17),
                })
            }),
            comment: r.get(18),
        })
        .collect())
}

/// `CREATE INDEX` of the indexes of a table that no constraint makes (of
/// those that use column `only`, when given).
async fn indexes(cat: &Catalog<'_>, oid: u32, only: Option<i16>) -> Captured<Vec<String>> {
    let sql = "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i \
         WHERE i.indrelid = $1 \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint con \
                WHERE con.conindid = i.indexrelid AND con.conrelid = $1) \
           AND ($2::int2 IS NULL OR $2::int2 = ANY(i.indkey::int2[]) \
                OR i.indexrelid IN (SELECT objid FROM pg_depend \
                    WHERE classid = 'pg_class'::regclass AND refclassid = 'pg_class'::regclass \
                      AND refobjid = $1 AND refobjsubid = $2::int2)) \
         ORDER BY i.indexrelid";
    cat.texts("the indexes", sql, &[&oid, &only]).await
}

/// `ALTER TABLE ... ADD CONSTRAINT` of the constraints of a table, or of
/// those that use its column `only` (on this table, or foreign keys of
/// other tables that point at it); keys first, foreign keys last.
async fn constraints(cat: &Catalog<'_>, oid: u32, only: Option<i16>) -> Captured<Vec<String>> {
    let sql = "SELECT 'ALTER TABLE ' || con.conrelid::regclass::text || ' ADD CONSTRAINT ' \
         || quote_ident(con.conname) || ' ' || pg_get_constraintdef(con.oid) \
         FROM pg_constraint con \
         WHERE con.contype IN ('p', 'u', 'x', 'c', 'f') AND CASE WHEN $2::int2 IS NULL \
           THEN con.conrelid = $1 \
           ELSE (con.conrelid = $1 AND $2::int2 = ANY(con.conkey)) \
             OR (con.confrelid = $1 AND $2::int2 = ANY(con.confkey)) END \
         ORDER BY CASE con.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'x' THEN 2 \
           WHEN 'c' THEN 3 ELSE 4 END, con.conrelid = $1 DESC, con.conname";
    cat.texts("the constraints", sql, &[&oid, &only]).await
}

/// `COMMENT ON COLUMN` of the columns that have a comment.
async fn column_comments(cat: &Catalog<'_>, oid: u32, only: Option<&str>) -> Captured<Vec<String>> {
    Ok(columns(cat, oid, only)
        .await?
        .into_iter()
        .filter_map(|c| c.comment)
        .collect())
}

async fn restore_dropped_column(cat: &Catalog<'_>, table: &str, column: &str) -> Captured<Restore> {
    let Some(rel) = relation(cat, table, "'r', 'p', 'f'").await? else {
        return Ok(Restore::nothing());
    };
    let Some(c) = columns(cat, rel.oid, Some(column)).await?.pop() else {
        return Ok(Restore::nothing());
    };
    let mut note = format!("the values of {table}.{column} cannot come back; it comes back last");
    let not_null = c.not_null && c.fills_rows();
    if c.not_null && !not_null {
        note.push_str("; its NOT NULL cannot come back without values");
    }
    let (mut inverse, after) = sequence_statements(&c, &rel.name);
    inverse.push(format!(
        "ALTER TABLE {} ADD COLUMN {}",
        rel.name,
        column_definition(&c, not_null)
    ));
    inverse.extend(after);
    // Dropping a column drops the constraints and indexes that use it.
    let keys = constraints(cat, rel.oid, Some(c.num)).await?;
    if keys
        .iter()
        .any(|k| k.contains(" PRIMARY KEY ") || k.contains(" UNIQUE "))
    {
        note.push_str("; its unique keys come back only where its rows get distinct values");
    }
    inverse.extend(keys);
    inverse.extend(indexes(cat, rel.oid, Some(c.num)).await?);
    inverse.extend(c.comment);
    Ok(Restore::lossy(inverse, note))
}

async fn restore_changed_column(
    cat: &Catalog<'_>,
    table: &str,
    column: &str,
    current: &str,
    changes_type: bool,
) -> Captured<Restore> {
    let Some(rel) = relation(cat, table, "'r', 'p', 'f'").await? else {
        return Ok(Restore::nothing());
    };
    let Some(c) = columns(cat, rel.oid, Some(column)).await?.pop() else {
        return Ok(Restore::nothing());
    };
    let renamed = (current != column).then(|| PostgresDialect.quote_identifier(current));
    let inverse = rechange_column(&rel.name, &c, renamed.as_deref(), changes_type);
    Ok(if changes_type {
        Restore::lossy(
            inverse,
            "values converted by the change may not convert back exactly",
        )
    } else {
        Restore::exact(inverse)
    })
}

/// Whether a statement that changes a column may change its type: it says
/// `TYPE` (`ALTER COLUMN c [SET DATA] TYPE ...`). Changing a type back is
/// refused for a column that a view or a generated column uses, so the
/// inverse of `SET/DROP NOT NULL` and `SET/DROP DEFAULT` leaves the type
/// alone.
fn changes_type(sql: &str) -> bool {
    sql.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| word.eq_ignore_ascii_case("TYPE"))
}

/// What gives a column its old default and nullability back, its type
/// when `with_type`, and its old name when the change `renamed` it
/// (quoted).
fn rechange_column(
    table: &str,
    old: &Column,
    renamed: Option<&str>,
    with_type: bool,
) -> Vec<String> {
    let mut inverse = Vec::new();
    if let Some(current) = renamed {
        inverse.push(format!(
            "ALTER TABLE {table} RENAME COLUMN {current} TO {}",
            old.name
        ));
    }
    let c = &old.name;
    let plain = old.identity.is_empty() && old.generated.is_empty();
    let mut clauses = Vec::new();
    if plain {
        // A default of the new type may not convert back: drop it first.
        clauses.push(format!("ALTER COLUMN {c} DROP DEFAULT"));
    }
    if with_type {
        let mut data_type = old.data_type.clone();
        if let Some(collation) = &old.collation {
            data_type.push_str(&format!(" COLLATE {collation}"));
        }
        // A generated column takes no USING: its expression is computed anew.
        let using = if old.generated.is_empty() {
            format!(" USING {c}::{}", old.data_type)
        } else {
            String::new()
        };
        clauses.push(format!("ALTER COLUMN {c} TYPE {data_type}{using}"));
    }
    if plain && let Some(default) = &old.default {
        clauses.push(format!("ALTER COLUMN {c} SET DEFAULT {default}"));
    }
    clauses.push(format!(
        "ALTER COLUMN {c} {} NOT NULL",
        if old.not_null { "SET" } else { "DROP" }
    ));
    inverse.push(format!("ALTER TABLE {table} {}", clauses.join(", ")));
    inverse
}

/// What a table uses that cannot be rebuilt from the catalog here.
const UNSUPPORTED: &str = "SELECT CASE \
     WHEN c.relkind = 'p' OR c.relispartition THEN 'it is partitioned' \
     WHEN c.relkind = 'f' THEN 'it is a foreign table' \
     WHEN c.relpersistence = 't' THEN 'it is temporary' \
     WHEN c.reloftype <> 0 THEN 'it is a typed table' \
     WHEN EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid OR inhparent = c.oid) \
       THEN 'it takes part in inheritance' \
     WHEN c.relrowsecurity OR EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = c.oid) \
       THEN 'it has row security' \
     WHEN EXISTS (SELECT 1 FROM pg_rewrite WHERE ev_class = c.oid) THEN 'it has rules' \
     END, \
     c.relpersistence = 'u', array_to_string(c.reloptions, ', '), \
     (SELECT quote_ident(spcname) FROM pg_tablespace WHERE oid = c.reltablespace), \
     'COMMENT ON TABLE ' || c.oid::regclass::text || ' IS ' \
       || quote_literal(obj_description(c.oid, 'pg_class')) \
     FROM pg_class c WHERE c.oid = $1";

async fn restore_table(cat: &Catalog<'_>, table: &str) -> Captured<Restore> {
    let Some(rel) = relation(cat, table, "'r', 'p', 'f'").await? else {
        return Ok(Restore::nothing());
    };
    let what = format!("the definition of {table}");
    let rows = cat.rows(&what, UNSUPPORTED, &[&rel.oid]).await?;
    let Some(row) = rows.first() else {
        return Ok(Restore::nothing());
    };
    if let Some(why) = row.get::<_, Option<String>>(0) {
        return Err(format!(
            "PostgreSQL cannot report a table's full definition and {table} cannot be rebuilt from its catalog: {why}"
        ));
    }
    let cols = columns(cat, rel.oid, None).await?;
    let mut inverse = Vec::new();
    let mut after = Vec::new();
    for c in &cols {
        let (before, then) = sequence_statements(c, &rel.name);
        inverse.extend(before);
        after.extend(then);
    }
    inverse.push(create_table(
        &rel.name,
        &cols,
        row.get(1),
        row.get::<_, Option<String>>(2).as_deref(),
        row.get::<_, Option<String>>(3).as_deref(),
    ));
    inverse.extend(after);
    inverse.extend(constraints(cat, rel.oid, None).await?);
    inverse.extend(indexes(cat, rel.oid, None).await?);
    let sql = "SELECT pg_get_triggerdef(t.oid), CASE t.tgenabled WHEN 'D' THEN \
         'ALTER TABLE ' || t.tgrelid::regclass::text || ' DISABLE TRIGGER ' || quote_ident(t.tgname) END \
         FROM pg_trigger t WHERE t.tgrelid = $1 AND NOT t.tgisinternal ORDER BY t.tgname";
    for trigger in cat.rows("the triggers", sql, &[&rel.oid]).await? {
        inverse.push(trigger.get(0));
        inverse.extend(trigger.get::<_, Option<String>>(1));
    }
    inverse.extend(row.get::<_, Option<String>>(4));
    inverse.extend(cols.into_iter().filter_map(|c| c.comment));
    // Without CASCADE (which `derive` does not capture) the drop fails
    // while views or foreign keys of other tables depend on the table, so
    // those need no restoring.
    Ok(Restore::lossy(
        inverse,
        format!(
            "the rows of {table} cannot come back, nor its privileges, owner and storage settings"
        ),
    ))
}

/// `CREATE TABLE` of the columns; constraints and indexes come after.
fn create_table(
    name: &str,
    columns: &[Column],
    unlogged: bool,
    options: Option<&str>,
    tablespace: Option<&str>,
) -> String {
    let mut sql = format!(
        "CREATE {}TABLE {name} (",
        if unlogged { "UNLOGGED " } else { "" }
    );
    let definitions: Vec<String> = columns
        .iter()
        .map(|c| format!("\n    {}", column_definition(c, c.not_null)))
        .collect();
    sql.push_str(&definitions.join(","));
    sql.push_str("\n)");
    if let Some(options) = options.filter(|o| !o.is_empty()) {
        sql.push_str(&format!(" WITH ({options})"));
    }
    if let Some(tablespace) = tablespace {
        sql.push_str(&format!(" TABLESPACE {tablespace}"));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, data_type: &str) -> Column {
        Column {
            num: 1,
            name: name.into(),
            data_type: data_type.into(),
            ..Column::default()
        }
    }

    fn sequence() -> Sequence {
        Sequence {
            name: "public.t_id_seq".into(),
            literal: "'public.t_id_seq'".into(),
            data_type: "integer".into(),
            start: 1,
            increment: 1,
            min: 1,
            max: 2147483647,
            cache: 1,
            cycle: false,
            last: Some(42),
        }
    }

    #[test]
    fn column_definitions() {
        let mut c = column("\"a b\"", "character varying(20)");
        assert_eq!(
            column_definition(&c, false),
            "\"a b\" character varying(20)"
        );
        c.collation = Some("pg_catalog.\"C\"".into());
        c.default = Some("'x'::character varying".into());
        c.not_null = true;
        assert_eq!(
            column_definition(&c, true),
            "\"a b\" character varying(20) COLLATE pg_catalog.\"C\" DEFAULT 'x'::character varying NOT NULL"
        );
        assert_eq!(
            column_definition(&c, false),
            "\"a b\" character varying(20) COLLATE pg_catalog.\"C\" DEFAULT 'x'::character varying"
        );
        let mut g = column("g", "integer");
        g.generated = "s".into();
        g.default = Some("(a + 1)".into());
        assert_eq!(
            column_definition(&g, false),
            "g integer GENERATED ALWAYS AS ((a + 1)) STORED"
        );
        let mut id = column("id", "bigint");
        id.identity = "d".into();
        id.not_null = true;
        id.sequence = Some(sequence());
        assert_eq!(
            column_definition(&id, true),
            "id bigint GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME public.t_id_seq \
             INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1 NO CYCLE) NOT NULL"
        );
        assert!(id.fills_rows());
        assert!(!column("x", "int").fills_rows());
    }

    #[test]
    fn serial_sequences_are_made_before_and_owned_after() {
        let mut id = column("id", "integer");
        id.default = Some("nextval('t_id_seq'::regclass)".into());
        id.sequence = Some(sequence());
        let (before, after) = sequence_statements(&id, "public.t");
        assert_eq!(
            before,
            vec![
                "CREATE SEQUENCE public.t_id_seq AS integer INCREMENT BY 1 MINVALUE 1 \
                 MAXVALUE 2147483647 START WITH 1 CACHE 1 NO CYCLE"
            ]
        );
        assert_eq!(
            after,
            vec![
                "ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id",
                "SELECT setval('public.t_id_seq', 42)"
            ]
        );
        id.identity = "a".into();
        let (before, after) = sequence_statements(&id, "t");
        assert!(before.is_empty());
        assert_eq!(after, vec!["SELECT setval('public.t_id_seq', 42)"]);
        assert_eq!(
            sequence_statements(&column("x", "int"), "t"),
            (vec![], vec![])
        );
    }

    #[test]
    fn a_changed_column_gets_type_default_and_nullability_back() {
        let mut old = column("c", "numeric(10,2)");
        old.default = Some("0".into());
        old.not_null = true;
        assert_eq!(
            rechange_column("t", &old, None, true),
            vec![
                "ALTER TABLE t ALTER COLUMN c DROP DEFAULT, \
                 ALTER COLUMN c TYPE numeric(10,2) USING c::numeric(10,2), \
                 ALTER COLUMN c SET DEFAULT 0, ALTER COLUMN c SET NOT NULL"
            ]
        );
        assert_eq!(
            rechange_column("t", &old, None, false),
            vec![
                "ALTER TABLE t ALTER COLUMN c DROP DEFAULT, ALTER COLUMN c SET DEFAULT 0, \
                 ALTER COLUMN c SET NOT NULL"
            ]
        );
        assert!(changes_type("ALTER TABLE t ALTER c SET DATA TYPE int"));
        assert!(changes_type("alter table t alter column c type int"));
        assert!(!changes_type("ALTER TABLE t ALTER COLUMN c DROP NOT NULL"));
        let old = column("c", "text");
        assert_eq!(
            rechange_column("s.t", &old, Some("d"), true),
            vec![
                "ALTER TABLE s.t RENAME COLUMN d TO c",
                "ALTER TABLE s.t ALTER COLUMN c DROP DEFAULT, \
                 ALTER COLUMN c TYPE text USING c::text, ALTER COLUMN c DROP NOT NULL"
            ]
        );
    }

    #[test]
    fn views_and_tables_are_written_out() {
        assert_eq!(
            create_view("v", false, Some("check_option=local"), " SELECT 1;", true),
            "CREATE VIEW v WITH (check_option=local) AS\nSELECT 1"
        );
        assert_eq!(
            create_view("s.m", true, None, " SELECT 1;", false),
            "CREATE MATERIALIZED VIEW s.m AS\nSELECT 1\nWITH NO DATA"
        );
        let mut a = column("a", "integer");
        a.not_null = true;
        let b = column("b", "text");
        assert_eq!(
            create_table("t", &[a, b], true, Some("fillfactor=70"), Some("fast")),
            "CREATE UNLOGGED TABLE t (\n    a integer NOT NULL,\n    b text\n) \
             WITH (fillfactor=70) TABLESPACE fast"
        );
    }
}
