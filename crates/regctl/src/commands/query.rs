//! The query commands: `get`, `ls`, `search`, `graph`, `which`, `history`, `stats`. They read
//! the registry (composed in memory), a composed directory or a published index the same way.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use regctl_compose::Index;
use regctl_core::config::{Config, find_root};
use regctl_core::git::GitRepo;
use regctl_core::{Error, Snapshot, Worktree};
use regctl_federation::RemoteIndex;
use regctl_query::{
    DirIndex, EntryRef, Filter, IndexSource, MemoryIndex, QueryError, Reader, Tree, Where,
};
use serde_json::{Value, json};

use crate::ExitStatus;
use crate::args::{
    GetArgs, GraphArgs, GraphFormat, HistoryArgs, LsArgs, QueryFormat, ReadArgs, SearchArgs,
    StatsArgs, WhichArgs,
};
use crate::printer::Printer;
use crate::render::FORMAT_VERSION;
use crate::render::human::{self, Style};
use regctl_core::document::to_yaml;

/// What a query command failed with.
enum Failure {
    Query(QueryError),
    Io(io::Error),
}

impl From<QueryError> for Failure {
    fn from(err: QueryError) -> Failure {
        Failure::Query(err)
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Failure {
        Failure::Query(QueryError::Read(err))
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Failure {
        Failure::Io(err)
    }
}

/// Runs a query and maps its failure to an exit status: 2 nothing found, 64 a malformed
/// question, 1 an index that cannot be read.
fn finish(printer: &mut Printer, result: Result<ExitStatus, Failure>) -> io::Result<ExitStatus> {
    let style = Style {
        color: printer.color,
        width: printer.width,
    };
    match result {
        Ok(status) => Ok(status),
        Err(Failure::Io(err)) => Err(err),
        Err(Failure::Query(QueryError::NotFound {
            message,
            suggestions,
        })) => {
            printer.errln(&format!("error: {message}"))?;
            if !suggestions.is_empty() {
                printer.errln(&format!(
                    "  help: did you mean {}?",
                    suggestions
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))?;
            }
            Ok(ExitStatus::Invalid)
        }
        Err(Failure::Query(QueryError::Usage { message, help })) => {
            printer.errln(&format!("error: {message}\n  help: {help}"))?;
            Ok(ExitStatus::Usage)
        }
        Err(Failure::Query(QueryError::Read(err))) => {
            printer.errln(human::failure(style, &err).trim_end())?;
            Ok(ExitStatus::Failure)
        }
        Err(Failure::Query(err)) => {
            printer.errln(&format!("error: {err}"))?;
            Ok(ExitStatus::Failure)
        }
    }
}

/// Opens what `read` names: a published index, a directory, or the registry (at a revision).
fn open(read: &ReadArgs) -> Result<Box<dyn IndexSource>, Failure> {
    if let Some(index) = &read.index {
        if index.starts_with("https://") || index.starts_with("http://") {
            let remote = RemoteIndex::new(
                index,
                &cache_dir(),
                None,
                Duration::from_secs(30),
                read.offline,
            )?;
            return Ok(Box::new(remote));
        }
        return Ok(Box::new(DirIndex(PathBuf::from(index))));
    }
    let root = find_root(&read.registry)?;
    let worktree = Worktree::new(&root)?;
    match &read.rev {
        Some(rev) => {
            let git = GitRepo::discover(&root)?;
            let commit = git.resolve(rev)?;
            let snapshot = git.commit_snapshot(commit, rev)?;
            Ok(Box::new(compose_in_memory(
                &Config::load(&snapshot)?,
                &snapshot,
                format!("the registry at {rev}"),
            )?))
        }
        None => working_tree_index(&Config::load(&worktree)?, &root, &worktree),
    }
}

/// The registry in the working tree as an index: the composed one when it is fresh, else
/// composed in memory.
fn working_tree_index(
    config: &Config,
    root: &std::path::Path,
    worktree: &Worktree,
) -> Result<Box<dyn IndexSource>, Failure> {
    match fresh_index(config, root, worktree) {
        Some(index) => Ok(Box::new(index)),
        None => Ok(Box::new(compose_in_memory(
            config,
            worktree,
            "the registry".to_owned(),
        )?)),
    }
}

/// The index in the registry's compose output directory, when a compose wrote it and nothing
/// it was built from has changed since: the stamp `regctl compose` itself trusts to skip work
/// (every input's path, size, time and inode, the commit, and every output file present).
/// Answering from it spares composing the whole registry in memory, which at 100,000 entries
/// takes seconds; any doubt falls back to composing.
fn fresh_index(config: &Config, root: &std::path::Path, worktree: &Worktree) -> Option<FreshIndex> {
    let out = super::compose::out_dir(config, root, None);
    let stamp_path = regctl_compose::stamp::stamp_path(&super::registry_cache_dir(root), &out);
    if !stamp_path.is_file() {
        return None;
    }
    // Taken before the stamp is trusted, and held while the answer is read.
    let lock = regctl_compose::write::read_lock(&out)?;
    let commit = super::head_commit(root);
    let inputs = regctl_compose::stamp::fingerprint(config, worktree, commit.as_deref()).ok()?;
    regctl_compose::stamp::still_fresh(&stamp_path, &inputs, &out)?;
    Some(FreshIndex {
        index: DirIndex(out),
        _lock: lock,
    })
}

/// A composed index known to be fresh, locked against a compose rewriting it meanwhile.
struct FreshIndex {
    index: DirIndex,
    _lock: regctl_compose::write::ReadLock,
}

impl IndexSource for FreshIndex {
    /// Named as the registry composed in memory is: the question was about the registry, and
    /// the answer is the same whichever way it was read.
    fn describe(&self) -> String {
        "the registry".to_owned()
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        self.index.read(path)
    }
}

/// The registry in `snapshot`, composed in memory. Entries that do not parse are left out;
/// `regctl validate` says why.
fn compose_in_memory(
    config: &Config,
    snapshot: &dyn Snapshot,
    label: String,
) -> Result<MemoryIndex, Failure> {
    let mut validated =
        regctl_validate::validate_visiting(config, snapshot, regctl_compose::prepare)?;
    let source = regctl_compose::Source {
        commit: None,
        renames: regctl_compose::read_renames(snapshot)?,
    };
    let index: Index = regctl_compose::build(config, &mut validated, &source);
    Ok(MemoryIndex { index, label })
}

fn cache_dir() -> PathBuf {
    let env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("REGCTL_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("regctl")))
        .or_else(|| env("HOME").map(|d| d.join(".cache/regctl")))
        .unwrap_or_else(|| std::env::temp_dir().join("regctl-cache"))
}

fn structured(printer: &mut Printer, format: QueryFormat, value: &Value) -> io::Result<()> {
    match format {
        QueryFormat::Yaml => printer.out(&to_yaml(value)),
        _ => printer.json(value),
    }
}

pub(crate) fn get(args: &GetArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let result = (|| -> Result<ExitStatus, Failure> {
        let reference = EntryRef::parse(&args.reference)?;
        let source = match &args.at {
            Some(at) => at_revision(&args.read, at)?,
            None => open(&args.read)?,
        };
        let reader = Reader::open(source.as_ref())?;
        let found = reader.get(&reference)?;
        if let Some(old) = &found.renamed_from {
            printer.errln(&format!(
                "note: `{old}` was renamed to `{}:{}`",
                found.kind.name,
                found.entry["id"].as_str().unwrap_or_default()
            ))?;
        }
        let selected = found
            .selected
            .as_ref()
            .map(|s| json!({"version": s.version, "yanked": s.yanked, "record": s.record}));
        match args.output {
            QueryFormat::Human => {
                let entry = &found.entry;
                let title = format!(
                    "{}:{}",
                    found.kind.name,
                    entry["id"].as_str().unwrap_or_default()
                );
                let version = found
                    .selected
                    .as_ref()
                    .map(|s| format!(" {}", s.version))
                    .unwrap_or_default();
                printer.outln(&format!("{title}{version}"))?;
                let versions: Vec<String> = entry["versions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| {
                        format!(
                            "{}{}",
                            v["version"].as_str().unwrap_or_default(),
                            if v["yanked"] == true { " (yanked)" } else { "" }
                        )
                    })
                    .collect();
                for (label, value) in [
                    ("owner", &entry["owner"]),
                    ("lifecycle", &entry["lifecycle"]),
                ] {
                    if let Some(text) = value.as_str() {
                        printer.outln(&format!("  {label}: {text}"))?;
                    }
                }
                if !versions.is_empty() {
                    printer.outln(&format!("  versions: {}", versions.join(", ")))?;
                }
                for (label, list) in [
                    ("references", &entry["refs"]),
                    ("used by", &entry["dependents"]),
                ] {
                    let names: Vec<String> = list
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|e| {
                            format!(
                                "{}:{}{}",
                                e["kind"].as_str().unwrap_or_default(),
                                e["id"].as_str().unwrap_or_default(),
                                e["req"]
                                    .as_str()
                                    .map(|r| format!(" {r}"))
                                    .unwrap_or_default()
                            )
                        })
                        .collect();
                    if !names.is_empty() {
                        printer.outln(&format!("  {label}: {}", names.join(", ")))?;
                    }
                }
                let shown = found.selected.as_ref().map_or(&entry["entry"], |s| {
                    if s.record.is_null() {
                        &entry["entry"]
                    } else {
                        &s.record
                    }
                });
                printer.outln("")?;
                printer.out(&to_yaml(shown))?;
            }
            format => structured(
                printer,
                format,
                &json!({"format_version": FORMAT_VERSION, "kind": found.kind.name, "id": found.entry["id"], "selected": selected, "entry": found.entry}),
            )?,
        }
        Ok(ExitStatus::Success)
    })();
    finish(printer, result)
}

/// The registry at `at`: a revision, or the last commit at or before a date.
fn at_revision(read: &ReadArgs, at: &str) -> Result<Box<dyn IndexSource>, Failure> {
    let root = find_root(&read.registry)?;
    let git = GitRepo::discover(&root)?;
    let commit = match parse_date(at) {
        Some(seconds) => git
            .commit_at(seconds)?
            .ok_or_else(|| QueryError::NotFound {
                message: format!("the registry has no commit at or before {at}"),
                suggestions: Vec::new(),
            })?,
        None => git.resolve(at)?,
    };
    let snapshot = git.commit_snapshot(commit, at)?;
    Ok(Box::new(compose_in_memory(
        &Config::load(&snapshot)?,
        &snapshot,
        format!("the registry at {at} ({})", commit.short()),
    )?))
}

/// `2026-03-01` (the end of that day, UTC) or `2026-03-01T12:00:00Z`, as Unix seconds.
fn parse_date(text: &str) -> Option<i64> {
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time.trim_end_matches('Z'))),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let (y, m, d): (i64, i64, i64) = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    if parts.next().is_some()
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
        || date.len() != 10
    {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = match time {
        None => 86_399,
        Some(time) => {
            let mut hms = time.split(':');
            let (h, mi, s): (i64, i64, i64) = (
                hms.next()?.parse().ok()?,
                hms.next()?.parse().ok()?,
                hms.next().unwrap_or("0").parse().ok()?,
            );
            h * 3600 + mi * 60 + s
        }
    };
    Some(days * 86_400 + seconds)
}

pub(crate) fn ls(args: &LsArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let result = (|| -> Result<ExitStatus, Failure> {
        let conditions = args
            .conditions
            .iter()
            .map(|c| Where::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        let filter = Filter {
            kind: args.kind.clone(),
            tags: args.tags.clone(),
            owner: args.owner.clone(),
            lifecycle: args.lifecycle.clone(),
            conditions,
            sort: args.sort.map(|field| field.as_str().to_owned()),
            limit: args.limit,
        };
        let source = open(&args.read)?;
        let reader = Reader::open(source.as_ref())?;
        let rows = reader.ls(&filter)?;
        rows_out(printer, args.output, &rows, None)?;
        Ok(ExitStatus::Success)
    })();
    finish(printer, result)
}

pub(crate) fn search(args: &SearchArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let result = (|| -> Result<ExitStatus, Failure> {
        // Checked before the registry is read: at 100,000 entries that can take seconds.
        regctl_query::check_search_text(&args.text)?;
        let source = open(&args.read)?;
        let reader = Reader::open(source.as_ref())?;
        let scored = reader.search(&args.text)?;
        let scored: Vec<(u32, Value)> = scored.into_iter().take(args.limit).collect();
        let scores: Vec<u32> = scored.iter().map(|(s, _)| *s).collect();
        let rows: Vec<Value> = scored.into_iter().map(|(_, row)| row).collect();
        rows_out(printer, args.output, &rows, Some(&scores))?;
        Ok(ExitStatus::Success)
    })();
    finish(printer, result)
}

/// Catalog rows as a table, or one document.
fn rows_out(
    printer: &mut Printer,
    format: QueryFormat,
    rows: &[Value],
    scores: Option<&[u32]>,
) -> io::Result<()> {
    if format != QueryFormat::Human {
        let entries: Vec<Value> = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let mut row = row.clone();
                if let (Some(scores), Value::Object(map)) = (scores, &mut row) {
                    map.insert("score".to_owned(), json!(scores[i]));
                }
                row
            })
            .collect();
        return structured(
            printer,
            format,
            &json!({"format_version": FORMAT_VERSION, "entries": entries}),
        );
    }
    let text = |v: &Value| {
        v.as_str().map(str::to_owned).unwrap_or_else(|| {
            if v.is_null() {
                "-".to_owned()
            } else {
                v.to_string()
            }
        })
    };
    let table: Vec<[String; 5]> = rows
        .iter()
        .map(|row| {
            [
                format!("{}:{}", text(&row["kind"]), text(&row["id"])),
                text(&row["version"]),
                text(&row["owner"]),
                text(&row["lifecycle"]),
                text(&row["description"]),
            ]
        })
        .collect();
    let headers = ["ENTRY", "VERSION", "OWNER", "LIFECYCLE", "DESCRIPTION"];
    let widths: Vec<usize> = (0..4)
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .chain([headers[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let used: usize = widths.iter().map(|w| w + 2).sum();
    let room = printer.width.saturating_sub(used).max(20);
    let line = |cells: [&str; 5]| {
        let mut description: String = cells[4].chars().take(room).collect();
        if cells[4].chars().count() > room {
            description.pop();
            description.push('…');
        }
        format!(
            "{:w0$}  {:w1$}  {:w2$}  {:w3$}  {description}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        )
        .trim_end()
        .to_owned()
    };
    if !rows.is_empty() {
        printer.outln(&line(headers))?;
    }
    for row in &table {
        printer.outln(&line([&row[0], &row[1], &row[2], &row[3], &row[4]]))?;
    }
    if rows.is_empty() && !printer.quiet {
        printer.errln("no entries match")?;
    }
    Ok(())
}

pub(crate) fn graph(args: &GraphArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let result = (|| -> Result<ExitStatus, Failure> {
        let reference = EntryRef::parse(&args.reference)?;
        let source = open(&args.read)?;
        let reader = Reader::open(source.as_ref())?;
        let found = reader.get(&EntryRef {
            req: None,
            ..reference
        })?;
        let key = format!(
            "{}:{}",
            found.kind.name,
            found.entry["id"].as_str().unwrap_or_default()
        );
        let name = match &args.graph {
            Some(name) => name.clone(),
            None => {
                let graphs: std::collections::BTreeSet<String> = ["refs", "dependents"]
                    .iter()
                    .flat_map(|field| found.entry[*field].as_array().cloned().unwrap_or_default())
                    .filter_map(|e| e["graph"].as_str().map(str::to_owned))
                    .collect();
                graphs
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| "dependencies".to_owned())
            }
        };
        let tree = reader.graph(&key, &name, args.reverse, args.depth)?;
        match args.output {
            GraphFormat::Tree => {
                let mut out = format!("{}\n", tree.node);
                draw(&tree, "", &mut out);
                printer.out(&out)?;
            }
            GraphFormat::Json | GraphFormat::Yaml => {
                let value = json!({"format_version": FORMAT_VERSION, "graph": name, "reverse": args.reverse, "root": tree_json(&tree), "nodes": tree.descendants()});
                structured(
                    printer,
                    if args.output == GraphFormat::Yaml {
                        QueryFormat::Yaml
                    } else {
                        QueryFormat::Json
                    },
                    &value,
                )?;
            }
            GraphFormat::Dot => {
                // The entry is declared even without edges, so it is never an empty picture.
                let mut out = format!(
                    "digraph {} {{\n  {};\n",
                    dot_quoted(&name),
                    dot_quoted(&tree.node)
                );
                edges(&tree, &mut |from, to, label| {
                    out.push_str(&format!(
                        "  {} -> {}{};\n",
                        dot_quoted(from),
                        dot_quoted(to),
                        label
                            .map(|l| format!(" [label={}]", dot_quoted(&l)))
                            .unwrap_or_default()
                    ))
                });
                out.push_str("}\n");
                printer.out(&out)?;
            }
            GraphFormat::Mermaid => {
                // Quotes in shown text are written as Mermaid's `#quot;` entity.
                let text = |t: &str| t.replace('"', "#quot;");
                let mut out = format!(
                    "graph TD\n  {}[\"{}\"]\n",
                    mermaid_id(&tree.node),
                    text(&tree.node)
                );
                edges(&tree, &mut |from, to, label| {
                    let arrow = label
                        .map(|l| format!("-->|\"{}\"|", text(&l)))
                        .unwrap_or_else(|| "-->".to_owned());
                    out.push_str(&format!(
                        "  {}[\"{}\"] {arrow} {}[\"{}\"]\n",
                        mermaid_id(from),
                        text(from),
                        mermaid_id(to),
                        text(to)
                    ));
                });
                printer.out(&out)?;
            }
        }
        Ok(ExitStatus::Success)
    })();
    finish(printer, result)
}

/// `text` as a DOT quoted string: ids and requirements come from files, and a `"` or `\` in
/// one would end the string early.
fn dot_quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A Mermaid node id for `node`: letters and digits kept, every other character written as
/// `_<hex>_`, so that distinct entries (`a-b`, `a_b`) never share an id.
fn mermaid_id(node: &str) -> String {
    node.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("_{:x}_", u32::from(c))
            }
        })
        .collect()
}

fn label(tree: &Tree) -> Option<String> {
    let req = tree.label["req"].as_str()?;
    Some(match tree.label["to_version"].as_str() {
        Some(version) => format!("{req} → {version}"),
        None => req.to_owned(),
    })
}

fn draw(tree: &Tree, prefix: &str, out: &mut String) {
    for (i, child) in tree.children.iter().enumerate() {
        let last = i + 1 == tree.children.len();
        let note = label(child).map(|l| format!(" ({l})")).unwrap_or_default();
        let cycle = if child.repeated { " (cycle)" } else { "" };
        out.push_str(&format!(
            "{prefix}{}{}{note}{cycle}\n",
            if last { "└── " } else { "├── " },
            child.node
        ));
        draw(
            child,
            &format!("{prefix}{}", if last { "    " } else { "│   " }),
            out,
        );
    }
}

fn edges(tree: &Tree, visit: &mut dyn FnMut(&str, &str, Option<String>)) {
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![tree];
    while let Some(node) = stack.pop() {
        for child in &node.children {
            if seen.insert((node.node.clone(), child.node.clone())) {
                visit(&node.node, &child.node, label(child));
            }
            stack.push(child);
        }
    }
}

fn tree_json(tree: &Tree) -> Value {
    json!({"node": tree.node, "edge": tree.label, "cycle": tree.repeated, "children": tree.children.iter().map(tree_json).collect::<Vec<_>>()})
}

pub(crate) fn which(args: &WhichArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let result = (|| -> Result<ExitStatus, Failure> {
        if args.value.trim().is_empty() {
            return Err(QueryError::Usage {
                message: "which needs a value to look up".to_owned(),
                help: "name a provided value, such as a component class".to_owned(),
            }
            .into());
        }
        let source = open(&args.read)?;
        let reader = Reader::open(source.as_ref())?;
        let providers = reader.which(&args.value, args.kind.as_deref())?;
        if providers.is_empty() {
            return Err(QueryError::NotFound {
                message: format!("nothing provides `{}`", args.value),
                suggestions: Vec::new(),
            }
            .into());
        }
        match args.output {
            QueryFormat::Human => {
                for p in &providers {
                    let target = p["target"]
                        .as_str()
                        .map(|t| format!(" → {t}"))
                        .unwrap_or_default();
                    printer.outln(&format!(
                        "{}:{} provides {} `{}`{target}",
                        p["kind"].as_str().unwrap_or_default(),
                        p["id"].as_str().unwrap_or_default(),
                        p["name"].as_str().unwrap_or_default(),
                        p["value"].as_str().unwrap_or_default()
                    ))?;
                }
            }
            format => structured(
                printer,
                format,
                &json!({"format_version": FORMAT_VERSION, "value": args.value, "providers": providers}),
            )?,
        }
        Ok(ExitStatus::Success)
    })();
    finish(printer, result)
}

pub(crate) fn stats(args: &StatsArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let result = (|| -> Result<ExitStatus, Failure> {
        let source = open(&args.read)?;
        let reader = Reader::open(source.as_ref())?;
        let mut stats = reader.stats()?;
        match args.output {
            QueryFormat::Human => {
                printer.outln(&format!(
                    "{} entries, {} versions, {} references",
                    stats["entries"], stats["versions"], stats["references"]
                ))?;
                for (label, field) in [
                    ("by kind", "by_kind"),
                    ("by lifecycle", "by_lifecycle"),
                    ("by owner", "by_owner"),
                ] {
                    let parts: Vec<String> = stats[field]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect();
                    printer.outln(&format!("  {label}: {}", parts.join(", ")))?;
                }
                if let (Some(files), Some(bytes)) =
                    (stats["files"].as_u64(), stats["bytes"].as_u64())
                {
                    printer.outln(&format!("  index: {files} files, {bytes} bytes"))?;
                }
            }
            format => {
                stats["format_version"] = json!(FORMAT_VERSION);
                structured(printer, format, &stats)?;
            }
        }
        Ok(ExitStatus::Success)
    })();
    finish(printer, result)
}

pub(crate) fn history(args: &HistoryArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let result = (|| -> Result<ExitStatus, Failure> {
        let reference = EntryRef::parse(&args.reference)?;
        let root = find_root(&args.registry)?;
        let worktree = Worktree::new(&root)?;
        let config = Config::load(&worktree)?;
        let source = working_tree_index(&config, &root, &worktree)?;
        let reader = Reader::open(source.as_ref())?;
        let found = reader.get(&EntryRef {
            req: None,
            ..reference
        })?;
        let path = found.entry["source"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (_, kind) = config
            .kind(&found.kind.name)
            .ok_or_else(|| QueryError::Usage {
                message: format!("unknown kind `{}`", found.kind.name),
                help: String::new(),
            })?;
        let git = GitRepo::discover(&root)?;
        let fields = [
            ("version", kind.version.as_ref()),
            ("lifecycle", kind.lifecycle.as_ref()),
            ("owner", kind.owner.as_ref()),
        ];
        let read_fields = |bytes: &Option<Vec<u8>>| -> Vec<Option<String>> {
            let value = bytes
                .as_ref()
                .and_then(|b| String::from_utf8(b.clone()).ok())
                .and_then(|text| {
                    let format = regctl_core::document::Format::from_path(&path)?;
                    regctl_core::document::Document::parse(format, &text, 64)
                        .ok()
                        .map(|d| d.value)
                });
            fields
                .iter()
                .map(|(_, pointer)| {
                    value
                        .as_ref()
                        .and_then(|v| pointer.and_then(|p| p.get(v)))
                        .map(|v| {
                            v.as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| v.to_string())
                        })
                })
                .collect()
        };
        let mut rows = Vec::new();
        for change in git.file_history(&path)? {
            let (before, after) = (read_fields(&change.before), read_fields(&change.after));
            let changes: BTreeMapChanges = fields
                .iter()
                .zip(before.iter().zip(&after))
                .filter(|(_, (b, a))| b != a)
                .map(|((name, _), (b, a))| ((*name).to_owned(), json!({"from": b, "to": a})))
                .collect();
            let event = match (&change.before, &change.after) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                _ => "changed",
            };
            rows.push(json!({"commit": change.commit.to_string(), "author": change.author, "time": change.time, "date": date_of(change.time), "summary": change.summary, "event": event, "changes": changes}));
        }
        match args.output {
            QueryFormat::Human => {
                for row in &rows {
                    let changes: Vec<String> = row["changes"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| {
                            format!(
                                "{k} {} → {}",
                                v["from"].as_str().unwrap_or("-"),
                                v["to"].as_str().unwrap_or("-")
                            )
                        })
                        .collect();
                    let detail = if changes.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", changes.join("; "))
                    };
                    printer.outln(&format!(
                        "{} {} {:8} {}{detail}  — {}",
                        &row["commit"].as_str().unwrap_or_default()[..12],
                        row["date"].as_str().unwrap_or_default(),
                        row["event"].as_str().unwrap_or_default(),
                        row["summary"].as_str().unwrap_or_default(),
                        row["author"].as_str().unwrap_or_default()
                    ))?;
                }
            }
            format => structured(
                printer,
                format,
                &json!({"format_version": FORMAT_VERSION, "entry": format!("{}:{}", found.kind.name, found.entry["id"].as_str().unwrap_or_default()), "file": path, "commits": rows}),
            )?,
        }
        Ok(ExitStatus::Success)
    })();
    finish(printer, result)
}

type BTreeMapChanges = serde_json::Map<String, Value>;

/// `YYYY-MM-DD` of Unix seconds, UTC.
fn date_of(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_strings_escape_quotes_and_backslashes() {
        assert_eq!(dot_quoted("component:a"), r#""component:a""#);
        assert_eq!(dot_quoted(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn mermaid_ids_keep_distinct_entries_apart() {
        assert_eq!(mermaid_id("component:a-b"), "component_3a_a_2d_b");
        assert_ne!(mermaid_id("component:a-b"), mermaid_id("component:a_b"));
        assert_ne!(mermaid_id("component:a.b"), mermaid_id("component:a-b"));
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("2026-03-01"), Some(1_772_409_599));
        assert_eq!(date_of(1_772_409_599), "2026-03-01");
        assert_eq!(parse_date("HEAD~1"), None);
        assert_eq!(parse_date("2026-13-01"), None);
    }
}
