//! Recognising a compose whose inputs have not changed since it last wrote its output.
//!
//! A successful compose leaves a stamp in the registry's cache: a fingerprint of its inputs and
//! the hash of the manifest it wrote. The next compose fingerprints the inputs again (every
//! file's path, size, modification time and inode, as cargo and make judge freshness, plus the
//! configuration, the commit recorded in `config.json` and regctl's version); when the
//! fingerprint, the manifest and every indexed file's size still match, the index on disk is
//! what compose would write, so nothing is validated, built or written. Anything else (no
//! stamp, a federated registry, an edited or missing output file) means a full compose.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use regctl_core::config::{CONFIG_FILE, Config, RENAMES_FILE, walk_roots};
use regctl_core::fsutil::write_atomic;
use regctl_core::{Error, Snapshot, Worktree};
use serde::{Deserialize, Serialize};

use crate::build::{MANIFEST, sha256_hex};
use crate::write::manifest_files;

/// Bumped when the fingerprint's definition changes, so old stamps never match.
const STAMP_VERSION: u32 = 1;

/// What a compose recorded about the index it wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    version: u32,
    /// The fingerprint of the inputs (see [`fingerprint`]).
    pub inputs: String,
    /// The sha256 of the `manifest.json` written.
    pub manifest_sha256: String,
    /// How many entries and files the index has, to report them again.
    pub entries: usize,
    pub files: usize,
}

impl Stamp {
    pub fn new(inputs: String, manifest: &[u8], entries: usize, files: usize) -> Stamp {
        Stamp {
            version: STAMP_VERSION,
            inputs,
            manifest_sha256: sha256_hex(manifest),
            entries,
            files,
        }
    }
}

/// Where the stamp for the output directory `out` lives in `cache_dir`: one per output, so
/// composing into two places does not make either look stale.
pub fn stamp_path(cache_dir: &Path, out: &Path) -> PathBuf {
    // Absolute but not resolved, so the key is the same before and after `out` exists.
    let out = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    let key = sha256_hex(out.to_string_lossy().as_bytes());
    cache_dir.join(format!("compose-{}.json", &key[..16]))
}

/// Writes `stamp`; a failure only costs speed next time, so it is ignored.
pub fn save(path: &Path, stamp: &Stamp) {
    if let Ok(bytes) = serde_json::to_vec(stamp) {
        let _ = write_atomic(path, &bytes);
    }
}

/// Removes a stamp that no longer describes the output (before a compose that writes).
pub fn forget(path: &Path) {
    let _ = fs::remove_file(path);
}

/// The stamp at `path` if it matches `inputs` and the index in `out` is still the one it
/// describes: same manifest bytes, and every file the manifest lists present with its size.
pub fn still_fresh(path: &Path, inputs: &str, out: &Path) -> Option<Stamp> {
    let stamp: Stamp = serde_json::from_slice(&fs::read(path).ok()?).ok()?;
    if stamp.version != STAMP_VERSION || stamp.inputs != inputs {
        return None;
    }
    let manifest = fs::read(out.join(MANIFEST)).ok()?;
    if sha256_hex(&manifest) != stamp.manifest_sha256 {
        return None;
    }
    let listed = manifest_files(&manifest);
    if listed.is_empty() {
        return None;
    }
    let intact = listed.par_iter().all(|(file, (size, _))| {
        fs::symlink_metadata(out.join(file)).is_ok_and(|meta| meta.is_file() && meta.len() == *size)
    });
    intact.then_some(stamp)
}

/// A fingerprint of everything a compose of `snapshot` reads: regctl's version, the commit,
/// `regctl.toml`, `renames.toml`, the schema directories and every file under the walked
/// directories, each by path, size, modification time and inode.
pub fn fingerprint(
    config: &Config,
    snapshot: &Worktree,
    commit: Option<&str>,
) -> Result<String, Error> {
    Ok(fingerprint_of(
        snapshot,
        commit,
        &inputs(config, snapshot)?,
        &[],
    ))
}

/// The paths a fingerprint covers, sorted: `regctl.toml`, `renames.toml`, and every file under
/// the walked and the schema directories. Listed before a compose reads anything, so that a
/// file added or removed meanwhile makes the next fingerprint differ.
pub fn inputs(config: &Config, snapshot: &Worktree) -> Result<Vec<String>, Error> {
    let mut dirs = walk_roots(config);
    for kind in &config.kinds {
        let dir = kind.schema_path.rsplit_once('/').map_or("", |(dir, _)| dir);
        if !dirs.iter().any(|d| d == dir) {
            dirs.push(dir.to_owned());
        }
    }
    let mut paths = vec![CONFIG_FILE.to_owned(), RENAMES_FILE.to_owned()];
    for dir in &dirs {
        // The root itself is never a walk root of a real registry; listing it would take in
        // the output and the cache. Its two files are listed above.
        if dir.is_empty() {
            continue;
        }
        paths.extend(snapshot.list(dir)?.into_iter().map(|listed| listed.path));
    }
    paths.sort_unstable();
    paths.dedup();
    Ok(paths)
}

/// The fingerprint of `paths` (from [`inputs`]). A file in `read` is described by the stat data
/// taken as it was read (`Worktree::take_recorded_reads`), so a compose need not stat again what it
/// read; any other file is stat'ed now. A file nobody read cannot have shaped the index, so
/// stat'ing it late describes it as well as stat'ing it early.
pub fn fingerprint_of(
    snapshot: &Worktree,
    commit: Option<&str>,
    paths: &[String],
    read: &[(String, fs::Metadata)],
) -> String {
    let read: HashMap<&str, &fs::Metadata> = read
        .iter()
        .map(|(path, metadata)| (path.as_str(), metadata))
        .collect();
    let stats: Vec<String> = paths
        .par_iter()
        .map(|path| match read.get(path.as_str()) {
            Some(metadata) => describe(metadata),
            None => fs::metadata(snapshot.root().join(path))
                .map_or_else(|_| "-".to_owned(), |m| describe(&m)),
        })
        .collect();
    let mut text = format!(
        "regctl {} stamp {STAMP_VERSION}\ncommit {}\n",
        env!("CARGO_PKG_VERSION"),
        commit.unwrap_or("-")
    );
    for (path, stat) in paths.iter().zip(&stats) {
        text.push_str(path);
        text.push('\0');
        text.push_str(stat);
        text.push('\n');
    }
    sha256_hex(text.as_bytes())
}

/// Size, modification time (to the nanosecond) and inode of a file (links followed).
fn describe(meta: &fs::Metadata) -> String {
    let modified = meta
        .modified()
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or((0, 0), |since| (since.as_secs(), since.subsec_nanos()));
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0u64;
    format!("{} {}.{} {inode}", meta.len(), modified.0, modified.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_is_fresh_only_while_the_output_is_intact() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("index");
        fs::create_dir_all(out.join("entries"))?;
        fs::write(out.join("entries/a.json"), "{}\n")?;
        let manifest = br#"{"files":{"entries/a.json":{"sha256":"x","size":3}}}"#;
        fs::write(out.join(MANIFEST), manifest)?;
        let path = stamp_path(dir.path(), &out);
        save(&path, &Stamp::new("inputs".to_owned(), manifest, 1, 2));

        assert!(still_fresh(&path, "inputs", &out).is_some());
        assert!(still_fresh(&path, "other inputs", &out).is_none());
        fs::write(out.join("entries/a.json"), "{ }\n")?;
        assert!(still_fresh(&path, "inputs", &out).is_none(), "size changed");
        fs::write(out.join("entries/a.json"), "{}\n")?;
        fs::remove_file(out.join("entries/a.json"))?;
        assert!(still_fresh(&path, "inputs", &out).is_none(), "file missing");
        fs::write(out.join("entries/a.json"), "{}\n")?;
        fs::write(out.join(MANIFEST), b"{}")?;
        assert!(still_fresh(&path, "inputs", &out).is_none(), "manifest");
        forget(&path);
        assert!(!path.exists());
        Ok(())
    }

    #[test]
    fn files_are_described_as_they_were_read() -> Result<(), Box<dyn std::error::Error>> {
        use regctl_core::Snapshot;
        let dir = tempfile::tempdir()?;
        fs::write(dir.path().join("a.toml"), "a = 1\n")?;
        fs::write(dir.path().join("b.toml"), "b = 1\n")?;
        let snapshot = Worktree::new(dir.path())?.recording_reads();
        let paths = ["a.toml".to_owned(), "b.toml".to_owned()];
        assert!(snapshot.read("a.toml")?.is_some());
        let read = snapshot.take_recorded_reads();
        assert_eq!(read.len(), 1);
        // Unchanged, the stat data taken while reading is the stat data of a fresh stat.
        let fresh = fingerprint_of(&snapshot, None, &paths, &[]);
        assert_eq!(fingerprint_of(&snapshot, None, &paths, &read), fresh);
        // Changed after it was read: the stamp describes what was read, so the next compose's
        // fingerprint differs and it composes again.
        fs::write(dir.path().join("a.toml"), "a = 22\n")?;
        assert_ne!(
            fingerprint_of(&snapshot, None, &paths, &read),
            fingerprint_of(&snapshot, None, &paths, &[])
        );
        Ok(())
    }
}
