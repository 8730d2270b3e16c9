//! `migrate repair`: deliberate corrections of the history.

use migrate_core::Error;
use migrate_core::repair::accept;
use serde_json::json;

use crate::cli::Global;
use crate::config::Settings;

/// Runs `repair --accept APP NAME`.
pub async fn run(
    global: &Global,
    settings: &Settings,
    accept_args: Option<&[String]>,
) -> Result<(), Error> {
    let Some([app, name]) = accept_args else {
        return Err(Error::Usage(
            "say what to repair: `migrate repair --accept APP NAME` records the new checksum of an edited migration"
                .into(),
        ));
    };
    let (source, mut backend) = super::open(settings).await?;
    let result = accept(
        backend.as_mut(),
        &source,
        app,
        name,
        Some(super::actor()),
        settings.lock_timeout,
    )
    .await;
    let _ = backend.close().await;
    let accepted = result?;
    if crate::is_json(global.format) {
        crate::print_json(&json!({"accepted": accepted}));
    } else {
        println!(
            "Accepted the edited {}: its checksum is now {} (was {}).{}",
            accepted.migration,
            &accepted.new_checksum[..12],
            &accepted.old_checksum[..accepted.old_checksum.len().min(12)],
            if accepted.changes.is_empty() {
                String::new()
            } else {
                format!(
                    " Its up statements differ from those that ran ({}); the history keeps those that ran.",
                    accepted.changes.join(", ")
                )
            }
        );
    }
    Ok(())
}
