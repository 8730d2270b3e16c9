//! File names and layouts: which files make up which migration, and which
//! dialect variant is used.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::files::Files;
use super::sections::{checksum, parse_pair_file, parse_single, read_text};
use crate::dialect::SqlDialect;
use crate::error::SourceProblem;
use crate::migration::Migration;

/// Files the reader looks at; anything else in a folder is ignored.
pub(super) fn is_migration_extension(file_name: &str) -> bool {
    file_name.ends_with(".sql") || file_name.ends_with(".toml")
}

/// What a migration file's name says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileName {
    stem: String,
    number: u64,
    section: Option<Section>,
    dialect: Option<SqlDialect>,
    /// A `.toml` file of portable operations.
    portable: bool,
}

/// Which half of a migration a file or marker holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    Up,
    Down,
}

/// Parses `0002_add_dob[.mysql][.up|.down].sql` or `0002_add_dob.toml`.
fn parse_file_name(file_name: &str) -> std::result::Result<FileName, String> {
    let (base, portable) = match file_name.strip_suffix(".sql") {
        Some(base) => (base, false),
        None => (file_name.strip_suffix(".toml").unwrap_or(file_name), true),
    };
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
        Some(_) if portable && (section.is_some() || dialect.is_some()) => Err(
            "a portable migration is one NNNN_name.toml file: no .up/.down or dialect tag (write a NNNN_name.mysql.sql variant to replace it on one engine)"
                .into(),
        ),
        Some(number) if valid_rest && stem.len() > digits.len() + 1 => Ok(FileName {
            stem,
            number,
            section,
            dialect,
            portable,
        }),
        _ => Err(
            "not a migration file name: expected NNNN_name.sql (a number, `_`, then letters, digits, `_` or `-`)"
                .into(),
        ),
    }
}

/// Reads one app folder.
pub(super) fn load_app(
    files: &dyn Files,
    app: &str,
    dir: &Path,
    dialect: SqlDialect,
    problems: &mut Vec<SourceProblem>,
) -> Vec<Migration> {
    let entries = match files.list(dir) {
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
    for entry in entries {
        let file_name = entry.name.clone();
        let path = dir.join(&file_name);
        if file_name.starts_with('.') || !is_migration_extension(&file_name) {
            continue;
        }
        if let Some(why) = entry.unreadable() {
            problems.push(SourceProblem {
                path,
                line: None,
                message: why,
            });
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
    // Each migration is read and parsed on its own, so many are read at
    // once; their problems come back in the order of their names.
    let stems: Vec<(String, Vec<(FileName, PathBuf)>)> = by_stem.into_iter().collect();
    let loaded = super::parallel::map_items(&stems, |(stem, variants), found| {
        load_migration(files, app, stem, variants, dialect, found)
    });
    let mut read = Vec::with_capacity(loaded.len());
    for (migration, found) in loaded {
        problems.extend(found);
        read.extend(migration);
    }
    // By number; a squash takes the number of the first migration it
    // replaces and stands beside the originals until they are deleted
    // (which of them runs is decided against each database's history), so
    // within a number the squashes come last. The sort is stable: names
    // order the rest.
    read.sort_by_key(|m| (m.number, !m.replaces.is_empty()));
    // Numbers shared by none: the list is the app's order as it stands.
    if read.windows(2).all(|pair| pair[0].number != pair[1].number) {
        return read;
    }
    let mut migrations = Vec::with_capacity(read.len());
    let mut read = read.into_iter().peekable();
    while let Some(first) = read.next() {
        let number = first.number;
        if read.peek().is_none_or(|next| next.number != number) {
            migrations.push(first);
            continue;
        }
        let mut same = vec![first];
        while let Some(m) = read.next_if(|m| m.number == number) {
            same.push(m);
        }
        let squash_beside_originals = same.len() > 1
            && same[0].replaces.is_empty()
            && same[1..]
                .iter()
                .all(|m| m.replaces.first() == Some(&same[0].name));
        if squash_beside_originals || (same.len() == 1) {
            migrations.append(&mut same);
            continue;
        }
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
    reader: &dyn Files,
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
    let singles: Vec<&&(FileName, PathBuf)> =
        chosen.iter().filter(|(f, _)| f.section.is_none()).collect();
    if singles.len() > 1 {
        problems.push(SourceProblem {
            path: singles[0].1.clone(),
            line: None,
            message: format!(
                "migration `{stem}` has both a .sql and a .toml file ({}); keep one",
                singles
                    .iter()
                    .map(|(_, p)| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
        return None;
    }
    let single = singles.first().copied();
    let up = chosen.iter().find(|(f, _)| f.section == Some(Section::Up));
    let down = chosen
        .iter()
        .find(|(f, _)| f.section == Some(Section::Down));
    let number = files[0].0.number;
    let migration = build(
        reader, app, stem, number, single, up, down, &chosen, dialect, problems,
    )?;
    Some(with_replaced_portable(
        reader,
        migration,
        files,
        has_variant,
        problems,
    ))
}

/// A dialect variant that replaces a portable migration still stands for
/// its operations: they go into the schema state (not rendered), so later
/// portable migrations see the same schema on every engine.
fn with_replaced_portable(
    reader: &dyn Files,
    mut migration: Migration,
    files: &[(FileName, PathBuf)],
    has_variant: bool,
    problems: &mut Vec<SourceProblem>,
) -> Migration {
    let generic_toml = files
        .iter()
        .find(|(f, _)| f.portable && f.dialect.is_none());
    if let (true, Some((_, path))) = (has_variant, generic_toml)
        && let Some(text) = read_text(reader, path, problems)
    {
        match crate::portable::parse(&text) {
            Ok(parsed) => migration.portable = Some(parsed),
            Err(errors) => problems.extend(errors.into_iter().map(|e| SourceProblem {
                path: path.clone(),
                line: e.line,
                message: e.message,
            })),
        }
    }
    migration
}

/// Builds a migration from the files chosen for this engine.
#[allow(clippy::too_many_arguments)]
fn build(
    reader: &dyn Files,
    app: &str,
    stem: &str,
    number: u64,
    single: Option<&&(FileName, PathBuf)>,
    up: Option<&&(FileName, PathBuf)>,
    down: Option<&&(FileName, PathBuf)>,
    chosen: &[&(FileName, PathBuf)],
    dialect: SqlDialect,
    problems: &mut Vec<SourceProblem>,
) -> Option<Migration> {
    match (single, up, down) {
        (Some((f, single)), None, None) if f.portable => {
            let text = read_text(reader, single, problems)?;
            super::portable::load(app, stem, number, single, &text, problems)
        }
        (Some((_, single)), None, None) => {
            let text = read_text(reader, single, problems)?;
            let parsed = parse_single(single, &text, dialect, problems)?;
            Some(Migration {
                app: app.to_string(),
                name: stem.to_string(),
                number,
                checksum: checksum(&[text.as_str()]),
                up: parsed.up,
                down: parsed.down,
                depends_on: parsed.depends_on,
                portable: None,
                irreversible: None,
                replaces: parsed.replaces,
                repeatable: false,
            })
        }
        (None, Some((_, up_path)), down) => {
            let up_text = read_text(reader, up_path, problems)?;
            let down_text = match down {
                Some((_, p)) => Some((p, read_text(reader, p, problems)?)),
                None => None,
            };
            let (up, depends_on, replaces) =
                parse_pair_file(up_path, &up_text, Section::Up, dialect, problems)?;
            let down = match &down_text {
                Some((p, text)) => {
                    Some(parse_pair_file(p, text, Section::Down, dialect, problems)?.0)
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
                portable: None,
                irreversible: None,
                replaces,
                repeatable: false,
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
