//! The refusals: states of the database that `migrate` will not move past
//! without being told how, each explained with the command that fixes it.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{Direction, Plan};
use crate::error::{Error, Result};
use crate::history::{HistoryRecord, RecordState};
use crate::migration::MigrationKey;
use crate::source::Source;

/// A partial or reverting row blocks its app until repaired or faked.
pub(super) fn refuse_unfinished(history: &[HistoryRecord], scope: &BTreeSet<String>) -> Result<()> {
    let unfinished: Vec<&HistoryRecord> = history
        .iter()
        .filter(|r| r.state != RecordState::Applied && scope.contains(&r.app))
        .collect();
    let Some(first) = unfinished.first() else {
        return Ok(());
    };
    let mut text = String::new();
    for r in &unfinished {
        text.push_str(&describe_unfinished(r));
        text.push('\n');
    }
    text.push_str(&format!(
        "The database holds the effects of the statements that ran. `migrate repair` shows what ran and the exact SQL of each way out: \
undo them (`migrate repair --undo {app} {name}`), finish them after fixing the file (`--resume`), \
or record what you did by hand (`--mark-applied`, or `--forget` once you undid it, which checks the database first).",
        app = first.app,
        name = first.name,
    ));
    Err(Error::Refused(text))
}

/// One line on a partial or reverting record.
pub fn describe_unfinished(r: &HistoryRecord) -> String {
    let what = match r.state {
        RecordState::Reverting => "was being unapplied",
        _ => "is partially applied",
    };
    let error = r
        .last_error
        .as_deref()
        .map(|e| format!("; {e}"))
        .unwrap_or_default();
    format!(
        "{} {what}: {} of {} statements ran{error}",
        r.key(),
        r.statements_done,
        r.statements_total
    )
}

/// When and by whom a record was applied, and from which commit.
pub fn provenance(r: &HistoryRecord) -> String {
    let mut text = format!("applied {}", r.applied_at);
    if let Some(by) = &r.applied_by {
        text.push_str(&format!(" by {by}"));
    }
    if let Some(commit) = &r.source_commit {
        text.push_str(&format!(" from commit {commit}"));
    }
    text
}

/// Applied migrations whose files are gone: explain, and show what each way
/// out would run.
pub(super) fn refuse_orphans(
    source: &Source,
    history: &[HistoryRecord],
    orphans: &[&HistoryRecord],
) -> Result<()> {
    if orphans.is_empty() {
        return Ok(());
    }
    let mut text = format!(
        "{} applied in this database, but {} gone from {}:\n",
        if orphans.len() == 1 {
            "this migration is"
        } else {
            "these migrations are"
        },
        if orphans.len() == 1 {
            "its file is"
        } else {
            "their files are"
        },
        source.dir().display()
    );
    for r in orphans {
        text.push_str(&format!("  {} ({})\n", r.key(), provenance(r)));
        let lookalikes = crate::renames::lookalikes(source, history, r);
        if !lookalikes.is_empty() {
            text.push_str(&format!(
                "    its very content is in {}: if one of them is it renamed, record that with `migrate repair --rename {} {} NEW`\n",
                lookalikes.join(", "),
                r.app,
                r.name
            ));
        }
    }
    text.push_str(
        "Someone probably unapplied and deleted it, but it was never unapplied here, so this database \
still holds its changes and later migrations may fail on them.\n",
    );
    let reversible = orphans.iter().all(|r| r.down_sql.is_some());
    if reversible {
        text.push_str("`migrate --revert-orphans` undoes it with the down statements stored when it was applied, then carries on:\n");
        for r in orphans {
            text.push_str(&format!("  unapply {}:\n", r.key()));
            for sql in r.down_sql.iter().flatten() {
                text.push_str(&format!("    {};\n", sql.replace('\n', "\n    ")));
            }
        }
        text.push_str(
            "`migrate --rewind` instead unapplies everything applied after it in its app too, then applies the rest again in order.\n",
        );
    } else {
        text.push_str(
            "It had no down section when it was applied, so it cannot be undone automatically.\n",
        );
    }
    text.push_str("If its changes were already undone by hand, `migrate --prune` forgets it without running anything.");
    Err(Error::Refused(text))
}

/// Applied migrations whose files were renamed since: running the new
/// name would apply them twice, and undoing the old one would undo what
/// is meant to stay, so the history's name is fixed first.
pub(super) fn refuse_renames(
    renames: &[crate::renames::Rename],
    scope: &BTreeSet<String>,
) -> Result<()> {
    let found: Vec<&crate::renames::Rename> =
        renames.iter().filter(|r| scope.contains(&r.app)).collect();
    if found.is_empty() {
        return Ok(());
    }
    let mut text = format!(
        "{} renamed after {} applied: the history holds {} under the old name, \
and a file with the same checksum has the new one:\n",
        if found.len() == 1 {
            "this migration was"
        } else {
            "these migrations were"
        },
        if found.len() == 1 {
            "it was"
        } else {
            "they were"
        },
        if found.len() == 1 { "it" } else { "them" },
    );
    for r in &found {
        text.push_str(&format!("  {}:{} -> {}:{}\n", r.app, r.old, r.app, r.new));
    }
    text.push_str("Record the new name in the history, without running anything:\n");
    for r in &found {
        text.push_str(&format!("  {}\n", r.command()));
    }
    text.push_str("then run `migrate` again.");
    Err(Error::Refused(text))
}

/// How the statements of an applied migration differ from its file now,
/// split as `dialect` splits them; a statement whose comments or whitespace
/// alone changed is the same statement.
pub fn statement_changes(
    stored: &[String],
    current: &[String],
    dialect: crate::SqlDialect,
) -> Vec<String> {
    let mut changes = Vec::new();
    for i in 0..stored.len().max(current.len()) {
        match (stored.get(i), current.get(i)) {
            (Some(a), Some(b)) if crate::edits::same_statement(a, b, dialect) => {}
            (Some(_), Some(_)) => changes.push(format!("statement {} changed", i + 1)),
            (Some(_), None) => changes.push(format!("statement {} removed", i + 1)),
            (None, Some(_)) => changes.push(format!("statement {} added", i + 1)),
            (None, None) => {}
        }
    }
    changes
}

/// Applied migrations whose statements were edited since they ran, that
/// stay applied after the plan. An edit of comments or whitespace only is
/// let through: the database is what the file makes.
pub(super) fn refuse_modified(
    source: &Source,
    records: &crate::history::RowIndex<'_>,
    plan: &Plan,
    scope: &BTreeSet<String>,
) -> Result<()> {
    let unapplied: HashSet<&MigrationKey> = plan
        .steps
        .iter()
        .filter(|s| s.direction == Direction::Unapply)
        .map(|s| &s.key)
        .collect();
    let mut modified: Vec<String> = Vec::new();
    let mut accept: Vec<String> = Vec::new();
    for app in scope {
        for m in source.app(app).unwrap_or_default() {
            let Some(r) = records.get(&(m.app.as_str(), m.name.as_str())) else {
                continue;
            };
            if r.state != RecordState::Applied
                || crate::edits::edit(r, m, source.dialect()) != crate::edits::Edit::Statements
            {
                continue;
            }
            let key = m.key();
            if !unapplied.contains(&key) {
                let changes = statement_changes(&r.up_sql, &m.up.sql()?, source.dialect());
                let what = if changes.is_empty() {
                    "no up statement changed (comments, spacing or the down section did)"
                        .to_string()
                } else {
                    changes.join(", ")
                };
                modified.push(format!("  {key} ({}): {what}", provenance(r)));
                accept.push(format!(
                    "`migrate repair --accept {} {}`",
                    key.app, key.name
                ));
            }
        }
    }
    if modified.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "{} edited after {} ran, so the database may not match {}:\n{}\n\
If the edit changes nothing that ran (or you applied it by hand), record the new version with {}. \
Otherwise revert the edit and put the change in a new migration (`migrate new`), \
or unapply the migration (its stored down statements match what ran) and apply it again.",
        if modified.len() == 1 {
            "this applied migration was"
        } else {
            "these applied migrations were"
        },
        if modified.len() == 1 { "it" } else { "they" },
        if modified.len() == 1 {
            "its file"
        } else {
            "their files"
        },
        modified.join("\n"),
        accept.join(", ")
    )))
}

/// Pending migrations numbered below one already applied in their app (a
/// merged branch): applied only when asked.
pub(super) fn refuse_out_of_order(
    source: &Source,
    plan: &Plan,
    remaining: &HashSet<MigrationKey>,
) -> Result<()> {
    // Nothing applied, nothing out of order: a no-op run looks at none of
    // the applied migrations.
    if !plan.steps.iter().any(|s| s.direction == Direction::Apply) {
        return Ok(());
    }
    // The highest applied migration of each app, found once: looking it up
    // per pending step would cost pending x applied.
    let mut highest: HashMap<&str, (u64, &MigrationKey)> = HashMap::new();
    for key in remaining {
        let Some(n) = source.order_number(key) else {
            continue;
        };
        let top = highest.entry(key.app.as_str()).or_insert((n, key));
        if (n, key) > *top {
            *top = (n, key);
        }
    }
    let mut found = Vec::new();
    for step in plan
        .steps
        .iter()
        .filter(|s| s.direction == Direction::Apply)
    {
        // Repeatable migrations have no place in the numbered order.
        let Some(m) = source.get(&step.key).filter(|m| !m.repeatable) else {
            continue;
        };
        if let Some((n, later)) = highest.get(m.app.as_str())
            && *n > m.number
        {
            found.push(format!(
                "  {} is pending, but {} is already applied",
                step.key, later
            ));
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "out-of-order migrations (probably from a merged branch):\n{}\n\
Apply them anyway with `migrate --allow-out-of-order` if they do not depend on what came after them, \
or renumber them above the applied ones.",
        found.join("\n")
    )))
}

/// A step back across a migration with no down statements anywhere.
pub(super) fn refuse_irreversible(
    source: &Source,
    records: &crate::history::RowIndex<'_>,
    plan: &Plan,
) -> Result<()> {
    for step in plan
        .steps
        .iter()
        .filter(|s| s.direction == Direction::Unapply && !s.fake)
    {
        let stored = records
            .get(&(step.key.app.as_str(), step.key.name.as_str()))
            .and_then(|r| r.down_sql.as_ref());
        let migration = source.get(&step.key);
        let in_file = migration.and_then(|m| m.down.as_ref());
        if stored.is_none() && in_file.is_none() {
            let why = match migration.and_then(|m| m.irreversible.as_deref()) {
                Some(reason) => reason.trim_end_matches('.').to_string(),
                None => "it has no down section, so it cannot be unapplied. \
Add a `-- migrate:down` section (or a .down.sql file) that undoes it"
                    .to_string(),
            };
            return Err(Error::Refused(format!(
                "{} is irreversible: {why}, or undo it by hand and record that with `migrate --fake`.",
                step.key
            )));
        }
    }
    Ok(())
}
