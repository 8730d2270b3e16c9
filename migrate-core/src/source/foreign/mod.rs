//! Other tools' migration folders, read as they are: diesel, sqlx,
//! golang-migrate, Flyway and refinery. Such a folder is one app, named
//! after the folder; each migration keeps the name the tool gives it
//! (`2018-01-14-171611_create_users`, `V1.1__add_email`), so that `status`
//! shows it and targets accept it as the tool writes it; the migrations
//! are ordered by that tool's own rule for its versions.
//!
//! | layout | files | order | no transaction |
//! |---|---|---|---|
//! | diesel | `<version>_<name>/up.sql`, `down.sql`, `metadata.toml` | the version (the name up to its first `_`, dashes removed) as text | `run_in_transaction = false` in `metadata.toml` |
//! | sqlx | `<version>_<name>.sql`, or `.up.sql` and `.down.sql` | the version as a number | a first line `-- no-transaction` |
//! | golang-migrate | `<version>_<name>.up.sql`, `.down.sql` | the version as a number | (each migration runs in one transaction here) |
//! | Flyway | `V<version>__<name>.sql`, undone by `U<version>__<name>.sql` | the version's parts (split at `.` and `_`) as numbers | |
//! | refinery | `V<version>__<name>.sql` (`.rs` migrations are not read) | the version as a number | |
//!
//! Files at the top that are not migrations of the layout are listed as
//! ignored, each with the reason, rather than refused. Flyway's repeatable
//! migrations (`R__<name>.sql`) are read as repeatable: run after the
//! versioned ones, again whenever their checksum changes, in name order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::files::{Entry, Files};
use super::layout::Section;
use super::sections::{checksum, parse_pair_file, read_text};
use crate::dialect::SqlDialect;
use crate::error::SourceProblem;
use crate::migration::Migration;

/// How a migrations folder is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// This tool's own: `<app>/NNNN_name.sql`.
    Migrate,
    /// diesel's folder per migration.
    Diesel,
    /// sqlx-cli's files.
    Sqlx,
    /// golang-migrate's `.up.sql`/`.down.sql` pairs.
    GolangMigrate,
    /// Flyway's `V`/`U` files.
    Flyway,
    /// refinery's `V` files.
    Refinery,
}

impl Layout {
    /// Every layout, by the name `--layout` takes.
    pub const ALL: [(&'static str, Layout); 6] = [
        ("migrate", Layout::Migrate),
        ("diesel", Layout::Diesel),
        ("sqlx", Layout::Sqlx),
        ("golang-migrate", Layout::GolangMigrate),
        ("flyway", Layout::Flyway),
        ("refinery", Layout::Refinery),
    ];

    /// The layout `--layout` names.
    pub fn from_name(name: &str) -> Option<Layout> {
        Layout::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, l)| *l)
    }

    /// Its name, as `--layout` takes it.
    pub fn name(self) -> &'static str {
        Layout::ALL
            .iter()
            .find(|(_, l)| *l == self)
            .map_or("migrate", |(n, _)| n)
    }

    /// The layout a folder's entries look like: diesel when a folder holds
    /// an `up.sql`, Flyway for `V…__…sql` files, golang-migrate or sqlx
    /// for `<number>_…sql` files with no folder beside them, else this
    /// tool's own.
    pub(super) fn detect(files: &dyn Files, dir: &Path, entries: &[Entry]) -> Layout {
        let visible = || entries.iter().filter(|e| !e.name.starts_with('.'));
        // Diesel's folders start with their version, a digit; an app
        // folder of this tool's layout is not listed again just to look.
        let versioned = |e: &&Entry| e.name.starts_with(|c: char| c.is_ascii_digit());
        let diesel = visible().filter(|e| e.is_dir()).filter(versioned).any(|e| {
            files
                .list(&dir.join(&e.name))
                .is_ok_and(|inner| inner.iter().any(|f| f.name == "up.sql"))
        });
        if diesel {
            return Layout::Diesel;
        }
        let sql: Vec<&str> = visible()
            .filter(|e| !e.is_dir() && e.name.ends_with(".sql"))
            .map(|e| e.name.as_str())
            .collect();
        if sql.iter().any(|n| flyway_name(n).is_some()) {
            return Layout::Flyway;
        }
        let numbered: Vec<&&str> = sql.iter().filter(|n| number_prefix(n).is_some()).collect();
        if numbered.is_empty() || visible().any(|e| e.is_dir()) {
            return Layout::Migrate;
        }
        if numbered
            .iter()
            .all(|n| n.ends_with(".up.sql") || n.ends_with(".down.sql"))
        {
            Layout::GolangMigrate
        } else {
            Layout::Sqlx
        }
    }
}

/// How one tool orders its versions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Version {
    Text(String),
    Number(u128),
    Parts(Vec<u64>),
}

/// One migration's files, before they are read.
struct Found {
    name: String,
    version: Version,
    up: PathBuf,
    down: Option<PathBuf>,
    /// `Some(false)` when the tool's marker says it runs outside a
    /// transaction.
    transaction: Option<bool>,
}

/// What a foreign folder holds: its migrations in the tool's order, and
/// what was left out, with why.
pub(super) struct Read {
    pub migrations: Vec<Migration>,
    /// Flyway's `R__` migrations, in the order they run.
    pub repeatables: Vec<Migration>,
    pub ignored: Vec<(PathBuf, String)>,
}

/// Reads the folder `dir` laid out as `layout` as the app `app`.
pub(super) fn load(
    files: &dyn Files,
    dir: &Path,
    entries: &[Entry],
    layout: Layout,
    app: &str,
    dialect: SqlDialect,
    problems: &mut Vec<SourceProblem>,
) -> Read {
    let mut ignored = Vec::new();
    let mut found = match layout {
        Layout::Diesel => diesel(files, dir, entries, &mut ignored, problems),
        _ => flat(dir, entries, layout, &mut ignored),
    };
    found.sort_by(|a, b| a.version.cmp(&b.version).then(a.name.cmp(&b.name)));
    for pair in found.windows(2) {
        if pair[0].version == pair[1].version {
            problems.push(SourceProblem {
                path: pair[1].up.clone(),
                line: None,
                message: format!(
                    "`{}` and `{}` have the same {} version; {} would refuse them too",
                    pair[0].name,
                    pair[1].name,
                    layout.name(),
                    layout.name()
                ),
            });
        }
    }
    let mut migrations = Vec::new();
    for (rank, f) in found.into_iter().enumerate() {
        if let Some(m) = read(files, app, rank as u64 + 1, f, dialect, problems) {
            migrations.push(m);
        }
    }
    let repeatables = if layout == Layout::Flyway {
        repeatables(files, dir, entries, app, dialect, problems)
    } else {
        Vec::new()
    };
    Read {
        migrations,
        repeatables,
        ignored,
    }
}

/// Flyway's repeatable migrations, `R__<description>.sql`, ordered by
/// description as Flyway runs them.
fn repeatables(
    files: &dyn Files,
    dir: &Path,
    entries: &[Entry],
    app: &str,
    dialect: SqlDialect,
    problems: &mut Vec<SourceProblem>,
) -> Vec<Migration> {
    let mut found: Vec<&Entry> = entries
        .iter()
        .filter(|e| !e.is_dir() && is_repeatable(&e.name))
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
        .into_iter()
        .filter_map(|e| {
            let f = Found {
                name: e.name.trim_end_matches(".sql").to_string(),
                version: Version::Text(String::new()),
                up: dir.join(&e.name),
                down: None,
                transaction: None,
            };
            let mut m = read(files, app, 0, f, dialect, problems)?;
            m.repeatable = true;
            m.irreversible = Some("a repeatable migration has no down section".into());
            Some(m)
        })
        .collect()
}

fn is_repeatable(name: &str) -> bool {
    name.len() > "R__.sql".len() && name.starts_with("R__") && name.ends_with(".sql")
}

fn read(
    files: &dyn Files,
    app: &str,
    number: u64,
    found: Found,
    dialect: SqlDialect,
    problems: &mut Vec<SourceProblem>,
) -> Option<Migration> {
    let up_text = read_text(files, &found.up, problems)?;
    let down_text = match &found.down {
        Some(path) => Some((path, read_text(files, path, problems)?)),
        None => None,
    };
    let transaction = found
        .transaction
        .unwrap_or(!up_text.starts_with("-- no-transaction"));
    let (mut up, depends_on, _) =
        parse_pair_file(&found.up, &up_text, Section::Up, dialect, problems)?;
    up.transaction &= transaction;
    let down = match &down_text {
        Some((path, text)) => {
            let (mut down, _, _) = parse_pair_file(path, text, Section::Down, dialect, problems)?;
            down.transaction &= transaction;
            Some(down)
        }
        None => None,
    };
    let mut parts = vec![up_text.as_str()];
    if let Some((_, text)) = &down_text {
        parts.push(text.as_str());
    }
    Some(Migration {
        app: app.to_string(),
        name: found.name,
        number,
        checksum: checksum(&parts),
        up,
        down,
        depends_on,
        portable: None,
        irreversible: None,
        replaces: Vec::new(),
        repeatable: false,
    })
}

/// diesel: a folder per migration, `<version>_<name>`, holding `up.sql`,
/// `down.sql` and `metadata.toml`.
fn diesel(
    files: &dyn Files,
    dir: &Path,
    entries: &[Entry],
    ignored: &mut Vec<(PathBuf, String)>,
    problems: &mut Vec<SourceProblem>,
) -> Vec<Found> {
    #[derive(serde::Deserialize)]
    struct Metadata {
        #[serde(default = "yes")]
        run_in_transaction: bool,
    }
    fn yes() -> bool {
        true
    }
    let mut found = Vec::new();
    for entry in entries.iter().filter(|e| !e.name.starts_with('.')) {
        let path = dir.join(&entry.name);
        if !entry.is_dir() {
            ignored.push((path, "not a diesel migration (a folder with up.sql)".into()));
            continue;
        }
        let inner = files.list(&path).unwrap_or_default();
        let has = |name: &str| inner.iter().any(|e| e.name == name && !e.is_dir());
        if !has("up.sql") {
            ignored.push((path, "a folder without up.sql".into()));
            continue;
        }
        let version = entry.name.split('_').next().unwrap_or("").replace('-', "");
        let mut transaction = None;
        if has("metadata.toml") {
            let meta = path.join("metadata.toml");
            if let Some(text) = read_text(files, &meta, problems) {
                match toml::from_str::<Metadata>(&text) {
                    Ok(m) => transaction = Some(m.run_in_transaction),
                    Err(e) => problems.push(SourceProblem {
                        path: meta,
                        line: None,
                        message: format!("invalid metadata.toml: {}", e.message()),
                    }),
                }
            }
        }
        found.push(Found {
            name: entry.name.clone(),
            version: Version::Text(version),
            up: path.join("up.sql"),
            down: has("down.sql").then(|| path.join("down.sql")),
            transaction,
        });
    }
    found
}

/// sqlx, golang-migrate, Flyway and refinery: files side by side.
fn flat(
    dir: &Path,
    entries: &[Entry],
    layout: Layout,
    ignored: &mut Vec<(PathBuf, String)>,
) -> Vec<Found> {
    // name -> (version, up, down)
    let mut by_name: BTreeMap<String, (Version, Option<PathBuf>, Option<PathBuf>)> =
        BTreeMap::new();
    for entry in entries.iter().filter(|e| !e.name.starts_with('.')) {
        let path = dir.join(&entry.name);
        if layout == Layout::Flyway && !entry.is_dir() && is_repeatable(&entry.name) {
            continue; // read by `repeatables`
        }
        let Some((name, version, section)) =
            parse_flat(&entry.name, layout).filter(|_| !entry.is_dir())
        else {
            let why = if entry.name.ends_with(".rs") {
                "a Rust migration: only SQL migrations are read".into()
            } else {
                format!("not a {} migration", layout.name())
            };
            ignored.push((path, why));
            continue;
        };
        let slot = by_name.entry(name).or_insert_with(|| (version, None, None));
        match section {
            Section::Up => slot.1 = Some(path),
            Section::Down => slot.2 = Some(path),
        }
    }
    let mut found = Vec::new();
    for (name, (version, up, down)) in by_name {
        match up {
            Some(up) => found.push(Found {
                name,
                version,
                up,
                down,
                transaction: None,
            }),
            None => ignored.extend(down.map(|d| (d, "an undo file without its migration".into()))),
        }
    }
    found
}

/// A file of a flat layout: the migration's name, its version, and which
/// half it holds.
fn parse_flat(file: &str, layout: Layout) -> Option<(String, Version, Section)> {
    match layout {
        Layout::Sqlx | Layout::GolangMigrate => {
            let (stem, section) = if let Some(s) = file.strip_suffix(".up.sql") {
                (s, Section::Up)
            } else if let Some(s) = file.strip_suffix(".down.sql") {
                (s, Section::Down)
            } else if layout == Layout::Sqlx {
                (file.strip_suffix(".sql")?, Section::Up)
            } else {
                return None;
            };
            let number = number_prefix(stem)?;
            Some((stem.to_string(), Version::Number(number), section))
        }
        Layout::Flyway | Layout::Refinery => {
            let (kind, parts, stem) = flyway_name(file)?;
            let section = match kind {
                'V' => Section::Up,
                'U' if layout == Layout::Flyway => Section::Down,
                _ => return None,
            };
            let version = match layout {
                Layout::Refinery => match parts.as_slice() {
                    [n] => Version::Number(*n as u128),
                    _ => return None,
                },
                _ => Version::Parts(trimmed(parts)),
            };
            // The undo file belongs to the migration named with its `V`.
            Some((format!("V{stem}"), version, section))
        }
        Layout::Migrate | Layout::Diesel => None,
    }
}

/// `1.0` and `1` are the same Flyway version.
fn trimmed(mut parts: Vec<u64>) -> Vec<u64> {
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    parts
}

/// `V1.1__add_email.sql` as (`V`, [1, 1], `1.1__add_email`); `R__` files
/// (repeatable) are not versioned and give `None`.
fn flyway_name(file: &str) -> Option<(char, Vec<u64>, String)> {
    let stem = file.strip_suffix(".sql")?;
    let kind = stem.chars().next().filter(|c| matches!(c, 'V' | 'U'))?;
    let rest = &stem[1..];
    let (version, description) = rest.split_once("__")?;
    if version.is_empty() || description.is_empty() {
        return None;
    }
    let parts: Vec<u64> = version
        .split(['.', '_'])
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    Some((kind, parts, rest.to_string()))
}

/// The number before the first `_` of `1_init` or `20230101120000_init`.
fn number_prefix(stem: &str) -> Option<u128> {
    let (digits, rest) = stem.split_once('_')?;
    if digits.is_empty() || rest.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests;
