//! `migrate status [APP]` (alias `showmigrations`).

use migrate_core::status::{DownSection, MigrationState, StatusEntry};
use migrate_core::{Error, Migrator};
use serde_json::json;

use crate::cli::Global;
use crate::config::Settings;
use crate::registry::Registry;
use crate::style::{self, Paint};

/// Prints every migration and its state. With `check`, the exit code says
/// whether anything needs attention: 1 when a migration is pending, part
/// way, orphan, modified or out of order, else 0.
pub async fn run(
    registry: &Registry,
    global: &Global,
    settings: &Settings,
    app: Option<&str>,
    check: bool,
) -> Result<u8, Error> {
    let (source, mut backend) =
        super::open(registry, settings, false, crate::config::Reading::Lazily).await?;
    let entries = Migrator::from_source(source)
        .status_of(backend.as_mut(), app)
        .await;
    let target = backend.target();
    let _ = backend.close().await;
    let entries = entries?;
    let unsettled = entries.iter().filter(|e| !e.state.is_settled()).count();
    let code = if check && unsettled > 0 { 1 } else { 0 };
    if crate::is_json(global.format) {
        crate::print_json(&json!({
            "database": target,
            "database_from": settings.url_from.to_string(),
            "up_to_date": unsettled == 0,
            "migrations": entries,
        }));
        return Ok(code);
    }
    print_text(&entries);
    print_empty_downs(&entries);
    if check {
        if unsettled == 0 {
            outln!("\n{}", style::out("Up to date.", Paint::Ok));
        } else {
            outln!(
                "\n{} ({target}): {}.",
                style::out("Not up to date", Paint::Warning),
                tally(&entries)
            );
        }
    }
    Ok(code)
}

/// `2 pending, 1 partial`: the unsettled states and how many of each.
fn tally(entries: &[StatusEntry]) -> String {
    let mut counts: Vec<(MigrationState, usize)> = Vec::new();
    for e in entries.iter().filter(|e| !e.state.is_settled()) {
        match counts.iter_mut().find(|(s, _)| *s == e.state) {
            Some((_, n)) => *n += 1,
            None => counts.push((e.state, 1)),
        }
    }
    counts
        .iter()
        .map(|(state, n)| format!("{n} {}", state_word(*state)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn state_word(state: MigrationState) -> &'static str {
    match state {
        MigrationState::Applied => "applied",
        MigrationState::Pending => "pending",
        MigrationState::Partial => "partial",
        MigrationState::Reverting => "unapplying part way",
        MigrationState::Modified => "modified",
        MigrationState::Orphan => "orphan",
        MigrationState::OutOfOrder => "out of order",
        MigrationState::Running => "running",
        MigrationState::Renamed => "renamed",
    }
}

/// Names the migrations whose down section is empty without saying so:
/// unapplying them is refused, which is better learnt now than in an
/// incident.
fn print_empty_downs(entries: &[StatusEntry]) {
    let empty: Vec<String> = entries
        .iter()
        .filter(|e| e.down == Some(DownSection::Empty))
        .map(|e| format!("{}:{}", e.app, e.name))
        .collect();
    if !empty.is_empty() {
        outln!(
            "\nEmpty down sections (unapplying them is refused; write them, or mark them `-- migrate:down noop=true`): {}",
            empty.join(", ")
        );
    }
}

fn print_text(entries: &[StatusEntry]) {
    use std::fmt::Write;
    if entries.is_empty() {
        outln!("No migrations.");
        return;
    }
    // The listing is written at once: a line at a time would cost a write
    // to the terminal or pipe per migration, thousands of them.
    let mut listing = String::new();
    let mut current_app = "";
    let mut seen_states = Vec::new();
    for e in entries {
        if e.app != current_app {
            let _ = writeln!(listing, "{}", style::out(&e.app, Paint::Heading));
            current_app = &e.app;
        }
        let detail = detail(e);
        let _ = writeln!(listing, " {} {}{}", marker(e.state), e.name, detail);
        if !seen_states.contains(&e.state) {
            seen_states.push(e.state);
        }
    }
    out!("{listing}");
    let abnormal: Vec<String> = seen_states
        .iter()
        .filter(|s| !matches!(s, MigrationState::Applied | MigrationState::Pending))
        .map(|s| format!("{} {}", marker(*s), legend(*s)))
        .collect();
    if !abnormal.is_empty() {
        outln!("\n{}", abnormal.join("\n"));
    }
}

/// `[X]`, coloured by what the state asks of the reader.
fn marker(state: MigrationState) -> String {
    let paint = match state {
        MigrationState::Applied => Paint::Ok,
        MigrationState::Pending => return state.marker().to_string(),
        MigrationState::Partial | MigrationState::Reverting => Paint::Failed,
        MigrationState::Modified
        | MigrationState::Orphan
        | MigrationState::OutOfOrder
        | MigrationState::Renamed => Paint::Warning,
        MigrationState::Running => Paint::Notice,
    };
    style::out(state.marker(), paint)
}

fn detail(e: &StatusEntry) -> String {
    let counts = match (e.statements_done, e.statements_total) {
        (Some(done), Some(total)) => format!("{done} of {total} statements ran"),
        _ => String::new(),
    };
    match e.state {
        MigrationState::Partial | MigrationState::Reverting | MigrationState::Running => format!(
            "  ({}{counts}{})",
            match e.state {
                MigrationState::Reverting => "unapplying: ",
                MigrationState::Running => "running now: ",
                _ => "partial: ",
            },
            e.last_error
                .as_deref()
                .map(|err| format!("; {err}"))
                .unwrap_or_default()
        ),
        MigrationState::Orphan => format!(
            "  (applied {}{}{}; file gone)",
            e.applied_at.as_deref().unwrap_or("?"),
            e.applied_by
                .as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default(),
            e.source_commit
                .as_deref()
                .map(|c| format!(" from commit {c}"))
                .unwrap_or_default()
        ),
        MigrationState::Applied
            if e.note.as_deref() == Some(migrate_core::edits::COSMETIC_NOTE) =>
        {
            format!(
                "  ({} since it was applied; statements unchanged)",
                e.note.as_deref().unwrap_or_default()
            )
        }
        MigrationState::Modified if e.changes.is_empty() => {
            "  (file edited since it was applied; its up statements are unchanged)".to_string()
        }
        MigrationState::Modified => format!(
            "  (file edited since it was applied: {})",
            e.changes.join(", ")
        ),
        MigrationState::OutOfOrder => "  (pending, but a later migration is applied)".to_string(),
        MigrationState::Renamed => format!(
            "  (renamed from {})",
            e.renamed_from.as_deref().unwrap_or("?")
        ),
        _ => e
            .note
            .as_deref()
            .map(|n| format!("  ({n})"))
            .unwrap_or_default(),
    }
}

fn legend(state: MigrationState) -> &'static str {
    match state {
        MigrationState::Partial => {
            "partial: applying stopped part way; `migrate repair` shows how to undo or finish it"
        }
        MigrationState::Reverting => {
            "unapplying stopped part way; `migrate repair` shows how to undo or finish it"
        }
        MigrationState::Modified => {
            "modified: the file changed after it was applied; see `migrate repair --accept`"
        }
        MigrationState::Orphan => {
            "orphan: applied here, but its file is gone; see `migrate --revert-orphans`, `--rewind`, `--prune`"
        }
        MigrationState::OutOfOrder => {
            "out of order: pending below an applied migration; see `migrate --allow-out-of-order`"
        }
        MigrationState::Running => {
            "running: another run holds the migration lock and is at work on it; wait for it"
        }
        MigrationState::Renamed => {
            "renamed: applied under its old name, whose file is gone; record the new name with `migrate repair --rename APP OLD NEW`"
        }
        MigrationState::Applied | MigrationState::Pending => "",
    }
}
