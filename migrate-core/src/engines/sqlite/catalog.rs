//! SQLite's catalog for the statement journal: probes answered from
//! `sqlite_master` and `pragma_table_xinfo`, and the inverses of
//! destructive statements built from the `CREATE` texts SQLite keeps, read
//! before the statement runs. Everything goes through [`Backend::query`],
//! so that every backend of SQLite answers the same way.

use crate::backend::{Backend, Dialect};
use crate::history::Value;
use crate::journal::{Capture, Probe, Restore};
use crate::{Error, Result};

use super::SqliteDialect;

fn q(ident: &str) -> String {
    SqliteDialect.quote_identifier(ident)
}

/// What a driver says when a query that must return a row returns none
/// (rusqlite's words, which these messages have always carried).
const NO_ROWS: &str = "Query returned no rows";

/// Whether the object a probe names exists now, in the main database.
/// Constraints have no names SQLite keeps: those it cannot tell.
pub async fn probe<B: Backend + ?Sized>(backend: &mut B, probe: &Probe) -> Result<Option<bool>> {
    const OBJECT: &str = "SELECT EXISTS (SELECT 1 FROM sqlite_master \
         WHERE type = ?1 AND name = ?2 COLLATE NOCASE)";
    let (sql, params): (&str, Vec<&str>) = match probe {
        Probe::Table { name, .. } => (OBJECT, vec!["table", name]),
        Probe::View { name, .. } => (OBJECT, vec!["view", name]),
        Probe::Index {
            table: None, name, ..
        } => (OBJECT, vec!["index", name]),
        Probe::Index {
            table: Some(table),
            name,
            ..
        } => (
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' \
             AND name = ?1 COLLATE NOCASE AND tbl_name = ?2 COLLATE NOCASE)",
            vec![name, table],
        ),
        Probe::Column { table, column, .. } => (
            "SELECT EXISTS (SELECT 1 FROM pragma_table_xinfo(?1) WHERE name = ?2 COLLATE NOCASE)",
            vec![table, column],
        ),
        Probe::Constraint { .. } => return Ok(None),
    };
    let params: Vec<Value> = params.into_iter().map(Value::from).collect();
    let rows = backend
        .query(sql, &params)
        .await
        .map_err(|e| e.in_context("cannot look for the object"))?;
    match rows.first().and_then(|row| row.first()) {
        Some(exists) => Ok(Some(exists.is_true())),
        None => Err(Error::database("cannot look for the object", NO_ROWS)),
    }
}

type Captured<T> = std::result::Result<T, String>;

/// Reads what `capture` names and builds its inverse; `Err` says what
/// could not be read or rebuilt. SQLite's catalog tells all it needs, so
/// `statement` is not read.
pub async fn capture<B: Backend + ?Sized>(
    backend: &mut B,
    capture: &Capture,
    statement: &str,
) -> std::result::Result<Restore, String> {
    let _ = statement;
    #[allow(unreachable_patterns)]
    match capture {
        // An absent object makes the statement a no-op (or a failure):
        // nothing to undo.
        Capture::Table { table } => {
            let inverse = schema_sql(backend, table, "table").await?;
            Ok(if inverse.is_empty() {
                Restore::default()
            } else {
                Restore {
                    inverse,
                    lossy: true,
                    note: Some(format!("the rows of {table} cannot come back")),
                }
            })
        }
        Capture::View { name } => schema_sql(backend, name, "view").await.map(Restore::exact),
        Capture::Index { name, .. } => {
            let rows = read(
                backend,
                "SELECT sql FROM sqlite_master WHERE type = 'index' \
                 AND name = ?1 COLLATE NOCASE AND sql IS NOT NULL",
                &[Value::from(name.as_str())],
                name,
            )
            .await?;
            let sql = match rows.first().map(Vec::as_slice) {
                None => None,
                Some([Value::Text(sql)]) => Some(sql.clone()),
                Some(row) => return Err(cannot(name, unexpected(row))),
            };
            Ok(Restore::exact(sql.into_iter().collect()))
        }
        Capture::Column {
            table,
            column,
            dropped: true,
            ..
        } => restore_dropped_column(backend, table, column).await,
        Capture::Column { .. } => Err(
            "SQLite has no ALTER COLUMN: a changed column cannot be changed back in place".into(),
        ),
        _ => Err("this engine cannot capture that definition".into()),
    }
}

/// Runs a query that reads the definition of `what`; a failure says so,
/// with what the engine said.
async fn read<B: Backend + ?Sized>(
    backend: &mut B,
    sql: &str,
    params: &[Value],
    what: &str,
) -> Captured<Vec<Vec<Value>>> {
    backend.query(sql, params).await.map_err(|e| {
        // The engine's own words, without the context the backend put
        // before them: the message names what was being read.
        let said = match e {
            Error::Database { message, .. } => message,
            other => other.to_string(),
        };
        cannot(what, said)
    })
}

/// The message of a definition that could not be read, and why.
fn cannot(what: &str, why: impl std::fmt::Display) -> String {
    format!("cannot read the definition of {what}: {why}")
}

/// Why a row of the catalog cannot be read: it does not have the types
/// its query gives.
fn unexpected(row: &[Value]) -> String {
    format!("unexpected row {row:?}")
}

/// The `CREATE` text of the table or view `name` (`kind`), then those of
/// the indexes and triggers that go with it; empty when there is no such
/// object.
async fn schema_sql<B: Backend + ?Sized>(
    backend: &mut B,
    name: &str,
    kind: &str,
) -> Captured<Vec<String>> {
    let rows = read(
        backend,
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ?1 COLLATE NOCASE \
         AND sql IS NOT NULL AND type IN (?2, 'index', 'trigger') \
         ORDER BY type = ?2 DESC, type = 'index' DESC, rowid",
        &[Value::from(name), Value::from(kind)],
        name,
    )
    .await?;
    let rows = rows
        .iter()
        .map(|row| match row.as_slice() {
            [Value::Text(t), Value::Text(sql)] => Ok((t.clone(), sql.clone())),
            row => Err(cannot(name, unexpected(row))),
        })
        .collect::<Captured<Vec<_>>>()?;
    if rows.first().is_none_or(|(t, _)| t != kind) {
        return Ok(Vec::new());
    }
    Ok(rows.into_iter().map(|(_, sql)| sql).collect())
}

/// A column as `pragma_table_xinfo` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ColumnInfo {
    name: String,
    data_type: String,
    not_null: bool,
    default: Option<String>,
    /// 0 plain, 2 virtual generated, 3 stored generated.
    hidden: i64,
}

impl ColumnInfo {
    /// A row of `SELECT name, type, "notnull", dflt_value, hidden FROM
    /// pragma_table_xinfo(...)`; `None` when a column has another type.
    fn from_row(row: &[Value]) -> Option<ColumnInfo> {
        let text = |value: &Value| value.as_text().map(str::to_string);
        match row {
            [
                name,
                data_type,
                Value::Int(not_null),
                default,
                Value::Int(hidden),
            ] => Some(ColumnInfo {
                name: text(name)?,
                data_type: text(data_type)?,
                not_null: *not_null != 0,
                default: match default {
                    Value::Null => None,
                    default => Some(text(default)?),
                },
                hidden: *hidden,
            }),
            _ => None,
        }
    }
}

/// The inverse of dropping `table`.`column`: an `ADD COLUMN` of its
/// definition, as written in the `CREATE TABLE` when SQLite can add that
/// back, otherwise rebuilt from `pragma_table_xinfo`.
async fn restore_dropped_column<B: Backend + ?Sized>(
    backend: &mut B,
    table: &str,
    column: &str,
) -> Captured<Restore> {
    let what = format!("{table}.{column}");
    let rows = read(
        backend,
        "SELECT name, type, \"notnull\", dflt_value, hidden FROM pragma_table_xinfo(?1) \
         WHERE name = ?2 COLLATE NOCASE",
        &[Value::from(table), Value::from(column)],
        &what,
    )
    .await?;
    let Some(row) = rows.first() else {
        return Ok(Restore::default());
    };
    let info = ColumnInfo::from_row(row).ok_or_else(|| cannot(&what, unexpected(row)))?;
    let rows = read(
        backend,
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
        &[Value::from(table)],
        &what,
    )
    .await?;
    let create = match rows.first().map(Vec::as_slice) {
        None => return Err(cannot(&what, NO_ROWS)),
        Some([Value::Null]) => None,
        Some([Value::Text(sql)]) => Some(sql.as_str()),
        Some(row) => return Err(cannot(&what, unexpected(row))),
    };
    let written = create.and_then(|sql| column_text(sql, column));
    let (definition, note) = add_column(&info, written.as_deref())?;
    Ok(Restore {
        inverse: vec![format!("ALTER TABLE {} ADD COLUMN {definition}", q(table))],
        lossy: true,
        note: Some(format!(
            "the values of {table}.{column} cannot come back; {note}"
        )),
    })
}

/// The definition `ADD COLUMN` takes for a dropped column, and what it
/// cannot bring back; `written` is its text in the table's `CREATE TABLE`.
fn add_column(info: &ColumnInfo, written: Option<&str>) -> Captured<(String, String)> {
    let name = &info.name;
    if info.hidden == 3 {
        return Err(format!(
            "SQLite cannot add back {name}: a STORED generated column cannot be added"
        ));
    }
    if let Some(default) = &info.default
        && ["CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP"]
            .contains(&default.trim().to_ascii_uppercase().as_str())
    {
        return Err(format!(
            "SQLite cannot add back {name}: a column with a non-constant default cannot be added"
        ));
    }
    // SQLite adds NOT NULL only with a default to fill the rows.
    let keeps_not_null = !info.not_null || info.default.is_some();
    let last = "it comes back as the last column".to_string();
    if let Some(written) = written
        && keeps_not_null
    {
        return Ok((written.to_string(), last));
    }
    if info.hidden != 0 {
        return Err(format!(
            "cannot read back the expression of the generated column {name}"
        ));
    }
    let mut definition = q(name);
    if !info.data_type.is_empty() {
        definition.push(' ');
        definition.push_str(&info.data_type);
    }
    if let Some(default) = &info.default {
        definition.push_str(&format!(" DEFAULT {default}"));
    }
    let mut note = last;
    if info.not_null && keeps_not_null {
        definition.push_str(" NOT NULL");
    } else if info.not_null {
        note.push_str(", without NOT NULL (SQLite adds that only with a default)");
    }
    note.push_str("; only its type, default and NOT NULL come back");
    Ok((definition, note))
}

/// The text that defines `column` in a `CREATE TABLE` statement, as written
/// (quotes, comments and nesting respected); `None` when it cannot be found.
fn column_text(create: &str, column: &str) -> Option<String> {
    let body = body(create)?;
    for piece in split_top_level(body) {
        let piece = after_comments(piece).trim_end();
        let Some((first, quoted)) = first_word(piece) else {
            continue;
        };
        if !quoted
            && ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
                .contains(&first.to_ascii_uppercase().as_str())
        {
            continue;
        }
        if first.eq_ignore_ascii_case(column) {
            // A trailing comment would swallow what follows it.
            return (!has_comment(piece)).then(|| piece.to_string());
        }
    }
    None
}

/// Where the quoted text, string or comment starting at `i` ends, or
/// `None` when `bytes[i]` starts none.
fn skip(bytes: &[u8], i: usize) -> Option<usize> {
    let close = match bytes[i] {
        b'\'' => b'\'',
        b'"' => b'"',
        b'`' => b'`',
        b'[' => b']',
        b'-' if bytes.get(i + 1) == Some(&b'-') => {
            let end = bytes[i..].iter().position(|b| *b == b'\n');
            return Some(end.map_or(bytes.len(), |e| i + e + 1));
        }
        b'/' if bytes.get(i + 1) == Some(&b'*') => {
            let end = bytes[i + 2..].windows(2).position(|w| w == b"*/");
            return Some(end.map_or(bytes.len(), |e| i + 2 + e + 2));
        }
        _ => return None,
    };
    let mut j = i + 1;
    while j < bytes.len() {
        if bytes[j] == close {
            // A doubled quote stands for itself (not in brackets).
            if close != b']' && bytes.get(j + 1) == Some(&close) {
                j += 2;
                continue;
            }
            return Some(j + 1);
        }
        j += 1;
    }
    Some(bytes.len())
}

/// The text between the first parenthesis of a `CREATE TABLE` and its match.
fn body(create: &str) -> Option<&str> {
    let bytes = create.as_bytes();
    let (mut i, mut depth, mut start) = (0, 0usize, None);
    while i < bytes.len() {
        if let Some(next) = skip(bytes, i) {
            i = next;
            continue;
        }
        match bytes[i] {
            b'(' => {
                if depth == 0 {
                    start = Some(i + 1);
                }
                depth += 1;
            }
            b')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(&create[start?..i]);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `s` split on the commas outside parentheses, quotes and comments.
fn split_top_level(s: &str) -> Vec<&str> {
    let bytes = s.as_bytes();
    let (mut pieces, mut i, mut depth, mut start) = (Vec::new(), 0, 0usize, 0);
    while i < bytes.len() {
        if let Some(next) = skip(bytes, i) {
            i = next;
            continue;
        }
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                pieces.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    pieces.push(&s[start..]);
    pieces
}

/// The first word of a column or constraint definition, unquoted, and
/// whether it was quoted.
fn first_word(s: &str) -> Option<(String, bool)> {
    let bytes = s.as_bytes();
    match bytes.first()? {
        open @ (b'"' | b'`' | b'[' | b'\'') => {
            let end = skip(bytes, 0)?;
            let close = if *open == b'[' { ']' } else { *open as char };
            let inner = s.get(1..end.checked_sub(1)?)?;
            let doubled = format!("{close}{close}");
            let name = if close == ']' {
                inner.to_string()
            } else {
                inner.replace(&doubled, &close.to_string())
            };
            Some((name, true))
        }
        _ => {
            let end = s
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(s.len());
            (end > 0).then(|| (s[..end].to_string(), false))
        }
    }
}

/// `s` without the blanks and comments it starts with.
fn after_comments(mut s: &str) -> &str {
    loop {
        s = s.trim_start();
        if !(s.starts_with("--") || s.starts_with("/*")) {
            return s;
        }
        let end = skip(s.as_bytes(), 0).unwrap_or(s.len());
        s = &s[end..];
    }
}

/// Whether `s` holds a comment outside quotes.
fn has_comment(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if (bytes[i] == b'-' && bytes.get(i + 1) == Some(&b'-'))
            || (bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*'))
        {
            return true;
        }
        i = skip(bytes, i).unwrap_or(i + 1);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE: &str = "CREATE TABLE \"t(1)\" (\n\
        id INTEGER PRIMARY KEY,\n\
        \"a,b\" TEXT NOT NULL DEFAULT 'x,''y' COLLATE NOCASE,\n\
        [c d] REAL CHECK ([c d] > (0)), -- the c\n\
        `e` INT REFERENCES p(id) /* e */,\n\
        g AS (id * 2),\n\
        constraint_ish TEXT,\n\
        CONSTRAINT k UNIQUE (\"a,b\"),\n\
        CHECK (id > 0)\n\
        )";

    fn info(name: &str, data_type: &str) -> ColumnInfo {
        ColumnInfo {
            name: name.into(),
            data_type: data_type.into(),
            ..ColumnInfo::default()
        }
    }

    #[test]
    fn finds_a_column_as_written() {
        assert_eq!(
            column_text(CREATE, "A,B").as_deref(),
            Some("\"a,b\" TEXT NOT NULL DEFAULT 'x,''y' COLLATE NOCASE")
        );
        assert_eq!(
            column_text(CREATE, "c d").as_deref(),
            Some("[c d] REAL CHECK ([c d] > (0))")
        );
        assert_eq!(column_text(CREATE, "g").as_deref(), Some("g AS (id * 2)"));
        assert_eq!(
            column_text(CREATE, "constraint_ish").as_deref(),
            Some("constraint_ish TEXT")
        );
        // A comment before it is left out; one inside: not used.
        assert_eq!(column_text(CREATE, "e"), None);
        assert_eq!(
            column_text("CREATE TABLE t (a, -- x\n /* y */ b INT)", "b").as_deref(),
            Some("b INT")
        );
        assert_eq!(column_text(CREATE, "k"), None);
        assert_eq!(column_text(CREATE, "nope"), None);
    }

    #[test]
    fn a_written_definition_is_kept_when_sqlite_can_add_it() {
        let mut a = info("a", "TEXT");
        a.not_null = true;
        a.default = Some("'x'".into());
        assert_eq!(
            add_column(&a, Some("a TEXT NOT NULL DEFAULT 'x' COLLATE NOCASE")).unwrap(),
            (
                "a TEXT NOT NULL DEFAULT 'x' COLLATE NOCASE".into(),
                "it comes back as the last column".into()
            )
        );
        assert_eq!(
            add_column(&a, None).unwrap().0,
            "\"a\" TEXT DEFAULT 'x' NOT NULL"
        );
    }

    #[test]
    fn not_null_without_a_default_cannot_come_back() {
        let mut b = info("b", "INT");
        b.not_null = true;
        let (definition, note) = add_column(&b, Some("b INT NOT NULL CHECK (b > 0)")).unwrap();
        assert_eq!(definition, "\"b\" INT");
        assert!(note.contains("without NOT NULL"), "{note}");
        let (definition, _) = add_column(&info("c", ""), None).unwrap();
        assert_eq!(definition, "\"c\"");
    }

    #[test]
    fn what_sqlite_cannot_add_is_refused() {
        let mut d = info("d", "TEXT");
        d.default = Some("current_timestamp".into());
        assert!(add_column(&d, Some("d TEXT DEFAULT current_timestamp")).is_err());
        let mut g = info("g", "INT");
        g.hidden = 3;
        assert!(add_column(&g, Some("g INT AS (1) STORED")).is_err());
        g.hidden = 2;
        assert!(add_column(&g, Some("g INT AS (1)")).is_ok());
        assert!(add_column(&g, None).is_err());
    }

    #[test]
    fn scanning_helpers() {
        assert_eq!(body("CREATE TABLE \"(\" (a, b(1,2))"), Some("a, b(1,2)"));
        assert_eq!(
            split_top_level("a, 'x,y', b(1,2), [c,d] -- e,f\n"),
            vec!["a", " 'x,y'", " b(1,2)", " [c,d] -- e,f\n"]
        );
        assert_eq!(first_word("\"a\"\"b\" INT"), Some(("a\"b".into(), true)));
        assert_eq!(first_word("[a b] INT"), Some(("a b".into(), true)));
        assert_eq!(first_word("abc INT"), Some(("abc".into(), false)));
        assert!(has_comment("a INT /* x */"));
        assert!(!has_comment("a TEXT DEFAULT '--'"));
    }
}
