//! How a failure half-way through the up section ends on an engine: rolled
//! back whole, or left part way in the journal, and then what
//! `migrate repair --undo` can take back.

use serde::Serialize;

use super::Stmt;
use super::findings::{Finding, Severity, codes};
use super::lexed::first_line;
use crate::backend::{Dialect, StatementClass};
use crate::executor::session_edges;
use crate::journal::{Derived, derive};
use crate::migration::Script;

/// How a failure half-way through the up section ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failure {
    /// The section runs in one transaction: a failure rolls all of it back.
    Atomic,
    /// The engine commits some statement on its own (MySQL DDL): the
    /// section runs statement by statement, and a failure leaves the
    /// statements before it in effect, recorded in the journal.
    Journaled,
    /// The section opted out of transactions (`transaction=false`): it runs
    /// statement by statement, journaled.
    NoTransaction,
}

/// For a section run statement by statement: how many statements have an
/// inverse that follows from their text, how many need a definition read
/// from the database just before they run, and how many have none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Inverses {
    /// The inverse follows from the text (`CREATE TABLE t` is undone by
    /// `DROP TABLE t`); nothing to undo counts here too.
    pub derived: usize,
    /// The inverse needs the definition the statement drops or changes,
    /// captured from the database before it runs.
    pub capture: usize,
    /// No inverse can be derived: a failure after it cannot be undone.
    pub none: usize,
}

/// How the up section's failure ends, and the inverses when it runs
/// statement by statement; reports the statements that cannot run in a
/// transaction and those without inverse.
pub(super) fn up(
    dialect: &dyn Dialect,
    script: &Script,
    statements: &[Stmt],
    findings: &mut Vec<Finding>,
) -> (Failure, Option<Inverses>) {
    let failure = if !script.transaction {
        Failure::NoTransaction
    } else if statements
        .iter()
        .any(|s| dialect.classify(s.sql) == StatementClass::ImplicitCommit)
    {
        Failure::Journaled
    } else {
        Failure::Atomic
    };
    refused(dialect, script, Section::Up, statements, findings);
    if failure == Failure::Atomic {
        return (failure, None);
    }
    let quote = |name: &str| dialect.quote_identifier(name);
    let mut inverses = Inverses::default();
    for s in statements {
        match derive(s.sql, dialect.sql_dialect(), &quote) {
            Derived::Exact { .. } => inverses.derived += 1,
            Derived::NeedsCapture { .. } if dialect.capabilities().captures => {
                inverses.capture += 1
            }
            Derived::NeedsCapture { .. } => {
                inverses.none += 1;
                findings.push(no_inverse(
                    script,
                    s,
                    &format!(
                        "undoing it needs the definition it replaces, which {} cannot read",
                        dialect.name()
                    ),
                ));
            }
            Derived::Unknown { reason, .. } => {
                inverses.none += 1;
                findings.push(no_inverse(script, s, &reason));
            }
        }
    }
    (failure, Some(inverses))
}

fn no_inverse(script: &Script, s: &Stmt, reason: &str) -> Finding {
    Finding::new(
        codes::NO_INVERSE,
        Severity::Warning,
        format!(
            "`{}` runs outside a transaction and has no inverse ({reason}): if a later statement fails, \
`migrate repair --undo` cannot take the migration back past it, only `migrate repair --resume` can finish it; \
keep such a statement in a migration of its own, or last",
            first_line(s.sql)
        ),
        &script.path,
        Some(s.line),
    )
}

/// Reports every statement the engine refuses inside a transaction, in a
/// section that runs in one: what [`crate::executor::execution_mode`]
/// refuses, one finding per statement rather than the first.
fn refused(
    dialect: &dyn Dialect,
    script: &Script,
    section: Section,
    statements: &[Stmt],
    findings: &mut Vec<Finding>,
) {
    if !script.transaction {
        return;
    }
    let sql: Vec<&str> = statements.iter().map(|s| s.sql).collect();
    let (lead, trail) = session_edges(dialect, &sql);
    for (i, s) in statements.iter().enumerate() {
        let refused = match dialect.classify(s.sql) {
            StatementClass::NoTransaction => true,
            // A session statement runs outside the transaction only at
            // the edges of the section.
            StatementClass::Session => i >= lead && i < sql.len() - trail,
            StatementClass::Transactional | StatementClass::ImplicitCommit => false,
        };
        if refused {
            findings.push(Finding::new(
                codes::TRANSACTION_REFUSED,
                Severity::Error,
                format!(
                    "`{}` cannot run inside a transaction on {}: add `transaction=false` to the section's marker \
(`-- migrate:{} transaction=false`) so that it runs statement by statement, or move it to a migration of its own",
                    first_line(s.sql),
                    dialect.name(),
                    match section {
                        Section::Up => "up",
                        Section::Down => "down",
                    },
                ),
                &script.path,
                Some(s.line),
            ));
        }
    }
}

/// Reports the down section's statements that cannot run in a transaction.
pub(super) fn down(
    dialect: &dyn Dialect,
    script: &Script,
    statements: &[Stmt],
    findings: &mut Vec<Finding>,
) {
    refused(dialect, script, Section::Down, statements, findings);
}

/// Which section a script is, for the marker a message shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    Up,
    Down,
}
