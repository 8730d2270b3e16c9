//! `migrate drift`: whether the database's schema is what its applied
//! migrations make, found by replaying them on a scratch database of the
//! same engine; the SQL that brings it back, or a migration that accepts
//! the live schema instead.

use migrate_core::backend::Backend;
use migrate_core::drift::{self, Fix, Report};
use migrate_core::{BackendExt, Error, HistoryRecord};
use serde_json::json;

use crate::cli::{DriftArgs, Global};
use crate::config::Settings;
use crate::registry::Registry;
use crate::style::{self, Paint};

/// Compares and prints; exit code 1 when there is drift, else 0.
pub async fn run(
    registry: &Registry,
    global: &Global,
    settings: &Settings,
    args: &DriftArgs,
) -> Result<u8, Error> {
    let write = match args.write_migration.as_slice() {
        [] => None,
        [app, name] => Some((app.clone(), name.clone())),
        _ => {
            return Err(Error::Usage(
                "--write-migration takes an app and a name: `--write-migration APP NAME`".into(),
            ));
        }
    };
    let engine = registry.for_url(&settings.url)?;
    let (source, mut backend) =
        super::open(registry, settings, false, crate::config::Reading::Whole).await?;
    let read = async {
        let history = backend.load_history().await?;
        let live = backend.inspect().await?;
        Ok::<_, Error>((history, live))
    }
    .await;
    let target = backend.target();
    let _ = backend.close().await;
    let (history, live) = read?;
    let applied: Vec<HistoryRecord> = drift::applied_in_order(&history, Some(&source))?
        .into_iter()
        .cloned()
        .collect();
    let count = applied.len();
    let job = move |mut scratch: Box<dyn Backend>| async move {
        let refs: Vec<&HistoryRecord> = applied.iter().collect();
        let expected = match drift::replay(scratch.as_mut(), &refs).await {
            Ok(()) => scratch.inspect().await,
            Err(e) => Err(e),
        };
        let _ = scratch.close().await;
        expected
    };
    let (place, expected) = match crate::scratch::run(
        registry,
        settings,
        &args.scratch,
        engine,
        "cannot compare",
        job,
    )
    .await?
    {
        Ok((place, expected)) => (place, expected?),
        Err(why) => return Err(Error::Refused(why)),
    };
    let report = drift::compare(&expected, &live, engine.dialect());
    let written = match (&write, report.is_clean()) {
        (Some((app, name)), false) => Some(write_migration(settings, app, name, &report)?),
        _ => None,
    };
    if crate::is_json(global.format) {
        crate::print_json(&json!({
            "database": target,
            "database_from": settings.url_from.to_string(),
            "scratch": place,
            "applied": count,
            "drift": !report.is_clean(),
            "differences": report.differences,
            "back": report.back,
            "accept": report.accept,
            "written": written.as_ref().map(|p| p.display().to_string()),
        }));
    } else {
        print_text(&report, count, &place, written.as_deref(), write.as_ref());
    }
    Ok(if report.is_clean() { 0 } else { 1 })
}

fn print_text(
    report: &Report,
    count: usize,
    place: &str,
    written: Option<&std::path::Path>,
    asked: Option<&(String, String)>,
) {
    if report.is_clean() {
        outln!(
            "{} the schema is what its {count} applied migration(s) make (replayed on {place}).",
            style::out("No drift:", Paint::Ok)
        );
        if asked.is_some() {
            outln!("Nothing to write.");
        }
        return;
    }
    outln!(
        "{} the database differs from what its {count} applied migration(s) make (replayed on {place}) in {} way(s):",
        style::out("Drift:", Paint::Warning),
        report.differences.len()
    );
    for difference in &report.differences {
        outln!("  {difference}");
    }
    outln!("\nSQL that brings the database back to what its migrations make:");
    print_fixes(&report.back);
    match (written, asked) {
        (Some(path), Some((app, _))) => {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            outln!(
                "\nWrote {}, which accepts the live schema. The database already has these changes: \
                 record the migration as applied with `migrate {app} {stem} --fake`.",
                path.display()
            );
        }
        _ => outln!(
            "\nTo accept the live schema instead: `migrate drift --write-migration APP NAME`."
        ),
    }
}

fn print_fixes(fixes: &[Fix]) {
    for fix in fixes {
        for statement in &fix.statements {
            outln!("  {statement};");
        }
        if let Some(note) = &fix.note {
            outln!(
                "  {}",
                style::out(format!("-- {}: {note}", fix.difference), Paint::Dim)
            );
        }
    }
}

/// The migration that accepts the live schema: up makes what the
/// migrations make into the live schema, down goes back.
fn write_migration(
    settings: &Settings,
    app: &str,
    name: &str,
    report: &Report,
) -> Result<std::path::PathBuf, Error> {
    if report.accept.iter().all(|f| f.statements.is_empty()) {
        return Err(Error::Refused(
            "the differences cannot be written as statements (see the notes above); nothing was written"
                .into(),
        ));
    }
    let section = |fixes: &[Fix]| {
        let mut text = String::new();
        for fix in fixes {
            text.push_str(&format!("-- {}\n", fix.difference));
            if let Some(note) = &fix.note {
                text.push_str(&format!("-- not written: {note}\n"));
            }
            for statement in &fix.statements {
                text.push_str(statement);
                text.push_str(";\n");
            }
        }
        text
    };
    let text = format!(
        "-- Accepts the schema found in the database by `migrate drift` on {}.\n\
         -- The database already has it: record this migration with `migrate --fake`.\n\
         -- migrate:up\n{}\n-- migrate:down\n{}",
        migrate_core::executor::now(),
        section(&report.accept),
        section(&report.back)
    );
    super::new::create(settings, app, name, "sql", &text)
}
