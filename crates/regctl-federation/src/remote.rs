//! Reading a published index over HTTP(S) file by file, for queries: each file is cached with
//! its `ETag` and revalidated on every read, so a lookup is one small conditional request.

use std::path::{Path, PathBuf};
use std::time::Duration;

use regctl_core::Error;
use regctl_core::fsutil::write_atomic;
use regctl_core::source_url::SourceLocation;

use crate::transport::{Failure, Got, Transport};

/// A published index at an `https://` (or `http://`) URL.
pub struct RemoteIndex {
    transport: Transport,
    url: String,
    /// Where files are cached: `<cache>/remote/<encoded base URL>/`.
    cache: PathBuf,
    offline: bool,
}

impl RemoteIndex {
    /// An index at `url`, cached under `cache_dir`; `offline` reads the cache only.
    pub fn new(
        url: &str,
        cache_dir: &Path,
        token: Option<String>,
        timeout: Duration,
        offline: bool,
    ) -> Result<RemoteIndex, Error> {
        let location = SourceLocation::parse(url).map_err(|reason| Error::Remote {
            url: url.to_owned(),
            reason,
        })?;
        let SourceLocation::Http { base } = &location else {
            return Err(Error::Remote {
                url: url.to_owned(),
                reason: "not an http(s):// URL".to_owned(),
            });
        };
        let transport = Transport::open(&location, Path::new("."), token, timeout, 1 << 30)
            .map_err(|failure| Error::Remote {
                url: url.to_owned(),
                reason: match failure {
                    Failure::Unreachable(m) | Failure::Invalid(m) => m,
                },
            })?;
        let key: String = base
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(RemoteIndex {
            transport,
            url: base.clone(),
            cache: cache_dir.join("remote").join(key),
            offline,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The file at `path` (relative to the index root), `None` if the index has no such file.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let cached_file = self.cache.join("files").join(path);
        let etag_file = self.cache.join("etags").join(path);
        let cached = std::fs::read(&cached_file).ok();
        if self.offline {
            return Ok(cached);
        }
        let etag = cached
            .as_ref()
            .and_then(|_| std::fs::read_to_string(&etag_file).ok());
        match self.transport.get(path, etag.as_deref()) {
            Ok(Got::NotModified) => Ok(cached),
            Ok(Got::Bytes { bytes, etag }) => {
                // A cache that cannot be written only costs a full download next time.
                let _ = write_atomic(&cached_file, &bytes);
                match etag {
                    Some(etag) => {
                        let _ = write_atomic(&etag_file, etag.as_bytes());
                    }
                    None => {
                        let _ = std::fs::remove_file(&etag_file);
                    }
                }
                Ok(Some(bytes))
            }
            Err(Failure::Invalid(message)) if message.contains("not found") => Ok(None),
            Err(Failure::Invalid(reason) | Failure::Unreachable(reason)) => Err(Error::Remote {
                url: format!("{}{path}", self.url),
                reason,
            }),
        }
    }
}
