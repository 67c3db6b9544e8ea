//! Entries in a registry and the file changes an edit makes to it: found by id (or by a unique
//! value such as a tool's uuid), validated with the whole registry as it would be, and written
//! only when nothing else changed those files meanwhile.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use regctl_core::config::{Config, Kind};
use regctl_core::diagnostic::{Diagnostic, Severity};
use regctl_core::discover::{discover, file_stem};
use regctl_core::document::{Document, Format};
use regctl_core::error::Error;
use regctl_core::fsutil::write_atomic;
use regctl_core::snapshot::{Overlay, Snapshot};
use regctl_core::suggest::is_close;
use regctl_validate::Report;

use crate::order::KeyOrder;

/// A descriptor file of the registry, read for editing.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Index of the kind in [`Config::kinds`].
    pub kind: usize,
    pub id: String,
    /// Path relative to the registry root.
    pub path: String,
    pub format: Format,
    pub text: String,
}

/// Why an entry could not be found or changed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("unknown kind `{kind}`; declared kinds: {known}")]
    UnknownKind { kind: String, known: String },
    #[error("no entry `{reference}`{}", suggest(.suggestions))]
    NotFound {
        reference: String,
        suggestions: Vec<String>,
    },
    #[error("`{reference}` names several entries: {}; add the kind (`kind:id`)", .candidates.join(", "))]
    Ambiguous {
        reference: String,
        candidates: Vec<String>,
    },
    #[error("{path} is not valid UTF-8")]
    NotUtf8 { path: String },
    #[error(
        "{path} changed while regctl was editing it; nothing was written, run the command again"
    )]
    Conflict { path: String },
    #[error(transparent)]
    Registry(#[from] Error),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

fn suggest(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}

/// The kind named `name`.
pub fn kind_index(config: &Config, name: &str) -> Result<usize, RegistryError> {
    config
        .kinds
        .iter()
        .position(|kind| kind.name == name)
        .ok_or_else(|| RegistryError::UnknownKind {
            kind: name.to_owned(),
            known: config
                .kinds
                .iter()
                .map(|k| k.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Finds the entry `key` names: an id (of `kind`, when given), or else a value of a kind's
/// declared unique field (a tool's uuid).
pub fn find(
    config: &Config,
    snapshot: &dyn Snapshot,
    kind: Option<&str>,
    key: &str,
) -> Result<Entry, RegistryError> {
    let wanted = kind.map(|name| kind_index(config, name)).transpose()?;
    let discovered = discover(config, snapshot)?;
    let in_scope = |k: usize| wanted.is_none_or(|w| w == k);
    let by_id: Vec<_> = discovered
        .descriptors
        .iter()
        .filter(|file| in_scope(file.kind) && file.stem() == key)
        .collect();
    let reference = match kind {
        Some(kind) => format!("{kind}:{key}"),
        None => key.to_owned(),
    };
    match by_id.as_slice() {
        [file] => return read_entry(snapshot, file.kind, &file.path, file.format),
        [] => {}
        several => {
            return Err(RegistryError::Ambiguous {
                reference,
                candidates: several
                    .iter()
                    .map(|file| format!("{}:{}", config.kinds[file.kind].name, file.stem()))
                    .collect(),
            });
        }
    }
    // A unique value: read the descriptors of kinds that declare one.
    for file in &discovered.descriptors {
        let kind_def = &config.kinds[file.kind];
        if !in_scope(file.kind) || kind_def.unique.is_empty() {
            continue;
        }
        let Some(bytes) = snapshot.read(&file.path)? else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let Ok(doc) = Document::parse(file.format, text, config.limits.max_depth) else {
            continue;
        };
        let found = kind_def.unique.iter().any(|rule| {
            rule.path.matches(&doc.value).iter().any(|m| {
                if rule.keys {
                    m.path.last().is_some_and(|last| last == key)
                } else {
                    m.value.as_str() == Some(key)
                }
            })
        });
        if found {
            return read_entry(snapshot, file.kind, &file.path, file.format);
        }
    }
    let mut suggestions: Vec<String> = discovered
        .descriptors
        .iter()
        .filter(|file| in_scope(file.kind) && is_close(key, file.stem()))
        .map(|file| format!("{}:{}", config.kinds[file.kind].name, file.stem()))
        .collect();
    suggestions.truncate(3);
    Err(RegistryError::NotFound {
        reference,
        suggestions,
    })
}

/// Whether an entry `kind:id` exists, wherever its file is.
pub fn exists(
    config: &Config,
    snapshot: &dyn Snapshot,
    kind: usize,
    id: &str,
) -> Result<Option<String>, RegistryError> {
    Ok(discover(config, snapshot)?
        .descriptors
        .into_iter()
        .find(|file| file.kind == kind && file.stem() == id)
        .map(|file| file.path))
}

/// Reads the descriptor at `path` as an entry of `kind`.
pub fn find_file(
    snapshot: &dyn Snapshot,
    kind: usize,
    path: &str,
    format: Format,
) -> Result<Entry, RegistryError> {
    read_entry(snapshot, kind, path, format)
}

fn read_entry(
    snapshot: &dyn Snapshot,
    kind: usize,
    path: &str,
    format: Format,
) -> Result<Entry, RegistryError> {
    let bytes = snapshot
        .read(path)?
        .ok_or_else(|| RegistryError::NotFound {
            reference: path.to_owned(),
            suggestions: Vec::new(),
        })?;
    let text = String::from_utf8(bytes).map_err(|_| RegistryError::NotUtf8 {
        path: path.to_owned(),
    })?;
    Ok(Entry {
        kind,
        id: file_stem(path).to_owned(),
        path: path.to_owned(),
        format,
        text,
    })
}

/// The key order of `kind`'s schema, read through `snapshot`.
pub fn key_order(snapshot: &dyn Snapshot, kind: &Kind) -> KeyOrder {
    let format_of = |path: &str| Format::from_path(path).unwrap_or(Format::Json);
    let mut order = match snapshot.read(&kind.schema_path) {
        Ok(Some(bytes)) => KeyOrder::from_schema(
            format_of(&kind.schema_path),
            &String::from_utf8_lossy(&bytes),
        ),
        _ => return KeyOrder::none(),
    };
    // Schema files `$ref`s name sit beside the kind's schema.
    let dir = kind.schema_path.rsplit_once('/').map_or("", |(dir, _)| dir);
    for _ in 0..8 {
        let missing = order.missing_files();
        if missing.is_empty() {
            break;
        }
        for file in missing {
            let path = if dir.is_empty() {
                file.clone()
            } else {
                format!("{dir}/{file}")
            };
            let text = match snapshot.read(&path) {
                Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
                // Not there: remember it as empty so it is not looked for again.
                _ => "{}".to_owned(),
            };
            order.add(&file, format_of(&path), &text);
        }
    }
    order
}

/// Where a new entry of `kind` goes: `DIR/ID.EXT`.
pub fn canonical_path(kind: &Kind, id: &str, format: Format) -> String {
    let ext = match format {
        Format::Toml => "toml",
        Format::Json => "json",
        Format::Yaml => "yaml",
    };
    format!("{}/{id}.{ext}", kind.dir)
}

/// The format most of `kind`'s entries use (TOML for a kind without entries).
pub fn usual_format(
    config: &Config,
    snapshot: &dyn Snapshot,
    kind: usize,
) -> Result<Format, RegistryError> {
    let mut counts: BTreeMap<&'static str, (usize, Format)> = BTreeMap::new();
    for file in discover(config, snapshot)?.descriptors {
        if file.kind == kind {
            counts
                .entry(file.format.as_str())
                .or_insert((0, file.format))
                .0 += 1;
        }
    }
    Ok(counts
        .into_values()
        .max_by_key(|(count, _)| *count)
        .map_or(Format::Toml, |(_, format)| format))
}

/// The file changes of one edit.
#[derive(Debug, Default)]
pub struct Plan {
    changes: BTreeMap<String, Change>,
}

/// One file's change: what it held when read (to detect concurrent edits) and what it will hold.
#[derive(Debug)]
struct Change {
    before: Option<Vec<u8>>,
    after: Option<Vec<u8>>,
}

impl Plan {
    /// Writes `after` at `path`, which held `before` (`None`: the file is new).
    pub fn write(&mut self, path: &str, before: Option<&str>, after: String) {
        self.changes.insert(
            path.to_owned(),
            Change {
                before: before.map(|text| text.as_bytes().to_vec()),
                after: Some(after.into_bytes()),
            },
        );
    }

    /// Removes `path`, which held `before`.
    pub fn remove(&mut self, path: &str, before: &str) {
        self.changes.insert(
            path.to_owned(),
            Change {
                before: Some(before.as_bytes().to_vec()),
                after: None,
            },
        );
    }

    /// The files this plan changes, in path order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.changes.keys().map(String::as_str)
    }

    /// Files whose content actually changes.
    pub fn changed(&self) -> Vec<&str> {
        self.changes
            .iter()
            .filter(|(_, change)| change.before != change.after)
            .map(|(path, _)| path.as_str())
            .collect()
    }

    /// What the file at `path` will hold, if this plan writes it.
    pub fn after(&self, path: &str) -> Option<&[u8]> {
        self.changes.get(path)?.after.as_deref()
    }

    /// `base` with this plan's changes made in memory.
    pub fn overlay<'s>(&self, base: &'s dyn Snapshot) -> Overlay<'s> {
        let mut overlay = Overlay::new(base);
        for (path, change) in &self.changes {
            match &change.after {
                Some(bytes) => overlay.write(path, bytes.clone()),
                None => overlay.remove(path),
            }
        }
        overlay
    }
}

/// The registry as the plan would leave it, and which of its errors the plan causes.
pub struct Verdict {
    pub report: Report,
    /// Indices into `report.diagnostics` of the errors that block the edit.
    pub blocking: Vec<usize>,
}

impl Verdict {
    pub fn is_clean(&self) -> bool {
        self.blocking.is_empty()
    }
}

/// Validates the registry as `plan` would leave it. Errors in the changed files block the
/// edit; errors elsewhere block it only when the registry did not already have them (a
/// rename that breaks a reference, say), so a registry with unrelated problems stays editable.
pub fn check(config: &Config, snapshot: &dyn Snapshot, plan: &Plan) -> Result<Verdict, Error> {
    let overlay = plan.overlay(snapshot);
    let report = regctl_validate::validate(config, &overlay)?;
    let touched: BTreeSet<&str> = plan.paths().collect();
    let is_error = |d: &Diagnostic| d.severity == Severity::Error;
    let elsewhere: Vec<usize> = report
        .diagnostics
        .iter()
        .enumerate()
        .filter(|(_, d)| is_error(d) && !d.file.as_deref().is_some_and(|f| touched.contains(f)))
        .map(|(i, _)| i)
        .collect();
    let known: BTreeSet<(String, Option<String>, String)> = if elsewhere.is_empty() {
        BTreeSet::new()
    } else {
        regctl_validate::validate(config, snapshot)?
            .diagnostics
            .into_iter()
            .filter(is_error)
            .map(|d| (d.code.to_string(), d.file, d.message))
            .collect()
    };
    let blocking = report
        .diagnostics
        .iter()
        .enumerate()
        .filter(|(i, d)| {
            is_error(d)
                && (!elsewhere.contains(i)
                    || !known.contains(&(d.code.to_string(), d.file.clone(), d.message.clone())))
        })
        .map(|(i, _)| i)
        .collect();
    Ok(Verdict { report, blocking })
}

/// Where writing `path` goes: the file itself, or the file a symbolic link inside the
/// registry points to (replacing the link would silently fork the two).
fn write_target(root: &Path, path: &str) -> Result<std::path::PathBuf, RegistryError> {
    let full = root.join(path);
    let is_link = std::fs::symlink_metadata(&full).is_ok_and(|meta| meta.file_type().is_symlink());
    if !is_link {
        return Ok(full);
    }
    let error = |source: std::io::Error| RegistryError::Write {
        path: path.to_owned(),
        source,
    };
    let target = std::fs::canonicalize(&full).map_err(error)?;
    let root = std::fs::canonicalize(root).map_err(error)?;
    if target.starts_with(&root) {
        Ok(target)
    } else {
        Err(error(std::io::Error::other(
            "it is a symbolic link to a file outside the registry",
        )))
    }
}

/// Writes the plan under `root`: every file is first checked to still hold what the edit read,
/// then each is written to a temporary file and renamed into place.
pub fn commit(root: &Path, plan: &Plan) -> Result<(), RegistryError> {
    for (path, change) in &plan.changes {
        let current = match std::fs::read(root.join(path)) {
            Ok(bytes) => Some(bytes),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(RegistryError::Write {
                    path: path.clone(),
                    source,
                });
            }
        };
        if current != change.before {
            return Err(RegistryError::Conflict { path: path.clone() });
        }
    }
    // New and changed files first, removals last: an interrupted rename leaves both copies,
    // never neither.
    for (path, change) in &plan.changes {
        if let Some(bytes) = &change.after
            && change.before.as_ref() != Some(bytes)
        {
            let target = write_target(root, path)?;
            write_atomic(&target, bytes).map_err(|source| RegistryError::Write {
                path: path.clone(),
                source,
            })?;
        }
    }
    for (path, change) in &plan.changes {
        if change.after.is_none() {
            std::fs::remove_file(root.join(path)).map_err(|source| RegistryError::Write {
                path: path.clone(),
                source,
            })?;
        }
    }
    Ok(())
}
