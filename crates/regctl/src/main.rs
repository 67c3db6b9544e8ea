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
    // lasts seconds: freed memory is better kept for reuse. Peak RSS moves by a few percent.
    // SAFETY: sets a plain integer option; mimalloc reads options atomically at any time.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
    regctl::main(std::env::args_os())
}

#[cfg(test)]
mod tests {
    /// The option's number is written out above; a mimalloc whose options were renumbered
    /// would have another option there, with another default.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reads a plain integer option.
        let default = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        // 1000 ms in mimalloc v3 (10 in v2), unless overridden from the environment.
        let from_env = std::env::var("MIMALLOC_PURGE_DELAY").ok();
        assert!(
            from_env.is_some() || default == 1000 || default == 10,
            "option {} reads {default}",
            super::MI_OPTION_PURGE_DELAY
        );
    }
}
