//! A statement's tokens, read with `sqlparser`'s tokenizer so that string
//! literals, quoted names and comments never pass for keywords, and the
//! small vocabulary the analysis shares: engines, names, first lines.
//!
//! The analysis reads statements from tokens rather than from a parsed
//! syntax tree because it must read statements that the engine's parser
//! rejects (that is what portability is about) and statements written for
//! another engine, the same way on every engine.

use std::ops::Range;

use sqlparser::dialect::{
    Dialect as ParserDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::dialect::SqlDialect;

/// The engines the core ships dialects for, in the order they are named
/// in messages.
pub(super) const ENGINES: [SqlDialect; 3] =
    [SqlDialect::Sqlite, SqlDialect::Postgres, SqlDialect::Mysql];

/// `sqlparser`'s dialect for a family of syntax.
pub(super) fn parser_dialect(family: SqlDialect) -> &'static dyn ParserDialect {
    match family {
        SqlDialect::Sqlite => &SQLiteDialect {},
        SqlDialect::Postgres => &PostgreSqlDialect {},
        SqlDialect::Mysql => &MySqlDialect {},
        _ => &GenericDialect {},
    }
}

/// How messages name an engine.
pub(super) fn engine_name(family: SqlDialect) -> &'static str {
    match family {
        SqlDialect::Sqlite => "SQLite",
        SqlDialect::Postgres => "PostgreSQL",
        SqlDialect::Mysql => "MySQL/MariaDB",
        _ => "generic SQL",
    }
}

/// The first line of a statement, as messages name it.
pub(super) fn first_line(sql: &str) -> String {
    const MAX: usize = 100;
    let line = sql.lines().next().unwrap_or("").trim_end();
    let mut shown: String = line.chars().take(MAX).collect();
    if shown.len() < sql.trim_end().len() {
        shown.push_str(" ...");
    }
    shown
}

/// A possibly qualified name as written, and the key it is compared by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Name {
    /// The parts as written, unquoted, joined with dots.
    pub written: String,
    /// The last part in lower case: names are compared without their
    /// schema and without case, which is right for the unquoted names
    /// migrations mostly use.
    pub key: String,
}

/// One statement's significant tokens (no whitespace, no comments).
#[derive(Debug, Clone, Default)]
pub(super) struct Lexed {
    tokens: Vec<Token>,
    /// For each token, the upper-cased word when it is an unquoted word.
    words: Vec<Option<String>>,
}

impl Lexed {
    /// Reads `sql` with the tokenizer of `family`, or, when that fails
    /// (another engine's string escapes), with the first that reads it.
    pub fn new(sql: &str, family: SqlDialect) -> Lexed {
        let order = [
            family,
            SqlDialect::Mysql,
            SqlDialect::Postgres,
            SqlDialect::Sqlite,
            SqlDialect::Generic,
        ];
        for candidate in order {
            if let Ok(tokens) = Tokenizer::new(parser_dialect(candidate), sql).tokenize() {
                let tokens: Vec<Token> = tokens
                    .into_iter()
                    .filter(|t| !matches!(t, Token::Whitespace(_)))
                    .collect();
                let words = tokens
                    .iter()
                    .map(|t| match t {
                        Token::Word(w) if w.quote_style.is_none() => {
                            Some(w.value.to_ascii_uppercase())
                        }
                        _ => None,
                    })
                    .collect();
                return Lexed { tokens, words };
            }
        }
        Lexed::default()
    }

    /// How many tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Every token.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// The token at `i`.
    pub fn token(&self, i: usize) -> Option<&Token> {
        self.tokens.get(i)
    }

    /// The unquoted word at `i`, upper-cased.
    pub fn word(&self, i: usize) -> Option<&str> {
        self.words.get(i).and_then(|w| w.as_deref())
    }

    /// Whether the unquoted word at `i` is one of `words`.
    pub fn is(&self, i: usize, words: &[&str]) -> bool {
        self.word(i).is_some_and(|w| words.contains(&w))
    }

    /// Whether the words from `i` on are `seq`.
    pub fn at(&self, i: usize, seq: &[&str]) -> bool {
        seq.iter()
            .enumerate()
            .all(|(k, w)| self.word(i + k) == Some(*w))
    }

    /// Where `seq` first occurs in `range`.
    pub fn find_in(&self, range: Range<usize>, seq: &[&str]) -> Option<usize> {
        range
            .clone()
            .find(|&i| i + seq.len() <= range.end && self.at(i, seq))
    }

    /// Where `seq` first occurs.
    pub fn find(&self, seq: &[&str]) -> Option<usize> {
        self.find_in(0..self.len(), seq)
    }

    /// Whether `seq` occurs in `range`.
    pub fn has_in(&self, range: Range<usize>, seq: &[&str]) -> bool {
        self.find_in(range, seq).is_some()
    }

    /// The leading words, up to `n`, until the first token that is not an
    /// unquoted word.
    pub fn head(&self, n: usize) -> Vec<&str> {
        (0..n).map_while(|i| self.word(i)).collect()
    }

    /// Skips the words of `optional` (in order, each when present) from `i`.
    pub fn skip(&self, mut i: usize, optional: &[&[&str]]) -> usize {
        for seq in optional {
            if self.at(i, seq) {
                i += seq.len();
            }
        }
        i
    }

    /// Skips any of `words`, in any order, from `i`.
    pub fn skip_any(&self, mut i: usize, words: &[&str]) -> usize {
        while self.is(i, words) {
            i += 1;
        }
        i
    }

    /// The name starting at `i`, and the index after it.
    pub fn name_at(&self, i: usize) -> Option<(Name, usize)> {
        let mut parts = Vec::new();
        let mut i = i;
        loop {
            let (part, next) = self.name_part(i)?;
            parts.push(part);
            i = next;
            if matches!(self.token(i), Some(Token::Period)) && self.name_part(i + 1).is_some() {
                i += 1;
            } else {
                break;
            }
        }
        let key = parts.last()?.to_lowercase();
        Some((
            Name {
                written: parts.join("."),
                key,
            },
            i,
        ))
    }

    /// One part of a name: a word, or a word in backticks that the
    /// tokenizer of an engine without them left as characters.
    fn name_part(&self, i: usize) -> Option<(String, usize)> {
        match self.token(i)? {
            Token::Word(w) => Some((w.value.clone(), i + 1)),
            Token::Char('`') => match (self.token(i + 1), self.token(i + 2)) {
                (Some(Token::Word(w)), Some(Token::Char('`'))) => Some((w.value.clone(), i + 3)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The index of the parenthesis closing the one at `open`, or the
    /// end when it is not closed.
    pub fn close_paren(&self, open: usize) -> usize {
        let mut depth = 0usize;
        for (i, t) in self.tokens.iter().enumerate().skip(open) {
            match t {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
        }
        self.len()
    }

    /// `range` cut at its commas outside parentheses.
    pub fn split_commas(&self, range: Range<usize>) -> Vec<Range<usize>> {
        let mut parts = Vec::new();
        let mut depth = 0usize;
        let mut start = range.start;
        for i in range.clone() {
            match self.tokens[i] {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
                Token::Comma if depth == 0 => {
                    parts.push(start..i);
                    start = i + 1;
                }
                _ => {}
            }
        }
        if start < range.end {
            parts.push(start..range.end);
        }
        parts
    }
}
