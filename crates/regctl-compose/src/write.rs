//! Writing an index to a directory: incremental, atomic per file, manifest last, locked.
//!
//! 1. Files whose bytes the previous manifest already lists (same size and hash, same size on
//!    disk) are left alone, so a compose with nothing changed writes nothing.
//! 2. Changed files are first written under temporary names beside their final path. A failure
//!    here removes the temporaries and leaves the previous index complete.
//! 3. The temporaries are renamed into place, files the new index no longer has are removed,
//!    and `manifest.json` is written last: a reader that checks files against the manifest
//!    never accepts a mix of old and new.
//!
//! A lock file beside the directory keeps two composes from interleaving.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use regctl_core::Error;
use regctl_core::fsutil::{Dir, is_plain_relative, write_atomic};

use crate::build::{Index, MANIFEST};

/// The lock file beside the output directory, `.<dir name>.regctl-lock`, so the directory
/// itself holds nothing but the index.
fn lock_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "index".to_owned());
    out.with_file_name(format!(".{name}.regctl-lock"))
}
/// A shared lock on an index directory, held while a query reads it: a compose, which takes
/// the lock exclusively to write, waits until the reader is done, so the reader never sees
/// half of one index and half of the next.
pub struct ReadLock {
    _file: fs::File,
}

/// Takes a shared lock on the index in `out` without waiting: `None` while a compose is
/// writing it, or when no compose ever wrote there (there is no lock file).
pub fn read_lock(out: &Path) -> Option<ReadLock> {
    let file = fs::File::open(lock_path(out)).ok()?;
    file.try_lock_shared().ok()?;
    Some(ReadLock { _file: file })
}

/// How long a compose waits for another one to finish before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(60);

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// How a directory differs from the index compose would write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    Missing(String),
    Changed(String),
    Extra(String),
}

/// A failure to write (or to make room for) `path`.
fn io_error(path: &Path, source: io::Error) -> Error {
    Error::Write {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `index` into `out`, creating it if needed.
pub fn write(index: &Index, out: &Path) -> Result<Written, Error> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|err| io_error(parent, err))?;
    }
    let _lock = Lock::acquire(out)?;
    if is_empty_dir(out) {
        return write_fresh(index, out);
    }
    let previous = previous_manifest(out);
    // The new manifest already has every file's hash; no need to hash again.
    let current = manifest_files(&index.files[MANIFEST]);

    // One stat per file the previous index has too (is it still there, whole?): side by side,
    // as there are 100,000 of them.
    let files: Vec<(&String, &Vec<u8>)> = index
        .files
        .iter()
        .filter(|(path, _)| path.as_str() != MANIFEST)
        .collect();
    let changed: Vec<(&String, &Vec<u8>)> = files
        .par_iter()
        .filter(|(path, bytes)| {
            let same = previous.get(*path).is_some_and(|(size, sha)| {
                *size == bytes.len() as u64
                    && current
                        .get(*path)
                        .is_some_and(|(_, new_sha)| new_sha == sha)
                    && fs::metadata(out.join(path)).is_ok_and(|meta| meta.len() == *size)
            });
            !same
        })
        .copied()
        .collect();
    let mut unchanged = files.len() - changed.len();

    // Phase 1: temporaries. Nothing the previous index owns is touched yet.
    create_parents(out, changed.iter().map(|(path, _)| path.as_str()))?;
    let temporaries: Vec<Result<(PathBuf, PathBuf), Error>> = changed
        .par_iter()
        .map(|(path, bytes)| {
            let target = out.join(path);
            let temp = temporary(&target);
            fs::write(&temp, bytes)
                .map(|()| (temp.clone(), target))
                .map_err(|err| {
                    let _ = fs::remove_file(&temp);
                    io_error(&out.join(path), err)
                })
        })
        .collect();
    if let Some(failure) = temporaries.iter().position(Result::is_err) {
        for (temp, _) in temporaries.iter().flatten() {
            let _ = fs::remove_file(temp);
        }
        return Err(temporaries
            .into_iter()
            .nth(failure)
            .and_then(Result::err)
            .expect("a failure at this position"));
    }

    // Phase 2: into place, then away with what the new index no longer has.
    for (temp, target) in temporaries.into_iter().flatten() {
        fs::rename(&temp, &target).map_err(|err| io_error(&target, err))?;
    }
    let mut removed = 0;
    for path in previous
        .keys()
        .filter(|path| !index.files.contains_key(*path))
    {
        let full = out.join(path);
        match fs::remove_file(&full) {
            Ok(()) => {
                removed += 1;
                remove_empty_parents(&full, out);
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(io_error(&full, err)),
        }
    }

    // Phase 3: the manifest, last.
    let manifest = &index.files[MANIFEST];
    let manifest_path = out.join(MANIFEST);
    let mut written = changed.len();
    if fs::read(&manifest_path).ok().as_deref() != Some(manifest.as_slice()) {
        write_atomic(&manifest_path, manifest).map_err(|err| io_error(&manifest_path, err))?;
        written += 1;
    } else {
        unchanged += 1;
    }
    Ok(Written {
        written,
        unchanged,
        removed,
    })
}

/// Writes a first index: everything goes into a staging directory beside `out`, which is then
/// renamed to `out` in one step, so a reader sees no index or a complete one.
fn write_fresh(index: &Index, out: &Path) -> Result<Written, Error> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = out.with_file_name(format!(".{name}.regctl-{}.new", std::process::id()));
    let result = (|| {
        let _ = fs::remove_dir_all(&staging);
        create_parents(&staging, index.files.keys().map(String::as_str))?;
        // A directory's files are written by one thread, each created relative to the
        // directory opened once: creating a file locks its directory, and resolving 124,000
        // absolute paths component by component was a fifth of the kernel's share.
        let mut by_dir: BTreeMap<&str, Vec<(&str, &[u8])>> = BTreeMap::new();
        for (path, bytes) in &index.files {
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
            by_dir.entry(dir).or_default().push((name, bytes));
        }
        let by_dir: Vec<_> = by_dir.into_iter().collect();
        by_dir
            .par_iter()
            .with_max_len(1)
            .try_for_each(|(dir, files)| {
                let full = staging.join(dir);
                let opened = Dir::open(&full).map_err(|err| io_error(&out.join(dir), err))?;
                files.iter().try_for_each(|(name, bytes)| {
                    opened
                        .write(name, bytes)
                        .map_err(|err| io_error(&out.join(dir).join(name), err))
                })
            })?;
        if out.exists() {
            fs::remove_dir(out).map_err(|err| io_error(out, err))?;
        }
        fs::rename(&staging, out).map_err(|err| io_error(out, err))
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result.map(|()| Written {
        written: index.files.len(),
        unchanged: 0,
        removed: 0,
    })
}

/// Creates every directory the files at `paths` (relative to `root`) need, each once: parents
/// first, then each depth's directories in parallel.
fn create_parents<'a>(root: &Path, paths: impl Iterator<Item = &'a str>) -> Result<(), Error> {
    let mut dirs: BTreeSet<(usize, &str)> = BTreeSet::new();
    for path in paths {
        // `a/b/c.json` needs `a` (depth 1) and `a/b` (depth 2).
        for (depth, (end, _)) in path.match_indices('/').enumerate() {
            dirs.insert((depth + 1, &path[..end]));
        }
    }
    fs::create_dir_all(root).map_err(|err| io_error(root, err))?;
    let dirs: Vec<(usize, &str)> = dirs.into_iter().collect();
    for level in dirs.chunk_by(|a, b| a.0 == b.0) {
        level.par_iter().try_for_each(|(_, dir)| {
            let full = root.join(dir);
            match fs::create_dir(&full) {
                Err(err) if !(err.kind() == io::ErrorKind::AlreadyExists && full.is_dir()) => {
                    Err(io_error(&full, err))
                }
                _ => Ok(()),
            }
        })?;
    }
    Ok(())
}

/// Whether `dir` does not exist or has nothing in it.
fn is_empty_dir(dir: &Path) -> bool {
    match fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(err) => err.kind() == io::ErrorKind::NotFound,
    }
}

/// Compares `out` with `index` without writing: every file's bytes, and files that should
/// not be there.
pub fn check(index: &Index, out: &Path) -> Result<Vec<Difference>, Error> {
    let mut differences: Vec<Difference> = index
        .files
        .par_iter()
        .filter_map(|(path, bytes)| match fs::read(out.join(path)) {
            Ok(existing) if existing == *bytes => None,
            Ok(_) => Some(Difference::Changed(path.clone())),
            Err(_) => Some(Difference::Missing(path.clone())),
        })
        .collect();
    for path in files_in(out)? {
        if !index.files.contains_key(&path) {
            differences.push(Difference::Extra(path));
        }
    }
    differences.sort_by(|a, b| path_of(a).cmp(path_of(b)));
    Ok(differences)
}

fn path_of(difference: &Difference) -> &str {
    match difference {
        Difference::Missing(p) | Difference::Changed(p) | Difference::Extra(p) => p,
    }
}

/// Every file under `dir` (relative, `/`-separated), except regctl's temporaries and hidden
/// names at the top (`.git`, `.nojekyll`): an index has none there, while deeper down a shard
/// directory or file can start with `.` (`entries/thing/ab/.c/ab.cd.json`).
pub fn files_in(dir: &Path) -> Result<BTreeSet<String>, Error> {
    let mut out = BTreeSet::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let ignored = |entry: &walkdir::DirEntry| {
        let name = entry.file_name().to_string_lossy();
        name.starts_with('.') && (entry.depth() == 1 || name.contains(".regctl-"))
    };
    for entry in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !ignored(e))
    {
        let entry = entry.map_err(|err| Error::Io {
            path: dir.display().to_string(),
            source: err.into(),
        })?;
        if entry.file_type().is_file()
            && let Ok(relative) = entry.path().strip_prefix(dir)
        {
            out.insert(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(out)
}

/// The files the index in `out` consists of: its manifest and every file the manifest lists.
/// Fails when there is no manifest; paths that would lead outside `out` are left out.
pub fn listed_files(out: &Path) -> Result<BTreeSet<String>, Error> {
    let manifest = out.join(MANIFEST);
    let listed = manifest_in(out).map_err(|source| Error::Io {
        path: manifest.display().to_string(),
        source,
    })?;
    let mut files: BTreeSet<String> = listed.into_keys().collect();
    files.insert(MANIFEST.to_owned());
    Ok(files)
}

/// Path → (size, sha256) from the manifest in `out`, empty when there is none.
fn previous_manifest(out: &Path) -> BTreeMap<String, (u64, String)> {
    manifest_in(out).unwrap_or_default()
}

/// Path → (size, sha256) from the manifest in `out`, without paths that would lead outside
/// `out`: whoever wrote that manifest, the files it lists are read, published and removed.
fn manifest_in(out: &Path) -> io::Result<BTreeMap<String, (u64, String)>> {
    let mut files = manifest_files(&fs::read(out.join(MANIFEST))?);
    files.retain(|path, _| is_plain_relative(path));
    Ok(files)
}

/// Path → (size, sha256) from manifest bytes; empty when they are not a manifest.
pub(crate) fn manifest_files(bytes: &[u8]) -> BTreeMap<String, (u64, String)> {
    // Typed, so the 100,000 records of a large manifest are not built as a JSON tree first.
    #[derive(serde::Deserialize)]
    struct Listed {
        size: u64,
        sha256: String,
    }
    #[derive(serde::Deserialize)]
    struct Manifest {
        files: BTreeMap<String, Listed>,
    }
    match serde_json::from_slice::<Manifest>(bytes) {
        Ok(manifest) => manifest
            .files
            .into_iter()
            .map(|(path, file)| (path, (file.size, file.sha256)))
            .collect(),
        Err(_) => BTreeMap::new(),
    }
}

fn temporary(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.regctl-{}.tmp", std::process::id()))
}

fn remove_empty_parents(file: &Path, root: &Path) {
    let mut dir = file.parent();
    while let Some(current) = dir {
        if current == root || fs::remove_dir(current).is_err() {
            break;
        }
        dir = current.parent();
    }
}

/// An exclusive lock on the output directory, released when dropped (or when the process dies).
struct Lock {
    _file: fs::File,
}

impl Lock {
    fn acquire(out: &Path) -> Result<Lock, Error> {
        let path = lock_path(out);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|err| io_error(&path, err))?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Lock { _file: file }),
                Err(fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(Error::Locked {
                        path: path.display().to_string(),
                    });
                }
                Err(fs::TryLockError::Error(err)) => return Err(io_error(&path, err)),
            }
        }
    }
}
