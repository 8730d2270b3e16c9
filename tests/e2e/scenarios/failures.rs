//! Failing statements, journaled migrations, and concurrent runs.

use std::sync::Arc;

use super::{history, strings};
use crate::harness::{Ctx, Kind};

/// Engines whose DDL rolls back with the transaction.
fn transactional_ddl(ctx: &Ctx) -> bool {
    matches!(ctx.kind(), Kind::Sqlite | Kind::Postgres)
}

fn base(ctx: &Ctx) {
    ctx.write("app", "0001_base.sql", "-- migrate:up\nCREATE TABLE base (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE base;\n");
}

pub async fn failed_migration_leaves_a_truthful_history(ctx: Arc<Ctx>) {
    base(&ctx);
    ctx.write(
        "app",
        "0002_broken.sql",
        "-- migrate:up\nCREATE TABLE made (id INTEGER PRIMARY KEY);\n\nINSERT INTO no_such_table VALUES (1);\nCREATE TABLE never (id INTEGER);\n-- migrate:down\nDROP TABLE made;\n",
    );
    let out = ctx.migrate(&[]);
    out.expect_code(1)
        .expect_text("Applying app:0001_base ... OK")
        .expect_text(
            "app:0002_broken: statement 2 of 3 (line 4 of migrations/app/0002_broken.sql) failed",
        )
        .expect_text("no_such_table");
    if transactional_ddl(&ctx) {
        out.expect_text("rolled back");
        assert_eq!(
            ctx.db.tables().await,
            strings(&["base"]),
            "statement 1 rolled back"
        );
        assert_eq!(history(&ctx).await, strings(&["app:0001_base applied"]));
        ctx.migrate(&["status"])
            .expect_text(" [X] 0001_base\n [ ] 0002_broken");
    } else {
        // DDL commits on its own: the history says exactly how far it got.
        out.expect_text("partial with 1 of 3 statements done");
        assert_eq!(ctx.db.tables().await, strings(&["base", "made"]));
        let rows = ctx.db.history().await;
        let broken = &rows[1];
        assert_eq!(
            (broken.state.as_str(), broken.done, broken.total),
            ("partial", 1, 3)
        );
        assert!(
            broken
                .last_error
                .as_deref()
                .unwrap()
                .starts_with("statement 2 failed")
        );
        ctx.migrate(&["status"])
            .expect_text(" [!] 0002_broken  (partial: 1 of 3 statements ran; statement 2 failed");
        ctx.migrate(&[])
            .expect_code(3)
            .expect_text("partially applied");
    }
}

pub async fn transaction_false_is_journaled(ctx: Arc<Ctx>) {
    base(&ctx);
    ctx.write(
        "app",
        "0002_steps.sql",
        "-- migrate:up transaction=false\nCREATE TABLE step_one (id INTEGER);\nCREATE TABLE step_two (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n-- migrate:down\nDROP TABLE step_two;\nDROP TABLE step_one;\n",
    );
    ctx.migrate(&["sql", "app", "0002"])
        .expect_code(0)
        .expect_text("-- journaled");
    ctx.migrate(&[])
        .expect_code(1)
        .expect_text("statement 3 of 3");
    assert_eq!(
        ctx.db.tables().await,
        strings(&["base", "step_one", "step_two"])
    );
    let rows = ctx.db.history().await;
    assert_eq!(
        (rows[1].state.as_str(), rows[1].done, rows[1].total),
        ("partial", 2, 3)
    );
    ctx.migrate(&["status", "--format", "json"])
        .expect_code(0)
        .expect_text("\"state\": \"partial\"");
}

pub async fn partial_blocks_until_faked(ctx: Arc<Ctx>) {
    base(&ctx);
    ctx.write(
        "app",
        "0002_steps.sql",
        "-- migrate:up transaction=false\nCREATE TABLE step_one (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n-- migrate:down\nDROP TABLE step_one;\n",
    );
    ctx.migrate(&[]).expect_code(1);
    ctx.migrate(&[])
        .expect_code(3)
        .expect_text("app:0002_steps is partially applied: 1 of 2 statements ran")
        .expect_text("`--forget` once you undid it");
    // Faking it away while its table is still there would make the history
    // lie: refused, as `repair --forget` refuses.
    ctx.migrate(&["--fake", "app", "0001"])
        .expect_code(3)
        .expect_text("table step_one exists");
    assert_eq!(ctx.db.history().await[1].state, "partial");
    // What the recovery guide says: undo by hand, then fix the history.
    ctx.db.exec("DROP TABLE step_one").await;
    ctx.migrate(&["--fake", "app", "0001"])
        .expect_code(0)
        .expect_text("Unapplying app:0002_steps (fake)");
    assert_eq!(history(&ctx).await, strings(&["app:0001_base applied"]));
    ctx.write(
        "app",
        "0002_steps.sql",
        "-- migrate:up transaction=false\nCREATE TABLE step_one (id INTEGER);\nCREATE TABLE step_fixed (id INTEGER);\n-- migrate:down\nDROP TABLE step_fixed;\nDROP TABLE step_one;\n",
    );
    ctx.migrate(&[]).expect_code(0);
    assert_eq!(
        ctx.db.tables().await,
        strings(&["base", "step_fixed", "step_one"])
    );
    assert_eq!(
        history(&ctx).await,
        strings(&["app:0001_base applied", "app:0002_steps applied"])
    );
}

pub async fn concurrent_runs_apply_once(ctx: Arc<Ctx>) {
    // Slow enough on every engine that the runs overlap.
    let slow = match ctx.kind() {
        Kind::Sqlite => {
            "INSERT INTO filler WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT x FROM c"
        }
        Kind::Postgres => "SELECT pg_sleep(0.3)",
        Kind::Mysql => "DO SLEEP(0.3)",
    };
    ctx.write(
        "app",
        "0001_once.sql",
        "-- migrate:up\nCREATE TABLE filler (x INTEGER);\nCREATE TABLE counter (n INTEGER);\n-- migrate:down\nDROP TABLE counter;\nDROP TABLE filler;\n",
    );
    for n in 2..=4 {
        ctx.write(
            "app",
            &format!("000{n}_step.sql"),
            &format!(
                "-- migrate:up\nINSERT INTO counter VALUES ({n});\n{slow};\n-- migrate:down\nDELETE FROM counter WHERE n = {n};\n"
            ),
        );
    }
    const RUNNERS: usize = 8;
    let env = [("DATABASE_URL", ctx.db.url.as_str())];
    let children: Vec<_> = (0..RUNNERS)
        .map(|_| {
            ctx.command(&["--lock-timeout", "120"], &env)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let outs: Vec<String> = outputs
        .iter()
        .map(|o| {
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        })
        .collect();
    assert!(
        outputs.iter().all(|o| o.status.success()),
        "every run succeeds: {outs:?}"
    );
    for name in ["0001_once", "0002_step", "0003_step", "0004_step"] {
        let applied = outs
            .iter()
            .filter(|o| o.contains(&format!("Applying app:{name} ... OK")))
            .count();
        assert_eq!(applied, 1, "exactly one run applies {name}: {outs:?}");
    }
    assert_eq!(
        ctx.db.count("SELECT COUNT(*) FROM counter").await,
        3,
        "each step inserted once"
    );
    assert_eq!(
        history(&ctx).await,
        strings(&[
            "app:0001_once applied",
            "app:0002_step applied",
            "app:0003_step applied",
            "app:0004_step applied",
        ])
    );
}
