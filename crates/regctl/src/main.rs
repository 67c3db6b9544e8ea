use std::process::ExitCode;

/// Many small, short-lived allocations on every rayon thread (parsed documents, schema errors,
/// summaries): glibc's allocator spent about a quarter of a large validation managing them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    regctl::main(std::env::args_os())
}
