//! Fetching one source: from the cache while it is fresh, else from the source, verified.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use rayon::prelude::*;
use regctl_compose::build::sha256_hex;
use regctl_core::fsutil::is_plain_relative;
use regctl_core::source_url::SourceLocation;
use serde_json::Value;

use crate::cache::SourceCache;
use crate::transport::{Failure, Got, Transport};
use crate::verify::{self, FileKind};

/// How long a fetched copy is reused when a source does not say.
pub const DEFAULT_TTL_SECONDS: u64 = 3600;

/// A source, as its `source` entry describes it.
#[derive(Clone, Debug)]
pub struct SourceSpec {
    pub name: String,
    pub url: String,
    pub location: SourceLocation,
    pub domain: Option<String>,
    pub enabled: bool,
    pub required: bool,
    pub ttl_seconds: u64,
    /// The sha256 the source's `manifest.json` must have.
    pub pin: Option<String>,
    /// The environment variable that holds the source's bearer token.
    pub token_env: Option<String>,
    /// The token itself, resolved by the caller from `token_env`. Never logged or cached.
    pub token: Option<String>,
}

impl SourceSpec {
    /// Reads a validated `source` entry's document.
    pub fn from_document(value: &Value) -> Result<SourceSpec, String> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let name = text("name").ok_or("a source needs a `name`")?;
        let url = text("url").ok_or("a source needs a `url`")?;
        let location = SourceLocation::parse(&url)?;
        Ok(SourceSpec {
            name,
            url,
            location,
            domain: text("domain"),
            enabled: value
                .get("enabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            required: value
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            ttl_seconds: value
                .get("cache_ttl_seconds")
                .and_then(Value::as_u64)
                .unwrap_or(DEFAULT_TTL_SECONDS),
            pin: text("sha256"),
            token_env: text("token_env"),
            token: None,
        })
    }
}

/// Whether to use the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchMode {
    /// Reuse cached copies younger than their TTL, fetch the rest.
    Normal,
    /// Fetch everything, revalidating cached files.
    Refresh,
    /// Use only the cache; older copies are used and reported stale.
    Offline,
}

/// Settings shared by every fetch.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// The registry root, for sources given as relative paths.
    pub root: PathBuf,
    pub cache_dir: PathBuf,
    pub mode: FetchMode,
    pub timeout: Duration,
    pub max_file_bytes: u64,
    /// The current time in seconds since the Unix epoch, for TTLs.
    pub now: u64,
}

/// How a source fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Fetched, or cached and younger than its TTL.
    Ok,
    /// Cached, older than its TTL, and used because the run is offline.
    Stale,
    /// Disabled, or optional and unusable: left out of the federated index.
    Skipped,
    /// Required and unusable: the federated index cannot be built.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Stale => "stale",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
        }
    }
}

/// Why a source is unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// It could not be reached (or, offline, there is no cached copy).
    Unreachable,
    /// What it sent does not match its manifest, its pin or the index format.
    Invalid,
    /// It is disabled.
    Disabled,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub message: String,
}

/// The outcome of fetching one source.
#[derive(Debug)]
pub struct Fetched {
    pub spec: SourceSpec,
    pub status: Status,
    pub from_cache: bool,
    /// Seconds since the copy used was fetched (0 for a fresh fetch).
    pub age_seconds: Option<u64>,
    pub manifest_sha256: Option<String>,
    pub problem: Option<Problem>,
    /// The source's files (path → bytes), verified; empty when it is unusable.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Fetched {
    /// The number of entries in the source's catalog.
    pub fn entries(&self) -> usize {
        self.files
            .keys()
            .filter(|path| path.starts_with("entries/"))
            .count()
    }
}

/// Fetches every source, in parallel; results are in the order of `specs`.
pub fn fetch_all(specs: &[SourceSpec], options: &FetchOptions) -> Vec<Fetched> {
    specs.par_iter().map(|spec| fetch(spec, options)).collect()
}

/// Fetches one source.
pub fn fetch(spec: &SourceSpec, options: &FetchOptions) -> Fetched {
    let unusable = |problem: Problem, age: Option<u64>| Fetched {
        spec: spec.clone(),
        status: if problem.kind == ProblemKind::Disabled || !spec.required {
            Status::Skipped
        } else {
            Status::Failed
        },
        from_cache: false,
        age_seconds: age,
        manifest_sha256: None,
        problem: Some(problem),
        files: BTreeMap::new(),
    };
    if !spec.enabled {
        return unusable(
            Problem {
                kind: ProblemKind::Disabled,
                message: "the source is disabled".to_owned(),
            },
            None,
        );
    }
    // Sources on this machine are read directly: a cache would be no faster, and could be stale.
    let local = match &spec.location {
        SourceLocation::Path(_) => true,
        SourceLocation::Git { repo, .. } => repo.starts_with("file://"),
        SourceLocation::Http { .. } => false,
    };
    if local {
        let no_cache = SourceCache::none();
        return match download(spec, options, &no_cache) {
            Ok((files, _)) => Fetched {
                spec: spec.clone(),
                status: Status::Ok,
                from_cache: false,
                age_seconds: Some(0),
                manifest_sha256: files.get("manifest.json").map(|bytes| sha256_hex(bytes)),
                problem: None,
                files,
            },
            Err(problem) => unusable(problem, None),
        };
    }
    let mut cache = SourceCache::open(&options.cache_dir, &spec.name, &spec.url);
    let age = cache.age(options.now);
    let fresh = age.is_some_and(|age| age < spec.ttl_seconds);
    let usable = |files: BTreeMap<String, Vec<u8>>,
                  status: Status,
                  from_cache: bool,
                  age: Option<u64>| Fetched {
        spec: spec.clone(),
        status,
        from_cache,
        age_seconds: age,
        manifest_sha256: files.get("manifest.json").map(|bytes| sha256_hex(bytes)),
        problem: None,
        files,
    };
    let from_cache = |cache: &SourceCache| {
        assemble(spec, &|path, _| {
            cache.file(path).ok_or_else(|| Problem {
                kind: ProblemKind::Unreachable,
                message: format!("the cached copy lacks `{path}`"),
            })
        })
    };
    match options.mode {
        FetchMode::Offline => {
            if age.is_none() {
                return unusable(
                    Problem {
                        kind: ProblemKind::Unreachable,
                        message: "offline, and the source was never fetched".to_owned(),
                    },
                    None,
                );
            }
            return match from_cache(&cache) {
                Ok(files) => usable(
                    files,
                    if fresh { Status::Ok } else { Status::Stale },
                    true,
                    age,
                ),
                Err(problem) => unusable(problem, age),
            };
        }
        FetchMode::Normal if fresh => {
            if let Ok(files) = from_cache(&cache) {
                return usable(files, Status::Ok, true, age);
            }
        }
        _ => {}
    }
    match download(spec, options, &cache) {
        Ok((files, etags)) => {
            // A cache that cannot be written only costs a download next time.
            let _ = cache.store(&spec.url, &files, etags, options.now);
            usable(files, Status::Ok, false, Some(0))
        }
        Err(problem) => unusable(problem, age),
    }
}

/// A source's files: path → bytes.
type Files = BTreeMap<String, Vec<u8>>;
/// `ETag`s by path.
type Etags = BTreeMap<String, String>;
/// Gets a file, given the manifest's (size, sha256) for it when the manifest is known.
type Getter<'a> = dyn Fn(&str, Option<&(u64, String)>) -> Result<Vec<u8>, Problem> + Sync + 'a;

/// Gets and verifies every file the federated index needs, through `get(path, expected)`,
/// where `expected` is the manifest's (size, sha256) for files after the manifest.
fn assemble(spec: &SourceSpec, get: &Getter<'_>) -> Result<Files, Problem> {
    let invalid = |message: String| Problem {
        kind: ProblemKind::Invalid,
        message,
    };
    let manifest_bytes = get("manifest.json", None)?;
    let manifest =
        verify::document(FileKind::Manifest, "manifest.json", &manifest_bytes).map_err(invalid)?;
    let manifest_sha = sha256_hex(&manifest_bytes);
    if let Some(pin) = &spec.pin
        && *pin != manifest_sha
    {
        return Err(invalid(format!(
            "manifest.json has sha256 {manifest_sha}, not the pinned {pin}"
        )));
    }
    let listed = verify::manifest_files(&manifest);
    // Paths are joined to cache and output directories: one leading out of them is an attack.
    let outside = |path: &str| {
        invalid(format!(
            "`{path}` is not a plain relative path, so it could lead outside the index"
        ))
    };
    if let Some(path) = listed.keys().find(|path| !is_plain_relative(path)) {
        return Err(outside(path));
    }
    let fetch = |path: &str, kind: FileKind| -> Result<(Vec<u8>, Value), Problem> {
        if !is_plain_relative(path) {
            return Err(outside(path));
        }
        let bytes = get(path, listed.get(path))?;
        verify::listed(&listed, path, &bytes).map_err(invalid)?;
        let value = verify::document(kind, path, &bytes).map_err(invalid)?;
        Ok((bytes, value))
    };
    let (config, _) = fetch("config.json", FileKind::Config)?;
    let (catalog, catalog_value) = fetch("catalog.json", FileKind::Catalog)?;
    // Rows of a record version this regctl does not know are skipped, as the format says.
    let paths: Vec<&str> = catalog_value["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|row| row["v"].as_u64() == Some(1))
        .filter_map(|row| row["path"].as_str())
        .collect();
    let entries: Vec<(String, Vec<u8>)> = paths
        .par_iter()
        .map(|path| fetch(path, FileKind::Entry).map(|(bytes, _)| ((*path).to_owned(), bytes)))
        .collect::<Result<_, _>>()?;
    let mut files: BTreeMap<String, Vec<u8>> = entries.into_iter().collect();
    files.insert("manifest.json".to_owned(), manifest_bytes);
    files.insert("config.json".to_owned(), config);
    files.insert("catalog.json".to_owned(), catalog);
    Ok(files)
}

/// Fetches from the source, reusing cached files the new manifest still lists and
/// revalidating the others with their `ETag`s; returns the files and their new `ETag`s.
fn download(
    spec: &SourceSpec,
    options: &FetchOptions,
    cache: &SourceCache,
) -> Result<(Files, Etags), Problem> {
    let failure = |failure: Failure| match failure {
        Failure::Unreachable(message) => Problem {
            kind: ProblemKind::Unreachable,
            message,
        },
        Failure::Invalid(message) => Problem {
            kind: ProblemKind::Invalid,
            message,
        },
    };
    let transport = Transport::open(
        &spec.location,
        &options.root,
        spec.token.clone(),
        options.timeout,
        options.max_file_bytes,
    )
    .map_err(failure)?;
    let etags = Mutex::new(BTreeMap::new());
    let get = |path: &str, expected: Option<&(u64, String)>| -> Result<Vec<u8>, Problem> {
        let cached = cache.file(path);
        if let (Some(bytes), Some((size, sha))) = (&cached, expected)
            && bytes.len() as u64 == *size
            && sha256_hex(bytes) == *sha
        {
            return Ok(bytes.clone());
        }
        let etag = cached.as_ref().and_then(|_| cache.etag(path));
        match transport.get(path, etag).map_err(failure)? {
            Got::Bytes { bytes, etag } => {
                if let (Some(etag), Ok(mut etags)) = (etag, etags.lock()) {
                    etags.insert(path.to_owned(), etag);
                }
                Ok(bytes)
            }
            Got::NotModified => {
                if let (Some(etag), Ok(mut etags)) = (cache.etag(path), etags.lock()) {
                    etags.insert(path.to_owned(), etag.to_owned());
                }
                cached.ok_or_else(|| Problem {
                    kind: ProblemKind::Invalid,
                    message: format!("`{path}`: the source answered 304 Not Modified to a request without a cached copy"),
                })
            }
        }
    };
    let files = assemble(spec, &get)?;
    let etags = etags.into_inner().unwrap_or_default();
    Ok((files, etags))
}
