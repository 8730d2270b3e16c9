//! Whether each statement written by hand runs on the engine it is read
//! for: constructs of another engine's SQL, found word by word, and
//! statements that the engine's parser rejects while another engine's
//! reads them.
//!
//! Constructs are recognized on tokens, so a keyword inside a string or a
//! comment never counts. Each rule names the engines that accept the
//! construct; the others get an `error`, or a `warning` where the engine
//! accepts the construct with another meaning (SQLite's backticks, MySQL's
//! `SERIAL`). The parsers (`sqlparser`) accept more than the engines do,
//! so a statement they read is not proven portable; a statement they do
//! not read on this engine but do on another is a strong sign it was
//! written for that one.

mod alter;
mod constructs;
mod types;

use sqlparser::parser::Parser;

use super::findings::{Finding, Severity, codes};
use super::lexed::{ENGINES, engine_name, first_line, parser_dialect};
use super::{Cx, Stmt};
use crate::dialect::SqlDialect;

/// A construct of another engine's SQL, as one rule saw it.
#[derive(Debug, Clone)]
pub(super) struct Hit {
    /// `Error` where the engine refuses it, `Warning` where it accepts it
    /// with another meaning.
    pub severity: Severity,
    /// What it is and what to write instead.
    pub text: String,
}

impl Hit {
    fn error(text: impl Into<String>) -> Hit {
        Hit {
            severity: Severity::Error,
            text: text.into(),
        }
    }

    fn warning(text: impl Into<String>) -> Hit {
        Hit {
            severity: Severity::Warning,
            text: text.into(),
        }
    }
}

/// A column's `REFERENCES`, which MySQL parses and ignores
/// (<https://dev.mysql.com/doc/refman/8.0/en/create-table.html>) until 9.0
/// (WL#16130), and MariaDB until 10.5 (MDEV-20729).
fn references_ignored() -> Hit {
    Hit::warning(
        "MySQL (before 9.0) and MariaDB (before 10.5) accept REFERENCES on a column and ignore it: no foreign key is made; \
write it as a table constraint (FOREIGN KEY (c) REFERENCES t (id))",
    )
}

/// Checks the statements written by hand of one section.
pub(super) fn check(
    cx: &Cx,
    path: &std::path::Path,
    statements: &[Stmt],
    findings: &mut Vec<Finding>,
) {
    let family = cx.family;
    let own_file = written_for(path, family);
    for s in statements.iter().filter(|s| s.written) {
        let mut hits = constructs::hits(family, s, own_file);
        hits.extend(alter::hits(family, s));
        hits.extend(types::hits(family, s));
        let message = |text: &str| format!("`{}`: {text}", first_line(s.sql));
        if !hits.is_empty() {
            let hint = variant_hint(cx, path, own_file);
            for hit in hits {
                let text = if hit.severity == Severity::Error {
                    format!("{}{hint}", hit.text)
                } else {
                    hit.text
                };
                findings.push(Finding::new(
                    codes::NOT_PORTABLE,
                    hit.severity,
                    message(&text),
                    path,
                    Some(s.line),
                ));
            }
            continue;
        }
        if let Some((severity, code, text)) = parse_check(family, s) {
            let text = if severity == Severity::Error {
                format!("{text}{}", variant_hint(cx, path, own_file))
            } else {
                text
            };
            findings.push(Finding::new(
                code,
                severity,
                message(&text),
                path,
                Some(s.line),
            ));
        }
    }
}

/// What the parsers tell of a statement that no rule recognized: nothing
/// when the engine's parser reads it, an error when only another engine's
/// does, and that it could not be checked when none does.
fn parse_check(family: SqlDialect, s: &Stmt) -> Option<(Severity, &'static str, String)> {
    let target = match Parser::parse_sql(parser_dialect(family), s.sql) {
        Ok(_) => return None,
        Err(e) => e.to_string(),
    };
    // sqlparser reads no SQLite pragma with a keyword value nor
    // PostgreSQL's DROP INDEX CONCURRENTLY, and neither holds anything
    // else to check.
    let head = s.lexed.head(3);
    match (family, head.as_slice()) {
        (SqlDialect::Sqlite, ["PRAGMA", ..])
        | (SqlDialect::Postgres, ["DROP", "INDEX", "CONCURRENTLY"]) => return None,
        _ => {}
    }
    let others: Vec<&str> = ENGINES
        .iter()
        .filter(|e| **e != family)
        .filter(|e| Parser::parse_sql(parser_dialect(**e), s.sql).is_ok())
        .map(|e| engine_name(*e))
        .collect();
    // Bodies of triggers and routines are where the parsers differ most
    // from the engines (sqlparser reads a SQLite trigger only with
    // PostgreSQL's dialect), and a parser that does not know the kind of
    // statement at all (SQLite's has no DROP TRIGGER) tells nothing of the
    // engine: the rules know the statements that are one engine's own.
    let unknown_kind = target.contains("Expected: an SQL statement")
        || target.contains("Expected: an object type after");
    if others.is_empty() || defines_routine(s) || unknown_kind {
        return Some((
            Severity::Info,
            codes::NOT_CHECKED,
            format!(
                "could not be checked: the SQL parser used here does not read it ({}); check it by hand on {}",
                strip_prefix(&target),
                engine_name(family)
            ),
        ));
    }
    Some((
        Severity::Error,
        codes::NOT_PORTABLE,
        format!(
            "does not parse as {} SQL ({}) but does as {}'s: it looks written for {}; rewrite it for {}",
            engine_name(family),
            strip_prefix(&target),
            others.join(" and "),
            if others.len() == 1 {
                "that engine"
            } else {
                "those engines"
            },
            engine_name(family)
        ),
    ))
}

fn strip_prefix(error: &str) -> &str {
    error.strip_prefix("sql parser error: ").unwrap_or(error)
}

/// `CREATE [OR REPLACE] [DEFINER = ...] [TEMP] {TRIGGER | FUNCTION |
/// PROCEDURE | EVENT}`, PostgreSQL's `DO`, and a compound statement.
fn defines_routine(s: &Stmt) -> bool {
    let l = &s.lexed;
    match l.word(0) {
        Some("DO" | "BEGIN") => true,
        Some("CREATE") => {
            (1..l.len().min(12)).any(|i| l.is(i, &["TRIGGER", "FUNCTION", "PROCEDURE", "EVENT"]))
        }
        _ => false,
    }
}

/// Whether the file's name carries the engine's tag
/// (`0003_x.mysql.sql`): it was written for that engine alone.
fn written_for(path: &std::path::Path, family: SqlDialect) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.split('.')
        .skip(1)
        .any(|part| SqlDialect::from_name(part) == Some(family))
}

/// How to give one engine its own SQL, appended to errors.
fn variant_hint(cx: &Cx, path: &std::path::Path, own_file: bool) -> String {
    if own_file {
        return String::new();
    }
    let tag = family_tag(cx.family);
    if cx.portable.is_some() {
        return format!(
            "; or give the `sql` operation a variant for this engine (`{tag} = {{ up = \"...\" }}`)"
        );
    }
    let stem = &cx.migration.name;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let section = if name.ends_with(".up.sql") {
        ".up"
    } else if name.ends_with(".down.sql") {
        ".down"
    } else {
        ""
    };
    format!(
        "; or write a variant for this engine: `{stem}.{tag}{section}.sql` replaces this file there"
    )
}

fn family_tag(family: SqlDialect) -> &'static str {
    family.name()
}
