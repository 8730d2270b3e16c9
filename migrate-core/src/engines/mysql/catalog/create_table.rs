//! The body of `SHOW CREATE TABLE`, read line by line as the server prints
//! it, and the statements that put back a column or an index from it.

use crate::backend::Dialect;
use crate::engines::mysql::MysqlDialect;

pub(super) fn q(ident: &str) -> String {
    MysqlDialect.quote_identifier(ident)
}

/// One line of the body of `SHOW CREATE TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
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
pub(super) fn parse_create_table(ddl: &str) -> Vec<Part> {
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
pub(super) fn identifiers(s: &str) -> Vec<String> {
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
pub(super) fn parenthesized(s: &str) -> Option<&str> {
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
pub(super) fn split_top_level(s: &str) -> Vec<&str> {
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
pub(super) fn readd_column(table: &str, column: &str, ddl: &str, parts: &[Part]) -> Option<String> {
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
pub(super) fn auto_increment(ddl: &str) -> Option<u64> {
    let options = ddl.lines().rev().find(|l| l.starts_with(')'))?;
    let value = options.split(" AUTO_INCREMENT=").nth(1)?;
    value.split(' ').next()?.parse().ok()
}

/// Whether `column` is part of the primary key or of a unique key.
pub(super) fn in_unique_key(column: &str, parts: &[Part]) -> bool {
    parts.iter().any(|part| {
        matches!(part, Part::Key { primary, columns, definition, .. }
            if (*primary || definition.starts_with("UNIQUE "))
                && columns.iter().any(|c| same(c, column)))
    })
}

/// `ALTER TABLE t CHANGE COLUMN <current> <old definition> AFTER <prev>`;
/// `None` when there is no such column.
pub(super) fn rechange_column(
    table: &str,
    column: &str,
    current: &str,
    parts: &[Part],
) -> Option<String> {
    let (definition, position) = column_and_position(column, parts)?;
    Some(format!(
        "ALTER TABLE {} CHANGE COLUMN {} {definition} {position}",
        q(table),
        q(current)
    ))
}

/// `ALTER TABLE t ADD <key line>` for the index `name` (`PRIMARY` for the
/// primary key); `None` when the table has no such index.
pub(super) fn readd_index(table: &str, name: &str, parts: &[Part]) -> Option<String> {
    parts.iter().find_map(|part| match part {
        Part::Key {
            name: key,
            definition,
            ..
        } if same(key, name) => Some(format!("ALTER TABLE {} ADD {definition}", q(table))),
        _ => None,
    })
}
