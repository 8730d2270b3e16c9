//! The migration model: what a migration file says, once read and checked.

use std::fmt;
use std::path::PathBuf;

use crate::split::Statement;

/// One migration of one app, read from its file(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The app (the folder under `migrations/`).
    pub app: String,
    /// The full name, file stem without section or extension: `0002_add_dob`.
    pub name: String,
    /// The number prefix: `2` for `0002_add_dob`.
    pub number: u64,
    /// Hex SHA-256 of the normalized file content (CRLF as LF, no BOM).
    pub checksum: String,
    /// What applying runs.
    pub up: Script,
    /// What unapplying runs; `None` makes the migration irreversible.
    pub down: Option<Script>,
    /// Migrations of other apps (or this one) that must be applied first.
    pub depends_on: Vec<MigrationKey>,
    /// For a portable (`.toml`) migration: its operations. `up` and `down`
    /// then hold their rendering for the engine the source was read for,
    /// and `down` is `None` when an operation cannot be reversed, with the
    /// reason in `irreversible`.
    pub portable: Option<crate::portable::PortableMigration>,
    /// Why the migration cannot be unapplied, when that is known.
    pub irreversible: Option<String>,
    /// For a squash: the full names of the migrations of its app that it
    /// replaces, in order (the `-- replaces:` header, or `replaces` in a
    /// `.toml`). Empty for any other migration.
    pub replaces: Vec<String>,
    /// A repeatable migration (Flyway's `R__<name>.sql`): no place in the
    /// app's numbered order and no down section; it runs after the app's
    /// versioned migrations whenever its checksum differs from the one it
    /// last ran with (see [`crate::source::Source::repeatables`]).
    pub repeatable: bool,
}

impl Migration {
    /// The `app:name` key of this migration.
    pub fn key(&self) -> MigrationKey {
        MigrationKey::new(&self.app, &self.name)
    }
}

/// The identity of a migration: app and full name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct MigrationKey {
    /// The app.
    pub app: String,
    /// The full name, such as `0002_add_dob`.
    pub name: String,
}

impl MigrationKey {
    /// Builds a key.
    pub fn new(app: impl Into<String>, name: impl Into<String>) -> Self {
        MigrationKey {
            app: app.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for MigrationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.app, self.name)
    }
}

/// One direction of a migration: its statements and how to run them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The file the statements come from (line numbers refer to it).
    pub path: PathBuf,
    /// `false` when the section marker says `transaction=false`: the script
    /// then runs statement by statement, journaled.
    pub transaction: bool,
    /// `true` when the section marker says `noop=true`: a down section
    /// that is empty on purpose. An empty down section without it is taken
    /// for one not written yet, and unapplying through it is refused.
    pub noop: bool,
    /// `Some` when the section marker says `online=pt-osc`: its `ALTER
    /// TABLE` statements run through that tool ([`crate::online`]), and the
    /// section runs journaled, statement by statement.
    pub online: Option<crate::online::OnlineTool>,
    /// The statements, in order.
    pub statements: Vec<Statement>,
}

impl Script {
    /// `true` when the script runs nothing although its file did not say
    /// that this is meant (`noop=true`): a down section left empty.
    pub fn unwritten(&self) -> bool {
        self.statements.is_empty() && !self.noop
    }

    /// The statement texts, as stored in the history.
    pub fn sql(&self) -> Vec<String> {
        self.statements.iter().map(|s| s.sql.clone()).collect()
    }
}

/// Parses the number prefix of a migration name (`0002_add_dob` -> 2).
pub fn number_of(name: &str) -> Option<u64> {
    let digits: &str = &name[..name
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(name.len())];
    digits.parse().ok()
}
