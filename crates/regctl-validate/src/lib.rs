//! The validator: runs every rule over a registry snapshot and returns a [`Report`].
//!
//! Work happens in two phases. Each descriptor is read, parsed and checked on its own, in
//! parallel ([`mod@file`]); that phase keeps only a small [`EntrySummary`] per entry (id, versions,
//! references, unique values, with their spans). The cross-file rules ([`cross`]) then run on
//! the summaries alone, so memory stays proportional to the summaries, not to the documents.
//! Finally levels and suppressions are applied and positions computed ([`report`]).

mod cache;
pub mod change;
pub mod cross;
pub mod file;
mod focus;
pub mod owners;
pub mod report;
mod schema_errors;

use std::any::Any;
use std::sync::Arc;

use rayon::prelude::*;
use regctl_core::config::{Config, Kind};
use regctl_core::discover::{DescriptorFile, Discovered, discover};
use regctl_core::{Diagnostic, Error, Snapshot};

pub use change::{Acknowledgement, Base, acknowledgements};
pub use file::{EntrySummary, Facts, Released};
pub use report::Report;

/// Validates the whole registry in `snapshot` with the compiled `config`.
///
/// Findings about the data are in the report; `Err` means the registry could not be read.
pub fn validate(config: &Config, snapshot: &dyn Snapshot) -> Result<Report, Error> {
    validate_with(config, snapshot, None)
}

/// Validates `head`; with a `base`, judges the change from base to head: change rules run, and
/// only diagnostics about changed entries and their neighbours are reported (unless
/// [`Base::report_all`]).
pub fn validate_with(
    config: &Config,
    head: &dyn Snapshot,
    base: Option<&Base<'_>>,
) -> Result<Report, Error> {
    let Some(base) = base else {
        let run = run(
            config,
            head,
            discover(config, head)?,
            Mode::Plain { visit: None },
        )?;
        let diagnostics = run.diagnostics();
        let report = report::finish(config, head, &run, diagnostics, &[], None);
        regctl_core::drop_in_background(run);
        return report;
    };
    // Three independent walks over the whole registry (the cache is indexed as it is read).
    let ((base_found, head_found), mut cache) = rayon::join(
        || {
            rayon::join(
                || discover(config, base.snapshot),
                || discover(config, head),
            )
        },
        || {
            base.cache_dir
                .map(|dir| cache::SummaryCache::open(dir, config))
        },
    );
    let base_found = base_found?;
    // Untouched files need only their summaries; with a warm cache they are not even read,
    // and their summaries stay encoded unless the change's cross-file rules need them.
    let mut run = run(
        config,
        head,
        head_found?,
        Mode::Change {
            base: &base_found,
            changed: base.changed,
            cache: cache.as_ref().filter(|_| !base.report_all),
            all_cross: base.report_all,
        },
    )?;
    if let Some(cache) = &mut cache {
        for (i, entry) in run.entries.iter().enumerate() {
            if run.cached(i).is_none() {
                cache.put(entry);
            }
        }
    }
    let judged = change::judge(config, head, base, &base_found, &run, cache.as_ref())?;
    // Findings about entries decoded for the cross-file rules are filtered by their own
    // suppressions, so the report needs them whole.
    for (i, entry) in judged.decoded {
        run.entries[i] = entry;
    }
    if let Some(cache) = cache {
        cache.save(&run.entries);
    }
    let report = report::finish(
        config,
        head,
        &run,
        judged.diagnostics,
        &base.acknowledgements,
        Some((judged.n_changed, judged.n_removed)),
    );
    regctl_core::drop_in_background((run, base_found));
    report
}

/// Called once per parsed entry with its kind, summary and document, on the worker thread that
/// parsed it, so callers can extract what they need without parsing the registry again.
pub type Visitor<'a> =
    &'a (dyn Fn(&Kind, &EntrySummary, &serde_json::Value) -> Box<dyn Any + Send> + Sync);

/// A validated registry, with what a visitor extracted from each entry.
pub struct Visited<T> {
    pub report: Report,
    /// Every entry, in path order within each walked directory.
    pub entries: Vec<EntrySummary>,
    /// What the visitor returned for each entry, in the order of `entries`; `None` when the
    /// file could not be parsed.
    pub visits: Vec<Option<T>>,
}

/// Validates the whole registry and calls `visit` with every entry's document (after its
/// suppression table is removed).
pub fn validate_visiting<T: Send + 'static>(
    config: &Config,
    snapshot: &dyn Snapshot,
    visit: impl Fn(&Kind, &EntrySummary, &serde_json::Value) -> T + Sync,
) -> Result<Visited<T>, Error> {
    let boxed = |kind: &Kind,
                 entry: &EntrySummary,
                 value: &serde_json::Value|
     -> Box<dyn Any + Send> { Box::new(visit(kind, entry, value)) };
    let mut run = run(
        config,
        snapshot,
        discover(config, snapshot)?,
        Mode::Plain {
            visit: Some(&boxed),
        },
    )?;
    let diagnostics = run.diagnostics();
    let report = report::finish(config, snapshot, &run, diagnostics, &[], None)?;
    let visits = std::mem::take(&mut run.visits)
        .into_iter()
        .map(|visited| {
            visited
                .and_then(|any| any.downcast::<T>().ok())
                .map(|boxed| *boxed)
        })
        .collect();
    Ok(Visited {
        report,
        entries: std::mem::take(&mut run.entries),
        visits,
    })
}

/// Everything the per-file and cross-file rules found in one snapshot.
pub(crate) struct Run {
    pub(crate) n_files: usize,
    pub(crate) entries: Vec<EntrySummary>,
    /// Per entry (or empty): its summary is a stub (path, kind, id, content and whether it is
    /// broken), the rest still encoded in the summary cache.
    pub(crate) cached: Vec<Option<cache::Slot>>,
    /// Per entry, in a change run: the index of the base's descriptor at the same path.
    pub(crate) base_of: Vec<Option<usize>>,
    /// Findings about files no kind reads.
    pub(crate) discovery: Vec<Diagnostic>,
    pub(crate) per_file: Vec<Diagnostic>,
    pub(crate) cross: Vec<Diagnostic>,
    pub(crate) sources: Vec<(String, Arc<str>)>,
    /// What the visitor returned for each entry, in the order of `entries`.
    pub(crate) visits: Vec<Option<Box<dyn Any + Send>>>,
}

impl Run {
    /// Where the cache holds the summary of entry `i`, when the entry is only a stub.
    pub(crate) fn cached(&self, i: usize) -> Option<cache::Slot> {
        self.cached.get(i).copied().flatten()
    }

    fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all = self.discovery.clone();
        all.extend(self.per_file.iter().cloned());
        all.extend(self.cross.iter().cloned());
        all
    }
}

/// How a run treats files.
#[derive(Clone, Copy)]
enum Mode<'a> {
    /// Check every file, and show each parsed document to `visit`.
    Plain { visit: Option<Visitor<'a>> },
    /// Check every file, identifying each by content id and pairing it with the `base`'s file
    /// at the same path; leave the summaries of files unchanged since the base in `cache` when
    /// it has them. The cross-file rules run only with `all_cross`: otherwise the change's
    /// judge runs them around what changed.
    Change {
        base: &'a Discovered,
        /// The head's paths that differ from the base, when `base` holds only those
        /// ([`Base::changed`]).
        changed: Option<&'a [String]>,
        cache: Option<&'a cache::SummaryCache>,
        all_cross: bool,
    },
}

/// Runs the per-file and cross-file rules on the `discovered` files of `snapshot`.
fn run(
    config: &Config,
    snapshot: &dyn Snapshot,
    mut discovered: Discovered,
    mode: Mode<'_>,
) -> Result<Run, Error> {
    let (identify, visit, base, changed, cache, all_cross) = match mode {
        Mode::Plain { visit } => (false, visit, None, None, None, true),
        Mode::Change {
            base,
            changed,
            cache,
            all_cross,
        } => (true, None, Some(base), changed, cache, all_cross),
    };
    let base_of = match base {
        Some(base) => pair_by_path(&base.descriptors, &discovered.descriptors),
        None => Vec::new(),
    };
    // Summaries and findings go straight into their own vectors (indexed, so no intermediate
    // lists): at 100,000 entries a second copy of the outcomes was a tenth of peak memory.
    let mut entries = Vec::new();
    let mut findings = Vec::new();
    let descriptors = std::mem::take(&mut discovered.descriptors);
    descriptors
        .into_par_iter()
        .enumerate()
        // Each job walks its entries in order, and so the cache's records (`find_next`).
        .map_init(
            || 0,
            |next_record, (i, descriptor)| {
                // Only a differing path needs its base's file: the rest are known unchanged.
                let unchanged = |base: &Discovered| match changed {
                    Some(_) => !change::differs(changed, &descriptor.path),
                    None => {
                        let was = base_of[i].map(|b| &base.descriptors[b]);
                        was.is_some_and(|was| was.id.is_some() && was.id == descriptor.id)
                    }
                };
                if let (Some(base), Some(cache), Some(id)) = (base, cache, descriptor.id)
                    && unchanged(base)
                    && let Some(slot) = cache.find_next(descriptor.kind, id, next_record)
                {
                    return (
                        EntrySummary::stub(descriptor, slot.broken),
                        Checked::Cached(slot),
                    );
                }
                match file::check(config, snapshot, &descriptor, identify, visit) {
                    Ok(outcome) => (outcome.entry, Checked::Read(Box::new(Ok(outcome.findings)))),
                    Err(err) => (
                        EntrySummary::stub(descriptor, true),
                        Checked::Read(Box::new(Err(err))),
                    ),
                }
            },
        )
        .unzip_into_vecs(&mut entries, &mut findings);
    let mut run = Run {
        n_files: entries.len(),
        entries,
        cached: Vec::with_capacity(if cache.is_some() { findings.len() } else { 0 }),
        base_of,
        discovery: discovered.diagnostics,
        per_file: Vec::new(),
        cross: Vec::new(),
        sources: Vec::new(),
        visits: Vec::with_capacity(findings.len()),
    };
    for (entry, checked) in run.entries.iter().zip(findings) {
        if cache.is_some() {
            run.cached.push(match checked {
                Checked::Cached(slot) => Some(slot),
                Checked::Read(_) => None,
            });
        }
        let Checked::Read(found) = checked else {
            run.visits.push(None);
            continue;
        };
        let found = (*found)?;
        run.per_file.extend(found.diagnostics);
        if let Some(text) = found.text {
            run.sources.push((entry.path.clone(), text));
        }
        run.visits.push(found.visited);
    }
    if all_cross && config.any_enabled(regctl_core::code::Scope::Registry) {
        run.cross = cross::check(config, &run.entries);
    }
    Ok(run)
}

/// For each of `head`'s files, the index of `base`'s file at the same path.
fn pair_by_path(base: &[DescriptorFile], head: &[DescriptorFile]) -> Vec<Option<usize>> {
    let in_path_order = |files: &[DescriptorFile]| files.is_sorted_by(|a, b| a.path < b.path);
    if in_path_order(base) && in_path_order(head) {
        // The usual case (kind directories sort as their contents do): one merge, no hashing.
        let mut at = 0;
        return head
            .iter()
            .map(|file| {
                while base.get(at).is_some_and(|was| was.path < file.path) {
                    at += 1;
                }
                base.get(at)
                    .is_some_and(|was| was.path == file.path)
                    .then_some(at)
            })
            .collect();
    }
    let by_path: foldhash::HashMap<&str, usize> = base
        .iter()
        .enumerate()
        .map(|(i, file)| (file.path.as_str(), i))
        .collect();
    head.par_iter()
        .map(|file| by_path.get(file.path.as_str()).copied())
        .collect()
}

/// How one descriptor was taken into a run.
enum Checked {
    /// Read and checked, with what that found (boxed: most entries of a change run are
    /// `Cached`, and a vector of 100,000 unboxed outcomes was megabytes of fresh pages).
    Read(Box<Result<file::Findings, Error>>),
    /// Left in the summary cache, unchanged since the base.
    Cached(cache::Slot),
}

#[cfg(test)]
mod tests {
    use super::*;
    use regctl_core::document::Format;

    fn files(paths: &[&str]) -> Vec<DescriptorFile> {
        paths
            .iter()
            .map(|path| DescriptorFile {
                path: (*path).to_owned(),
                kind: 0,
                format: Format::Toml,
                size: None,
                id: None,
            })
            .collect()
    }

    #[test]
    fn files_pair_by_path_whether_or_not_listed_in_path_order() {
        let base = files(&["k/a.toml", "k/b.toml", "k/d.toml"]);
        let head = files(&["k/a.toml", "k/c.toml", "k/d.toml", "k/e.toml"]);
        assert_eq!(pair_by_path(&base, &head), [Some(0), None, Some(2), None]);
        // Kind directories `k` and `k-2` list `k/…` first, which sorts after `k-2/…`.
        let base = files(&["k/a.toml", "k-2/a.toml"]);
        let head = files(&["k/b.toml", "k-2/a.toml", "k/a.toml"]);
        assert_eq!(pair_by_path(&base, &head), [None, Some(1), Some(0)]);
    }
}
