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
pub mod owners;
pub mod report;
mod schema_errors;

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;
use regctl_core::config::Config;
use regctl_core::discover::discover;
use regctl_core::snapshot::ContentId;
use regctl_core::{Diagnostic, Error, Snapshot};

pub use change::{Acknowledgement, Base, acknowledgements};
pub use file::EntrySummary;
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
        let run = run(config, head, Mode::Plain { capture: false })?;
        let diagnostics = run.diagnostics();
        return report::finish(config, head, &run, diagnostics, &[], None);
    };
    let base_found = discover(config, base.snapshot)?;
    let cache = base
        .cache_dir
        .map(|dir| cache::SummaryCache::open(dir, config));
    // Untouched files need only their summaries; with a warm cache they are not even read.
    let reuse = match (&cache, base.report_all) {
        (Some(cache), false) => Some(Reuse {
            base_ids: base_found
                .descriptors
                .iter()
                .filter_map(|f| f.id.map(|id| (f.path.as_str(), id)))
                .collect(),
            cache,
        }),
        _ => None,
    };
    let run = run(
        config,
        head,
        Mode::Change {
            reuse: reuse.as_ref(),
        },
    )?;
    drop(reuse);
    if let Some(mut cache) = cache {
        for entry in &run.entries {
            cache.put(entry);
        }
        cache.save(&run.entries);
    }
    let judged = change::judge(config, head, base, &base_found, &run)?;
    report::finish(
        config,
        head,
        &run,
        judged.diagnostics,
        &base.acknowledgements,
        Some(judged.n_changed),
    )
}

/// A validated registry with every entry's document, for building an index.
pub struct Captured {
    pub report: Report,
    /// Every entry, in path order within each walked directory.
    pub entries: Vec<EntrySummary>,
    /// Each entry's document as compact JSON (suppression table removed); `None` when the
    /// file could not be parsed.
    pub values: Vec<Option<String>>,
}

/// Validates the whole registry and keeps every entry's document.
pub fn validate_capturing(config: &Config, snapshot: &dyn Snapshot) -> Result<Captured, Error> {
    let mut run = run(config, snapshot, Mode::Plain { capture: true })?;
    let diagnostics = run.diagnostics();
    let report = report::finish(config, snapshot, &run, diagnostics, &[], None)?;
    Ok(Captured {
        report,
        entries: std::mem::take(&mut run.entries),
        values: std::mem::take(&mut run.values),
    })
}

/// What a change run may take from elsewhere instead of reading files.
struct Reuse<'a> {
    /// Content ids of the base's files, by path.
    base_ids: HashMap<&'a str, ContentId>,
    cache: &'a cache::SummaryCache,
}

/// Everything the per-file and cross-file rules found in one snapshot.
pub(crate) struct Run {
    pub(crate) n_files: usize,
    pub(crate) entries: Vec<EntrySummary>,
    /// Findings about files no kind reads.
    pub(crate) discovery: Vec<Diagnostic>,
    pub(crate) per_file: Vec<Diagnostic>,
    pub(crate) cross: Vec<Diagnostic>,
    pub(crate) sources: Vec<(String, Arc<str>)>,
    /// Each entry's document as JSON, in the order of `entries`, when captured.
    pub(crate) values: Vec<Option<String>>,
}

impl Run {
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
    /// Check every file; with `capture`, keep every document as JSON.
    Plain { capture: bool },
    /// Check every file, identifying each by content id; take unchanged files' summaries from
    /// `reuse` when it has them.
    Change { reuse: Option<&'a Reuse<'a>> },
}

/// Runs the per-file and cross-file rules.
fn run(config: &Config, snapshot: &dyn Snapshot, mode: Mode<'_>) -> Result<Run, Error> {
    let discovered = discover(config, snapshot)?;
    let (identify, capture, reuse) = match mode {
        Mode::Plain { capture } => (false, capture, None),
        Mode::Change { reuse } => (true, false, reuse),
    };
    let outcomes = discovered
        .descriptors
        .par_iter()
        .map(|descriptor| {
            if let (Some(reuse), Some(id)) = (reuse, descriptor.id)
                && reuse.base_ids.get(descriptor.path.as_str()) == Some(&id)
                && let Some(entry) = reuse.cache.get(
                    config,
                    descriptor.kind,
                    id,
                    &descriptor.path,
                    descriptor.stem(),
                )
            {
                return Ok(file::FileOutcome::cached(entry));
            }
            file::check(config, snapshot, descriptor, identify, capture)
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let mut run = Run {
        n_files: outcomes.len(),
        entries: Vec::with_capacity(outcomes.len()),
        discovery: discovered.diagnostics,
        per_file: Vec::new(),
        cross: Vec::new(),
        sources: Vec::new(),
        values: Vec::new(),
    };
    for outcome in outcomes {
        run.per_file.extend(outcome.diagnostics);
        if let Some(text) = outcome.text {
            run.sources.push((outcome.path, text));
        }
        run.entries.push(outcome.entry);
        run.values.push(outcome.value);
    }
    run.cross = cross::check(config, &run.entries);
    Ok(run)
}
