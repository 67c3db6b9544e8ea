//! The fetch cache: one directory per source with its files and a small `meta.json`, written
//! atomically (files first, the metadata last). Tokens are never stored.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use regctl_core::fsutil::write_atomic;
use serde::{Deserialize, Serialize};

#[derive(Default, Serialize, Deserialize)]
struct Meta {
    /// The source URL the files came from; a different URL starts a fresh cache.
    url: String,
    /// When the files were fetched, in seconds since the Unix epoch.
    fetched_at: u64,
    /// `ETag`s by file path, for revalidation.
    etags: BTreeMap<String, String>,
}

/// The cached copy of one source's index.
pub(crate) struct SourceCache {
    dir: PathBuf,
    meta: Option<Meta>,
}

impl SourceCache {
    pub(crate) fn open(cache_dir: &Path, name: &str, url: &str) -> SourceCache {
        let dir = cache_dir.join("sources").join(name);
        let meta = fs::read(dir.join("meta.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Meta>(&bytes).ok())
            .filter(|meta| meta.url == url);
        SourceCache { dir, meta }
    }

    /// A cache that holds nothing, for sources that are read directly.
    pub(crate) fn none() -> SourceCache {
        SourceCache {
            dir: PathBuf::new(),
            meta: None,
        }
    }

    /// Seconds since the cached copy was fetched, if there is one.
    pub(crate) fn age(&self, now: u64) -> Option<u64> {
        self.meta
            .as_ref()
            .map(|meta| now.saturating_sub(meta.fetched_at))
    }

    pub(crate) fn file(&self, path: &str) -> Option<Vec<u8>> {
        self.meta.as_ref()?;
        fs::read(self.dir.join("files").join(path)).ok()
    }

    pub(crate) fn etag(&self, path: &str) -> Option<&str> {
        self.meta.as_ref()?.etags.get(path).map(String::as_str)
    }

    /// Replaces the cached copy with `files`, fetched at `now`.
    pub(crate) fn store(
        &mut self,
        url: &str,
        files: &BTreeMap<String, Vec<u8>>,
        etags: BTreeMap<String, String>,
        now: u64,
    ) -> io::Result<()> {
        let root = self.dir.join("files");
        for (path, bytes) in files {
            let full = root.join(path);
            if fs::read(&full).ok().as_deref() != Some(bytes.as_slice()) {
                write_atomic(&full, bytes)?;
            }
        }
        remove_others(&root, &root, files)?;
        let meta = Meta {
            url: url.to_owned(),
            fetched_at: now,
            etags,
        };
        write_atomic(
            &self.dir.join("meta.json"),
            &serde_json::to_vec(&meta).map_err(io::Error::other)?,
        )?;
        self.meta = Some(meta);
        Ok(())
    }
}

/// Removes files under `dir` that `keep` does not list (paths relative to `root`).
fn remove_others(root: &Path, dir: &Path, keep: &BTreeMap<String, Vec<u8>>) -> io::Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            remove_others(root, &path, keep)?;
            let _ = fs::remove_dir(&path);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let relative = relative.to_string_lossy().replace('\\', "/");
            if !keep.contains_key(&relative) {
                fs::remove_file(&path)?;
            }
        }
    }
    Ok(())
}
