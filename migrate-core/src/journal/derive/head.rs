//! The leading words of statements that `sqlparser` cannot parse whole but
//! whose inverse follows from their head alone: SQLite and MySQL triggers,
//! MySQL routines and events (their bodies are beyond the parser), SQLite
//! pragmas with keyword values, PostgreSQL `DROP INDEX CONCURRENTLY`,
//! MySQL's `PREPARE ... FROM @v`.
//! The head is read with the parser's own tokenizer and keyword matching.

use sqlparser::ast::{ObjectType, Statement};
use sqlparser::dialect::Dialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use super::names::Cx;
use super::{Derived, exact, nothing_to_undo, unknown};
use crate::dialect::SqlDialect;

/// SQLite pragmas that change only the connection, so leave nothing to
/// undo once it is closed.
const SESSION_PRAGMAS: &[&str] = &[
    "automatic_index",
    "busy_timeout",
    "cache_size",
    "case_sensitive_like",
    "cell_size_check",
    "defer_foreign_keys",
    "foreign_keys",
    "ignore_check_constraints",
    "legacy_alter_table",
    "query_only",
    "recursive_triggers",
    "reverse_unordered_selects",
    "synchronous",
    "temp_store",
    "trusted_schema",
];

/// Whether a SQLite pragma (by name, any case) changes only the connection.
pub(super) fn session_pragma(name: &str) -> bool {
    SESSION_PRAGMAS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// The inverse of an unparsable statement whose head tells it, or `None`
/// when the head does not.
pub(super) fn derive_from_head(
    sql: &str,
    parser_dialect: &dyn Dialect,
    cx: &Cx,
) -> Option<Derived> {
    let mut p = Parser::new(parser_dialect).try_with_sql(sql).ok()?;
    match cx.dialect {
        SqlDialect::Sqlite if p.parse_keyword(Keyword::PRAGMA) => {
            let name = cx.name(&p.parse_object_name(false).ok()?).ok()?;
            session_pragma(name.last()).then(nothing_to_undo)
        }
        SqlDialect::Postgres
            if p.parse_keywords(&[Keyword::DROP, Keyword::INDEX, Keyword::CONCURRENTLY]) =>
        {
            let if_exists = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
            let mut names = vec![p.parse_object_name(false).ok()?];
            while p.consume_token(&Token::Comma) {
                names.push(p.parse_object_name(false).ok()?);
            }
            let cascade = p.parse_keyword(Keyword::CASCADE);
            let restrict = !cascade && p.parse_keyword(Keyword::RESTRICT);
            if p.peek_token().token != Token::EOF {
                return None;
            }
            let drop = Statement::Drop {
                object_type: ObjectType::Index,
                if_exists,
                names,
                cascade,
                restrict,
                purge: false,
                temporary: false,
                table: None,
            };
            super::statement(&drop, cx).ok()
        }
        SqlDialect::Sqlite | SqlDialect::Mysql if p.parse_keyword(Keyword::CREATE) => {
            create(&mut p, cx)
        }
        // MySQL's `PREPARE s FROM @v`, `DEALLOCATE PREPARE s`: session
        // state, gone with the connection.
        SqlDialect::Mysql
            if p.parse_one_of_keywords(&[Keyword::PREPARE, Keyword::DEALLOCATE])
                .is_some() =>
        {
            Some(nothing_to_undo())
        }
        _ => None,
    }
}

/// `CREATE [OR REPLACE] [DEFINER = who] [TEMP] {TRIGGER | FUNCTION |
/// PROCEDURE | EVENT} [IF NOT EXISTS] name ...` on SQLite and MySQL.
fn create(p: &mut Parser, cx: &Cx) -> Option<Derived> {
    let mysql = cx.dialect == SqlDialect::Mysql;
    let kinds = [
        Keyword::TRIGGER,
        Keyword::FUNCTION,
        Keyword::PROCEDURE,
        Keyword::EVENT,
    ];
    let or_replace = p.parse_keywords(&[Keyword::OR, Keyword::REPLACE]);
    if mysql && p.parse_keyword(Keyword::DEFINER) {
        // `= user@host` or `= CURRENT_USER[()]`: skip to the object's kind.
        for _ in 0..16 {
            if kinds.iter().any(|k| p.peek_keyword(*k)) || p.peek_token().token == Token::EOF {
                break;
            }
            p.next_token();
        }
    }
    let temporary = p
        .parse_one_of_keywords(&[Keyword::TEMP, Keyword::TEMPORARY])
        .is_some();
    let kind = match p.parse_one_of_keywords(&kinds)? {
        Keyword::TRIGGER => "TRIGGER",
        // MySQL has no overloading: a routine's name is enough to drop it.
        Keyword::FUNCTION if mysql => "FUNCTION",
        Keyword::PROCEDURE if mysql => "PROCEDURE",
        Keyword::EVENT if mysql => "EVENT",
        _ => return None,
    };
    let if_not_exists = p.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let name = cx.name(&p.parse_object_name(false).ok()?).ok()?;
    let lower = kind.to_ascii_lowercase();
    Some(if temporary {
        // A temporary trigger goes with the connection that made it.
        nothing_to_undo()
    } else if or_replace {
        unknown(
            format!(
                "CREATE OR REPLACE {kind} may have replaced an existing {lower}, whose definition is not captured"
            ),
            None,
        )
    } else if if_not_exists {
        unknown(
            format!("CREATE {kind} IF NOT EXISTS may not have created the {lower}"),
            None,
        )
    } else {
        exact(vec![format!("DROP {kind} {}", cx.sql(&name))], None)
    })
}
