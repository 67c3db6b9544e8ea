//! The file-system floor of validating the working tree against a commit, which `cargo xtask
//! bench` compares `regctl validate --base HEAD~1` with: list every file under a directory
//! (one `readdir` pass) and `lstat` each. Without a file-system watcher, any tool that finds
//! the changed and the new files of a work tree does at least this; `git status` does it too.
//!
//! As cheap as it can be: each file is stat'ed by name relative to its open directory, in
//! batches on the other workers while the walk goes on. Hidden files and directories (names
//! starting with `.`) are skipped, as regctl skips them.
//!
//! Usage: `walk_floor DIR` — prints the number of files and the sum of their sizes.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use regctl_core::fsutil::Dir;

/// Files per `lstat` task.
const BATCH: usize = 2048;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root] = args.as_slice() else {
        eprintln!("usage: walk_floor DIR");
        return ExitCode::from(64);
    };
    let (files, bytes) = (AtomicU64::new(0), AtomicU64::new(0));
    let stat_all = |dir: &Dir, names: Vec<String>| {
        for name in names {
            if let Ok(stat) = dir.lstat(&name) {
                files.fetch_add(1, Ordering::Relaxed);
                bytes.fetch_add(stat.size, Ordering::Relaxed);
            }
        }
    };
    let stat_all = &stat_all;
    let walked = rayon::scope(|scope| -> std::io::Result<()> {
        let mut dirs = vec![PathBuf::from(root)];
        while let Some(path) = dirs.pop() {
            let dir = Arc::new(Dir::open(&path)?);
            let mut batch = Vec::with_capacity(BATCH);
            for entry in std::fs::read_dir(&path)? {
                let entry = entry?;
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                if name.starts_with('.') {
                    continue;
                }
                // The directory entry's type: no `stat` yet.
                if entry.file_type()?.is_dir() {
                    dirs.push(entry.path());
                    continue;
                }
                batch.push(name);
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    let dir = Arc::clone(&dir);
                    scope.spawn(move |_| stat_all(&dir, full));
                }
            }
            stat_all(&dir, batch);
        }
        Ok(())
    });
    if let Err(err) = walked {
        eprintln!("cannot walk {root}: {err}");
        return ExitCode::FAILURE;
    }
    println!(
        "{} {}",
        files.load(Ordering::Relaxed),
        bytes.load(Ordering::Relaxed)
    );
    ExitCode::SUCCESS
}
