//! Constructs of one engine's SQL that another refuses or reads otherwise,
//! recognized on tokens. Each rule says which engines accept the construct,
//! and what to write on the others.

use sqlparser::tokenizer::Token;

use super::Hit;
use crate::check::Stmt;
use crate::check::lexed::Lexed;
use crate::check::shape::Shape;
use crate::dialect::SqlDialect;

/// Every construct of `s` that `family` does not accept as written.
/// `own_file`: the file is tagged for this engine, so what reads
/// differently elsewhere was meant as this engine reads it.
pub(super) fn hits(family: SqlDialect, s: &Stmt, own_file: bool) -> Vec<Hit> {
    let mut hits = Vec::new();
    let r = Rules {
        l: &s.lexed,
        shape: &s.shape,
        family,
        own_file,
    };
    r.statements(&mut hits);
    r.upserts(&mut hits);
    r.quoting(&mut hits);
    r.auto_increment(&mut hits);
    r.mysql_options(&mut hits);
    r.postgres_syntax(&mut hits);
    hits
}

struct Rules<'a> {
    l: &'a Lexed,
    shape: &'a Shape,
    family: SqlDialect,
    own_file: bool,
}

impl Rules<'_> {
    fn sqlite(&self) -> bool {
        self.family == SqlDialect::Sqlite
    }

    fn postgres(&self) -> bool {
        self.family == SqlDialect::Postgres
    }

    fn mysql(&self) -> bool {
        self.family == SqlDialect::Mysql
    }

    /// Whether the statement defines a table (where table options and
    /// column attributes stand).
    fn defines_table(&self) -> bool {
        matches!(
            self.shape,
            Shape::CreateTable { .. } | Shape::AlterTable { .. }
        )
    }

    /// Statements that exist on some engines only.
    fn statements(&self, hits: &mut Vec<Hit>) {
        let l = self.l;
        let head = l.head(4);
        let h = |i: usize| head.get(i).copied().unwrap_or("");
        match (h(0), h(1)) {
            ("PRAGMA", _) if !self.sqlite() => hits.push(Hit::error(
                "PRAGMA is SQLite's: remove it (MySQL: SET, PostgreSQL: SET or ALTER ... for settings)",
            )),
            ("CREATE", "VIRTUAL") if !self.sqlite() => hits.push(Hit::error(
                "virtual tables (CREATE VIRTUAL TABLE) are SQLite's",
            )),
            ("ATTACH" | "DETACH", _) if !self.sqlite() => {
                hits.push(Hit::error("ATTACH/DETACH DATABASE is SQLite's"))
            }
            ("TRUNCATE", _) if self.sqlite() => hits.push(Hit::error(
                "SQLite has no TRUNCATE: write DELETE FROM (without WHERE, it is as fast)",
            )),
            ("SET", _) if self.sqlite() => hits.push(Hit::error(
                "SQLite has no SET statement: settings are PRAGMAs",
            )),
            ("SET", _) => self.set(hits),
            ("RENAME", "TABLE") if !self.mysql() => hits.push(Hit::error(
                "RENAME TABLE is MySQL's: write ALTER TABLE a RENAME TO b",
            )),
            ("LOCK" | "UNLOCK", "TABLES" | "TABLE") if !self.mysql() => {
                hits.push(Hit::error("LOCK/UNLOCK TABLES is MySQL's"))
            }
            ("OPTIMIZE", "TABLE") | ("USE", _) if !self.mysql() => {
                hits.push(Hit::error(format!("{} is MySQL's", h(0))))
            }
            ("SHOW", _) if self.sqlite() => hits.push(Hit::error("SQLite has no SHOW: read a PRAGMA")),
            ("VACUUM", _) if self.mysql() => hits.push(Hit::error(
                "VACUUM is SQLite's and PostgreSQL's: MySQL has OPTIMIZE TABLE",
            )),
            ("COMMENT", "ON") if !self.postgres() => hits.push(Hit::error(
                "COMMENT ON is PostgreSQL's (MySQL: a COMMENT attribute in the table's definition; SQLite: no comments)",
            )),
            // MySQL's own DO evaluates expressions; a PostgreSQL block in it
            // is found by its dollar quotes.
            ("DO", _) if self.sqlite() => hits.push(Hit::error("DO blocks are PostgreSQL's")),
            ("REFRESH", "MATERIALIZED") if !self.postgres() => {
                hits.push(Hit::error("materialized views are PostgreSQL's"))
            }
            ("CREATE" | "ALTER" | "DROP", _) => self.create_kinds(hits),
            ("DELETE" | "UPDATE", _) if !self.mysql() && self.top_level_limit() => {
                hits.push(Hit::error(format!(
                    "{} ... LIMIT is MySQL's{}: select the rows in a subquery (WHERE id IN (SELECT id ... LIMIT n))",
                    h(0),
                    if self.sqlite() {
                        " (SQLite accepts it only when built with SQLITE_ENABLE_UPDATE_DELETE_LIMIT)"
                    } else {
                        ""
                    }
                )))
            }
            _ => {}
        }
    }

    /// A `LIMIT` of the statement itself, not of a subquery.
    fn top_level_limit(&self) -> bool {
        let mut depth = 0usize;
        for (i, t) in self.l.tokens().iter().enumerate() {
            match t {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                _ if depth == 0 && self.l.is(i, &["LIMIT"]) => return true,
                _ => {}
            }
        }
        false
    }

    /// `CREATE` of objects some engines do not have.
    fn create_kinds(&self, hits: &mut Vec<Hit>) {
        let l = self.l;
        let create = l.is(0, &["CREATE"]);
        let i = if l.at(1, &["OR", "REPLACE"]) { 3 } else { 1 };
        let kind = l.word(i).unwrap_or("");
        match kind {
            "EXTENSION" if !self.postgres() => {
                hits.push(Hit::error("extensions (CREATE EXTENSION) are PostgreSQL's"))
            }
            "DOMAIN" if !self.postgres() => {
                hits.push(Hit::error("domains (CREATE DOMAIN) are PostgreSQL's"))
            }
            "TYPE" if !self.postgres() => hits.push(Hit::error(
                "types (CREATE TYPE) are PostgreSQL's: for an enumeration MySQL writes ENUM(...) on the column, SQLite a CHECK (c IN (...))",
            )),
            "MATERIALIZED" if !self.postgres() => {
                hits.push(Hit::error("materialized views are PostgreSQL's"))
            }
            "SEQUENCE" if self.sqlite() => hits.push(Hit::error(
                "SQLite has no sequences: an INTEGER PRIMARY KEY numbers rows by itself",
            )),
            "SEQUENCE" if self.mysql() => hits.push(Hit::warning(
                "MySQL has no sequences (MariaDB 10.3+ does): AUTO_INCREMENT numbers rows on both",
            )),
            "SCHEMA" if create && self.sqlite() => hits.push(Hit::error(
                "SQLite has no schemas (an attached database plays that part)",
            )),
            "SCHEMA" if create && self.mysql() => hits.push(Hit::warning(
                "on MySQL CREATE SCHEMA creates a database, not a schema inside this one",
            )),
            "EVENT" if !self.mysql() => hits.push(Hit::error("events are MySQL's")),
            _ => {}
        }
    }

    /// `SET` of a setting that exists on one engine only.
    fn set(&self, hits: &mut Vec<Hit>) {
        let l = self.l;
        let i = if l.is(1, &["SESSION", "LOCAL", "GLOBAL"]) {
            2
        } else {
            1
        };
        let Some(name) = l.word(i) else {
            if self.postgres() && matches!(l.token(i), Some(Token::AtSign)) {
                hits.push(Hit::error("user variables (@x) are MySQL's"));
            }
            return;
        };
        const MYSQL: &[&str] = &[
            "FOREIGN_KEY_CHECKS",
            "UNIQUE_CHECKS",
            "SQL_MODE",
            "AUTOCOMMIT",
            "SQL_SAFE_UPDATES",
            "CHARACTER_SET_CLIENT",
            "COLLATION_CONNECTION",
            "SQL_NOTES",
            "TIME_ZONE",
            "INNODB_LOCK_WAIT_TIMEOUT",
            "LOCK_WAIT_TIMEOUT",
        ];
        const POSTGRES: &[&str] = &[
            "SEARCH_PATH",
            "STATEMENT_TIMEOUT",
            "LOCK_TIMEOUT",
            "CLIENT_ENCODING",
            "CONSTRAINTS",
            "MAINTENANCE_WORK_MEM",
            "WORK_MEM",
            "TIMEZONE",
            "IDLE_IN_TRANSACTION_SESSION_TIMEOUT",
        ];
        if self.postgres() && MYSQL.contains(&name) && name != "TIME_ZONE" {
            hits.push(Hit::error(format!(
                "{name} is a MySQL setting, unknown to PostgreSQL"
            )));
        }
        if self.mysql() && POSTGRES.contains(&name) {
            hits.push(Hit::error(format!(
                "{name} is a PostgreSQL setting, unknown to MySQL"
            )));
        }
    }

    /// Insert-or-ignore and insert-or-update, spelled differently on
    /// every engine.
    fn upserts(&self, hits: &mut Vec<Hit>) {
        let l = self.l;
        if l.is(0, &["INSERT", "UPDATE", "REPLACE"]) && l.is(1, &["OR"]) && !self.sqlite() {
            hits.push(Hit::error(format!(
                "{} OR {} is SQLite's: {}",
                l.word(0).unwrap_or_default(),
                l.word(2).unwrap_or_default(),
                if self.mysql() {
                    "MySQL writes INSERT IGNORE, or REPLACE INTO, or ON DUPLICATE KEY UPDATE"
                } else {
                    "PostgreSQL writes INSERT ... ON CONFLICT DO NOTHING, or ON CONFLICT (key) DO UPDATE"
                }
            )));
        }
        if l.is(0, &["REPLACE"]) && self.postgres() {
            hits.push(Hit::error(
                "REPLACE INTO is MySQL's (and SQLite's): PostgreSQL writes INSERT ... ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c",
            ));
        }
        // `INSERT [LOW_PRIORITY | DELAYED | HIGH_PRIORITY] IGNORE INTO`,
        // `UPDATE [LOW_PRIORITY] IGNORE t SET`: a table named `ignore` is no
        // modifier.
        let modifier = (1..l.len())
            .find(|&i| !l.is(i, &["LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY"]))
            .unwrap_or(1);
        let insert_ignore = l.is(modifier, &["IGNORE"])
            && ((l.is(0, &["INSERT"]) && l.is(modifier + 1, &["INTO"]))
                || (l.is(0, &["UPDATE"]) && !l.is(modifier + 1, &["SET"])));
        if insert_ignore && !self.mysql() {
            hits.push(Hit::error(format!(
                "{} IGNORE is MySQL's: {}",
                l.word(0).unwrap_or_default(),
                if self.sqlite() {
                    "SQLite writes INSERT OR IGNORE (or ON CONFLICT DO NOTHING)"
                } else {
                    "PostgreSQL writes INSERT ... ON CONFLICT DO NOTHING"
                }
            )));
        }
        if l.find(&["ON", "CONFLICT"]).is_some() {
            if self.mysql() {
                hits.push(Hit::error(
                    "ON CONFLICT is PostgreSQL's and SQLite's: MySQL writes INSERT IGNORE, or ON DUPLICATE KEY UPDATE",
                ));
            } else if self.postgres() && !l.is(0, &["INSERT", "WITH"]) {
                hits.push(Hit::error(
                    "a conflict clause in a table's definition (ON CONFLICT ...) is SQLite's: remove it",
                ));
            }
        }
        if l.find(&["ON", "DUPLICATE", "KEY", "UPDATE"]).is_some() && !self.mysql() {
            hits.push(Hit::error(
                "ON DUPLICATE KEY UPDATE is MySQL's: write INSERT ... ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c \
(PostgreSQL; SQLite 3.24+)",
            ));
        }
    }

    /// Quotes around names and strings.
    fn quoting(&self, hits: &mut Vec<Hit>) {
        let l = self.l;
        let backtick = l.tokens().iter().any(|t| match t {
            Token::Word(w) => w.quote_style == Some('`'),
            Token::Char('`') => true,
            _ => false,
        });
        if backtick && self.sqlite() {
            hits.push(Hit::warning(
                "backtick quoting is MySQL's; SQLite accepts it for compatibility but PostgreSQL does not: \
quote names with double quotes, or not at all",
            ));
        } else if backtick && self.postgres() {
            hits.push(Hit::error(
                "backtick quoting is MySQL's: quote names with double quotes, or not at all",
            ));
        }
        let double = l
            .tokens()
            .iter()
            .any(|t| matches!(t, Token::DoubleQuotedString(_)));
        if double && self.mysql() && !self.own_file {
            if l.is(0, &["CREATE", "ALTER", "DROP"]) {
                hits.push(Hit::error(
                    "double quotes make a string on MySQL (unless sql_mode has ANSI_QUOTES), not a quoted name: \
quote names with backticks, or not at all",
                ));
            } else {
                hits.push(Hit::warning(
                    "\"...\" is a string on MySQL (unless sql_mode has ANSI_QUOTES) but a quoted name on SQLite and PostgreSQL: \
write strings in single quotes, and names without quotes",
                ));
            }
        }
    }

    /// The ways each engine numbers rows.
    fn auto_increment(&self, hits: &mut Vec<Hit>) {
        let l = self.l;
        let instead = match self.family {
            SqlDialect::Mysql => "MySQL writes AUTO_INCREMENT",
            SqlDialect::Postgres => "PostgreSQL writes GENERATED BY DEFAULT AS IDENTITY",
            _ => "SQLite numbers an INTEGER PRIMARY KEY column by itself",
        };
        let portable = "; a portable migration's `auto_id` type renders each engine's";
        if l.find(&["AUTOINCREMENT"]).is_some() && !self.sqlite() {
            hits.push(Hit::error(format!(
                "AUTOINCREMENT is SQLite's: {instead}{portable}"
            )));
        }
        if l.find(&["AUTO_INCREMENT"]).is_some() && !self.mysql() {
            hits.push(Hit::error(format!(
                "AUTO_INCREMENT is MySQL's: {instead}{portable}"
            )));
        }
        if l.find(&["GENERATED"]).is_some()
            && l.find(&["AS", "IDENTITY"]).is_some()
            && !self.postgres()
        {
            hits.push(Hit::error(format!(
                "identity columns (GENERATED ... AS IDENTITY) are PostgreSQL's: {instead}{portable}"
            )));
        }
    }

    /// MySQL's table options and column attributes.
    fn mysql_options(&self, hits: &mut Vec<Hit>) {
        if self.mysql() || !self.defines_table() {
            return;
        }
        let l = self.l;
        // Table options stand after a table's body or start an ALTER TABLE
        // action, where a column of the same name cannot.
        let option_at = |i: usize| match self.shape {
            Shape::CreateTable {
                body: Some(body), ..
            } => i > body.end,
            Shape::AlterTable { actions, .. } => actions
                .iter()
                .any(|(_, r)| r.start == i || (l.is(r.start, &["DEFAULT"]) && r.start + 1 == i)),
            _ => false,
        };
        let mut found = Vec::new();
        for i in 0..l.len() {
            match l.word(i) {
                Some("ENGINE") if option_at(i) => found.push("ENGINE="),
                // Not where a column named `charset` starts.
                Some("CHARSET")
                    if i > 0 && !matches!(l.token(i - 1), Some(Token::Comma | Token::LParen)) =>
                {
                    found.push("CHARSET")
                }
                Some("CHARACTER") if l.is(i + 1, &["SET"]) => found.push("CHARACTER SET"),
                Some("COLLATE") if matches!(l.token(i + 1), Some(Token::Eq)) => {
                    found.push("COLLATE=")
                }
                Some("COLLATE") if l.word(i + 1).is_some_and(mysql_collation) => {
                    found.push("MySQL collations")
                }
                Some("ROW_FORMAT" | "KEY_BLOCK_SIZE") if option_at(i) => found.push("ROW_FORMAT"),
                Some("COMMENT")
                    if matches!(
                        l.token(i + 1),
                        Some(Token::Eq | Token::SingleQuotedString(_))
                    ) =>
                {
                    found.push("COMMENT attributes")
                }
                Some("ZEROFILL") => found.push("ZEROFILL"),
                _ => {}
            }
        }
        found.dedup();
        if !found.is_empty() {
            hits.push(Hit::error(format!(
                "{} {} MySQL's: remove {} ({})",
                found.join(", "),
                if found.len() == 1 { "is" } else { "are" },
                if found.len() == 1 { "it" } else { "them" },
                if self.postgres() {
                    "PostgreSQL takes the database's encoding; COMMENT ON documents a table"
                } else {
                    "SQLite stores text as UTF-8 and has one storage engine"
                }
            )));
        }
        if l.find(&["UNSIGNED"]).is_some() {
            if self.postgres() {
                hits.push(Hit::error(
                    "PostgreSQL has no unsigned integers: use a larger type, or a CHECK (c >= 0)",
                ));
            } else {
                hits.push(Hit::warning(
                    "SQLite reads UNSIGNED as part of the type's name and does not enforce it: use a CHECK (c >= 0)",
                ));
            }
        }
        if let Shape::CreateTable {
            body: Some(body), ..
        } = self.shape
        {
            let inline_index = l.split_commas(body.clone()).into_iter().any(|part| {
                l.is(part.start, &["KEY", "INDEX", "FULLTEXT", "SPATIAL"])
                    || l.at(part.start, &["UNIQUE", "KEY"])
                    || l.at(part.start, &["UNIQUE", "INDEX"])
            });
            if inline_index {
                hits.push(Hit::error(
                    "an index declared inside CREATE TABLE (KEY/INDEX ...) is MySQL's: create it with CREATE INDEX after the table",
                ));
            }
        }
        if !self.sqlite()
            && let Shape::CreateTable {
                body: Some(body), ..
            } = self.shape
            && (l.has_in(body.end..l.len(), &["WITHOUT", "ROWID"])
                || l.has_in(body.end..l.len(), &["STRICT"]))
        {
            hits.push(Hit::error(
                "WITHOUT ROWID and STRICT are SQLite's table options: remove them",
            ));
        }
    }

    /// PostgreSQL's own syntax in expressions and statements.
    fn postgres_syntax(&self, hits: &mut Vec<Hit>) {
        if self.postgres() {
            return;
        }
        let l = self.l;
        if l.tokens().iter().any(|t| matches!(t, Token::DoubleColon)) {
            hits.push(Hit::error(
                "`::` casts are PostgreSQL's: write CAST(x AS type)",
            ));
        }
        if l.find(&["ILIKE"]).is_some() {
            hits.push(Hit::error(if self.sqlite() {
                "ILIKE is PostgreSQL's: SQLite's LIKE already ignores the case of ASCII letters"
            } else {
                "ILIKE is PostgreSQL's: MySQL's LIKE ignores case under the usual (_ci) collations"
            }));
        }
        if l.tokens().iter().any(is_dollar_quote) {
            hits.push(Hit::error(if self.sqlite() {
                "dollar-quoted bodies ($$ ... $$) are PostgreSQL's, and SQLite has no stored functions"
            } else {
                "dollar-quoted bodies ($$ ... $$) are PostgreSQL's: MySQL writes a routine's body as BEGIN ... END"
            }));
        }
        if l.find(&["CONCURRENTLY"]).is_some() {
            hits.push(Hit::error(if self.mysql() {
                "CONCURRENTLY is PostgreSQL's: remove it (MySQL builds indexes without blocking writes by itself)"
            } else {
                "CONCURRENTLY is PostgreSQL's: remove it"
            }));
        }
        if self.mysql() && l.find(&["RETURNING"]).is_some() {
            hits.push(Hit::error(
                "RETURNING is refused by MySQL (MariaDB 10.5+ accepts it after INSERT and DELETE): remove it, a migration reads no result",
            ));
        }
    }
}

/// `$$` or `$tag$`, as each engine's tokenizer reads it.
fn is_dollar_quote(t: &Token) -> bool {
    let dollar_tag = |s: &str| s.len() >= 2 && s.starts_with('$') && s.ends_with('$');
    match t {
        Token::DollarQuotedString(_) => true,
        Token::Placeholder(p) => dollar_tag(p),
        Token::Word(w) => w.quote_style.is_none() && dollar_tag(&w.value),
        _ => false,
    }
}

/// A MySQL collation name: the other engines name theirs otherwise.
fn mysql_collation(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "utf8", "latin1", "ascii", "binary", "ucs2", "utf16", "utf32",
    ]
    .iter()
    .any(|p| n.starts_with(p))
        || n.ends_with("_ci")
        || n.ends_with("_cs")
        || n.ends_with("_bin")
}
