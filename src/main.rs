//! The `clawc` binary; everything lives in the `clawc` library.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(clawc::main())
}
