//! Snapshots: the files of a registry as seen in one place (the working tree today; a git
//! revision or the git index through the same interface).
//!
//! Everything that reads registry files — the configuration, schemas, descriptors — goes
//! through [`Snapshot`], so every command can run against any of them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::Error;

/// The git blob id of a file's content: equal ids mean equal bytes.
///
/// Git snapshots know it without reading the file; for the working tree it is computed from
/// the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentId(gix::ObjectId);

impl ContentId {
    pub(crate) fn from_git(id: gix::ObjectId) -> ContentId {
        ContentId(id)
    }

    /// The raw id bytes, for caches.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// An id from raw bytes written by [`ContentId::as_bytes`]; `None` if they are not one.
    pub fn from_bytes(bytes: &[u8]) -> Option<ContentId> {
        gix::ObjectId::try_from(bytes).ok().map(ContentId)
    }

    /// The id git would give `bytes` as a blob.
    pub fn of_bytes(bytes: &[u8]) -> ContentId {
        ContentId(
            gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, bytes)
                .expect("hashing bytes in memory cannot fail"),
        )
    }
}

impl std::fmt::Display for ContentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a listed path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListedKind {
    /// A regular file (or a symlink to a file inside the root), with its size when known
    /// without reading it.
    File { size: Option<u64> },
    /// A symlink that leaves the root, is broken, or points at a directory; never followed.
    UnfollowedLink,
    /// A file whose name is not valid UTF-8; it cannot be named in diagnostics exactly.
    BadName,
}

/// A file found by [`Snapshot::list`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// Path relative to the registry root, `/`-separated.
    pub path: String,
    pub kind: ListedKind,
    /// The content id, when the snapshot knows it without reading the file.
    pub id: Option<ContentId>,
}

/// Whether a relative path has a hidden component (a name starting with `.`).
pub(crate) fn is_hidden(path: &str) -> bool {
    path.split('/').any(|part| part.starts_with('.'))
}

/// A read-only view of a registry's files.
pub trait Snapshot: Send + Sync {
    /// What this snapshot is, for messages ("working tree", "HEAD~1", "git index").
    fn describe(&self) -> String;

    /// Every file under `dir` (relative, `/`-separated, `""` for the root), recursively, sorted
    /// by path. Hidden files and directories (names starting with `.`) are skipped.
    fn list(&self, dir: &str) -> Result<Vec<Listed>, Error>;

    /// The bytes of the file at `path`. `Ok(None)` when there is no such file.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error>;

    /// The bytes of the file at `path` if it has at most `max_bytes`; otherwise only its size,
    /// so an oversized file is refused without being read (where the snapshot can tell).
    fn read_limited(&self, path: &str, max_bytes: u64) -> Result<Option<Limited>, Error> {
        Ok(self
            .read(path)?
            .map(|bytes| Limited::check(bytes, max_bytes)))
    }
}

/// What [`Snapshot::read_limited`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Limited {
    Bytes(Vec<u8>),
    /// The file is larger than the limit; its size in bytes.
    TooLarge(u64),
}

impl Limited {
    fn check(bytes: Vec<u8>, max_bytes: u64) -> Limited {
        let size = bytes.len() as u64;
        if size > max_bytes {
            Limited::TooLarge(size)
        } else {
            Limited::Bytes(bytes)
        }
    }
}

/// The registry as it is on disk.
#[derive(Clone)]
pub struct Worktree {
    root: PathBuf,
    /// Blob ids of files whose stat data matches the git index, so unchanged files need not
    /// be read to be identified.
    known: Option<std::sync::Arc<crate::git::IndexIds>>,
    /// Directories already resolved, and whether they are inside the root: a registry has
    /// thousands of files per directory, and resolving every file's full path cost a tenth of
    /// a large validation in `readlink` calls.
    dirs_inside: std::sync::Arc<std::sync::RwLock<std::collections::HashMap<PathBuf, bool>>>,
    /// When recording: the path and stat data of every file read, taken from the open file.
    reads: Option<std::sync::Arc<std::sync::Mutex<Vec<ReadFile>>>>,
}

/// A file's path and its stat data as it was read.
pub type ReadFile = (String, fs::Metadata);

impl Worktree {
    /// Walks `start`, pushing what needs no `lstat` onto `out` and handing the files to compare
    /// with git's index to `stat_batch` on `scope`, in batches, whose results go to `stated`.
    fn walk_into<'s, F>(
        &'s self,
        start: &Path,
        out: &mut Vec<Listed>,
        scope: &rayon::Scope<'s>,
        stat_batch: &'s F,
        stated: &'s std::sync::Mutex<Vec<Result<Vec<Listed>, Error>>>,
    ) -> Result<(), Error>
    where
        F: Fn(Vec<String>) -> Result<Vec<Listed>, Error> + Sync,
    {
        /// Files per `lstat` batch: large enough to be worth a task, small enough that the
        /// other workers start early.
        const STAT_BATCH: usize = 2048;
        let push = |listed: Result<Vec<Listed>, Error>| {
            stated
                .lock()
                .unwrap_or_else(|poison| poison.into_inner())
                .push(listed);
        };
        let mut to_stat: Vec<String> = Vec::with_capacity(STAT_BATCH);
        // Not sorted while walking: walkdir compares full paths' file names, which cost more
        // than the walk itself at 100,000 files; the list is sorted once at the end.
        let walker = walkdir::WalkDir::new(start)
            .follow_links(false)
            .into_iter()
            .filter_entry(|entry| {
                entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
            });
        for entry in walker {
            let entry = entry.map_err(|err| {
                let path = err
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                Error::Io {
                    path,
                    source: err
                        .into_io_error()
                        .unwrap_or_else(|| io::Error::other("file system loop")),
                }
            })?;
            let file_type = entry.file_type();
            if file_type.is_dir() {
                continue;
            }
            let Some(relative) = self.relative(entry.path()) else {
                continue;
            };
            let Some(path) = relative_to_slash(relative) else {
                out.push(Listed {
                    path: relative.to_string_lossy().replace('\\', "/"),
                    kind: ListedKind::BadName,
                    id: None,
                });
                continue;
            };
            // The directory entry tells files from links; only git's stat comparison needs
            // more, and sizes are checked when files are read.
            let kind = match &self.known {
                _ if file_type.is_symlink() => self.classify_link(entry.path()),
                Some(_) if file_type.is_file() => {
                    to_stat.push(path);
                    if to_stat.len() == STAT_BATCH {
                        let batch = std::mem::replace(&mut to_stat, Vec::with_capacity(STAT_BATCH));
                        scope.spawn(move |_| {
                            let listed = stat_batch(batch);
                            push(listed);
                        });
                    }
                    continue;
                }
                _ => ListedKind::File { size: None },
            };
            out.push(Listed {
                path,
                kind,
                id: None,
            });
        }
        if !to_stat.is_empty() {
            push(stat_batch(to_stat));
        }
        Ok(())
    }

    /// A snapshot of the directory `root` (made absolute and canonical, so symlink checks work).
    pub fn new(root: &Path) -> Result<Worktree, Error> {
        let root = fs::canonicalize(root).map_err(|source| Error::Io {
            path: root.display().to_string(),
            source,
        })?;
        Ok(Worktree {
            root,
            known: None,
            dirs_inside: Default::default(),
            reads: None,
        })
    }

    /// The same snapshot, remembering the stat data of every file it reads (see
    /// [`Worktree::take_recorded_reads`]).
    pub fn recording_reads(mut self) -> Worktree {
        self.reads = Some(Default::default());
        self
    }

    /// Takes the path and stat data of every file read since [`Worktree::recording_reads`]
    /// (or since the last take), each as it was when the file was read (from the open file, so
    /// no later change is mixed in): what compose's stamp describes its inputs with, instead of
    /// stat'ing them all again.
    pub fn take_recorded_reads(&self) -> Vec<ReadFile> {
        self.reads
            .as_ref()
            .and_then(|reads| {
                reads
                    .lock()
                    .ok()
                    .map(|mut reads| std::mem::take(&mut *reads))
            })
            .unwrap_or_default()
    }

    /// The same snapshot, identifying files that git's index says are unchanged.
    pub fn with_index_ids(mut self, ids: crate::git::IndexIds) -> Worktree {
        self.known = Some(std::sync::Arc::new(ids));
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Opens `full` for reading if reading it stays inside the root: a file that is not a link
    /// is inside exactly when its directory is; a link is resolved. `None` when there is no
    /// such file, it is a directory, or it is a link that leaves the root.
    fn open_inside(&self, full: &Path) -> io::Result<Option<fs::File>> {
        let not_there = |err: &io::Error| {
            matches!(
                err.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::IsADirectory
            )
        };
        match open_no_follow(full) {
            Ok(Some(file)) => {
                if full.parent().is_some_and(|dir| self.dir_inside(dir)) {
                    Ok(Some(file))
                } else {
                    Ok(None)
                }
            }
            // A link (or a platform that cannot tell without asking): resolve it.
            Ok(None) => {
                if !fs::canonicalize(full).is_ok_and(|target| target.starts_with(&self.root)) {
                    return Ok(None);
                }
                match fs::File::open(full) {
                    Ok(file) => Ok(Some(file)),
                    Err(err) if not_there(&err) => Ok(None),
                    Err(err) => Err(err),
                }
            }
            Err(err) if not_there(&err) => Ok(None),
            Err(err) => Err(err),
        }
    }

    fn dir_inside(&self, dir: &Path) -> bool {
        if let Ok(known) = self.dirs_inside.read()
            && let Some(&inside) = known.get(dir)
        {
            return inside;
        }
        let inside = fs::canonicalize(dir).is_ok_and(|target| target.starts_with(&self.root));
        if let Ok(mut known) = self.dirs_inside.write() {
            known.insert(dir.to_path_buf(), inside);
        }
        inside
    }

    /// `full` relative to the root. Walked paths start with the root's own text, so it is cut
    /// off as text; `Path::strip_prefix` compares component by component, which showed in the
    /// profile of listing 100,000 files.
    fn relative<'p>(&self, full: &'p Path) -> Option<&'p Path> {
        if let (Some(full_text), Some(root_text)) = (full.to_str(), self.root.to_str())
            && let Some(rest) = full_text
                .strip_prefix(root_text)
                .and_then(|rest| rest.strip_prefix(std::path::MAIN_SEPARATOR))
        {
            return Some(Path::new(rest));
        }
        full.strip_prefix(&self.root).ok()
    }

    /// A link is followed only to a file inside the root.
    fn classify_link(&self, path: &Path) -> ListedKind {
        match fs::canonicalize(path) {
            Ok(target) if target.starts_with(&self.root) => match fs::metadata(&target) {
                Ok(meta) if meta.is_file() => ListedKind::File {
                    size: Some(meta.len()),
                },
                _ => ListedKind::UnfollowedLink,
            },
            _ => ListedKind::UnfollowedLink,
        }
    }
}

impl Snapshot for Worktree {
    fn describe(&self) -> String {
        "working tree".to_owned()
    }

    fn list(&self, dir: &str) -> Result<Vec<Listed>, Error> {
        let start = self.root.join(dir);
        if !start.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        // Files whose stat data is compared with git's index need one `lstat` each, which at
        // 100,000 files costs more than the walk: they are stat'ed in batches on the other
        // workers while the walk goes on.
        let stat_against = match &self.known {
            Some(known) => {
                let root = crate::fsutil::Dir::open(&self.root).map_err(|source| Error::Io {
                    path: self.root.display().to_string(),
                    source,
                })?;
                Some((root, known))
            }
            None => None,
        };
        let stat_batch = |paths: Vec<String>| -> Result<Vec<Listed>, Error> {
            let Some((root, known)) = &stat_against else {
                return Ok(Vec::new());
            };
            paths
                .into_iter()
                .map(|path| {
                    let stat = root.lstat(&path).map_err(|source| Error::Io {
                        path: self.root.join(&path).display().to_string(),
                        source,
                    })?;
                    let id = stat.git.and_then(|now| known.id_if_unchanged(&path, &now));
                    Ok(Listed {
                        path,
                        kind: ListedKind::File {
                            size: Some(stat.size),
                        },
                        id,
                    })
                })
                .collect()
        };
        let stated: std::sync::Mutex<Vec<Result<Vec<Listed>, Error>>> = Default::default();
        rayon::scope(|scope| self.walk_into(&start, &mut out, scope, &stat_batch, &stated))?;
        let stated = stated
            .into_inner()
            .unwrap_or_else(|poison| poison.into_inner());
        // Grown once: doubling a list of 100,000 files touched megabytes of fresh pages.
        out.reserve(
            stated
                .iter()
                .map(|batch| batch.as_ref().map_or(0, Vec::len))
                .sum(),
        );
        for batch in stated {
            out.extend(batch?);
        }
        out.par_sort_unstable_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(match self.read_limited(path, u64::MAX)? {
            Some(Limited::Bytes(bytes)) => Some(bytes),
            Some(Limited::TooLarge(_)) | None => None,
        })
    }

    fn read_limited(&self, path: &str, max_bytes: u64) -> Result<Option<Limited>, Error> {
        let full = self.root.join(path);
        let io_error = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let Some(mut file) = self.open_inside(&full).map_err(io_error)? else {
            return Ok(None);
        };
        // One open, one fstat and the reads: the size is known before anything is read.
        let metadata = file.metadata().map_err(io_error)?;
        let size = metadata.len();
        if let Some(reads) = &self.reads
            && let Ok(mut reads) = reads.lock()
        {
            reads.push((path.to_owned(), metadata));
        }
        if size > max_bytes {
            return Ok(Some(Limited::TooLarge(size)));
        }
        // Read what fstat announced (`read_to_end` would ask for the size again and probe for
        // more); a file that shrinks meanwhile is cut short, one that grows is read as it was.
        let mut bytes = vec![0; size as usize];
        let mut filled = 0;
        while filled < bytes.len() {
            match io::Read::read(&mut file, &mut bytes[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) if err.kind() == io::ErrorKind::IsADirectory => return Ok(None),
                Err(err) => return Err(io_error(err)),
            }
        }
        bytes.truncate(filled);
        Ok(Some(Limited::Bytes(bytes)))
    }
}

/// Another snapshot with some files replaced, added or removed in memory: what the registry
/// would be after an edit, validated before anything is written.
pub struct Overlay<'a> {
    base: &'a dyn Snapshot,
    /// Path → new bytes, or `None` for a removed file.
    changes: std::collections::BTreeMap<String, Option<Vec<u8>>>,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a dyn Snapshot) -> Overlay<'a> {
        Overlay {
            base,
            changes: std::collections::BTreeMap::new(),
        }
    }

    /// Puts `bytes` at `path`.
    pub fn write(&mut self, path: &str, bytes: Vec<u8>) {
        self.changes.insert(path.to_owned(), Some(bytes));
    }

    /// Removes the file at `path`.
    pub fn remove(&mut self, path: &str) {
        self.changes.insert(path.to_owned(), None);
    }
}

impl Snapshot for Overlay<'_> {
    fn describe(&self) -> String {
        format!("{} with pending edits", self.base.describe())
    }

    fn list(&self, dir: &str) -> Result<Vec<Listed>, Error> {
        let mut listed: Vec<Listed> = self
            .base
            .list(dir)?
            .into_iter()
            .filter(|file| !self.changes.contains_key(&file.path))
            .collect();
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        for (path, bytes) in &self.changes {
            if let Some(bytes) = bytes
                && path.starts_with(&prefix)
                && !is_hidden(&path[prefix.len()..])
            {
                listed.push(Listed {
                    path: path.clone(),
                    kind: ListedKind::File {
                        size: Some(bytes.len() as u64),
                    },
                    id: None,
                });
            }
        }
        listed.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(listed)
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        match self.changes.get(path) {
            Some(change) => Ok(change.clone()),
            None => self.base.read(path),
        }
    }
}

/// Opens `path` unless it is a symbolic link (`Ok(None)`), in the same system call.
#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<Option<fs::File>> {
    use std::os::unix::fs::OpenOptionsExt;
    match fs::OpenOptions::new()
        .read(true)
        // Non-blocking, so a FIFO in the tree reads as empty instead of hanging the run.
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(file) => Ok(Some(file)),
        Err(err) if err.raw_os_error() == Some(libc::ELOOP) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Opens `path` unless it is a symbolic link (`Ok(None)`).
#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> io::Result<Option<fs::File>> {
    if fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Ok(None);
    }
    fs::File::open(path).map(Some)
}

fn relative_to_slash(path: &Path) -> Option<String> {
    if std::path::MAIN_SEPARATOR == '/' {
        return path.to_str().map(str::to_owned);
    }
    let parts: Option<Vec<&str>> = path.components().map(|c| c.as_os_str().to_str()).collect();
    parts.map(|parts| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_sorted_skips_hidden_and_does_not_follow_escaping_links()
    -> Result<(), Box<dyn std::error::Error>> {
        let outside = tempfile::tempdir()?;
        fs::write(outside.path().join("secret.toml"), "x = 1")?;
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        fs::create_dir_all(root.join("registry/b"))?;
        fs::create_dir_all(root.join("registry/.hidden"))?;
        fs::write(root.join("registry/b/z.toml"), "a = 1")?;
        fs::write(root.join("registry/a.toml"), "a = 1")?;
        fs::write(root.join("registry/.gitkeep"), "")?;
        fs::write(root.join("registry/.hidden/x.toml"), "")?;
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(
                outside.path().join("secret.toml"),
                root.join("registry/out.toml"),
            )?;
            std::os::unix::fs::symlink(
                root.join("registry/a.toml"),
                root.join("registry/in.toml"),
            )?;
        }
        let snapshot = Worktree::new(root)?;
        let listed = snapshot.list("registry")?;
        let paths: Vec<&str> = listed.iter().map(|l| l.path.as_str()).collect();
        #[cfg(unix)]
        {
            assert_eq!(
                paths,
                [
                    "registry/a.toml",
                    "registry/b/z.toml",
                    "registry/in.toml",
                    "registry/out.toml"
                ]
            );
            assert_eq!(listed[2].kind, ListedKind::File { size: Some(5) });
            assert_eq!(listed[3].kind, ListedKind::UnfollowedLink);
            assert_eq!(snapshot.read("registry/out.toml")?, None);
            assert_eq!(snapshot.read("registry/in.toml")?, Some(b"a = 1".to_vec()));
            // A plain file under a directory link that leaves the root is not read either, and
            // the directory's answer is remembered without hiding its neighbours inside.
            std::os::unix::fs::symlink(outside.path(), root.join("registry/escape"))?;
            assert_eq!(snapshot.read("registry/escape/secret.toml")?, None);
            assert_eq!(snapshot.read("registry/escape/secret.toml")?, None);
            assert_eq!(snapshot.read("registry/b/z.toml")?, Some(b"a = 1".to_vec()));
        }
        assert_eq!(snapshot.read("registry/a.toml")?, Some(b"a = 1".to_vec()));
        assert_eq!(snapshot.read("registry/missing.toml")?, None);
        assert!(snapshot.list("nowhere")?.is_empty());
        Ok(())
    }

    /// Runs `git` in `dir` with a fixed identity and no system or user configuration.
    #[cfg(unix)]
    fn git(dir: &Path, args: &[&str]) -> Result<(), Box<dyn std::error::Error>> {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .status()?;
        if !status.success() {
            return Err(format!("git {args:?} failed").into());
        }
        Ok(())
    }

    /// Enough files for several `lstat` batches, stat'ed while the walk goes on: every file is
    /// listed once, in order, and identified from git's index unless it changed or is new.
    #[cfg(unix)]
    #[test]
    fn files_compared_with_the_git_index_are_listed_whole_and_in_order()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        fs::create_dir_all(root.join("registry/many"))?;
        fs::create_dir_all(root.join("registry/few/deeper"))?;
        let mut expected = Vec::new();
        for i in 0..5000 {
            let path = match i % 10 {
                0 => format!("registry/few/f{i:04}.toml"),
                1 => format!("registry/few/deeper/d{i:04}.toml"),
                _ => format!("registry/many/m{i:04}.toml"),
            };
            fs::write(root.join(&path), format!("n = {i}"))?;
            expected.push(path);
        }
        git(root, &["init", "-q"])?;
        // Files written in the same second as the index are racily clean, and git's stat
        // data cannot vouch for them: dated back, every file is clean.
        let status = std::process::Command::new("find")
            .args([
                "registry",
                "-type",
                "f",
                "-exec",
                "touch",
                "-d",
                "@1577836800",
                "{}",
                "+",
            ])
            .current_dir(root)
            .status()?;
        assert!(status.success());
        git(root, &["add", "-A"])?;
        git(root, &["commit", "-q", "-m", "all"])?;
        fs::write(root.join("registry/many/m0002.toml"), "n = 'changed'")?;
        fs::write(root.join("registry/many/new.toml"), "n = 'new'")?;
        expected.push("registry/many/new.toml".to_owned());
        expected.sort();

        let ids = crate::git::GitRepo::discover(root)?.index_ids()?;
        let listed = Worktree::new(root)?.with_index_ids(ids).list("registry")?;
        let paths: Vec<&str> = listed.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(paths, expected);
        let unknown: Vec<&str> = listed
            .iter()
            .filter(|l| l.id.is_none())
            .map(|l| l.path.as_str())
            .collect();
        assert_eq!(
            unknown,
            ["registry/many/m0002.toml", "registry/many/new.toml"]
        );
        let unchanged = listed
            .iter()
            .find(|l| l.path == "registry/few/f0000.toml")
            .ok_or("f0000 listed")?;
        assert_eq!(unchanged.id, Some(ContentId::of_bytes(b"n = 0")));
        assert_eq!(unchanged.kind, ListedKind::File { size: Some(5) });
        Ok(())
    }

    #[test]
    fn a_registry_below_the_work_tree_root_is_compared_with_its_own_index_entries()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        // `reg-b` sorts between `reg` and `reg/` in the index: its entries must not be taken
        // for the registry's.
        for path in [
            "reg/registry/a.toml",
            "reg/registry/b.toml",
            "reg-b/registry/a.toml",
        ] {
            fs::create_dir_all(root.join(path).parent().ok_or("a parent")?)?;
            fs::write(root.join(path), format!("at = '{path}'"))?;
        }
        fs::write(root.join("a.toml"), "outside")?;
        git(root, &["init", "-q"])?;
        let status = std::process::Command::new("touch")
            .args(["-d", "@1577836800"])
            .args([
                "reg/registry/a.toml",
                "reg/registry/b.toml",
                "reg-b/registry/a.toml",
            ])
            .current_dir(root)
            .status()?;
        assert!(status.success());
        git(root, &["add", "-A"])?;
        git(root, &["commit", "-q", "-m", "all"])?;
        fs::write(root.join("reg/registry/b.toml"), "at = 'changed'")?;

        let registry = root.join("reg");
        let ids = crate::git::GitRepo::discover(&registry)?.index_ids()?;
        let listed = Worktree::new(&registry)?
            .with_index_ids(ids)
            .list("registry")?;
        let ids: Vec<(&str, Option<ContentId>)> =
            listed.iter().map(|l| (l.path.as_str(), l.id)).collect();
        assert_eq!(
            ids,
            [
                (
                    "registry/a.toml",
                    Some(ContentId::of_bytes(b"at = 'reg/registry/a.toml'"))
                ),
                ("registry/b.toml", None),
            ]
        );
        Ok(())
    }

    #[test]
    fn oversized_files_are_refused_by_size_and_special_files_do_not_block()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        fs::create_dir_all(root.join("registry/sub"))?;
        fs::write(root.join("registry/big.toml"), "x".repeat(100))?;
        let snapshot = Worktree::new(root)?;
        assert_eq!(
            snapshot.read_limited("registry/big.toml", 99)?,
            Some(Limited::TooLarge(100))
        );
        assert_eq!(
            snapshot.read_limited("registry/big.toml", 100)?,
            Some(Limited::Bytes("x".repeat(100).into_bytes()))
        );
        assert_eq!(snapshot.read_limited("registry/missing.toml", 100)?, None);
        assert_eq!(snapshot.read_limited("registry/sub", 1 << 20)?, None);
        #[cfg(unix)]
        {
            // A FIFO with no writer would block a plain open forever.
            let made = std::process::Command::new("mkfifo")
                .arg(root.join("registry/pipe.toml"))
                .status()?;
            assert!(made.success());
            assert_eq!(
                snapshot.read_limited("registry/pipe.toml", 100)?,
                Some(Limited::Bytes(Vec::new()))
            );
        }
        Ok(())
    }
}
