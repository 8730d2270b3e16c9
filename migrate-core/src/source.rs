//! Reading the migration folder: `migrations/<app>/NNNN_name...` files into
//! checked [`Migration`]s.
//!
//! Layouts, per migration:
//! - one file `NNNN_name.sql` with `-- migrate:up` and `-- migrate:down`
//!   sections (a file without any marker is all up, and irreversible);
//! - a pair `NNNN_name.up.sql` + optional `NNNN_name.down.sql`;
//! - either of them with a dialect tag (`NNNN_name.mysql.sql`,
//!   `NNNN_name.postgres.up.sql`...), which replaces the untagged files on
//!   that engine and is ignored on the others.
//!
//! Lines before the first section marker form the header, where
//! `-- depends_on: accounts:0002, billing:0001` declares dependencies.
//! Section markers carry directives: `-- migrate:up transaction=false`.
//!
//! Every problem found is collected and reported together, each with its
//! file and line, so one run shows everything to fix.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::dialect::SqlDialect;
use crate::error::{Error, Result, SourceProblem};
use crate::migration::{Migration, MigrationKey, Script, number_of};
use crate::split::split_statements;

/// Every migration found in a folder, per app, checked and ordered.
#[derive(Debug, Clone)]
pub struct Source {
    dir: PathBuf,
    apps: BTreeMap<String, Vec<Migration>>,
    /// Every migration in an order that respects dependencies and each
    /// app's own order (the order `migrate` applies them in).
    order: Vec<MigrationKey>,
}

impl Source {
    /// Reads and checks every migration under `dir`, splitting statements as
    /// `dialect` does.
    pub fn load(dir: &Path, dialect: SqlDialect) -> Result<Source> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Usage(format!(
                    "migrations folder `{}` not found: pass --dir, or create the first migration with `migrate new APP NAME`",
                    dir.display()
                ))
            } else {
                Error::Io {
                    path: dir.to_path_buf(),
                    source: e,
                }
            }
        })?;
        let mut problems = Vec::new();
        let mut app_dirs = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::Io {
                path: dir.to_path_buf(),
                source: e,
            })?;
            let path = entry.path();
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if file_name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                app_dirs.push((file_name, path));
            } else if is_migration_extension(&file_name) {
                problems.push(SourceProblem {
                    path,
                    line: None,
                    message:
                        "migration files belong in an app folder: move it to migrations/<app>/"
                            .into(),
                });
            }
        }
        let mut apps = BTreeMap::new();
        for (app, path) in app_dirs {
            if !valid_app_name(&app) {
                problems.push(SourceProblem {
                    path,
                    line: None,
                    message: "app folder names may hold only letters, digits, `_` and `-`".into(),
                });
                continue;
            }
            let migrations = load_app(&app, &path, dialect, &mut problems);
            apps.insert(app, migrations);
        }
        let mut source = Source {
            dir: dir.to_path_buf(),
            apps,
            order: Vec::new(),
        };
        source.resolve_dependencies(&mut problems);
        if problems.is_empty() {
            source.order = source.topological_order(&mut problems);
        }
        if problems.is_empty() {
            Ok(source)
        } else {
            problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
            Err(Error::InvalidSource(problems))
        }
    }

    /// The folder the migrations were read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// App names, sorted.
    pub fn apps(&self) -> impl Iterator<Item = &str> {
        self.apps.keys().map(String::as_str)
    }

    /// One app's migrations in number order, if the app exists.
    pub fn app(&self, app: &str) -> Option<&[Migration]> {
        self.apps.get(app).map(Vec::as_slice)
    }

    /// One migration by key.
    pub fn get(&self, key: &MigrationKey) -> Option<&Migration> {
        self.app(&key.app)?.iter().find(|m| m.name == key.name)
    }

    /// Every migration, in dependency order.
    pub fn ordered(&self) -> impl Iterator<Item = &Migration> {
        self.order
            .iter()
            .map(|k| self.get(k).expect("order holds only known keys"))
    }

    /// Finds one migration of `app` from a full name, a number prefix
    /// (`0002`), any unambiguous prefix of the name, or a bare number (`2`).
    pub fn resolve(&self, app: &str, target: &str) -> Result<&Migration> {
        let Some(migrations) = self.app(app) else {
            return Err(self.unknown_app(app));
        };
        resolve_in(app, migrations, target).map_err(Error::Usage)
    }

    /// The error for an app that has no folder.
    pub fn unknown_app(&self, app: &str) -> Error {
        let known: Vec<&str> = self.apps().collect();
        Error::Usage(if known.is_empty() {
            format!("unknown app `{app}`: {} holds no apps", self.dir.display())
        } else {
            format!("unknown app `{app}`; apps: {}", known.join(", "))
        })
    }

    fn resolve_dependencies(&mut self, problems: &mut Vec<SourceProblem>) {
        // Dependencies were parsed as (app, target) text; resolve each to a
        // full name now that every app is known.
        let snapshot = self.apps.clone();
        for migrations in self.apps.values_mut() {
            for migration in migrations.iter_mut() {
                for dep in migration.depends_on.iter_mut() {
                    let resolved = match snapshot.get(&dep.app) {
                        None => Err(format!(
                            "depends on `{}:{}`, but there is no app `{}`",
                            dep.app, dep.name, dep.app
                        )),
                        Some(list) => resolve_in(&dep.app, list, &dep.name)
                            .map(|m| m.name.clone())
                            .map_err(|e| format!("depends on `{}:{}`: {e}", dep.app, dep.name)),
                    };
                    match resolved {
                        Ok(name) => dep.name = name,
                        Err(message) => problems.push(SourceProblem {
                            path: migration.up.path.clone(),
                            line: depends_line(&migration.up.path),
                            message,
                        }),
                    }
                }
            }
        }
    }

    /// Kahn's algorithm over "previous in app" and declared dependencies,
    /// taking the smallest (app, number) first so the order is stable and
    /// reads naturally; whatever is left over sits on a cycle.
    fn topological_order(&self, problems: &mut Vec<SourceProblem>) -> Vec<MigrationKey> {
        let mut parents: HashMap<MigrationKey, Vec<MigrationKey>> = HashMap::new();
        for (app, list) in &self.apps {
            for (i, m) in list.iter().enumerate() {
                let mut ps = m.depends_on.clone();
                if i > 0 {
                    ps.push(MigrationKey::new(app, &list[i - 1].name));
                }
                parents.insert(m.key(), ps);
            }
        }
        let mut children: HashMap<&MigrationKey, Vec<&MigrationKey>> = HashMap::new();
        let mut waiting: HashMap<&MigrationKey, usize> = HashMap::new();
        for (key, ps) in &parents {
            waiting.insert(key, ps.len());
            for p in ps {
                children.entry(p).or_default().push(key);
            }
        }
        let sort_key = |k: &MigrationKey| (k.app.clone(), number_of(&k.name), k.name.clone());
        let mut ready: BinaryHeap<Reverse<_>> = waiting
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(k, _)| Reverse((sort_key(k), (*k).clone())))
            .collect();
        let mut order = Vec::with_capacity(parents.len());
        while let Some(Reverse((_, key))) = ready.pop() {
            for child in children.get(&key).into_iter().flatten() {
                let n = waiting.get_mut(child).expect("every child is a node");
                *n -= 1;
                if *n == 0 {
                    ready.push(Reverse((sort_key(child), (*child).clone())));
                }
            }
            order.push(key);
        }
        if order.len() < parents.len() {
            let mut stuck: Vec<&MigrationKey> = waiting
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(k, _)| *k)
                .collect();
            stuck.sort();
            for key in stuck {
                let m = self.get(key).expect("stuck keys are known");
                problems.push(SourceProblem {
                    path: m.up.path.clone(),
                    line: depends_line(&m.up.path),
                    message: format!(
                        "dependency cycle: {key} waits, directly or not, on itself (cycle among {})",
                        waiting
                            .iter()
                            .filter(|(_, n)| **n > 0)
                            .map(|(k, _)| k.to_string())
                            .collect::<std::collections::BTreeSet<_>>()
                            .into_iter()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        order
    }
}

fn resolve_in<'a>(
    app: &str,
    migrations: &'a [Migration],
    target: &str,
) -> std::result::Result<&'a Migration, String> {
    if let Some(m) = migrations.iter().find(|m| m.name == target) {
        return Ok(m);
    }
    let mut matches: Vec<&Migration> = migrations
        .iter()
        .filter(|m| m.name.starts_with(target))
        .collect();
    if matches.is_empty() && !target.is_empty() && target.bytes().all(|b| b.is_ascii_digit()) {
        let wanted: Option<u64> = target.parse().ok();
        matches = migrations
            .iter()
            .filter(|m| Some(m.number) == wanted)
            .collect();
    }
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "app `{app}` has no migration `{target}`; it has: {}",
            if migrations.is_empty() {
                "none".to_string()
            } else {
                migrations
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )),
        many => Err(format!(
            "`{target}` is ambiguous in app `{app}`: it matches {}; give more of the name",
            many.iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn valid_app_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn is_migration_extension(file_name: &str) -> bool {
    file_name.ends_with(".sql") || file_name.ends_with(".toml")
}

/// What a migration file's name says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileName {
    stem: String,
    number: u64,
    section: Option<Section>,
    dialect: Option<SqlDialect>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Up,
    Down,
}

/// Parses `0002_add_dob[.mysql][.up|.down].sql`.
fn parse_file_name(file_name: &str) -> std::result::Result<FileName, String> {
    let base = file_name.strip_suffix(".sql").ok_or_else(|| {
        "portable (.toml) migrations are not supported by this version".to_string()
    })?;
    let mut parts: Vec<&str> = base.split('.').collect();
    let stem = parts.remove(0).to_string();
    let mut section = None;
    let mut dialect = None;
    for part in parts {
        match part {
            "up" if section.is_none() => section = Some(Section::Up),
            "down" if section.is_none() => section = Some(Section::Down),
            other => match SqlDialect::from_name(other) {
                Some(d) if dialect.is_none() && section.is_none() => dialect = Some(d),
                _ => {
                    return Err(format!(
                        "unexpected `.{other}` in the file name: expected NNNN_name[.sqlite|.postgres|.mysql][.up|.down].sql"
                    ));
                }
            },
        }
    }
    let digits = stem.find('_').map(|i| &stem[..i]).unwrap_or("");
    let valid_rest = stem[digits.len()..]
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let number = if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        None
    } else {
        digits.parse().ok()
    };
    match number {
        Some(number) if valid_rest && stem.len() > digits.len() + 1 => Ok(FileName {
            stem,
            number,
            section,
            dialect,
        }),
        _ => Err(
            "not a migration file name: expected NNNN_name.sql (a number, `_`, then letters, digits, `_` or `-`)"
                .into(),
        ),
    }
}

/// Reads one app folder.
fn load_app(
    app: &str,
    dir: &Path,
    dialect: SqlDialect,
    problems: &mut Vec<SourceProblem>,
) -> Vec<Migration> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(SourceProblem {
                path: dir.to_path_buf(),
                line: None,
                message: format!("cannot read folder: {e}"),
            });
            return Vec::new();
        }
    };
    // stem -> files of that migration (all dialect variants).
    let mut by_stem: BTreeMap<String, Vec<(FileName, PathBuf)>> = BTreeMap::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if file_name.starts_with('.') || path.is_dir() || !is_migration_extension(&file_name) {
            continue;
        }
        match parse_file_name(&file_name) {
            Ok(parsed) => by_stem
                .entry(parsed.stem.clone())
                .or_default()
                .push((parsed, path)),
            Err(message) => problems.push(SourceProblem {
                path,
                line: None,
                message,
            }),
        }
    }
    let mut by_number: BTreeMap<u64, Vec<Migration>> = BTreeMap::new();
    for (stem, files) in by_stem {
        if let Some(m) = load_migration(app, &stem, &files, dialect, problems) {
            by_number.entry(m.number).or_default().push(m);
        }
    }
    let mut migrations = Vec::new();
    for (number, mut same) in by_number {
        if same.len() > 1 {
            let files: Vec<String> = same
                .iter()
                .map(|m| m.up.path.display().to_string())
                .collect();
            problems.push(SourceProblem {
                path: same[0].up.path.clone(),
                line: None,
                message: format!(
                    "app `{app}` has {} migrations numbered {number:04}: {}; renumber one of them (the later one, if both branches were merged)",
                    same.len(),
                    files.join(" and ")
                ),
            });
            continue;
        }
        migrations.push(same.remove(0));
    }
    migrations
}

/// Builds one migration from its files, picking the dialect's variant.
fn load_migration(
    app: &str,
    stem: &str,
    files: &[(FileName, PathBuf)],
    dialect: SqlDialect,
    problems: &mut Vec<SourceProblem>,
) -> Option<Migration> {
    let has_variant = files.iter().any(|(f, _)| f.dialect == Some(dialect));
    let wanted = if has_variant { Some(dialect) } else { None };
    let chosen: Vec<&(FileName, PathBuf)> =
        files.iter().filter(|(f, _)| f.dialect == wanted).collect();
    let single = chosen.iter().find(|(f, _)| f.section.is_none());
    let up = chosen.iter().find(|(f, _)| f.section == Some(Section::Up));
    let down = chosen
        .iter()
        .find(|(f, _)| f.section == Some(Section::Down));
    let number = files[0].0.number;
    match (single, up, down) {
        (Some((_, single)), None, None) => {
            let text = read_text(single, problems)?;
            let parsed = parse_single(app, single, &text, dialect, problems)?;
            Some(Migration {
                app: app.to_string(),
                name: stem.to_string(),
                number,
                checksum: checksum(&[&text]),
                up: parsed.up,
                down: parsed.down,
                depends_on: parsed.depends_on,
            })
        }
        (None, Some((_, up_path)), down) => {
            let up_text = read_text(up_path, problems)?;
            let down_text = match down {
                Some((_, p)) => Some((p, read_text(p, problems)?)),
                None => None,
            };
            let (up, depends_on) =
                parse_pair_file(app, up_path, &up_text, Section::Up, dialect, problems)?;
            let down = match &down_text {
                Some((p, text)) => {
                    Some(parse_pair_file(app, p, text, Section::Down, dialect, problems)?.0)
                }
                None => None,
            };
            let mut parts = vec![up_text.as_str()];
            if let Some((_, text)) = &down_text {
                parts.push(text.as_str());
            }
            Some(Migration {
                app: app.to_string(),
                name: stem.to_string(),
                number,
                checksum: checksum(&parts),
                up,
                down,
                depends_on,
            })
        }
        (None, None, Some((_, down_path))) => {
            problems.push(SourceProblem {
                path: down_path.clone(),
                line: None,
                message: format!("down file without its up file: create {stem}.up.sql"),
            });
            None
        }
        _ => {
            let mut paths: Vec<&PathBuf> = chosen.iter().map(|(_, p)| p).collect();
            paths.sort();
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            problems.push(SourceProblem {
                path: paths[0].clone(),
                line: None,
                message: format!(
                    "migration `{stem}` has both a single .sql file and .up/.down files ({}); keep one layout",
                    names.join(", ")
                ),
            });
            None
        }
    }
}

/// Reads a file as UTF-8 and normalizes it (BOM stripped, CRLF as LF).
fn read_text(path: &Path, problems: &mut Vec<SourceProblem>) -> Option<String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            problems.push(SourceProblem {
                path: path.to_path_buf(),
                line: None,
                message: format!("cannot read file: {e}"),
            });
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(normalize(&text)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..valid]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            problems.push(SourceProblem {
                path: path.to_path_buf(),
                line: Some(line),
                message: format!("not valid UTF-8 (byte {valid}); save the file as UTF-8"),
            });
            None
        }
    }
}

/// The text as the checksum and the splitter see it, whatever the platform
/// it was checked out on.
pub fn normalize(text: &str) -> String {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n")
}

/// Hex SHA-256 of normalized texts, each followed by a NUL so that moving
/// text from one file of a pair to the other changes the checksum.
pub fn checksum(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(hasher.finalize())
}

struct Parsed {
    up: Script,
    down: Option<Script>,
    depends_on: Vec<MigrationKey>,
}

/// A `-- migrate:...` line, parsed.
struct Marker {
    section: Section,
    transaction: bool,
}

/// Recognizes a section marker line. `Ok(None)`: not a marker;
/// `Err`: looks like one but is wrong.
fn parse_marker(line: &str) -> std::result::Result<Option<Marker>, String> {
    let Some(rest) = line.trim().strip_prefix("--") else {
        return Ok(None);
    };
    let Some(rest) = rest.trim_start().strip_prefix("migrate:") else {
        return Ok(None);
    };
    let mut words = rest.split_whitespace();
    let section = match words.next() {
        Some("up") => Section::Up,
        Some("down") => Section::Down,
        other => {
            return Err(format!(
                "unknown section marker `migrate:{}`: expected `-- migrate:up` or `-- migrate:down`",
                other.unwrap_or("")
            ));
        }
    };
    let mut transaction = true;
    for word in words {
        match word.split_once('=') {
            Some(("transaction", "false")) => transaction = false,
            Some(("transaction", "true")) => transaction = true,
            Some(("transaction", value)) => {
                return Err(format!("`transaction` takes true or false, not `{value}`"));
            }
            _ => {
                return Err(format!(
                    "unknown directive `{word}`: the only directive is `transaction=false`"
                ));
            }
        }
    }
    Ok(Some(Marker {
        section,
        transaction,
    }))
}

/// Parses a `-- depends_on: app:0001, other:0002` header line.
fn parse_depends(line: &str) -> Option<std::result::Result<Vec<MigrationKey>, String>> {
    let rest = line.trim().strip_prefix("--")?.trim_start();
    let list = rest.strip_prefix("depends_on:")?;
    let mut deps = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.split_once(':') {
            Some((app, target)) if !app.is_empty() && !target.is_empty() => {
                deps.push(MigrationKey::new(app.trim(), target.trim()))
            }
            _ => {
                return Some(Err(format!(
                    "dependency `{item}` must be written app:migration (for example accounts:0002)"
                )));
            }
        }
    }
    Some(Ok(deps))
}

/// Finds the line of the `depends_on` header, for messages about it.
fn depends_line(path: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .position(|l| parse_depends(l).is_some())
        .map(|i| i + 1)
}

/// Splits a one-file migration into its sections.
fn parse_single(
    app: &str,
    path: &Path,
    text: &str,
    dialect: SqlDialect,
    problems: &mut Vec<SourceProblem>,
) -> Option<Parsed> {
    let mut depends_on = Vec::new();
    // (section, transaction, first line index of its body)
    let mut sections: Vec<(Marker, usize)> = Vec::new();
    let mut ok = true;
    let problem = |line: usize, message: String| SourceProblem {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    for (i, line) in text.lines().enumerate() {
        match parse_marker(line) {
            Ok(Some(marker)) => {
                let duplicate = sections.iter().any(|(m, _)| m.section == marker.section);
                if duplicate {
                    problems.push(problem(i + 1, "this section marker appears twice".into()));
                    ok = false;
                } else if marker.section == Section::Up && !sections.is_empty() {
                    problems.push(problem(
                        i + 1,
                        "`-- migrate:up` must come before `-- migrate:down`".into(),
                    ));
                    ok = false;
                } else if marker.section == Section::Down && sections.is_empty() {
                    problems.push(problem(
                        i + 1,
                        "`-- migrate:down` without a `-- migrate:up` section before it".into(),
                    ));
                    ok = false;
                }
                sections.push((marker, i + 1));
            }
            Ok(None) => {
                if sections.is_empty() {
                    match parse_depends(line) {
                        Some(Ok(deps)) => depends_on.extend(deps),
                        Some(Err(message)) => {
                            problems.push(problem(i + 1, message));
                            ok = false;
                        }
                        None => {}
                    }
                }
            }
            Err(message) => {
                problems.push(problem(i + 1, message));
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let body = |from: usize, to: usize| -> String {
        // Lines outside the section are blanked rather than removed so the
        // splitter's line numbers are the file's line numbers.
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| if i >= from && i < to { *l } else { "" })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let _ = app;
    match sections.as_slice() {
        [] => {
            let up = make_script(path, &body(0, lines.len()), true, dialect, problems)?;
            // Without markers the header is just the top of the script.
            Some(Parsed {
                up,
                down: None,
                depends_on,
            })
        }
        [(up_marker, up_start)] => Some(Parsed {
            up: make_script(
                path,
                &body(*up_start, lines.len()),
                up_marker.transaction,
                dialect,
                problems,
            )?,
            down: None,
            depends_on,
        }),
        [(up_marker, up_start), (down_marker, down_start)] => {
            let up = make_script(
                path,
                &body(*up_start, down_start - 1),
                up_marker.transaction,
                dialect,
                problems,
            );
            let down = make_script(
                path,
                &body(*down_start, lines.len()),
                down_marker.transaction,
                dialect,
                problems,
            );
            Some(Parsed {
                up: up?,
                down: Some(down?),
                depends_on,
            })
        }
        _ => None,
    }
}

/// Parses one file of an `.up.sql` / `.down.sql` pair.
fn parse_pair_file(
    app: &str,
    path: &Path,
    text: &str,
    section: Section,
    dialect: SqlDialect,
    problems: &mut Vec<SourceProblem>,
) -> Option<(Script, Vec<MigrationKey>)> {
    let _ = app;
    let mut transaction = true;
    let mut depends_on = Vec::new();
    let mut ok = true;
    let mut seen_statement = false;
    for (i, line) in text.lines().enumerate() {
        match parse_marker(line) {
            Ok(Some(marker)) if marker.section == section && !seen_statement => {
                transaction = marker.transaction;
            }
            Ok(Some(_)) => {
                problems.push(SourceProblem {
                    path: path.to_path_buf(),
                    line: Some(i + 1),
                    message: match section {
                        Section::Up => "an .up.sql file may only carry a `-- migrate:up` marker, on its first lines; put the down statements in the .down.sql file".into(),
                        Section::Down => "a .down.sql file may only carry a `-- migrate:down` marker, on its first lines".into(),
                    },
                });
                ok = false;
            }
            Ok(None) => {
                let trimmed = line.trim();
                if let Some(deps) = parse_depends(line) {
                    match (deps, section, seen_statement) {
                        (Ok(deps), Section::Up, false) => depends_on.extend(deps),
                        (Err(message), _, _) => {
                            problems.push(SourceProblem {
                                path: path.to_path_buf(),
                                line: Some(i + 1),
                                message,
                            });
                            ok = false;
                        }
                        _ => {
                            problems.push(SourceProblem {
                                path: path.to_path_buf(),
                                line: Some(i + 1),
                                message: "`depends_on` belongs at the top of the .up.sql file, before any statement".into(),
                            });
                            ok = false;
                        }
                    }
                } else if !trimmed.is_empty() && !trimmed.starts_with("--") {
                    seen_statement = true;
                }
            }
            Err(message) => {
                problems.push(SourceProblem {
                    path: path.to_path_buf(),
                    line: Some(i + 1),
                    message,
                });
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    // Marker and header lines are comments, so the splitter skips them.
    let script = make_script(path, text, transaction, dialect, problems)?;
    Some((script, depends_on))
}

fn make_script(
    path: &Path,
    body: &str,
    transaction: bool,
    dialect: SqlDialect,
    problems: &mut Vec<SourceProblem>,
) -> Option<Script> {
    match split_statements(body, dialect) {
        Ok(statements) => Some(Script {
            path: path.to_path_buf(),
            transaction,
            statements,
        }),
        Err(e) => {
            problems.push(SourceProblem {
                path: path.to_path_buf(),
                line: Some(e.line),
                message: format!("column {}: {}", e.column, e.message),
            });
            None
        }
    }
}

#[cfg(test)]
mod tests;
