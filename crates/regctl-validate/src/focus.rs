//! Cross-file rules for a change, run only around what changed.
//!
//! A change run keeps the cross-file findings about changed entries and their neighbours only
//! (see [`crate::change`]). Running the rules over all 100,000 entries to keep a handful of their
//! findings cost most of a change run, and needed every entry's summary decoded. Instead the
//! whole head is only *skimmed* (reference targets and unique values, borrowed from the summary
//! cache), the entries whose findings could be kept are picked, and the rules run on a subset
//! closed so that every kept finding comes out exactly as a run over everything makes it:
//! - the affected entries: changed ones, what they reference, what references them or a removed
//!   entry (these are the entries whose findings are kept);
//! - what the affected entries reference (whether it exists, its versions);
//! - every member of a cycle through an affected entry (its strongly connected component);
//! - every entry sharing a unique value with an affected entry (which one came first depends on
//!   all of them; a finding about another entry is kept only if its first holder changed);
//! - every entry whose folded id equals a picked one's, so ids resolve as over everything.
//!
//! References are checked for affected entries only: the rest of the subset is there to be
//! looked up, and their own reference findings would be dropped.
//!
//! Every reference is resolved once to the entry it points to, with reverse lists
//! ([`Links`]): referrers are then read off a list, and a cycle through an entry is looked for
//! only among entries it reaches that also reach it back, walking indices rather than hashing
//! ids (the forward walk alone reached 30,000 of 100,000 entries from five).

use foldhash::HashSet;
use std::borrow::Cow;

use rayon::prelude::*;
use regctl_core::config::Config;
use regctl_core::{Diagnostic, Span};

use crate::cache::{self, Slot, SummaryCache};
use crate::cross::{Edge, Scope, check_within, fold_id, path_order, strongly_connected};
use crate::file::EntrySummary;

/// What the registry-wide lookups need of each entry, borrowed, in flat lists per chunk of
/// entries (a list per entry cost an allocation per entry; one list for all cost a copy of
/// them all).
pub(crate) struct Skims<'a> {
    chunks: Vec<SkimChunk<'a>>,
    /// Where each chunk's references and unique values start, counted over all chunks: the
    /// global numbering [`Links`] uses.
    starts: Vec<(usize, usize)>,
}

/// The skims of up to [`Skims::CHUNK`] consecutive entries.
#[derive(Default)]
pub(crate) struct SkimChunk<'a> {
    /// `(rule, target id)` of each reference, entry after entry.
    pub(crate) refs: Vec<(usize, &'a str)>,
    /// `(rule, value)` of each unique value, entry after entry.
    pub(crate) unique: Vec<(usize, &'a str)>,
    /// Where each entry's references and unique values end in those lists.
    ends: Vec<(usize, usize)>,
}

impl<'a> Skims<'a> {
    /// Entries per chunk; small in tests, so that crossing chunks is tested too.
    const CHUNK: usize = if cfg!(test) { 7 } else { 4096 };

    /// Skims `entries`, taking stubs' summaries from `cache` (`cached[i]` is where it holds
    /// entry `i`'s, if that is a stub). A damaged summary (the cache is written atomically, so
    /// only outside damage makes one) is taken as the stub's: no references, no unique values;
    /// decoding it fails too, and the entry then counts as unreadable.
    fn new(
        entries: &'a [EntrySummary],
        cached: &[Option<Slot>],
        cache: Option<&'a SummaryCache>,
    ) -> Self {
        let chunks: Vec<SkimChunk<'a>> = entries
            .par_chunks(Self::CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let mut skims = SkimChunk {
                    ends: Vec::with_capacity(chunk.len()),
                    ..SkimChunk::default()
                };
                for (k, entry) in chunk.iter().enumerate() {
                    let encoded = match (cached.get(c * Self::CHUNK + k), cache) {
                        (Some(Some(slot)), Some(cache)) => Some(cache.at(*slot)),
                        _ => None,
                    };
                    if encoded
                        .and_then(|e| cache::skim_into(e, &mut skims))
                        .is_none()
                    {
                        skims
                            .refs
                            .extend(entry.refs.iter().map(|r| (r.rule, r.target.as_str())));
                        skims
                            .unique
                            .extend(entry.unique.iter().map(|u| (u.rule, u.value.as_str())));
                    }
                    skims.ends.push((skims.refs.len(), skims.unique.len()));
                }
                skims
            })
            .collect();
        let mut starts = Vec::with_capacity(chunks.len());
        let mut start = (0, 0);
        for chunk in &chunks {
            starts.push(start);
            start = (start.0 + chunk.refs.len(), start.1 + chunk.unique.len());
        }
        Skims { chunks, starts }
    }

    /// Entry `i`'s chunk, and the start and end of its lists within that chunk.
    fn local(&self, i: usize) -> (usize, (usize, usize), (usize, usize)) {
        let (c, k) = (i / Self::CHUNK, i % Self::CHUNK);
        let ends = &self.chunks[c].ends;
        let start = if k == 0 { (0, 0) } else { ends[k - 1] };
        (c, start, ends[k])
    }

    /// Where entry `i`'s references lie in the numbering over all chunks.
    fn ref_range(&self, i: usize) -> std::ops::Range<usize> {
        let (c, start, end) = self.local(i);
        let offset = self.starts[c].0;
        offset + start.0..offset + end.0
    }

    /// How many references all entries have.
    fn n_refs(&self) -> usize {
        match (self.starts.last(), self.chunks.last()) {
            (Some(start), Some(chunk)) => start.0 + chunk.refs.len(),
            _ => 0,
        }
    }

    /// `(rule, target id)` of each reference of entry `i`.
    fn refs(&self, i: usize) -> &[(usize, &'a str)] {
        let (c, start, end) = self.local(i);
        &self.chunks[c].refs[start.0..end.0]
    }

    /// `(rule, value)` of each unique value of entry `i`.
    fn unique(&self, i: usize) -> &[(usize, &'a str)] {
        let (c, start, end) = self.local(i);
        &self.chunks[c].unique[start.1..end.1]
    }
}

/// Every entry of the head of a change, skimmed and indexed by id.
pub(crate) struct Head<'a> {
    config: &'a Config,
    entries: &'a [EntrySummary],
    /// Where `cache` holds each entry's summary, if the entry is a stub (or empty).
    cached: &'a [Option<Slot>],
    cache: Option<&'a SummaryCache>,
    skims: Skims<'a>,
    /// `(kind, id)` → the first entry (in path order) with that id.
    by_id: foldhash::HashMap<(usize, &'a str), usize>,
    /// The reference graph between entries, resolved once through `by_id`, so that finding
    /// referrers and walking cycles compare indices instead of hashing ids.
    links: Links,
}

/// A reference to no entry of the head.
const UNRESOLVED: u32 = u32::MAX;

/// Every reference of the head resolved to the entry it points to, with the reverse lists.
struct Links {
    /// Per reference of `Skims::refs`: the entry it resolves to, or [`UNRESOLVED`].
    to: Vec<u32>,
    /// Per reference: [`graph_tag`] of its graph, or 0 outside graphs.
    graph: Vec<u32>,
    /// Where each entry's referrers start in `from` (one more than there are entries).
    from_start: Vec<u32>,
    /// The references to each entry, entry after entry: `(referring entry, reference)`.
    from: Vec<(u32, u32)>,
}

/// The entries a change affects, and the subset the cross-file rules must see to judge them;
/// both are indices into the head's entries, ascending.
pub(crate) struct Pick {
    pub(crate) affected: Vec<usize>,
    pub(crate) subset: Vec<usize>,
}

/// The cross-file findings a change may keep.
#[derive(Default)]
pub(crate) struct Focused<'a> {
    /// Paths of the affected entries: changed, referencing a changed or removed entry, or
    /// referenced by a changed one.
    pub(crate) affected: HashSet<&'a str>,
    /// What the cross-file rules found in the subset, to be filtered like a full run's.
    pub(crate) cross: Vec<Diagnostic>,
    /// Summaries decoded from the cache, by index in the run's entries (which held stubs).
    pub(crate) decoded: Vec<(usize, EntrySummary)>,
}

impl<'a> Head<'a> {
    /// Skims `entries`; `cached[i]` is where `cache` holds entry `i`'s summary, if it is a stub.
    pub(crate) fn new(
        config: &'a Config,
        entries: &'a [EntrySummary],
        cached: &'a [Option<Slot>],
        cache: Option<&'a SummaryCache>,
    ) -> Self {
        let index_by_id = || {
            let mut by_id =
                foldhash::HashMap::with_capacity_and_hasher(entries.len(), Default::default());
            for i in path_order(entries) {
                by_id
                    .entry((entries[i].kind, entries[i].id.as_str()))
                    .or_insert(i);
            }
            by_id
        };
        let (skims, by_id) = rayon::join(|| Skims::new(entries, cached, cache), index_by_id);
        let links = Links::new(config, entries, &skims, &by_id);
        Head {
            config,
            entries,
            cached,
            cache,
            skims,
            by_id,
            links,
        }
    }

    /// Where entry `i`'s references lie in `Skims::refs` and `Links`.
    fn ref_range(&self, i: usize) -> std::ops::Range<usize> {
        self.skims.ref_range(i)
    }

    /// The kind entry `i`'s reference of `rule` points to.
    fn target_kind(&self, i: usize, rule: usize) -> usize {
        self.config.kinds[self.entries[i].kind].refs[rule].target
    }

    /// The entries `i` references that exist.
    fn targets(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.links.to[self.ref_range(i)]
            .iter()
            .filter(|&&to| to != UNRESOLVED)
            .map(|&to| to as usize)
    }

    /// Entries with a reference to one of `keys` (`(kind, id)`), ascending.
    pub(crate) fn referrers(&self, keys: &HashSet<(usize, &str)>) -> Vec<usize> {
        // A key some entry has is referred to through the reverse lists; a key no entry has
        // (a removed entry's) only by references that resolve to nothing, compared by id.
        let mut found = Vec::new();
        let mut absent: HashSet<(usize, &str)> = HashSet::default();
        for &key in keys {
            match self.by_id.get(&key) {
                Some(&i) => found.extend(self.links.referrers(i).map(|(from, _)| from)),
                None => {
                    absent.insert(key);
                }
            }
        }
        if !absent.is_empty() {
            found.extend(self.entries_where(|i| {
                self.ref_range(i)
                    .zip(self.skims.refs(i))
                    .any(|(r, &(rule, target))| {
                        self.links.to[r] == UNRESOLVED
                            && absent.contains(&(self.target_kind(i, rule), target))
                    })
            }));
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The entries for which `keep` holds, ascending; one parallel pass over the registry.
    fn entries_where(&self, keep: impl Fn(usize) -> bool + Sync + Send) -> Vec<usize> {
        (0..self.entries.len())
            .into_par_iter()
            .filter(|&i| keep(i))
            .collect()
    }

    /// Runs the cross-file rules on what judging the `changed` entries (at these indices) and
    /// the `removed` keys needs.
    pub(crate) fn cross_findings(
        &self,
        changed: &[usize],
        removed: &HashSet<(usize, &str)>,
    ) -> Focused<'a> {
        let (config, entries) = (self.config, self.entries);
        let pick = self.pick(changed, removed);
        let affected: HashSet<&'a str> = pick
            .affected
            .iter()
            .map(|&i| entries[i].path.as_str())
            .collect();
        let subset: Vec<EntrySummary> = pick
            .subset
            .iter()
            .map(|&i| {
                let stub = &entries[i];
                let Some(slot) = self.cached.get(i).copied().flatten() else {
                    return stub.clone();
                };
                // A summary that skimmed but does not decode (a damaged cache) is taken as
                // unreadable, which only stops findings from cascading.
                self.cache
                    .and_then(|cache| cache.decode(config, slot, stub))
                    .unwrap_or_else(|| EntrySummary {
                        broken: true,
                        ..stub.clone()
                    })
            })
            .collect();
        let cross = if config.any_enabled(regctl_core::code::Scope::Registry) {
            let scope = Scope {
                all: entries,
                check_refs_of: Some(&affected),
            };
            check_within(config, &subset, &scope)
        } else {
            Vec::new()
        };
        let decoded = pick
            .subset
            .iter()
            .copied()
            .zip(subset)
            .filter(|&(i, _)| self.cached.get(i).copied().flatten().is_some())
            .collect();
        Focused {
            affected,
            cross,
            decoded,
        }
    }

    /// Picks what judging the `changed` entries (and the `removed` keys) needs.
    pub(crate) fn pick(&self, changed: &[usize], removed: &HashSet<(usize, &str)>) -> Pick {
        let entries = self.entries;
        let mut affected: HashSet<usize> = changed.iter().copied().collect();
        let mut keys: HashSet<(usize, &str)> = changed
            .iter()
            .map(|&i| (entries[i].kind, entries[i].id.as_str()))
            .collect();
        keys.extend(removed.iter().copied());
        affected.extend(self.referrers(&keys));
        for &i in changed {
            affected.extend(self.targets(i));
        }
        let mut affected: Vec<usize> = affected.into_iter().collect();
        affected.sort_unstable();

        let mut subset: HashSet<usize> = affected.iter().copied().collect();
        for &i in &affected {
            subset.extend(self.targets(i));
        }
        for component in self.cycles_through(&affected) {
            subset.extend(component);
        }
        let sharers = self.sharing_unique_values(&affected);
        subset.extend(sharers);
        let sharers = self.sharing_folded_ids(&subset);
        subset.extend(sharers);
        let mut subset: Vec<usize> = subset.into_iter().collect();
        subset.sort_unstable();
        Pick { affected, subset }
    }

    /// The strongly connected components, in acyclic graphs, that hold one of `from` and a
    /// cycle.
    fn cycles_through(&self, from: &[usize]) -> Vec<Vec<usize>> {
        let mut found = Vec::new();
        for (g, (_, settings)) in self.config.graphs.iter().enumerate() {
            if !settings.acyclic {
                continue;
            }
            let in_graph = graph_tag(g);
            // A cycle through an entry lies within what it reaches and what reaches it: walk
            // both ways over the resolved lists, and keep only entries found both ways.
            const AHEAD: u8 = 1;
            const BEHIND: u8 = 2;
            let mut seen = vec![0u8; self.entries.len()];
            let mut ahead: Vec<usize> = from.to_vec();
            let mut behind: Vec<usize> = from.to_vec();
            for &i in from {
                seen[i] = AHEAD | BEHIND;
            }
            let mut at = 0;
            while let Some(&i) = ahead.get(at) {
                at += 1;
                for r in self.ref_range(i) {
                    let to = self.links.to[r];
                    if to != UNRESOLVED && self.links.graph[r] == in_graph {
                        let to = to as usize;
                        if seen[to] & AHEAD == 0 {
                            seen[to] |= AHEAD;
                            ahead.push(to);
                        }
                    }
                }
            }
            let mut at = 0;
            while let Some(&i) = behind.get(at) {
                at += 1;
                for (by, r) in self.links.referrers(i) {
                    if self.links.graph[r] == in_graph && seen[by] & BEHIND == 0 {
                        seen[by] |= BEHIND;
                        behind.push(by);
                    }
                }
            }
            // Numbered locally, `from` first, in order.
            let nodes: Vec<usize> = ahead
                .into_iter()
                .filter(|&i| seen[i] == AHEAD | BEHIND)
                .collect();
            let mut local =
                foldhash::HashMap::with_capacity_and_hasher(nodes.len(), Default::default());
            for (n, &i) in nodes.iter().enumerate() {
                local.insert(i, n);
            }
            let edges: Vec<Vec<Edge>> = nodes
                .iter()
                .map(|&i| {
                    self.ref_range(i)
                        .filter(|&r| self.links.graph[r] == in_graph)
                        .filter_map(|r| local.get(&(self.links.to[r] as usize)))
                        .map(|&to| Edge {
                            to,
                            span: Span::default(),
                        })
                        .collect()
                })
                .collect();
            // Tarjan's algorithm finds whole components from any root that reaches them.
            let roots: Vec<usize> = (0..from.len()).collect();
            found.extend(
                strongly_connected(&edges, &roots)
                    .into_iter()
                    .filter(|component| {
                        component.len() > 1
                            || edges[component[0]].iter().any(|e| e.to == component[0])
                    })
                    .filter(|component| component.iter().any(|&m| m < from.len()))
                    .map(|component| component.into_iter().map(|m| nodes[m]).collect()),
            );
        }
        found
    }

    fn unique_key(&self, i: usize, rule: usize, value: &'a str) -> (usize, &'a str, &'a str) {
        let kind = self.entries[i].kind;
        (
            kind,
            self.config.kinds[kind].unique[rule].name.as_str(),
            value,
        )
    }

    fn sharing_unique_values(&self, picked: &[usize]) -> Vec<usize> {
        let wanted: HashSet<(usize, &str, &str)> = picked
            .iter()
            .flat_map(|&i| {
                self.skims
                    .unique(i)
                    .iter()
                    .map(move |&(rule, value)| self.unique_key(i, rule, value))
            })
            .collect();
        if wanted.is_empty() {
            return Vec::new();
        }
        self.entries_where(|i| {
            self.skims
                .unique(i)
                .iter()
                .any(|&(rule, value)| wanted.contains(&self.unique_key(i, rule, value)))
        })
    }

    fn sharing_folded_ids(&self, picked: &HashSet<usize>) -> Vec<usize> {
        let entries = self.entries;
        let wanted: HashSet<(usize, Cow<str>)> = picked
            .iter()
            .map(|&i| (entries[i].kind, fold_id(&entries[i].id)))
            .collect();
        self.entries_where(|i| wanted.contains(&(entries[i].kind, fold_id(&entries[i].id))))
    }
}

/// How `Links::graph` tags a reference in the `g`-th graph of `Config::graphs`.
fn graph_tag(g: usize) -> u32 {
    g as u32 + 1
}

impl Links {
    /// Resolves every reference in `skims` through `by_id`, in parallel chunks, and builds the
    /// reverse lists.
    fn new(
        config: &Config,
        entries: &[EntrySummary],
        skims: &Skims<'_>,
        by_id: &foldhash::HashMap<(usize, &str), usize>,
    ) -> Links {
        let graph_of: foldhash::HashMap<&str, u32> = config
            .graphs
            .keys()
            .enumerate()
            .map(|(g, name)| (name.as_str(), graph_tag(g)))
            .collect();
        // A reference's graph depends only on its kind and rule.
        let graph_of_rule: Vec<Vec<u32>> = config
            .kinds
            .iter()
            .map(|kind| {
                kind.refs
                    .iter()
                    .map(|rule| {
                        rule.graph
                            .as_deref()
                            .and_then(|name| graph_of.get(name).copied())
                            .unwrap_or(0)
                    })
                    .collect()
            })
            .collect();
        // Filled in place, chunk beside chunk: each chunk of entries owns a run of references.
        let n_refs = skims.n_refs();
        let (mut to, mut graph) = (vec![UNRESOLVED; n_refs], vec![0u32; n_refs]);
        let mut parts = Vec::with_capacity(skims.chunks.len());
        let (mut to_rest, mut graph_rest) = (to.as_mut_slice(), graph.as_mut_slice());
        for chunk in &skims.chunks {
            let (to_part, rest) = std::mem::take(&mut to_rest).split_at_mut(chunk.refs.len());
            to_rest = rest;
            let (graph_part, rest) = std::mem::take(&mut graph_rest).split_at_mut(chunk.refs.len());
            graph_rest = rest;
            parts.push((chunk, to_part, graph_part));
        }
        parts
            .into_par_iter()
            .zip(entries.par_chunks(Skims::CHUNK))
            .for_each(|((chunk, to, graph), entries)| {
                let mut r = 0;
                for (k, entry) in entries.iter().enumerate() {
                    let end = chunk.ends[k].0;
                    let rules = &config.kinds[entry.kind].refs;
                    for &(rule, target) in &chunk.refs[r..end] {
                        if let Some(&t) = by_id.get(&(rules[rule].target, target)) {
                            to[r] = t as u32;
                        }
                        graph[r] = graph_of_rule[entry.kind][rule];
                        r += 1;
                    }
                }
            });

        // The reverse lists, by counting: how many references each entry has, then each
        // reference placed after those before it.
        let mut from_start = vec![0u32; entries.len() + 1];
        for &t in &to {
            if t != UNRESOLVED {
                from_start[t as usize + 1] += 1;
            }
        }
        for i in 0..entries.len() {
            from_start[i + 1] += from_start[i];
        }
        let mut next = from_start.clone();
        let mut from = vec![(0u32, 0u32); from_start[entries.len()] as usize];
        for i in 0..entries.len() {
            for r in skims.ref_range(i) {
                let t = to[r];
                if t != UNRESOLVED {
                    let slot = &mut next[t as usize];
                    from[*slot as usize] = (i as u32, r as u32);
                    *slot += 1;
                }
            }
        }
        Links {
            to,
            graph,
            from_start,
            from,
        }
    }

    /// `(referring entry, reference)` of every reference to entry `i`, in entry order.
    fn referrers(&self, i: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let (start, end) = (self.from_start[i], self.from_start[i + 1]);
        self.from[start as usize..end as usize]
            .iter()
            .map(|&(by, r)| (by as usize, r as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mode, cross, run};
    use regctl_core::discover::discover;
    use regctl_core::{Diagnostic, Worktree};

    const CONFIG: &str = r#"[registry]
name = "test"

[kinds.thing]
dir = "registry/things"
schema = "schemas/any.json"
id = "/name"
version = "/version"

[[kinds.thing.refs]]
path = "/deps/*"
keys = true
kind = "thing"
req = "/deps/*"
graph = "deps"

[[kinds.thing.refs]]
path = "/owner"
kind = "team"

[[kinds.thing.unique]]
name = "hash"
path = "/hash"

[kinds.team]
dir = "registry/teams"
schema = "schemas/any.json"
"#;

    /// A registry of `n` things with every kind of cross-file finding: chains and cycles of
    /// dependencies, missing and unsatisfiable requirements, shared hashes, ids that collide
    /// after case folding, and owners that do not exist.
    fn registry(n: usize) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let write = |path: &str, content: &str| {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            std::fs::write(full, content).expect("write");
        };
        write("regctl.toml", CONFIG);
        write("schemas/any.json", r#"{"type": "object"}"#);
        write("registry/teams/core.toml", "");
        for i in 0..n {
            let name = if i % 17 == 5 {
                format!("T{}", i - 1) // collides with `t{i-1}` after case folding
            } else {
                format!("t{i}")
            };
            let mut deps = String::new();
            for step in [1, 3, 7] {
                if i >= step && (i + step) % 3 != 0 {
                    deps.push_str(&format!("t{} = \"^1\"\n", i - step));
                }
            }
            if i % 37 == 0 {
                deps.push_str(&format!("t{} = \"^1\"\n", i + 4)); // closes a cycle
            }
            if i % 13 == 0 {
                deps.push_str("ghost = \"^1\"\n");
            }
            if i % 19 == 0 && i > 0 {
                deps.push_str(&format!("t{} = \"^9\"\n", i - 2));
            }
            let owner = if i % 23 == 0 { "nobody" } else { "core" };
            let hash = if i % 4 == 0 { i % 29 } else { 100 + i };
            write(
                &format!("registry/things/{name}.toml"),
                &format!(
                    "name = \"{name}\"\nversion = \"1.{i}.0\"\nowner = \"{owner}\"\nhash = \"h{hash}\"\n[deps]\n{deps}"
                ),
            );
        }
        dir
    }

    /// What a change keeps of `findings` (the rule in `crate::change::judge`), in a stable order.
    fn kept(
        findings: Vec<Diagnostic>,
        affected: &HashSet<&str>,
        changed: &HashSet<&str>,
    ) -> Vec<String> {
        let mut kept: Vec<String> = findings
            .into_iter()
            .filter(|d| {
                d.file.as_deref().is_some_and(|f| affected.contains(f))
                    || d.related.iter().any(|r| changed.contains(r.file.as_str()))
            })
            .map(|d| format!("{d:?}"))
            .collect();
        kept.sort();
        kept
    }

    /// For every single changed entry, and every removed one, the rules run on the picked
    /// subset keep exactly what running them on everything keeps.
    #[test]
    fn the_picked_subset_keeps_what_a_run_over_everything_keeps() {
        let dir = registry(120);
        let snapshot = Worktree::new(dir.path()).expect("snapshot");
        let config = Config::load(&snapshot).expect("config");
        let all = run(
            &config,
            &snapshot,
            discover(&config, &snapshot).expect("discover"),
            Mode::Plain { visit: None },
        )
        .expect("run")
        .entries;
        let mut compared = 0;
        for at in 0..all.len() {
            // `at` changed, in the full registry; or `at` removed, from a registry without it.
            for removed in [false, true] {
                let entries: Vec<EntrySummary> = if removed {
                    all.iter()
                        .enumerate()
                        .filter(|&(i, _)| i != at)
                        .map(|(_, e)| e.clone())
                        .collect()
                } else {
                    all.clone()
                };
                let (changed_at, removed_keys): (Vec<usize>, HashSet<(usize, &str)>) = if removed {
                    (
                        Vec::new(),
                        [(all[at].kind, all[at].id.as_str())].into_iter().collect(),
                    )
                } else {
                    (vec![at], HashSet::default())
                };
                let head = Head::new(&config, &entries, &[], None);
                let found = head.cross_findings(&changed_at, &removed_keys);
                let changed: HashSet<&str> = changed_at
                    .iter()
                    .map(|&i| entries[i].path.as_str())
                    .collect();
                let focused = kept(found.cross, &found.affected, &changed);
                let everything = kept(cross::check(&config, &entries), &found.affected, &changed);
                assert_eq!(focused, everything, "entry {at} (removed: {removed})");
                let pick = head.pick(&changed_at, &removed_keys);
                compared += usize::from(!everything.is_empty());
                // (A team is referenced by every thing it owns: all of them are affected.)
                if pick.affected.len() < 10 {
                    assert!(
                        pick.subset.len() < entries.len() / 4,
                        "entry {at} ({}): the subset is small: {} affected, {} picked",
                        entries[at.min(entries.len() - 1)].path,
                        pick.affected.len(),
                        pick.subset.len()
                    );
                }
            }
        }
        assert!(
            compared > 150,
            "most changes have findings to compare: {compared}"
        );
    }
}
