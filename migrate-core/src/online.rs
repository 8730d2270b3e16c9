//! Online `ALTER TABLE`s: a section marked `online=pt-osc` runs each of its
//! `ALTER TABLE` statements through an external tool that copies the table
//! while writes go on (Percona's `pt-online-schema-change`), instead of
//! sending the statement to the server.
//!
//! What is the same for every engine lives here: the directive's values,
//! which statements qualify, the table and the alteration a statement
//! names, and what a killed tool leaves behind and how it is cleaned.
//! Running the tool is the backend's ([`crate::Backend::online_ready`],
//! [`crate::Backend::online_alter`]); only the MySQL driver does it. The
//! statement is journaled like any other: its journal entry (inverse, probe)
//! is the one the plain `ALTER TABLE` gets.

use crate::backend::Backend;
use crate::error::Result;
use crate::history::Value;

/// The tool an `online=` directive names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnlineTool {
    /// Percona Toolkit's `pt-online-schema-change` (`online=pt-osc`).
    PtOsc,
}

impl OnlineTool {
    /// Reads the value of an `online=` directive.
    pub fn parse(value: &str) -> std::result::Result<OnlineTool, String> {
        match value {
            "pt-osc" => Ok(OnlineTool::PtOsc),
            other => Err(format!(
                "`online` takes `pt-osc` (pt-online-schema-change), not `{other}`"
            )),
        }
    }

    /// The directive's value: `pt-osc`.
    pub fn name(self) -> &'static str {
        match self {
            OnlineTool::PtOsc => "pt-osc",
        }
    }

    /// The program it runs.
    pub fn program(self) -> &'static str {
        match self {
            OnlineTool::PtOsc => "pt-online-schema-change",
        }
    }

    /// How to install the program, for the message when it is missing.
    pub fn install_hint(self) -> &'static str {
        match self {
            OnlineTool::PtOsc => {
                "install Percona Toolkit: `apt-get install percona-toolkit` on Debian and Ubuntu, \
or see https://docs.percona.com/percona-toolkit/installation.html"
            }
        }
    }
}

/// The refusal of an engine that cannot run `tool`.
pub fn unsupported(engine: &str, tool: OnlineTool) -> crate::Error {
    crate::Error::Unsupported(format!(
        "`online={}` runs ALTER TABLE through {}, which works on MySQL and MariaDB only; \
{engine} cannot run it. Remove the directive from the section marker (on {engine}, \
the ALTER TABLE then runs as a plain statement). Nothing was changed.",
        tool.name(),
        tool.program()
    ))
}

/// The tools the statements of `steps` run through, each once.
pub fn tools<'a>(
    statements: impl IntoIterator<Item = &'a crate::executor::PreparedStatement>,
) -> Vec<OnlineTool> {
    let mut tools = Vec::new();
    for tool in statements.into_iter().filter_map(|s| s.online) {
        if !tools.contains(&tool) {
            tools.push(tool);
        }
    }
    tools
}

/// Checks that `backend` can run every tool `steps` need, before anything
/// runs.
pub async fn check_ready(
    backend: &mut dyn Backend,
    steps: &[crate::executor::PreparedStep],
) -> Result<()> {
    let needed = tools(
        steps
            .iter()
            .filter(|s| !s.fake)
            .flat_map(|s| s.statements.iter()),
    );
    for tool in needed {
        backend.online_ready(tool).await?;
    }
    Ok(())
}

/// One `ALTER TABLE` to run online: the table and what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineAlter {
    /// The database that qualifies the table in the statement, if any.
    pub database: Option<String>,
    /// The table, unquoted.
    pub table: String,
    /// What follows the table's name (`ADD COLUMN c INT`): what the tool's
    /// `--alter` takes.
    pub alteration: String,
}

/// Whether a statement of an online section runs through the tool: a plain
/// `ALTER TABLE` (the others of the section run as usual).
pub fn qualifies(sql: &str) -> bool {
    parse_alter(sql).is_some()
}

/// Reads `ALTER TABLE [db.]table alteration`; `None` for any other
/// statement (`ALTER ONLINE TABLE`, `ALTER IGNORE TABLE` included), or an
/// `ALTER TABLE` with nothing to alter.
pub fn parse_alter(sql: &str) -> Option<OnlineAlter> {
    let rest = keyword(sql.trim_start(), "ALTER")?;
    let rest = keyword(rest, "TABLE")?;
    let (first, rest) = ident(rest)?;
    let (database, table, rest) = match rest.strip_prefix('.') {
        Some(after) => {
            let (second, rest) = ident(after)?;
            (Some(first), second, rest)
        }
        None => (None, first, rest),
    };
    let alteration = rest.trim();
    if alteration.is_empty() || !rest.starts_with(char::is_whitespace) {
        return None;
    }
    Some(OnlineAlter {
        database,
        table,
        alteration: alteration.to_string(),
    })
}

/// `text` after the keyword `word` and the whitespace that must follow it.
fn keyword<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    let rest = &text[word.len()..];
    (head.eq_ignore_ascii_case(word) && rest.starts_with(char::is_whitespace))
        .then(|| rest.trim_start())
}

/// One identifier, bare or in backquotes, and what follows it.
fn ident(text: &str) -> Option<(String, &str)> {
    if let Some(quoted) = text.strip_prefix('`') {
        let mut name = String::new();
        let mut chars = quoted.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '`' {
                if chars.peek().is_some_and(|(_, n)| *n == '`') {
                    chars.next();
                    name.push('`');
                } else {
                    return (!name.is_empty()).then(|| (name, &quoted[i + 1..]));
                }
            } else {
                name.push(c);
            }
        }
        return None;
    }
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(text.len());
    (end > 0).then(|| (text[..end].to_string(), &text[end..]))
}

/// What a killed `pt-online-schema-change` left behind for one table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Leftover {
    /// The table being altered.
    pub table: String,
    /// The tool's tables (`_<table>_new`, `_<table>_old`).
    pub tables: Vec<String>,
    /// The tool's triggers on the table (`pt_osc_<db>_<table>_ins`, `_upd`,
    /// `_del`).
    pub triggers: Vec<String>,
    /// A session seen working on the tool's tables: the tool may still be
    /// running (started by hand, or surviving its run), and cleaning now
    /// would lose the writes its triggers carry.
    pub running: Option<String>,
}

impl Leftover {
    /// The statements that clean it: triggers first (they write into the
    /// new table), then the tool's tables.
    pub fn cleanup(&self, quote: &dyn Fn(&str) -> String) -> Vec<String> {
        self.triggers
            .iter()
            .map(|t| format!("DROP TRIGGER IF EXISTS {}", quote(t)))
            .chain(
                self.tables
                    .iter()
                    .map(|t| format!("DROP TABLE IF EXISTS {}", quote(t))),
            )
            .collect()
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.tables.is_empty() {
            parts.push(format!("table(s) {}", self.tables.join(", ")));
        }
        if !self.triggers.is_empty() {
            parts.push(format!("trigger(s) {}", self.triggers.join(", ")));
        }
        let running = match &self.running {
            Some(who) => format!(" (it may still be running: {who})"),
            None => String::new(),
        };
        format!(
            "pt-online-schema-change left {} behind while altering {}{running}",
            parts.join(" and "),
            self.table
        )
    }
}

/// The tables the `ALTER TABLE`s among `statements` change, unqualified
/// or in `database`, without repeats.
pub fn altered_tables(statements: &[String], database: &str) -> Vec<String> {
    let mut tables: Vec<String> = Vec::new();
    for alter in statements.iter().filter_map(|s| parse_alter(s)) {
        if alter.database.as_deref().is_some_and(|d| d != database) {
            continue;
        }
        if !tables.contains(&alter.table) {
            tables.push(alter.table);
        }
    }
    tables
}

/// What `pt-online-schema-change` left behind on `tables` of the
/// connection's database: its `_<table>_new` / `_<table>_old` tables (with
/// the extra leading underscores it adds when the name is taken) and its
/// `pt_osc_<db>_<table>_*` triggers. Reads MySQL's catalog; asked only on
/// engines whose backend runs the tool.
pub async fn leftovers(backend: &mut dyn Backend, tables: &[String]) -> Result<Vec<Leftover>> {
    let database = backend.location().database.clone();
    let mut found = Vec::new();
    for table in tables {
        let rows = backend
            .query(
                "SELECT table_name FROM information_schema.tables \
                 WHERE table_schema = ? AND table_name REGEXP ? ORDER BY table_name",
                &[
                    Value::from(database.as_str()),
                    Value::from(format!("^_+{}_(new|old)$", regex_escape(table)).as_str()),
                ],
            )
            .await?;
        let tool_tables = first_texts(rows);
        let rows = backend
            .query(
                "SELECT trigger_name FROM information_schema.triggers \
                 WHERE trigger_schema = ? AND event_object_table = ? AND trigger_name LIKE 'pt\\_osc\\_%' \
                 ORDER BY trigger_name",
                &[Value::from(database.as_str()), Value::from(table.as_str())],
            )
            .await?;
        let triggers = first_texts(rows);
        if !tool_tables.is_empty() || !triggers.is_empty() {
            let running = working_on(backend, &tool_tables).await?;
            found.push(Leftover {
                table: table.clone(),
                tables: tool_tables,
                triggers,
                running,
            });
        }
    }
    Ok(found)
}

/// How long [`working_on`] watches the sessions: the tool copies chunk
/// after chunk, each meant to take half a second, with short gaps.
const WATCH: std::time::Duration = std::time::Duration::from_millis(1500);

/// A session (not this one) whose statement names one of `tables`, seen
/// while watching the sessions for [`WATCH`]: `session 12: INSERT ...`.
async fn working_on(backend: &mut dyn Backend, tables: &[String]) -> Result<Option<String>> {
    if tables.is_empty() {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    loop {
        for table in tables {
            let rows = backend
                .query(
                    "SELECT id, LEFT(info, 160) FROM information_schema.processlist \
                     WHERE id <> CONNECTION_ID() AND LOCATE(?, info) > 0 \
                     AND (db = DATABASE() OR LOCATE(DATABASE(), info) > 0) LIMIT 1",
                    &[Value::from(table.as_str())],
                )
                .await?;
            if let Some(row) = rows.into_iter().next() {
                let id = match row.first() {
                    Some(Value::Int(n)) => n.to_string(),
                    Some(Value::Text(t)) => t.clone(),
                    _ => "?".into(),
                };
                let info = row.get(1).and_then(Value::as_text).unwrap_or_default();
                return Ok(Some(format!("session {id}: {info}")));
            }
        }
        if started.elapsed() >= WATCH {
            return Ok(None);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if !c.is_alphanumeric() && c != '_' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The first column of each row, as text.
fn first_texts(rows: Vec<Vec<Value>>) -> Vec<String> {
    rows.into_iter()
        .filter_map(|r| {
            r.into_iter()
                .next()
                .and_then(|v| v.as_text().map(String::from))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_alters_are_plain_alter_tables() {
        let a = parse_alter("ALTER TABLE big ADD COLUMN note VARCHAR(20) NULL").unwrap();
        assert_eq!(a.database, None);
        assert_eq!(a.table, "big");
        assert_eq!(a.alteration, "ADD COLUMN note VARCHAR(20) NULL");
        let a = parse_alter("alter table `my db`.`odd``name`\n  DROP COLUMN x").unwrap();
        assert_eq!(a.database.as_deref(), Some("my db"));
        assert_eq!(a.table, "odd`name");
        assert_eq!(a.alteration, "DROP COLUMN x");
        assert!(!qualifies("ALTER IGNORE TABLE t ADD c INT"));
        assert!(!qualifies("ALTER TABLE t"));
        assert!(!qualifies("ALTER TABLEt ADD c INT"));
        assert!(!qualifies("CREATE INDEX i ON t (c)"));
        assert!(!qualifies("UPDATE t SET c = 1"));
    }

    #[test]
    fn leftovers_are_cleaned_triggers_first() {
        let l = Leftover {
            table: "big".into(),
            tables: vec!["_big_new".into()],
            triggers: vec!["pt_osc_db_big_ins".into()],
            running: None,
        };
        let q = |s: &str| format!("`{s}`");
        assert_eq!(
            l.cleanup(&q),
            [
                "DROP TRIGGER IF EXISTS `pt_osc_db_big_ins`",
                "DROP TABLE IF EXISTS `_big_new`"
            ]
        );
        assert_eq!(
            altered_tables(
                &[
                    "ALTER TABLE big ADD c INT".into(),
                    "ALTER TABLE other.big ADD d INT".into(),
                    "ALTER TABLE db.big ADD e INT".into()
                ],
                "db"
            ),
            ["big"]
        );
    }
}
