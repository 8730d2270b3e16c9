//! Divergent history: migrations applied here whose files are gone, files
//! edited after they ran, migrations merged in below applied ones.

use std::process::Command;
use std::sync::Arc;

use super::{history, strings};
use crate::harness::Ctx;

/// The story: 1-2-3-4-5 applied, then 3 unapplied and deleted by a
/// teammate, but still applied here.
fn story(ctx: &Ctx) {
    let m = |file: &str, up: &str, down: &str| {
        ctx.write(
            "tasks",
            file,
            &format!("-- migrate:up\n{up}\n-- migrate:down\n{down}\n"),
        )
    };
    m(
        "0001_task.sql",
        "CREATE TABLE task (id INTEGER PRIMARY KEY, title VARCHAR(100));",
        "DROP TABLE task;",
    );
    m(
        "0002_keyword.sql",
        "CREATE TABLE keyword (id INTEGER PRIMARY KEY, word VARCHAR(50));",
        "DROP TABLE keyword;",
    );
    m(
        "0003_area.sql",
        "CREATE TABLE area (id INTEGER PRIMARY KEY, name VARCHAR(50));\nALTER TABLE task ADD COLUMN area_id INTEGER;",
        "ALTER TABLE task DROP COLUMN area_id;\nDROP TABLE area;",
    );
    m(
        "0004_team.sql",
        "CREATE TABLE team (id INTEGER PRIMARY KEY);",
        "DROP TABLE team;",
    );
    m(
        "0005_weight.sql",
        "ALTER TABLE keyword ADD COLUMN weight INTEGER;",
        "ALTER TABLE keyword DROP COLUMN weight;",
    );
}

/// Puts the project under git, so applied migrations record the commit.
fn git_commit_all(ctx: &Ctx) -> String {
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(ctx.project())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "migrations"]);
    git(&["rev-parse", "--short=12", "HEAD"])
}

pub async fn orphan_is_refused_then_reverted(ctx: Arc<Ctx>) {
    story(&ctx);
    let commit = git_commit_all(&ctx);
    ctx.migrate(&[]).expect_code(0);
    ctx.db
        .exec("INSERT INTO keyword (id, word) VALUES (1, 'kept')")
        .await;
    ctx.db
        .exec("INSERT INTO task (id, title) VALUES (1, 'kept too')")
        .await;
    std::fs::remove_file(ctx.project().join("migrations/tasks/0003_area.sql")).unwrap();

    ctx.migrate(&["status"])
        .expect_text(" [?] 0003_area  (applied ")
        .expect_text(&format!("from commit {commit}; file gone)"));
    let refused = ctx.migrate(&[]);
    refused
        .expect_code(3)
        .expect_text("tasks:0003_area (applied ")
        .expect_text("its file is gone")
        .expect_text("`migrate --revert-orphans` undoes it")
        .expect_text("DROP TABLE area;")
        .expect_text("--rewind")
        .expect_text("--prune");

    ctx.migrate(&["--revert-orphans", "--dry-run"])
        .expect_code(0)
        .expect_text("-- unapply tasks:0003_area")
        .expect_text("ALTER TABLE task DROP COLUMN area_id;");
    assert!(
        ctx.db.tables().await.contains(&"area".to_string()),
        "a dry run changes nothing"
    );

    ctx.migrate(&["--revert-orphans"])
        .expect_code(0)
        .expect_text(
            "Plan:\n  unapply tasks:0003_area\n    warning: unapplying tasks:0003_area destroys data: `ALTER TABLE task DROP COLUMN area_id`\n    warning: unapplying tasks:0003_area destroys data: `DROP TABLE area`\n  Unapplying",
        )
        .expect_text("Unapplying tasks:0003_area ... OK");
    let reverted = ctx.db.schema().await;
    assert_eq!(
        ctx.db.count("SELECT COUNT(*) FROM keyword").await,
        1,
        "rows 3 never touched survive"
    );
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM task").await, 1);
    ctx.migrate(&["log", "tasks"])
        .expect_text("unapply        tasks:0003_area");

    // Identical to a database that applied 1-2-4-5 from scratch.
    ctx.migrate(&["tasks", "zero"]).expect_code(0);
    ctx.migrate(&[]).expect_code(0);
    assert_eq!(reverted, ctx.db.schema().await);
}

pub async fn orphan_rewind_reapplies_what_came_after(ctx: Arc<Ctx>) {
    story(&ctx);
    ctx.migrate(&[]).expect_code(0);
    ctx.db
        .exec("INSERT INTO keyword (id, word) VALUES (1, 'kept')")
        .await;
    std::fs::remove_file(ctx.project().join("migrations/tasks/0003_area.sql")).unwrap();
    let out = ctx.migrate(&["--rewind"]);
    out.expect_code(0);
    // The plan, without its warnings.
    let plan: Vec<&str> = out
        .stdout
        .lines()
        .skip_while(|l| *l != "Plan:")
        .skip(1)
        .take_while(|l| l.starts_with("  ") && !l.starts_with("  Unapplying"))
        .filter(|l| !l.starts_with("    warning:"))
        .collect();
    assert_eq!(
        plan,
        [
            "  unapply tasks:0005_weight",
            "  unapply tasks:0004_team",
            "  unapply tasks:0003_area",
            "  apply tasks:0004_team",
            "  apply tasks:0005_weight",
        ]
    );
    let rewound = ctx.db.schema().await;
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM keyword").await, 1);
    ctx.migrate(&["tasks", "zero"]).expect_code(0);
    ctx.migrate(&[]).expect_code(0);
    assert_eq!(rewound, ctx.db.schema().await);
}

/// The seed's case: two 0010s in the history, one of them gone from the
/// source, and a pending 0011 that drops what the orphan already dropped.
pub async fn two_0010s_and_an_orphan(ctx: Arc<Ctx>) {
    let write = |dir: &str, file: &str, text: &str| {
        ctx.write_file(&format!("{dir}/tasks/{file}"), text.as_bytes());
    };
    let base = "-- migrate:up\nCREATE TABLE task (id INTEGER PRIMARY KEY, title VARCHAR(50));\nCREATE TABLE taskarea (id INTEGER PRIMARY KEY);\nALTER TABLE task ADD COLUMN area_id INTEGER;\n-- migrate:down\nDROP TABLE taskarea;\nDROP TABLE task;\n";
    let del = "-- migrate:up\nDROP TABLE taskarea;\nALTER TABLE task DROP COLUMN area_id;\n-- migrate:down\nCREATE TABLE taskarea (id INTEGER PRIMARY KEY);\nALTER TABLE task ADD COLUMN area_id INTEGER;\n";
    let chg = "-- migrate:up\nALTER TABLE task ADD COLUMN creator VARCHAR(50);\n-- migrate:down\nALTER TABLE task DROP COLUMN creator;\n";
    // Upstream wrote its 0011 anew: with 0010_auto__del's very content it
    // would be that migration renamed (see `renames`), not a new one.
    let drop = "-- the drop of 0010_auto__del, as a migration of its own\n-- migrate:up\nDROP TABLE taskarea;\nALTER TABLE task DROP COLUMN area_id;\n-- migrate:down\nCREATE TABLE taskarea (id INTEGER PRIMARY KEY);\nALTER TABLE task ADD COLUMN area_id INTEGER;\n";
    // A teammate's branch applied 0010_auto__del here...
    write("old", "0009_base.sql", base);
    write("old", "0010_auto__del.sql", del);
    write("old", "0011_auto__chg.sql", chg);
    ctx.migrate(&["--dir", "old"]).expect_code(0);
    // ...and the other branch's 0010_auto__chg too. This tool refuses two
    // 0010s in one folder, so it went in under another number and is
    // renamed here, as the story's history holds it.
    ctx.db
        .exec("UPDATE migrate_history SET name = '0010_auto__chg' WHERE name = '0011_auto__chg'")
        .await;
    // Upstream: 0010_auto__del is gone, its drop comes back as 0011.
    write("new", "0009_base.sql", base);
    write("new", "0010_auto__chg.sql", chg);
    write("new", "0011_drop_taskarea.sql", drop);

    ctx.migrate(&["--dir", "new", "status"])
        .expect_text(" [X] 0009_base\n [X] 0010_auto__chg\n [?] 0010_auto__del")
        .expect_text(" [ ] 0011_drop_taskarea");
    ctx.migrate(&["--dir", "new"])
        .expect_code(3)
        .expect_text("tasks:0010_auto__del")
        .expect_text("CREATE TABLE taskarea (id INTEGER PRIMARY KEY);");
    ctx.migrate(&["--dir", "new", "--revert-orphans"])
        .expect_code(0)
        .expect_text("Unapplying tasks:0010_auto__del ... OK")
        .expect_text("Applying tasks:0011_drop_taskarea ... OK");
    assert_eq!(
        ctx.db.schema().await,
        vec![("task".to_string(), strings(&["id", "title", "creator"]))]
    );
    assert_eq!(
        history(&ctx).await,
        strings(&[
            "tasks:0009_base applied",
            "tasks:0010_auto__chg applied",
            "tasks:0011_drop_taskarea applied"
        ])
    );
}

pub async fn prune_forgets_orphans_undone_by_hand(ctx: Arc<Ctx>) {
    ctx.write(
        "app",
        "0001_a.sql",
        "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n",
    );
    ctx.write(
        "app",
        "0002_b.sql",
        "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n",
    );
    ctx.migrate(&[]).expect_code(0);
    ctx.db.exec("DROP TABLE b").await;
    std::fs::remove_file(ctx.project().join("migrations/app/0002_b.sql")).unwrap();
    ctx.migrate(&[]).expect_code(3);
    ctx.migrate(&["--prune"])
        .expect_code(0)
        .expect_text("Plan:\n  unapply app:0002_b (fake: history only)")
        .expect_no_text("destroys data");
    assert_eq!(history(&ctx).await, strings(&["app:0001_a applied"]));
    assert_eq!(ctx.db.tables().await, strings(&["a"]));
    ctx.migrate(&["log"])
        .expect_text("prune          app:0002_b");
    // A whole app folder removed: its migrations can be named and pruned.
    std::fs::remove_dir_all(ctx.project().join("migrations/app")).unwrap();
    ctx.write("other", "0001_x.sql", "SELECT 1;\n");
    ctx.migrate(&["app"])
        .expect_code(3)
        .expect_text("no folder");
    ctx.migrate(&["app", "--prune"]).expect_code(0);
    assert!(history(&ctx).await.is_empty());
}

pub async fn edited_migration_is_refused_until_accepted(ctx: Arc<Ctx>) {
    ctx.write(
        "app",
        "0001_a.sql",
        "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n",
    );
    ctx.write(
        "app",
        "0002_b.sql",
        "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n",
    );
    ctx.migrate(&["app", "0001"]).expect_code(0);
    // Only the down section: nothing that ran changed, but what would undo
    // it did. (Comment-only edits do not stop a run: see `edits`.)
    ctx.write(
        "app",
        "0001_a.sql",
        "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE IF EXISTS a;\n",
    );
    ctx.migrate(&["status"]).expect_text(
        " [M] 0001_a  (file edited since it was applied; its up statements are unchanged)",
    );
    ctx.migrate(&[])
        .expect_code(3)
        .expect_text("app:0001_a (applied ")
        .expect_text("no up statement changed")
        .expect_text("`migrate repair --accept app 0001_a`");
    ctx.migrate(&["repair", "--accept", "app", "0001"])
        .expect_code(0)
        .expect_text("Accepted the edited app:0001_a");
    ctx.migrate(&["status"]).expect_text(" [X] 0001_a");
    ctx.migrate(&["log"])
        .expect_text("accept         app:0001_a")
        .expect_text("accepted the edited file: checksum ");
    ctx.migrate(&["repair", "--accept", "app", "0001"])
        .expect_code(2)
        .expect_text("unchanged");
    // A real change is named statement by statement.
    ctx.write("app", "0001_a.sql", "-- migrate:up\nCREATE TABLE a (id INTEGER, v INTEGER);\nCREATE INDEX a_v ON a (v);\n-- migrate:down\nDROP TABLE a;\n");
    ctx.migrate(&["status"]).expect_text(
        " [M] 0001_a  (file edited since it was applied: statement 1 changed, statement 2 added)",
    );
    ctx.migrate(&[])
        .expect_code(3)
        .expect_text("statement 1 changed, statement 2 added");
    // Unapplying the edited migration is allowed: what ran is undone as it ran.
    ctx.migrate(&["app", "zero"]).expect_code(0);
    ctx.migrate(&[]).expect_code(0);
    assert_eq!(ctx.db.columns("a").await, strings(&["id", "v"]));
}

pub async fn out_of_order_needs_permission(ctx: Arc<Ctx>) {
    ctx.write("app", "0001_a.sql", "CREATE TABLE a (id INTEGER);\n");
    ctx.write("app", "0003_c.sql", "CREATE TABLE c (id INTEGER);\n");
    ctx.migrate(&[]).expect_code(0);
    ctx.write("app", "0002_b.sql", "CREATE TABLE b (id INTEGER);\n");
    ctx.migrate(&["status"])
        .expect_text(" [o] 0002_b  (pending, but a later migration is applied)");
    ctx.migrate(&[])
        .expect_code(3)
        .expect_text("app:0002_b is pending, but app:0003_c is already applied")
        .expect_text("--allow-out-of-order");
    assert!(!ctx.db.tables().await.contains(&"b".to_string()));
    ctx.migrate(&["--allow-out-of-order"])
        .expect_code(0)
        .expect_text("Applying app:0002_b ... OK");
    ctx.migrate(&["status"])
        .expect_text(" [X] 0001_a\n [X] 0002_b\n [X] 0003_c\n");
    let log = ctx.migrate(&["log", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&log.stdout).unwrap();
    let names: Vec<&str> = doc["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["0001_a", "0003_c", "0002_b"]);
}

pub async fn file_down_only_when_asked(ctx: Arc<Ctx>) {
    ctx.write(
        "app",
        "0001_a.sql",
        "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n",
    );
    ctx.migrate(&[]).expect_code(0);
    ctx.write(
        "app",
        "0001_a.sql",
        "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE IF EXISTS a;\n",
    );
    ctx.migrate(&["app", "zero"])
        .expect_code(0)
        .expect_text("the down section of app:0001_a changed since it was applied; running the down statements stored");
    ctx.migrate(&[]).expect_code(0);
    ctx.write(
        "app",
        "0001_a.sql",
        "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\ndrop table a;\n",
    );
    ctx.migrate(&["app", "zero", "--use-file-down"])
        .expect_code(0)
        .expect_text("running the file's version as asked");
    let log = ctx.migrate(&["log", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&log.stdout).unwrap();
    let ran: Vec<String> = doc["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "unapply")
        .map(|e| e["statements"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ran, ["DROP TABLE a", "drop table a"]);
}
