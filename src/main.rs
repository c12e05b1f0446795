//! The `clawc` binary; everything lives in the `clawc` library.

/// mimalloc rather than the system allocator: compiling allocates many
/// small, short-lived objects (tree nodes, names, IR), where it is markedly
/// faster than glibc's malloc (see bench/README.md for the figures).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(clawc::main())
}
