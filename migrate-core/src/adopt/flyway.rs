//! Flyway's history, `flyway_schema_history`: one row per thing Flyway did,
//! by `installed_rank`. Versioned SQL migrations (`type` `SQL`) are read
//! with their `success` flag and checksum; a `BASELINE` row stands for every
//! version up to it; an `UNDO_SQL` or `DELETE` row takes its version back.
//! Flyway's own `SCHEMA` marker is skipped, and other types (Java,
//! scripts) have no SQL file here to match. A repeatable migration (no
//! version) is adopted when its last successful run was of the file as it
//! is now; changed since, it is left to run again, as Flyway would.
//!
//! Flyway's checksum is the CRC32 of the file's lines without their line
//! endings, one after the other, with a byte order mark removed, stored as
//! a signed 32-bit integer ([`checksum`]). It is checked for each adopted
//! SQL migration.

use std::collections::BTreeMap;

use super::{Adoption, text_at};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::migration::Migration;

const TABLE: &str = "flyway_schema_history";

/// One row of `flyway_schema_history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `installed_rank`: the order Flyway did things in.
    pub rank: i64,
    /// `version`, `None` for a repeatable migration.
    pub version: Option<String>,
    /// `type`: `SQL`, `BASELINE`, `UNDO_SQL`, `DELETE`, `SCHEMA`, `JDBC`, ...
    pub kind: String,
    /// `script`: the file name (or what stands for one).
    pub script: String,
    /// `checksum`.
    pub checksum: Option<i32>,
    /// `success`.
    pub success: bool,
}

/// Reads the whole table, by `installed_rank`.
pub async fn read(backend: &mut dyn Backend) -> Result<Vec<Row>> {
    let q = |s: &str| backend.dialect().quote_identifier(s);
    let sql = format!(
        "SELECT {}, {}, {}, {}, {}, CASE WHEN {} THEN 1 ELSE 0 END FROM {} ORDER BY {}",
        q("installed_rank"),
        q("version"),
        q("type"),
        q("script"),
        q("checksum"),
        q("success"),
        q(TABLE),
        q("installed_rank")
    );
    let rows = backend.query(&sql, &[]).await?;
    rows.into_iter()
        .map(|row| {
            let int = |i: usize| text_at(&row, i).and_then(|t| t.trim().parse::<i64>().ok());
            Ok(Row {
                rank: int(0).unwrap_or_default(),
                version: text_at(&row, 1),
                kind: text_at(&row, 2).unwrap_or_default(),
                script: text_at(&row, 3).unwrap_or_default(),
                checksum: int(4)
                    .map(|c| {
                        i32::try_from(c).map_err(|_| {
                            Error::Usage(format!("{TABLE}: checksum {c} is not a Flyway checksum"))
                        })
                    })
                    .transpose()?,
                success: int(5) == Some(1),
            })
        })
        .collect()
}

/// Flyway's checksum of a file's content: CRC32 over each line without its
/// line ending (`\n`, `\r\n` or `\r`), a leading byte order mark removed,
/// as the signed 32-bit integer Flyway stores.
pub fn checksum(content: &str) -> i32 {
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    let mut crc = crc32fast::Hasher::new();
    let mut rest = content;
    while !rest.is_empty() {
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        crc.update(&rest.as_bytes()[..end]);
        rest = &rest[end..];
        rest = rest
            .strip_prefix("\r\n")
            .or_else(|| rest.strip_prefix('\n'))
            .or_else(|| rest.strip_prefix('\r'))
            .unwrap_or(rest);
    }
    // Java's `(int) crc32.getValue()`: the same 32 bits, read as signed.
    crc.finalize() as i32
}

/// A Flyway version as comparable parts: `1.1`, `1_1` and `1.1.0` are one.
fn parts(version: &str) -> Option<Vec<u64>> {
    let mut parts: Vec<u64> = version
        .split(['.', '_'])
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    Some(parts)
}

/// The version of a migration of a Flyway folder (`V1.1__add_email`).
fn version_of(m: &Migration) -> Option<Vec<u64>> {
    let (version, _) = m.name.strip_prefix('V')?.split_once("__")?;
    parts(version)
}

/// What Flyway's rows say about one version, after every row is read.
enum Applied<'r> {
    /// A successful versioned SQL migration.
    Sql(&'r Row),
    /// At or below a baseline.
    Baseline(&'r str),
}

/// The migrations `rows` say Flyway applied, in any order, each with the
/// detail the audit log keeps; what does not match goes to `adoption`.
pub(super) fn applied<'m>(
    rows: &[Row],
    migrations: &[&'m Migration],
    adoption: &mut Adoption,
) -> Result<Vec<(&'m Migration, String)>> {
    let by_version: BTreeMap<Vec<u64>, &Migration> = migrations
        .iter()
        .filter_map(|m| Some((version_of(m)?, *m)))
        .collect();
    let mut state: BTreeMap<Vec<u64>, Applied> = BTreeMap::new();
    let mut baseline: Option<(Vec<u64>, &str)> = None;
    // script -> its last successful run
    let mut repeated: BTreeMap<&str, &Row> = BTreeMap::new();
    for row in rows {
        let Some(version) = row.version.as_deref() else {
            if row.kind == "SQL" && row.success {
                repeated.insert(row.script.as_str(), row);
            }
            continue;
        };
        let Some(v) = parts(version) else {
            adoption.problems.push(format!(
                "{TABLE} rank {}: `{version}` is not a Flyway version",
                row.rank
            ));
            continue;
        };
        match row.kind.as_str() {
            "SCHEMA" => {}
            "BASELINE" if row.success => baseline = Some((v, version)),
            "UNDO_SQL" | "DELETE" if row.success => {
                state.remove(&v);
            }
            "SQL" if row.success => {
                state.insert(v, Applied::Sql(row));
            }
            "SQL" | "BASELINE" | "UNDO_SQL" | "DELETE" => {
                adoption.problems.push(match by_version.get(&v) {
                    Some(m) => format!(
                        "{}: Flyway recorded version {version} as failed ({} of {}); fix the database by hand, \
then record it with `migrate {} {} --fake`",
                        m.key(),
                        row.kind,
                        row.script,
                        m.app,
                        m.name
                    ),
                    None => format!(
                        "{TABLE} records {} of version {version} ({}) as failed, and no migration here has that version",
                        row.kind, row.script
                    ),
                });
                state.remove(&v);
            }
            other => adoption.problems.push(format!(
                "{TABLE} records version {version} as a {other} migration ({}): only SQL migrations are read here; \
port it to SQL, or leave it to Flyway",
                row.script
            )),
        }
    }
    if let Some((top, text)) = &baseline {
        for (v, _) in by_version.range(..=top.clone()) {
            state.entry(v.clone()).or_insert(Applied::Baseline(text));
        }
    }
    let mut applied = Vec::new();
    for m in migrations.iter().filter(|m| m.repeatable) {
        let script = format!("{}.sql", m.name);
        let Some(row) = repeated.remove(script.as_str()) else {
            continue; // never ran: it runs with the next `migrate`
        };
        let now = checksum(&read_file(m)?);
        if row.checksum.is_some_and(|stored| stored != now) {
            adoption.notes.push(format!(
                "{}: changed since Flyway last ran it (rank {}); `migrate` runs it again",
                m.key(),
                row.rank
            ));
        } else {
            applied.push((
                *m,
                format!("adopted from {TABLE} (repeatable, rank {})", row.rank),
            ));
        }
    }
    for (script, row) in repeated {
        adoption.notes.push(format!(
            "{TABLE} rank {}: repeatable migration {script} has no file here; nothing to adopt",
            row.rank
        ));
    }
    for (v, what) in state {
        let Some(m) = by_version.get(&v) else {
            if let Applied::Sql(row) = what {
                adoption.problems.push(format!(
                    "{TABLE} records version {} ({}) as applied, but no migration here has that version; \
restore its file, or leave it to Flyway",
                    row.version.as_deref().unwrap_or_default(),
                    row.script
                ));
            }
            continue;
        };
        match what {
            Applied::Baseline(at) => {
                applied.push((*m, format!("adopted from {TABLE} (baseline {at})")));
            }
            Applied::Sql(row) => {
                let version = row.version.as_deref().unwrap_or_default();
                if let Some(stored) = row.checksum {
                    let now = checksum(&read_file(m)?);
                    if stored != now {
                        adoption.problems.push(format!(
                            "{}: its file changed since Flyway applied it (checksum {stored} then, {now} now); \
restore it, or write the change as a new migration",
                            m.key()
                        ));
                        continue;
                    }
                }
                applied.push((*m, format!("adopted from {TABLE} (version {version})")));
            }
        }
    }
    Ok(applied)
}

fn read_file(m: &Migration) -> Result<String> {
    std::fs::read_to_string(&m.up.path).map_err(|e| Error::Io {
        path: m.up.path.clone(),
        source: e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    #[test]
    fn checksum_is_crc32_of_the_lines_without_their_endings() {
        // The CRC-32 check value, read as Java's signed int.
        assert_eq!(checksum("123456789"), 0xCBF4_3926_u32 as i32);
        assert_eq!(checksum("123456789"), -873_187_034);
        for same in [
            "1234\n56789",
            "1234\r\n56789\n",
            "1234\r56789\r\n",
            "\u{feff}1234\n56789",
            "123456789\n",
        ] {
            assert_eq!(checksum(same), checksum("123456789"), "{same:?}");
        }
        assert_eq!(checksum(""), 0);
        assert_ne!(checksum("1234 56789"), checksum("123456789"));
    }

    fn row(rank: i64, version: &str, kind: &str, success: bool) -> Row {
        Row {
            rank,
            version: Some(version.to_string()),
            kind: kind.to_string(),
            script: format!("V{version}__x.sql"),
            checksum: None,
            success,
        }
    }

    #[test]
    fn undone_deleted_and_java_migrations_are_not_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("db");
        std::fs::create_dir_all(&folder).unwrap();
        for v in ["1", "2", "3", "4", "5"] {
            std::fs::write(folder.join(format!("V{v}__m{v}.sql")), "SELECT 1;\n").unwrap();
        }
        let dialect = crate::engines::dialect(crate::SqlDialect::Sqlite).unwrap();
        let source =
            Source::load_layout(&folder, dialect, Some(crate::source::Layout::Flyway)).unwrap();
        let migrations: Vec<&Migration> = source.ordered().collect();
        let rows = [
            row(1, "0", "SCHEMA", true),
            row(2, "2", "BASELINE", true),
            row(3, "3", "SQL", true),
            row(4, "4", "SQL", true),
            row(5, "4", "UNDO_SQL", true),
            row(6, "3", "DELETE", true),
            row(7, "5", "JDBC", true),
        ];
        let mut adoption = Adoption::default();
        let applied = applied(&rows, &migrations, &mut adoption).unwrap();
        let names: Vec<(&str, &str)> = applied
            .iter()
            .map(|(m, detail)| (m.name.as_str(), detail.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("V1__m1", "adopted from flyway_schema_history (baseline 2)"),
                ("V2__m2", "adopted from flyway_schema_history (baseline 2)"),
            ]
        );
        assert_eq!(adoption.problems.len(), 1, "{:?}", adoption.problems);
        assert!(
            adoption.problems[0].contains("version 5 as a JDBC migration"),
            "{:?}",
            adoption.problems
        );
    }

    #[test]
    fn versions_compare_by_parts() {
        assert_eq!(parts("1.1"), parts("1_1"));
        assert_eq!(parts("1.1.0"), parts("1.1"));
        assert_ne!(parts("1.10"), parts("1.1"));
        assert!(parts("1.9") < parts("1.10"));
        assert_eq!(parts("1.x"), None);
    }
}
