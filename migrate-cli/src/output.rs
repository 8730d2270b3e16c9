//! Printing errors and reports, as text for people or JSON for machines.

use migrate_core::Error;
use serde_json::json;

use crate::cli::Format;

/// Prints an error: text on stderr, or a JSON document on stdout with the
/// same text and the exit code.
pub fn error(format: Format, e: &Error) {
    match format {
        Format::Text => eprintln!("error: {e}"),
        Format::Json => crate::print_json(&json!({
            "error": {
                "kind": kind(e),
                "message": e.to_string(),
                "exit_code": e.exit_code(),
            }
        })),
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
