//! Getting one file of a source's index: over HTTP(S), from a git tree, or from a directory.

use std::path::PathBuf;
use std::time::Duration;

use regctl_core::Snapshot;
use regctl_core::git::{GitFiles, GitRepo};
use regctl_core::source_url::SourceLocation;

/// What a request got.
pub(crate) enum Got {
    Bytes {
        bytes: Vec<u8>,
        etag: Option<String>,
    },
    /// The cached copy (sent as `If-None-Match`) is still current.
    NotModified,
}

/// Why a request failed: the source could not be reached, or what it sent is unusable.
pub(crate) enum Failure {
    Unreachable(String),
    Invalid(String),
}

/// A way to read a source's files.
pub(crate) enum Transport {
    Http {
        agent: ureq::Agent,
        base: String,
        /// The source's own host: the only one the token is sent to.
        host: String,
        token: Option<String>,
        max_bytes: u64,
    },
    Dir(PathBuf),
    Git(Box<GitFiles>),
}

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

impl Transport {
    pub(crate) fn open(
        location: &SourceLocation,
        root: &std::path::Path,
        token: Option<String>,
        timeout: Duration,
        max_bytes: u64,
    ) -> Result<Transport, Failure> {
        match location {
            SourceLocation::Http { base } => {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .timeout_connect(Some(timeout))
                    .timeout_global(Some(timeout))
                    // Redirects are followed by hand, so a token never leaves the source's host.
                    .max_redirects(0)
                    .http_status_as_error(false)
                    .user_agent(concat!("regctl/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .into();
                Ok(Transport::Http {
                    agent,
                    base: base.clone(),
                    host: location.host().unwrap_or_default().to_owned(),
                    token,
                    max_bytes,
                })
            }
            SourceLocation::Path(path) => {
                let dir = root.join(path);
                if dir.is_dir() {
                    Ok(Transport::Dir(dir))
                } else {
                    Err(Failure::Unreachable(format!(
                        "`{}` is not a directory",
                        dir.display()
                    )))
                }
            }
            SourceLocation::Git {
                repo,
                reference,
                dir,
            } => {
                let Some(path) = repo.strip_prefix("file://") else {
                    return Err(Failure::Unreachable(format!(
                        "git over `{}` is not supported yet; point the source at the index's https:// URL or a git+file:// clone",
                        repo.split("://").next().unwrap_or_default()
                    )));
                };
                let git = GitRepo::open(std::path::Path::new(path))
                    .map_err(|err| Failure::Unreachable(err.to_string()))?;
                let commit = git
                    .resolve(reference.as_deref().unwrap_or("HEAD"))
                    .map_err(|err| Failure::Unreachable(err.to_string()))?;
                let files = git
                    .tree_snapshot(commit, dir)
                    .map_err(|err| Failure::Unreachable(err.to_string()))?;
                Ok(Transport::Git(Box::new(files)))
            }
        }
    }

    /// Gets `path` (relative to the index root); with `etag`, a 304 answer means the cached
    /// copy is current.
    pub(crate) fn get(&self, path: &str, etag: Option<&str>) -> Result<Got, Failure> {
        match self {
            Transport::Dir(dir) => std::fs::read(dir.join(path))
                .map(|bytes| Got::Bytes { bytes, etag: None })
                .map_err(|err| Failure::Invalid(format!("`{path}`: {err}"))),
            Transport::Git(files) => match files.read(path) {
                Ok(Some(bytes)) => Ok(Got::Bytes { bytes, etag: None }),
                Ok(None) => Err(Failure::Invalid(format!(
                    "`{path}` is not in the source's tree"
                ))),
                Err(err) => Err(Failure::Unreachable(err.to_string())),
            },
            Transport::Http {
                agent,
                base,
                host,
                token,
                max_bytes,
            } => get_http(
                agent,
                &format!("{base}{path}"),
                host,
                token.as_deref(),
                etag,
                *max_bytes,
            ),
        }
    }
}

fn get_http(
    agent: &ureq::Agent,
    url: &str,
    source_host: &str,
    token: Option<&str>,
    etag: Option<&str>,
    max_bytes: u64,
) -> Result<Got, Failure> {
    let mut url = url.to_owned();
    for _ in 0..=MAX_REDIRECTS {
        let mut request = agent.get(&url);
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        if let Some(token) = token
            && host_of(&url) == Some(source_host)
        {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        // The URL, not the error text, names the request: error texts could echo headers.
        let mut response = request
            .call()
            .map_err(|err| Failure::Unreachable(format!("{url}: {}", describe(&err))))?;
        let status = response.status().as_u16();
        match status {
            200 => {
                let etag = response
                    .headers()
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let bytes = response
                    .body_mut()
                    .with_config()
                    .limit(max_bytes)
                    .read_to_vec()
                    .map_err(|err| match err {
                        ureq::Error::BodyExceedsLimit(_) => Failure::Invalid(format!(
                            "{url}: the response is larger than {max_bytes} bytes"
                        )),
                        other => Failure::Unreachable(format!("{url}: {}", describe(&other))),
                    })?;
                return Ok(Got::Bytes { bytes, etag });
            }
            304 => return Ok(Got::NotModified),
            301 | 302 | 303 | 307 | 308 => {
                let Some(location) = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                else {
                    return Err(Failure::Unreachable(format!(
                        "{url}: redirect without a Location"
                    )));
                };
                url = resolve(&url, location);
            }
            404 | 410 => {
                return Err(Failure::Invalid(format!(
                    "{url}: not found (HTTP {status}); is this an index root?"
                )));
            }
            _ => return Err(Failure::Unreachable(format!("{url}: HTTP {status}"))),
        }
    }
    Err(Failure::Unreachable(format!("{url}: too many redirects")))
}

/// A short description of a transport error, without anything a server sent.
fn describe(err: &ureq::Error) -> String {
    match err {
        ureq::Error::Timeout(_) => "timed out".to_owned(),
        ureq::Error::Io(io) => io.to_string(),
        ureq::Error::HostNotFound => "host not found".to_owned(),
        ureq::Error::ConnectionFailed => "connection failed".to_owned(),
        other => other.to_string(),
    }
}

fn host_of(url: &str) -> Option<&str> {
    url.split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?', '#']).next())
}

/// `location` resolved against `url` (absolute, host-relative or path-relative).
fn resolve(url: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_owned();
    }
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if let Some(path) = location.strip_prefix('/') {
        return format!("{scheme}://{host}/{path}");
    }
    let dir = url.rsplit_once('/').map_or(url, |(dir, _)| dir);
    format!("{dir}/{location}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_resolve_like_browsers() {
        assert_eq!(resolve("https://a/x/y.json", "https://b/z"), "https://b/z");
        assert_eq!(resolve("https://a/x/y.json", "/z.json"), "https://a/z.json");
        assert_eq!(
            resolve("https://a/x/y.json", "z.json"),
            "https://a/x/z.json"
        );
        assert_eq!(
            host_of("http://127.0.0.1:8080/index/"),
            Some("127.0.0.1:8080")
        );
    }
}
