//! The static half of `migrate check`: what a migration will do on an
//! engine, found from its text alone, with no server.
//!
//! For one migration as read for one engine ([`crate::Source::load_for`]:
//! dialect variants chosen, portable operations rendered), [`analyze`]
//! tells how a failure half-way through the up section ends ([`Failure`],
//! with the [`Inverses`] `migrate repair --undo` would have), how unapplying
//! ends ([`Rollback`]), and lists [`Finding`]s: statements the engine will
//! refuse (another engine's constructs), statements that cannot be undone,
//! and statements that lock or rewrite a table.
//!
//! What the text can tell is limited, and the analysis says so rather than
//! guess. It does not know the schema the statements run against: a
//! column's type before `MODIFY` or `ALTER COLUMN ... TYPE`, the rows a
//! `DELETE` matches, whether a table is large, which server version runs
//! the migration (MariaDB accepts some of what MySQL refuses). It reads
//! statements word by word with `sqlparser`'s tokenizer, and asks
//! `sqlparser`'s parsers, which accept more than the engines do and miss
//! some of what they accept; statements that no parser reads are reported
//! as not checked. Portable (`.toml`) migrations are rendered for each
//! engine by the tool itself, so only their `sql` operations are checked
//! for portability, and the types their columns had before are known when
//! the whole source is analyzed ([`analyze_source`]). Proving that a
//! migration runs, and that its down section restores the schema, needs a
//! database: that is the other half of `migrate check`.

mod effects;
mod failure;
pub mod findings;
mod lexed;
mod locking;
mod narrowing;
mod portability;
pub mod proof;
mod reach;
mod rollback;
mod rows;
pub mod scratch;
mod shape;
#[cfg(test)]
mod tests;

use serde::Serialize;

pub use failure::{Failure, Inverses};
pub use findings::{Finding, Severity, codes};
pub use rollback::Rollback;

use crate::backend::Dialect;
use crate::dialect::SqlDialect;
use crate::migration::{Migration, MigrationKey, Script};
use crate::portable::{PortableMigration, SchemaState};
use crate::source::Source;
use lexed::Lexed;
use shape::Shape;

/// What the text of one migration tells about running it on one engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaticReport {
    /// How a failure half-way through the up section ends.
    pub failure: Failure,
    /// For an up section that runs statement by statement: what can undo
    /// its statements. `None` when it runs in one transaction.
    pub inverses: Option<Inverses>,
    /// How unapplying ends.
    pub rollback: Rollback,
    /// Everything found, ordered by line, then code.
    pub findings: Vec<Finding>,
}

impl StaticReport {
    /// The gravest finding's severity, if there is any finding.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Whether a finding is at least as grave as `severity` (what
    /// `--fail-on` asks).
    pub fn fails_on(&self, severity: Severity) -> bool {
        self.worst().is_some_and(|w| w >= severity)
    }
}

/// One migration's report, as [`analyze_source`] lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationReport {
    /// Which migration.
    pub key: MigrationKey,
    /// What was found.
    pub report: StaticReport,
}

/// Analyzes `migration` as read for the engine of `dialect`
/// (`Source::load_for(dir, dialect)`).
///
/// A portable migration's `alter_column` on a table made by an earlier
/// migration is reported as one that may narrow the column, since the
/// type it had is not in this migration: [`analyze_after`] and
/// [`analyze_source`] know it.
pub fn analyze(migration: &Migration, dialect: &dyn Dialect) -> StaticReport {
    analyze_in(migration, dialect, None)
}

/// Analyzes `migration` as [`analyze`] does, knowing the schema the
/// portable migrations before it built (`before`), so that the type a
/// portable `alter_column` changes is known.
pub fn analyze_after(
    migration: &Migration,
    dialect: &dyn Dialect,
    before: &SchemaState,
) -> StaticReport {
    analyze_in(migration, dialect, Some(before))
}

/// Analyzes every migration of a source read for the engine of `dialect`,
/// in the order they apply, threading the schema the portable migrations
/// build from one to the next as the source's renderer does.
pub fn analyze_source(source: &Source, dialect: &dyn Dialect) -> Vec<MigrationReport> {
    let mut state = SchemaState::default();
    source
        .ordered()
        .map(|m| {
            let report = analyze_in(m, dialect, Some(&state));
            if let Some(pm) = &m.portable {
                for op in &pm.operations {
                    // The source applied them all when it was read; one
                    // that fails here leaves the state as it was.
                    let _ = state.apply(op);
                }
            }
            MigrationReport {
                key: m.key(),
                report,
            }
        })
        .collect()
}

/// What every part of the analysis needs.
struct Cx<'a> {
    /// The engine's family of syntax.
    pub family: SqlDialect,
    /// The migration.
    pub migration: &'a Migration,
    /// Its portable operations, when it runs them rendered (and not a
    /// dialect variant that replaces them).
    pub portable: Option<&'a PortableMigration>,
    /// The schema before it, as far as portable migrations tell.
    pub before: Option<&'a SchemaState>,
}

/// One statement of a section, read.
struct Stmt<'a> {
    /// Its text.
    pub sql: &'a str,
    /// Its line in the section's file.
    pub line: usize,
    /// Its tokens.
    pub lexed: Lexed,
    /// What it does.
    pub shape: Shape,
    /// Written by hand: raw SQL, or a portable `sql` operation, rather than
    /// rendered by the tool.
    pub written: bool,
}

fn analyze_in(
    migration: &Migration,
    dialect: &dyn Dialect,
    before: Option<&SchemaState>,
) -> StaticReport {
    let family = dialect.sql_dialect();
    let portable = migration
        .portable
        .as_ref()
        .filter(|_| migration.up.path.extension().is_some_and(|e| e == "toml"));
    let cx = Cx {
        family,
        migration,
        portable,
        before,
    };
    // A portable migration's statements carry the line of the operation
    // they render; those of `sql` operations are written by hand.
    let sql_lines: Vec<usize> = portable
        .map(|pm| {
            pm.operations
                .iter()
                .zip(&pm.lines)
                .filter(|(op, _)| matches!(op, crate::portable::Operation::Sql(_)))
                .map(|(_, line)| *line)
                .collect()
        })
        .unwrap_or_default();
    let written = |line: usize| portable.is_none() || sql_lines.contains(&line);
    let up = read(&migration.up, family, &written);
    let down = migration.down.as_ref().map(|d| read(d, family, &written));

    let mut findings = Vec::new();
    let (failure, inverses) = failure::up(dialect, &migration.up, &up, &mut findings);
    if let (Some(script), Some(down)) = (&migration.down, &down) {
        failure::down(dialect, script, down, &mut findings);
    }
    let rollback = rollback::analyze(&cx, &up, down.as_deref(), &mut findings);
    if lexed::ENGINES.contains(&family) {
        portability::check(&cx, &migration.up.path, &up, &mut findings);
        if let (Some(script), Some(down)) = (&migration.down, &down) {
            portability::check(&cx, &script.path, down, &mut findings);
        }
        locking::check(&cx, &up, &mut findings);
    }
    findings::sort(&mut findings);
    StaticReport {
        failure,
        inverses,
        rollback,
        findings,
    }
}

fn read<'a>(
    script: &'a Script,
    family: SqlDialect,
    written: &dyn Fn(usize) -> bool,
) -> Vec<Stmt<'a>> {
    // `check` reads its source with every script split (and every
    // unreadable one reported) before it looks at any.
    script
        .statements()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            let lexed = Lexed::new(&s.sql, family);
            let shape = lexed.shape();
            Stmt {
                sql: &s.sql,
                line: s.line,
                lexed,
                shape,
                written: written(s.line),
            }
        })
        .collect()
}
