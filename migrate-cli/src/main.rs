//! The `migrate` binary: the command line with the built-in engines.

// Reading a large migrations folder allocates on several threads and frees
// on one: mimalloc does that with less work than the system allocator's
// per-thread arenas. Without transparent huge pages, a short run touches
// no more memory than it uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    migrate_cli::main(migrate_cli::Registry::builtin())
}
