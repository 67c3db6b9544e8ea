use std::process::ExitCode;

/// Many small, short-lived allocations on every rayon thread (parsed documents, schema errors,
/// summaries): glibc's allocator spent about a quarter of a large validation managing them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in `mimalloc.h` (v2 and v3), which the bindings do not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // mimalloc returns freed memory to the OS a second after it is freed, and a later
    // allocation then faults in fresh zeroed pages, which on the benchmark VM cost as much as
    // the work (a 100k validation, one entry changed, spent half its time zeroing pages). A run
    // lasts seconds: freed memory is better kept for reuse. Peak RSS stays the same.
    // SAFETY: sets a plain integer option; mimalloc reads options atomically at any time.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
    regctl::main(std::env::args_os())
}
