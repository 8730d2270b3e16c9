//! Bad input of every kind: a clear message, the right exit code, nothing
//! touched. And the configuration paths.

use std::sync::Arc;

use super::{clinic, strings};
use crate::harness::{Ctx, Kind};

pub async fn unknown_app_and_target(ctx: Arc<Ctx>) {
    clinic(&ctx);
    ctx.migrate(&["billing"])
        .expect_code(2)
        .expect_text("unknown app `billing`; apps: patients, tasks");
    ctx.migrate(&["patients", "0009"])
        .expect_code(2)
        .expect_text("app `patients` has no migration `0009`; it has: 0001_initial, 0002_add_dob, 0003_visit");
    ctx.migrate(&["status", "billing"])
        .expect_code(2)
        .expect_text("unknown app `billing`");
    ctx.migrate(&["sql", "patients", "0042"])
        .expect_code(2)
        .expect_text("no migration `0042`");
    assert!(
        !ctx.db.has_history_table().await,
        "bad usage touches nothing"
    );
}

pub async fn ambiguous_prefix(ctx: Arc<Ctx>) {
    ctx.write("app", "0001_add_name.sql", "CREATE TABLE a (id INTEGER);\n");
    ctx.write(
        "app",
        "0010_add_email.sql",
        "CREATE TABLE b (id INTEGER);\n",
    );
    ctx.write(
        "app",
        "0011_add_phone.sql",
        "CREATE TABLE c (id INTEGER);\n",
    );
    ctx.migrate(&["app", "001"])
        .expect_code(2)
        .expect_text("`001` is ambiguous in app `app`: it matches 0010_add_email, 0011_add_phone");
    // A bare number is unambiguous.
    ctx.migrate(&["app", "1"])
        .expect_code(0)
        .expect_text("Applying app:0001_add_name");
    assert_eq!(ctx.db.tables().await, strings(&["a"]));
}

pub async fn invalid_sources_exit_2_with_file_and_line(ctx: Arc<Ctx>) {
    ctx.write("a", "0001_one.sql", "CREATE TABLE one (id INTEGER);\n");
    ctx.write("a", "0002_two.sql", "CREATE TABLE two (id INTEGER);\n");
    ctx.write("a", "0002_other.sql", "CREATE TABLE other (id INTEGER);\n");
    ctx.write(
        "a",
        "0003_flag.sql",
        "\n-- migrate:up transactional=no\nCREATE TABLE t (id INTEGER);\n",
    );
    ctx.write(
        "b",
        "0001_dep.sql",
        "-- depends_on: ghost:0001\n-- migrate:up\nCREATE TABLE d (id INTEGER);\n",
    );
    ctx.write(
        "b",
        "0002_quote.sql",
        "-- migrate:up\nSELECT 1;\nINSERT INTO x VALUES ('never closed);\n",
    );
    ctx.write_file(
        "migrations/b/0003_latin1.sql",
        b"-- caf\xe9\nCREATE TABLE e (id INTEGER);\n",
    );
    ctx.write_file(
        "migrations/stray.sql",
        b"CREATE TABLE stray (id INTEGER);\n",
    );
    let out = ctx.migrate(&[]);
    out.expect_code(2)
        .expect_text("invalid migration source")
        .expect_text("app `a` has 2 migrations numbered 0002: ")
        .expect_text("0002_other.sql and ")
        .expect_text("0002_two.sql")
        .expect_text("0003_flag.sql:2: unknown directive `transactional=no`")
        .expect_text("0001_dep.sql:1: depends on `ghost:0001`, but there is no app `ghost`")
        .expect_text("0002_quote.sql:3: column 23: unterminated string literal")
        .expect_text("0003_latin1.sql:1: not valid UTF-8")
        .expect_text("stray.sql: migration files belong in an app folder");
    assert!(
        !ctx.db.has_history_table().await,
        "an invalid source touches nothing"
    );

    // A dependency cycle, in a folder of its own.
    std::fs::create_dir_all(ctx.project().join("cycle/x")).unwrap();
    std::fs::create_dir_all(ctx.project().join("cycle/y")).unwrap();
    std::fs::write(
        ctx.project().join("cycle/x/0001_a.sql"),
        "-- depends_on: y:0001\nSELECT 1;\n",
    )
    .unwrap();
    std::fs::write(
        ctx.project().join("cycle/y/0001_b.sql"),
        "-- depends_on: x:0001\nSELECT 1;\n",
    )
    .unwrap();
    ctx.migrate(&["--dir", "cycle"])
        .expect_code(2)
        .expect_text("dependency cycle")
        .expect_text("x:0001_a, y:0001_b");
    ctx.migrate(&["--dir", "nowhere"])
        .expect_code(2)
        .expect_text("migrations folder `nowhere` not found");
}

pub async fn unreachable_database_hides_the_password(ctx: Arc<Ctx>) {
    clinic(&ctx);
    let (url, expected) = match ctx.kind() {
        Kind::Sqlite => (
            "sqlite:///no/such/folder/x.db".to_string(),
            "cannot open SQLite database sqlite:///no/such/folder/x.db",
        ),
        Kind::Postgres => (
            "postgres://postgres:hunter2@127.0.0.1:1/x".to_string(),
            "postgres://postgres:***@127.0.0.1:1/x",
        ),
        Kind::Mysql => (
            "mysql://root:hunter2@127.0.0.1:1/x".to_string(),
            "mysql://root:***@127.0.0.1:1/x",
        ),
    };
    ctx.migrate_with(&["--database", &url], &[])
        .expect_code(1)
        .expect_text(expected)
        .expect_no_text("hunter2");
}

pub async fn database_from_config_and_dotenv(ctx: Arc<Ctx>) {
    clinic(&ctx);
    // migrate.toml names the database; the password-free URL comes through
    // an environment variable.
    ctx.write_file(
        "migrate.toml",
        b"database = \"local\"\n\n[databases]\nlocal = \"${SCRATCH_URL}\"\nother = \"sqlite://other.db\"\n",
    );
    ctx.migrate_with(&["patients", "0001"], &[("SCRATCH_URL", &ctx.db.url)])
        .expect_code(0);
    assert_eq!(ctx.db.tables().await, strings(&["patient"]));
    ctx.migrate_with(
        &["--database", "nope", "status"],
        &[("SCRATCH_URL", &ctx.db.url)],
    )
    .expect_code(2)
    .expect_text("names: local, other");
    // DATABASE_URL from .env wins over the file's default.
    std::fs::remove_file(ctx.project().join("migrate.toml")).unwrap();
    ctx.write_file(".env", format!("DATABASE_URL={}\n", ctx.db.url).as_bytes());
    ctx.migrate_with(&["patients", "0002"], &[]).expect_code(0);
    assert_eq!(
        ctx.db.columns("patient").await,
        strings(&["id", "name", "dob"])
    );
    // A broken config file is an invalid source with its line.
    ctx.write_file("migrate.toml", b"database = \"x\"\nbogus = 1\n");
    ctx.migrate_with(&["status"], &[])
        .expect_code(2)
        .expect_text("migrate.toml:2:");
}

pub async fn status_json(ctx: Arc<Ctx>) {
    clinic(&ctx);
    ctx.migrate(&["patients", "0001"]).expect_code(0);
    let out = ctx.migrate(&["status", "--format", "json"]);
    out.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let list = doc["migrations"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(list[0]["app"], "patients");
    assert_eq!(list[0]["name"], "0001_initial");
    assert_eq!(list[0]["state"], "applied");
    assert!(list[0]["applied_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(list[0]["checksum"].as_str().unwrap().len(), 64);
    assert_eq!(list[1]["state"], "pending");
    assert!(list[1]["applied_at"].is_null());
}

pub async fn sql_shows_the_transaction_wrapper(ctx: Arc<Ctx>) {
    clinic(&ctx);
    let out = ctx.migrate(&["sql", "patients", "0003"]);
    out.expect_code(0)
        .expect_text("CREATE INDEX visit_patient ON visit (patient_id);");
    match ctx.kind() {
        Kind::Mysql => {
            out.expect_text("-- journaled");
        }
        Kind::Sqlite => {
            out.expect_text("BEGIN IMMEDIATE;\nCREATE TABLE visit")
                .expect_text("COMMIT;");
        }
        _ => {
            out.expect_text("BEGIN;\nCREATE TABLE visit")
                .expect_text("COMMIT;");
        }
    }
    ctx.migrate(&["sqlmigrate", "patients", "0003", "--backwards"])
        .expect_code(0)
        .expect_text("DROP TABLE visit;");
    // Another engine's rendering, without connecting to it.
    ctx.migrate(&["sql", "patients", "0001", "--dialect", "mysql"])
        .expect_code(0)
        .expect_text("-- journaled");
    ctx.migrate(&["sql", "patients", "0001", "--dialect", "oracle"])
        .expect_code(2)
        .expect_text("unknown dialect `oracle`");
    assert!(
        !ctx.db.has_history_table().await,
        "`sql` never touches the database"
    );
}

pub async fn new_creates_the_next_file(ctx: Arc<Ctx>) {
    clinic(&ctx);
    ctx.migrate(&["new", "patients", "add_email"])
        .expect_code(0)
        .expect_text("0004_add_email.sql");
    let text =
        std::fs::read_to_string(ctx.project().join("migrations/patients/0004_add_email.sql"))
            .unwrap();
    assert!(
        text.contains("-- migrate:up") && text.contains("-- migrate:down"),
        "{text}"
    );
    ctx.migrate(&["new", "billing", "initial"])
        .expect_code(0)
        .expect_text("0001_initial.sql");
    ctx.migrate(&["new", "patients", "Bad Name"]).expect_code(2);
    // Empty sections are valid: the new files load and apply.
    ctx.migrate(&[])
        .expect_code(0)
        .expect_text("Applying patients:0004_add_email");
}

pub async fn read_only_commands_create_nothing(ctx: Arc<Ctx>) {
    clinic(&ctx);
    ctx.migrate(&["status"])
        .expect_code(0)
        .expect_text(" [ ] 0001_initial");
    ctx.migrate(&["log"])
        .expect_code(0)
        .expect_text("The audit log is empty.");
    ctx.migrate(&["--dry-run"])
        .expect_code(0)
        .expect_text("-- apply patients:0001_initial");
    ctx.migrate(&["repair"])
        .expect_code(0)
        .expect_text("nothing to repair");
    if ctx.kind() == Kind::Sqlite {
        let path = ctx.db.url.strip_prefix("sqlite://").unwrap();
        assert!(
            !std::path::Path::new(path).exists(),
            "reading created the database file"
        );
    } else {
        assert!(!ctx.db.has_history_table().await);
    }
}

/// Usage errors exit 2 in every command, and names that cannot be are
/// refused: an unknown app in `log` and `repair`, a file given as `--dir`,
/// an empty history table or schema name.
pub async fn usage_errors_exit_2_everywhere(ctx: Arc<Ctx>) {
    clinic(&ctx);
    for command in [
        &["log", "billing"][..],
        &["repair", "billing"],
        &["status", "billing"],
    ] {
        ctx.migrate(command)
            .expect_code(2)
            .expect_text("unknown app `billing`");
    }
    let file = ctx.write_file("notes.txt", b"not a folder");
    ctx.migrate(&["--dir", file.to_str().unwrap(), "status"])
        .expect_code(2)
        .expect_text("is a file, not a folder");
    ctx.migrate(&["--history-table", "", "status"])
        .expect_code(2)
        .expect_text("the history table's name is empty");
    if ctx.kind() == Kind::Postgres {
        ctx.migrate(&["--schema", " ", "status"])
            .expect_code(2)
            .expect_text("the schema's name is empty");
    }
    assert!(
        !ctx.db.has_history_table().await,
        "bad usage touches nothing"
    );
}

/// A password holding URL delimiters, unencoded, is still never printed,
/// whether the URL is malformed, unreachable, or comes from DATABASE_URL.
pub async fn unencoded_passwords_are_never_printed(ctx: Arc<Ctx>) {
    let scheme = match ctx.kind() {
        Kind::Sqlite => return,
        Kind::Postgres => "postgres",
        Kind::Mysql => "mysql",
    };
    clinic(&ctx);
    for password in ["Xq7/Zk9", "a?b#c", "p@ss:w/rd"] {
        let url = format!("{scheme}://u:{password}@127.0.0.1:1/x");
        for out in [
            ctx.migrate_with(&["--database", &url], &[]),
            ctx.migrate_with(&["status"], &[("DATABASE_URL", url.as_str())]),
            ctx.migrate_with(
                &["--format", "json", "status"],
                &[("DATABASE_URL", url.as_str())],
            ),
        ] {
            out.expect_no_text(password).expect_text("u:***@");
            assert_ne!(out.code, 0);
        }
    }
}

/// A closed standard output (`migrate sql ... | head -0`) ends nothing
/// badly: no panic, and a migration still runs to the end and records it.
pub async fn closed_stdout_is_quiet(ctx: Arc<Ctx>) {
    clinic(&ctx);
    for args in [&["sql", "patients", "0001"][..], &[], &["status"]] {
        let mut cmd = ctx.command(args, &[("DATABASE_URL", ctx.db.url.as_str())]);
        let mut child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
    ctx.migrate(&["status"])
        .expect_code(0)
        .expect_no_text("[ ]");
}

/// Statements are split when a run needs them: every pending file that
/// cannot be split is reported before any migration runs, and a file that
/// is not part of the run does not stop it.
pub async fn unsplittable_files_are_reported_before_anything_runs(ctx: Arc<Ctx>) {
    ctx.write("app", "0001_ok.sql", "CREATE TABLE ok (id INTEGER);\n");
    ctx.write(
        "app",
        "0002_quote.sql",
        "-- migrate:up\nCREATE TABLE q (id INTEGER);\nINSERT INTO q VALUES ('never closed);\n",
    );
    ctx.write(
        "app",
        "0003_comment.sql",
        "-- migrate:up\nCREATE TABLE c (id INTEGER);\n/* never closed\n",
    );
    ctx.migrate(&[])
        .expect_code(2)
        .expect_text("invalid migration source")
        .expect_text("0002_quote.sql:3: column 23: unterminated string literal")
        .expect_text("0003_comment.sql:3: ")
        .expect_no_text("Applying");
    assert!(ctx.db.tables().await.is_empty(), "nothing ran");
    // `status` lists them as pending, with why a run refuses them.
    ctx.migrate(&["status"])
        .expect_code(0)
        .expect_text("[ ] 0002_quote  (cannot run: ")
        .expect_text("0002_quote.sql:3: column 23: unterminated string literal)")
        .expect_text("[ ] 0003_comment  (cannot run: ");
    // A run that does not reach them runs.
    ctx.migrate(&["app", "0001"])
        .expect_code(0)
        .expect_text("Applying app:0001_ok");
    assert_eq!(ctx.db.tables().await, strings(&["ok"]));
    // `sql` and `check` read every file whole.
    ctx.migrate(&["sql", "app", "0001"])
        .expect_code(2)
        .expect_text("0002_quote.sql:3: column 23: unterminated string literal");
}
