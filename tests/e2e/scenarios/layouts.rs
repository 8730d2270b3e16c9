//! Other tools' folders run as they are, on every engine.

use std::sync::Arc;

use crate::harness::Ctx;

pub async fn a_diesel_folder_runs_as_it_is(ctx: Arc<Ctx>) {
    for (rel, text) in [
        (
            "20140924113530_first/up.sql",
            "CREATE TABLE first_t (id INTEGER PRIMARY KEY);\n",
        ),
        ("20140924113530_first/down.sql", "DROP TABLE first_t;\n"),
        (
            "2018-01-14-171611_users/up.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY, first_id INTEGER REFERENCES first_t (id));\n",
        ),
        ("2018-01-14-171611_users/down.sql", "DROP TABLE users;\n"),
        (
            "2024-03-13_170000_note/up.sql",
            "ALTER TABLE users ADD COLUMN note VARCHAR(20);\n",
        ),
        (
            "2024-03-13_170000_note/down.sql",
            "ALTER TABLE users DROP COLUMN note;\n",
        ),
        (
            "2024-03-13_170000_note/metadata.toml",
            "run_in_transaction = false\n",
        ),
        ("README.md", "How we migrate.\n"),
    ] {
        ctx.write_file(&format!("migrations/{rel}"), text.as_bytes());
    }
    let out = ctx.migrate(&[]);
    out.expect_code(0)
        .expect_text("Applying migrations:20140924113530_first")
        .expect_text("ignored migrations/README.md");
    let order: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Applying migrations:"))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "20140924113530_first",
            "2018-01-14-171611_users",
            "2024-03-13_170000_note"
        ]
    );
    assert!(ctx.db.columns("users").await.contains(&"note".to_string()));
    ctx.migrate(&["status"])
        .expect_code(0)
        .expect_text("[X] 2024-03-13_170000_note");
    // A target as diesel writes the version.
    ctx.migrate(&["migrations", "2018-01-14-171611"])
        .expect_code(0);
    assert!(!ctx.db.columns("users").await.contains(&"note".to_string()));
    ctx.migrate(&["migrations", "zero"]).expect_code(0);
    assert!(
        ctx.db
            .tables()
            .await
            .iter()
            .all(|t| t.starts_with("migrate_"))
    );
    // A layout the tool does not know is a usage error.
    ctx.migrate(&["status", "--layout", "nonsense"])
        .expect_code(2);
}
