//! The scenarios, grouped by what they exercise. Each is `async fn(Arc<Ctx>)`
//! and runs unchanged on every engine.

pub mod adopt;
pub mod check;
pub mod crash_matrix;
pub mod divergence;
pub mod drift;
pub mod edits;
pub mod engines;
pub mod failures;
pub mod fanout;
pub mod inputs;
pub mod layouts;
pub mod moves;
pub mod online;
pub mod portable;
pub mod recovery;
pub mod renames;
pub mod repair;
pub mod squash;
pub mod terminal;

use crate::harness::Ctx;

/// A small two-app project in SQL every engine accepts: `patients` (three
/// migrations, both file layouts) and `tasks` (two, the second depending on
/// `patients:0001`).
pub fn clinic(ctx: &Ctx) {
    ctx.write(
        "patients",
        "0001_initial.sql",
        "-- migrate:up\nCREATE TABLE patient (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\n\n-- migrate:down\nDROP TABLE patient;\n",
    );
    ctx.write(
        "patients",
        "0002_add_dob.up.sql",
        "ALTER TABLE patient ADD COLUMN dob VARCHAR(10);\n",
    );
    ctx.write(
        "patients",
        "0002_add_dob.down.sql",
        "ALTER TABLE patient DROP COLUMN dob;\n",
    );
    ctx.write(
        "patients",
        "0003_visit.sql",
        "-- migrate:up\nCREATE TABLE visit (id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL, note VARCHAR(200));\nCREATE INDEX visit_patient ON visit (patient_id);\n-- migrate:down\nDROP TABLE visit;\n",
    );
    ctx.write(
        "tasks",
        "0001_initial.sql",
        "-- migrate:up\nCREATE TABLE task (id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL);\n-- migrate:down\nDROP TABLE task;\n",
    );
    ctx.write(
        "tasks",
        "0002_patient_task.sql",
        "-- depends_on: patients:0001\n-- migrate:up\nCREATE TABLE patient_task (patient_id INTEGER NOT NULL, task_id INTEGER NOT NULL);\n-- migrate:down\nDROP TABLE patient_task;\n",
    );
}

/// `app:name state` for every history row, for compact assertions.
pub async fn history(ctx: &Ctx) -> Vec<String> {
    ctx.db
        .history()
        .await
        .into_iter()
        .map(|r| format!("{}:{} {}", r.app, r.name, r.state))
        .collect()
}

/// Shorthand for a list of strings.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
