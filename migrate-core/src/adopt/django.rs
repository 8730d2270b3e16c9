//! Django's history, `django_migrations`: one row per applied migration,
//! by app and name. Each app is matched with the folder of the same name
//! here, each name with a file of that app (`0001_initial`). Apps with no
//! folder here (Django's own `auth`, `admin`, `contenttypes`, ...) are not
//! this tool's to take over: they are noted, not reported as problems.
//! Django stores no checksum.

use std::collections::BTreeMap;

use super::{Adoption, text_at};
use crate::backend::Backend;
use crate::error::Result;
use crate::migration::{Migration, MigrationKey};
use crate::source::Source;

const TABLE: &str = "django_migrations";

/// One row of `django_migrations`.
pub struct Row {
    /// The app label.
    pub app: String,
    /// The migration's name.
    pub name: String,
}

/// Reads the whole table, in the order Django applied it.
pub async fn read(backend: &mut dyn Backend) -> Result<Vec<Row>> {
    let q = |s: &str| backend.dialect().quote_identifier(s);
    let sql = format!(
        "SELECT {}, {} FROM {} ORDER BY {}",
        q("app"),
        q("name"),
        q(TABLE),
        q("id")
    );
    let rows = backend.query(&sql, &[]).await?;
    Ok(rows
        .into_iter()
        .map(|row| Row {
            app: text_at(&row, 0).unwrap_or_default(),
            name: text_at(&row, 1).unwrap_or_default(),
        })
        .collect())
}

/// The migrations `rows` say Django applied, each with the detail the
/// audit log keeps; what does not match goes to `adoption`.
pub(super) fn applied<'s>(
    rows: &[Row],
    source: &'s Source,
    adoption: &mut Adoption,
) -> Vec<(&'s Migration, String)> {
    let mut elsewhere: BTreeMap<&str, usize> = BTreeMap::new();
    let mut applied = Vec::new();
    for row in rows {
        if source.app(&row.app).is_none() {
            *elsewhere.entry(&row.app).or_default() += 1;
            continue;
        }
        match source.get(&MigrationKey::new(&row.app, &row.name)) {
            Some(m) => applied.push((m, format!("adopted from {TABLE} ({} {})", row.app, row.name))),
            None => adoption.problems.push(format!(
                "{TABLE} records {}:{} as applied, but {} has no such migration; \
restore its file (Django names it {}/migrations/{}.py; here it is {}/{}.sql), or leave it to Django",
                row.app,
                row.name,
                source.dir().join(&row.app).display(),
                row.app,
                row.name,
                row.app,
                row.name
            )),
        }
    }
    if !elsewhere.is_empty() {
        adoption.notes.push(format!(
            "{TABLE} also records migrations of apps with no folder here, not adopted: {}",
            elsewhere
                .iter()
                .map(|(app, n)| format!("{app} ({n})"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    applied
}
