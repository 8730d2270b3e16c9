//! Reading a definition from the catalog before a destructive statement
//! replaces or drops it, and building what puts it back (`ddl.rs`).

use crate::backend::{Backend, Dialect};
use crate::history::Value;
use crate::journal::{Capture, Restore};

use super::ddl::{
    Column, Sequence, column_definition, create_table, create_view, rechange_column,
    sequence_statements,
};
use super::{Captured, Catalog, RESOLVE, Row};
use crate::engines::postgres::PostgresDialect;

/// A table, view or index found by name.
struct Relation {
    oid: i64,
    /// As `regclass` prints it: quoted, qualified when not on the path.
    name: String,
}

/// A column number as a parameter, `$n::text::int2` in SQL: text, so that
/// "every column" (NULL) binds on every backend.
fn column_number(only: Option<i16>) -> Value {
    Value::from(only.map(|n| n.to_string()))
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
     FROM pg_class c WHERE c.oid = $1::int8::oid";

impl<B: Backend + ?Sized> Catalog<'_, B> {
    /// Reads what `capture` names and builds its inverse; `Err` says what
    /// could not be read or rebuilt.
    pub(super) async fn restore(
        &mut self,
        capture: &Capture,
        changes_type: bool,
    ) -> Captured<Restore> {
        #[allow(unreachable_patterns)]
        match capture {
            Capture::Index { name, .. } => self.restore_index(name).await,
            Capture::View { name } => self.restore_view(name).await,
            Capture::Column {
                table,
                column,
                dropped: true,
                ..
            } => self.restore_dropped_column(table, column).await,
            Capture::Column {
                table,
                column,
                renamed_to,
                dropped: false,
            } => {
                let current = renamed_to.as_deref().unwrap_or(column);
                self.restore_changed_column(table, column, current, changes_type)
                    .await
            }
            Capture::Table { table } => self.restore_table(table).await,
            _ => Err("this engine cannot capture that definition".into()),
        }
    }

    async fn relation(&mut self, name: &str, kinds: &str) -> Captured<Option<Relation>> {
        let sql = format!(
            "SELECT c.oid, c.oid::regclass::text FROM pg_class c \
             WHERE c.oid = {RESOLVE} AND c.relkind IN ({kinds})"
        );
        let what = format!("the definition of {name}");
        let rows = self.rows(&what, &sql, &[name.into()]).await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(Relation {
            oid: r.int(0)?,
            name: r.text(1)?,
        }))
    }

    async fn restore_index(&mut self, name: &str) -> Captured<Restore> {
        let sql = format!(
            "SELECT pg_get_indexdef(c.oid), c.relkind::text, \
             'COMMENT ON INDEX ' || c.oid::regclass::text || ' IS ' \
             || quote_literal(obj_description(c.oid, 'pg_class')) \
             FROM pg_class c WHERE c.oid = {RESOLVE} AND c.relkind IN ('i', 'I')"
        );
        let what = format!("the definition of {name}");
        let rows = self.rows(&what, &sql, &[name.into()]).await?;
        let Some(row) = rows.first() else {
            return Ok(Restore::nothing());
        };
        let mut definition = row.text(0)?;
        if row.text(1)? == "I" {
            // The index of a partitioned table: dropping it dropped those of
            // the partitions too, which creating it without ONLY brings back.
            definition = definition.replacen(" ON ONLY ", " ON ", 1);
        }
        let mut inverse = vec![definition];
        inverse.extend(row.opt_text(2));
        Ok(Restore::exact(inverse))
    }

    async fn restore_view(&mut self, name: &str) -> Captured<Restore> {
        let what = format!("the definition of {name}");
        let sql = format!(
            "SELECT c.oid, c.oid::regclass::text, c.relkind::text, pg_get_viewdef(c.oid), \
             array_to_string(c.reloptions, ', '), c.relispopulated, \
             'COMMENT ON ' || CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW ' ELSE 'VIEW ' END \
             || c.oid::regclass::text || ' IS ' || quote_literal(obj_description(c.oid, 'pg_class')) \
             FROM pg_class c WHERE c.oid = {RESOLVE} AND c.relkind IN ('v', 'm')"
        );
        let rows = self.rows(&what, &sql, &[name.into()]).await?;
        let Some(row) = rows.first() else {
            return Ok(Restore::nothing());
        };
        let oid = row.int(0)?;
        let materialized = row.text(2)? == "m";
        let mut inverse = vec![create_view(
            &row.text(1)?,
            materialized,
            row.opt_text(4).as_deref(),
            &row.text(3)?,
            row.flag(5),
        )];
        if materialized {
            inverse.extend(self.indexes(oid, None).await?);
        }
        inverse.extend(row.opt_text(6));
        inverse.extend(self.column_comments(oid, None).await?);
        Ok(Restore::exact(inverse))
    }

    /// The columns of a table (or just `only`), in order.
    async fn columns(&mut self, oid: i64, only: Option<&str>) -> Captured<Vec<Column>> {
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
             WHERE a.attrelid = $1::int8::oid AND a.attnum > 0 AND NOT a.attisdropped \
               AND ($2::text IS NULL OR a.attname = $2::text) \
             ORDER BY a.attnum";
        let rows = self
            .rows("the columns", sql, &[oid.into(), only.into()])
            .await?;
        rows.iter().map(column).collect()
    }

    /// `CREATE INDEX` of the indexes of a table that no constraint makes (of
    /// those that use column `only`, when given).
    async fn indexes(&mut self, oid: i64, only: Option<i16>) -> Captured<Vec<String>> {
        let sql = "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i \
             WHERE i.indrelid = $1::int8::oid \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint con \
                    WHERE con.conindid = i.indexrelid AND con.conrelid = $1::int8::oid) \
               AND ($2::text::int2 IS NULL OR $2::text::int2 = ANY(i.indkey::int2[]) \
                    OR i.indexrelid IN (SELECT objid FROM pg_depend \
                        WHERE classid = 'pg_class'::regclass AND refclassid = 'pg_class'::regclass \
                          AND refobjid = $1::int8::oid AND refobjsubid = $2::text::int2)) \
             ORDER BY i.indexrelid";
        self.texts("the indexes", sql, &[oid.into(), column_number(only)])
            .await
    }

    /// `ALTER TABLE ... ADD CONSTRAINT` of the constraints of a table, or of
    /// those that use its column `only` (on this table, or foreign keys of
    /// other tables that point at it); keys first, foreign keys last.
    async fn constraints(&mut self, oid: i64, only: Option<i16>) -> Captured<Vec<String>> {
        let sql = "SELECT 'ALTER TABLE ' || con.conrelid::regclass::text || ' ADD CONSTRAINT ' \
             || quote_ident(con.conname) || ' ' || pg_get_constraintdef(con.oid) \
             FROM pg_constraint con \
             WHERE con.contype IN ('p', 'u', 'x', 'c', 'f') AND CASE WHEN $2::text::int2 IS NULL \
               THEN con.conrelid = $1::int8::oid \
               ELSE (con.conrelid = $1::int8::oid AND $2::text::int2 = ANY(con.conkey)) \
                 OR (con.confrelid = $1::int8::oid AND $2::text::int2 = ANY(con.confkey)) END \
             ORDER BY CASE con.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'x' THEN 2 \
               WHEN 'c' THEN 3 ELSE 4 END, con.conrelid = $1::int8::oid DESC, con.conname";
        self.texts("the constraints", sql, &[oid.into(), column_number(only)])
            .await
    }

    /// `COMMENT ON COLUMN` of the columns that have a comment.
    async fn column_comments(&mut self, oid: i64, only: Option<&str>) -> Captured<Vec<String>> {
        Ok(self
            .columns(oid, only)
            .await?
            .into_iter()
            .filter_map(|c| c.comment)
            .collect())
    }

    async fn restore_dropped_column(&mut self, table: &str, column: &str) -> Captured<Restore> {
        let Some(rel) = self.relation(table, "'r', 'p', 'f'").await? else {
            return Ok(Restore::nothing());
        };
        let Some(c) = self.columns(rel.oid, Some(column)).await?.pop() else {
            return Ok(Restore::nothing());
        };
        let mut note =
            format!("the values of {table}.{column} cannot come back; it comes back last");
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
        let keys = self.constraints(rel.oid, Some(c.num)).await?;
        if keys
            .iter()
            .any(|k| k.contains(" PRIMARY KEY ") || k.contains(" UNIQUE "))
        {
            note.push_str("; its unique keys come back only where its rows get distinct values");
        }
        inverse.extend(keys);
        inverse.extend(self.indexes(rel.oid, Some(c.num)).await?);
        inverse.extend(c.comment);
        Ok(Restore::lossy(inverse, note))
    }

    async fn restore_changed_column(
        &mut self,
        table: &str,
        column: &str,
        current: &str,
        changes_type: bool,
    ) -> Captured<Restore> {
        let Some(rel) = self.relation(table, "'r', 'p', 'f'").await? else {
            return Ok(Restore::nothing());
        };
        let Some(c) = self.columns(rel.oid, Some(column)).await?.pop() else {
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

    async fn restore_table(&mut self, table: &str) -> Captured<Restore> {
        let Some(rel) = self.relation(table, "'r', 'p', 'f'").await? else {
            return Ok(Restore::nothing());
        };
        let what = format!("the definition of {table}");
        let rows = self.rows(&what, UNSUPPORTED, &[rel.oid.into()]).await?;
        let Some(row) = rows.first() else {
            return Ok(Restore::nothing());
        };
        if let Some(why) = row.opt_text(0) {
            return Err(format!(
                "PostgreSQL cannot report a table's full definition and {table} cannot be rebuilt from its catalog: {why}"
            ));
        }
        let cols = self.columns(rel.oid, None).await?;
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
            row.flag(1),
            row.opt_text(2).as_deref(),
            row.opt_text(3).as_deref(),
        ));
        inverse.extend(after);
        inverse.extend(self.constraints(rel.oid, None).await?);
        inverse.extend(self.indexes(rel.oid, None).await?);
        let sql = "SELECT pg_get_triggerdef(t.oid), CASE t.tgenabled WHEN 'D' THEN \
             'ALTER TABLE ' || t.tgrelid::regclass::text || ' DISABLE TRIGGER ' || quote_ident(t.tgname) END \
             FROM pg_trigger t WHERE t.tgrelid = $1::int8::oid AND NOT t.tgisinternal ORDER BY t.tgname";
        for trigger in self.rows("the triggers", sql, &[rel.oid.into()]).await? {
            inverse.push(trigger.text(0)?);
            inverse.extend(trigger.opt_text(1));
        }
        inverse.extend(row.opt_text(4));
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
}

/// A row of the columns query as a [`Column`].
fn column(r: &Row) -> Captured<Column> {
    let num = r.int(0)?;
    Ok(Column {
        num: i16::try_from(num).map_err(|_| r.unexpected(0))?,
        name: r.text(1)?,
        data_type: r.text(2)?,
        not_null: r.flag(3),
        default: r.opt_text(4),
        identity: r.text(5)?,
        generated: r.text(6)?,
        collation: r.opt_text(7),
        sequence: r.opt_text(8).and_then(|name| {
            // A sequence that `pg_sequence` does not show is left out whole.
            Some(Sequence {
                name,
                literal: r.opt_text(9)?,
                data_type: r.opt_text(10)?,
                start: r.opt_int(11)?,
                increment: r.opt_int(12)?,
                min: r.opt_int(13)?,
                max: r.opt_int(14)?,
                cache: r.opt_int(15)?,
                cycle: r.flag(16),
                last: r.opt_int(17),
            })
        }),
        comment: r.opt_text(18),
    })
}
