//! `migrate new APP NAME`: the next numbered migration file of an app.

use std::path::{Path, PathBuf};

use migrate_core::Error;
use migrate_core::migration::number_of;
use serde_json::json;

use crate::cli::Global;
use crate::config::Settings;

const SQL_TEMPLATE: &str = "\
-- migrate:up


-- migrate:down
-- The statements that undo the up section, newest change first. Unapplying
-- through an empty down section is refused, so that a forgotten one cannot
-- pass for a rollback; if there is truly nothing to undo, write
-- `-- migrate:down noop=true` instead of the marker above.

";

const PORTABLE_TEMPLATE: &str = r#"# Portable migration: operations that each engine renders as its own SQL
# (`migrate sql APP NAME --dialect mysql` shows it). The down direction is
# derived from them. Operations: create_table, drop_table, rename_table,
# add_column, drop_column, alter_column, rename_column, create_index,
# drop_index, add_foreign_key, drop_foreign_key, add_unique, drop_unique,
# sql (with optional per-engine variants). For example:
#
# [[operations]]
# op = "create_table"
# table = "visit"
# columns = [
#   { name = "id", type = "auto_id" },
#   { name = "patient_id", type = "integer" },
#   { name = "notes", type = "text", nullable = true },
# ]
# foreign_keys = [{ columns = ["patient_id"], references = "patient", on_delete = "cascade" }]
#
# [[operations]]
# op = "add_column"
# table = "patient"
# column = { name = "email", type = "string", length = 200, nullable = true }

# depends_on = ["other_app:0001"]
operations = []
"#;

/// Creates `<dir>/<app>/<NNNN>_<name>.sql` with both sections, or a
/// `.toml` skeleton with `portable`.
pub fn run(
    global: &Global,
    settings: &Settings,
    app: &str,
    name: &str,
    portable: bool,
) -> Result<(), Error> {
    let (extension, template) = if portable {
        ("toml", PORTABLE_TEMPLATE)
    } else {
        ("sql", SQL_TEMPLATE)
    };
    let path = create(settings, app, name, extension, template)?;
    if crate::is_json(global.format) {
        crate::print_json(&json!({"created": path.display().to_string()}));
    } else {
        outln!("Created {}", path.display());
    }
    Ok(())
}

/// Writes `text` to the app's next numbered file, `<NNNN>_<name>.<extension>`,
/// after checking both names; never over an existing file.
pub fn create(
    settings: &Settings,
    app: &str,
    name: &str,
    extension: &str,
    text: &str,
) -> Result<PathBuf, Error> {
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
    let path = app_dir.join(format!("{next:04}_{name}.{extension}"));
    std::fs::create_dir_all(&app_dir).map_err(|e| Error::Io {
        path: app_dir.clone(),
        source: e,
    })?;
    // create_new: never overwrite a file someone else just wrote.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .map_err(|e| Error::Io {
            path: path.clone(),
            source: e,
        })?;
    Ok(path)
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
