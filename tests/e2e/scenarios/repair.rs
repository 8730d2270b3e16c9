//! Half-applied migrations repair themselves: a journaled migration that
//! fails at every statement, or is killed at every statement boundary, is
//! undone to the schema it started from, or resumed to the schema of a
//! clean run, without losing rows the migration did not touch.

use std::sync::Arc;

use super::crash_matrix::{counted_after_crash, in_doubt_after_crash};
use super::history;
use crate::harness::{Ctx, Output};

const BASE: &str = "-- migrate:up\nCREATE TABLE base (id INTEGER PRIMARY KEY, keep VARCHAR(20), old INTEGER);\nCREATE TABLE untouched (id INTEGER PRIMARY KEY, name VARCHAR(20));\n-- migrate:down\nDROP TABLE untouched;\nDROP TABLE base;\n";

/// The statements of the journaled migration: creations (exact inverses)
/// and a dropped column (its definition captured before it runs).
const STEPS: [&str; 5] = [
    "CREATE TABLE r1 (id INTEGER PRIMARY KEY, v VARCHAR(20))",
    "CREATE INDEX r1_v ON r1 (v)",
    "ALTER TABLE base DROP COLUMN old",
    "ALTER TABLE base ADD COLUMN extra INTEGER",
    "CREATE TABLE r2 (id INTEGER PRIMARY KEY)",
];

const DOWN: &str = "DROP TABLE r2;\nALTER TABLE base DROP COLUMN extra;\nALTER TABLE base ADD COLUMN old INTEGER;\nDROP TABLE r1;\n";

/// The migration, with statement `broken` (1-based) replaced by one that
/// fails.
fn migration(broken: Option<usize>) -> String {
    let mut up = String::from("-- migrate:up transaction=false\n");
    for (i, sql) in STEPS.iter().enumerate() {
        if Some(i + 1) == broken {
            up.push_str("ALTER TABLE no_such_table ADD COLUMN x INTEGER;\n");
        } else {
            up.push_str(sql);
            up.push_str(";\n");
        }
    }
    format!("{up}-- migrate:down transaction=false\n{DOWN}")
}

/// Tables, columns and indexes, and the rows the migration never touches.
async fn snapshot(ctx: &Ctx) -> (Vec<(String, Vec<String>)>, i64, i64, i64) {
    (
        ctx.db.schema().await,
        ctx.db.count("SELECT COUNT(*) FROM untouched").await,
        ctx.db.count("SELECT COUNT(*) FROM base").await,
        index_count(ctx).await,
    )
}

async fn index_count(ctx: &Ctx) -> i64 {
    let sql = match ctx.kind() {
        crate::harness::Kind::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'r1_v'"
        }
        crate::harness::Kind::Postgres => {
            "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'r1_v'"
        }
        crate::harness::Kind::Mysql => {
            "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name = 'r1_v'"
        }
    };
    ctx.db.count(sql).await
}

/// Applies the base, records the schema before and after a clean run of
/// the migration, and goes back to before.
async fn prepare(
    ctx: &Ctx,
) -> (
    (Vec<(String, Vec<String>)>, i64, i64, i64),
    (Vec<(String, Vec<String>)>, i64, i64, i64),
) {
    ctx.write("app", "0001_base.sql", BASE);
    ctx.migrate(&[]).expect_code(0);
    ctx.db
        .exec("INSERT INTO untouched (id, name) VALUES (1, 'a')")
        .await;
    ctx.db
        .exec("INSERT INTO untouched (id, name) VALUES (2, 'b')")
        .await;
    ctx.db
        .exec("INSERT INTO base (id, keep, old) VALUES (1, 'kept', 7)")
        .await;
    let before = snapshot(ctx).await;
    ctx.write("app", "0002_steps.sql", &migration(None));
    ctx.migrate(&[]).expect_code(0);
    let clean = snapshot(ctx).await;
    ctx.migrate(&["app", "0001"]).expect_code(0);
    assert_eq!(
        snapshot(ctx).await.0,
        before.0,
        "the down section restores the base schema"
    );
    (before, clean)
}

fn partial_row(out: &Output, k: usize) {
    assert_ne!(
        out.code, 0,
        "the run must stop at statement {k}:\n{}\n{}",
        out.stdout, out.stderr
    );
}

pub async fn every_failing_statement_is_undone_or_resumed(ctx: Arc<Ctx>) {
    let (before, clean) = prepare(&ctx).await;
    for k in 1..=STEPS.len() {
        ctx.write("app", "0002_steps.sql", &migration(Some(k)));
        let out = ctx.migrate(&[]);
        partial_row(&out, k);
        out.expect_text(&format!("app:0002_steps: statement {k} of 5"));
        if k == 1 {
            // Nothing ran: no row to repair, nothing to undo.
            out.expect_text("Nothing of app:0002_steps ran: its first statement failed");
            assert_eq!(history(&ctx).await, ["app:0001_base applied"]);
            assert_eq!(snapshot(&ctx).await, before);
            ctx.migrate(&["log", "app"])
                .expect_text("apply-failed   app:0002_steps");
            continue;
        }
        out.expect_text(&format!(
            "ran and stay{} applied (",
            if k == 2 { "s" } else { "" }
        ));
        let rows = ctx.db.history().await;
        assert_eq!(
            (rows[1].state.as_str(), rows[1].done),
            ("partial", k as i64 - 1),
            "k={k}"
        );

        let report = ctx.migrate(&["repair"]);
        report
            .expect_code(0)
            .expect_text(&format!("{} of 5 statements ran", k - 1))
            .expect_text(&format!("failed {k}: statement {k} failed"))
            .expect_text("migrate repair --undo app 0002_steps");
        ctx.migrate(&["repair", "--undo"])
            .expect_code(2)
            .expect_text("--yes");
        ctx.migrate(&["repair", "--undo", "--yes"])
            .expect_code(0)
            .expect_text("Done:");
        assert_eq!(
            snapshot(&ctx).await,
            before,
            "undo after statement {k} failed"
        );
        assert_eq!(history(&ctx).await, ["app:0001_base applied"]);

        // Again, then fix the file and resume.
        partial_row(&ctx.migrate(&[]), k);
        ctx.write("app", "0002_steps.sql", &migration(None));
        ctx.migrate(&["repair", "--resume", "--yes", "app", "0002"])
            .expect_code(0);
        assert_eq!(
            snapshot(&ctx).await,
            clean,
            "resume after statement {k} failed"
        );
        assert_eq!(
            history(&ctx).await,
            ["app:0001_base applied", "app:0002_steps applied"]
        );
        ctx.migrate(&["app", "0001"]).expect_code(0);
    }
    ctx.migrate(&["log", "app"])
        .expect_text("repair-undo    app:0002_steps")
        .expect_text("repair-resume  app:0002_steps");
}

pub async fn every_crash_point_is_undone_or_resumed(ctx: Arc<Ctx>) {
    let (before, clean) = prepare(&ctx).await;
    ctx.write("app", "0002_steps.sql", &migration(None));
    let steps = STEPS.map(String::from);
    for k in 1..=STEPS.len() {
        for point in ["entry", "before", "after"] {
            let fault = format!("{point}:{k}");
            let crash = ctx.crash(&[], &fault);
            partial_row(&crash, k);
            let rows = ctx.db.history().await;
            assert_eq!(
                (rows[1].state.as_str(), rows[1].done),
                ("partial", counted_after_crash(&steps, point, k) as i64),
                "{fault}"
            );
            let report = ctx.migrate(&["repair"]);
            report.expect_code(0);
            match in_doubt_after_crash(&steps, point, k) {
                Some(d) => report.expect_text(&format!("in doubt {d}:")),
                None => report.expect_no_text("in doubt"),
            };
            ctx.migrate(&["repair", "--undo", "--yes"]).expect_code(0);
            assert_eq!(
                snapshot(&ctx).await,
                before,
                "undo after a crash at {fault}"
            );

            let crash = ctx.crash(&[], &fault);
            partial_row(&crash, k);
            ctx.migrate(&["repair", "--resume", "--yes"]).expect_code(0);
            assert_eq!(
                snapshot(&ctx).await,
                clean,
                "resume after a crash at {fault}"
            );
            ctx.migrate(&["app", "0001"]).expect_code(0);
        }
    }
}

pub async fn repair_without_an_inverse_says_what_ran(ctx: Arc<Ctx>) {
    ctx.write("app", "0001_base.sql", BASE);
    ctx.write(
        "app",
        "0002_data.sql",
        "-- migrate:up transaction=false\nINSERT INTO untouched (id, name) VALUES (10, 'x');\nCREATE TABLE later (id INTEGER);\nALTER TABLE no_such_table ADD COLUMN x INTEGER;\n-- migrate:down\nDROP TABLE later;\n",
    );
    ctx.migrate(&[]).expect_code(1);
    ctx.migrate(&["repair", "--undo", "--yes"])
        .expect_code(3)
        .expect_text("cannot be undone automatically")
        .expect_text("statement 1: INSERT INTO untouched")
        .expect_text("These statements ran:")
        .expect_text("2. CREATE TABLE later (id INTEGER)")
        .expect_text("migrate repair --forget app 0002_data");
    // Nothing ran: the table created by statement 2 is still there.
    assert!(ctx.db.tables().await.contains(&"later".to_string()));
    // Forgetting checks the database: `later` still exists.
    ctx.migrate(&["repair", "--forget", "--yes", "app", "0002"])
        .expect_code(3)
        .expect_text("table later exists");
    ctx.db.exec("DROP TABLE later").await;
    ctx.db.exec("DELETE FROM untouched WHERE id = 10").await;
    ctx.migrate(&["repair", "--forget", "--yes", "app", "0002"])
        .expect_code(0);
    assert_eq!(history(&ctx).await, ["app:0001_base applied"]);
    // Marking applied checks the other way round: the user finishes the
    // migration by hand, with the statement the file meant.
    ctx.migrate(&[]).expect_code(1);
    ctx.migrate(&["repair", "--mark-applied", "--yes", "app", "0002"])
        .expect_code(3)
        .expect_text("column no_such_table.x does not exist");
    ctx.db
        .exec("ALTER TABLE untouched ADD COLUMN x INTEGER")
        .await;
    ctx.write(
        "app",
        "0002_data.sql",
        "-- migrate:up transaction=false\nINSERT INTO untouched (id, name) VALUES (10, 'x');\nCREATE TABLE later (id INTEGER);\nALTER TABLE untouched ADD COLUMN x INTEGER;\n-- migrate:down\nDROP TABLE later;\n",
    );
    ctx.migrate(&["repair", "--mark-applied", "--yes", "app", "0002"])
        .expect_code(0);
    ctx.migrate(&["status"]).expect_text(" [X] 0002_data");
    ctx.migrate(&["log"])
        .expect_text("repair-forget")
        .expect_text("repair-mark-applied");
    // --dry-run shows the plan and changes nothing.
    ctx.migrate(&["repair", "--undo", "--dry-run"])
        .expect_code(2)
        .expect_text("nothing to repair");
}

/// `repair` itself killed at every point: before and after each inverse of
/// `--undo`, and at each statement boundary of `--resume`. The next repair
/// settles the statement in doubt by looking, and ends at the schema the
/// undo or the resume was heading for.
pub async fn every_repair_crash_point_is_recovered(ctx: Arc<Ctx>) {
    let (before, clean) = prepare(&ctx).await;
    ctx.write("app", "0002_steps.sql", &migration(None));
    let n = STEPS.len();
    for j in 1..n {
        for point in ["undo-before", "undo-after"] {
            // Statements 1 to n-1 ran; n was recorded, not run.
            partial_row(&ctx.crash(&[], &format!("before:{n}")), n);
            let fault = format!("{point}:{j}");
            let crash = ctx.crash(&["repair", "--undo", "--yes"], &fault);
            assert_ne!(crash.code, 0, "{fault}: {}{}", crash.stdout, crash.stderr);
            let rows = ctx.db.history().await;
            assert_eq!(rows[1].state, "partial", "{fault}");
            // The report tells the statement whose inverse was under way.
            ctx.migrate(&["repair"])
                .expect_code(0)
                .expect_text(&format!("in doubt {j}:"));
            ctx.migrate(&["repair", "--undo", "--yes"]).expect_code(0);
            assert_eq!(
                snapshot(&ctx).await,
                before,
                "undo after a crash at {fault}"
            );
            assert_eq!(history(&ctx).await, ["app:0001_base applied"]);
        }
    }
    for j in 1..=n {
        for point in ["resume-entry", "resume-before", "resume-after"] {
            // Nothing ran; statement 1 was recorded, not run.
            partial_row(&ctx.crash(&[], "before:1"), 1);
            let fault = format!("{point}:{j}");
            let crash = ctx.crash(&["repair", "--resume", "--yes"], &fault);
            assert_ne!(crash.code, 0, "{fault}: {}{}", crash.stdout, crash.stderr);
            ctx.migrate(&["repair", "--resume", "--yes"]).expect_code(0);
            assert_eq!(
                snapshot(&ctx).await,
                clean,
                "resume after a crash at {fault}"
            );
            ctx.migrate(&["app", "0001"]).expect_code(0);
        }
    }
}

/// The `migrate` binary has no crash points: `MIGRATE_FAULT` does nothing
/// to it, in any build.
pub async fn the_real_binary_ignores_crash_points(ctx: Arc<Ctx>) {
    prepare(&ctx).await;
    ctx.write("app", "0002_steps.sql", &migration(None));
    for fault in ["entry:1", "before:2", "after:3"] {
        ctx.migrate_with(
            &[],
            &[
                ("DATABASE_URL", ctx.db.url.as_str()),
                ("MIGRATE_FAULT", fault),
            ],
        )
        .expect_code(0);
        ctx.migrate(&["app", "0001"]).expect_code(0);
    }
}

/// A journaled migration that sets session state (a variable, a prepared
/// statement) and is killed before using it: the resume, on a new
/// connection, runs those statements again first and says so; the undo
/// has nothing to undo for them.
pub async fn session_state_is_replayed_on_resume(ctx: Arc<Ctx>) {
    let body = match ctx.kind() {
        crate::harness::Kind::Sqlite => return, // no session state to lose
        crate::harness::Kind::Mysql => {
            "SET @v = 5;\nPREPARE ins FROM 'INSERT INTO sess (id) VALUES (?)';\nEXECUTE ins USING @v;\n"
        }
        crate::harness::Kind::Postgres => {
            "SET app.v = '5';\nPREPARE ins (int) AS INSERT INTO sess (id) VALUES ($1);\nEXECUTE ins(current_setting('app.v')::int);\n"
        }
    };
    ctx.write(
        "app",
        "0001_session.sql",
        &format!(
            "-- migrate:up transaction=false\nCREATE TABLE sess (id INTEGER);\n{body}CREATE TABLE sess_after (id INTEGER);\n-- migrate:down\nDROP TABLE sess_after;\nDROP TABLE sess;\n"
        ),
    );
    // Killed once statement 4 was recorded, before it ran; nothing shows
    // whether an EXECUTE ran, so the user says.
    partial_row(&ctx.crash(&[], "before:4"), 4);
    ctx.migrate(&["repair", "--assume-not-ran"])
        .expect_code(0)
        .expect_text("statements 2, 3 set session state");
    ctx.migrate(&["repair", "--resume", "--yes", "--assume-not-ran"])
        .expect_code(0);
    assert_eq!(
        ctx.db.count("SELECT COUNT(*) FROM sess WHERE id = 5").await,
        1
    );
    assert_eq!(history(&ctx).await, ["app:0001_session applied"]);

    ctx.migrate(&["app", "zero"]).expect_code(0);
    partial_row(&ctx.crash(&[], "before:4"), 4);
    ctx.migrate(&["repair", "--undo", "--yes", "--assume-not-ran"])
        .expect_code(0);
    assert!(!ctx.db.tables().await.contains(&"sess".to_string()));
    assert!(history(&ctx).await.is_empty());
}

/// An unapply stopped by a broken down statement: `--resume` goes on with
/// the down statements stored at apply time (still broken), and with
/// `--use-file-down` with the file's fixed down section.
pub async fn resume_of_an_unapply_can_use_the_fixed_file(ctx: Arc<Ctx>) {
    let up = "-- migrate:up transaction=false\nCREATE TABLE u1 (id INTEGER);\nCREATE TABLE u2 (id INTEGER);\n";
    ctx.write(
        "app",
        "0001_u.sql",
        &format!("{up}-- migrate:down transaction=false\nDROP TABLE u2;\nDROP TABLE no_such_table;\nDROP TABLE u1;\n"),
    );
    ctx.migrate(&[]).expect_code(0);
    ctx.migrate(&["app", "zero"]).expect_code(1);
    assert_eq!(history(&ctx).await, ["app:0001_u reverting"]);
    ctx.write(
        "app",
        "0001_u.sql",
        &format!("{up}-- migrate:down transaction=false\nDROP TABLE u2;\nDROP TABLE u1;\n"),
    );
    ctx.migrate(&["repair", "--resume", "--yes"])
        .expect_code(1)
        .expect_text("no_such_table");
    ctx.migrate(&["repair", "--resume", "--yes", "--use-file-down"])
        .expect_code(0)
        .expect_text("Done:");
    assert!(history(&ctx).await.is_empty());
    let tables = ctx.db.tables().await;
    assert!(!tables.contains(&"u1".to_string()) && !tables.contains(&"u2".to_string()));
}
