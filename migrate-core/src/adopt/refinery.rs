//! refinery's history, `refinery_schema_history`: one row per applied
//! migration, with its version and name. Its checksum is refinery's own
//! hash of the name, version and SQL (a `SipHasher13` whose output is not
//! promised stable across Rust releases), so it is not checked; the
//! version and the name must both match a file here.

use std::collections::HashMap;

use super::text_at;
use crate::backend::Backend;
use crate::error::Result;
use crate::migration::Migration;

const TABLE: &str = "refinery_schema_history";

/// One row of `refinery_schema_history`.
pub(super) struct Row {
    version: String,
    name: String,
}

/// Reads the whole table, by version.
pub(super) async fn read(backend: &mut dyn Backend) -> Result<Vec<Row>> {
    let q = |s: &str| backend.dialect().quote_identifier(s);
    let sql = format!(
        "SELECT {}, {} FROM {} ORDER BY {}",
        q("version"),
        q("name"),
        q(TABLE),
        q("version")
    );
    let rows = backend.query(&sql, &[]).await?;
    Ok(rows
        .into_iter()
        .map(|row| Row {
            version: text_at(&row, 0).unwrap_or_default(),
            name: text_at(&row, 1).unwrap_or_default(),
        })
        .collect())
}

/// The version and name refinery gives the file of `m` (`V3__more`: 3,
/// `more`).
fn version_and_name(m: &Migration) -> Option<(u64, &str)> {
    let (version, name) = m.name.strip_prefix('V')?.split_once("__")?;
    Some((version.parse().ok()?, name))
}

/// The migrations `rows` say refinery applied, each with the detail the
/// audit log keeps; what does not match goes to `problems`.
pub(super) fn applied<'m>(
    rows: &[Row],
    migrations: &[&'m Migration],
    problems: &mut Vec<String>,
) -> Vec<(&'m Migration, String)> {
    let by_version: HashMap<u64, (&str, &Migration)> = migrations
        .iter()
        .filter_map(|m| {
            let (version, name) = version_and_name(m)?;
            Some((version, (name, *m)))
        })
        .collect();
    let mut applied = Vec::new();
    for row in rows {
        let found = row
            .version
            .trim()
            .parse::<u64>()
            .ok()
            .and_then(|v| by_version.get(&v));
        match found {
            Some((name, m)) if *name == row.name => applied.push((
                *m,
                format!("adopted from {TABLE} (version {}, {})", row.version, row.name),
            )),
            Some((_, m)) => problems.push(format!(
                "{}: refinery recorded version {} as `{}`, but this file names it otherwise; \
rename the file back if it is that migration, or leave it to refinery",
                m.key(),
                row.version,
                row.name
            )),
            None => problems.push(format!(
                "{TABLE} records version {} (`{}`) as applied, but no migration here has that version; \
restore its file, or leave it to refinery",
                row.version, row.name
            )),
        }
    }
    applied
}
