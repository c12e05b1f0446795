//! The `clawc` binary; everything lives in the `clawc` library.

/// mimalloc rather than the system allocator: compiling allocates many
/// small, short-lived objects (tree nodes, names, IR), where it is markedly
/// faster than glibc's malloc (see bench/README.md for the figures).
/// Version 2 (the `v2` feature): mimalloc 3, the crate's default, serves
/// Rust's aligned requests (`mi_malloc_aligned`) of sizes that are not a
/// power of two by over-allocating once a page's free list runs dry, which
/// made allocation ~80% dearer in a large compile (39 M against 21 M
/// instructions on the compile thread for 50,000 lines).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(clawc::main())
}
