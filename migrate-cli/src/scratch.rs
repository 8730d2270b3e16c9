//! Scratch databases for `check` and `drift`: made for one job, never the
//! database in use, and dropped afterwards, also after a failure, a panic,
//! Ctrl-C or SIGTERM; one that a killed run (`kill -9`) left behind is
//! dropped by the next run on that server.
//!
//! SQLite's is a file in a temporary folder. A server engine's is a new
//! database, named by [`scratch::new_name`], on the server a `--scratch`
//! URL names or, for the engine of the database in use, on its server.

use std::future::Future;

use migrate_core::Error;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::check::scratch;

use crate::config::Settings;
use crate::registry::{Engine, Registry};

/// Runs `job` on a new scratch database of `engine` and drops it:
/// `Ok(Ok((where it ran, what the job returned)))`; `Ok(Err(why not))`
/// when no scratch database could be had (the reason starts with
/// `failing`, e.g. "not proven"); `Err` when interrupted.
pub async fn run<T, F, Fut>(
    registry: &Registry,
    settings: &Settings,
    servers: &[String],
    engine: &dyn Engine,
    failing: &str,
    job: F,
) -> Result<Result<(String, T), String>, Error>
where
    F: FnOnce(Box<dyn Backend>) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let name = engine.dialect().name();
    let options = ConnectOptions {
        create: true,
        ..settings.connect.clone()
    };
    if scratch::create_sql(engine.dialect(), "x").is_none() {
        // A file engine: a temporary file, gone with its folder.
        let dir = tempfile::tempdir().map_err(|e| Error::Io {
            path: std::env::temp_dir(),
            source: e,
        })?;
        let url = format!(
            "{}://{}",
            engine.schemes()[0],
            dir.path().join("scratch.db").display()
        );
        let backend = match engine.connect(&url, &options).await {
            Ok(b) => b,
            Err(e) => return Ok(Err(format!("{failing}: cannot open a scratch file: {e}"))),
        };
        let outcome = guarded(backend, failing, job).await?;
        return Ok(outcome.map(|t| ("a temporary file, deleted afterwards".to_string(), t)));
    }
    let server = servers
        .iter()
        .find(|url| {
            registry
                .for_url(url)
                .is_ok_and(|e| e.dialect().name() == name)
        })
        .cloned()
        .or_else(|| {
            registry
                .for_url(&settings.url)
                .ok()
                .filter(|e| e.dialect().name() == name)
                .map(|_| settings.url.clone())
        });
    let Some(server) = server else {
        return Ok(Err(format!(
            "{failing}: no {name} server to create a scratch database on; pass --scratch {}://USER@HOST/",
            engine.schemes()[0]
        )));
    };
    let server = scratch::admin_url(engine.dialect(), &server);
    let shown = migrate_core::redact::redact_url(&server);
    let admin_options = ConnectOptions {
        create: false,
        ..ConnectOptions::default()
    };
    let mut admin = match engine.connect(&server, &admin_options).await {
        Ok(b) => b,
        Err(e) => return Ok(Err(format!("{failing}: cannot connect to {shown}: {e}"))),
    };
    sweep(admin.as_mut()).await;
    let db = scratch::new_name();
    let create = scratch::create_sql(engine.dialect(), &db).expect("a server engine");
    if let Err(e) = admin.execute(&create).await {
        let _ = admin.close().await;
        return Ok(Err(format!(
            "{failing}: cannot create a scratch database on {shown} ({e}); pass --scratch with a user that may"
        )));
    }
    let url = scratch::url_with_database(&server, &db).unwrap_or_default();
    let outcome = match engine.connect(&url, &options).await {
        Ok(backend) => guarded(backend, failing, job).await,
        Err(e) => Ok(Err(format!(
            "{failing}: cannot connect to the scratch database: {e}"
        ))),
    };
    if let Some(drop) = scratch::drop_sql(engine.dialect(), &db)
        && let Err(e) = admin.execute(&drop).await
    {
        eprintln!(
            "warning: could not drop the scratch database {db} on {shown}: {e}; drop it by hand"
        );
    }
    let _ = admin.close().await;
    outcome.map(|r| {
        r.map(|t| {
            (
                format!(
                    "scratch database {db} on {}, dropped afterwards",
                    host_of(&shown)
                ),
                t,
            )
        })
    })
}

/// Runs the job in a task of its own, so that a panic in it still lets
/// the caller drop the scratch database, and so that Ctrl-C (or SIGTERM)
/// stops it first.
async fn guarded<T, F, Fut>(
    backend: Box<dyn Backend>,
    failing: &str,
    job: F,
) -> Result<Result<T, String>, Error>
where
    F: FnOnce(Box<dyn Backend>) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut task = tokio::spawn(job(backend));
    tokio::select! {
        out = &mut task => Ok(out.map_err(|e| format!("{failing}: it stopped unexpectedly ({e})"))),
        _ = stop_signal() => {
            task.abort();
            let _ = task.await;
            Err(Error::Refused(
                "interrupted: the scratch database was dropped; nothing else was touched".into(),
            ))
        }
    }
}

/// Ctrl-C or SIGTERM.
pub(crate) async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Drops the scratch databases that killed runs left on this server.
async fn sweep(admin: &mut dyn Backend) {
    let Some(list) = scratch::list_query(admin.dialect()) else {
        return;
    };
    let Ok(rows) = admin.query(&list, &[]).await else {
        return;
    };
    for row in rows {
        if let Some(migrate_core::Value::Text(name)) = row.first()
            && scratch::is_leftover(name)
            && let Some(drop) = scratch::drop_sql(admin.dialect(), name)
        {
            match admin.execute(&drop).await {
                Ok(()) => {
                    eprintln!("note: dropped {name}, a scratch database left by a killed run")
                }
                Err(e) => tracing::debug!(%name, error = %e, "could not drop a leftover"),
            }
        }
    }
}

fn host_of(redacted: &str) -> String {
    let rest = redacted.split_once("://").map_or(redacted, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    rest.split(['/', '?']).next().unwrap_or(rest).to_string()
}
