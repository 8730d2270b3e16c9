//! Taking over a database that another tool migrated: its history table
//! is read, each migration it records as applied (and, where it stored a
//! checksum, unchanged since) is recorded as applied in this tool's history
//! without running anything, and everything that does not match is
//! reported with what to do.
//!
//! | tool | history table | what it tells |
//! |---|---|---|
//! | diesel | `__diesel_schema_migrations` | each applied version |
//! | sqlx | `_sqlx_migrations` | each version, whether it succeeded, the SHA-384 of its file |
//! | golang-migrate | `schema_migrations` | the last version applied, and whether it failed part way (`dirty`) |
//! | Flyway | `flyway_schema_history` | each versioned migration, baseline and undo, whether it succeeded, the CRC32 of its file's lines ([`flyway`]) |
//! | refinery | `refinery_schema_history` | each version with its name (its checksum is refinery's own hash, not checked) |
//! | Django | `django_migrations` | each app's applied migrations by name ([`django`]) |
//!
//! The audit log records each adopted migration as `fake-apply` with the
//! detail `adopted from <table> (version …)`.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sha2::{Digest, Sha384};

use crate::backend::{Backend, BackendExt};
use crate::dialect::SqlDialect;
use crate::error::{Error, Result};
use crate::executor::RunOptions;
use crate::history::Value;
use crate::log::{Action, LogEntry};
use crate::migration::{Migration, MigrationKey};
use crate::source::{Layout, Source};

pub mod django;
pub mod flyway;
mod refinery;

/// A tool whose history can be adopted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// diesel.
    Diesel,
    /// sqlx-cli.
    Sqlx,
    /// golang-migrate.
    GolangMigrate,
    /// Flyway.
    Flyway,
    /// refinery.
    Refinery,
    /// Django.
    Django,
}

impl Tool {
    /// Every tool, by the name `--from` takes.
    pub const ALL: [(&'static str, Tool); 6] = [
        ("diesel", Tool::Diesel),
        ("sqlx", Tool::Sqlx),
        ("golang-migrate", Tool::GolangMigrate),
        ("flyway", Tool::Flyway),
        ("refinery", Tool::Refinery),
        ("django", Tool::Django),
    ];

    /// The tool `--from` names.
    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// The tool whose folder layout `layout` is.
    pub fn of_layout(layout: Layout) -> Option<Tool> {
        match layout {
            Layout::Diesel => Some(Tool::Diesel),
            Layout::Sqlx => Some(Tool::Sqlx),
            Layout::GolangMigrate => Some(Tool::GolangMigrate),
            Layout::Flyway => Some(Tool::Flyway),
            Layout::Refinery => Some(Tool::Refinery),
            Layout::Migrate => None,
        }
    }

    /// The table it keeps its history in.
    pub fn table(self) -> &'static str {
        match self {
            Tool::Diesel => "__diesel_schema_migrations",
            Tool::Sqlx => "_sqlx_migrations",
            Tool::GolangMigrate => "schema_migrations",
            Tool::Flyway => "flyway_schema_history",
            Tool::Refinery => "refinery_schema_history",
            Tool::Django => "django_migrations",
        }
    }

    /// The version of a migration as diesel, sqlx and golang-migrate write
    /// it in their history.
    fn version_of(self, m: &Migration) -> String {
        let first = m.name.split('_').next().unwrap_or("");
        match self {
            Tool::Diesel => first.replace('-', ""),
            _ => first.trim_start_matches('0').to_string(),
        }
    }
}

/// What adopting finds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Adoption {
    /// Migrations to record as applied, in order, each with the detail
    /// the audit log keeps.
    pub adopt: Vec<(MigrationKey, String)>,
    /// Migrations this tool's history already holds.
    pub already: Vec<MigrationKey>,
    /// What does not match, each with what to do.
    pub problems: Vec<String>,
    /// What the other history holds that is not for this tool to take
    /// over, and why (another app's migrations, a repeatable migration).
    pub notes: Vec<String>,
}

/// Reads `tool`'s history on `backend` and matches it with `source`.
pub async fn plan(backend: &mut dyn Backend, source: &Source, tool: Tool) -> Result<Adoption> {
    let table = tool.table();
    if !crate::store::exists(backend, table).await? {
        return Err(Error::Refused(format!(
            "{} has no `{table}` table: {} never migrated it (or it keeps its history elsewhere); \
             nothing to adopt",
            backend.target(),
            tool_name(tool)
        )));
    }
    let recorded = recorded_keys(backend).await?;
    let mut adoption = Adoption::default();
    let rows = read_rows(backend, tool).await?;
    let migrations: Vec<&Migration> = source.ordered().collect();
    let by_version: HashMap<String, &Migration> = migrations
        .iter()
        .map(|m| (tool.version_of(m), *m))
        .collect();
    let mut applied: Vec<(&Migration, String)> = Vec::new();
    match tool {
        Tool::Flyway => {
            let rows = flyway::read(backend).await?;
            let mut all = migrations.clone();
            all.extend(source.apps().flat_map(|app| source.repeatables(app)));
            applied = flyway::applied(&rows, &all, &mut adoption)?;
        }
        Tool::Refinery => {
            let rows = refinery::read(backend).await?;
            applied = refinery::applied(&rows, &migrations, &mut adoption.problems);
        }
        Tool::Django => {
            let rows = django::read(backend).await?;
            applied = django::applied(&rows, source, &mut adoption);
        }
        Tool::GolangMigrate => {
            let Some(row) = rows.first() else {
                return Ok(adoption);
            };
            let last: u128 = row.version.parse().unwrap_or(0);
            for m in &migrations {
                let v: u128 = tool.version_of(m).parse().unwrap_or(u128::MAX);
                if v < last || (v == last && !row.failed) {
                    applied.push((m, format!("adopted from {table} (version {v})")));
                } else if v == last {
                    adoption.problems.push(format!(
                        "{}: golang-migrate marked version {v} dirty (it failed part way); finish or undo it by hand, \
                         then record it with `migrate {} {} --fake`",
                        m.key(),
                        m.app,
                        m.name
                    ));
                }
            }
            if !by_version.contains_key(&last.to_string()) && last > 0 {
                adoption.problems.push(format!(
                    "{table} says version {last} is the last applied, but no migration here has that version"
                ));
            }
        }
        Tool::Diesel | Tool::Sqlx => {
            for row in &rows {
                let version = row.version.trim_start_matches('0');
                let key = match tool {
                    Tool::Diesel => row.version.clone(),
                    _ => version.to_string(),
                };
                let Some(m) = by_version.get(&key) else {
                    adoption.problems.push(format!(
                        "{table} records version {} as applied, but no migration here has that version; \
                         restore its files, or leave it to {}",
                        row.version,
                        tool_name(tool)
                    ));
                    continue;
                };
                if row.failed {
                    adoption.problems.push(format!(
                        "{}: {} recorded it as failed; fix the database by hand, then record it with `migrate {} {} --fake`",
                        m.key(),
                        tool_name(tool),
                        m.app,
                        m.name
                    ));
                    continue;
                }
                if let Some(stored) = &row.checksum {
                    let now = sqlx_checksum(m)?;
                    if !stored.eq_ignore_ascii_case(&now) {
                        adoption.problems.push(format!(
                            "{}: its file changed since {} applied it (checksum {} then, {} now); restore it, \
                             or write the change as a new migration",
                            m.key(),
                            tool_name(tool),
                            short(stored),
                            short(&now)
                        ));
                        continue;
                    }
                }
                applied.push((m, format!("adopted from {table} (version {})", row.version)));
            }
        }
    }
    let order: HashMap<MigrationKey, usize> = migrations
        .iter()
        .enumerate()
        .map(|(i, m)| (m.key(), i))
        .collect();
    // Repeatable migrations, outside the numbered order, come last.
    applied.sort_by_key(|(m, _)| order.get(&m.key()).copied().unwrap_or(usize::MAX));
    for (m, detail) in applied {
        if recorded.contains(&m.key()) {
            adoption.already.push(m.key());
        } else {
            adoption.adopt.push((m.key(), detail));
        }
    }
    Ok(adoption)
}

/// Records `adoption`'s migrations as applied, under the migration lock,
/// each with its history row and log entry in one transaction.
pub async fn record(
    backend: &mut dyn Backend,
    source: &Source,
    adoption: &Adoption,
    options: &RunOptions,
) -> Result<usize> {
    backend.lock(options.lock_timeout).await?;
    let result = record_locked(backend, source, adoption, options).await;
    let unlocked = backend.unlock().await;
    let n = result?;
    unlocked?;
    Ok(n)
}

async fn record_locked(
    backend: &mut dyn Backend,
    source: &Source,
    adoption: &Adoption,
    options: &RunOptions,
) -> Result<usize> {
    backend.ensure_history().await?;
    // Read again under the lock: another run may have recorded some.
    let recorded = recorded_keys(backend).await?;
    let mut n = 0;
    for (key, detail) in &adoption.adopt {
        if recorded.contains(key) {
            continue;
        }
        let m = source.get(key).expect("adopted migrations have files");
        let record = crate::executor::new_record(m, options)?;
        let entry = LogEntry {
            at: crate::executor::now(),
            app: key.app.clone(),
            name: key.name.clone(),
            action: Action::FakeApply,
            checksum: Some(m.checksum.clone()),
            detail: Some(detail.clone()),
            statements: Vec::new(),
            actor: options.applied_by.clone(),
            tool_version: crate::VERSION.to_string(),
        };
        crate::store::write_with_log(&mut *backend, &record, &entry).await?;
        n += 1;
    }
    Ok(n)
}

/// The migrations this tool's history holds.
async fn recorded_keys(backend: &mut dyn Backend) -> Result<HashSet<MigrationKey>> {
    Ok(backend
        .load_history()
        .await?
        .into_iter()
        .map(|r| r.key())
        .collect())
}

/// One row of the other tool's history.
struct Row {
    version: String,
    failed: bool,
    /// Hex, where the tool stores one.
    checksum: Option<String>,
}

/// The rows of diesel's, sqlx's or golang-migrate's history.
async fn read_rows(backend: &mut dyn Backend, tool: Tool) -> Result<Vec<Row>> {
    let family = backend.dialect().sql_dialect();
    let q = |s: &str| backend.dialect().quote_identifier(s);
    let sql = match tool {
        Tool::Diesel => format!("SELECT {} FROM {}", q("version"), q(tool.table())),
        Tool::Sqlx => {
            let hex = match family {
                SqlDialect::Postgres => format!("encode({}, 'hex')", q("checksum")),
                _ => format!("hex({})", q("checksum")),
            };
            format!(
                "SELECT {}, CASE WHEN {} THEN 0 ELSE 1 END, {hex} FROM {} ORDER BY {}",
                q("version"),
                q("success"),
                q(tool.table()),
                q("version")
            )
        }
        Tool::GolangMigrate => format!(
            "SELECT {}, CASE WHEN {} THEN 1 ELSE 0 END FROM {}",
            q("version"),
            q("dirty"),
            q(tool.table())
        ),
        // Their rows say more than these, and are read by their modules.
        Tool::Flyway | Tool::Refinery | Tool::Django => return Ok(Vec::new()),
    };
    let rows = backend.query(&sql, &[]).await?;
    Ok(rows
        .into_iter()
        .map(|row| Row {
            version: text_at(&row, 0).unwrap_or_default(),
            failed: text_at(&row, 1).is_some_and(|f| f == "1"),
            checksum: text_at(&row, 2),
        })
        .collect())
}

/// sqlx's checksum of a migration: the SHA-384 of its (up) file.
fn sqlx_checksum(m: &Migration) -> Result<String> {
    let bytes = std::fs::read(&m.up.path).map_err(|e| Error::Io {
        path: m.up.path.clone(),
        source: e,
    })?;
    Ok(hex::encode(Sha384::digest(&bytes)))
}

fn short(hex: &str) -> &str {
    &hex[..hex.len().min(12)]
}

/// The text of column `i` of a row read from another tool's table.
fn text_at(row: &[Value], i: usize) -> Option<String> {
    match row.get(i) {
        Some(Value::Text(t)) => Some(t.clone()),
        Some(Value::Int(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn tool_name(tool: Tool) -> &'static str {
    Tool::ALL
        .iter()
        .find(|(_, t)| *t == tool)
        .map_or("", |(n, _)| n)
}
