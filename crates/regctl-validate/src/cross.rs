//! Cross-file rules, run on entry summaries: unique ids, references, cycles, unique values.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::sync::{Mutex, PoisonError};

use foldhash::{HashMap, HashMapExt};

use rayon::prelude::*;
use regctl_core::config::Config;
use regctl_core::suggest::edit_distance_within;
use regctl_core::{Code, Diagnostic, Span};
use unicode_normalization::UnicodeNormalization;

use crate::file::EntrySummary;

/// Which entries the cross-file rules look at, and whose references they check.
pub(crate) struct Scope<'a> {
    /// Every entry of the registry, where `entries` may be a subset (see [`crate::focus`]):
    /// a missing reference's likely typo is looked for among all of them.
    pub(crate) all: &'a [EntrySummary],
    /// Paths of the entries whose references are checked; all when `None`.
    pub(crate) check_refs_of: Option<&'a foldhash::HashSet<&'a str>>,
}

/// Runs every cross-file rule over all of `entries`.
pub(crate) fn check(config: &Config, entries: &[EntrySummary]) -> Vec<Diagnostic> {
    check_within(
        config,
        entries,
        &Scope {
            all: entries,
            check_refs_of: None,
        },
    )
}

/// Runs every cross-file rule over `entries`, within `scope`.
pub(crate) fn check_within(
    config: &Config,
    entries: &[EntrySummary],
    scope: &Scope<'_>,
) -> Vec<Diagnostic> {
    let order = path_order(entries);
    // Unique values need no id index, so they are checked while it is built; the other rules
    // read the resolved references. Each returns its own findings, appended in a fixed order.
    let ((mut out, index), unique) = rayon::join(
        || duplicate_ids(config, entries, &order),
        || unique_values(config, entries, &order),
    );
    let targets = Targets::resolve(config, entries, &index);
    let (refs, cycles_found) = rayon::join(
        || references(config, entries, &order, &targets, scope),
        || cycles(config, entries, &order, &targets),
    );
    out.extend(refs);
    out.extend(cycles_found);
    out.extend(unique);
    out
}

/// Indices of `entries` in path order.
pub(crate) fn path_order(entries: &[EntrySummary]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    // Discovery lists in path order already; sorting is for other callers.
    if !entries.is_sorted_by(|a, b| a.path <= b.path) {
        order.sort_by(|&a, &b| entries[a].path.cmp(&entries[b].path));
    }
    order
}

/// `(kind, id)` → the first entry (in path order) with that id.
pub(crate) type IdIndex<'a> = HashMap<(usize, &'a str), usize>;

/// The first entry in `order` with each `(kind, id)`, and the positions in `order`
/// (ascending) of the entries whose id an earlier one had.
pub(crate) fn first_by_id<'a>(
    entries: &'a [EntrySummary],
    order: &[usize],
) -> (IdIndex<'a>, Vec<usize>) {
    first_holders(order, |i| (entries[i].kind, entries[i].id.as_str()))
}

/// What each entry's references resolve to, in the order of [`EntrySummary::refs`]: looked up
/// once, in parallel, for the rules that follow references (at 100,000 entries the references
/// and cycle rules each looked up all 323,000, one after the other, and were most of the
/// cross-file phase).
struct Targets {
    /// Where each entry's references start in `to`, and where the last one's end.
    starts: Vec<usize>,
    /// The entry each reference resolves to, [`Targets::MISSING`] for none.
    to: Vec<u32>,
}

impl Targets {
    const MISSING: u32 = u32::MAX;

    fn resolve(config: &Config, entries: &[EntrySummary], index: &IdIndex<'_>) -> Targets {
        let mut starts = Vec::with_capacity(entries.len() + 1);
        let mut end = 0;
        starts.push(end);
        for entry in entries {
            end += entry.refs().len();
            starts.push(end);
        }
        let to = entries
            .par_iter()
            .with_min_len(256)
            .flat_map_iter(|entry| {
                let kind = &config.kinds[entry.kind];
                entry.refs().iter().map(|reference| {
                    let target = kind.refs[reference.rule].target;
                    index
                        .get(&(target, reference.target.as_str()))
                        .map_or(Targets::MISSING, |&to| to as u32)
                })
            })
            .collect();
        Targets { starts, to }
    }

    /// What entry `i`'s references resolve to, in order.
    fn of(&self, i: usize) -> impl Iterator<Item = Option<usize>> + '_ {
        self.to[self.starts[i]..self.starts[i + 1]]
            .iter()
            .map(|&to| (to != Targets::MISSING).then_some(to as usize))
    }
}

/// Ids used twice, exactly or after case folding and NFKC, and the id index.
fn duplicate_ids<'a>(
    config: &Config,
    entries: &'a [EntrySummary],
    order: &[usize],
) -> (Vec<Diagnostic>, IdIndex<'a>) {
    // The first holder of each id and of each folded id. The first holder of a folded id is
    // the first of its own id too, so the two are independent, and built beside each other.
    let ((exact, used_again), (folded, collided)) = rayon::join(
        || first_by_id(entries, order),
        || first_holders(order, |i| (entries[i].kind, fold_id(&entries[i].id))),
    );
    // An id used again also collides after folding: `used_again` is part of `collided`, and
    // such an entry is reported as a reuse of the id.
    let mut used_again = used_again.into_iter().peekable();
    let mut out = Vec::new();
    for at in collided {
        let entry = &entries[order[at]];
        let (first, message, help) = if used_again.next_if_eq(&at).is_some() {
            let first = exact[&(entry.kind, entry.id.as_str())];
            (
                first,
                format!(
                    "id `{}` is already used by `{}`",
                    entry.id, entries[first].path
                ),
                "ids are unique per kind; rename one of the entries",
            )
        } else {
            let first = folded[&(entry.kind, fold_id(&entry.id))];
            (
                first,
                format!(
                    "id `{}` collides with `{}` in `{}`",
                    entry.id, entries[first].id, entries[first].path
                ),
                "ids are compared ignoring case and Unicode compatibility forms (NFKC), so these would clash on case-insensitive file systems and confuse readers",
            )
        };
        let first = &entries[first];
        out.push(
            diagnostic_at(config, entry, Code::DuplicateId, message)
                .at_opt(entry.id_span())
                .with_related(
                    first.path.clone(),
                    first.id_span().unwrap_or_default(),
                    "first defined here",
                )
                .with_help(help),
        );
    }
    (out, exact)
}

/// The first entry in `order` with each key, and the positions in `order` (ascending) of the
/// entries whose key an earlier one had.
fn first_holders<K: std::hash::Hash + Eq>(
    order: &[usize],
    key_of: impl Fn(usize) -> K,
) -> (HashMap<K, usize>, Vec<usize>) {
    let mut first = HashMap::with_capacity(order.len());
    let mut later = Vec::new();
    for (at, &i) in order.iter().enumerate() {
        match first.entry(key_of(i)) {
            Entry::Occupied(_) => later.push(at),
            Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }
    (first, later)
}

/// The form of an id that collisions are judged on.
pub(crate) fn fold_id(id: &str) -> Cow<'_, str> {
    // NFKC leaves ASCII alone, so most ids need only lower-casing, and most are lower case.
    if id.is_ascii() {
        if id.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(id.to_ascii_lowercase())
        } else {
            Cow::Borrowed(id)
        }
    } else {
        Cow::Owned(id.nfkc().flat_map(char::to_lowercase).collect())
    }
}

fn references<'e, 's>(
    config: &Config,
    entries: &'e [EntrySummary],
    order: &[usize],
    targets: &Targets,
    scope: &Scope<'s>,
) -> Vec<Diagnostic> {
    // A missing id is often referenced many times (a deleted entry): its closest neighbour is
    // looked for once, for all threads.
    let suggestions: Mutex<HashMap<(usize, &'e str), Option<&'s str>>> = Mutex::default();
    let suggest = |kind: usize, name: &'e str| {
        let known = suggestions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(kind, name))
            .copied();
        known.unwrap_or_else(|| {
            let near = closest(name, scope.all, kind);
            let mut suggestions = suggestions.lock().unwrap_or_else(PoisonError::into_inner);
            suggestions.insert((kind, name), near);
            near
        })
    };
    // Each entry's findings depend on it and its resolved references alone: checked in
    // parallel, kept in path order.
    order
        .par_iter()
        .with_min_len(256)
        .flat_map_iter(|&i| entry_references(config, entries, i, targets, scope, &suggest))
        .collect()
}

/// The findings about entry `i`'s references, unless `scope` leaves them out.
fn entry_references<'e, 's>(
    config: &Config,
    entries: &'e [EntrySummary],
    i: usize,
    targets: &Targets,
    scope: &Scope<'_>,
    suggest: &(dyn Fn(usize, &'e str) -> Option<&'s str> + Sync),
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let entry = &entries[i];
    if scope
        .check_refs_of
        .is_some_and(|paths| !paths.contains(entry.path.as_str()))
    {
        return out;
    }
    let kind = &config.kinds[entry.kind];
    for (reference, target) in entry.refs().iter().zip(targets.of(i)) {
        let rule = &kind.refs[reference.rule];
        let target_kind = &config.kinds[rule.target];
        let Some(target) = target else {
            let mut diagnostic = diagnostic_at(
                config,
                entry,
                Code::RefMissing,
                format!(
                    "`{}:{}` does not exist (referenced by `{}`)",
                    target_kind.name, reference.target, reference.pointer
                ),
            )
            .at(reference.span)
            .with_label(format!(
                "no {} named `{}`",
                target_kind.name, reference.target
            ));
            diagnostic = match suggest(rule.target, reference.target.as_str()) {
                Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                None => diagnostic.with_help(format!(
                    "add `{}` under `{}`, or fix the name",
                    reference.target, target_kind.dir
                )),
            };
            out.push(diagnostic);
            continue;
        };
        let target = &entries[target];
        let Some(req) = &reference.req else {
            continue;
        };
        if target.broken || target.versions().is_empty() {
            continue; // its own diagnostics say why; don't pile on
        }
        let matches = target
            .versions()
            .iter()
            .filter(|released| !released.yanked)
            .filter_map(|released| released.version.to_semver())
            .any(|version| req.matches(&version));
        if !matches {
            let available: Vec<String> = target
                .versions()
                .iter()
                .map(|released| {
                    if released.yanked {
                        format!("{} (yanked)", released.version)
                    } else {
                        released.version.to_string()
                    }
                })
                .collect();
            let available = if available.is_empty() {
                "it has no released versions".to_owned()
            } else {
                format!("released: {}", available.join(", "))
            };
            out.push(
                diagnostic_at(
                    config,
                    entry,
                    Code::RefUnsatisfied,
                    format!(
                        "no released version of `{}:{}` satisfies `{req}`",
                        target_kind.name, target.id
                    ),
                )
                .at(reference.span)
                .with_label(format!("requires {req}"))
                .with_help(available),
            );
        }
    }
    out
}

/// The id of `kind` closest to `name`, if any is close enough to be a likely typo.
fn closest<'a>(name: &str, entries: &'a [EntrySummary], kind: usize) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    entries
        .par_iter()
        .filter(|entry| entry.kind == kind)
        .filter_map(|entry| {
            edit_distance_within(name, &entry.id, limit)
                .map(|distance| (distance, entry.id.as_str()))
        })
        .min()
        .map(|(_, id)| id)
}

/// An edge of a graph: from one entry to another, written at `span` in the source's file.
pub(crate) struct Edge {
    pub(crate) to: usize,
    pub(crate) span: Span,
}

fn cycles(
    config: &Config,
    entries: &[EntrySummary],
    order: &[usize],
    targets: &Targets,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (graph, settings) in &config.graphs {
        if !settings.acyclic {
            continue;
        }
        let edges: Vec<Vec<Edge>> = entries
            .par_iter()
            .enumerate()
            .with_min_len(256)
            .map(|(i, entry)| {
                let kind = &config.kinds[entry.kind];
                entry
                    .refs()
                    .iter()
                    .zip(targets.of(i))
                    .filter(|(reference, _)| {
                        kind.refs[reference.rule].graph.as_deref() == Some(graph.as_str())
                    })
                    .filter_map(|(reference, to)| {
                        Some(Edge {
                            to: to?,
                            span: reference.span,
                        })
                    })
                    .collect()
            })
            .collect();
        for component in cyclic_components(edges.as_slice(), order) {
            let start = *component
                .iter()
                .min_by(|&&a, &&b| entries[a].path.cmp(&entries[b].path))
                .expect("components are not empty");
            let path = cycle_through(start, &component, &edges);
            let same_kind = path.iter().all(|&n| entries[n].kind == entries[start].kind);
            let name = |n: usize| {
                if same_kind {
                    entries[n].id.clone()
                } else {
                    entries[n].key(config)
                }
            };
            let mut spelled: Vec<String> = path.iter().map(|&n| name(n)).collect();
            spelled.push(name(start));
            let first_hop = path.get(1).copied().unwrap_or(start);
            let span = edges[start]
                .iter()
                .find(|edge| edge.to == first_hop)
                .map(|edge| edge.span);
            // Every hop of the cycle, so readers (and change filtering) see all its members.
            let mut diagnostic = diagnostic_at(
                config,
                &entries[start],
                Code::Cycle,
                format!("`{graph}` cycle: {}", spelled.join(" → ")),
            )
            .at_opt(span)
            .with_label(format!(
                "part of a cycle of {} entr{}",
                path.len(),
                if path.len() == 1 { "y" } else { "ies" }
            ))
            .with_help(format!(
                "the `{graph}` graph must be acyclic; remove one of these references"
            ));
            for (hop, &from) in path.iter().enumerate().skip(1) {
                let to = path.get(hop + 1).copied().unwrap_or(start);
                if let Some(edge) = edges[from].iter().find(|edge| edge.to == to) {
                    diagnostic = diagnostic.with_related(
                        entries[from].path.clone(),
                        edge.span,
                        format!("`{}` → `{}`", name(from), name(to)),
                    );
                }
            }
            out.push(diagnostic);
        }
    }
    out
}

/// A graph's out-edges, as the cycle search reads them.
pub(crate) trait Successors {
    /// How many nodes the graph has (nodes are `0..count`).
    fn node_count(&self) -> usize;
    /// The `k`-th edge of `node` leads to this node, if `node` has that many edges.
    fn successor(&self, node: usize, k: usize) -> Option<usize>;
}

impl Successors for [Vec<Edge>] {
    fn node_count(&self) -> usize {
        self.len()
    }

    fn successor(&self, node: usize, k: usize) -> Option<usize> {
        self[node].get(k).map(|edge| edge.to)
    }
}

/// The strongly connected components that hold a cycle (more than one node, or a node with an
/// edge to itself), among everything reachable from `order` (every node when it lists them
/// all), by Tarjan's algorithm, iteratively (chains of 100,000 entries must not overflow the
/// stack). Acyclic components, nearly all of them in a valid registry, are never collected.
pub(crate) fn cyclic_components<G: Successors + ?Sized>(
    graph: &G,
    order: &[usize],
) -> Vec<Vec<usize>> {
    const UNVISITED: u32 = u32::MAX;
    let n = graph.node_count();
    // Node numbers fit in 32 bits (a registry has far fewer entries), which halves what the
    // search touches.
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut components = Vec::new();
    let mut next_index = 0;
    // (node, position in its edge list)
    let mut work: Vec<(usize, usize)> = Vec::new();
    for &root in order {
        if index[root] != UNVISITED {
            continue;
        }
        work.push((root, 0));
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root as u32);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut position)) = work.last_mut() {
            if let Some(to) = graph.successor(node, *position) {
                *position += 1;
                if index[to] == UNVISITED {
                    work.push((to, 0));
                    index[to] = next_index;
                    low[to] = next_index;
                    next_index += 1;
                    stack.push(to as u32);
                    on_stack[to] = true;
                } else if on_stack[to] {
                    low[node] = low[node].min(index[to]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] != index[node] {
                continue;
            }
            // The component is `node` and everything above it on the stack.
            let at = stack
                .iter()
                .rposition(|&member| member as usize == node)
                .unwrap_or(0);
            let cyclic = stack.len() - at > 1
                || (0..)
                    .map_while(|k| graph.successor(node, k))
                    .any(|to| to == node);
            for &member in &stack[at..] {
                on_stack[member as usize] = false;
            }
            if cyclic {
                // Tarjan's order: the root last.
                components.push(stack[at..].iter().rev().map(|&m| m as usize).collect());
            }
            stack.truncate(at);
        }
    }
    components
}

/// A shortest cycle from `start` back to itself inside `component`, as the list of nodes.
fn cycle_through(start: usize, component: &[usize], edges: &[Vec<Edge>]) -> Vec<usize> {
    let members: foldhash::HashSet<usize> = component.iter().copied().collect();
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for edge in &edges[node] {
            if edge.to == start {
                let mut path = vec![node];
                let mut at = node;
                while at != start {
                    at = parent[&at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if members.contains(&edge.to) && !parent.contains_key(&edge.to) && edge.to != start {
                parent.insert(edge.to, node);
                queue.push_back(edge.to);
            }
        }
    }
    vec![start]
}

fn unique_values(config: &Config, entries: &[EntrySummary], order: &[usize]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen: HashMap<(usize, &str, &str), (usize, Span)> = HashMap::new();
    for &i in order {
        let entry = &entries[i];
        let kind = &config.kinds[entry.kind];
        for value in entry.unique() {
            let key = (
                entry.kind,
                kind.unique[value.rule].name.as_str(),
                value.value.as_str(),
            );
            match seen.get(&key) {
                Some(&(first, first_span)) => {
                    let first = &entries[first];
                    let owner = if first.path == entry.path {
                        "earlier in this file".to_owned()
                    } else {
                        format!("by `{}`", first.key(config))
                    };
                    out.push(
                        diagnostic_at(
                            config,
                            entry,
                            Code::Unique,
                            format!("`{}` must be unique across {} entries, but `{}` is already used {owner}", kind.unique[value.rule].path, kind.name, value.value),
                        )
                        .at(value.span)
                        .with_label("duplicate value")
                        .with_related(first.path.clone(), first_span, "first used here"),
                    );
                }
                None => {
                    seen.insert(key, (i, value.span));
                }
            }
        }
    }
    out
}

fn diagnostic_at(config: &Config, entry: &EntrySummary, code: Code, message: String) -> Diagnostic {
    Diagnostic::new(code, message)
        .in_file(entry.path.clone())
        .for_entry(Some(&entry.key(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_catches_case_and_compatibility_forms() {
        assert_eq!(fold_id("FineTuning"), fold_id("finetuning"));
        assert_eq!(fold_id("\u{FB01}ne"), fold_id("fine")); // the "ﬁ" ligature
        assert_ne!(fold_id("fine"), fold_id("fin"));
    }

    fn graph(adjacency: &[&[usize]]) -> Vec<Vec<Edge>> {
        adjacency
            .iter()
            .map(|targets| {
                targets
                    .iter()
                    .map(|&to| Edge {
                        to,
                        span: Span::default(),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn finds_components_and_shortest_cycles() {
        // 0 → 1 → 2 → 0, 2 → 3, 3 → 3, 4 → 0, 4 → 5: 4 and 5 are on no cycle.
        let edges = graph(&[&[1], &[2], &[0, 3], &[3], &[0, 5], &[]]);
        let mut components: Vec<Vec<usize>> =
            cyclic_components(edges.as_slice(), &[4, 0, 1, 2, 3, 5])
                .into_iter()
                .map(|mut c| {
                    c.sort_unstable();
                    c
                })
                .collect();
        components.sort();
        assert_eq!(components, [vec![0, 1, 2], vec![3]]);
        assert_eq!(cycle_through(0, &[0, 1, 2], &edges), [0, 1, 2]);
        assert_eq!(cycle_through(3, &[3], &edges), [3]);
    }

    #[test]
    fn long_chains_do_not_overflow_the_stack() {
        let n = 200_000;
        let edges: Vec<Vec<Edge>> = (0..n)
            .map(|i| {
                vec![Edge {
                    to: (i + 1) % n,
                    span: Span::default(),
                }]
            })
            .collect();
        let order: Vec<usize> = (0..n).collect();
        let components = cyclic_components(edges.as_slice(), &order);
        assert_eq!(components.len(), 1);
        assert_eq!(cycle_through(0, &components[0], &edges).len(), n);
    }
}
