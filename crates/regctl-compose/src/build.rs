//! Building the index files from a validated registry, each handed to a [`Sink`] as soon as it
//! is rendered.
//!
//! Validation shows every parsed document to [`prepare`], which keeps only what the index
//! needs (the document as raw JSON, a few fields, the release record of each reference, the
//! provided values), so the registry is parsed once and no document trees are held.
//! Every file is a JSON document with sorted keys (output structs declare their fields in
//! alphabetical order; maps are `BTreeMap`s), written compactly with a final newline; inputs are
//! sorted before they are written, so the same registry gives the same bytes whatever the file
//! system order or thread count.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;
use regctl_core::Error;
use regctl_core::config::{Config, Kind};
use regctl_core::pointer::{Pattern, format_path, lookup};
use regctl_validate::{EntrySummary, Released, Visited};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
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

impl Index {
    /// The index with `extra` files added (the federated index, say) and the manifest
    /// recomputed to list them too.
    pub fn with_files(mut self, extra: BTreeMap<String, Vec<u8>>) -> Index {
        self.files.remove(MANIFEST);
        self.files.extend(extra);
        let manifest = manifest(&self.files);
        self.files.insert(MANIFEST.to_owned(), manifest);
        self
    }
}

/// Where the registry came from, recorded in `config.json`, and what it holds besides entries.
#[derive(Debug, Default, Clone)]
pub struct Source {
    /// The commit the registry was read from, when it is in git.
    pub commit: Option<String>,
    /// Ids changed by `regctl rename`, oldest first (`renames.toml`).
    pub renames: Vec<Rename>,
}

/// An entry's old id and the id it was renamed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rename {
    pub kind: String,
    pub from: String,
    pub to: String,
}

/// Reads `renames.toml` from the registry root; no file means no renames.
pub fn read_renames(
    snapshot: &dyn regctl_core::snapshot::Snapshot,
) -> Result<Vec<Rename>, regctl_core::Error> {
    use regctl_core::config::RENAMES_FILE;
    use regctl_core::document::{Document, Format};
    let bad = |reason: String| regctl_core::Error::Renames { reason };
    let Some(bytes) = snapshot.read(RENAMES_FILE)? else {
        return Ok(Vec::new());
    };
    let text = String::from_utf8(bytes).map_err(|_| bad("it is not valid UTF-8".to_owned()))?;
    let doc = Document::parse(Format::Toml, &text, 8).map_err(|err| bad(err.message))?;
    let Some(records) = doc.value.get("renamed") else {
        return Ok(Vec::new());
    };
    let records = records
        .as_array()
        .ok_or_else(|| bad("`renamed` is not an array of tables".to_owned()))?;
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let field = |name: &str| {
                record[name]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad(format!("record {} has no string `{name}`", i + 1)))
            };
            Ok(Rename {
                kind: field("kind")?,
                from: field("from")?,
                to: field("to")?,
            })
        })
        .collect()
}

/// The name of the manifest, which lists every other file.
pub const MANIFEST: &str = "manifest.json";

/// What the index needs from one entry's document.
pub struct Prepared {
    /// The document, as compact JSON; [`build()`] takes it out to render the entry's file.
    document: Option<Box<RawValue>>,
    version: Value,
    lifecycle: Value,
    description: Value,
    tags: Value,
    /// For each of the summary's references, the version of the release record it sits in.
    from_versions: Vec<Option<String>>,
    provided: Vec<Provided>,
}

impl Prepared {
    /// The entry's document, as compact JSON; `None` once [`build()`] has rendered it.
    pub fn document(&self) -> Option<&RawValue> {
        self.document.as_deref()
    }
}

/// A value the entry provides.
struct Provided {
    name: String,
    value: String,
    path: String,
    target: Value,
}

/// Extracts what the index needs from a parsed document; pass it to
/// [`regctl_validate::validate_visiting`].
pub fn prepare(kind: &Kind, entry: &EntrySummary, value: &Value) -> Prepared {
    let field = |pointer: Option<&Pattern>| {
        pointer
            .and_then(|p| p.get(value))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let records = ReleaseRecords::of(kind);
    let mut provided = Vec::new();
    for rule in &kind.provides {
        for found in rule.path.matches(value) {
            let (name, target) = if rule.keys {
                match found.bindings.last() {
                    Some(key) => (key.clone(), found.value.clone()),
                    None => continue,
                }
            } else {
                match found.value {
                    Value::String(s) => (s.clone(), Value::Null),
                    _ => continue,
                }
            };
            provided.push(Provided {
                name: rule.name.clone(),
                value: name,
                path: format_path(&found.path),
                target,
            });
        }
    }
    let document = serde_json::value::to_raw_value(value).expect("JSON values always serialize");
    Prepared {
        document: Some(document),
        version: field(kind.version.as_ref()),
        lifecycle: field(kind.lifecycle.as_ref()),
        description: field(kind.description.as_ref()),
        tags: field(kind.tags.as_ref()),
        from_versions: entry
            .refs()
            .iter()
            .map(|r| records.version_at(value, &r.pointer))
            .collect(),
        provided,
    }
}

/// Where a kind's release records are, to find the record a field sits in.
struct ReleaseRecords {
    /// Key of the version inside a record.
    key: String,
    /// `/versions/latest/` for the current record.
    current: Option<(String, Vec<String>)>,
    /// `/versions/history/` for history records.
    history: Option<(String, Vec<String>)>,
}

impl ReleaseRecords {
    fn of(kind: &Kind) -> ReleaseRecords {
        let Some(version) = &kind.version else {
            return ReleaseRecords {
                key: String::new(),
                current: None,
                history: None,
            };
        };
        let mut current = version.keys();
        let key = current.pop().unwrap_or_default();
        let prefixed = |path: Vec<String>| (format!("{}/", format_path(&path)), path);
        ReleaseRecords {
            key,
            current: (!current.is_empty()).then(|| prefixed(current)),
            history: kind.history.as_ref().map(|h| prefixed(h.keys())),
        }
    }

    /// The version of the release record holding the field at `pointer`, if any.
    fn version_at(&self, value: &Value, pointer: &str) -> Option<String> {
        let record = |path: &[String]| {
            lookup(value, path)?
                .get(&self.key)?
                .as_str()
                .map(str::to_owned)
        };
        if let Some((prefix, path)) = &self.current
            && pointer.starts_with(prefix.as_str())
        {
            return record(path);
        }
        let (prefix, path) = self.history.as_ref()?;
        let index = pointer.strip_prefix(prefix.as_str())?.split('/').next()?;
        let mut path = path.clone();
        path.push(index.to_owned());
        record(&path)
    }
}

/// One entry, with what compose needs from it.
struct Item<'a> {
    /// Its position in the validated registry.
    visit: usize,
    summary: &'a EntrySummary,
    kind: &'a Kind,
    prepared: &'a Prepared,
    /// `kind:id`.
    key: String,
    /// The sparse file.
    path: String,
}

/// A reference from one item to another, resolved.
struct Edge<'a> {
    from: usize,
    to: usize,
    /// The referencing field.
    path: &'a str,
    req: Option<String>,
    graph: Option<&'a str>,
    from_version: Option<&'a str>,
    /// The highest non-yanked version of the target that satisfies `req`.
    to_version: Option<String>,
}

/// Where [`build_into`] hands each file of the index as soon as it is rendered, so a whole
/// index need not be held in memory: a directory writer, or [`build()`]'s collector.
///
/// `put` is called from several threads at once, in no particular order, once per path; it must
/// not start parallel work of its own. The manifest is not put: [`build_into`] returns it, to be
/// written last.
pub trait Sink: Sync {
    /// Takes the file at `path` (relative, `/`-separated), whose SHA-256 is `sha256` (lower-case
    /// hex, as the manifest lists it, so nobody hashes it twice).
    fn put(&self, path: &str, bytes: &[u8], sha256: &str) -> Result<(), Error>;
}

/// What [`build_into`] made: the manifest, and what it lists.
pub struct Built {
    /// `manifest.json`'s bytes.
    pub manifest: Vec<u8>,
    /// Every file put, path → (size, sha256): what the manifest lists.
    pub listed: BTreeMap<String, (u64, String)>,
}

impl Built {
    /// How many files the index has, the manifest included.
    pub fn files(&self) -> usize {
        self.listed.len() + 1
    }
}

/// Builds the index in memory: every file, `manifest.json` included.
pub fn build(config: &Config, validated: &mut Visited<Prepared>, source: &Source) -> Index {
    let collected = std::sync::Mutex::new(Vec::new());
    let collect = |path: &str, bytes: &[u8], _: &str| {
        let mut files = collected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        files.push((path.to_owned(), bytes.to_vec()));
        Ok(())
    };
    let built = build_into(config, validated, source, &collect)
        .expect("collecting files in memory does not fail");
    let mut files = collected
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Sorted first, so the map is built in one pass rather than by 100,000 inserts.
    files.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut files: BTreeMap<String, Vec<u8>> = files.into_iter().collect();
    files.insert(MANIFEST.to_owned(), built.manifest);
    Index { files }
}

impl<F: Fn(&str, &[u8], &str) -> Result<(), Error> + Sync> Sink for F {
    fn put(&self, path: &str, bytes: &[u8], sha256: &str) -> Result<(), Error> {
        self(path, bytes, sha256)
    }
}

/// Builds every file of the index and puts each into `sink` as it is rendered; returns the
/// manifest. The registry must have validated without errors: compose trusts ids, versions
/// and references to be well formed. Stops at the first file `sink` refuses.
///
/// Each entry's document is taken out of `validated` and freed as soon as its file is
/// rendered, so the registry's documents and the index's files are not all held at once; a
/// second build of the same `validated` would find none.
pub fn build_into(
    config: &Config,
    validated: &mut Visited<Prepared>,
    source: &Source,
    sink: &dyn Sink,
) -> Result<Built, Error> {
    let mut documents: Vec<Option<Box<RawValue>>> = validated
        .visits
        .iter_mut()
        .map(|visit| visit.as_mut().and_then(|prepared| prepared.document.take()))
        .collect();
    let validated = &*validated;
    let items = items(config, validated);
    // In the order of `items`, to be handed out with them.
    let documents: Vec<Option<Box<RawValue>>> = items
        .iter()
        .map(|item| documents[item.visit].take())
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

    let key_order = KeyOrder::of(&items);
    // The pieces are independent; rayon spreads them, and the entries within theirs, over
    // the workers.
    let pieces: [&(dyn Fn() -> Files + Sync); 5] = [
        &|| vec![("catalog.json".to_owned(), catalog(&items))],
        &|| {
            config
                .graphs
                .par_iter()
                .map(|(name, settings)| {
                    (
                        format!("graphs/{name}.json"),
                        graph(&items, &edges, &key_order, name, settings.acyclic),
                    )
                })
                .collect()
        },
        &|| provides(&items),
        &|| keys(&items),
        &|| vec![("owners.json".to_owned(), to_bytes(&owners(config, &items)))],
    ];
    let put = |path: &str, bytes: &[u8]| -> Result<Listed, Error> {
        let sha256 = sha256_hex(bytes);
        sink.put(path, bytes, &sha256)?;
        Ok((path.to_owned(), (bytes.len() as u64, sha256)))
    };
    let put_all = |files: Files| -> Result<Vec<Listed>, Error> {
        files
            .into_par_iter()
            .map(|(path, bytes)| put(&path, &bytes))
            .collect()
    };
    let (entries, others) = rayon::join(
        || -> Result<Vec<_>, Error> {
            documents
                .into_par_iter()
                .zip(&items)
                .enumerate()
                .map(|(i, (document, item))| {
                    let entry = sparse_entry(
                        &items,
                        &edges,
                        i,
                        document.as_deref(),
                        &outgoing[i],
                        &incoming[i],
                    );
                    with_json(&entry, |bytes| put(&item.path, bytes))
                })
                .collect()
        },
        || -> Result<Vec<_>, Error> {
            let pieces: Vec<Vec<_>> = pieces
                .par_iter()
                .map(|piece| put_all(piece()))
                .collect::<Result<_, _>>()?;
            Ok(pieces.into_iter().flatten().collect())
        },
    );
    let mut listed: BTreeMap<String, (u64, String)> = entries?.into_iter().collect();
    listed.extend(others?);
    let mut last = Vec::new();
    if let Some(renames) = renames(&source.renames, &by_key, config) {
        last.push(("renames.json".to_owned(), to_bytes(&renames)));
    }
    last.push((
        "config.json".to_owned(),
        to_bytes(&config_json(config, &items, edges.len(), source)),
    ));
    listed.extend(put_all(last)?);
    let manifest = manifest_of(&listed);
    Ok(Built { manifest, listed })
}

/// A file put into the sink, as the manifest lists it: (path, (size, sha256)).
type Listed = (String, (u64, String));

/// Index files as (path, bytes), in no particular order.
type Files = Vec<(String, Vec<u8>)>;

/// The entries that parsed, sorted by kind and id.
fn items<'a>(config: &'a Config, validated: &'a Visited<Prepared>) -> Vec<Item<'a>> {
    let mut items: Vec<Item<'a>> = validated
        .entries
        .iter()
        .zip(&validated.visits)
        .enumerate()
        .filter_map(|(visit, (summary, prepared))| {
            let kind = &config.kinds[summary.kind];
            Some(Item {
                visit,
                summary,
                kind,
                prepared: prepared.as_ref()?,
                key: format!("{}:{}", kind.name, summary.id),
                path: shard::entry_path(&kind.name, &summary.id),
            })
        })
        .collect();
    items.par_sort_by(|a, b| (&a.kind.name, &a.summary.id).cmp(&(&b.kind.name, &b.summary.id)));
    items
}

fn edges<'a>(items: &'a [Item<'a>], by_key: &HashMap<(usize, &str), usize>) -> Vec<Edge<'a>> {
    items
        .par_iter()
        .enumerate()
        .flat_map_iter(|(from, item)| {
            item.summary
                .refs()
                .iter()
                .zip(&item.prepared.from_versions)
                .filter_map(move |(reference, from_version)| {
                    let rule = &item.kind.refs[reference.rule];
                    let &to = by_key.get(&(rule.target, reference.target.as_str()))?;
                    Some(Edge {
                        from,
                        to,
                        path: &reference.pointer,
                        req: reference.req.as_ref().map(ToString::to_string),
                        graph: rule.graph.as_deref(),
                        from_version: from_version.as_deref(),
                        to_version: reference
                            .req
                            .as_ref()
                            .and_then(|req| newest_matching(items[to].summary.versions(), req)),
                    })
                })
        })
        .collect()
}

/// The highest non-yanked version in `versions` that satisfies `req`.
fn newest_matching(versions: &[Released], req: &semver::VersionReq) -> Option<String> {
    versions
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
}

#[derive(Serialize)]
struct SparseEntry<'a> {
    dependents: Vec<EdgeOut<'a>>,
    entry: &'a RawValue,
    id: &'a str,
    kind: &'a str,
    lifecycle: &'a Value,
    owner: Option<&'a str>,
    refs: Vec<EdgeOut<'a>>,
    source: &'a str,
    v: u32,
    version: &'a Value,
    versions: Vec<VersionOut>,
}

#[derive(Serialize)]
struct EdgeOut<'a> {
    from_version: Option<&'a str>,
    graph: Option<&'a str>,
    id: &'a str,
    kind: &'a str,
    path: &'a str,
    req: Option<&'a str>,
    to_version: Option<&'a str>,
}

#[derive(Serialize)]
struct VersionOut {
    version: String,
    yanked: bool,
}

fn sparse_entry<'a>(
    items: &'a [Item<'a>],
    edges: &'a [Edge<'a>],
    index: usize,
    document: Option<&'a RawValue>,
    outgoing: &[usize],
    incoming: &[usize],
) -> SparseEntry<'a> {
    let item = &items[index];
    let edge_out = |edge: &'a Edge<'a>, other: usize| EdgeOut {
        from_version: edge.from_version,
        graph: edge.graph,
        id: &items[other].summary.id,
        kind: &items[other].kind.name,
        path: edge.path,
        req: edge.req.as_deref(),
        to_version: edge.to_version.as_deref(),
    };
    let mut refs: Vec<EdgeOut<'a>> = outgoing
        .iter()
        .map(|&e| edge_out(&edges[e], edges[e].to))
        .collect();
    let mut dependents: Vec<EdgeOut<'a>> = incoming
        .iter()
        .map(|&e| edge_out(&edges[e], edges[e].from))
        .collect();
    let by_entry = |a: &EdgeOut<'_>, b: &EdgeOut<'_>| {
        (a.kind, a.id, a.path, a.from_version).cmp(&(b.kind, b.id, b.path, b.from_version))
    };
    refs.sort_by(by_entry);
    dependents.sort_by(by_entry);
    SparseEntry {
        dependents,
        // Every item has one: items are the entries whose documents were prepared.
        entry: document.unwrap_or(RawValue::NULL),
        id: &item.summary.id,
        kind: &item.kind.name,
        lifecycle: &item.prepared.lifecycle,
        owner: item.summary.owner(),
        refs,
        source: &item.summary.path,
        v: RECORD_VERSION,
        version: &item.prepared.version,
        versions: item
            .summary
            .versions()
            .iter()
            .map(|r| VersionOut {
                version: r.version.to_string(),
                yanked: r.yanked,
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct CatalogRow<'a> {
    description: &'a Value,
    id: &'a str,
    kind: &'a str,
    lifecycle: &'a Value,
    owner: Option<&'a str>,
    path: &'a str,
    tags: &'a Value,
    v: u32,
    version: &'a Value,
}

#[derive(Serialize)]
struct Catalog<'a> {
    entries: Vec<CatalogRow<'a>>,
    format_version: u32,
}

fn catalog(items: &[Item<'_>]) -> Vec<u8> {
    let entries = items
        .iter()
        .map(|item| CatalogRow {
            description: &item.prepared.description,
            id: &item.summary.id,
            kind: &item.kind.name,
            lifecycle: &item.prepared.lifecycle,
            owner: item.summary.owner(),
            path: &item.path,
            tags: &item.prepared.tags,
            v: RECORD_VERSION,
            version: &item.prepared.version,
        })
        .collect();
    to_bytes(&Catalog {
        entries,
        format_version: FORMAT_VERSION,
    })
}

#[derive(Serialize)]
struct Graph<'a> {
    acyclic: bool,
    edges: Vec<GraphEdge<'a>>,
    name: &'a str,
    nodes: Vec<&'a str>,
    reverse: ReverseEdges<'a>,
    topological_order: Option<Vec<&'a str>>,
    v: u32,
}

#[derive(Serialize)]
struct GraphEdge<'a> {
    from: &'a str,
    from_version: Option<&'a str>,
    path: &'a str,
    req: Option<&'a str>,
    to: &'a str,
    to_version: Option<&'a str>,
}

/// Each node with incoming edges → the nodes they come from; both in key order.
struct ReverseEdges<'a>(Vec<(&'a str, Vec<&'a str>)>);

impl Serialize for ReverseEdges<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(to, froms)| (to, froms)))
    }
}

/// Items by `kind:id` key, the order every graph lists its nodes in: `rank[item]` is the item's
/// position in `sorted`. (Items themselves sort by kind, then id, which differs when one kind's
/// name is a prefix of another's.)
struct KeyOrder {
    sorted: Vec<usize>,
    rank: Vec<usize>,
}

impl KeyOrder {
    fn of(items: &[Item<'_>]) -> KeyOrder {
        let mut sorted: Vec<usize> = (0..items.len()).collect();
        sorted.par_sort_unstable_by(|&a, &b| items[a].key.cmp(&items[b].key));
        let mut rank = vec![0; items.len()];
        for (position, &item) in sorted.iter().enumerate() {
            rank[item] = position;
        }
        KeyOrder { sorted, rank }
    }
}

/// One graph's file. Nodes are handled by rank, so sorting and ordering compare integers, not
/// keys; only serialization turns them back into `kind:id`.
fn graph(
    items: &[Item<'_>],
    edges: &[Edge<'_>],
    order: &KeyOrder,
    name: &str,
    acyclic: bool,
) -> Vec<u8> {
    let key = |rank: usize| items[order.sorted[rank]].key.as_str();
    let mut in_graph: Vec<(usize, usize, &Edge<'_>)> = edges
        .iter()
        .filter(|e| e.graph == Some(name))
        .map(|e| (order.rank[e.from], order.rank[e.to], e))
        .collect();
    in_graph.sort_unstable_by(|a, b| (a.0, a.1, a.2.path).cmp(&(b.0, b.1, b.2.path)));

    let mut is_node = vec![false; items.len()];
    // Distinct (from, to) pairs, by `from` then `to`, as `in_graph` is sorted.
    let mut forward: Vec<(usize, usize)> = Vec::with_capacity(in_graph.len());
    for &(from, to, _) in &in_graph {
        is_node[from] = true;
        is_node[to] = true;
        if forward.last() != Some(&(from, to)) {
            forward.push((from, to));
        }
    }
    let mut backward: Vec<(usize, usize)> = forward.iter().map(|&(from, to)| (to, from)).collect();
    backward.sort_unstable();
    let reverse = backward
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| {
            (
                key(group[0].0),
                group.iter().map(|&(_, from)| key(from)).collect(),
            )
        })
        .collect();

    let nodes: Vec<usize> = (0..items.len()).filter(|&rank| is_node[rank]).collect();
    let topological_order = topological_order(items.len(), &nodes, &forward, &backward)
        .map(|ranks| ranks.into_iter().map(key).collect());
    let edges = in_graph
        .iter()
        .map(|&(from, to, edge)| GraphEdge {
            from: key(from),
            from_version: edge.from_version,
            path: edge.path,
            req: edge.req.as_deref(),
            to: key(to),
            to_version: edge.to_version.as_deref(),
        })
        .collect();
    to_bytes(&Graph {
        acyclic,
        edges,
        name,
        nodes: nodes.into_iter().map(key).collect(),
        reverse: ReverseEdges(reverse),
        topological_order,
        v: RECORD_VERSION,
    })
}

/// Every node after the nodes it references (dependencies first), ties broken by rank, that
/// is by key; `None` when the graph has a cycle. `forward` holds distinct (from, to) pairs and
/// `backward` the same pairs as (to, from), sorted.
fn topological_order(
    n_ranks: usize,
    nodes: &[usize],
    forward: &[(usize, usize)],
    backward: &[(usize, usize)],
) -> Option<Vec<usize>> {
    let mut remaining = vec![0usize; n_ranks];
    for &(from, _) in forward {
        remaining[from] += 1;
    }
    let mut ready: BinaryHeap<Reverse<usize>> = nodes
        .iter()
        .filter(|&&node| remaining[node] == 0)
        .map(|&node| Reverse(node))
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(Reverse(node)) = ready.pop() {
        order.push(node);
        let start = backward.partition_point(|&(to, _)| to < node);
        for &(_, dependent) in backward[start..].iter().take_while(|&&(to, _)| to == node) {
            remaining[dependent] -= 1;
            if remaining[dependent] == 0 {
                ready.push(Reverse(dependent));
            }
        }
    }
    (order.len() == nodes.len()).then_some(order)
}

#[derive(Serialize)]
struct Provider<'a> {
    id: &'a str,
    name: &'a str,
    path: &'a str,
    target: &'a Value,
    value: &'a str,
}

#[derive(Serialize)]
struct ProvidesFile<'a> {
    key: &'a str,
    kind: &'a str,
    providers: Vec<Provider<'a>>,
    v: u32,
}

fn provides(items: &[Item<'_>]) -> Vec<(String, Vec<u8>)> {
    // (kind, lower-case value) → providers
    let mut grouped: BTreeMap<(&str, String), Vec<Provider<'_>>> = BTreeMap::new();
    for item in items {
        for provided in &item.prepared.provided {
            grouped
                .entry((
                    item.kind.name.as_str(),
                    shard::provides_key(&provided.value),
                ))
                .or_default()
                .push(Provider {
                    id: &item.summary.id,
                    name: &provided.name,
                    path: &provided.path,
                    target: &provided.target,
                    value: &provided.value,
                });
        }
    }
    grouped
        .into_iter()
        .map(|((kind, key), mut providers)| {
            providers.sort_by(|a, b| (a.id, a.path, a.name).cmp(&(b.id, b.path, b.name)));
            let path = shard::provides_path(kind, &key);
            let file = ProvidesFile {
                key: &key,
                kind,
                providers,
                v: RECORD_VERSION,
            };
            (path, to_bytes(&file))
        })
        .collect()
}

#[derive(Serialize)]
struct KeyMatch<'a> {
    id: &'a str,
    name: &'a str,
    path: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct KeysFile<'a> {
    entries: Vec<KeyMatch<'a>>,
    key: &'a str,
    kind: &'a str,
    v: u32,
}

/// `keys/<kind>/<shard>/<value>.json`: which entries hold a value declared unique (a tool's
/// uuid, say), so `regctl get <uuid>` is one small file away.
fn keys(items: &[Item<'_>]) -> Vec<(String, Vec<u8>)> {
    let mut grouped: BTreeMap<(&str, String), Vec<KeyMatch<'_>>> = BTreeMap::new();
    for item in items {
        for unique in item.summary.unique() {
            grouped
                .entry((item.kind.name.as_str(), shard::provides_key(&unique.value)))
                .or_default()
                .push(KeyMatch {
                    id: &item.summary.id,
                    name: &item.kind.unique[unique.rule].name,
                    path: &item.path,
                    value: &unique.value,
                });
        }
    }
    grouped
        .into_iter()
        .map(|((kind, key), mut entries)| {
            entries.sort_by(|a, b| (a.id, a.name, a.value).cmp(&(b.id, b.name, b.value)));
            let path = shard::keys_path(kind, &key);
            let file = KeysFile {
                entries,
                key: &key,
                kind,
                v: RECORD_VERSION,
            };
            (path, to_bytes(&file))
        })
        .collect()
}

#[derive(Serialize)]
struct Owners<'a> {
    format_version: u32,
    teams: BTreeMap<&'a str, BTreeSet<&'a str>>,
}

fn owners<'a>(config: &Config, items: &'a [Item<'a>]) -> Owners<'a> {
    let team_kind = config.ownership.as_ref().map(|o| o.team_kind);
    let mut teams: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for item in items {
        let team = if Some(item.summary.kind) == team_kind {
            Some(item.summary.id.as_str())
        } else {
            item.summary.owner()
        };
        if let Some(team) = team {
            teams.entry(team).or_default().insert(&item.key);
        }
    }
    Owners {
        format_version: FORMAT_VERSION,
        teams,
    }
}

/// `renames.json`: each old id that no entry holds any more, and the id its chain of renames
/// ends at (`a → b → c` redirects `a` and `b` to `c`).
fn renames(
    renames: &[Rename],
    by_key: &HashMap<(usize, &str), usize>,
    config: &Config,
) -> Option<Value> {
    if renames.is_empty() {
        return None;
    }
    let mut latest: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for rename in renames {
        latest.insert((&rename.kind, &rename.from), &rename.to);
    }
    let mut out: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for (&(kind, from), &to) in &latest {
        let Some(kind_index) = config.kinds.iter().position(|k| k.name == kind) else {
            continue;
        };
        // An old id taken by a new entry is that entry now.
        if by_key.contains_key(&(kind_index, from)) {
            continue;
        }
        let mut target = to;
        let mut hops = 0;
        while let Some(&next) = latest.get(&(kind, target)) {
            hops += 1;
            if hops > latest.len() || by_key.contains_key(&(kind_index, target)) {
                break;
            }
            target = next;
        }
        out.entry(kind).or_default().insert(from, target);
    }
    Some(serde_json::json!({
        "format_version": FORMAT_VERSION,
        "renamed": out,
    }))
}

fn config_json(config: &Config, items: &[Item<'_>], n_references: usize, source: &Source) -> Value {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for item in items {
        *counts.entry(item.kind.name.as_str()).or_default() += 1;
    }
    let kinds: Vec<Value> = config
        .kinds
        .iter()
        .map(|kind| {
            serde_json::json!({
                "name": kind.name,
                "entries": counts.get(kind.name.as_str()).copied().unwrap_or(0),
                "version_scheme": kind.version.as_ref().map(|_| kind.scheme.as_str()),
                "pointers": {
                    "id": kind.id.as_ref().map(|p| p.as_str()),
                    "version": kind.version.as_ref().map(|p| p.as_str()),
                    "history": kind.history.as_ref().map(|p| p.as_str()),
                    "yanked": kind.yanked.as_str(),
                    "owner": kind.owner.as_ref().map(|p| p.as_str()),
                    "lifecycle": kind.lifecycle.as_ref().map(|p| p.as_str()),
                    "description": kind.description.as_ref().map(|p| p.as_str()),
                    "tags": kind.tags.as_ref().map(|p| p.as_str()),
                },
                "unique": kind.unique.iter().map(|u| u.name.clone()).collect::<BTreeSet<_>>(),
                "provides": kind.provides.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "format_version": FORMAT_VERSION,
        "registry": { "name": config.name, "description": config.description },
        "base_url": config.compose.base_url,
        "source": { "commit": source.commit },
        "kinds": kinds,
        "graphs": config.graphs.keys().collect::<Vec<_>>(),
        "counts": {
            "entries": items.len(),
            "versions": items.iter().map(|i| i.summary.versions().len()).sum::<usize>(),
            "references": n_references,
        },
    })
}

#[derive(Serialize)]
struct ManifestFile<'a> {
    sha256: &'a str,
    size: u64,
}

#[derive(Serialize)]
struct Manifest<'a> {
    files: BTreeMap<&'a str, ManifestFile<'a>>,
    format_version: u32,
}

fn manifest(files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let listed: BTreeMap<String, (u64, String)> = files
        .par_iter()
        .map(|(path, bytes)| (path.clone(), (bytes.len() as u64, sha256_hex(bytes))))
        .collect();
    manifest_of(&listed)
}

/// `manifest.json` listing `listed` (path → (size, sha256)).
pub(crate) fn manifest_of(listed: &BTreeMap<String, (u64, String)>) -> Vec<u8> {
    let files = listed
        .iter()
        .map(|(path, (size, sha256))| {
            (
                path.as_str(),
                ManifestFile {
                    sha256,
                    size: *size,
                },
            )
        })
        .collect();
    to_bytes(&Manifest {
        files,
        format_version: FORMAT_VERSION,
    })
}

/// The lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    // Two table look-ups per byte: the manifest hashes every file of the index, and a
    // formatted write per byte was 32 of them per file.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Compact JSON and a final newline, in a vector of exactly that length (a vector grown while
/// serializing keeps up to half its capacity unused).
fn to_bytes<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    with_json(value, <[u8]>::to_vec)
}

/// Calls `use_bytes` with `value` as compact JSON and a final newline, serialized into a
/// buffer each thread reuses: 100,000 entry files need no allocation each.
fn with_json<T: Serialize + ?Sized, R>(value: &T, use_bytes: impl FnOnce(&[u8]) -> R) -> R {
    thread_local! {
        static BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    }
    /// A buffer grown past this (by the catalog, say) is not kept for the next file.
    const KEPT: usize = 1 << 20;
    // Taken out while in use, so that whatever `use_bytes` runs on this thread meanwhile
    // (rayon may hand it another task) gets a buffer of its own.
    let mut buffer = BUFFER.take();
    buffer.clear();
    serde_json::to_writer(&mut buffer, value).expect("index records always serialize");
    buffer.push(b'\n');
    let result = use_bytes(&buffer);
    if buffer.capacity() <= KEPT {
        BUFFER.set(buffer);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topological_order_puts_dependencies_first_and_detects_cycles() {
        // Ranks 0, 1, 2: 0 → 1, 0 → 2, 1 → 2.
        let forward = [(0, 1), (0, 2), (1, 2)];
        let backward = [(1, 0), (2, 0), (2, 1)];
        assert_eq!(
            topological_order(3, &[0, 1, 2], &forward, &backward),
            Some(vec![2, 1, 0])
        );
        // And 2 → 0 closes a cycle.
        let forward = [(0, 1), (0, 2), (1, 2), (2, 0)];
        let backward = [(0, 2), (1, 0), (2, 0), (2, 1)];
        assert_eq!(topological_order(3, &[0, 1, 2], &forward, &backward), None);
    }

    #[test]
    fn topological_order_breaks_ties_by_rank() {
        // Only 0 → 2: 1 and 2 are ready at once, and the lower rank goes first.
        assert_eq!(
            topological_order(3, &[0, 1, 2], &[(0, 2)], &[(2, 0)]),
            Some(vec![1, 2, 0])
        );
    }

    #[test]
    fn sha256_is_lower_case_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
