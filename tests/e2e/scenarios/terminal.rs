//! What people expect of a command line on a terminal: colour that stays
//! out of pipes, shell completions, "did you mean", help that lists only
//! what applies, the database named with where it came from, a
//! configuration file that cannot be missed silently, and a progress bar
//! that never cuts a line.

use std::sync::Arc;

use super::{clinic, strings};
use crate::harness::{Ctx, Kind, Output};

const ESC: &str = "\u{1b}[";

/// The environment of a run with no colour variable in force, whatever the
/// test process inherited (an empty NO_COLOR counts as unset; a
/// CLICOLOR_FORCE of 0 as not forcing).
fn plain_env(ctx: &Ctx) -> Vec<(&str, &str)> {
    vec![
        ("DATABASE_URL", ctx.db.url.as_str()),
        ("NO_COLOR", ""),
        ("CLICOLOR_FORCE", "0"),
    ]
}

fn has_colour(out: &Output) -> bool {
    out.stdout.contains(ESC) || out.stderr.contains(ESC)
}

pub async fn colour_only_on_a_terminal_or_when_asked(ctx: Arc<Ctx>) {
    clinic(&ctx);
    let env = plain_env(&ctx);
    let coloured = ctx.migrate_with(&["--color", "always"], &env);
    coloured
        .expect_code(0)
        .expect_text(&format!("{ESC}32mOK{ESC}0m"));
    let status = ctx.migrate_with(&["status", "--color", "always"], &env);
    status.expect_code(0);
    assert!(
        status
            .stdout
            .contains(&format!("{ESC}32m[X]{ESC}0m 0001_initial")),
        "{}",
        status.stdout
    );
    // Not a terminal: none by default.
    let piped = ctx.migrate_with(&["status"], &env);
    piped.expect_code(0);
    assert!(!has_colour(&piped), "{piped:?}");
    // NO_COLOR turns off `auto`; CLICOLOR_FORCE turns it on in a pipe; an
    // explicit --color overrules both.
    let no_color = [("DATABASE_URL", ctx.db.url.as_str()), ("NO_COLOR", "1")];
    assert!(!has_colour(&ctx.migrate_with(&["status"], &no_color)));
    assert!(has_colour(
        &ctx.migrate_with(&["status", "--color", "always"], &no_color)
    ));
    let force = [
        ("DATABASE_URL", ctx.db.url.as_str()),
        ("NO_COLOR", ""),
        ("CLICOLOR_FORCE", "1"),
    ];
    assert!(has_colour(&ctx.migrate_with(&["status"], &force)));
    assert!(!has_colour(
        &ctx.migrate_with(&["status", "--color", "never"], &force)
    ));
    // JSON never.
    let json = ctx.migrate_with(&["status", "--format", "json", "--color", "always"], &env);
    json.expect_code(0);
    assert!(!has_colour(&json), "{json:?}");
    serde_json::from_str::<serde_json::Value>(&json.stdout).unwrap();
    // Errors are coloured on standard error the same way.
    let error = ctx.migrate_with(&["billing", "--color", "always"], &env);
    error.expect_code(2);
    assert!(error.stderr.contains(ESC), "{error:?}");
    assert!(!ctx.migrate_with(&["billing"], &env).stderr.contains(ESC));
}

pub async fn completions_for_every_shell(ctx: Arc<Ctx>) {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = ctx.migrate_with(&["completions", shell], &[]);
        out.expect_code(0);
        assert!(
            out.stdout.len() > 200
                && out.stdout.contains("status")
                && out.stdout.contains("repair"),
            "{shell}: {}",
            out.stdout
        );
        assert!(out.stderr.is_empty(), "{shell}: {}", out.stderr);
    }
    ctx.migrate_with(&["completions", "tcsh"], &[])
        .expect_code(2)
        .expect_text("invalid value 'tcsh'");
    // Needs no project, reads no configuration, connects nowhere.
    ctx.write_file("migrate.toml", b"bogus = 1\n");
    ctx.migrate_with(&["completions", "bash"], &[])
        .expect_code(0);
    ctx.migrate_with(&["--database", "x://", "completions", "bash"], &[])
        .expect_code(2)
        .expect_text("`--database` does not apply to `migrate completions`");
}

pub async fn typos_get_a_did_you_mean(ctx: Arc<Ctx>) {
    clinic(&ctx);
    for (typo, command) in [
        ("showmigration", "showmigrations"),
        ("statsu", "status"),
        ("sqlmigrat", "sqlmigrate"),
        ("repiar", "repair"),
        ("completion", "completions"),
    ] {
        ctx.migrate(&[typo]).expect_code(2).expect_text(&format!(
            "unknown app `{typo}`; did you mean the command `{command}`?"
        ));
    }
    // Also with a target, and in JSON.
    let json = ctx.migrate(&["showmigration", "tasks", "--format", "json"]);
    json.expect_code(2);
    assert!(
        json.stdout
            .contains("did you mean the command `showmigrations`?"),
        "{}",
        json.stdout
    );
    ctx.migrate(&["patinets"])
        .expect_code(2)
        .expect_text("unknown app `patinets`; did you mean `patients`? apps: patients, tasks");
    ctx.migrate(&["status", "taks"])
        .expect_code(2)
        .expect_text("unknown app `taks`; did you mean `tasks`?");
    ctx.migrate(&["patients", "0002_add_bod"])
        .expect_code(2)
        .expect_text(
            "app `patients` has no migration `0002_add_bod`; did you mean `0002_add_dob`? it has: ",
        );
    ctx.migrate(&["sql", "patients", "visti"])
        .expect_code(2)
        .expect_text("did you mean `0003_visit`?");
    // A word far from everything is not given a guess.
    ctx.migrate(&["billing"])
        .expect_code(2)
        .expect_text("unknown app `billing`; apps: patients, tasks")
        .expect_no_text("did you mean");
    assert!(!ctx.db.has_history_table().await, "a typo touches nothing");
}

pub async fn help_lists_only_what_applies(ctx: Arc<Ctx>) {
    let help = |args: &[&str]| {
        let out = ctx.migrate_with(args, &[]);
        out.expect_code(0);
        out.stdout
    };
    let status = help(&["status", "--help"]);
    for absent in [
        "--dry-run",
        "--lock-timeout",
        "--init",
        "--fake",
        "--rewind",
    ] {
        assert!(!status.contains(absent), "status --help lists {absent}");
    }
    for present in ["--check", "--database", "--format", "--dir", "--color"] {
        assert!(status.contains(present), "status --help lacks {present}");
    }
    let new = help(&["new", "--help"]);
    for absent in ["--database", "--history-table", "--schema", "--dry-run"] {
        assert!(!new.contains(absent), "new --help lists {absent}");
    }
    assert!(new.contains("--dir") && new.contains("--format"));
    let repair = help(&["repair", "--help"]);
    for present in ["--dry-run", "--lock-timeout", "--init", "--yes"] {
        assert!(repair.contains(present), "repair --help lacks {present}");
    }
    let sql = help(&["sql", "--help"]);
    assert!(sql.contains("--dialect") && sql.contains("--database"));
    assert!(!sql.contains("--history-table") && !sql.contains("--lock-timeout"));
    let top = help(&["--help"]);
    for present in ["--dry-run", "--fake", "--lock-timeout", "--init", "--color"] {
        assert!(top.contains(present), "--help lacks {present}");
    }

    // What people already type keeps working.
    clinic(&ctx);
    ctx.migrate(&["--dry-run"])
        .expect_code(0)
        .expect_text("-- apply patients:0001_initial");
    let json = ctx.migrate(&["status", "--format", "json"]);
    json.expect_code(0);
    serde_json::from_str::<serde_json::Value>(&json.stdout).unwrap();
    ctx.migrate_with(&["--database", &ctx.db.url, "status"], &[])
        .expect_code(0)
        .expect_text(" [ ] 0001_initial");
    ctx.migrate_with(&["--format", "json", "--database", &ctx.db.url, "log"], &[])
        .expect_code(0);
    // An option a command would ignore is refused, before or after it.
    ctx.migrate(&["status", "--dry-run"])
        .expect_code(2)
        .expect_text("unexpected argument '--dry-run'");
    ctx.migrate(&["--dry-run", "status"])
        .expect_code(2)
        .expect_text("`--dry-run` does not apply to `migrate status`");
    ctx.migrate(&["--fake", "log"])
        .expect_code(2)
        .expect_text("`--fake` belongs to `migrate [APP [TARGET]]`, not to `migrate log`");
    ctx.migrate(&["--lock-timeout", "5", "new", "patients", "x"])
        .expect_code(2)
        .expect_text("`--lock-timeout` does not apply to `migrate new`");
    // Given on both sides, the command's own wins; `--init` adds up.
    ctx.migrate_with(
        &[
            "--database",
            "sqlite://elsewhere.db",
            "status",
            "--database",
            &ctx.db.url,
        ],
        &[],
    )
    .expect_code(0)
    .expect_text(" [ ] 0001_initial");
    assert!(
        !ctx.db.has_history_table().await,
        "refused options touch nothing"
    );
}

/// The first line on standard error of every command that connects: the
/// database, its password hidden, and what chose it. Standard output is
/// the report alone, as before.
pub async fn first_line_names_the_database_and_where_it_came_from(ctx: Arc<Ctx>) {
    clinic(&ctx);
    let first_line = |out: &Output| out.stderr.lines().next().unwrap_or("").to_string();
    let url = ctx.db.url.as_str();
    let shown = |from: &str| format!("Database: {url} (from {from})");

    let env = ctx.migrate(&["status"]);
    env.expect_code(0);
    assert_eq!(first_line(&env), shown("DATABASE_URL (environment)"));
    assert!(!env.stdout.contains("Database:"), "{}", env.stdout);
    let flag = ctx.migrate_with(&["--database", url, "log"], &[]);
    assert_eq!(first_line(&flag), shown("--database flag"));
    let json = ctx.migrate_with(&["status", "--database", url, "--format", "json"], &[]);
    json.expect_code(0);
    assert!(json.stderr.is_empty(), "{}", json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["database_from"], "--database flag");
    assert!(doc["database"].is_string(), "kept a string: {doc}");

    // migrate.toml's explicit choice wins over .env, not over the
    // environment.
    ctx.write_file(
        "migrate.toml",
        b"database = \"local\"\n\n[databases]\nlocal = \"${SCRATCH_URL}\"\n",
    );
    ctx.write_file(".env", b"DATABASE_URL=sqlite://from-dotenv.db\n");
    let file = ctx.migrate_with(&["patients", "0001"], &[("SCRATCH_URL", url)]);
    file.expect_code(0);
    assert_eq!(
        first_line(&file),
        shown("migrate.toml (database = \"local\")")
    );
    assert_eq!(ctx.db.tables().await, strings(&["patient"]));
    assert!(!ctx.project().join("from-dotenv.db").exists());
    let env_wins = ctx.migrate_with(
        &["status", "--format", "json"],
        &[("SCRATCH_URL", "sqlite://unused.db"), ("DATABASE_URL", url)],
    );
    let doc: serde_json::Value = serde_json::from_str(&env_wins.stdout).unwrap();
    assert_eq!(doc["database_from"], "DATABASE_URL (environment)");
    // Without migrate.toml, .env names it.
    std::fs::remove_file(ctx.project().join("migrate.toml")).unwrap();
    ctx.write_file(".env", format!("DATABASE_URL={url}\n").as_bytes());
    let dot_env = ctx.migrate_with(&["status"], &[]);
    dot_env.expect_code(0).expect_text(" [X] 0001_initial");
    assert_eq!(first_line(&dot_env), shown("DATABASE_URL (.env)"));
    // Nothing names one.
    std::fs::remove_file(ctx.project().join(".env")).unwrap();
    let default = ctx.migrate_with(&["status"], &[]);
    assert_eq!(
        first_line(&default),
        "Database: sqlite://migrate.db (from default)"
    );

    // Before connecting, so it shows even when connecting fails; never the
    // password.
    let scheme = match ctx.kind() {
        Kind::Mysql => "mysql",
        _ => "postgres",
    };
    let secret = format!("{scheme}://u:hunter2@127.0.0.1:1/x");
    let failed = ctx.migrate_with(&["--database", &secret, "status"], &[]);
    assert_ne!(failed.code, 0);
    assert_eq!(
        first_line(&failed),
        format!("Database: {scheme}://u:***@127.0.0.1:1/x (from --database flag)")
    );
    failed.expect_no_text("hunter2");
    // `sql` and `new` connect nowhere and say nothing of it.
    let sql = ctx.migrate(&["sql", "patients", "0001"]);
    sql.expect_code(0).expect_no_text("Database:");
}

pub async fn a_named_config_file_must_exist(ctx: Arc<Ctx>) {
    clinic(&ctx);
    for args in [
        &["--config", "nope.toml"][..],
        &["--config", "nope.toml", "status"],
        &["status", "--config", "nope.toml"],
        &["new", "patients", "x", "--config", "nope.toml"],
    ] {
        ctx.migrate(args)
            .expect_code(2)
            .expect_text("configuration file `nope.toml` not found (given with --config)");
    }
    assert!(
        !ctx.project()
            .join("migrations/patients/0004_x.sql")
            .exists()
    );
    assert!(!ctx.db.has_history_table().await, "nothing ran");
    // The default one may be absent; one named and present is read.
    ctx.migrate(&["status"]).expect_code(0);
    ctx.write_file("deploy.toml", b"history_table = \"deploy_history\"\n");
    ctx.migrate(&["--config", "deploy.toml", "patients", "0001"])
        .expect_code(0);
    ctx.migrate(&["status", "--config", "deploy.toml", "patients"])
        .expect_code(0)
        .expect_text(" [X] 0001_initial");
    ctx.migrate(&["status", "patients"])
        .expect_code(0)
        .expect_text(" [ ] 0001_initial");
}

/// On a terminal (a pseudo-terminal from `script`), a run longer than two
/// seconds draws a bar on standard error with the migration at work and
/// an estimate; every `Applying X ... OK` line still comes out whole. Off
/// in JSON and when standard error is not a terminal.
pub async fn progress_bar_on_a_terminal_only(ctx: Arc<Ctx>) {
    let sleep = match ctx.kind() {
        // SQLite has no sleep; the servers' show the bar the same way.
        Kind::Sqlite => return,
        Kind::Postgres => "SELECT pg_sleep(3);",
        Kind::Mysql => "SELECT SLEEP(3);",
    };
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIP: no `script` to give the run a terminal");
        return;
    }
    ctx.write(
        "app",
        "0001_first.sql",
        "CREATE TABLE first (id INTEGER);\n",
    );
    ctx.write(
        "app",
        "0002_slow.sql",
        &format!("-- migrate:up transaction=false\n{sleep}\n"),
    );
    ctx.write(
        "app",
        "0003_slow.sql",
        &format!("-- migrate:up transaction=false\n{sleep}\n"),
    );
    ctx.write(
        "app",
        "0004_slow.sql",
        &format!("-- migrate:up transaction=false\n{sleep}\n"),
    );
    let on_terminal = |args: &str| {
        let binary = env!("CARGO_BIN_EXE_migrate");
        let out = std::process::Command::new("script")
            .args(["-qec", &format!("{binary} {args}"), "/dev/null"])
            .current_dir(ctx.project())
            .env("DATABASE_URL", &ctx.db.url)
            .env("NO_COLOR", "")
            .env("CLICOLOR_FORCE", "0")
            .env("COLUMNS", "120")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run script");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = on_terminal("--color never app 0002");
    assert!(text.contains("ETA"), "no bar drawn:\n{text:?}");
    assert!(text.contains("app:0002_slow"), "{text:?}");
    for name in ["app:0001_first", "app:0002_slow"] {
        assert!(
            text.contains(&format!("  Applying {name} ... OK (")),
            "a line was cut:\n{text:?}"
        );
    }
    // JSON: no bar, one document.
    let json = on_terminal("--format json app 0003");
    assert!(!json.contains("ETA"), "{json:?}");
    assert!(json.contains("\"steps\""), "{json:?}");
    // Not a terminal: no bar.
    let piped = ctx.migrate(&["app"]);
    piped
        .expect_code(0)
        .expect_text("Applying app:0004_slow ... OK")
        .expect_no_text("ETA");
}
