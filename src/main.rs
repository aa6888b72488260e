//! The `privet` binary: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    privet::cli::main()
}
