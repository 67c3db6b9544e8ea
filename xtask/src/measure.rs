//! Runs a command and reads its wall time and peak memory from the OS.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One run of a command.
#[derive(Clone, Debug)]
pub(crate) struct Sample {
    pub(crate) wall: Duration,
    /// Peak resident set size of the child, in bytes (`ru_maxrss` from `wait4`).
    pub(crate) max_rss: u64,
    pub(crate) exit_code: Option<i32>,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
}

/// Runs `program args` in `dir` with its output captured to temporary files (a pipe could fill
/// and stall the child), waits for it with `wait4` to read its own resource usage, and times it.
pub(crate) fn run(
    program: &Path,
    args: &[String],
    dir: &Path,
    scratch: &Path,
) -> Result<Sample, String> {
    let out_path = scratch.join("stdout.tmp");
    let err_path = scratch.join("stderr.tmp");
    let stdout = std::fs::File::create(&out_path)
        .map_err(|e| format!("cannot create {}: {e}", out_path.display()))?;
    let stderr = std::fs::File::create(&err_path)
        .map_err(|e| format!("cannot create {}: {e}", err_path.display()))?;
    settle();
    let started = Instant::now();
    let child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let (status, max_rss) = wait(child.id())?;
    let wall = started.elapsed();
    Ok(Sample {
        wall,
        max_rss,
        exit_code: status,
        stdout: std::fs::read(&out_path).unwrap_or_default(),
        stderr: std::fs::read(&err_path).unwrap_or_default(),
    })
}

/// Writes every dirty page back before a run, untimed: the previous run's output (600 MB of
/// index from a compose, a generated corpus) would otherwise be written back while the next run
/// is timed, and charge it for I/O it did not cause.
fn settle() {
    #[cfg(unix)]
    // SAFETY: `sync` takes no arguments and cannot fail.
    unsafe {
        libc::sync();
    }
}

/// Waits for the child `pid`; returns its exit code (None when killed by a signal) and peak RSS.
#[cfg(unix)]
fn wait(pid: u32) -> Result<(Option<i32>, u64), String> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| "pid out of range".to_owned())?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `usage` are valid for writes for the duration of the call, and
        // `pid` is our own child, which std has not reaped (we never call `Child::wait`).
        let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if waited == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4 failed: {err}"));
        }
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    // Linux reports ru_maxrss in kibibytes.
    let max_rss = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    Ok((code, max_rss))
}

#[cfg(not(unix))]
fn wait(_pid: u32) -> Result<(Option<i32>, u64), String> {
    Err("cargo xtask bench needs a Unix system (wait4)".to_owned())
}

/// Median, min and max of a non-empty list of samples.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct Summary {
    pub(crate) runs: usize,
    pub(crate) median_ms: f64,
    pub(crate) min_ms: f64,
    pub(crate) max_ms: f64,
    pub(crate) max_rss_mb: f64,
}

pub(crate) fn summarise(samples: &[Sample]) -> Summary {
    let mut walls: Vec<f64> = samples
        .iter()
        .map(|s| s.wall.as_secs_f64() * 1000.0)
        .collect();
    walls.sort_by(f64::total_cmp);
    let median = if walls.is_empty() {
        0.0
    } else if walls.len() % 2 == 1 {
        walls[walls.len() / 2]
    } else {
        (walls[walls.len() / 2 - 1] + walls[walls.len() / 2]) / 2.0
    };
    Summary {
        runs: samples.len(),
        median_ms: median,
        min_ms: walls.first().copied().unwrap_or(0.0),
        max_ms: walls.last().copied().unwrap_or(0.0),
        max_rss_mb: samples.iter().map(|s| s.max_rss).max().unwrap_or(0) as f64 / 1_048_576.0,
    }
}
