//! The `linq` binary; everything is in the library (`linq_cli::main`).

fn main() -> std::process::ExitCode {
    linq_cli::main()
}
