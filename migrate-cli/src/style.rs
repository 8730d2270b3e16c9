//! Colour: decided once per run for standard output and standard error
//! apiece, then asked for by meaning (`Paint::Ok`, `Paint::Warning`), so
//! that the same words read the same everywhere and a pipe, a log file or
//! a JSON reader never sees an escape code.
//!
//! `--color auto` (the default) colours a stream that is a terminal,
//! unless `NO_COLOR` is set (https://no-color.org); `CLICOLOR_FORCE`
//! colours even a pipe. `--color always` and `never` overrule both, being
//! the more explicit. JSON output is never coloured.

use std::fmt::Display;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};

use crate::cli::{ColorChoice, Format};

static STDOUT: AtomicBool = AtomicBool::new(false);
static STDERR: AtomicBool = AtomicBool::new(false);

/// What colour says; each meaning has one style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// Done, applied, proven: `OK`, `[X]`, `✓`.
    Ok,
    /// Failed or broken: `FAILED`, `[!]`, `✗`, `error`.
    Failed,
    /// Needs attention: `warning`, `[M]`, `[?]`, `[o]`, `!`.
    Warning,
    /// Going on elsewhere or approximate: `[~]`, `≈`.
    Notice,
    /// A heading: an app's name.
    Heading,
    /// Of little weight: `·`, where the database came from.
    Dim,
}

impl Paint {
    fn style(self) -> Style {
        let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
        match self {
            Paint::Ok => fg(AnsiColor::Green),
            Paint::Failed => fg(AnsiColor::Red).bold(),
            Paint::Warning => fg(AnsiColor::Yellow),
            Paint::Notice => fg(AnsiColor::Cyan),
            Paint::Heading => Style::new().bold(),
            Paint::Dim => Style::new().dimmed(),
        }
    }
}

/// Whether a stream is coloured, from the choice, the environment and
/// whether the stream is a terminal.
pub fn enabled(choice: ColorChoice, env: &ColorEnv, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if env.no_color => false,
        ColorChoice::Auto if env.force => true,
        ColorChoice::Auto => terminal,
    }
}

/// The environment variables that bear on colour.
#[derive(Debug, Default, Clone, Copy)]
pub struct ColorEnv {
    /// `NO_COLOR` is set to something.
    pub no_color: bool,
    /// `CLICOLOR_FORCE` is set to something other than `0`.
    pub force: bool,
}

impl ColorEnv {
    /// Read from the process's environment.
    pub fn from_process() -> ColorEnv {
        let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        ColorEnv {
            no_color: set("NO_COLOR").is_some(),
            force: set("CLICOLOR_FORCE").is_some_and(|v| v != "0"),
        }
    }
}

/// Decides colour for this run's standard output and error.
pub fn init(choice: ColorChoice, format: Format) {
    let env = ColorEnv::from_process();
    let json = format == Format::Json;
    STDOUT.store(
        !json && enabled(choice, &env, std::io::stdout().is_terminal()),
        Ordering::Relaxed,
    );
    STDERR.store(
        !json && enabled(choice, &env, std::io::stderr().is_terminal()),
        Ordering::Relaxed,
    );
}

/// `text` styled for standard output (or as it is, without colour).
pub fn out(text: impl Display, paint: Paint) -> String {
    painted(STDOUT.load(Ordering::Relaxed), text, paint)
}

/// `text` styled for standard error (or as it is, without colour).
pub fn err(text: impl Display, paint: Paint) -> String {
    painted(STDERR.load(Ordering::Relaxed), text, paint)
}

fn painted(on: bool, text: impl Display, paint: Paint) -> String {
    if on {
        let style = paint.style();
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_terminal_unless_the_environment_says_otherwise() {
        let plain = ColorEnv::default();
        assert!(enabled(ColorChoice::Auto, &plain, true));
        assert!(!enabled(ColorChoice::Auto, &plain, false));
        let no_color = ColorEnv {
            no_color: true,
            force: true,
        };
        assert!(!enabled(ColorChoice::Auto, &no_color, true));
        let force = ColorEnv {
            no_color: false,
            force: true,
        };
        assert!(enabled(ColorChoice::Auto, &force, false));
    }

    #[test]
    fn an_explicit_choice_overrules_the_environment() {
        let no_color = ColorEnv {
            no_color: true,
            force: false,
        };
        assert!(enabled(ColorChoice::Always, &no_color, false));
        let force = ColorEnv {
            no_color: false,
            force: true,
        };
        assert!(!enabled(ColorChoice::Never, &force, true));
    }

    #[test]
    fn painted_text_is_wrapped_in_escape_codes_only_when_on() {
        assert_eq!(painted(false, "OK", Paint::Ok), "OK");
        let on = painted(true, "OK", Paint::Ok);
        assert!(on.starts_with("\u{1b}[") && on.contains("OK") && on.ends_with("\u{1b}[0m"));
    }
}
