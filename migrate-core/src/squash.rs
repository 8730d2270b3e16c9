//! Squashing (`migrate squash APP FROM TO`), as Django's squashmigrations:
//! one new migration that stands for a run of an app's migrations, and how
//! each database's history decides whether the squash or its originals run.
//!
//! A squash declares what it replaces (`-- replaces: 0001_a, 0002_b` in a
//! `.sql` header, `replaces = [...]` in a `.toml`) and takes the number of
//! the first one, beside the originals until they are deleted. Against a
//! history:
//! - the squash is recorded, or none of the originals is: the squash runs
//!   (or stands applied) and the originals are left out;
//! - every original is applied: the squash counts as applied, and a run
//!   records it in their place (one row, their statements merged), so that
//!   unapplying it runs their down statements, newest first;
//! - some are applied: the originals are used while their files are there;
//!   with any of those files gone, the run is refused, saying to restore
//!   them.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::backend::{Backend, BackendExt};
use crate::dialect::SqlDialect;
use crate::error::{Error, Result};
use crate::history::{HistoryRecord, RecordState};
use crate::log::{Action, LogEntry};
use crate::migration::{Migration, MigrationKey, Script};
use crate::source::Source;
use crate::split::split_statements;

/// A squash written out: where it goes and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Squashed {
    /// The new file, in the app's folder.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// The full names of the migrations it replaces, in order.
    pub replaces: Vec<String>,
}

/// Builds the migration that replaces `from` to `to` (inclusive, resolved
/// as any target is) of `app`: the up statements in order and the down
/// statements newest first for SQL migrations, the operations in order for
/// portable ones. `name` is the part after `NNNN_squashed_NNNN_` (default:
/// that of `to`). `dialect` is how the statements were split, and how the
/// written file must split back.
pub fn squash(
    source: &Source,
    app: &str,
    from: &str,
    to: &str,
    name: Option<&str>,
    dialect: SqlDialect,
) -> Result<Squashed> {
    let migrations = source.app(app).ok_or_else(|| source.unknown_app(app))?;
    let first = source.resolve(app, from)?;
    let last = source.resolve(app, to)?;
    let at = |m: &Migration| migrations.iter().position(|x| x.name == m.name);
    let (Some(i), Some(j)) = (at(first), at(last)) else {
        unreachable!("resolved migrations are in their app");
    };
    if i > j {
        return Err(Error::Usage(format!(
            "FROM `{}` comes after TO `{}` in app `{app}`: give the earlier one first, `migrate squash {app} {} {}`",
            first.name,
            last.name,
            prefix(&last.name),
            prefix(&first.name)
        )));
    }
    if i == j {
        return Err(Error::Usage(format!(
            "`{}` to `{}` is one migration: a squash replaces two or more; give a later TO",
            first.name, last.name
        )));
    }
    let range = &migrations[i..=j];
    check_no_squash(app, migrations, range)?;
    check_no_variants(source, range)?;
    check_no_crossing(source, app, range)?;
    let depends_on = outside_dependencies(app, range);
    let replaces: Vec<String> = range.iter().map(|m| m.name.clone()).collect();
    let portable: Vec<bool> = range.iter().map(is_portable).collect();
    let stem = format!(
        "{}_squashed_{}_{}",
        prefix(&first.name),
        prefix(&last.name),
        match name {
            Some(n) => n.to_string(),
            None => last
                .name
                .split_once('_')
                .map_or(last.name.as_str(), |(_, rest)| rest)
                .to_string(),
        }
    );
    if !stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::Usage(format!(
            "migration name `{stem}` may hold only letters, digits and `_`: choose another --name"
        )));
    }
    let app_dir = source.dir().join(app);
    let (path, text) = if portable.iter().all(|p| *p) {
        (
            app_dir.join(format!("{stem}.toml")),
            portable_text(app, range, &replaces, &depends_on)?,
        )
    } else if portable.iter().any(|p| *p) {
        let sql: Vec<&str> = range
            .iter()
            .filter(|m| !is_portable(m))
            .map(|m| m.name.as_str())
            .collect();
        let toml: Vec<&str> = range
            .iter()
            .filter(|m| is_portable(m))
            .map(|m| m.name.as_str())
            .collect();
        return Err(Error::Usage(format!(
            "{app}: {from}..{to} mixes SQL migrations ({}) and portable ones ({}). A squash is one file: \
SQL rendered for one engine would no longer run the same on the others. \
Squash each run of one kind on its own (or write the portable ones' operations as SQL first).",
            sql.join(", "),
            toml.join(", "),
            from = first.name,
            to = last.name,
        )));
    } else {
        (
            app_dir.join(format!("{stem}.sql")),
            sql_text(app, range, &replaces, &depends_on, dialect)?,
        )
    };
    Ok(Squashed {
        path,
        text,
        replaces,
    })
}

/// The number part of a name, as written (`0002` of `0002_add_dob`).
fn prefix(name: &str) -> &str {
    let end = name
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(name.len());
    &name[..end]
}

fn is_portable(m: &Migration) -> bool {
    m.portable.is_some() && m.up.path.extension().is_some_and(|e| e == "toml")
}

/// A squash of a squash would hide the first one's originals from the
/// databases that still run them; the first must be settled (its
/// originals deleted) before it can be squashed again.
fn check_no_squash(app: &str, migrations: &[Migration], range: &[Migration]) -> Result<()> {
    let names: HashSet<&str> = range.iter().map(|m| m.name.as_str()).collect();
    let here: HashSet<&str> = migrations.iter().map(|m| m.name.as_str()).collect();
    for m in migrations.iter().filter(|m| !m.replaces.is_empty()) {
        // Once its originals are deleted, a squash is a migration like any
        // other and may be squashed again.
        let settled = !m.replaces.iter().any(|r| here.contains(r.as_str()));
        let inside = names.contains(m.name.as_str()) && !settled;
        let overlaps = m.replaces.iter().any(|r| names.contains(r.as_str()));
        if inside || overlaps {
            return Err(Error::Usage(format!(
                "{app}:{} is already a squash (it replaces {}) and the range includes {}: \
once every database has run it, delete the files it replaces, then squash it with the later ones",
                m.name,
                m.replaces.join(", "),
                if inside { "it" } else { "some of those" }
            )));
        }
    }
    Ok(())
}

/// Per-engine variant files make a migration several texts; one squash
/// cannot stand for them all.
fn check_no_variants(source: &Source, range: &[Migration]) -> Result<()> {
    for m in range {
        let dir = m.up.path.parent().unwrap_or(source.dir());
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().to_string();
            let Some(rest) = file.strip_prefix(&format!("{}.", m.name)) else {
                continue;
            };
            if ["mysql.", "postgres.", "sqlite."]
                .iter()
                .any(|tag| rest.starts_with(tag))
            {
                return Err(Error::Usage(format!(
                    "{}: {} is a per-engine variant of {}: a squash is one text for every engine. \
Squash the migrations before or after it, or fold the variant into a portable `sql` operation first.",
                    dir.join(&file).display(),
                    file,
                    m.name
                )));
            }
        }
    }
    Ok(())
}

/// Dependencies of the range on other apps, each once, in the order
/// written: the squash must wait for all of them.
fn outside_dependencies(app: &str, range: &[Migration]) -> Vec<MigrationKey> {
    let mut seen = Vec::new();
    for dep in range.iter().flat_map(|m| &m.depends_on) {
        if dep.app != app && !seen.contains(dep) {
            seen.push(dep.clone());
        }
    }
    seen
}

/// Refuses when another app's migration depends on one inside the range
/// while the range (through its own dependencies) waits for it: one squash
/// would then have to run both before and after it.
fn check_no_crossing(source: &Source, app: &str, range: &[Migration]) -> Result<()> {
    let inside: HashSet<MigrationKey> = range.iter().map(Migration::key).collect();
    let last = range.last().expect("a range holds two or more").key();
    // Everything the range waits for, directly or not.
    let mut waits: HashSet<MigrationKey> = HashSet::new();
    let mut todo: Vec<MigrationKey> = outside_dependencies(app, range);
    while let Some(key) = todo.pop() {
        if inside.contains(&key) || !waits.insert(key.clone()) {
            continue;
        }
        let Some(m) = source.get(&key) else { continue };
        todo.extend(m.depends_on.iter().cloned());
        if let Some(list) = source.app(&key.app)
            && let Some(p) = list.iter().position(|x| x.name == key.name)
            && p > 0
        {
            todo.push(list[p - 1].key());
        }
    }
    for key in &waits {
        let m = source.get(key).expect("only known migrations are walked");
        if let Some(dep) = m
            .depends_on
            .iter()
            .find(|d| inside.contains(d) && **d != last)
        {
            return Err(Error::Usage(format!(
                "{key} depends on {dep}, inside the range, while the range waits for {key} \
(through its own dependencies): one migration cannot run both before and after it. \
Squash up to {dep} only, or start after it.",
            )));
        }
    }
    Ok(())
}

fn directive(script: Option<&Script>, all: &[&Script]) -> String {
    let mut out = String::new();
    if all.iter().any(|s| !s.transaction) {
        out.push_str(" transaction=false");
    }
    if let Some(s) = script
        && s.noop
    {
        out.push_str(" noop=true");
    }
    out
}

fn header(app: &str, range: &[Migration], comment: &str) -> String {
    format!(
        "{comment} Squashed from {app}:{} to {app}:{} by `migrate squash`. Once every database\n\
{comment} has run it or the migrations it replaces, delete their files.\n",
        range[0].name,
        range[range.len() - 1].name
    )
}

fn sql_text(
    app: &str,
    range: &[Migration],
    replaces: &[String],
    depends_on: &[MigrationKey],
    dialect: SqlDialect,
) -> Result<String> {
    let mut text = header(app, range, "--");
    text.push_str(&format!("-- replaces: {}\n", replaces.join(", ")));
    if !depends_on.is_empty() {
        let deps: Vec<String> = depends_on.iter().map(ToString::to_string).collect();
        text.push_str(&format!("-- depends_on: {}\n", deps.join(", ")));
    }
    let ups: Vec<&Script> = range.iter().map(|m| &m.up).collect();
    text.push_str(&format!("\n-- migrate:up{}\n", directive(None, &ups)));
    let mut written = 0;
    for m in range {
        text.push_str(&format!("\n-- {}\n", m.name));
        for s in m.up.statements()? {
            text.push_str(&s.sql);
            text.push_str(";\n");
            written += 1;
        }
    }
    check_splits(&text, written, dialect, "up")?;
    if let Some(m) = range
        .iter()
        .find(|m| m.down.as_ref().is_some_and(Script::unwritten))
    {
        return Err(Error::Usage(format!(
            "{}: the down section of {app}:{} is empty, taken for one not written yet: \
write it, or mark it `-- migrate:down noop=true` when there is nothing to undo, then squash",
            m.up.path.display(),
            m.name
        )));
    }
    if let Some(m) = range.iter().find(|m| m.down.is_none()) {
        text.push_str(&format!(
            "\n-- No down section: {app}:{} cannot be unapplied, so neither can this squash.\n",
            m.name
        ));
        return Ok(text);
    }
    let downs: Vec<&Script> = range.iter().filter_map(|m| m.down.as_ref()).collect();
    let all_noop = downs.iter().all(|d| d.noop && d.is_empty());
    let marker = if all_noop {
        " noop=true".to_string()
    } else {
        directive(None, &downs)
    };
    let down_start = text.len();
    text.push_str(&format!("\n-- migrate:down{marker}\n"));
    let mut down_written = 0;
    for m in range.iter().rev() {
        let down = m.down.as_ref().expect("checked above");
        if down.is_empty() {
            continue;
        }
        text.push_str(&format!("\n-- {}\n", m.name));
        for s in down.statements()? {
            text.push_str(&s.sql);
            text.push_str(";\n");
            down_written += 1;
        }
    }
    check_splits(&text[down_start..], down_written, dialect, "down")?;
    Ok(text)
}

/// The statements written back must split into as many as were read, or
/// the squash would run something else than its originals.
fn check_splits(text: &str, expected: usize, dialect: SqlDialect, section: &str) -> Result<()> {
    let body: String = match section {
        "up" => text
            .split("\n-- migrate:down")
            .next()
            .unwrap_or_default()
            .to_string(),
        _ => text.to_string(),
    };
    let count = split_statements(&body, dialect).map(|s| s.len()).ok();
    if count != Some(expected) {
        return Err(Error::Usage(format!(
            "the {section} statements, written one after the other ending in `;`, do not split back into the {expected} statements they were \
(a statement needing `DELIMITER` or a custom separator?): squash around that migration, or write the squash by hand"
        )));
    }
    Ok(())
}

fn portable_text(
    app: &str,
    range: &[Migration],
    replaces: &[String],
    depends_on: &[MigrationKey],
) -> Result<String> {
    let quoted = |items: Vec<String>| {
        items
            .iter()
            .map(|i| toml::Value::String(i.clone()).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = header(app, range, "#");
    text.push_str(&format!("\nreplaces = [{}]\n", quoted(replaces.to_vec())));
    if !depends_on.is_empty() {
        let deps = depends_on.iter().map(ToString::to_string).collect();
        text.push_str(&format!("depends_on = [{}]\n", quoted(deps)));
    }
    for m in range {
        let raw = std::fs::read_to_string(&m.up.path).map_err(|e| Error::Io {
            path: m.up.path.clone(),
            source: e,
        })?;
        let raw = crate::source::normalize_owned(raw);
        text.push_str(&format!("\n# {}\n", m.name));
        // The operations as written (comments and layout kept) when they
        // are `[[operations]]` tables, which end the file; otherwise
        // written again from their values.
        let lines: Vec<&str> = raw.lines().collect();
        match lines.iter().position(|l| l.trim() == "[[operations]]") {
            Some(first) => {
                text.push_str(&lines[first..].join("\n"));
                text.push('\n');
            }
            None => {
                let doc: toml::Table = raw.parse().map_err(|e| {
                    Error::Usage(format!(
                        "{}: cannot read it again: {e}",
                        m.up.path.display()
                    ))
                })?;
                let mut ops = toml::Table::new();
                if let Some(value) = doc.get("operations") {
                    ops.insert("operations".into(), value.clone());
                }
                let written = toml::to_string(&ops)
                    .map_err(|e| Error::Usage(format!("cannot write the squash of {app}: {e}")))?;
                text.push_str(&written);
            }
        }
    }
    // Read back as any portable migration is: the operations must be the
    // originals', in order.
    let parsed = crate::portable::parse(&text).map_err(|errors| {
        Error::Usage(format!(
            "the squash of {app} does not read back: {}; write it by hand",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    let expected: Vec<_> = range
        .iter()
        .flat_map(|m| m.portable.as_ref().expect("portable").operations.clone())
        .collect();
    if parsed.operations != expected || parsed.replaces != replaces {
        return Err(Error::Usage(format!(
            "the squash of {app} does not read back as the operations it replaces: write it by hand"
        )));
    }
    Ok(text)
}

/// What a history and the squashes of a source decide.
struct Decision {
    /// Migrations left out of this run's view of the source.
    drop: HashSet<MigrationKey>,
    /// What stands for a dropped migration, for dependencies on it.
    stand_in: HashMap<MigrationKey, MigrationKey>,
    /// Squashes whose originals are all applied but not yet merged into
    /// one row: (the row to write, the rows it replaces).
    merges: Vec<(HistoryRecord, Vec<MigrationKey>)>,
    /// Rows a recorded squash stands for (left over beside it).
    subsumed: HashSet<MigrationKey>,
}

fn decide(source: &Source, history: &[HistoryRecord]) -> Result<Decision> {
    let mut decision = Decision {
        drop: HashSet::new(),
        stand_in: HashMap::new(),
        merges: Vec::new(),
        subsumed: HashSet::new(),
    };
    let rows: HashMap<MigrationKey, &HistoryRecord> =
        history.iter().map(|r| (r.key(), r)).collect();
    for squash in source.ordered().filter(|m| !m.replaces.is_empty()) {
        let replaced: Vec<MigrationKey> = squash
            .replaces
            .iter()
            .map(|n| MigrationKey::new(&squash.app, n))
            .collect();
        let recorded: Vec<&HistoryRecord> = replaced
            .iter()
            .filter_map(|k| rows.get(k).copied())
            .collect();
        let use_squash = |d: &mut Decision| {
            for k in &replaced {
                if source.get(k).is_some() {
                    d.drop.insert(k.clone());
                }
                d.stand_in.insert(k.clone(), squash.key());
            }
        };
        if rows.contains_key(&squash.key()) {
            use_squash(&mut decision);
            decision.subsumed.extend(recorded.iter().map(|r| r.key()));
        } else if recorded.is_empty() {
            use_squash(&mut decision);
        } else if recorded.len() == replaced.len()
            && recorded.iter().all(|r| r.state == RecordState::Applied)
        {
            use_squash(&mut decision);
            decision
                .merges
                .push((merged(squash, &recorded), replaced.clone()));
        } else {
            let missing: Vec<&str> = replaced
                .iter()
                .filter(|k| source.get(k).is_none())
                .map(|k| k.name.as_str())
                .collect();
            if !missing.is_empty() {
                let applied: Vec<&str> = recorded.iter().map(|r| r.name.as_str()).collect();
                return Err(Error::Refused(format!(
                    "{} replaces {}, of which this database has only {} in its history, and the files of {} are gone. \
Restore them (from version control), run `migrate {}` to apply them, then the squash counts as applied here and they can be deleted again.",
                    squash.key(),
                    squash.replaces.join(", "),
                    applied.join(", "),
                    missing.join(", "),
                    squash.app
                )));
            }
            // Part way through the originals: they go on, as Django does.
            decision.drop.insert(squash.key());
            if let Some(last) = replaced.last() {
                decision.stand_in.insert(squash.key(), last.clone());
            }
        }
    }
    Ok(decision)
}

/// One row standing for the rows of every migration a squash replaces:
/// their statements in order, the down statements newest first, so that
/// unapplying the squash undoes exactly what ran.
fn merged(squash: &Migration, rows: &[&HistoryRecord]) -> HistoryRecord {
    let last = rows.last().expect("a squash replaces something");
    let down_sql = rows
        .iter()
        .rev()
        .map(|r| r.down_sql.clone())
        .collect::<Option<Vec<Vec<String>>>>()
        .map(|parts| parts.concat());
    HistoryRecord {
        app: squash.app.clone(),
        name: squash.name.clone(),
        checksum: squash.checksum.clone(),
        applied_at: rows
            .iter()
            .map(|r| r.applied_at.clone())
            .max()
            .unwrap_or_default(),
        duration_ms: rows.iter().map(|r| r.duration_ms).sum(),
        state: RecordState::Applied,
        statements_done: rows.iter().map(|r| r.statements_done).sum(),
        statements_total: rows.iter().map(|r| r.statements_total).sum(),
        last_error: None,
        up_sql: rows.iter().flat_map(|r| r.up_sql.clone()).collect(),
        down_sql,
        applied_by: last.applied_by.clone(),
        tool_version: last.tool_version.clone(),
        source_commit: last.source_commit.clone(),
        journal: Vec::new(),
    }
}

/// The source and history as a run sees them once squashes are settled:
/// for each squash, either it or its originals, and the rows of originals
/// a squash stands for merged into one row of the squash. Nothing is
/// written (see [`record_replacements`] for that).
pub fn resolve<'s>(
    source: &'s Source,
    history: &[HistoryRecord],
) -> Result<(Cow<'s, Source>, Vec<HistoryRecord>)> {
    if !source.has_squashes() {
        return Ok((Cow::Borrowed(source), history.to_vec()));
    }
    let decision = decide(source, history)?;
    let mut gone: HashSet<MigrationKey> = decision.subsumed.clone();
    for (_, replaced) in &decision.merges {
        gone.extend(replaced.iter().cloned());
    }
    let mut view: Vec<HistoryRecord> = history
        .iter()
        .filter(|r| !gone.contains(&r.key()))
        .cloned()
        .collect();
    view.extend(decision.merges.into_iter().map(|(row, _)| row));
    view.sort_by(|a, b| (&a.app, &a.name).cmp(&(&b.app, &b.name)));
    let source = source.without(&decision.drop, &decision.stand_in);
    Ok((Cow::Owned(source), view))
}

/// [`resolve`] for a history the caller owns: without a squash in the
/// source the rows are handed back as they are, not copied.
pub fn resolve_owned(
    source: &Source,
    history: Vec<HistoryRecord>,
) -> Result<(Cow<'_, Source>, Vec<HistoryRecord>)> {
    if !source.has_squashes() {
        return Ok((Cow::Borrowed(source), history));
    }
    resolve(source, &history)
}

/// Writes, for each squash whose originals are all applied here, its own
/// history row in place of theirs (one transaction each, logged as a fake
/// apply), so that the history holds what later runs unapply. Called under
/// the migration lock, before planning. Returns the squashes recorded.
pub async fn record_replacements(
    backend: &mut dyn Backend,
    source: &Source,
    actor: Option<String>,
) -> Result<Vec<MigrationKey>> {
    if !source.has_squashes() {
        return Ok(Vec::new());
    }
    let history = backend.load_history().await?;
    let decision = decide(source, &history)?;
    let mut recorded = Vec::new();
    for (row, replaced) in decision.merges {
        let entry = LogEntry {
            at: crate::executor::now(),
            app: row.app.clone(),
            name: row.name.clone(),
            action: Action::FakeApply,
            checksum: Some(row.checksum.clone()),
            detail: Some(format!(
                "squash recorded as applied: it replaces {}, all applied (their rows merged into this one)",
                replaced
                    .iter()
                    .map(|k| k.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            statements: Vec::new(),
            actor: actor.clone(),
            tool_version: crate::VERSION.to_string(),
        };
        backend.begin().await?;
        let written = async {
            for key in &replaced {
                backend.delete_record(&key.app, &key.name).await?;
            }
            backend.write_record(&row).await?;
            backend.append_log(&entry).await
        }
        .await;
        match written {
            Ok(()) => backend.commit().await?,
            Err(e) => {
                let _ = backend.rollback().await;
                return Err(e);
            }
        }
        recorded.push(row.key());
    }
    Ok(recorded)
}

/// The note `status` gives a squash: how many migrations it stands for.
pub fn note(migration: &Migration) -> Option<String> {
    match migration.replaces.len() {
        0 => None,
        n => Some(format!("replaces {n}")),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn load(root: &Path) -> Source {
        Source::load(root, SqlDialect::Sqlite).unwrap()
    }

    fn shop(root: &Path) {
        write(
            root,
            "shop/0001_a.sql",
            "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n",
        );
        write(
            root,
            "shop/0002_b.sql",
            "-- depends_on: other:0001\n-- migrate:up transaction=false\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n",
        );
        write(
            root,
            "shop/0003_c.sql",
            "-- migrate:up\nCREATE TABLE c (id INTEGER);\n-- migrate:down noop=true\n",
        );
        write(
            root,
            "other/0001_x.sql",
            "-- migrate:up\nCREATE TABLE x (id INTEGER);\n-- migrate:down\nDROP TABLE x;\n",
        );
    }

    fn row(app: &str, name: &str, up: &[&str], down: &[&str]) -> HistoryRecord {
        HistoryRecord {
            app: app.into(),
            name: name.into(),
            checksum: "x".into(),
            applied_at: format!("2026-01-0{}T00:00:00Z", &name[3..4]),
            duration_ms: 1,
            state: RecordState::Applied,
            statements_done: up.len() as i64,
            statements_total: up.len() as i64,
            last_error: None,
            up_sql: up.iter().map(|s| s.to_string()).collect(),
            down_sql: Some(down.iter().map(|s| s.to_string()).collect()),
            applied_by: None,
            tool_version: "t".into(),
            source_commit: None,
            journal: Vec::new(),
        }
    }

    fn names(source: &Source) -> Vec<String> {
        source.ordered().map(|m| m.key().to_string()).collect()
    }

    #[test]
    fn written_squash_carries_directives_dependencies_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        shop(dir.path());
        let source = load(dir.path());
        let s = squash(&source, "shop", "1", "0003_c", None, SqlDialect::Sqlite).unwrap();
        assert_eq!(s.path, dir.path().join("shop/0001_squashed_0003_c.sql"));
        assert!(s.text.contains("-- replaces: 0001_a, 0002_b, 0003_c\n"));
        assert!(s.text.contains("-- depends_on: other:0001_x\n"));
        assert!(s.text.contains("-- migrate:up transaction=false\n"));
        std::fs::write(&s.path, &s.text).unwrap();
        let source = load(dir.path());
        let m = source
            .get(&MigrationKey::new("shop", "0001_squashed_0003_c"))
            .unwrap();
        assert_eq!(m.replaces, ["0001_a", "0002_b", "0003_c"]);
        assert_eq!(m.up.sql().unwrap().len(), 3);
        assert!(!m.up.transaction);
        assert_eq!(
            m.down.as_ref().unwrap().sql().unwrap(),
            ["DROP TABLE b", "DROP TABLE a"]
        );
        // A number or prefix still means the original while it is here.
        assert_eq!(source.resolve("shop", "0001").unwrap().name, "0001_a");
    }

    #[test]
    fn history_decides_between_the_squash_and_its_originals() {
        let dir = tempfile::tempdir().unwrap();
        shop(dir.path());
        let s = squash(
            &load(dir.path()),
            "shop",
            "1",
            "3",
            None,
            SqlDialect::Sqlite,
        )
        .unwrap();
        std::fs::write(&s.path, &s.text).unwrap();
        let source = load(dir.path());
        let squash_name = "shop:0001_squashed_0003_c";

        // Fresh: the squash alone.
        let (view, history) = resolve(&source, &[]).unwrap();
        assert_eq!(names(&view), ["other:0001_x", squash_name]);
        assert!(history.is_empty());

        // All applied: one merged row, down statements newest first.
        let rows = [
            row(
                "other",
                "0001_x",
                &["CREATE TABLE x (id INTEGER)"],
                &["DROP TABLE x"],
            ),
            row(
                "shop",
                "0001_a",
                &["CREATE TABLE a (id INTEGER)"],
                &["DROP TABLE a"],
            ),
            row(
                "shop",
                "0002_b",
                &["CREATE TABLE b (id INTEGER)"],
                &["DROP TABLE b"],
            ),
            row("shop", "0003_c", &["CREATE TABLE c (id INTEGER)"], &[]),
        ];
        let (view, history) = resolve(&source, &rows).unwrap();
        assert_eq!(names(&view), ["other:0001_x", squash_name]);
        let merged = history.iter().find(|r| r.key().to_string() == squash_name);
        let merged = merged.unwrap();
        assert_eq!(
            merged.down_sql.as_deref().unwrap(),
            ["DROP TABLE b", "DROP TABLE a"]
        );
        assert_eq!(merged.statements_done, 3);
        assert_eq!(merged.applied_at, "2026-01-03T00:00:00Z");
        assert_eq!(history.len(), 2);

        // Part way: the originals.
        let (view, history) = resolve(&source, &rows[..2]).unwrap();
        assert_eq!(
            names(&view),
            ["other:0001_x", "shop:0001_a", "shop:0002_b", "shop:0003_c"]
        );
        assert_eq!(history.len(), 2);

        // Part way, with an original gone: refused, saying what to do.
        std::fs::remove_file(dir.path().join("shop/0003_c.sql")).unwrap();
        let source = load(dir.path());
        let err = resolve(&source, &rows[..2]).unwrap_err().to_string();
        assert!(err.contains("the files of 0003_c are gone"), "{err}");
        assert!(err.contains("Restore them"), "{err}");
    }

    #[test]
    fn settled_squash_may_be_squashed_again_but_not_while_beside_its_originals() {
        let dir = tempfile::tempdir().unwrap();
        shop(dir.path());
        let s = squash(
            &load(dir.path()),
            "shop",
            "1",
            "2",
            None,
            SqlDialect::Sqlite,
        )
        .unwrap();
        std::fs::write(&s.path, &s.text).unwrap();
        let err = squash(
            &load(dir.path()),
            "shop",
            "2",
            "3",
            None,
            SqlDialect::Sqlite,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("is already a squash"), "{err}");
        for f in ["shop/0001_a.sql", "shop/0002_b.sql"] {
            std::fs::remove_file(dir.path().join(f)).unwrap();
        }
        let again = squash(
            &load(dir.path()),
            "shop",
            "1",
            "3",
            Some("all"),
            SqlDialect::Sqlite,
        )
        .unwrap();
        assert!(
            again
                .text
                .contains("-- replaces: 0001_squashed_0002_b, 0003_c\n")
        );
    }

    #[test]
    fn bad_replaces_headers_are_reported_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "shop/0001_a.sql",
            "-- a comment\n-- replaces: other:0001\n-- migrate:up\nSELECT 1;\n",
        );
        write(
            dir.path(),
            "shop/0002_b.toml",
            "replaces = \"0001_a\"\n\n[[operations]]\nop = \"drop_table\"\ntable = \"t\"\n",
        );
        let Err(Error::InvalidSource(problems)) = Source::load(dir.path(), SqlDialect::Sqlite)
        else {
            panic!("expected an invalid source");
        };
        let found: Vec<String> = problems
            .iter()
            .map(|p| {
                format!(
                    "{}:{:?}: {}",
                    p.path.file_name().unwrap().to_string_lossy(),
                    p.line,
                    p.message
                )
            })
            .collect();
        assert!(
            found[0].starts_with(
                "0001_a.sql:Some(2): `replaces` lists full names of migrations of this app"
            ),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("0002_b.toml:Some(1): `replaces`: expected a list"),
            "{found:?}"
        );
    }
}
