//! `migrate squash APP FROM TO`: one migration replacing a run of an app's
//! migrations (see `migrate_core::squash`).

use migrate_core::Error;
use serde_json::json;

use crate::cli::Global;
use crate::config::Settings;
use crate::registry::Registry;

/// Writes the squash of `from`..`to` of `app` beside the migrations it
/// replaces, never over an existing file.
#[allow(clippy::too_many_arguments)]
pub fn run(
    registry: &Registry,
    global: &Global,
    settings: &Settings,
    app: &str,
    from: &str,
    to: &str,
    name: Option<&str>,
    dialect: Option<&str>,
) -> Result<(), Error> {
    let engine = match dialect {
        Some(name) => registry.for_dialect(name)?,
        None => registry.for_url(&settings.url)?,
    };
    let dialect = engine.dialect();
    let source = settings.source(dialect)?;
    let squashed =
        migrate_core::squash::squash(&source, app, from, to, name, dialect.sql_dialect())?;
    // create_new: never overwrite a file someone else just wrote.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&squashed.path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, squashed.text.as_bytes()))
        .map_err(|e| Error::Io {
            path: squashed.path.clone(),
            source: e,
        })?;
    if crate::is_json(global.format) {
        crate::print_json(&json!({
            "created": squashed.path.display().to_string(),
            "replaces": squashed.replaces,
        }));
    } else {
        outln!(
            "Created {} (replaces {})",
            squashed.path.display(),
            squashed.replaces.join(", ")
        );
        outln!("Once every database has run it or the migrations it replaces, delete their files.");
    }
    Ok(())
}
