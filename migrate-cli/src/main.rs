//! The `migrate` binary: the command line with the built-in engines.

fn main() -> std::process::ExitCode {
    migrate_cli::main(migrate_cli::Registry::builtin())
}
