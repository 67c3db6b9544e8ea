//! Writing an index to a directory: as it is built, incremental, atomic, manifest last, locked.
//!
//! Into an empty directory, every file goes into a staging directory beside it, renamed into
//! place at the end. Into a directory that has an index:
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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use regctl_core::Error;
use regctl_core::fsutil::{Dir, is_plain_relative, write_atomic};

use crate::build::{Built, Index, MANIFEST, Sink};

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

/// Writes `index` (built in memory, the federated index say) into `out`, creating it if needed.
pub fn write(index: &Index, out: &Path) -> Result<Written, Error> {
    let writer = DirWriter::begin(out)?;
    let built = put_index(index, &writer)?;
    writer.finish(&built)
}

/// Puts every file of `index` but the manifest into `sink`, as [`build_into`](crate::build_into)
/// would have.
fn put_index(index: &Index, sink: &dyn Sink) -> Result<Built, Error> {
    let manifest = index.files.get(MANIFEST).cloned().unwrap_or_default();
    // The manifest already has every file's hash; no need to hash again.
    let listed = manifest_files(&manifest);
    listed.par_iter().try_for_each(|(path, (_, sha256))| {
        let bytes = index.files.get(path).map_or(&[][..], Vec::as_slice);
        sink.put(path, bytes, sha256)
    })?;
    Ok(Built { manifest, listed })
}

/// Writes an index into a directory file by file as [`build_into`](crate::build_into) renders
/// it (the [`Sink`] compose uses), so the index is never held whole in memory; [`finish`]
/// makes it the directory's index in one step. Dropped unfinished, it removes what it wrote
/// and leaves the previous index as it was. Holds the directory's lock throughout.
///
/// [`finish`]: DirWriter::finish
pub struct DirWriter {
    out: PathBuf,
    mode: Mode,
    /// Per worker thread, the directory it last wrote into, opened: each thread renders a run
    /// of entries in kind and id order, so most files land beside the previous one.
    opened: Vec<Mutex<Option<(String, Dir)>>>,
    finished: bool,
    _lock: Lock,
}

enum Mode {
    /// `out` had nothing in it: everything goes into `staging` beside it, which is renamed to
    /// `out` at the end, so a reader sees no index or a complete one.
    Fresh { staging: PathBuf },
    /// `out` has an index: files whose bytes its manifest already lists (same size and hash,
    /// same size on disk) are left alone; the others go to temporaries beside their final
    /// paths, renamed into place at the end.
    Update {
        previous: BTreeMap<String, (u64, String)>,
        unchanged: AtomicUsize,
        temporaries: Mutex<Vec<(PathBuf, PathBuf)>>,
    },
}

impl DirWriter {
    /// Locks `out` (waiting for another compose to finish) and gets ready to write into it.
    pub fn begin(out: &Path) -> Result<DirWriter, Error> {
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|err| io_error(parent, err))?;
        }
        let lock = Lock::acquire(out)?;
        // Through a link, the index goes into the directory it points to: a first index
        // replaces that directory, and must not replace the link.
        let resolved;
        let out = if out.is_symlink() {
            resolved = fs::canonicalize(out).map_err(|err| io_error(out, err))?;
            resolved.as_path()
        } else {
            out
        };
        let mode = if is_empty_dir(out) {
            let name = out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // One name, not one per process: under the lock no other compose is using it, so
            // whatever is there was left by one that was killed, and goes.
            let staging = out.with_file_name(format!(".{name}.regctl.new"));
            let _ = fs::remove_dir_all(&staging);
            fs::create_dir_all(&staging).map_err(|err| io_error(&staging, err))?;
            Mode::Fresh { staging }
        } else {
            Mode::Update {
                previous: manifest_in(out).unwrap_or_default(),
                unchanged: AtomicUsize::new(0),
                temporaries: Mutex::new(Vec::new()),
            }
        };
        Ok(DirWriter {
            out: out.to_path_buf(),
            mode,
            opened: (0..=rayon::current_num_threads())
                .map(|_| Mutex::new(None))
                .collect(),
            finished: false,
            _lock: lock,
        })
    }

    /// Writes `bytes` as `path` below `root`, in the directory this thread has open when it
    /// is the right one: creating a file locks its directory, and resolving 124,000 absolute
    /// paths component by component was a fifth of the kernel's share of a compose.
    fn write_below(&self, root: &Path, path: &str, bytes: &[u8]) -> Result<(), Error> {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let slot = rayon::current_thread_index().unwrap_or(self.opened.len() - 1);
        let mut opened = self.opened[slot]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if opened.as_ref().is_none_or(|(open, _)| open != dir) {
            let full = root.join(dir);
            let handle = fs::create_dir_all(&full)
                .and_then(|()| Dir::open(&full))
                .map_err(|err| io_error(&self.out.join(dir), err))?;
            *opened = Some((dir.to_owned(), handle));
        }
        let (_, handle) = opened.as_ref().expect("opened above");
        handle
            .write(name, bytes)
            .map_err(|err| io_error(&self.out.join(path), err))
    }

    /// Makes what was put the index in `out`: the manifest is written last, so a reader that
    /// checks files against it never accepts a mix of old and new.
    pub fn finish(mut self, built: &Built) -> Result<Written, Error> {
        // The open directories go first: the staging directory is about to be renamed.
        self.opened.clear();
        let written = match &self.mode {
            Mode::Fresh { staging } => {
                fs::write(staging.join(MANIFEST), &built.manifest)
                    .map_err(|err| io_error(&self.out.join(MANIFEST), err))?;
                if self.out.exists() {
                    fs::remove_dir(&self.out).map_err(|err| io_error(&self.out, err))?;
                }
                fs::rename(staging, &self.out).map_err(|err| io_error(&self.out, err))?;
                Written {
                    written: built.files(),
                    unchanged: 0,
                    removed: 0,
                }
            }
            Mode::Update {
                previous,
                unchanged,
                temporaries,
            } => {
                // Left in the list: should a rename fail, dropping the writer removes the rest.
                let temporaries = temporaries.lock().unwrap_or_else(PoisonError::into_inner);
                let mut written = temporaries.len();
                let mut unchanged = unchanged.load(Ordering::Relaxed);
                // Into place, then away with what the new index no longer has.
                for (temp, target) in temporaries.iter() {
                    fs::rename(temp, target).map_err(|err| io_error(target, err))?;
                }
                let mut removed = 0;
                for path in previous
                    .keys()
                    .filter(|path| !built.listed.contains_key(*path))
                {
                    let full = self.out.join(path);
                    match fs::remove_file(&full) {
                        Ok(()) => {
                            removed += 1;
                            remove_empty_parents(&full, &self.out);
                        }
                        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                        Err(err) => return Err(io_error(&full, err)),
                    }
                }
                let manifest_path = self.out.join(MANIFEST);
                if fs::read(&manifest_path).ok().as_deref() != Some(built.manifest.as_slice()) {
                    write_atomic(&manifest_path, &built.manifest)
                        .map_err(|err| io_error(&manifest_path, err))?;
                    written += 1;
                } else {
                    unchanged += 1;
                }
                Written {
                    written,
                    unchanged,
                    removed,
                }
            }
        };
        self.finished = true;
        Ok(written)
    }
}

impl Sink for DirWriter {
    fn put(&self, path: &str, bytes: &[u8], sha256: &str) -> Result<(), Error> {
        match &self.mode {
            Mode::Fresh { staging } => self.write_below(staging, path, bytes),
            Mode::Update {
                previous,
                unchanged,
                temporaries,
            } => {
                let size = bytes.len() as u64;
                let same = previous.get(path).is_some_and(|(old_size, old_sha)| {
                    *old_size == size
                        && old_sha == sha256
                        && fs::metadata(self.out.join(path)).is_ok_and(|meta| meta.len() == size)
                });
                if same {
                    unchanged.fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                // Nothing the previous index owns is touched until `finish`.
                let target = self.out.join(path);
                let temp = temporary(&target);
                let parent = target.parent().unwrap_or(&self.out);
                fs::create_dir_all(parent)
                    .and_then(|()| fs::write(&temp, bytes))
                    .map_err(|err| {
                        let _ = fs::remove_file(&temp);
                        io_error(&target, err)
                    })?;
                temporaries
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((temp, target));
                Ok(())
            }
        }
    }
}

impl Drop for DirWriter {
    /// Unfinished (a file could not be written, or the build stopped): what was written goes,
    /// and the previous index stays complete.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        self.opened.clear();
        match &self.mode {
            Mode::Fresh { staging } => {
                let _ = fs::remove_dir_all(staging);
            }
            Mode::Update { temporaries, .. } => {
                for (temp, _) in temporaries
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .iter()
                {
                    let _ = fs::remove_file(temp);
                }
            }
        }
    }
}

/// Whether `dir` does not exist or has nothing in it.
fn is_empty_dir(dir: &Path) -> bool {
    match fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(err) => err.kind() == io::ErrorKind::NotFound,
    }
}

/// Compares `out` with `index` (built in memory) without writing.
pub fn check(index: &Index, out: &Path) -> Result<Vec<Difference>, Error> {
    let checker = Checker::new(out);
    let built = put_index(index, &checker)?;
    checker.finish(&built)
}

/// Compares a directory with an index file by file as it is built, without writing: every
/// file's bytes, then (at [`finish`](Checker::finish)) the manifest and files that should not
/// be there.
pub struct Checker {
    out: PathBuf,
    differences: Mutex<Vec<Difference>>,
}

impl Checker {
    pub fn new(out: &Path) -> Checker {
        Checker {
            out: out.to_path_buf(),
            differences: Mutex::new(Vec::new()),
        }
    }

    /// Every difference, in path order.
    pub fn finish(self, built: &Built) -> Result<Vec<Difference>, Error> {
        let mut differences = self
            .differences
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        differences.extend(compare(&self.out, MANIFEST, &built.manifest));
        for path in files_in(&self.out)? {
            if path != MANIFEST && !built.listed.contains_key(&path) {
                differences.push(Difference::Extra(path));
            }
        }
        differences.sort_by(|a, b| path_of(a).cmp(path_of(b)));
        Ok(differences)
    }
}

impl Sink for Checker {
    fn put(&self, path: &str, bytes: &[u8], _sha256: &str) -> Result<(), Error> {
        if let Some(difference) = compare(&self.out, path, bytes) {
            self.differences
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(difference);
        }
        Ok(())
    }
}

/// How the file at `path` below `out` differs from `bytes`, if it does.
fn compare(out: &Path, path: &str, bytes: &[u8]) -> Option<Difference> {
    match fs::read(out.join(path)) {
        Ok(existing) if existing == bytes => None,
        Ok(_) => Some(Difference::Changed(path.to_owned())),
        Err(_) => Some(Difference::Missing(path.to_owned())),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::sha256_hex;

    /// Every file below `dir`, hidden ones included: path → bytes.
    fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .flatten()
            .filter(|entry| entry.file_type().is_file())
            .map(|entry| {
                let path = entry.path().strip_prefix(dir).expect("below dir");
                let bytes = fs::read(entry.path()).expect("readable");
                (path.to_string_lossy().replace('\\', "/"), bytes)
            })
            .collect()
    }

    fn put(writer: &DirWriter, path: &str, bytes: &[u8]) -> Result<(), Error> {
        writer.put(path, bytes, &sha256_hex(bytes))
    }

    fn index(files: &[(&str, &[u8])]) -> Index {
        let listed = files
            .iter()
            .map(|(path, bytes)| {
                let record = (bytes.len() as u64, sha256_hex(bytes));
                ((*path).to_owned(), record)
            })
            .collect();
        let mut files: BTreeMap<String, Vec<u8>> = files
            .iter()
            .map(|(path, bytes)| ((*path).to_owned(), bytes.to_vec()))
            .collect();
        files.insert(MANIFEST.to_owned(), crate::build::manifest_of(&listed));
        Index { files }
    }

    #[test]
    fn an_unfinished_first_write_leaves_no_index_and_no_staging() -> Result<(), Error> {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("index");
        let writer = DirWriter::begin(&out)?;
        put(&writer, "entries/a/b.json", b"{}\n")?;
        // `b.json` is a file, so nothing can go below it.
        assert!(put(&writer, "entries/a/b.json/c.json", b"{}\n").is_err());
        drop(writer);
        let left: Vec<String> = fs::read_dir(dir.path())
            .expect("listable")
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| !name.ends_with(".regctl-lock"))
            .collect();
        assert_eq!(left, Vec::<String>::new(), "no index, no staging directory");
        Ok(())
    }

    #[test]
    fn a_first_write_clears_what_a_killed_one_left() -> Result<(), Error> {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("index");
        let left = dir.path().join(".index.regctl.new");
        fs::create_dir_all(left.join("entries")).expect("plant");
        fs::write(left.join("entries/stale.json"), "{}\n").expect("plant");
        let index = index(&[("entries/a.json", b"1\n")]);
        write(&index, &out)?;
        assert_eq!(tree(&out), index.files);
        assert!(!left.exists(), "the staging directory is gone");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_first_index_through_a_link_goes_where_it_points() -> Result<(), Error> {
        let dir = tempfile::tempdir().expect("temp dir");
        let real = dir.path().join("real");
        let link = dir.path().join("link");
        fs::create_dir(&real).expect("real directory");
        std::os::unix::fs::symlink(&real, &link).expect("link");
        let index = index(&[("entries/a.json", b"1\n")]);
        write(&index, &link)?;
        assert!(link.is_symlink(), "the link is still a link");
        assert_eq!(tree(&real), index.files);
        Ok(())
    }

    #[test]
    fn an_unfinished_update_leaves_the_previous_index_whole() -> Result<(), Error> {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("index");
        let first = index(&[("entries/a.json", b"1\n"), ("entries/b.json", b"2\n")]);
        assert_eq!(write(&first, &out)?.written, 3);
        let before = tree(&out);

        let writer = DirWriter::begin(&out)?;
        put(&writer, "entries/a.json", b"changed\n")?;
        put(&writer, "entries/c.json", b"new\n")?;
        drop(writer);
        assert_eq!(tree(&out), before, "no temporaries, nothing replaced");

        // Finished, the same changes land, and what the new index lacks goes.
        let second = index(&[("entries/a.json", b"changed\n"), ("entries/c.json", b"3\n")]);
        let written = write(&second, &out)?;
        assert_eq!(
            written,
            Written {
                written: 3,
                unchanged: 0,
                removed: 1
            }
        );
        assert_eq!(tree(&out), second.files);
        Ok(())
    }
}
