//! Portable (`.toml`) migrations in the source: read with the others, then
//! replayed in dependency order into one schema state and rendered for the
//! engine the source is read for, down section derived from the state.

use std::path::Path;

use crate::backend::Dialect;
use crate::error::SourceProblem;
use crate::migration::{Migration, MigrationKey, Script};
use crate::portable::{self, Operation, PortableMigration, SchemaState};
use crate::split::Statement;

/// Reads one portable migration file; its scripts are rendered later, once
/// every migration it may build on is known.
pub(super) fn load(
    app: &str,
    stem: &str,
    number: u64,
    path: &Path,
    text: &str,
    problems: &mut Vec<SourceProblem>,
) -> Option<Migration> {
    let parsed = match portable::parse(text) {
        Ok(parsed) => parsed,
        Err(errors) => {
            problems.extend(errors.into_iter().map(|e| SourceProblem {
                path: path.to_path_buf(),
                line: e.line,
                message: e.message,
            }));
            return None;
        }
    };
    let mut depends_on = Vec::new();
    for dep in &parsed.depends_on {
        match dep.split_once(':') {
            Some((a, t)) if !a.is_empty() && !t.is_empty() => {
                depends_on.push(MigrationKey::new(a, t))
            }
            _ => problems.push(SourceProblem {
                path: path.to_path_buf(),
                line: None,
                message: format!(
                    "dependency `{dep}` must be written app:migration (for example accounts:0002)"
                ),
            }),
        }
    }
    Some(Migration {
        app: app.to_string(),
        name: stem.to_string(),
        number,
        checksum: super::checksum(&[text]),
        up: Script::new(path.to_path_buf(), Vec::new()),
        down: None,
        depends_on,
        replaces: parsed.replaces.clone(),
        repeatable: false,
        portable: Some(parsed),
        irreversible: None,
    })
}

/// Renders every portable migration in `order`, threading the schema state
/// from one to the next. Raw SQL migrations are opaque to the state.
pub(super) fn render(
    migrations: Vec<&mut Migration>,
    dialect: Option<&dyn Dialect>,
    problems: &mut Vec<SourceProblem>,
) {
    let mut state = SchemaState::default();
    for m in migrations {
        let Some(pm) = m.portable.clone() else {
            continue;
        };
        let path = m.up.path.clone();
        if path.extension().is_some_and(|e| e == "sql") {
            // A dialect variant replaced it here: its SQL runs, its
            // operations only move the schema state.
            for (i, op) in pm.operations.iter().enumerate() {
                if let Err(e) = state.apply(op) {
                    problems.push(SourceProblem {
                        path: path.clone(),
                        line: None,
                        message: format!(
                            "the portable migration it replaces does not apply: operation {} ({}): {e}",
                            i + 1,
                            op.kind()
                        ),
                    });
                    return;
                }
            }
            continue;
        }
        let Some(renderer) = dialect.and_then(|d| d.renderer()) else {
            problems.push(SourceProblem {
                path,
                line: None,
                message: match dialect {
                    Some(d) => format!(
                        "portable migrations cannot run on {}: it has no renderer for them",
                        d.name()
                    ),
                    None => {
                        "portable migrations are rendered for an engine: read this source for one"
                            .into()
                    }
                },
            });
            continue;
        };
        match render_one(&pm, &state, renderer) {
            Ok(rendered) => {
                m.up.set_statements(rendered.up);
                match rendered.down {
                    Ok(down) => m.down = Some(Script::new(path.clone(), down)),
                    Err(reason) => m.irreversible = Some(reason),
                }
                state = rendered.after;
            }
            Err((line, message)) => {
                problems.push(SourceProblem {
                    path,
                    line: Some(line),
                    message,
                });
                // Later migrations would only report knock-on errors.
                return;
            }
        }
    }
}

struct Rendered {
    up: Vec<Statement>,
    down: Result<Vec<Statement>, String>,
    after: SchemaState,
}

/// Renders one migration's operations and their reverse against `before`.
/// An error carries the line of the operation at fault.
fn render_one(
    pm: &PortableMigration,
    before: &SchemaState,
    renderer: &dyn portable::Renderer,
) -> Result<Rendered, (usize, String)> {
    let line_of = |i: usize| pm.lines.get(i).copied().unwrap_or(1);
    // states[i] is the schema just before operation i.
    let mut states = vec![before.clone()];
    let mut up = Ops::default();
    for (i, op) in pm.operations.iter().enumerate() {
        let at = states.last().expect("starts with one state").clone();
        let fail = |e: String| {
            (
                line_of(i),
                format!("operation {} ({}): {e}", i + 1, op.kind()),
            )
        };
        up.push(renderer, op, &at, line_of(i)).map_err(fail)?;
        let mut next = at;
        next.apply(op).map_err(fail)?;
        states.push(next);
    }
    let after = states.last().expect("starts with one state").clone();
    let mut down = Ops::default();
    let mut current = after.clone();
    let mut irreversible = None;
    for (i, op) in pm.operations.iter().enumerate().rev() {
        match portable::reverse(op, &states[i]) {
            Ok(reverse) => {
                for r in reverse {
                    let fail = |e: String| {
                        (
                            line_of(i),
                            format!("reversing operation {} ({}): {e}", i + 1, op.kind()),
                        )
                    };
                    down.push(renderer, &r, &current, line_of(i))
                        .map_err(fail)?;
                    current.apply(&r).map_err(fail)?;
                }
            }
            Err(mut e) => {
                e.index = Some(i + 1);
                irreversible = Some(format!("it cannot be unapplied: {e}"));
                break;
            }
        }
    }
    Ok(Rendered {
        up: up.finish(),
        down: match irreversible {
            Some(reason) => Err(reason),
            None => Ok(down.finish()),
        },
        after,
    })
}

/// Rendered statements, and the session statements some of them need
/// around the transaction (gathered once, at the edges of the script).
#[derive(Default)]
struct Ops {
    statements: Vec<Statement>,
    before: Vec<Statement>,
    after: Vec<Statement>,
}

impl Ops {
    fn push(
        &mut self,
        renderer: &dyn portable::Renderer,
        op: &Operation,
        at: &SchemaState,
        line: usize,
    ) -> Result<(), String> {
        if let Some((before, after)) = renderer.outside_transaction(op, at) {
            for sql in before {
                if !self.before.iter().any(|s| s.sql == sql) {
                    self.before.push(Statement { sql, line });
                }
            }
            for sql in after {
                if !self.after.iter().any(|s| s.sql == sql) {
                    self.after.push(Statement { sql, line });
                }
            }
        }
        for sql in renderer.render(op, at)? {
            self.statements.push(Statement { sql, line });
        }
        Ok(())
    }

    fn finish(self) -> Vec<Statement> {
        let mut all = self.before;
        all.extend(self.statements);
        all.extend(self.after);
        all
    }
}
