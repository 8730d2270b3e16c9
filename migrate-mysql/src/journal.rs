//! The statement journal on MySQL and MariaDB: probes answered from
//! `information_schema`, and the inverses of destructive statements built
//! from `SHOW CREATE TABLE` / `SHOW CREATE VIEW`, read before the statement
//! runs.

use migrate_core::Error;
use migrate_core::Result;
use migrate_core::backend::Dialect;
use migrate_core::journal::{Capture, Probe, Restore};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row};

use crate::{MysqlDialect, error};

fn q(ident: &str) -> String {
    MysqlDialect.quote_identifier(ident)
}

/// `ER_WRONG_OBJECT`: '%s.%s' is not VIEW (SHOW CREATE VIEW of a table).
const WRONG_OBJECT: u16 = 1347;

/// Whether the object a probe names exists now, in the connection's database.
pub(crate) async fn probe(conn: &mut Conn, probe: &Probe) -> Result<Option<bool>> {
    const IN_DB: &str = "TABLE_SCHEMA = DATABASE()";
    let (sql, params): (String, Vec<&str>) = match probe {
        Probe::Table { name, .. } => (
            format!(
                "SELECT COUNT(*) FROM information_schema.TABLES \
                 WHERE {IN_DB} AND TABLE_NAME = ? AND TABLE_TYPE <> 'VIEW'"
            ),
            vec![name],
        ),
        Probe::Column { table, column, .. } => (
            format!(
                "SELECT COUNT(*) FROM information_schema.COLUMNS \
                 WHERE {IN_DB} AND TABLE_NAME = ? AND COLUMN_NAME = ?"
            ),
            vec![table, column],
        ),
        Probe::Index {
            table: Some(table),
            name,
            ..
        } => (
            format!(
                "SELECT COUNT(*) FROM information_schema.STATISTICS \
                 WHERE {IN_DB} AND TABLE_NAME = ? AND INDEX_NAME = ?"
            ),
            vec![table, name],
        ),
        Probe::Index {
            table: None, name, ..
        } => (
            format!(
                "SELECT COUNT(*) FROM information_schema.STATISTICS \
                 WHERE {IN_DB} AND INDEX_NAME = ?"
            ),
            vec![name],
        ),
        Probe::View { name, .. } => (
            format!(
                "SELECT COUNT(*) FROM information_schema.VIEWS WHERE {IN_DB} AND TABLE_NAME = ?"
            ),
            vec![name],
        ),
        Probe::Constraint { table, name, .. } => (
            format!(
                "SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS \
                 WHERE {IN_DB} AND TABLE_NAME = ? AND CONSTRAINT_NAME = ?"
            ),
            vec![table, name],
        ),
    };
    let count: Option<i64> = conn
        .exec_first(sql, params)
        .await
        .map_err(|e| Error::database("cannot look for the object", error::message(&e)))?;
    Ok(Some(count.unwrap_or(0) > 0))
}

/// Reads what `capture` names and builds its inverse; `Err` says what
/// could not be read.
pub(crate) async fn restore(
    conn: &mut Conn,
    capture: &Capture,
) -> std::result::Result<Restore, String> {
    #[allow(unreachable_patterns)]
    match capture {
        Capture::Table { table } => {
            let Some(ddl) = show_create_table(conn, table).await? else {
                return Ok(Restore::nothing());
            };
            Ok(Restore::lossy(
                vec![ddl],
                format!("the rows of {table} cannot come back"),
            ))
        }
        Capture::Column {
            table,
            column,
            renamed_to,
            dropped,
        } => {
            let Some(ddl) = show_create_table(conn, table).await? else {
                return Ok(Restore::nothing());
            };
            let parts = parse_create_table(&ddl);
            let restored = if *dropped {
                readd_column(table, column, &ddl, &parts).map(|sql| {
                    let mut note = format!("the values of {table}.{column} cannot come back");
                    if in_unique_key(column, &parts) {
                        note.push_str(
                            "; its unique keys come back only where its rows get distinct values",
                        );
                    }
                    Restore::lossy(vec![sql], note)
                })
            } else {
                let current = renamed_to.as_deref().unwrap_or(column);
                rechange_column(table, column, current, &parts).map(|sql| {
                    Restore::lossy(
                        vec![sql],
                        "values converted by the change may not convert back exactly",
                    )
                })
            };
            Ok(restored.unwrap_or_else(Restore::nothing))
        }
        Capture::Index { table, name } => {
            let table = match table {
                Some(table) => table.clone(),
                None => match index_table(conn, name).await? {
                    Some(table) => table,
                    None => return Ok(Restore::nothing()),
                },
            };
            let Some(ddl) = show_create_table(conn, &table).await? else {
                return Ok(Restore::nothing());
            };
            Ok(readd_index(&table, name, &parse_create_table(&ddl))
                .map(|sql| Restore {
                    inverse: vec![sql],
                    ..Restore::default()
                })
                .unwrap_or_else(Restore::nothing))
        }
        Capture::View { name } => {
            let Some(ddl) = show_create_view(conn, name).await? else {
                return Ok(Restore::nothing());
            };
            Ok(Restore {
                inverse: vec![ddl],
                ..Restore::default()
            })
        }
        _ => Err("this engine cannot capture that definition".into()),
    }
}

/// `SHOW CREATE TABLE`, or `None` when there is no such table.
async fn show_create_table(
    conn: &mut Conn,
    table: &str,
) -> std::result::Result<Option<String>, String> {
    let cannot = |why: String| format!("cannot read the definition of {table}: {why}");
    let row: Option<Row> = match conn
        .query_first(format!("SHOW CREATE TABLE {}", q(table)))
        .await
    {
        Ok(row) => row,
        Err(e) if error::is_server_error(&e, error::NO_SUCH_TABLE) => None,
        Err(e) => return Err(cannot(error::message(&e))),
    };
    let Some(mut row) = row else {
        return missing(table);
    };
    // A view answers with `View`, `Create View`, ...: no table of that name.
    if row
        .columns_ref()
        .first()
        .is_some_and(|c| c.name_str() == "View")
    {
        return Ok(None);
    }
    match row.take_opt::<String, _>(1) {
        Some(Ok(ddl)) => Ok(Some(ddl)),
        _ => Err(cannot("unreadable answer to SHOW CREATE TABLE".into())),
    }
}

/// `SHOW CREATE VIEW`, or `None` when there is no such view.
async fn show_create_view(
    conn: &mut Conn,
    view: &str,
) -> std::result::Result<Option<String>, String> {
    let cannot = |why: String| format!("cannot read the definition of {view}: {why}");
    let row: Option<Row> = match conn
        .query_first(format!("SHOW CREATE VIEW {}", q(view)))
        .await
    {
        Ok(row) => row,
        Err(e)
            if error::is_server_error(&e, error::NO_SUCH_TABLE)
                || error::is_server_error(&e, WRONG_OBJECT) =>
        {
            None
        }
        Err(e) => return Err(cannot(error::message(&e))),
    };
    let Some(mut row) = row else {
        return missing(view);
    };
    match row.take_opt::<String, _>(1) {
        Some(Ok(ddl)) => Ok(Some(ddl)),
        _ => Err(cannot("unreadable answer to SHOW CREATE VIEW".into())),
    }
}

/// A missing object: nothing to undo, unless the name looks qualified
/// (`db.t`), which is read as one name here, so its absence proves nothing.
fn missing<T>(name: &str) -> std::result::Result<Option<T>, String> {
    if name.contains('.') {
        Err(format!(
            "cannot read the definition of {name}: names qualified by a database are not captured"
        ))
    } else {
        Ok(None)
    }
}

/// The one table of the current database that has an index `name`.
async fn index_table(conn: &mut Conn, name: &str) -> std::result::Result<Option<String>, String> {
    let tables: Vec<String> = conn
        .exec(
            "SELECT DISTINCT TABLE_NAME FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = ?",
            (name,),
        )
        .await
        .map_err(|e| format!("cannot look for the index {name}: {}", error::message(&e)))?;
    match tables.as_slice() {
        [] => Ok(None),
        [table] => Ok(Some(table.clone())),
        _ => Err(format!(
            "the index {name} exists on several tables ({}) and the statement names none",
            tables.join(", ")
        )),
    }
}

/// One line of the body of `SHOW CREATE TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// `` `c` int NOT NULL ...``.
    Column { name: String, definition: String },
    /// `PRIMARY KEY (...)`, `KEY`, `UNIQUE KEY`, `FULLTEXT KEY`, ...
    Key {
        /// `PRIMARY` for the primary key.
        name: String,
        primary: bool,
        /// The columns its key parts name.
        columns: Vec<String>,
        /// Some key part is an expression.
        expressions: bool,
        definition: String,
    },
    /// `CONSTRAINT `k` FOREIGN KEY (...) ...` or `CONSTRAINT `k` CHECK (...)`.
    Constraint {
        name: String,
        /// The table's columns it uses (a foreign key's own columns; the
        /// names a check mentions).
        columns: Vec<String>,
        definition: String,
    },
}

/// The columns, keys and constraints of a `SHOW CREATE TABLE` text, one per
/// line as the server prints them; lines it does not know are left out.
fn parse_create_table(ddl: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    for line in ddl.lines().skip(1) {
        let line = line.trim();
        if line.starts_with(')') {
            break;
        }
        let line = line.strip_suffix(',').unwrap_or(line);
        if let Some(part) = parse_line(line) {
            parts.push(part);
        }
    }
    parts
}

fn parse_line(line: &str) -> Option<Part> {
    if line.starts_with(['`', '"']) {
        let (name, _) = identifier(line)?;
        return Some(Part::Column {
            name,
            definition: line.to_string(),
        });
    }
    if let Some(rest) = line.strip_prefix("CONSTRAINT ") {
        let (name, rest) = identifier(rest.trim_start())?;
        let rest = rest.trim_start();
        let columns = if let Some(fk) = rest.strip_prefix("FOREIGN KEY") {
            let own = fk.split(" REFERENCES ").next().unwrap_or(fk);
            identifiers(own)
        } else {
            identifiers(rest)
        };
        return Some(Part::Constraint {
            name,
            columns,
            definition: line.to_string(),
        });
    }
    let (name, rest, primary) = if let Some(rest) = line.strip_prefix("PRIMARY KEY") {
        ("PRIMARY".to_string(), rest, true)
    } else {
        let mut rest = line;
        for kind in ["UNIQUE ", "FULLTEXT ", "SPATIAL ", "VECTOR "] {
            if let Some(r) = rest.strip_prefix(kind) {
                rest = r;
                break;
            }
        }
        let rest = rest.strip_prefix("KEY ")?.trim_start();
        let (name, rest) = identifier(rest)?;
        (name, rest, false)
    };
    let inner = parenthesized(rest)?;
    let mut columns = Vec::new();
    let mut expressions = false;
    for key_part in split_top_level(inner) {
        match identifier(key_part.trim()) {
            Some((column, _)) => columns.push(column),
            None => expressions = true,
        }
    }
    Some(Part::Key {
        name,
        primary,
        columns,
        expressions,
        definition: line.to_string(),
    })
}

/// A quoted identifier (backquotes, or double quotes under `ANSI_QUOTES`)
/// at the start of `s`, unquoted, and what follows it.
fn identifier(s: &str) -> Option<(String, &str)> {
    let quote = s.chars().next().filter(|c| *c == '`' || *c == '"')?;
    let mut name = String::new();
    let mut chars = s.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            if matches!(chars.peek(), Some((_, next)) if *next == quote) {
                chars.next();
                name.push(quote);
            } else {
                return Some((name, &s[i + 1..]));
            }
        } else {
            name.push(c);
        }
    }
    None
}

/// Every quoted identifier in `s`, skipping string literals.
fn identifiers(s: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if c == '`' || c == '"' {
            match identifier(rest) {
                Some((name, after)) => {
                    found.push(name);
                    i = s.len() - after.len();
                }
                None => break,
            }
        } else if c == '\'' {
            i += 1 + string_end(&s[i + 1..]);
        } else {
            i += c.len_utf8();
        }
    }
    found
}

/// The length of a single-quoted string's body and its closing quote.
fn string_end(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The text inside the first parentheses of `s`, nested ones and quotes
/// respected.
fn parenthesized(s: &str) -> Option<&str> {
    let start = s.find('(')?;
    let mut depth = 0usize;
    let mut i = start;
    let bytes = s.as_bytes();
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&s[start + 1..i]);
                }
            }
            b'`' | b'"' => {
                let (_, after) = identifier(&s[i..])?;
                i = s.len() - after.len();
                continue;
            }
            b'\'' => {
                i += 1 + string_end(&s[i + 1..]);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `s` split on the commas outside parentheses, quotes and strings.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let bytes = s.as_bytes();
    let (mut depth, mut start, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                pieces.push(&s[start..i]);
                start = i + 1;
            }
            b'`' | b'"' => {
                if let Some((_, after)) = identifier(&s[i..]) {
                    i = s.len() - after.len();
                    continue;
                }
            }
            b'\'' => {
                i += 1 + string_end(&s[i + 1..]);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    pieces.push(&s[start..]);
    pieces
}

/// Column names compare without regard to case on MySQL.
fn same(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// The definition of `column` and where it stands (`FIRST` or `AFTER
/// prev`).
fn column_and_position<'a>(column: &str, parts: &'a [Part]) -> Option<(&'a str, String)> {
    let mut previous: Option<&str> = None;
    for part in parts {
        if let Part::Column { name, definition } = part {
            if same(name, column) {
                let position = match previous {
                    Some(prev) => format!("AFTER {}", q(prev)),
                    None => "FIRST".to_string(),
                };
                return Some((definition, position));
            }
            previous = Some(name);
        }
    }
    None
}

/// `ALTER TABLE t ADD COLUMN <definition> AFTER <prev>`, plus the keys and
/// constraints the drop removes or shrinks; `None` when there is no such
/// column.
fn readd_column(table: &str, column: &str, ddl: &str, parts: &[Part]) -> Option<String> {
    let (definition, position) = column_and_position(column, parts)?;
    let mut clauses = vec![format!("ADD COLUMN {definition} {position}")];
    for part in parts {
        match part {
            Part::Key {
                name,
                primary,
                columns,
                expressions,
                definition,
            } if columns.iter().any(|c| same(c, column)) => {
                // An index on that column alone goes with it; one on more
                // columns only loses it, and is put back whole.
                let only = !expressions && columns.iter().all(|c| same(c, column));
                if !only {
                    clauses.push(if *primary {
                        "DROP PRIMARY KEY".to_string()
                    } else {
                        format!("DROP INDEX {}", q(name))
                    });
                }
                clauses.push(format!("ADD {definition}"));
            }
            // The server refuses the drop or drops the constraint with it.
            Part::Constraint {
                columns,
                definition,
                ..
            } if columns.iter().any(|c| same(c, column)) => {
                clauses.push(format!("ADD {definition}"));
            }
            _ => {}
        }
    }
    // The table's counter goes with its AUTO_INCREMENT column.
    if definition.contains(" AUTO_INCREMENT")
        && let Some(next) = auto_increment(ddl)
    {
        clauses.push(format!("AUTO_INCREMENT = {next}"));
    }
    Some(format!("ALTER TABLE {} {}", q(table), clauses.join(", ")))
}

/// The `AUTO_INCREMENT=n` table option of a `SHOW CREATE TABLE` text.
fn auto_increment(ddl: &str) -> Option<u64> {
    let options = ddl.lines().rev().find(|l| l.starts_with(')'))?;
    let value = options.split(" AUTO_INCREMENT=").nth(1)?;
    value.split(' ').next()?.parse().ok()
}

/// Whether `column` is part of the primary key or of a unique key.
fn in_unique_key(column: &str, parts: &[Part]) -> bool {
    parts.iter().any(|part| {
        matches!(part, Part::Key { primary, columns, definition, .. }
            if (*primary || definition.starts_with("UNIQUE "))
                && columns.iter().any(|c| same(c, column)))
    })
}

/// `ALTER TABLE t CHANGE COLUMN <current> <old definition> AFTER <prev>`;
/// `None` when there is no such column.
fn rechange_column(table: &str, column: &str, current: &str, parts: &[Part]) -> Option<String> {
    let (definition, position) = column_and_position(column, parts)?;
    Some(format!(
        "ALTER TABLE {} CHANGE COLUMN {} {definition} {position}",
        q(table),
        q(current)
    ))
}

/// `ALTER TABLE t ADD <key line>` for the index `name` (`PRIMARY` for the
/// primary key); `None` when the table has no such index.
fn readd_index(table: &str, name: &str, parts: &[Part]) -> Option<String> {
    parts.iter().find_map(|part| match part {
        Part::Key {
            name: key,
            definition,
            ..
        } if same(key, name) => Some(format!("ALTER TABLE {} ADD {definition}", q(table))),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DDL: &str = "CREATE TABLE `t` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `a b` varchar(20) NOT NULL DEFAULT 'x''y,(' COMMENT 'c`d',
  `c` int(11) DEFAULT NULL,
  `d` int(11) DEFAULT NULL,
  `e``f` text DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `cd` (`c`,`d`),
  KEY `c_idx` (`c`),
  KEY `pre` (`e``f`(10),`d` DESC) USING BTREE COMMENT 'x,y',
  KEY `fn` ((`d` + 1)),
  FULLTEXT KEY `ft` (`a b`),
  CONSTRAINT `chk` CHECK (`d` > 0 and `c` <> '`x`'),
  CONSTRAINT `fk` FOREIGN KEY (`c`) REFERENCES `p` (`d`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci";

    fn key(name: &str, primary: bool, columns: &[&str], expressions: bool, def: &str) -> Part {
        Part::Key {
            name: name.into(),
            primary,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            expressions,
            definition: def.into(),
        }
    }

    #[test]
    fn reads_every_line_of_show_create_table() {
        let parts = parse_create_table(DDL);
        assert_eq!(parts.len(), 13, "{parts:#?}");
        assert_eq!(
            parts[1],
            Part::Column {
                name: "a b".into(),
                definition: "`a b` varchar(20) NOT NULL DEFAULT 'x''y,(' COMMENT 'c`d'".into()
            }
        );
        assert_eq!(
            parts[4],
            Part::Column {
                name: "e`f".into(),
                definition: "`e``f` text DEFAULT NULL".into()
            }
        );
        assert_eq!(
            parts[5],
            key("PRIMARY", true, &["id"], false, "PRIMARY KEY (`id`)")
        );
        assert_eq!(
            parts[6],
            key("cd", false, &["c", "d"], false, "UNIQUE KEY `cd` (`c`,`d`)")
        );
        assert_eq!(
            parts[8],
            key(
                "pre",
                false,
                &["e`f", "d"],
                false,
                "KEY `pre` (`e``f`(10),`d` DESC) USING BTREE COMMENT 'x,y'"
            )
        );
        assert_eq!(
            parts[9],
            key("fn", false, &[], true, "KEY `fn` ((`d` + 1))")
        );
        assert_eq!(
            parts[10],
            key("ft", false, &["a b"], false, "FULLTEXT KEY `ft` (`a b`)")
        );
        assert_eq!(
            parts[11],
            Part::Constraint {
                name: "chk".into(),
                columns: vec!["d".into(), "c".into()],
                definition: "CONSTRAINT `chk` CHECK (`d` > 0 and `c` <> '`x`')".into()
            }
        );
        assert_eq!(
            parts[12],
            Part::Constraint {
                name: "fk".into(),
                columns: vec!["c".into()],
                definition:
                    "CONSTRAINT `fk` FOREIGN KEY (`c`) REFERENCES `p` (`d`) ON DELETE CASCADE"
                        .into()
            }
        );
    }

    #[test]
    fn ansi_quotes_are_understood() {
        let parts = parse_create_table(
            "CREATE TABLE \"t\" (\n  \"a\"\"b\" int DEFAULT NULL,\n  KEY \"k\" (\"a\"\"b\")\n)",
        );
        assert_eq!(
            parts,
            vec![
                Part::Column {
                    name: "a\"b".into(),
                    definition: "\"a\"\"b\" int DEFAULT NULL".into()
                },
                key("k", false, &["a\"b"], false, "KEY \"k\" (\"a\"\"b\")"),
            ]
        );
    }

    #[test]
    fn a_dropped_column_comes_back_in_place_with_its_keys() {
        let parts = parse_create_table(DDL);
        assert_eq!(
            readd_column("t", "C", DDL, &parts).unwrap(),
            "ALTER TABLE `t` ADD COLUMN `c` int(11) DEFAULT NULL AFTER `a b`, \
             DROP INDEX `cd`, ADD UNIQUE KEY `cd` (`c`,`d`), ADD KEY `c_idx` (`c`), \
             ADD CONSTRAINT `chk` CHECK (`d` > 0 and `c` <> '`x`'), \
             ADD CONSTRAINT `fk` FOREIGN KEY (`c`) REFERENCES `p` (`d`) ON DELETE CASCADE"
        );
        assert_eq!(
            readd_column("t", "id", DDL, &parts).unwrap(),
            "ALTER TABLE `t` ADD COLUMN `id` int(11) NOT NULL AUTO_INCREMENT FIRST, \
             ADD PRIMARY KEY (`id`)"
        );
        let counted = DDL.replace(") ENGINE=InnoDB ", ") ENGINE=InnoDB AUTO_INCREMENT=42 ");
        assert_eq!(auto_increment(&counted), Some(42));
        assert_eq!(auto_increment(DDL), None);
        assert_eq!(
            readd_column("t", "id", &counted, &parts).unwrap(),
            "ALTER TABLE `t` ADD COLUMN `id` int(11) NOT NULL AUTO_INCREMENT FIRST, \
             ADD PRIMARY KEY (`id`), AUTO_INCREMENT = 42"
        );
        assert_eq!(readd_column("t", "nope", DDL, &parts), None);
        assert!(in_unique_key("id", &parts));
        assert!(in_unique_key("d", &parts));
        assert!(!in_unique_key("a b", &parts));
    }

    #[test]
    fn a_changed_column_gets_its_name_definition_and_place_back() {
        let parts = parse_create_table(DDL);
        assert_eq!(
            rechange_column("t", "d", "dd", &parts).unwrap(),
            "ALTER TABLE `t` CHANGE COLUMN `dd` `d` int(11) DEFAULT NULL AFTER `c`"
        );
        assert_eq!(
            rechange_column("t", "id", "id", &parts).unwrap(),
            "ALTER TABLE `t` CHANGE COLUMN `id` `id` int(11) NOT NULL AUTO_INCREMENT FIRST"
        );
    }

    #[test]
    fn a_dropped_index_is_added_back_from_its_line() {
        let parts = parse_create_table(DDL);
        assert_eq!(
            readd_index("t", "FT", &parts).unwrap(),
            "ALTER TABLE `t` ADD FULLTEXT KEY `ft` (`a b`)"
        );
        assert_eq!(
            readd_index("t", "PRIMARY", &parts).unwrap(),
            "ALTER TABLE `t` ADD PRIMARY KEY (`id`)"
        );
        assert_eq!(readd_index("t", "chk", &parts), None);
    }

    #[test]
    fn splitting_respects_quotes_and_parentheses() {
        assert_eq!(
            split_top_level("`a,b`,(1,2),'x,''y',c"),
            vec!["`a,b`", "(1,2)", "'x,''y'", "c"]
        );
        assert_eq!(parenthesized(" (`a)` , (b)) tail"), Some("`a)` , (b)"));
        assert_eq!(identifiers("`a` + 'b`c`' + \"d\""), vec!["a", "d"]);
    }
}
