//! Where index files come from: memory, a directory, or HTTP.

use std::path::PathBuf;

use regctl_compose::Index;
use regctl_core::Error;
use regctl_federation::RemoteIndex;

/// Something that has the files of an index.
pub trait IndexSource: Send + Sync {
    /// What it is, for messages.
    fn describe(&self) -> String;
    /// The file at `path` (relative to the index root), `None` when the index has none.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error>;
}

/// A registry composed in memory (the working tree, or a git revision).
pub struct MemoryIndex {
    pub index: Index,
    pub label: String,
}

impl IndexSource for MemoryIndex {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.index.files.get(path).cloned())
    }
}

/// A composed index directory.
pub struct DirIndex(pub PathBuf);

impl IndexSource for DirIndex {
    fn describe(&self) -> String {
        format!("the index at {}", self.0.display())
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        match std::fs::read(self.0.join(path)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io {
                path: self.0.join(path).display().to_string(),
                source,
            }),
        }
    }
}

impl IndexSource for RemoteIndex {
    fn describe(&self) -> String {
        format!("the index at {}", self.url())
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        RemoteIndex::read(self, path)
    }
}
