//! `migrate sql APP MIGRATION` (alias `sqlmigrate`): the statements a
//! migration runs, as they run, without connecting.

use migrate_core::Error;
use migrate_core::executor::{prepare_from_source, render};
use migrate_core::plan::Direction;
use serde_json::json;

use crate::cli::Global;
use crate::config::Settings;
use crate::registry::Registry;

/// Prints one migration's statements for the database's engine, or for
/// `--dialect`.
pub fn run(
    registry: &Registry,
    global: &Global,
    settings: &Settings,
    app: &str,
    migration: &str,
    backwards: bool,
    dialect: Option<&str>,
) -> Result<(), Error> {
    let engine = match dialect {
        Some(name) => registry.for_dialect(name)?,
        None => registry.for_url(&settings.url)?,
    };
    let dialect = engine.dialect();
    let source = settings.source(dialect)?;
    let m = source.resolve(app, migration)?;
    let direction = if backwards {
        Direction::Unapply
    } else {
        Direction::Apply
    };
    let step = prepare_from_source(m, direction, dialect)?;
    if crate::is_json(global.format) {
        crate::print_json(&json!({
            "app": m.app,
            "name": m.name,
            "dialect": dialect.name(),
            "direction": direction,
            "mode": step.mode,
            "statements": step.statements.iter().map(|s| s.sql.clone()).collect::<Vec<_>>(),
        }));
    } else {
        out!("{}", render(&step, dialect));
    }
    Ok(())
}
