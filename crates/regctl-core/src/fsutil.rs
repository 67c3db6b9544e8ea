//! File system helpers shared by every command that writes.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file beside it, flushed to disk, then
/// renamed over it. A failure or a kill leaves the previous file intact.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let temp = dir.join(format!(
        ".{}.regctl-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Whether `path` is a plain relative path: `/`-separated names, none empty, `.` or `..`, no
/// backslash or drive colon. Only such a path, joined to a directory, stays inside it; paths
/// read from files someone else wrote (a federation source's manifest, an old index's
/// manifest) are checked with this before they are joined.
pub fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', ':'])
        && path.split('/').all(|name| !matches!(name, "" | "." | ".."))
}

/// A directory opened once, so that files below it are looked up from it: at 100,000 files,
/// resolving every absolute path's leading components again was much of what `lstat` cost.
pub struct Dir {
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
    #[cfg(not(unix))]
    path: std::path::PathBuf,
}

/// What `lstat` tells of a file: its size, and its stat data as git records it in the index.
pub struct FileStat {
    pub size: u64,
    pub git: Option<gix::index::entry::Stat>,
}

impl Dir {
    pub fn open(path: &Path) -> io::Result<Dir> {
        #[cfg(unix)]
        {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let fd = rustix::fs::open(path, flags, Mode::empty())?;
            Ok(Dir { fd })
        }
        #[cfg(not(unix))]
        Ok(Dir {
            path: path.to_path_buf(),
        })
    }

    /// Creates (or truncates) the file `name` in this directory and writes `bytes` to it.
    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        #[cfg(unix)]
        {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC;
            let mode = Mode::from_raw_mode(0o666);
            let fd = rustix::fs::openat(&self.fd, name, flags, mode)?;
            fs::File::from(fd).write_all(bytes)
        }
        #[cfg(not(unix))]
        fs::write(self.path.join(name), bytes)
    }

    /// `lstat` of `relative` (`/`-separated, below this directory): links are not followed.
    pub fn lstat(&self, relative: &str) -> io::Result<FileStat> {
        #[cfg(unix)]
        {
            use gix::index::entry::stat::Time;
            let stat =
                rustix::fs::statat(&self.fd, relative, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)?;
            // Truncation to 32 bits is what git does too.
            let time = |secs: i64, nsecs: i64| Time {
                secs: secs as u32,
                nsecs: nsecs as u32,
            };
            Ok(FileStat {
                size: stat.st_size as u64,
                git: Some(gix::index::entry::Stat {
                    mtime: time(stat.st_mtime as i64, stat.st_mtime_nsec as i64),
                    ctime: time(stat.st_ctime as i64, stat.st_ctime_nsec as i64),
                    dev: stat.st_dev as u32,
                    ino: stat.st_ino as u32,
                    uid: stat.st_uid,
                    gid: stat.st_gid,
                    size: stat.st_size as u32,
                }),
            })
        }
        #[cfg(not(unix))]
        {
            let metadata = std::fs::symlink_metadata(self.path.join(relative))?;
            Ok(FileStat {
                size: metadata.len(),
                git: gix::index::entry::Stat::from_fs(&gix::index::fs::Metadata::from(metadata))
                    .ok(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_paths_stay_inside() {
        for ok in [
            "a.json",
            "entries/k/ab/.c/ab.cd.json",
            "x/..y/z",
            "%2E%2E.json",
        ] {
            assert!(is_plain_relative(ok), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x.json",
            "a/../../x.json",
            "a/./b",
            "a//b",
            "a/",
            "..",
            "a\\..\\b",
            "C:/x.json",
        ] {
            assert!(!is_plain_relative(bad), "{bad}");
        }
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_behind() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("sub/CODEOWNERS");
        write_atomic(&path, b"one")?;
        write_atomic(&path, b"two")?;
        assert_eq!(fs::read(&path)?, b"two");
        assert_eq!(fs::read_dir(path.parent().expect("parent"))?.count(), 1);
        Ok(())
    }

    /// `lstat` from an open directory agrees with `lstat` of the full path: the size, and the
    /// stat data git compares (a change to the file changes it); a link is not followed.
    #[cfg(unix)]
    #[test]
    fn lstat_below_a_directory_is_lstat_of_the_full_path() -> io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir()?;
        fs::create_dir(dir.path().join("sub"))?;
        fs::write(dir.path().join("sub/a.toml"), "name = 'a'\n")?;
        std::os::unix::fs::symlink("a.toml", dir.path().join("sub/link.toml"))?;
        let opened = Dir::open(dir.path())?;
        for name in ["sub/a.toml", "sub/link.toml"] {
            let full = fs::symlink_metadata(dir.path().join(name))?;
            let stat = opened.lstat(name)?;
            assert_eq!(stat.size, full.len(), "{name}");
            let git = stat.git.expect("stat data");
            assert_eq!(u64::from(git.ino), full.ino() & 0xffff_ffff, "{name}");
            assert_eq!(i64::from(git.mtime.secs), full.mtime(), "{name}");
        }
        let before = opened.lstat("sub/a.toml")?;
        fs::write(dir.path().join("sub/a.toml"), "name = 'a'\nversion = '1'\n")?;
        let after = opened.lstat("sub/a.toml")?;
        assert_ne!(before.git, after.git);
        assert!(opened.lstat("sub/missing.toml").is_err());
        Ok(())
    }
}
