//! `migrate new APP NAME`: the next numbered migration file of an app.

use std::path::Path;

use migrate_core::Error;
use migrate_core::migration::number_of;
use serde_json::json;

use crate::cli::Global;
use crate::config::Settings;

const TEMPLATE: &str = "\
-- depends_on: (optional) other_app:0001, ...
-- migrate:up


-- migrate:down

";

/// Creates `<dir>/<app>/<NNNN>_<name>.sql` with both sections.
pub fn run(global: &Global, settings: &Settings, app: &str, name: &str) -> Result<(), Error> {
    if app.is_empty()
        || !app
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Error::Usage(format!(
            "app name `{app}` may hold only letters, digits, `_` and `-`"
        )));
    }
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::Usage(format!(
            "migration name `{name}` may hold only letters, digits and `_` (for example add_dob)"
        )));
    }
    let app_dir = settings.dir.join(app);
    let next = highest_number(&app_dir)? + 1;
    let path = app_dir.join(format!("{next:04}_{name}.sql"));
    std::fs::create_dir_all(&app_dir).map_err(|e| Error::Io {
        path: app_dir.clone(),
        source: e,
    })?;
    // create_new: never overwrite a file someone else just wrote.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| {
            std::io::Write::write_all(
                &mut f,
                TEMPLATE
                    .replace("-- depends_on: (optional) other_app:0001, ...\n", "")
                    .as_bytes(),
            )
        })
        .map_err(|e| Error::Io {
            path: path.clone(),
            source: e,
        })?;
    if crate::is_json(global.format) {
        crate::print_json(&json!({"created": path.display().to_string()}));
    } else {
        println!("Created {}", path.display());
    }
    Ok(())
}

/// The highest number among an app's migration files (0 when none).
fn highest_number(app_dir: &Path) -> Result<u64, Error> {
    let entries = match std::fs::read_dir(app_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => {
            return Err(Error::Io {
                path: app_dir.to_path_buf(),
                source: e,
            });
        }
    };
    Ok(entries
        .flatten()
        .filter_map(|e| number_of(&e.file_name().to_string_lossy()))
        .max()
        .unwrap_or(0))
}
