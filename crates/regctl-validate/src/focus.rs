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
//! References are resolved only where a walk needs them: referrers are found by one parallel
//! scan comparing reference targets with the few wanted keys, and a cycle through an entry is
//! looked for only among the entries it reaches (resolving the references of those alone), so
//! no registry-wide reference graph is built for one change.

use foldhash::HashSet;
use std::borrow::Cow;

use rayon::prelude::*;
use regctl_core::Diagnostic;
use regctl_core::config::Config;

use crate::cache::{self, Slot, SummaryCache};
use crate::cross::{
    IdIndex, Scope, Successors, check_within, cyclic_components, first_by_id, fold_id, path_order,
};
use crate::file::EntrySummary;

/// What the registry-wide lookups need of each entry, borrowed, in flat lists per chunk of
/// entries (a list per entry cost an allocation per entry; one list for all cost a copy of
/// them all).
pub(crate) struct Skims<'a> {
    chunks: Vec<SkimChunk<'a>>,
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
                let encoded = |k: usize| match (cached.get(c * Self::CHUNK + k), cache) {
                    (Some(Some(slot)), Some(cache)) => Some(cache.at(*slot)),
                    _ => None,
                };
                // Sized exactly by a first pass over the records' counts: grown by doubling,
                // the lists were copied and touched twice the memory, and reserving more than
                // needed is not free either where memory comes in huge pages.
                let (n_refs, n_unique) =
                    chunk
                        .iter()
                        .enumerate()
                        .fold((0, 0), |(refs, unique), (k, entry)| {
                            let (r, u) = encoded(k)
                                .and_then(cache::skim_counts)
                                .unwrap_or((entry.refs().len(), entry.unique().len()));
                            (refs + r, unique + u)
                        });
                let mut skims = SkimChunk {
                    refs: Vec::with_capacity(n_refs),
                    unique: Vec::with_capacity(n_unique),
                    ends: Vec::with_capacity(chunk.len()),
                };
                for (k, entry) in chunk.iter().enumerate() {
                    if encoded(k)
                        .and_then(|e| cache::skim_into(e, &mut skims))
                        .is_none()
                    {
                        skims
                            .refs
                            .extend(entry.refs().iter().map(|r| (r.rule, r.target.as_str())));
                        skims
                            .unique
                            .extend(entry.unique().iter().map(|u| (u.rule, u.value.as_str())));
                    }
                    skims.ends.push((skims.refs.len(), skims.unique.len()));
                }
                skims
            })
            .collect();
        Skims { chunks }
    }

    /// Entry `i`'s chunk, and the start and end of its lists within that chunk.
    fn local(&self, i: usize) -> (usize, (usize, usize), (usize, usize)) {
        let (c, k) = (i / Self::CHUNK, i % Self::CHUNK);
        let ends = &self.chunks[c].ends;
        let start = if k == 0 { (0, 0) } else { ends[k - 1] };
        (c, start, ends[k])
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
    by_id: IdIndex<'a>,
    /// Per kind, per reference rule: the index in `Config::graphs` of the rule's graph.
    graph_of_rule: Vec<Vec<Option<usize>>>,
}

/// The entries a change affects, and the subset the cross-file rules must see to judge them;
/// both are indices into the head's entries, ascending.
pub(crate) struct Pick {
    pub(crate) affected: Vec<usize>,
    pub(crate) subset: Vec<usize>,
}

/// What a walk through one graph reached: entries numbered in the order they were reached,
/// with their edges, in local numbers, in one flat list.
struct Reached {
    /// The entry (index in the head's entries) of each local number.
    nodes: Vec<usize>,
    /// Where each node's edges start in `targets`, and where the last one's end.
    starts: Vec<u32>,
    targets: Vec<u32>,
}

impl Reached {
    const UNSEEN: u32 = u32::MAX;
}

impl Successors for Reached {
    fn node_count(&self) -> usize {
        self.nodes.len()
    }

    fn successor(&self, node: usize, k: usize) -> Option<usize> {
        let (start, end) = (self.starts[node] as usize, self.starts[node + 1] as usize);
        (start + k < end).then(|| self.targets[start + k] as usize)
    }
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
        let index_by_id = || first_by_id(entries, &path_order(entries)).0;
        let (skims, by_id) = rayon::join(|| Skims::new(entries, cached, cache), index_by_id);
        // A reference's graph depends only on its kind and rule.
        let graph_of_rule = config
            .kinds
            .iter()
            .map(|kind| {
                kind.refs
                    .iter()
                    .map(|rule| {
                        let name = rule.graph.as_deref()?;
                        config.graphs.keys().position(|graph| graph == name)
                    })
                    .collect()
            })
            .collect();
        Head {
            config,
            entries,
            cached,
            cache,
            skims,
            by_id,
            graph_of_rule,
        }
    }

    /// The kind entry `i`'s reference of `rule` points to.
    fn target_kind(&self, i: usize, rule: usize) -> usize {
        self.config.kinds[self.entries[i].kind].refs[rule].target
    }

    /// The entry that entry `i`'s reference of `rule` to `target` resolves to, if any.
    fn resolve(&self, i: usize, rule: usize, target: &str) -> Option<usize> {
        self.by_id
            .get(&(self.target_kind(i, rule), target))
            .copied()
    }

    /// The entries `i` references that exist.
    fn targets(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.skims
            .refs(i)
            .iter()
            .filter_map(move |&(rule, target)| self.resolve(i, rule, target))
    }

    /// The entries that entry `i`'s references in the `g`-th graph of `Config::graphs` resolve
    /// to.
    fn targets_in_graph(&self, i: usize, g: usize) -> impl Iterator<Item = usize> + '_ {
        let in_graph = &self.graph_of_rule[self.entries[i].kind];
        self.skims
            .refs(i)
            .iter()
            .filter(move |&&(rule, _)| in_graph[rule] == Some(g))
            .filter_map(move |&(rule, target)| self.resolve(i, rule, target))
    }

    /// Entries with a reference to one of `keys` (`(kind, id)`), ascending.
    pub(crate) fn referrers(&self, keys: &HashSet<(usize, &str)>) -> Vec<usize> {
        // A reference resolves to the holder of its key, so comparing keys finds the references
        // to an existing entry and those to a removed one alike, without resolving any.
        // A change has few keys: comparing with each (lengths first) beats hashing every
        // reference's target.
        if keys.is_empty() {
            return Vec::new();
        }
        let few: Vec<(usize, &str)> = keys.iter().copied().collect();
        let is_key = |i: usize, rule: usize, target: &str| {
            if few.len() <= 16 {
                few.iter()
                    .any(|&(kind, id)| id == target && kind == self.target_kind(i, rule))
            } else {
                keys.contains(&(self.target_kind(i, rule), target))
            }
        };
        self.entries_where(|i| {
            self.skims
                .refs(i)
                .iter()
                .any(|&(rule, target)| is_key(i, rule, target))
        })
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
        let mut local = vec![Reached::UNSEEN; self.entries.len()];
        for (g, (_, settings)) in self.config.graphs.iter().enumerate() {
            if !settings.acyclic {
                continue;
            }
            let reached = self.reach(from, g, &mut local);
            // Tarjan's algorithm finds whole components from any root that reaches them.
            let roots: Vec<usize> = (0..from.len()).collect();
            found.extend(
                cyclic_components(&reached, &roots)
                    .into_iter()
                    .filter(|component| component.iter().any(|&m| m < from.len()))
                    .map(|component| component.into_iter().map(|m| reached.nodes[m]).collect()),
            );
            for &i in &reached.nodes {
                local[i] = Reached::UNSEEN;
            }
        }
        found
    }

    /// What `from` reaches in the `g`-th graph of `Config::graphs`, with its edges: a cycle
    /// through an entry lies within what it reaches. `local` maps entries to their number in
    /// the walk; it comes in all `UNSEEN`, and leaves with what was reached numbered.
    fn reach(&self, from: &[usize], g: usize, local: &mut [u32]) -> Reached {
        // The walk reached 30,000 of 100,000 entries from five, in some 90 steps of a few
        // hundred entries each: too little per step for the pool. One thread walking
        // breadth-first takes as long as resolving each step's references in parallel did
        // (~30 ms here), without a vector per chunk and step. Its cost is the lookups.
        let mut reached = Reached {
            nodes: from.to_vec(),
            starts: vec![0],
            targets: Vec::new(),
        };
        for (n, &i) in from.iter().enumerate() {
            local[i] = n as u32;
        }
        let mut walked = 0;
        while let Some(&i) = reached.nodes.get(walked) {
            for to in self.targets_in_graph(i, g) {
                if local[to] == Reached::UNSEEN {
                    local[to] = reached.nodes.len() as u32;
                    reached.nodes.push(to);
                }
                reached.targets.push(local[to]);
            }
            reached.starts.push(reached.targets.len() as u32);
            walked += 1;
        }
        reached
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

    /// The configuration and every entry's summary of [`registry`]`(n)`.
    fn summaries(n: usize) -> (Config, Vec<EntrySummary>) {
        let dir = registry(n);
        let snapshot = Worktree::new(dir.path()).expect("snapshot");
        let config = Config::load(&snapshot).expect("config");
        let entries = run(
            &config,
            &snapshot,
            discover(&config, &snapshot).expect("discover"),
            Mode::Plain { visit: None },
        )
        .expect("run")
        .entries;
        (config, entries)
    }

    /// The entries a change affects, then what the change keeps of the rules run on the picked
    /// subset and of the rules run on everything.
    fn kept_both<'a>(
        head: &Head<'a>,
        changed_at: &[usize],
        removed: &HashSet<(usize, &str)>,
    ) -> (HashSet<&'a str>, Vec<String>, Vec<String>) {
        let found = head.cross_findings(changed_at, removed);
        let changed: HashSet<&str> = changed_at
            .iter()
            .map(|&i| head.entries[i].path.as_str())
            .collect();
        let focused = kept(found.cross, &found.affected, &changed);
        let everything = kept(
            cross::check(head.config, head.entries),
            &found.affected,
            &changed,
        );
        (found.affected, focused, everything)
    }

    /// For every single changed entry, and every removed one, the rules run on the picked
    /// subset keep exactly what running them on everything keeps.
    #[test]
    fn the_picked_subset_keeps_what_a_run_over_everything_keeps() {
        let (config, all) = summaries(120);
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
                let (_, focused, everything) = kept_both(&head, &changed_at, &removed_keys);
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

    /// A change to many entries at once (more keys than are compared one by one) keeps what
    /// running the rules on everything keeps.
    #[test]
    fn a_change_to_many_entries_keeps_what_a_run_over_everything_keeps() {
        let (config, entries) = summaries(120);
        for offset in 0..3 {
            let changed_at: Vec<usize> = (offset..entries.len()).step_by(3).collect();
            let removed: HashSet<(usize, &str)> = [(entries[0].kind, "gone")].into_iter().collect();
            let head = Head::new(&config, &entries, &[], None);
            let (affected, focused, everything) = kept_both(&head, &changed_at, &removed);
            assert!(
                !everything.is_empty(),
                "offset {offset}: findings to compare"
            );
            assert_eq!(focused, everything, "offset {offset}");
            // Every entry referring to a changed or removed key is affected.
            let mut keys = removed.clone();
            keys.extend(
                changed_at
                    .iter()
                    .map(|&i| (entries[i].kind, entries[i].id.as_str())),
            );
            let referring: Vec<&str> = entries
                .iter()
                .filter(|e| {
                    e.refs().iter().any(|r| {
                        let kind = config.kinds[e.kind].refs[r.rule].target;
                        keys.contains(&(kind, r.target.as_str()))
                    })
                })
                .map(|e| e.path.as_str())
                .collect();
            assert!(referring.len() > 10, "offset {offset}: referrers to check");
            for path in referring {
                assert!(affected.contains(path), "offset {offset}: {path}");
            }
        }
    }
}
