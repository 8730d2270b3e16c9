//! What a backend tells the engine-neutral code about its SQL: which family of
//! syntax it speaks, how it quotes names, what it can do, and which statements
//! need special handling.

use serde::{Deserialize, Serialize};

/// The family of SQL syntax a text is written in; it decides how the text is
/// split into statements (comment styles, string escapes, dollar quotes,
/// `DELIMITER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SqlDialect {
    /// SQLite.
    Sqlite,
    /// PostgreSQL: dollar-quoted strings, `E'...'` strings.
    Postgres,
    /// MySQL and MariaDB: `#` comments, backslash escapes, backticks, the
    /// client-side `DELIMITER` command.
    Mysql,
    /// ANSI SQL, for engines that have no family of their own here.
    Generic,
}

impl SqlDialect {
    /// The name used on the command line and in file names (`0003_x.mysql.sql`).
    pub fn name(self) -> &'static str {
        match self {
            SqlDialect::Sqlite => "sqlite",
            SqlDialect::Postgres => "postgres",
            SqlDialect::Mysql => "mysql",
            SqlDialect::Generic => "generic",
        }
    }

    /// Parses a name as written by [`SqlDialect::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sqlite" => Some(SqlDialect::Sqlite),
            "postgres" | "postgresql" => Some(SqlDialect::Postgres),
            "mysql" | "mariadb" => Some(SqlDialect::Mysql),
            "generic" => Some(SqlDialect::Generic),
            _ => None,
        }
    }
}

impl std::fmt::Display for SqlDialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The first `n` words of a statement, upper-cased, for classifying it.
/// Statements from the splitter start at their first keyword, so no comment
/// stands in front; later words may come from anywhere in the text, which
/// is why callers look only at a statement's leading keywords.
pub fn leading_keywords(sql: &str, n: usize) -> Vec<String> {
    sql.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect()
}
