//! An application that brings its database up to date at start-up: its
//! migrations are compiled in (`embed_migrations!`), applied through its own
//! sqlx pool, and then it does its own work — one query. Run it with a
//! database URL, from any folder:
//!
//! ```text
//! embedded-app sqlite://notes.db
//! embedded-app postgres://postgres@127.0.0.1/notes
//! embedded-app mysql://root@127.0.0.1/notes
//! ```
//!
//! The history it writes is the `migrate` binary's: `migrate status --dir
//! examples/embedded-app/migrations --database URL` shows both applied.

use std::process::ExitCode;
use std::str::FromStr;

use migrate_core::source::Embedded;
use migrate_core::{Error, Migrator};

static MIGRATIONS: Embedded = migrate_core::embed_migrations!("migrations");

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(url), None) = (args.next(), args.next()) else {
        eprintln!("usage: embedded-app DATABASE_URL");
        return ExitCode::from(2);
    };
    match run(&url).await {
        Ok(notes) => {
            println!("{notes} note(s)");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Migrates, then adds a note and counts them.
async fn run(url: &str) -> Result<i64, Error> {
    let migrator = Migrator::embedded(&MIGRATIONS);
    let failed = |e: sqlx::Error| Error::database("the application's query failed", e);
    let insert = "INSERT INTO notes (body) VALUES ('written at start-up')";
    let count = "SELECT COUNT(*) FROM notes";
    if url.starts_with("sqlite:") {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .map_err(failed)?
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options)
            .await
            .map_err(failed)?;
        migrate_sqlx::run(&pool, &migrator).await?;
        sqlx::query(insert).execute(&pool).await.map_err(failed)?;
        sqlx::query_scalar(count)
            .fetch_one(&pool)
            .await
            .map_err(failed)
    } else if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.map_err(failed)?;
        migrate_sqlx::run(&pool, &migrator).await?;
        sqlx::query(insert).execute(&pool).await.map_err(failed)?;
        sqlx::query_scalar(count)
            .fetch_one(&pool)
            .await
            .map_err(failed)
    } else if url.starts_with("mysql") || url.starts_with("mariadb") {
        let pool = sqlx::MySqlPool::connect(url).await.map_err(failed)?;
        migrate_sqlx::run(&pool, &migrator).await?;
        sqlx::query(insert).execute(&pool).await.map_err(failed)?;
        sqlx::query_scalar(count)
            .fetch_one(&pool)
            .await
            .map_err(failed)
    } else {
        Err(Error::Usage(format!(
            "unsupported URL `{}`: use sqlite://, postgres:// or mysql://",
            migrate_core::redact::redact_url(url)
        )))
    }
}
