//! `migrate-crashtest`: the command line with its crash points armed, for
//! the end-to-end tests of killed runs (feature `fault-injection`).
//! `MIGRATE_FAULT=<point>:<statement>` (`before:3`, `undo-after:2`, ...)
//! aborts the process there, as a `kill -9` would. See
//! `migrate_core::fault`.

fn main() -> std::process::ExitCode {
    if let Ok(spec) = std::env::var("MIGRATE_FAULT") {
        migrate_core::fault::install(move |point, statement| {
            if spec == format!("{point}:{statement}") {
                std::process::abort();
            }
        });
    }
    migrate_cli::main(migrate_cli::Registry::builtin())
}
