//! What the analysis reports: findings, each with a stable code, and how
//! grave it is.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// How grave a finding is: `error` > `warning` > `info`, so that
/// `--fail-on warning` is a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Info,
    /// Runs, but may hurt: a lock, a loss, a way back that cannot be taken.
    Warning,
    /// Will not run as written on this engine, or cannot be unapplied.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses a name as written by [`Severity::name`].
    pub fn from_name(name: &str) -> Option<Severity> {
        match name {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One thing the analysis found in a migration, on one engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable kebab-case code, one of [`codes`].
    pub code: &'static str,
    /// How grave it is.
    pub severity: Severity,
    /// What was found, naming the statement by its first line, and what to
    /// do about it.
    pub message: String,
    /// The file the statement is in.
    pub file: PathBuf,
    /// The statement's line in that file; `None` for what concerns the
    /// whole migration or section.
    pub line: Option<usize>,
}

impl Finding {
    /// A finding.
    pub fn new(
        code: &'static str,
        severity: Severity,
        message: impl Into<String>,
        file: impl Into<PathBuf>,
        line: Option<usize>,
    ) -> Self {
        Finding {
            code,
            severity,
            message: message.into(),
            file: file.into(),
            line,
        }
    }
}

impl fmt::Display for Finding {
    /// `path:line: severity[code]: message`, as compilers print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}[{}]: {}", self.severity, self.code, self.message)
    }
}

/// Puts findings in their reported order: by line (findings about the
/// whole migration first), then code; file and message break ties so that
/// the order never depends on how they were found.
pub(super) fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.line, a.code, &a.file, &a.message).cmp(&(b.line, b.code, &b.file, &b.message))
    });
}

/// Every code a finding can carry. Codes are stable: tools may match on
/// them.
pub mod codes {
    /// `error`: a statement the engine refuses inside a transaction, in a
    /// section that did not say `transaction=false`.
    pub const TRANSACTION_REFUSED: &str = "transaction-refused";
    /// `warning`: in a section that runs statement by statement, a
    /// statement whose inverse cannot be derived, so that a failure after it
    /// cannot be undone by `migrate repair --undo`.
    pub const NO_INVERSE: &str = "no-inverse";
    /// `warning`: the migration has no down section (or a portable
    /// operation that cannot be reversed).
    pub const IRREVERSIBLE: &str = "irreversible";
    /// `error`: the down section holds no statement and does not say
    /// `noop=true`.
    pub const EMPTY_DOWN: &str = "empty-down";
    /// `info`: the down section is empty on purpose (`noop=true`).
    pub const NOOP_DOWN: &str = "noop-down";
    /// `warning`: the way back cannot bring back what a statement
    /// destroys (rows, columns, values cut by a narrower type).
    pub const LOSSY: &str = "lossy";
    /// `error` (or `warning` where the engine accepts it with another
    /// meaning): a construct of another engine's SQL.
    pub const NOT_PORTABLE: &str = "not-portable";
    /// `info`: no SQL parser read the statement, so it was checked only
    /// for the constructs recognized word by word.
    pub const NOT_CHECKED: &str = "not-checked";
    /// `warning`: the engine rewrites or copies the whole table, blocking
    /// writes (or reads) for as long as that takes.
    pub const TABLE_REWRITE: &str = "table-rewrite";
    /// `warning`: the engine reads the whole table under a lock that
    /// blocks writes, to validate a constraint.
    pub const TABLE_SCAN: &str = "table-scan";
    /// `warning`: an index is built while writes to the table wait.
    pub const BLOCKING_INDEX: &str = "blocking-index";

    /// Every code, for documentation and for tools that list them.
    pub const ALL: &[&str] = &[
        TRANSACTION_REFUSED,
        NO_INVERSE,
        IRREVERSIBLE,
        EMPTY_DOWN,
        NOOP_DOWN,
        LOSSY,
        NOT_PORTABLE,
        NOT_CHECKED,
        TABLE_REWRITE,
        TABLE_SCAN,
        BLOCKING_INDEX,
    ];
}
