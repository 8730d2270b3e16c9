//! Printing errors and reports, as text for people or JSON for machines.

use migrate_core::Error;
use serde_json::json;

use crate::cli::Format;
use crate::config::Settings;
use crate::style::{self, Paint};

/// Prints an error: text on stderr, or a JSON document on stdout with the
/// same text and the exit code.
pub fn error(format: Format, e: &Error) {
    match format {
        Format::Text => eprintln!("{} {e}", style::err("error:", Paint::Failed)),
        Format::Json => crate::print_json(&json!({
            "error": {
                "kind": kind(e),
                "message": e.to_string(),
                "exit_code": e.exit_code(),
            }
        })),
    }
}

/// The first line of every command that connects: which database, its
/// password hidden, and what chose it, so that a surprise (a stray `.env`, a
/// variable left set) is seen before it does harm. On standard error, as
/// cargo's own status lines are: standard output stays the report alone,
/// for pipes and for the exact text scripts read. JSON documents carry the
/// same as `database` and `database_from` instead.
pub fn database_line(format: Format, settings: &Settings) {
    if format == Format::Text {
        eprintln!(
            "Database: {} {}",
            migrate_core::redact::redact_url(&settings.url),
            style::err(format_args!("(from {})", settings.url_from), Paint::Dim)
        );
    }
}

fn kind(e: &Error) -> &'static str {
    match e {
        Error::InvalidSource(_) => "invalid_source",
        Error::Usage(_) => "usage",
        Error::Refused(_) => "refused",
        Error::LockTimeout { .. } => "lock_timeout",
        Error::Statement(_) => "statement",
        Error::Database { .. } => "database",
        Error::Unsupported(_) => "unsupported",
        Error::Io { .. } => "io",
        _ => "other",
    }
}

/// Writes to standard output, flushing at once (progress lines show as they
/// happen); a closed output (`| head`) drops the text instead of failing.
pub fn out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_fmt(args).and_then(|()| stdout.flush());
}
