//! Applied migrations edited in comments or whitespace only: reported, not
//! a reason to stop; an edit of a statement still is.

use std::sync::Arc;

use crate::harness::Ctx;

const RAN: &str = "-- migrate:up\nCREATE TABLE task (id INTEGER PRIMARY KEY, title VARCHAR(100));\nINSERT INTO task (id, title) VALUES (1, 'two  spaces');\n-- migrate:down\nDROP TABLE task;\n";
const COMMENTED: &str = "-- Tasks: one row per task.\n-- migrate:up\nCREATE TABLE task (\n    id INTEGER PRIMARY KEY, -- its key\n    title VARCHAR(100) /* shown in lists */\n);\n\nINSERT INTO task (id, title)\n    VALUES (1, 'two  spaces');\n-- migrate:down\n-- the table goes, rows with it\nDROP   TABLE task;\n";
const TAG: &str =
    "-- migrate:up\nCREATE TABLE tag (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE tag;\n";

async fn stored_checksum(ctx: &Ctx) -> Vec<String> {
    ctx.db
        .strings("SELECT checksum FROM migrate_history WHERE name = '0001_task'")
        .await
}

pub async fn comment_and_whitespace_edits_do_not_block(ctx: Arc<Ctx>) {
    ctx.write("tasks", "0001_task.sql", RAN);
    ctx.migrate(&[]).expect_code(0);
    let checksum = stored_checksum(&ctx).await;

    ctx.write("tasks", "0001_task.sql", COMMENTED);
    ctx.write("tasks", "0002_tag.sql", TAG);
    ctx.migrate(&["status"])
        .expect_code(0)
        .expect_text(" [X] 0001_task  (comment or whitespace edited since it was applied; statements unchanged)\n [ ] 0002_tag")
        .expect_no_text("[M]");
    let out = ctx.migrate(&["status", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["migrations"][0]["state"], "applied");
    assert_eq!(doc["migrations"][0]["note"], "comment or whitespace edited");
    assert!(doc["migrations"][1].get("note").is_none());

    ctx.migrate(&["--dry-run"])
        .expect_code(0)
        .expect_text("warning: tasks:0001_task: comment or whitespace edited since it was applied")
        .expect_text("-- apply tasks:0002_tag");
    ctx.migrate(&[])
        .expect_code(0)
        .expect_text("warning: tasks:0001_task: comment or whitespace edited since it was applied; its statements are unchanged, so it stays applied (`migrate repair --accept tasks 0001_task` records the new checksum)")
        .expect_text("Applying tasks:0002_tag ... OK")
        .expect_no_text("Applying tasks:0001_task");
    assert_eq!(
        stored_checksum(&ctx).await,
        checksum,
        "the history keeps the checksum of what ran"
    );
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM task").await, 1);
    ctx.migrate(&["status", "--check"]).expect_code(0);
    let out = ctx.migrate(&["--format", "json"]);
    out.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        doc["warnings"][0].as_str().unwrap().split(';').next(),
        Some("tasks:0001_task: comment or whitespace edited since it was applied")
    );

    // Whitespace inside a string is content: a real change, refused.
    ctx.write(
        "tasks",
        "0001_task.sql",
        &COMMENTED.replace("'two  spaces'", "'two spaces'"),
    );
    ctx.migrate(&["status"])
        .expect_text(" [M] 0001_task  (file edited since it was applied: statement 2 changed)");
    ctx.migrate(&[])
        .expect_code(3)
        .expect_text("tasks:0001_task (applied ")
        .expect_text("statement 2 changed");
    ctx.migrate(&["status", "--check"]).expect_code(1);

    // Accepting a cosmetic edit records the file's checksum; nothing is left to note.
    ctx.write("tasks", "0001_task.sql", COMMENTED);
    ctx.migrate(&["repair", "--accept", "tasks", "0001_task"])
        .expect_code(0);
    ctx.migrate(&["status"])
        .expect_text(" [X] 0001_task\n")
        .expect_no_text("edited");
    ctx.migrate(&[]).expect_code(0).expect_no_text("warning:");
}
