//! The recovery guide our users follow, step by step, with these commands.

use std::sync::Arc;

use super::{clinic, history, strings};
use crate::harness::{Ctx, Kind};

/// Section 1: a migration fails; go back to the previous one, fix the
/// file, apply again.
pub async fn guide_section_1_simple_error(ctx: Arc<Ctx>) {
    clinic(&ctx);
    ctx.write(
        "patients",
        "0003_visit.sql",
        "-- migrate:up\nCREATE TABLE visit (id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL);\nCREATE INDEX visit_patient ON visit (no_such_column);\n-- migrate:down\nDROP TABLE visit;\n",
    );
    ctx.migrate(&["patients"])
        .expect_code(1)
        .expect_text("patients:0003_visit: statement 2 of 2");
    if ctx.kind() == Kind::Mysql {
        // MySQL kept statement 1; the guide's section 2 applies there.
        return;
    }
    ctx.migrate(&["patients", "0002"]).expect_code(0);
    ctx.write(
        "patients",
        "0003_visit.sql",
        "-- migrate:up\nCREATE TABLE visit (id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL);\nCREATE INDEX visit_patient ON visit (patient_id);\n-- migrate:down\nDROP TABLE visit;\n",
    );
    ctx.migrate(&["patients", "0003"])
        .expect_code(0)
        .expect_text("Applying patients:0003_visit ... OK");
    ctx.migrate(&["showmigrations", "patients"])
        .expect_text(" [X] 0001_initial\n [X] 0002_add_dob\n [X] 0003_visit\n");
}

/// Section 2's `--fake`: a table was dropped by hand, the history still
/// says 0002 is applied; fake back to 0001 and apply again for real.
pub async fn guide_fake_after_manual_fix(ctx: Arc<Ctx>) {
    ctx.write("patients", "0001_initial.sql", "-- migrate:up\nCREATE TABLE patient (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE patient;\n");
    ctx.write("patients", "0002_notes.sql", "-- migrate:up\nCREATE TABLE note (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE note;\n");
    ctx.migrate(&["patients"]).expect_code(0);
    ctx.db.exec("INSERT INTO patient (id) VALUES (7)").await;
    ctx.db.exec("DROP TABLE note").await;
    ctx.migrate(&["showmigrations"])
        .expect_text(" [X] 0002_notes");
    ctx.migrate(&["--fake", "patients", "0001"]).expect_code(0);
    ctx.migrate(&["showmigrations"])
        .expect_text(" [X] 0001_initial\n [ ] 0002_notes");
    ctx.migrate(&["patients"]).expect_code(0);
    assert_eq!(ctx.db.tables().await, strings(&["note", "patient"]));
    assert_eq!(
        ctx.db.count("SELECT COUNT(*) FROM patient").await,
        1,
        "rows survive"
    );
    assert_eq!(history(&ctx).await.len(), 2);
}
