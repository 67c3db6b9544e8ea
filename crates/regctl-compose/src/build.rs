//! Building the index files in memory from a validated registry.
//!
//! Every file is a JSON document with sorted keys (serde_json's map is a `BTreeMap`), written
//! compactly with a final newline; inputs are sorted before they are written, so the same
//! registry gives the same bytes whatever the file system order or thread count.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use regctl_core::config::{Config, Kind};
use regctl_core::pointer::{Pattern, Segment, format_path, lookup};
use regctl_validate::{Captured, EntrySummary};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::shard;

/// The version of the index format; see `docs/index-format.md`.
pub const FORMAT_VERSION: u32 = 1;
/// The version of every record (sparse entry, catalog row, graph, provides file).
pub const RECORD_VERSION: u32 = 1;

/// The index: file path (relative to the output directory) → bytes, `manifest.json` included.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Index {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Where the registry came from, recorded in `config.json`.
#[derive(Debug, Default, Clone)]
pub struct Source {
    /// The commit the registry was read from, when it is in git.
    pub commit: Option<String>,
}

/// The name of the manifest, which lists every other file.
pub const MANIFEST: &str = "manifest.json";

/// One entry, with what compose needs from it.
struct Item<'a> {
    summary: &'a EntrySummary,
    kind: &'a Kind,
    value: Value,
}

/// Builds every file of the index.
///
/// The registry must have validated without errors: compose trusts ids, versions and
/// references to be well formed.
pub fn build(config: &Config, captured: &Captured, source: &Source) -> Index {
    let mut order: Vec<usize> = (0..captured.entries.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&captured.entries[a], &captured.entries[b]);
        (&config.kinds[x.kind].name, &x.id).cmp(&(&config.kinds[y.kind].name, &y.id))
    });
    let items: Vec<Item<'_>> = order
        .par_iter()
        .filter_map(|&i| {
            let summary = &captured.entries[i];
            let value = captured.values[i]
                .as_deref()
                .and_then(|json| serde_json::from_str(json).ok())?;
            Some(Item {
                summary,
                kind: &config.kinds[summary.kind],
                value,
            })
        })
        .collect();
    let by_key: HashMap<(usize, &str), usize> = items
        .iter()
        .enumerate()
        .map(|(i, item)| ((item.summary.kind, item.summary.id.as_str()), i))
        .collect();
    let edges = edges(&items, &by_key);
    // Each item's outgoing and incoming edges, so no step scans all edges per entry.
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    let mut incoming: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for (i, edge) in edges.iter().enumerate() {
        outgoing[edge.from].push(i);
        incoming[edge.to].push(i);
    }

    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let sparse: Vec<(String, Vec<u8>)> = items
        .par_iter()
        .enumerate()
        .map(|(i, item)| {
            let entry = sparse_entry(&items, &edges, i, &outgoing[i], &incoming[i]);
            (entry_path(item), to_bytes(&entry))
        })
        .collect();
    files.extend(sparse);
    files.insert("catalog.json".to_owned(), to_bytes(&catalog(&items)));
    for (name, settings) in &config.graphs {
        files.insert(
            format!("graphs/{name}.json"),
            to_bytes(&graph(&items, &edges, name, settings.acyclic)),
        );
    }
    files.extend(provides(&items));
    files.insert("owners.json".to_owned(), to_bytes(&owners(config, &items)));
    files.insert(
        "config.json".to_owned(),
        to_bytes(&config_json(config, &items, &edges, source)),
    );
    let manifest = manifest(&files);
    files.insert(MANIFEST.to_owned(), to_bytes(&manifest));
    Index { files }
}

/// A reference from one item to another, resolved.
struct Edge {
    from: usize,
    to: usize,
    /// The referencing field.
    path: String,
    req: Option<String>,
    graph: Option<String>,
    /// The version of the release record the reference sits in, if any.
    from_version: Option<String>,
    /// The highest non-yanked version of the target that satisfies `req`.
    to_version: Option<String>,
}

fn edges(items: &[Item<'_>], by_key: &HashMap<(usize, &str), usize>) -> Vec<Edge> {
    let mut out = Vec::new();
    for (from, item) in items.iter().enumerate() {
        for reference in &item.summary.refs {
            let rule = &item.kind.refs[reference.rule];
            let Some(&to) = by_key.get(&(rule.target, reference.target.as_str())) else {
                continue;
            };
            let to_version = reference.req.as_ref().and_then(|req| {
                items[to]
                    .summary
                    .versions
                    .iter()
                    .filter(|released| !released.yanked)
                    .filter(|released| {
                        released
                            .version
                            .to_semver()
                            .is_some_and(|v| req.matches(&v))
                    })
                    .map(|released| &released.version)
                    .max()
                    .map(ToString::to_string)
            });
            out.push(Edge {
                from,
                to,
                path: reference.pointer.clone(),
                req: reference.req.as_ref().map(ToString::to_string),
                graph: rule.graph.clone(),
                from_version: release_of(item, &reference.pointer),
                to_version,
            });
        }
    }
    out
}

/// The version of the release record that holds the field at `pointer`, if it is in one.
fn release_of(item: &Item<'_>, pointer: &str) -> Option<String> {
    let kind = item.kind;
    let version = kind.version.as_ref()?;
    let key = plain(version).pop()?;
    let record_of = |path: &[String]| -> Option<String> {
        let record = lookup(&item.value, path)?;
        record.get(&key).and_then(Value::as_str).map(str::to_owned)
    };
    let current = plain(version);
    let current_record = &current[..current.len() - 1];
    if !current_record.is_empty()
        && pointer.starts_with(&format!("{}/", format_path(current_record)))
    {
        return record_of(current_record);
    }
    let history = plain(kind.history.as_ref()?);
    let prefix = format!("{}/", format_path(&history));
    let index = pointer.strip_prefix(&prefix)?.split('/').next()?;
    let mut path = history;
    path.push(index.to_owned());
    record_of(&path)
}

fn plain(pattern: &Pattern) -> Vec<String> {
    pattern
        .segments()
        .iter()
        .map(|segment| match segment {
            Segment::Key(key) => key.clone(),
            Segment::Any => "*".to_owned(),
        })
        .collect()
}

fn key(item: &Item<'_>) -> String {
    format!("{}:{}", item.kind.name, item.summary.id)
}

fn entry_path(item: &Item<'_>) -> String {
    shard::entry_path(&item.kind.name, &item.summary.id)
}

fn field(item: &Item<'_>, pointer: Option<&Pattern>) -> Value {
    pointer
        .and_then(|p| p.get(&item.value))
        .cloned()
        .unwrap_or(Value::Null)
}

fn current_version(item: &Item<'_>) -> Value {
    field(item, item.kind.version.as_ref())
}

fn sparse_entry(
    items: &[Item<'_>],
    edges: &[Edge],
    index: usize,
    outgoing: &[usize],
    incoming: &[usize],
) -> Value {
    let item = &items[index];
    let edge_json = |edge: &Edge, other: usize| {
        json!({
            "kind": items[other].kind.name,
            "id": items[other].summary.id,
            "path": edge.path,
            "req": edge.req,
            "graph": edge.graph,
            "from_version": edge.from_version,
            "to_version": edge.to_version,
        })
    };
    let mut refs: Vec<Value> = outgoing
        .iter()
        .map(|&e| edge_json(&edges[e], edges[e].to))
        .collect();
    let mut dependents: Vec<Value> = incoming
        .iter()
        .map(|&e| edge_json(&edges[e], edges[e].from))
        .collect();
    sort_values(&mut refs);
    sort_values(&mut dependents);
    json!({
        "v": RECORD_VERSION,
        "kind": item.kind.name,
        "id": item.summary.id,
        "source": item.summary.path,
        "version": current_version(item),
        "versions": item.summary.versions.iter().map(|r| json!({"version": r.version.to_string(), "yanked": r.yanked})).collect::<Vec<_>>(),
        "owner": item.summary.owner,
        "lifecycle": field(item, item.kind.lifecycle.as_ref()),
        "entry": item.value,
        "refs": refs,
        "dependents": dependents,
    })
}

fn sort_values(values: &mut [Value]) {
    values.sort_by_cached_key(|value| value.to_string());
}

fn catalog(items: &[Item<'_>]) -> Value {
    let rows: Vec<Value> = items
        .iter()
        .map(|item| {
            json!({
                "v": RECORD_VERSION,
                "kind": item.kind.name,
                "id": item.summary.id,
                "version": current_version(item),
                "description": field(item, item.kind.description.as_ref()),
                "tags": field(item, item.kind.tags.as_ref()),
                "owner": item.summary.owner,
                "lifecycle": field(item, item.kind.lifecycle.as_ref()),
                "path": entry_path(item),
            })
        })
        .collect();
    json!({ "format_version": FORMAT_VERSION, "entries": rows })
}

fn graph(items: &[Item<'_>], edges: &[Edge], name: &str, acyclic: bool) -> Value {
    let in_graph: Vec<&Edge> = edges
        .iter()
        .filter(|e| e.graph.as_deref() == Some(name))
        .collect();
    let nodes: BTreeSet<String> = in_graph
        .iter()
        .flat_map(|e| [key(&items[e.from]), key(&items[e.to])])
        .collect();
    let mut edge_rows: Vec<Value> = in_graph
        .iter()
        .map(|e| {
            json!({
                "from": key(&items[e.from]),
                "to": key(&items[e.to]),
                "path": e.path,
                "req": e.req,
                "from_version": e.from_version,
                "to_version": e.to_version,
            })
        })
        .collect();
    sort_values(&mut edge_rows);
    let mut reverse: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut forward: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &in_graph {
        reverse
            .entry(key(&items[e.to]))
            .or_default()
            .insert(key(&items[e.from]));
        forward
            .entry(key(&items[e.from]))
            .or_default()
            .insert(key(&items[e.to]));
    }
    json!({
        "v": RECORD_VERSION,
        "name": name,
        "acyclic": acyclic,
        "nodes": nodes,
        "edges": edge_rows,
        "reverse": reverse,
        "topological_order": topological_order(&nodes, &forward),
    })
}

/// Every node after the nodes it references (dependencies first), ties broken by name;
/// `None` when the graph has a cycle.
fn topological_order(
    nodes: &BTreeSet<String>,
    forward: &BTreeMap<String, BTreeSet<String>>,
) -> Option<Vec<String>> {
    let mut remaining: BTreeMap<&str, usize> = nodes
        .iter()
        .map(|n| (n.as_str(), forward.get(n).map_or(0, BTreeSet::len)))
        .collect();
    let mut dependents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, targets) in forward {
        for to in targets {
            dependents
                .entry(to.as_str())
                .or_default()
                .push(from.as_str());
        }
    }
    let mut ready: BTreeSet<&str> = remaining
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(k, _)| *k)
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(node) = ready.pop_first() {
        order.push(node.to_owned());
        for dependent in dependents.get(node).into_iter().flatten() {
            let count = remaining.get_mut(dependent)?;
            *count -= 1;
            if *count == 0 {
                ready.insert(dependent);
            }
        }
    }
    (order.len() == nodes.len()).then_some(order)
}

fn provides(items: &[Item<'_>]) -> Vec<(String, Vec<u8>)> {
    // (kind, lower-case key) → matches
    let mut grouped: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    for item in items {
        for rule in &item.kind.provides {
            for found in rule.path.matches(&item.value) {
                let (value, target) = if rule.keys {
                    let Some(key) = found.bindings.last() else {
                        continue;
                    };
                    (key.clone(), found.value.clone())
                } else {
                    match found.value {
                        Value::String(s) => (s.clone(), Value::Null),
                        _ => continue,
                    }
                };
                grouped
                    .entry((item.kind.name.clone(), shard::provides_key(&value)))
                    .or_default()
                    .push(json!({
                        "name": rule.name,
                        "value": value,
                        "id": item.summary.id,
                        "path": format_path(&found.path),
                        "target": target,
                    }));
            }
        }
    }
    grouped
        .into_iter()
        .map(|((kind, key), mut matches)| {
            sort_values(&mut matches);
            let path = shard::provides_path(&kind, &key);
            let body =
                json!({ "v": RECORD_VERSION, "kind": kind, "key": key, "providers": matches });
            (path, to_bytes(&body))
        })
        .collect()
}

fn owners(config: &Config, items: &[Item<'_>]) -> Value {
    let team_kind = config.ownership.as_ref().map(|o| o.team_kind);
    let mut teams: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in items {
        let team = if Some(item.summary.kind) == team_kind {
            Some(item.summary.id.clone())
        } else {
            item.summary.owner.clone()
        };
        if let Some(team) = team {
            teams.entry(team).or_default().insert(key(item));
        }
    }
    json!({ "format_version": FORMAT_VERSION, "teams": teams })
}

fn config_json(config: &Config, items: &[Item<'_>], edges: &[Edge], source: &Source) -> Value {
    let kinds: Vec<Value> = config
        .kinds
        .iter()
        .map(|kind| {
            let count = items
                .iter()
                .filter(|item| item.kind.name == kind.name)
                .count();
            json!({
                "name": kind.name,
                "entries": count,
                "version_scheme": kind.version.as_ref().map(|_| kind.scheme.as_str()),
                "provides": kind.provides.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "registry": { "name": config.name, "description": config.description },
        "base_url": config.compose.base_url,
        "source": { "commit": source.commit },
        "kinds": kinds,
        "graphs": config.graphs.keys().collect::<Vec<_>>(),
        "counts": {
            "entries": items.len(),
            "versions": items.iter().map(|i| i.summary.versions.len()).sum::<usize>(),
            "references": edges.len(),
        },
    })
}

fn manifest(files: &BTreeMap<String, Vec<u8>>) -> Value {
    let listed: BTreeMap<&str, Value> = files
        .iter()
        .map(|(path, bytes)| {
            (
                path.as_str(),
                json!({ "size": bytes.len(), "sha256": sha256_hex(bytes) }),
            )
        })
        .collect();
    json!({ "format_version": FORMAT_VERSION, "files": listed })
}

/// The lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compact JSON and a final newline.
fn to_bytes(value: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(value).expect("JSON values always serialize");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topological_order_puts_dependencies_first_and_detects_cycles() {
        let nodes: BTreeSet<String> = ["a", "b", "c"].iter().map(|s| (*s).to_owned()).collect();
        let mut forward = BTreeMap::new();
        forward.insert(
            "a".to_owned(),
            BTreeSet::from(["b".to_owned(), "c".to_owned()]),
        );
        forward.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
        assert_eq!(
            topological_order(&nodes, &forward),
            Some(vec!["c".into(), "b".into(), "a".into()])
        );
        forward.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
        assert_eq!(topological_order(&nodes, &forward), None);
    }

    #[test]
    fn sha256_is_lower_case_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
