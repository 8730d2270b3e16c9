//! Running `pt-online-schema-change` for the `ALTER TABLE`s of an
//! `online=pt-osc` section ([`migrate_core::online`]).
//!
//! The credentials go in a MySQL option file (`[client]` user, password,
//! host, port, socket) that only this user can read (mode 0600), which the
//! tool reads through its DSN's `F=` part; the file is removed when the
//! tool ends. Nothing secret is on the command line (which `ps` shows to
//! every user) or in a message. The tool is killed if this process dies,
//! so that no copy goes on unsupervised once the migration lock is gone;
//! what it leaves behind then is for `migrate repair` to clean.

use std::io::Write;
use std::path::{Path, PathBuf};

use migrate_core::online::{OnlineAlter, OnlineTool};
use migrate_core::{Error, Result};
use mysql_async::Opts;

/// Where `program` is on `PATH`, if it is there and executable.
pub(crate) fn find_program(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The refusal when the tool is missing.
pub(crate) fn missing(tool: OnlineTool) -> Error {
    Error::Unsupported(format!(
        "`online={}` runs ALTER TABLE through `{}`, which is not installed (not found on PATH): {}. \
Nothing was changed.",
        tool.name(),
        tool.program(),
        tool.install_hint()
    ))
}

/// The refusal when the URL asks for TLS: the tool would connect
/// without it, the password in clear.
pub(crate) fn no_tls(tool: OnlineTool) -> Error {
    Error::Unsupported(format!(
        "`online={}` cannot hand this URL's TLS settings (ssl-mode) to `{}`, which would then send the password \
unencrypted. Run the migration without the directive, or run the ALTER TABLE with the tool by hand and record \
the migration with `migrate --fake`. Nothing was changed.",
        tool.name(),
        tool.program()
    ))
}

/// A MySQL option file that exists as long as this value does.
struct OptionFile {
    path: PathBuf,
}

impl OptionFile {
    /// Writes `[client]` with the connection's credentials, readable by
    /// this user alone from the start (created with mode 0600, never
    /// widened).
    fn write(opts: &Opts) -> std::io::Result<OptionFile> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut body = String::from("[client]\n");
        let mut line = |key: &str, value: &str| {
            // Option files read a value up to the end of the line; quotes
            // keep spaces and `#` inside it.
            let escaped = value
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
                .replace('\r', "\\r")
                .replace('\t', "\\t");
            body.push_str(&format!("{key}=\"{escaped}\"\n"));
        };
        if let Some(user) = opts.user() {
            line("user", user);
        }
        line("password", opts.pass().unwrap_or(""));
        match opts.socket() {
            Some(socket) if opts.prefer_socket() => line("socket", socket),
            _ => {
                line("host", opts.ip_or_hostname());
                line("port", &opts.tcp_port().to_string());
            }
        }
        let dir = std::env::temp_dir();
        remove_stale(&dir);
        for attempt in 0..100u32 {
            let name = format!(
                "migrate-ptosc-{}-{}-{attempt}.cnf",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or(0)
            );
            let path = dir.join(name);
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path);
            match file {
                Ok(mut file) => {
                    let written = OptionFile { path };
                    file.write_all(body.as_bytes())?;
                    file.sync_all()?;
                    return Ok(written);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other(
            "no free name for a temporary option file",
        ))
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

/// Removes the option files of runs that were killed before they could
/// (their process is gone): they hold a password.
fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Some(pid) = name
            .strip_prefix("migrate-ptosc-")
            .filter(|rest| rest.ends_with(".cnf"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = Path::new("/proc").join(pid.to_string()).exists();
        if !alive {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Drop for OptionFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One DSN value: pt tools split the DSN on commas and `=`.
fn dsn_value(value: &str, what: &str) -> Result<String> {
    if value.contains([',', '=']) {
        return Err(Error::Refused(format!(
            "pt-online-schema-change cannot name the {what} `{value}`: its DSN cannot hold `,` or `=`"
        )));
    }
    Ok(value.to_string())
}

/// Runs `pt-online-schema-change --execute` for `alter`, on `database`
/// unless the statement names another, and waits for it.
pub(crate) async fn run(
    program: &Path,
    opts: &Opts,
    database: &str,
    alter: &OnlineAlter,
) -> Result<()> {
    let database = alter.database.as_deref().unwrap_or(database);
    let file = OptionFile::write(opts).map_err(|e| Error::Io {
        path: std::env::temp_dir(),
        source: e,
    })?;
    let option_file = file
        .path()
        .to_str()
        .ok_or_else(|| Error::Refused("the temporary directory's path is not UTF-8".into()))?;
    let dsn = format!(
        "D={},t={},F={}",
        dsn_value(database, "database")?,
        dsn_value(&alter.table, "table")?,
        dsn_value(option_file, "option file")?
    );
    let mut command = tokio::process::Command::new(program);
    command
        .arg("--execute")
        .arg("--alter")
        .arg(&alter.alteration)
        .arg(&dsn)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    // Nor in its environment: the URL may be in DATABASE_URL or another
    // variable.
    if let Some(pass) = opts.pass().filter(|p| !p.is_empty()) {
        for (key, value) in std::env::vars_os() {
            if key == "DATABASE_URL" || value.to_string_lossy().contains(pass) {
                command.env_remove(key);
            }
        }
    }
    // The tool dies with this process: a run killed part way must not
    // leave a copy going on without the migration lock.
    #[cfg(target_os = "linux")]
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    tracing::debug!(program = %program.display(), alteration = %alter.alteration, %dsn, "running");
    let output = command.output().await.map_err(|e| Error::Io {
        path: program.to_path_buf(),
        source: e,
    })?;
    drop(file);
    let hide = |text: &[u8]| {
        let text = String::from_utf8_lossy(text).into_owned();
        match opts.pass() {
            Some(pass) if !pass.is_empty() => text.replace(pass, "********"),
            _ => text,
        }
    };
    let stdout = hide(&output.stdout);
    let stderr = hide(&output.stderr);
    for line in stdout.lines() {
        tracing::debug!(target: "pt-online-schema-change", "{line}");
    }
    if output.status.success() {
        return Ok(());
    }
    // Why it stopped: its error lines (on stdout as often as on stderr),
    // without its progress report; or, when it was stopped from outside,
    // where it was.
    for line in stderr.lines() {
        tracing::debug!(target: "pt-online-schema-change", "{line}");
    }
    let all: Vec<&str> = stderr
        .lines()
        .chain(stdout.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut said: Vec<String> = all
        .iter()
        .filter(|l| !is_progress(l))
        .map(|l| l.to_string())
        .collect();
    if said.is_empty() {
        said = all.last().map(|l| l.to_string()).into_iter().collect();
    }
    let keep = said.len().saturating_sub(3);
    said.drain(..keep);
    Err(Error::database(
        format!("cannot alter `{database}`.`{}` online", alter.table),
        format!(
            "pt-online-schema-change failed ({}): {}",
            output.status,
            said.join(" | ")
        ),
    ))
}

/// A line of pt-osc's progress report, not of an error: timestamped
/// steps, `... OK.`, `Altering ...`, the retry settings, replica notes.
fn is_progress(line: &str) -> bool {
    let timestamped = line.len() > 20
        && line.as_bytes()[4] == b'-'
        && line.as_bytes()[10] == b'T'
        && line[..4].bytes().all(|b| b.is_ascii_digit());
    timestamped
        || is_retry_setting(line)
        || line.ends_with("OK.")
        || line.ends_with("...")
        || line.ends_with("was not altered.")
        || line.starts_with("Operation, tries, wait")
        || line.starts_with("No slaves found")
        || line.starts_with("Not checking slave lag")
}

/// `create_triggers, 10, 1`: a line of the retry settings pt-osc prints.
fn is_retry_setting(line: &str) -> bool {
    let parts: Vec<&str> = line.split(", ").collect();
    parts.len() == 3
        && parts[0].chars().all(|c| c.is_ascii_lowercase() || c == '_')
        && parts[1..].iter().all(|p| p.parse::<f64>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_are_not_errors() {
        for line in [
            "2026-12-03T07:27:17 Dropping new table...",
            "copy_rows, 10, 0.25",
            "Created new table ptt._nopk_new OK.",
            "`ptt`.`nopk` was not altered.",
        ] {
            assert!(is_progress(line), "{line}");
        }
        assert!(!is_progress(
            "The new table `ptt`.`_nopk_new` does not have a PRIMARY KEY or a unique index which is required for the DELETE trigger."
        ));
    }

    #[test]
    fn the_option_file_is_private_and_removed() {
        use std::os::unix::fs::PermissionsExt;
        let opts = Opts::from_url("mysql://app:s3cr%23t%22%5C%0A@db.example:3307/x").unwrap();
        let file = OptionFile::write(&opts).unwrap();
        let path = file.path().to_path_buf();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("[client]\n"), "{text}");
        assert!(text.contains("user=\"app\""), "{text}");
        assert!(text.contains(r#"password="s3cr#t\"\\\n""#), "{text}");
        assert!(text.contains("host=\"db.example\""), "{text}");
        assert!(text.contains("port=\"3307\""), "{text}");
        drop(file);
        assert!(!path.exists());
        // One a killed run left (its process gone) goes with the next.
        let stale = std::env::temp_dir().join("migrate-ptosc-999999999-1-0.cnf");
        std::fs::write(&stale, "[client]\n").unwrap();
        let file = OptionFile::write(&opts).unwrap();
        assert!(!stale.exists());
        drop(file);
    }
}
