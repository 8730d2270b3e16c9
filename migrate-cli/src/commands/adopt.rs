//! `migrate adopt`: take over a database another tool migrated, recording
//! what it applied without running anything.

use migrate_core::adopt::{self, Adoption, Tool};
use migrate_core::executor::RunOptions;
use migrate_core::{Error, Source};
use serde_json::json;

use crate::cli::{AdoptArgs, Global};
use crate::config::Settings;
use crate::registry::Registry;
use crate::style::{self, Paint};

/// Adopts (or, with `--dry-run`, says what it would); exit code 1 when
/// something does not match, else 0.
pub async fn run(
    registry: &Registry,
    global: &Global,
    settings: &Settings,
    args: &AdoptArgs,
) -> Result<u8, Error> {
    let (source, mut backend) = super::open(
        registry,
        settings,
        !global.dry_run,
        crate::config::Reading::Whole,
    )
    .await?;
    let tool = tool(&source, args.from.as_deref())?;
    let options = RunOptions {
        lock_timeout: settings.lock_timeout,
        applied_by: Some(super::actor()),
        ..RunOptions::default()
    };
    let outcome = async {
        let adoption = adopt::plan(backend.as_mut(), &source, tool).await?;
        let recorded = match global.dry_run {
            true => 0,
            false => adopt::record(backend.as_mut(), &source, &adoption, &options).await?,
        };
        Ok::<_, Error>((adoption, recorded))
    }
    .await;
    let target = backend.target();
    let _ = backend.close().await;
    let (adoption, recorded) = outcome?;
    if crate::is_json(global.format) {
        let keys = |list: &[migrate_core::migration::MigrationKey]| -> Vec<String> {
            list.iter().map(|k| k.to_string()).collect()
        };
        crate::print_json(&json!({
            "database": target,
            "database_from": settings.url_from.to_string(),
            "from": tool.table(),
            "dry_run": global.dry_run,
            "adopted": adoption.adopt.iter().map(|(k, d)| json!({"migration": k.to_string(), "detail": d})).collect::<Vec<_>>(),
            "already": keys(&adoption.already),
            "problems": adoption.problems,
            "notes": adoption.notes,
        }));
    } else {
        print_text(&adoption, tool, global.dry_run, recorded);
    }
    Ok(if adoption.problems.is_empty() { 0 } else { 1 })
}

/// `--from`, or the tool whose layout the folder has.
fn tool(source: &Source, from: Option<&str>) -> Result<Tool, Error> {
    let names: Vec<&str> = Tool::ALL.iter().map(|(n, _)| *n).collect();
    match from {
        Some(name) => Tool::from_name(name).ok_or_else(|| {
            Error::Usage(format!(
                "unknown tool `{name}` for --from: expected one of {}",
                names.join(", ")
            ))
        }),
        None => Tool::of_layout(source.layout()).ok_or_else(|| {
            Error::Usage(format!(
                "the migrations folder is laid out as {}: say whose history to adopt with --from {}",
                source.layout().name(),
                names.join("|")
            ))
        }),
    }
}

fn print_text(adoption: &Adoption, tool: Tool, dry_run: bool, recorded: usize) {
    let verb = if dry_run { "Would record" } else { "Recorded" };
    for (key, detail) in &adoption.adopt {
        outln!("  {verb} {key} as applied ({detail})");
    }
    for key in &adoption.already {
        outln!(
            "  {} {key}: already in this tool's history",
            style::out("·", Paint::Dim)
        );
    }
    for problem in &adoption.problems {
        outln!("  {} {problem}", style::out("problem:", Paint::Warning));
    }
    for note in &adoption.notes {
        outln!("  {} {note}", style::out("note:", Paint::Dim));
    }
    match (dry_run, adoption.adopt.is_empty()) {
        (_, true) => outln!("Nothing to adopt from {}.", tool.table()),
        (true, false) => outln!(
            "Dry run: {} migration(s) would be adopted from {}; nothing was changed.",
            adoption.adopt.len(),
            tool.table()
        ),
        (false, false) => outln!(
            "Adopted {recorded} migration(s) from {}: recorded as applied, nothing ran.",
            tool.table()
        ),
    }
}
