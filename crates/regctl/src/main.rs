use std::process::ExitCode;

fn main() -> ExitCode {
    regctl::main(std::env::args_os())
}
