//! `migrate log [APP]`: the audit log, oldest first.

use migrate_core::BackendExt;
use migrate_core::Error;
use serde_json::json;

use crate::cli::Global;
use crate::config::Settings;
use crate::registry::Registry;

/// Prints every change recorded in the audit log.
pub async fn run(
    registry: &Registry,
    global: &Global,
    settings: &Settings,
    app: Option<&str>,
) -> Result<(), Error> {
    let (source, mut backend) =
        super::open(registry, settings, false, crate::config::Reading::Whole).await?;
    let entries = backend.load_log().await;
    let target = backend.target();
    let _ = backend.close().await;
    let entries = entries?;
    super::check_app(&source, entries.iter().map(|e| e.app.as_str()), app)?;
    let entries: Vec<_> = entries
        .into_iter()
        .filter(|e| app.is_none_or(|a| a == e.app))
        .collect();
    if crate::is_json(global.format) {
        crate::print_json(&json!({
            "database": target,
            "database_from": settings.url_from.to_string(),
            "log": entries,
        }));
        return Ok(());
    }
    if entries.is_empty() {
        outln!("The audit log is empty.");
        return Ok(());
    }
    for e in &entries {
        let actor = e.actor.as_deref().unwrap_or("unknown");
        outln!(
            "{}  {:<14} {}:{}  by {actor} (migrate {})",
            e.at,
            e.action.as_str(),
            e.app,
            e.name,
            e.tool_version
        );
        if let Some(detail) = &e.detail {
            outln!("    {detail}");
        }
        for sql in &e.statements {
            outln!("    > {}", sql.replace('\n', "\n      "));
        }
    }
    Ok(())
}
