//! The text of a migration file: section markers, directives, the
//! `depends_on` header, statements, and the checksum.

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::files::Files;
use super::layout::Section;
use crate::dialect::SqlDialect;
use crate::error::SourceProblem;
use crate::migration::{MigrationKey, Script, Unsplit};

/// Reads a file as UTF-8 and normalizes it (BOM stripped, CRLF as LF).
/// Shared: the scripts of the file keep it until they are split.
pub(super) fn read_text(
    files: &dyn Files,
    path: &Path,
    problems: &mut Vec<SourceProblem>,
) -> Option<Arc<String>> {
    let bytes = match files.read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
            problems.push(SourceProblem {
                path: path.to_path_buf(),
                line: None,
                message: e.to_string(),
            });
            return None;
        }
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
        Ok(text) => Some(Arc::new(normalize_owned(text))),
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

/// [`normalize`] of a text already owned: most files need no change, and
/// are then kept as read, not copied.
pub(crate) fn normalize_owned(text: String) -> String {
    if text.starts_with('\u{feff}') || text.contains("\r\n") {
        normalize(&text)
    } else {
        text
    }
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

/// A one-file migration, split into its parts.
pub(super) struct Parsed {
    pub(super) up: Script,
    pub(super) down: Option<Script>,
    pub(super) depends_on: Vec<MigrationKey>,
    pub(super) replaces: Vec<String>,
}

/// A `-- migrate:...` line, parsed.
struct Marker {
    section: Section,
    directives: Directives,
    /// The line of the marker (1-based), for messages about its directives.
    line: usize,
}

/// What a section marker's directives say about its section.
#[derive(Clone, Copy)]
struct Directives {
    /// `transaction=false` turns it off.
    transaction: bool,
    /// `noop=true`: a down section that is empty on purpose.
    noop: bool,
    /// `online=pt-osc`: its `ALTER TABLE`s run through that tool.
    online: Option<crate::online::OnlineTool>,
}

impl Default for Directives {
    fn default() -> Self {
        Directives {
            transaction: true,
            noop: false,
            online: None,
        }
    }
}

fn flag(name: &str, value: &str) -> std::result::Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("`{name}` takes true or false, not `{value}`")),
    }
}

/// Recognizes a section marker line. `Ok(None)`: not a marker;
/// `Err`: looks like one but is wrong.
fn parse_marker(line: &str, number: usize) -> std::result::Result<Option<Marker>, String> {
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
    let mut directives = Directives::default();
    for word in words {
        match word.split_once('=') {
            Some(("transaction", value)) => directives.transaction = flag("transaction", value)?,
            Some(("noop", value)) if section == Section::Down => {
                directives.noop = flag("noop", value)?
            }
            Some(("online", value)) => {
                directives.online = Some(crate::online::OnlineTool::parse(value)?)
            }
            Some(("noop", _)) => {
                return Err(
                    "`noop=true` belongs on a `-- migrate:down` marker: it says that unapplying has nothing to undo".into(),
                );
            }
            _ => {
                return Err(format!(
                    "unknown directive `{word}`: the directives are `transaction=false`, `online=pt-osc` and, on a down section, `noop=true`"
                ));
            }
        }
    }
    Ok(Some(Marker {
        section,
        directives,
        line: number,
    }))
}

/// Takes a header line's parsed values (`depends_on`, `replaces`) into
/// `into` when it stands where headers belong, at the top of the up
/// section; says what is wrong otherwise.
fn header_line<T>(
    parsed: std::result::Result<Vec<T>, String>,
    at_top: bool,
    what: &str,
    into: &mut Vec<T>,
) -> std::result::Result<(), String> {
    let values = parsed?;
    if !at_top {
        return Err(format!(
            "`{what}` belongs at the top of the .up.sql file, before any statement"
        ));
    }
    into.extend(values);
    Ok(())
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

/// Parses a `-- replaces: 0001_initial, 0002_add_dob` header line: the
/// migrations of the same app a squash stands for, by full name.
fn parse_replaces(line: &str) -> Option<std::result::Result<Vec<String>, String>> {
    let rest = line.trim().strip_prefix("--")?.trim_start();
    let list = rest.strip_prefix("replaces:")?;
    let names: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(bad) = names.iter().find(|n| n.contains(':') || n.contains(' ')) {
        return Some(Err(format!(
            "`replaces` lists full names of migrations of this app, separated by commas (0001_initial, 0002_add_dob), not `{bad}`"
        )));
    }
    if names.is_empty() {
        return Some(Err(
            "`replaces:` names no migration: list the full names it stands for, or remove the line"
                .into(),
        ));
    }
    Some(Ok(names))
}

/// Finds the line of the `depends_on` header, for messages about it.
pub(super) fn depends_line(files: &dyn Files, path: &Path) -> Option<usize> {
    let text = String::from_utf8(files.read(path).ok()?).ok()?;
    text.lines()
        .position(|l| parse_depends(l).is_some())
        .map(|i| i + 1)
}

/// Splits a one-file migration into its sections.
pub(super) fn parse_single(
    path: &Path,
    text: &Arc<String>,
    dialect: SqlDialect,
    problems: &mut Vec<SourceProblem>,
) -> Option<Parsed> {
    let mut depends_on = Vec::new();
    let mut replaces = Vec::new();
    // (section, transaction, first line index of its body)
    let mut sections: Vec<(Marker, usize)> = Vec::new();
    let mut ok = true;
    let problem = |line: usize, message: String| SourceProblem {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    for (i, line) in text.lines().enumerate() {
        match parse_marker(line, i + 1) {
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
                    match parse_replaces(line) {
                        Some(Ok(names)) => replaces.extend(names),
                        Some(Err(message)) => {
                            problems.push(problem(i + 1, message));
                            ok = false;
                        }
                        None => {}
                    }
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
    let line_count = text.lines().count();
    // Lines outside the section are blanked rather than removed so the
    // splitter's line numbers are the file's line numbers.
    let body = |from: usize, to: usize| Unsplit {
        text: text.clone(),
        lines: Some(from..to),
        dialect,
    };
    match sections.as_slice() {
        [] => {
            let up = make_script(path, body(0, line_count), None, problems)?;
            // Without markers the header is just the top of the script.
            Some(Parsed {
                up,
                down: None,
                depends_on,
                replaces,
            })
        }
        [(up_marker, up_start)] => Some(Parsed {
            up: make_script(path, body(*up_start, line_count), Some(up_marker), problems)?,
            down: None,
            depends_on,
            replaces,
        }),
        [(up_marker, up_start), (down_marker, down_start)] => {
            let up = make_script(
                path,
                body(*up_start, down_start - 1),
                Some(up_marker),
                problems,
            );
            let down = make_script(
                path,
                body(*down_start, line_count),
                Some(down_marker),
                problems,
            );
            Some(Parsed {
                up: up?,
                down: Some(down?),
                depends_on,
                replaces,
            })
        }
        _ => None,
    }
}

/// Parses one file of an `.up.sql` / `.down.sql` pair.
pub(super) fn parse_pair_file(
    path: &Path,
    text: &Arc<String>,
    section: Section,
    dialect: SqlDialect,
    problems: &mut Vec<SourceProblem>,
) -> Option<(Script, Vec<MigrationKey>, Vec<String>)> {
    let mut own_marker = None;
    let mut depends_on = Vec::new();
    let mut replaces = Vec::new();
    let mut ok = true;
    let mut seen_statement = false;
    for (i, line) in text.lines().enumerate() {
        match parse_marker(line, i + 1) {
            Ok(Some(marker)) if marker.section == section && !seen_statement => {
                own_marker = Some(marker);
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
                let at_top = section == Section::Up && !seen_statement;
                let header = if let Some(names) = parse_replaces(line) {
                    Some(header_line(names, at_top, "replaces", &mut replaces))
                } else {
                    parse_depends(line)
                        .map(|deps| header_line(deps, at_top, "depends_on", &mut depends_on))
                };
                if let Some(header) = header {
                    if let Err(message) = header {
                        problems.push(SourceProblem {
                            path: path.to_path_buf(),
                            line: Some(i + 1),
                            message,
                        });
                        ok = false;
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
    let whole = Unsplit {
        text: text.clone(),
        lines: None,
        dialect,
    };
    let script = make_script(path, whole, own_marker.as_ref(), problems)?;
    Some((script, depends_on, replaces))
}

/// The script of a section, split later ([`Script::statements`]). A
/// `noop=true` section is split now unless its lines plainly hold no
/// statement: the directive is checked where the file is read.
fn make_script(
    path: &Path,
    body: Unsplit,
    marker: Option<&Marker>,
    problems: &mut Vec<SourceProblem>,
) -> Option<Script> {
    let directives = marker.map(|m| m.directives).unwrap_or_default();
    let plainly_empty = directives.noop && body.plainly_empty() == Some(true);
    let mut script = Script::unsplit(path.to_path_buf(), body);
    script.transaction = directives.transaction;
    script.noop = directives.noop;
    script.online = directives.online;
    if directives.noop && !plainly_empty {
        match script.statements() {
            Ok(statements) if !statements.is_empty() => {
                problems.push(SourceProblem {
                    path: path.to_path_buf(),
                    line: marker.map(|m| m.line),
                    message: format!(
                        "`noop=true` says this down section undoes nothing, but it holds {} statement(s) (the first on line {}); remove the directive or the statements",
                        statements.len(),
                        statements[0].line
                    ),
                });
                return None;
            }
            Ok(_) => {}
            Err(_) => {
                problems.extend(script.split_problem());
                return None;
            }
        }
    }
    Some(script)
}
