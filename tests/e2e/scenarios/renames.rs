//! Migrations renamed after they were applied: shown as renamed, refused
//! by `migrate` with the command that fixes the history, and fixed by
//! `migrate repair --rename` without running anything.

use std::sync::Arc;

use super::{history, strings};
use crate::harness::Ctx;

const TASK: &str = "-- migrate:up\nCREATE TABLE task (id INTEGER PRIMARY KEY, title VARCHAR(100));\n-- migrate:down\nDROP TABLE task;\n";
const KEYWORD: &str = "-- migrate:up\nCREATE TABLE keyword (id INTEGER PRIMARY KEY, word VARCHAR(50));\n-- migrate:down\nDROP TABLE keyword;\n";
const AREA: &str = "-- migrate:up\nCREATE TABLE area (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE area;\n";

/// One column of the history row of `tasks:name`.
async fn stored(ctx: &Ctx, column: &str, name: &str) -> Vec<String> {
    ctx.db
        .strings(&format!(
            "SELECT {column} FROM migrate_history WHERE app = 'tasks' AND name = '{name}'"
        ))
        .await
}

pub async fn renamed_file_is_recorded_under_its_new_name(ctx: Arc<Ctx>) {
    ctx.write("tasks", "0001_task.sql", TASK);
    ctx.write("tasks", "0002_keyword.sql", KEYWORD);
    ctx.migrate(&[]).expect_code(0);
    ctx.db
        .exec("INSERT INTO keyword (id, word) VALUES (1, 'kept')")
        .await;
    let applied_at = stored(&ctx, "applied_at", "0002_keyword").await;
    let checksum = stored(&ctx, "checksum", "0002_keyword").await;
    assert_eq!(applied_at.len(), 1);

    // A teammate renumbers the file; a new migration comes with it.
    let dir = ctx.project().join("migrations/tasks");
    std::fs::rename(dir.join("0002_keyword.sql"), dir.join("0003_keyword.sql")).unwrap();
    ctx.write("tasks", "0004_area.sql", AREA);

    ctx.migrate(&["status"])
        .expect_code(0)
        .expect_text(
            " [X] 0001_task\n [R] 0003_keyword  (renamed from 0002_keyword)\n [ ] 0004_area",
        )
        .expect_text("\n[R] renamed: applied under its old name")
        .expect_no_text("[?]");
    let out = ctx.migrate(&["status", "--format", "json"]);
    out.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let migrations = doc["migrations"].as_array().unwrap();
    let names: Vec<&str> = migrations
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["0001_task", "0003_keyword", "0004_area"]);
    assert_eq!(migrations[1]["state"], "renamed");
    assert_eq!(migrations[1]["renamed_from"], "0002_keyword");
    assert_eq!(migrations[1]["applied_at"], applied_at[0].as_str());
    assert!(migrations[0].get("renamed_from").is_none());
    assert_eq!(doc["up_to_date"], false);
    ctx.migrate(&["status", "--check"])
        .expect_code(1)
        .expect_text("1 renamed, 1 pending");

    // Refused, with the command; reverting the "orphan" is not offered.
    for args in [&[][..], &["--revert-orphans"], &["--prune"], &["tasks"]] {
        ctx.migrate(args)
            .expect_code(3)
            .expect_text("tasks:0002_keyword -> tasks:0003_keyword")
            .expect_text("migrate repair --rename tasks 0002_keyword 0003_keyword")
            .expect_no_text("DROP TABLE keyword");
    }
    assert!(!ctx.db.tables().await.contains(&"area".to_string()));
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM keyword").await, 1);

    // What repair --rename refuses, each saying why and what to do.
    ctx.migrate(&["repair", "--rename", "tasks", "0009_nope", "0003_keyword"])
        .expect_code(2)
        .expect_text("tasks:0009_nope is not in this database's history");
    ctx.migrate(&[
        "repair",
        "--rename",
        "tasks",
        "0002_keyword",
        "0007_missing",
    ])
    .expect_code(2)
    .expect_text("`migrate repair --rename APP OLD NEW` needs NEW to be the migration's file");
    ctx.migrate(&["repair", "--rename", "tasks", "0002_keyword", "0004_area"])
        .expect_code(3)
        .expect_text("they are not the same file")
        .expect_text("`migrate repair --accept tasks 0004_area`");
    ctx.migrate(&["repair", "--rename", "tasks", "0002_keyword", "0001_task"])
        .expect_code(3)
        .expect_text("tasks:0001_task is already in the history");
    ctx.migrate(&["repair", "--rename", "tasks", "0001_task", "0003_keyword"])
        .expect_code(2)
        .expect_text("tasks:0001_task still has its file");
    ctx.migrate(&[
        "repair",
        "--dry-run",
        "--rename",
        "tasks",
        "0002_keyword",
        "0003_keyword",
    ])
    .expect_code(0)
    .expect_text("Would record tasks:0002_keyword as tasks:0003_keyword");
    assert_eq!(
        history(&ctx).await,
        strings(&["tasks:0001_task applied", "tasks:0002_keyword applied"]),
        "refusals and a dry run change nothing"
    );

    ctx.migrate(&[
        "repair",
        "--rename",
        "tasks",
        "0002_keyword",
        "0003_keyword",
    ])
    .expect_code(0)
    .expect_text("Renamed tasks:0002_keyword to tasks:0003_keyword in the history");
    assert_eq!(
        history(&ctx).await,
        strings(&["tasks:0001_task applied", "tasks:0003_keyword applied"])
    );
    assert_eq!(stored(&ctx, "applied_at", "0003_keyword").await, applied_at);
    assert_eq!(stored(&ctx, "checksum", "0003_keyword").await, checksum);
    assert_eq!(
        ctx.db
            .strings(
                "SELECT action FROM migrate_history_log WHERE app = 'tasks' AND name = '0003_keyword'"
            )
            .await,
        ["rename"]
    );
    ctx.migrate(&["log", "tasks"])
        .expect_code(0)
        .expect_text("rename         tasks:0003_keyword")
        .expect_text("renamed from 0002_keyword");

    let out = ctx.migrate(&[]);
    out.expect_code(0)
        .expect_text("Applying tasks:0004_area ... OK")
        .expect_no_text("Applying tasks:0003_keyword");
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM keyword").await, 1);
    ctx.migrate(&["status", "--check"])
        .expect_code(0)
        .expect_text(" [X] 0003_keyword\n [X] 0004_area");
}

/// Two new files with the orphan's content: which one is the rename cannot
/// be told, so neither is paired and the orphan is reported as one.
pub async fn ambiguous_renames_are_not_paired(ctx: Arc<Ctx>) {
    ctx.write("tasks", "0001_task.sql", TASK);
    ctx.migrate(&[]).expect_code(0);
    let dir = ctx.project().join("migrations/tasks");
    std::fs::rename(dir.join("0001_task.sql"), dir.join("0002_task.sql")).unwrap();
    ctx.write("tasks", "0003_task.sql", TASK);
    ctx.migrate(&["status"])
        .expect_text(" [?] 0001_task")
        .expect_text(" [ ] 0002_task")
        .expect_text(" [ ] 0003_task")
        .expect_no_text("[R]");
    ctx.migrate(&[])
        .expect_code(3)
        .expect_text("tasks:0001_task (applied ")
        .expect_text("its very content is in 0002_task, 0003_task: if one of them is it renamed, record that with `migrate repair --rename tasks 0001_task NEW`")
        .expect_no_text("[R]");
    // Told which, repair --rename pairs them.
    ctx.migrate(&["repair", "--rename", "tasks", "0001_task", "0002_task"])
        .expect_code(0);
    assert_eq!(history(&ctx).await, strings(&["tasks:0002_task applied"]));
    ctx.migrate(&["status"])
        .expect_text(" [X] 0002_task\n [ ] 0003_task");
}

/// An audit log written by a newer version, with an action this one does
/// not know, is still read and printed.
pub async fn log_with_an_unknown_action_is_read(ctx: Arc<Ctx>) {
    ctx.write("tasks", "0001_task.sql", TASK);
    ctx.migrate(&[]).expect_code(0);
    ctx.db
        .exec(
            "INSERT INTO migrate_history_log (at, app, name, action, statements, tool_version) \
VALUES ('2026-12-03T00:00:00.000Z', 'tasks', '0001_task', 'heal-split-brain', '[]', '9.9.9')",
        )
        .await;
    ctx.migrate(&["log"])
        .expect_code(0)
        .expect_text("apply          tasks:0001_task")
        .expect_text("heal-split-brain tasks:0001_task  by unknown (migrate 9.9.9)");
    let out = ctx.migrate(&["log", "--format", "json"]);
    out.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["log"][1]["action"], "heal-split-brain");
    ctx.migrate(&["status"])
        .expect_code(0)
        .expect_text(" [X] 0001_task");
}
