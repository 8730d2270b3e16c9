//! The migration model: what a migration file says, once read and checked.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::dialect::SqlDialect;
use crate::error::{Error, Result, SourceProblem};
use crate::split::{SplitError, Statement, split_statements};

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
#[derive(Debug, Clone)]
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
    /// The statements, split when the file was read or when first asked
    /// for ([`Script::statements`]).
    statements: Statements,
}

/// A script's statements. A source read lazily ([`crate::Source::load_lazily`])
/// keeps each file's text and splits a script the first time its statements
/// are asked for: a run over thousands of applied migrations needs the
/// statements of the few it applies or unapplies, and tokenizing the others
/// was about a fifth of its work.
#[derive(Debug, Clone)]
struct Statements {
    split: OnceLock<Result<Vec<Statement>, SplitError>>,
    /// The text to split, until the script is split by [`Source`]'s eager
    /// reading (which then drops it).
    ///
    /// [`Source`]: crate::Source
    unsplit: Option<Unsplit>,
}

impl Statements {
    /// Statements split already.
    fn ready(statements: Vec<Statement>) -> Statements {
        Statements {
            split: OnceLock::from(Ok(statements)),
            unsplit: None,
        }
    }
}

/// The text of a script not split yet.
#[derive(Debug, Clone)]
pub(crate) struct Unsplit {
    /// The whole file, shared by its up and down sections.
    pub(crate) text: Arc<String>,
    /// The lines (0-based, end excluded) of the section, when the file holds
    /// more than the script; the splitter then sees the other lines blank,
    /// so that its line numbers stay the file's.
    pub(crate) lines: Option<Range<usize>>,
    /// How to split it.
    pub(crate) dialect: SqlDialect,
}

impl Unsplit {
    /// The text the splitter reads.
    pub(crate) fn body(&self) -> Cow<'_, str> {
        match &self.lines {
            None => Cow::Borrowed(self.text.as_str()),
            Some(range) => Cow::Owned(
                self.text
                    .lines()
                    .enumerate()
                    .map(|(i, l)| if range.contains(&i) { l } else { "" })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        }
    }

    /// Whether the script holds no statement, when its lines tell without
    /// tokenizing: `Some(true)` when every line is blank or a `-- `
    /// comment, `Some(false)` when the first other line starts with a word
    /// (a statement begins there), `None` otherwise.
    pub(crate) fn plainly_empty(&self) -> Option<bool> {
        let (skip, take) = match &self.lines {
            Some(range) => (range.start, range.len()),
            None => (0, usize::MAX),
        };
        for line in self.text.lines().skip(skip).take(take) {
            let line = line.trim_start();
            // MySQL takes `--` for a comment only before whitespace.
            if line.is_empty()
                || line == "--"
                || line.starts_with("-- ")
                || line.starts_with("--\t")
            {
                continue;
            }
            // `DELIMITER` is a client command, not a statement.
            let word = line.starts_with(|c: char| c.is_ascii_alphabetic())
                && !line
                    .get(..9)
                    .is_some_and(|w| w.eq_ignore_ascii_case("delimiter"));
            return if word { Some(false) } else { None };
        }
        Some(true)
    }
}

impl Script {
    /// A script of `statements` from `path`, run in a transaction, with
    /// no directive.
    pub fn new(path: PathBuf, statements: Vec<Statement>) -> Script {
        Script::of(path, Statements::ready(statements))
    }

    /// A script of `path` whose statements are split from `unsplit` when
    /// first asked for.
    pub(crate) fn unsplit(path: PathBuf, unsplit: Unsplit) -> Script {
        Script::of(
            path,
            Statements {
                split: OnceLock::new(),
                unsplit: Some(unsplit),
            },
        )
    }

    fn of(path: PathBuf, statements: Statements) -> Script {
        Script {
            path,
            transaction: true,
            noop: false,
            online: None,
            statements,
        }
    }

    /// The statements, in order. A script of a source read lazily is
    /// split on the first call: a text the splitter cannot read (an
    /// unterminated string, say) is an [`Error::InvalidSource`] naming the
    /// file, line and column.
    pub fn statements(&self) -> Result<&[Statement]> {
        self.split()
            .map_err(|e| Error::InvalidSource(vec![self.problem(e)]))
    }

    /// The statements, or why they cannot be split.
    fn split(&self) -> std::result::Result<&[Statement], &SplitError> {
        let split = self
            .statements
            .split
            .get_or_init(|| match &self.statements.unsplit {
                Some(unsplit) => split_statements(&unsplit.body(), unsplit.dialect),
                None => Ok(Vec::new()),
            });
        split.as_deref()
    }

    /// Splits the script now, if it is not split yet, and says what is
    /// wrong with it, with its file and line.
    pub(crate) fn split_problem(&self) -> Option<SourceProblem> {
        self.split().err().map(|e| self.problem(e))
    }

    /// Whether the statements are split yet.
    #[cfg(test)]
    pub(crate) fn is_split(&self) -> bool {
        self.statements.split.get().is_some()
    }

    /// Drops the text kept for splitting, once the statements are split.
    pub(crate) fn forget_text(&mut self) {
        if self.statements.split.get().is_some() {
            self.statements.unsplit = None;
        }
    }

    fn problem(&self, e: &SplitError) -> SourceProblem {
        SourceProblem {
            path: self.path.clone(),
            line: Some(e.line),
            message: format!("column {}: {}", e.column, e.message),
        }
    }

    /// Replaces the statements.
    pub fn set_statements(&mut self, statements: Vec<Statement>) {
        self.statements = Statements::ready(statements);
    }

    /// `true` when the script holds no statement. Told from its lines
    /// where they plainly show it, without splitting; a script that cannot
    /// be split holds something, so is not empty.
    pub fn is_empty(&self) -> bool {
        if self.statements.split.get().is_none()
            && let Some(plainly) = self
                .statements
                .unsplit
                .as_ref()
                .and_then(Unsplit::plainly_empty)
        {
            return plainly;
        }
        self.split().is_ok_and(<[Statement]>::is_empty)
    }

    /// `true` when the script runs nothing although its file did not say
    /// that this is meant (`noop=true`): a down section left empty.
    pub fn unwritten(&self) -> bool {
        self.is_empty() && !self.noop
    }

    /// The statement texts, as stored in the history.
    pub fn sql(&self) -> Result<Vec<String>> {
        Ok(self.statements()?.iter().map(|s| s.sql.clone()).collect())
    }
}

/// Two scripts are the same when they run the same statements the same
/// way, whether or not they are split yet.
impl PartialEq for Script {
    fn eq(&self, other: &Script) -> bool {
        self.path == other.path
            && self.transaction == other.transaction
            && self.noop == other.noop
            && self.online == other.online
            && self.split() == other.split()
    }
}

impl Eq for Script {}

/// Parses the number prefix of a migration name (`0002_add_dob` -> 2).
pub fn number_of(name: &str) -> Option<u64> {
    let digits: &str = &name[..name
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(name.len())];
    digits.parse().ok()
}
