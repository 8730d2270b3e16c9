//! Splitting a SQL script into the statements that are sent to the server one
//! at a time, the way each engine's own command-line client splits it.
//!
//! The text is read with `sqlparser`'s tokenizer for the dialect, so strings,
//! quoted identifiers, comments, MySQL backslash escapes and PostgreSQL dollar
//! quotes never end a statement. Statements are sliced out of the original
//! text by byte offsets, never printed back from tokens, so what is sent is
//! exactly what the user wrote.
//!
//! A statement ends at a `;` that is not inside a compound body. Bodies are
//! found by counting `BEGIN ... END` and `CASE ... END`, which keeps SQLite
//! trigger bodies, MySQL routines written without `DELIMITER` and PostgreSQL
//! `BEGIN ATOMIC` bodies in one piece. Like psql, PostgreSQL statements also
//! do not end inside parentheses.
//!
//! For MySQL the client-side `DELIMITER` command is understood: while a custom
//! delimiter is active a statement ends wherever that text occurs outside
//! strings, quoted identifiers and comments, and no blocks are counted.
//!
//! Accepted limitations:
//! - `DELIMITER` is recognised only as the first word of a line, where a new
//!   statement would start; its argument is the next whitespace-separated
//!   word and the rest of that line is ignored.
//! - A custom delimiter is looked for at the start of every token and inside
//!   unquoted tokens (`END$$` is one MySQL word), but not across the boundary
//!   between an unquoted token and a following string or comment.
//! - `BEGIN` opens a block only in a statement that defines a routine (it
//!   mentions `TRIGGER`, `PROCEDURE`, `FUNCTION` or `EVENT`) or inside a block
//!   already open, so that a column named `begin` cannot swallow the rest of
//!   the script. Unquoted identifiers named `end` or `case` inside a compound
//!   body can still confuse the count.
//! - MySQL executable comments (`/*! ... */`) are kept as statement text, as
//!   the client sends them, but are otherwise opaque.

use std::ops::Range;

use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Whitespace};

use crate::dialect::SqlDialect;

/// One statement of a script, as it will be sent to the server.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Statement {
    /// The statement text, without its terminating delimiter, without
    /// leading/trailing whitespace and without comments that stand before the
    /// first token or after the last token.
    pub sql: String,
    /// 1-based line, in the text that was split, of the statement's first token.
    pub line: usize,
}

/// The text could not be split (e.g. an unterminated string or comment).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct SplitError {
    /// 1-based line of the problem in the text that was split.
    pub line: usize,
    /// 1-based column of the problem, counted in characters.
    pub column: usize,
    /// What is wrong, e.g. "unterminated string literal".
    pub message: String,
}

/// Splits `text` into statements the way `dialect`'s own command-line client
/// would.
///
/// Statements that hold nothing but whitespace and comments are dropped; a
/// last statement without a terminating delimiter is kept.
pub fn split_statements(text: &str, dialect: SqlDialect) -> Result<Vec<Statement>, SplitError> {
    let mut splitter = Splitter {
        text,
        dialect,
        lines: LineIndex::new(text),
        custom_delimiter: None,
        statements: Vec::new(),
    };
    let mut position = 0;
    while position < text.len() {
        position = splitter.split_region(position)?;
    }
    // Kept for the whole run, one list per script: most hold one or two
    // statements, and a list grown by pushing has room for four.
    let mut statements = splitter.statements;
    statements.shrink_to_fit();
    Ok(statements)
}

/// The state of one split: the statements found so far and the delimiter in
/// force.
struct Splitter<'a> {
    text: &'a str,
    dialect: SqlDialect,
    lines: LineIndex,
    /// The delimiter set by a MySQL `DELIMITER` command; `None` while it is
    /// `;`, the only case in which compound bodies are counted.
    custom_delimiter: Option<String>,
    statements: Vec<Statement>,
}

impl Splitter<'_> {
    /// Tokenizes the text from byte `from` on and splits it into statements
    /// until the end of the text, or until the rest must be tokenized afresh
    /// (after a `DELIMITER` line, or after a custom delimiter that the
    /// tokenizer had read as the start of a string or comment). Returns where
    /// to go on.
    fn split_region(&mut self, from: usize) -> Result<usize, SplitError> {
        let mut region = Region::tokenize(self.text, from, self.dialect);
        let mut next = 0;
        loop {
            if let Some(resume) = self.delimiter_command(&region.tokens[next..])? {
                return Ok(resume);
            }
            let end = match &self.custom_delimiter {
                // psql, unlike the other clients, waits for parentheses to
                // close (`CREATE RULE ... DO (INSERT ...; INSERT ...)`).
                None => {
                    scan_to_semicolon(&region.tokens, next, self.dialect == SqlDialect::Postgres)
                }
                Some(delimiter) => scan_to_delimiter(self.text, &region, next, delimiter),
            };
            if let Some(range) = end.extent {
                self.push(range);
            }
            match end.resume {
                Resume::Token(index) => next = index,
                Resume::TokenRest { index, offset } => {
                    // Its keyword, if it had one, was that of the whole token.
                    region.tokens[index] = Tok {
                        kind: Kind::Other,
                        start: offset,
                        end: region.tokens[index].end,
                    };
                    next = index;
                }
                Resume::Retokenize(offset) => return Ok(offset),
                // Only now does a tokenizer error matter: everything before it
                // has been split, and nothing after it could be.
                Resume::Exhausted => {
                    return match region.error {
                        Some((offset, message)) => Err(self.error_at(offset, &message)),
                        None => Ok(self.text.len()),
                    };
                }
            }
        }
    }

    /// Handles a MySQL `DELIMITER` line standing where a statement would
    /// start (`tokens` begins there). Returns the offset of the next line, or
    /// `None` when the statement is not a `DELIMITER` command.
    fn delimiter_command(&mut self, tokens: &[Tok]) -> Result<Option<usize>, SplitError> {
        if self.dialect != SqlDialect::Mysql {
            return Ok(None);
        }
        let Some(word) = tokens.iter().find(|tok| tok.kind != Kind::Blank) else {
            return Ok(None);
        };
        if word.kind != Kind::Word(Keyword::Delimiter) || !self.starts_line(word.start) {
            return Ok(None);
        }
        let line_end = self.text[word.end..]
            .find('\n')
            .map_or(self.text.len(), |newline| word.end + newline);
        match self.text[word.end..line_end].split_whitespace().next() {
            None => {
                return Err(self.error_at(word.start, "DELIMITER must be followed by a delimiter"));
            }
            Some(";") => self.custom_delimiter = None,
            Some(delimiter) => self.custom_delimiter = Some(delimiter.to_owned()),
        }
        Ok(Some((line_end + 1).min(self.text.len())))
    }

    /// Whether only blanks stand between the start of its line and `offset`.
    fn starts_line(&self, offset: usize) -> bool {
        let line_start = self.lines.start_of_line(self.lines.line_of(offset));
        self.text[line_start..offset]
            .chars()
            .all(char::is_whitespace)
    }

    fn push(&mut self, range: Range<usize>) {
        self.statements.push(Statement {
            line: self.lines.line_of(range.start),
            sql: self.text[range].to_owned(),
        });
    }

    /// A [`SplitError`] located at byte `offset` of the whole text.
    fn error_at(&self, offset: usize, message: &str) -> SplitError {
        let line = self.lines.line_of(offset);
        let line_start = self.lines.start_of_line(line);
        SplitError {
            line,
            column: self.text[line_start..offset].chars().count() + 1,
            message: message.to_owned(),
        }
    }
}

/// The tokenizer capitalises its messages; ours follow the usual Rust style
/// of lowercase error messages.
fn lowercase_first(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Where a statement ends and how splitting goes on after it.
struct StatementEnd {
    /// Byte range of the statement's text; `None` if it has no token other
    /// than whitespace and comments.
    extent: Option<Range<usize>>,
    resume: Resume,
}

enum Resume {
    /// With this token of the same region (possibly one past the last).
    Token(usize),
    /// The region's tokens are used up: the text ended, or the tokenizer
    /// failed there.
    Exhausted,
    /// At this byte offset, which needs a fresh tokenization.
    Retokenize(usize),
    /// With the part of the unquoted token `tokens[index]` from byte
    /// `offset` on.
    TokenRest { index: usize, offset: usize },
}

/// The byte range from the first to the last significant token seen so far.
#[derive(Default)]
struct Extent {
    range: Option<Range<usize>>,
}

impl Extent {
    fn include(&mut self, start: usize, end: usize) {
        match &mut self.range {
            Some(range) => range.end = end,
            None => self.range = Some(start..end),
        }
    }

    fn is_empty(&self) -> bool {
        self.range.is_none()
    }
}

/// Finds the end of the statement that starts at `tokens[first]` when the
/// delimiter is `;`: the first `;` outside every compound body and, if
/// `count_parens`, outside parentheses.
fn scan_to_semicolon(tokens: &[Tok], first: usize, count_parens: bool) -> StatementEnd {
    let mut extent = Extent::default();
    let mut blocks = Blocks::default();
    let mut parens = 0usize;
    let mut at = first;
    while at < tokens.len() {
        let tok = &tokens[at];
        match tok.kind {
            Kind::Blank => {}
            Kind::Semicolon if blocks.depth == 0 && parens == 0 => {
                return StatementEnd {
                    extent: extent.range,
                    resume: Resume::Token(at + 1),
                };
            }
            Kind::Word(keyword) => {
                let last = blocks.keyword(keyword, extent.is_empty(), tokens, at);
                extent.include(tok.start, tokens[last].end);
                at = last;
            }
            Kind::OpenParen | Kind::CloseParen if count_parens => {
                parens = match tok.kind {
                    Kind::OpenParen => parens + 1,
                    _ => parens.saturating_sub(1),
                };
                extent.include(tok.start, tok.end);
            }
            _ => extent.include(tok.start, tok.end),
        }
        at += 1;
    }
    StatementEnd {
        extent: extent.range,
        resume: Resume::Exhausted,
    }
}

/// Counts the compound bodies a `;`-delimited statement is inside of, so that
/// the `;` between the statements of a body do not end the statement.
#[derive(Default)]
struct Blocks {
    depth: usize,
    /// The statement mentioned TRIGGER, PROCEDURE, FUNCTION or EVENT, so a
    /// `BEGIN` in it starts a body rather than naming a column.
    defines_routine: bool,
}

impl Blocks {
    /// Updates the count for the keyword at `tokens[at]` (`is_first`: it is
    /// the statement's first token). Returns the index of the last token it
    /// took: the `CASE` of `END CASE`, which must not open a new level.
    fn keyword(&mut self, keyword: Keyword, is_first: bool, tokens: &[Tok], at: usize) -> usize {
        match keyword {
            Keyword::Routine => self.defines_routine = true,
            // A statement starting with BEGIN starts a transaction.
            Keyword::Begin if !is_first && (self.defines_routine || self.depth > 0) => {
                self.depth += 1;
            }
            Keyword::Case => self.depth += 1,
            Keyword::End => match next_significant(tokens, at + 1) {
                // END IF, END LOOP, ...: their openers were never counted.
                Some((_, Kind::Word(Keyword::EndsUncounted))) => {}
                // END CASE closes the CASE level, and its CASE opens nothing.
                Some((case, Kind::Word(Keyword::Case))) => {
                    self.depth = self.depth.saturating_sub(1);
                    return case;
                }
                _ => self.depth = self.depth.saturating_sub(1),
            },
            _ => {}
        }
        at
    }
}

/// The index and kind of the first token from `tokens[from]` on that is not
/// whitespace or a comment.
fn next_significant(tokens: &[Tok], from: usize) -> Option<(usize, Kind)> {
    tokens
        .iter()
        .enumerate()
        .skip(from)
        .find(|(_, tok)| tok.kind != Kind::Blank)
        .map(|(index, tok)| (index, tok.kind))
}

/// Finds the end of the statement that starts at `region.tokens[first]` while
/// a custom `delimiter` is active: its first occurrence outside strings,
/// quoted identifiers and comments. `;` and blocks mean nothing then.
fn scan_to_delimiter(text: &str, region: &Region, first: usize, delimiter: &str) -> StatementEnd {
    let tokens = &region.tokens;
    let mut extent = Extent::default();
    for (at, tok) in tokens.iter().enumerate().skip(first) {
        if let Some(found) = find_delimiter(text, tok, delimiter) {
            if found > tok.start {
                extent.include(tok.start, found);
            }
            return StatementEnd {
                extent: extent.range,
                resume: resume_after(tokens, at, found + delimiter.len()),
            };
        }
        if tok.kind != Kind::Blank {
            extent.include(tok.start, tok.end);
        }
    }
    // The tokenizer stops at its first error. If the delimiter stands there,
    // the "error" was the delimiter read as the start of a string or comment:
    // the client looks for the delimiter before it looks for quotes.
    let tail = tokens.last().map_or(region.start, |tok| tok.end);
    let resume = if text[tail..].starts_with(delimiter) {
        Resume::Retokenize(tail + delimiter.len())
    } else {
        Resume::Exhausted
    };
    StatementEnd {
        extent: extent.range,
        resume,
    }
}

/// Where `delimiter` starts in `tok`, if it does: at the token's first
/// character whatever the token is (the client looks for the delimiter before
/// quotes and comments), or anywhere inside an unquoted token (`END$$` is a
/// single MySQL word).
fn find_delimiter(text: &str, tok: &Tok, delimiter: &str) -> Option<usize> {
    if text[tok.start..].starts_with(delimiter) {
        return Some(tok.start);
    }
    if matches!(tok.kind, Kind::Blank | Kind::Opaque) {
        return None;
    }
    text[tok.start..tok.end]
        .char_indices()
        .skip(1)
        .map(|(index, _)| tok.start + index)
        .find(|&offset| text[offset..].starts_with(delimiter))
}

/// How to go on after a delimiter that ends at byte `offset`, found in
/// `tokens[at]`.
fn resume_after(tokens: &[Tok], at: usize, offset: usize) -> Resume {
    let Some(index) = (at..tokens.len()).find(|&index| tokens[index].end > offset) else {
        // The delimiter ends where the tokens do (end of text or error).
        return Resume::Retokenize(offset);
    };
    let tok = &tokens[index];
    if tok.start == offset {
        Resume::Token(index)
    } else if matches!(tok.kind, Kind::Blank | Kind::Opaque) {
        // The delimiter stood where the tokenizer saw a string or comment
        // start: what follows it means something else now.
        Resume::Retokenize(offset)
    } else {
        // The rest of an unquoted token (`SELECT` of the MySQL word
        // `$$SELECT`) holds no quote or comment, so it can be taken as is
        // instead of tokenizing the rest of the text again, which would make
        // splitting quadratic.
        Resume::TokenRest { index, offset }
    }
}

/// The tokens of the text from byte `start` to the end, or to the first
/// tokenizer error.
struct Region {
    start: usize,
    tokens: Vec<Tok>,
    /// Byte offset (in the whole text) and message of the tokenizer error.
    error: Option<(usize, String)>,
}

impl Region {
    fn tokenize(text: &str, start: usize, dialect: SqlDialect) -> Region {
        let source = &text[start..];
        let tokenizer_dialect = tokenizer_dialect(dialect);
        let mut raw: Vec<TokenWithSpan> = Vec::new();
        // On error the buffer keeps the tokens read before it, which lets the
        // caller split up to the error (or find a custom delimiter there).
        let result = Tokenizer::new(tokenizer_dialect.as_ref(), source)
            .with_unescape(false)
            .tokenize_with_location_into_buf(&mut raw);
        let mut cursor = Cursor::new(source);
        let tokens = raw
            .iter()
            .map(|tok| Tok {
                kind: Kind::of(&tok.token, dialect),
                start: start + cursor.offset_of(tok.span.start),
                end: start + cursor.offset_of(tok.span.end),
            })
            .collect();
        let error = result.err().map(|error| {
            (
                start + cursor.offset_of(error.location),
                lowercase_first(&error.message),
            )
        });
        Region {
            start,
            tokens,
            error,
        }
    }
}

/// A statement's tokens without its comments, one space apart: texts that
/// differ only in comments and in the whitespace between tokens have the
/// same normal form, and any other difference (a keyword, a name, a
/// string's content, the case of a word) shows. Comments the server reads
/// (MySQL's executable `/*! ... */` and optimizer hints `/*+ ... */`) are
/// kept. `None` when the text cannot be tokenized.
pub fn normal_form(sql: &str, dialect: SqlDialect) -> Option<String> {
    let tokenizer_dialect = tokenizer_dialect(dialect);
    let tokens = Tokenizer::new(tokenizer_dialect.as_ref(), sql)
        .with_unescape(false)
        .tokenize()
        .ok()?;
    let kept: Vec<String> = tokens
        .iter()
        .filter(|token| match token {
            Token::Whitespace(Whitespace::MultiLineComment(text)) => {
                text.starts_with('!') || text.starts_with('+')
            }
            Token::Whitespace(_) => false,
            _ => true,
        })
        .map(Token::to_string)
        .collect();
    Some(kept.join(" "))
}

pub(crate) fn tokenizer_dialect(dialect: SqlDialect) -> Box<dyn Dialect> {
    match dialect {
        SqlDialect::Sqlite => Box::new(SQLiteDialect {}),
        SqlDialect::Postgres => Box::new(PostgreSqlDialect {}),
        SqlDialect::Mysql => Box::new(MySqlDialect {}),
        SqlDialect::Generic => Box::new(GenericDialect {}),
    }
}

/// A token reduced to what splitting needs, with byte offsets into the whole
/// text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Whitespace or a comment: never part of a statement's edges.
    Blank,
    Semicolon,
    OpenParen,
    CloseParen,
    /// An unquoted word.
    Word(Keyword),
    /// A string literal, a quoted identifier or a MySQL executable comment:
    /// statement text whose inside is never looked at.
    Opaque,
    /// Any other token (numbers, operators, punctuation...).
    Other,
}

impl Kind {
    fn of(token: &Token, dialect: SqlDialect) -> Kind {
        match token {
            // `/*! ... */` is not a comment to MySQL but code for the server.
            Token::Whitespace(Whitespace::MultiLineComment(body))
                if dialect == SqlDialect::Mysql && body.starts_with('!') =>
            {
                Kind::Opaque
            }
            Token::Whitespace(_) => Kind::Blank,
            Token::SemiColon => Kind::Semicolon,
            Token::LParen => Kind::OpenParen,
            Token::RParen => Kind::CloseParen,
            Token::Word(word) if word.quote_style.is_none() => Kind::Word(Keyword::of(&word.value)),
            Token::Word(_)
            | Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::TripleSingleQuotedString(_)
            | Token::TripleDoubleQuotedString(_)
            | Token::DollarQuotedString(_)
            | Token::SingleQuotedByteStringLiteral(_)
            | Token::DoubleQuotedByteStringLiteral(_)
            | Token::TripleSingleQuotedByteStringLiteral(_)
            | Token::TripleDoubleQuotedByteStringLiteral(_)
            | Token::SingleQuotedRawStringLiteral(_)
            | Token::DoubleQuotedRawStringLiteral(_)
            | Token::TripleSingleQuotedRawStringLiteral(_)
            | Token::TripleDoubleQuotedRawStringLiteral(_)
            | Token::NationalStringLiteral(_)
            | Token::EscapedStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
            | Token::HexStringLiteral(_) => Kind::Opaque,
            _ => Kind::Other,
        }
    }
}

/// The words that matter for splitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keyword {
    Begin,
    Case,
    End,
    /// IF, LOOP, WHILE, REPEAT: after END they close a construct whose opener
    /// is not counted.
    EndsUncounted,
    /// TRIGGER, PROCEDURE, FUNCTION, EVENT: the statement defines a routine.
    Routine,
    Delimiter,
    Other,
}

impl Keyword {
    fn of(word: &str) -> Keyword {
        const TABLE: &[(&str, Keyword)] = &[
            ("BEGIN", Keyword::Begin),
            ("CASE", Keyword::Case),
            ("END", Keyword::End),
            ("IF", Keyword::EndsUncounted),
            ("LOOP", Keyword::EndsUncounted),
            ("WHILE", Keyword::EndsUncounted),
            ("REPEAT", Keyword::EndsUncounted),
            ("TRIGGER", Keyword::Routine),
            ("PROCEDURE", Keyword::Routine),
            ("FUNCTION", Keyword::Routine),
            ("EVENT", Keyword::Routine),
            ("DELIMITER", Keyword::Delimiter),
        ];
        TABLE
            .iter()
            .find(|(name, _)| word.eq_ignore_ascii_case(name))
            .map_or(Keyword::Other, |&(_, keyword)| keyword)
    }
}

/// Converts the tokenizer's locations (1-based line and column, columns
/// counted in chars, only `\n` starting a line) into byte offsets of its
/// input. Locations come in increasing order, so walking forward keeps the
/// whole conversion linear.
struct Cursor<'a> {
    source: &'a str,
    offset: usize,
    line: u64,
    column: u64,
}

impl<'a> Cursor<'a> {
    fn new(source: &'a str) -> Self {
        Cursor {
            source,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    fn offset_of(&mut self, location: Location) -> usize {
        let target = (location.line, location.column);
        if target < (self.line, self.column) {
            *self = Cursor::new(self.source);
        }
        while (self.line, self.column) < target {
            let Some(c) = self.source[self.offset..].chars().next() else {
                break;
            };
            self.offset += c.len_utf8();
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.offset
    }
}

/// Byte offsets of the starts of the lines of a text.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        LineIndex { starts }
    }

    /// The 1-based line that byte `offset` is on.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }

    /// The byte offset at which 1-based `line` starts.
    fn start_of_line(&self, line: usize) -> usize {
        self.starts[line - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits `text` and compares the statements with `expected` (text, line).
    #[track_caller]
    fn check(text: &str, dialect: SqlDialect, expected: &[(&str, usize)]) {
        let statements = split_statements(text, dialect).expect("text should split");
        let actual: Vec<(&str, usize)> = statements
            .iter()
            .map(|statement| (statement.sql.as_str(), statement.line))
            .collect();
        assert_eq!(actual, expected);
    }

    #[track_caller]
    fn check_error(text: &str, dialect: SqlDialect, line: usize, column: usize, message: &str) {
        let error = split_statements(text, dialect).expect_err("text should not split");
        assert_eq!(
            error,
            SplitError {
                line,
                column,
                message: message.to_owned()
            }
        );
    }

    #[test]
    fn splits_simple_statements_with_their_lines() {
        check(
            "CREATE TABLE a (id INT);\nINSERT INTO a VALUES (1);\n\nSELECT * FROM a;\n",
            SqlDialect::Sqlite,
            &[
                ("CREATE TABLE a (id INT)", 1),
                ("INSERT INTO a VALUES (1)", 2),
                ("SELECT * FROM a", 4),
            ],
        );
    }

    #[test]
    fn several_statements_on_one_line() {
        check(
            "SELECT 1; SELECT 2;SELECT 3 ;",
            SqlDialect::Generic,
            &[("SELECT 1", 1), ("SELECT 2", 1), ("SELECT 3", 1)],
        );
    }

    #[test]
    fn semicolon_in_single_quoted_string() {
        check(
            "INSERT INTO t VALUES ('a;b', 'it''s; ok');SELECT 2",
            SqlDialect::Generic,
            &[
                ("INSERT INTO t VALUES ('a;b', 'it''s; ok')", 1),
                ("SELECT 2", 1),
            ],
        );
    }

    #[test]
    fn semicolon_in_double_quoted_identifier() {
        check(
            "CREATE TABLE \"a;b\" (x INT);\nSELECT 1;",
            SqlDialect::Postgres,
            &[("CREATE TABLE \"a;b\" (x INT)", 1), ("SELECT 1", 2)],
        );
    }

    #[test]
    fn semicolon_in_mysql_double_quoted_string() {
        check(
            "SELECT \"a;b\";\nSELECT 2;",
            SqlDialect::Mysql,
            &[("SELECT \"a;b\"", 1), ("SELECT 2", 2)],
        );
    }

    #[test]
    fn semicolon_in_backticks() {
        check(
            "CREATE TABLE `a;b` (`c;d` INT);SELECT 1;",
            SqlDialect::Mysql,
            &[("CREATE TABLE `a;b` (`c;d` INT)", 1), ("SELECT 1", 1)],
        );
    }

    #[test]
    fn semicolon_in_sqlite_bracket_identifier() {
        check(
            "SELECT [a;b] FROM t; SELECT 2",
            SqlDialect::Sqlite,
            &[("SELECT [a;b] FROM t", 1), ("SELECT 2", 1)],
        );
    }

    #[test]
    fn semicolon_in_line_comment() {
        check(
            "SELECT 1 -- not; the end\n+ 1;\nSELECT 2;",
            SqlDialect::Sqlite,
            &[("SELECT 1 -- not; the end\n+ 1", 1), ("SELECT 2", 3)],
        );
    }

    #[test]
    fn semicolon_in_block_comment() {
        check(
            "SELECT /* a; b */ 1;\nSELECT /* multi\nline; */ 2;",
            SqlDialect::Postgres,
            &[
                ("SELECT /* a; b */ 1", 1),
                ("SELECT /* multi\nline; */ 2", 2),
            ],
        );
    }

    #[test]
    fn semicolon_in_mysql_hash_comment() {
        check(
            "SELECT 1, # a; b\n2;\nSELECT 3;",
            SqlDialect::Mysql,
            &[("SELECT 1, # a; b\n2", 1), ("SELECT 3", 3)],
        );
    }

    #[test]
    fn comment_only_text_has_no_statements() {
        check(
            "-- just a comment;\n/* another; */\n\n",
            SqlDialect::Postgres,
            &[],
        );
        check("# mysql; comment\n-- and this;\n", SqlDialect::Mysql, &[]);
        check("", SqlDialect::Sqlite, &[]);
        check("  \n\t\n", SqlDialect::Sqlite, &[]);
    }

    #[test]
    fn empty_statements_are_dropped() {
        check(
            ";;\n ; -- nothing\n;SELECT 1;;",
            SqlDialect::Generic,
            &[("SELECT 1", 3)],
        );
    }

    #[test]
    fn trailing_statement_without_semicolon() {
        check(
            "SELECT 1;\nSELECT 2\n",
            SqlDialect::Sqlite,
            &[("SELECT 1", 1), ("SELECT 2", 2)],
        );
    }

    #[test]
    fn crlf_text() {
        check(
            "SELECT 1;\r\nSELECT\r\n  2;\r\n-- c\r\nSELECT 3",
            SqlDialect::Postgres,
            &[("SELECT 1", 1), ("SELECT\r\n  2", 2), ("SELECT 3", 5)],
        );
    }

    #[test]
    fn leading_and_trailing_comments_stripped_inner_kept() {
        check(
            "-- header\n/* doc */\nSELECT a, -- first\n  b /* second */ FROM t -- trailing\n;\n-- footer\n",
            SqlDialect::Sqlite,
            &[("SELECT a, -- first\n  b /* second */ FROM t", 3)],
        );
    }

    #[test]
    fn non_ascii_text_is_sliced_on_char_boundaries() {
        check(
            "-- é\nSELECT 'héllo; wörld' AS ñ;\nSELECT 'ß';",
            SqlDialect::Postgres,
            &[("SELECT 'héllo; wörld' AS ñ", 2), ("SELECT 'ß'", 3)],
        );
    }

    #[test]
    fn postgres_dollar_quoted_function_body() {
        let function = "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  PERFORM 1;\n  RETURN 2;\nEND;\n$$ LANGUAGE plpgsql";
        check(
            &format!("{function};\nSELECT f();\n"),
            SqlDialect::Postgres,
            &[(function, 1), ("SELECT f()", 7)],
        );
    }

    #[test]
    fn postgres_tagged_dollar_quotes() {
        let function = "CREATE FUNCTION g() RETURNS text AS $body$\n  SELECT '$$;' || $x$;$x$;\n$body$ LANGUAGE sql";
        check(
            &format!("{function};\nSELECT g();"),
            SqlDialect::Postgres,
            &[(function, 1), ("SELECT g()", 4)],
        );
    }

    #[test]
    fn postgres_do_block() {
        let block = "DO $$\nBEGIN\n  RAISE NOTICE 'hi;';\nEND\n$$";
        check(
            &format!("{block};\nSELECT 1;"),
            SqlDialect::Postgres,
            &[(block, 1), ("SELECT 1", 6)],
        );
    }

    #[test]
    fn postgres_escape_string() {
        check(
            "SELECT E'a\\';b';\nSELECT 2;",
            SqlDialect::Postgres,
            &[("SELECT E'a\\';b'", 1), ("SELECT 2", 2)],
        );
    }

    #[test]
    fn postgres_semicolon_inside_parentheses() {
        let rule = "CREATE RULE r AS ON INSERT TO t DO ALSO (\n  INSERT INTO a VALUES (1);\n  INSERT INTO b VALUES (2)\n)";
        check(
            &format!("{rule};\nSELECT (1);"),
            SqlDialect::Postgres,
            &[(rule, 1), ("SELECT (1)", 5)],
        );
    }

    #[test]
    fn other_dialects_end_statements_inside_parentheses() {
        check(
            "SELECT (1;\nSELECT 2);",
            SqlDialect::Mysql,
            &[("SELECT (1", 1), ("SELECT 2)", 2)],
        );
    }

    #[test]
    fn postgres_begin_atomic() {
        let function = "CREATE FUNCTION h(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT a + 1;\n  SELECT CASE WHEN a > 0 THEN a ELSE 0 END;\nEND";
        check(
            &format!("{function};\nSELECT h(1);"),
            SqlDialect::Postgres,
            &[(function, 1), ("SELECT h(1)", 6)],
        );
    }

    #[test]
    fn sqlite_trigger_body() {
        let trigger = "CREATE TRIGGER trg AFTER INSERT ON t\nBEGIN\n  UPDATE c SET n = n + 1;\n  INSERT INTO log VALUES (new.id);\nEND";
        check(
            &format!("{trigger};\nSELECT 1;"),
            SqlDialect::Sqlite,
            &[(trigger, 1), ("SELECT 1", 6)],
        );
    }

    #[test]
    fn sqlite_trigger_with_when_and_case() {
        let trigger = "CREATE TRIGGER IF NOT EXISTS trg BEFORE UPDATE ON t WHEN new.a > 0 BEGIN\n  SELECT CASE WHEN new.b IS NULL THEN RAISE(ABORT, 'b; missing') END;\nEND";
        check(
            &format!("{trigger};\nDELETE FROM t;"),
            SqlDialect::Sqlite,
            &[(trigger, 1), ("DELETE FROM t", 4)],
        );
    }

    #[test]
    fn column_named_begin_opens_no_block() {
        check(
            "CREATE TABLE t (begin INT, x INT);\nSELECT begin FROM t;",
            SqlDialect::Sqlite,
            &[
                ("CREATE TABLE t (begin INT, x INT)", 1),
                ("SELECT begin FROM t", 2),
            ],
        );
    }

    #[test]
    fn mysql_trigger_without_delimiter() {
        let trigger = "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  IF NEW.a IS NULL THEN SET NEW.a = 0; END IF;\n  BEGIN SET @x = 1; END;\n  CASE NEW.b WHEN 1 THEN SET NEW.c = 'one'; ELSE SET NEW.c = 'other'; END CASE;\n  WHILE @x < 3 DO SET @x = @x + 1; END WHILE;\nEND";
        check(
            &format!("{trigger};\nSELECT 1;"),
            SqlDialect::Mysql,
            &[(trigger, 1), ("SELECT 1", 8)],
        );
    }

    const MYSQL_TRIGGER: &str = "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  IF NEW.a IS NULL THEN\n    SET NEW.a = 0;\n  END IF;\n  BEGIN\n    DECLARE x INT; -- $$ and // in a comment\n    SET x = 1;\n  END;\n  CASE NEW.b\n    WHEN 1 THEN SET NEW.c = 'one $$ //';\n    ELSE SET NEW.c = 'other';\n  END CASE;\nEND";

    #[test]
    fn mysql_trigger_with_dollar_delimiter() {
        let text = format!("DELIMITER $$\n{MYSQL_TRIGGER}$$\nDELIMITER ;\nSELECT 1;\nSELECT 2;");
        check(
            &text,
            SqlDialect::Mysql,
            &[(MYSQL_TRIGGER, 2), ("SELECT 1", 17), ("SELECT 2", 18)],
        );
    }

    #[test]
    fn mysql_trigger_with_slash_delimiter() {
        let text =
            format!("SELECT 0;\n  delimiter //\n{MYSQL_TRIGGER} //\n\nDELIMITER ;\nSELECT 1;");
        check(
            &text,
            SqlDialect::Mysql,
            &[("SELECT 0", 1), (MYSQL_TRIGGER, 3), ("SELECT 1", 19)],
        );
    }

    #[test]
    fn mysql_custom_delimiter_ends_several_statements() {
        let text = "DELIMITER ;;\nSELECT 1;;\nSELECT 'a;;b'; SELECT 2;;\n;;\nSELECT 3\n";
        check(
            text,
            SqlDialect::Mysql,
            &[
                ("SELECT 1", 2),
                ("SELECT 'a;;b'; SELECT 2", 3),
                ("SELECT 3", 5),
            ],
        );
    }

    #[test]
    fn mysql_custom_delimiter_inside_a_token() {
        // `$$SELECT` is one MySQL word, so the rest is tokenized again.
        check(
            "DELIMITER $$\nSELECT 1$$SELECT 2$$ SELECT `a$$b`$$",
            SqlDialect::Mysql,
            &[("SELECT 1", 2), ("SELECT 2", 2), ("SELECT `a$$b`", 2)],
        );
    }

    #[test]
    fn mysql_custom_delimiter_that_looks_like_a_quote() {
        // The tokenizer fails on the lone `"`; the delimiter is found there.
        check(
            "DELIMITER \"\nSELECT 1\"\nSELECT 2\"",
            SqlDialect::Mysql,
            &[("SELECT 1", 2), ("SELECT 2", 3)],
        );
    }

    #[test]
    fn mysql_delimiter_line_needs_a_delimiter() {
        check_error(
            "SELECT 1;\nDELIMITER\nSELECT 2;",
            SqlDialect::Mysql,
            2,
            1,
            "DELIMITER must be followed by a delimiter",
        );
    }

    #[test]
    fn delimiter_is_only_a_mysql_command() {
        check(
            "DELIMITER $$\nSELECT 1;",
            SqlDialect::Sqlite,
            &[("DELIMITER $$\nSELECT 1", 1)],
        );
    }

    #[test]
    fn case_expression_in_plain_select() {
        check(
            "SELECT CASE WHEN a = 1 THEN 'x;' ELSE 'y' END AS c FROM t;\nSELECT CASE WHEN a THEN CASE b WHEN 1 THEN 2 END END;\nSELECT 3;",
            SqlDialect::Postgres,
            &[
                (
                    "SELECT CASE WHEN a = 1 THEN 'x;' ELSE 'y' END AS c FROM t",
                    1,
                ),
                ("SELECT CASE WHEN a THEN CASE b WHEN 1 THEN 2 END END", 2),
                ("SELECT 3", 3),
            ],
        );
    }

    #[test]
    fn transaction_begin_is_a_statement() {
        check(
            "BEGIN;\nINSERT INTO t VALUES (1);\nCOMMIT;\nBEGIN TRANSACTION;\nEND;",
            SqlDialect::Sqlite,
            &[
                ("BEGIN", 1),
                ("INSERT INTO t VALUES (1)", 2),
                ("COMMIT", 3),
                ("BEGIN TRANSACTION", 4),
                ("END", 5),
            ],
        );
        check(
            "begin isolation level serializable; select 1;",
            SqlDialect::Postgres,
            &[("begin isolation level serializable", 1), ("select 1", 1)],
        );
    }

    #[test]
    fn mysql_backslash_escaped_quote() {
        check(
            "INSERT INTO t VALUES ('it\\'s; fine');\nSELECT 2;",
            SqlDialect::Mysql,
            &[
                ("INSERT INTO t VALUES ('it\\'s; fine')", 1),
                ("SELECT 2", 2),
            ],
        );
    }

    #[test]
    fn mysql_executable_comment_is_a_statement() {
        check(
            "/*!40101 SET NAMES utf8mb4 */;\n/* plain */;\nSELECT 1;",
            SqlDialect::Mysql,
            &[("/*!40101 SET NAMES utf8mb4 */", 1), ("SELECT 1", 3)],
        );
    }

    #[test]
    fn unterminated_string_is_an_error() {
        check_error(
            "SELECT 1;\nSELECT 'abc;\nSELECT 2;\n",
            SqlDialect::Postgres,
            2,
            8,
            "unterminated string literal",
        );
    }

    #[test]
    fn unterminated_comment_is_an_error() {
        let error = split_statements("SELECT 1;\n/* open\n", SqlDialect::Sqlite).unwrap_err();
        assert_eq!(error.line, 3);
        assert!(error.message.contains("multi-line comment"), "{error}");
    }

    #[test]
    fn unterminated_string_after_delimiter_lines_has_the_right_line() {
        check_error(
            "DELIMITER $$\nSELECT 1$$\nDELIMITER ;\nSELECT 2;\n  SELECT \"x;\n",
            SqlDialect::Mysql,
            5,
            10,
            "unterminated string literal",
        );
    }

    #[test]
    fn error_message_is_displayed_with_its_location() {
        let error = split_statements("SELECT 'x", SqlDialect::Generic).unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 1, column 8: unterminated string literal"
        );
    }

    #[test]
    fn lines_after_multi_line_statements() {
        check(
            "CREATE TABLE a (\n  id INT,\n  name TEXT\n);\n\n/* c\n */ INSERT INTO a\nVALUES (1, 'x\ny');\nSELECT 1;",
            SqlDialect::Sqlite,
            &[
                ("CREATE TABLE a (\n  id INT,\n  name TEXT\n)", 1),
                ("INSERT INTO a\nVALUES (1, 'x\ny')", 7),
                ("SELECT 1", 10),
            ],
        );
    }
}
