//! `regctl compose` and `regctl publish`: build the static index, and commit it to a branch.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use regctl_compose::stamp;
use regctl_compose::write::{Checker, Difference, DirWriter, Written, listed_files};
use regctl_compose::{MANIFEST, Source};
use regctl_core::config::{Config, find_root, is_within, walk_roots};
use regctl_core::git::GitRepo;
use regctl_core::{Code, Error, Level, Severity, Worktree};
use regctl_federation::{FetchMode, Fetched, ProblemKind, Status};
use serde_json::json;

use crate::ExitStatus;
use crate::args::{ComposeArgs, OutputFormat, PublishArgs};
use crate::commands::{federation, registry_cache_dir};
use crate::printer::Printer;
use crate::render::FORMAT_VERSION;
use crate::render::human::{self, Style, plural};

/// The output directory when neither `--out` nor `[compose] out` names one.
const DEFAULT_OUT: &str = "dist/index";

pub(crate) fn compose(args: &ComposeArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let style = style(printer);
    let (config, snapshot) = match open(&args.path) {
        Ok(opened) => opened,
        Err(err) => return fail(printer, style, &err),
    };
    let out = out_dir(&config, snapshot.root(), args.out.as_deref());
    if let Err(err) = check_out_dir(&config, snapshot.root(), &out) {
        return fail(printer, style, &err);
    }
    let commit = super::head_commit(snapshot.root());

    // Nothing changed since the last compose into `out`: the index there is already the answer.
    let stamp_path = stamp::stamp_path(&registry_cache_dir(snapshot.root()), &out);
    // `--check` compares every byte, so it neither uses nor leaves a stamp. Without a stamp and
    // an index beside it nothing can be fresh: the inputs are only listed now, and described
    // after validation with the stat data taken as each file was read.
    let stamping = !(args.no_cache || args.check);
    let (inputs, listed) = if !stamping {
        (None, None)
    } else if stamp_path.is_file() && out.join(MANIFEST).is_file() {
        match stamp::fingerprint(&config, &snapshot, commit.as_deref()) {
            Ok(inputs) => (Some(inputs), None),
            Err(err) => return fail(printer, style, &err),
        }
    } else {
        match stamp::inputs(&config, &snapshot) {
            Ok(paths) => (None, Some(paths)),
            Err(err) => return fail(printer, style, &err),
        }
    };
    if let Some(inputs) = &inputs
        && let Some(fresh) = stamp::still_fresh(&stamp_path, inputs, &out)
    {
        let unchanged = Written {
            written: 0,
            unchanged: fresh.files,
            removed: 0,
        };
        return report_written(args, printer, &out, fresh.entries, fresh.files, unchanged);
    }

    let mut validated =
        match regctl_validate::validate_visiting(&config, &snapshot, regctl_compose::prepare) {
            Ok(validated) => validated,
            Err(err) => return fail(printer, style, &err),
        };
    if validated.report.errors() > 0 {
        // An index of an invalid registry would publish the errors; refuse, write nothing.
        for diagnostic in validated
            .report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            printer.outln(&human::diagnostic(style, &validated.report, diagnostic))?;
        }
        printer.errln(&human::invalid(&validated.report))?;
        printer.errln(&format!(
            "error: the registry is invalid, so nothing was written to {}",
            out.display()
        ))?;
        return Ok(ExitStatus::Invalid);
    }
    let renames = match regctl_compose::read_renames(&snapshot) {
        Ok(renames) => renames,
        Err(err) => {
            printer.errln(human::failure(style, &err).trim_end())?;
            return Ok(ExitStatus::Failure);
        }
    };
    let source = Source {
        commit: commit.clone(),
        renames,
    };
    // Read before the build takes the documents.
    let specs = federation::source_specs(&config, &validated);
    let n_entries = validated.entries.len();
    if specs.is_empty() && args.check {
        // Each file is compared as it is built, so the index is never held whole in memory.
        let checker = Checker::new(&out);
        let result = regctl_compose::build_into(&config, &mut validated, &source, &checker)
            .and_then(|built| Ok((checker.finish(&built)?, built.files())));
        regctl_core::drop_in_background(validated);
        return match result {
            Ok((differences, n_files)) => report_check(args, printer, &out, &differences, n_files),
            Err(err) => fail(printer, style, &err),
        };
    }
    if specs.is_empty() {
        // Each file is written as it is built, so the index is never held whole in memory.
        stamp::forget(&stamp_path);
        let result = DirWriter::begin(&out).and_then(|writer| {
            let built = regctl_compose::build_into(&config, &mut validated, &source, &writer)?;
            Ok((writer.finish(&built)?, built))
        });
        let (written, built) = match result {
            Ok(done) => done,
            Err(err) => return fail(printer, style, &err),
        };
        let inputs = inputs.or_else(|| {
            let paths = listed?;
            let read = snapshot.take_recorded_reads();
            Some(stamp::fingerprint_of(
                &snapshot,
                commit.as_deref(),
                &paths,
                &read,
            ))
        });
        if let Some(inputs) = inputs {
            stamp::save(
                &stamp_path,
                &stamp::Stamp::new(inputs, &built.manifest, n_entries, built.files()),
            );
        }
        let n_files = built.files();
        // A whole registry's summaries and the manifest's records: freeing them is work
        // nobody waits for.
        regctl_core::drop_in_background((built, validated));
        return report_written(args, printer, &out, n_entries, n_files, written);
    }

    // A federated registry: the index is built in memory, to be merged with the sources'
    // indexes before it is compared or written.
    let mut index = regctl_compose::build(&config, &mut validated, &source);
    let federated = !specs.is_empty();
    if federated {
        let mode = if args.offline {
            FetchMode::Offline
        } else if args.refresh {
            FetchMode::Refresh
        } else {
            FetchMode::Normal
        };
        let fetched = regctl_federation::fetch_all(
            &specs,
            &federation::fetch_options(&config, snapshot.root(), mode),
        );
        // Disabled sources are a decision, not news.
        let disabled = |f: &Fetched| {
            f.problem
                .as_ref()
                .is_some_and(|p| p.kind == ProblemKind::Disabled)
        };
        for source in fetched
            .iter()
            .filter(|f| f.status != Status::Ok && !disabled(f))
        {
            let level = if source.status == Status::Failed {
                "error"
            } else {
                "warning"
            };
            printer.errln(&format!("{level}: source {}", federation::describe(source)))?;
        }
        let failed: Vec<&Fetched> = fetched
            .iter()
            .filter(|f| f.status == Status::Failed)
            .collect();
        if !failed.is_empty() {
            let names: Vec<&str> = failed.iter().map(|f| f.spec.name.as_str()).collect();
            printer.errln(&format!(
                "error: required source{} {} unusable, so nothing was written to {}",
                if names.len() == 1 { "" } else { "s" },
                names.join(", "),
                out.display()
            ))?;
            let invalid = failed.iter().any(|f| {
                f.problem
                    .as_ref()
                    .is_some_and(|p| p.kind == ProblemKind::Invalid)
            });
            return Ok(if invalid {
                ExitStatus::Invalid
            } else {
                ExitStatus::Failure
            });
        }
        let (files, collisions) = regctl_federation::federate(&config.name, &index.files, &fetched);
        let level = config.level(Code::FederationCollision);
        if level != Level::Allow {
            for collision in &collisions {
                printer.errln(&format!(
                    "{}[federation-collision]: `{}:{}` is in sources {}; unqualified look-ups of it are ambiguous",
                    if level == Level::Deny { "error" } else { "warning" },
                    collision.kind,
                    collision.id,
                    collision.sources.join(", ")
                ))?;
            }
        }
        if level == Level::Deny && !collisions.is_empty() {
            printer.errln(&format!(
                "error: the federated index has collisions, so nothing was written to {}",
                out.display()
            ))?;
            return Ok(ExitStatus::Invalid);
        }
        index = index.with_files(files);
    }

    if args.check {
        return match regctl_compose::write::check(&index, &out) {
            Ok(differences) => report_check(args, printer, &out, &differences, index.files.len()),
            Err(err) => fail(printer, style, &err),
        };
    }

    // A stamp describes the index it was written with; drop it before anything changes.
    // Federated sources change without any local file changing, so no new stamp is saved:
    // a federated registry is composed every time.
    stamp::forget(&stamp_path);
    let written = match regctl_compose::write::write(&index, &out) {
        Ok(written) => written,
        Err(err) => return fail(printer, style, &err),
    };
    let n_files = index.files.len();
    // A whole registry's documents and index files: freeing them is work nobody waits for.
    regctl_core::drop_in_background((index, validated));
    report_written(args, printer, &out, n_entries, n_files, written)
}

/// Prints what `--check` found; the exit status says whether `out` is up to date.
fn report_check(
    args: &ComposeArgs,
    printer: &mut Printer,
    out: &Path,
    differences: &[Difference],
    n_files: usize,
) -> io::Result<ExitStatus> {
    match args.output {
        OutputFormat::Json => printer.json(&json!({
            "format_version": FORMAT_VERSION,
            "out": out.display().to_string(),
            "up_to_date": differences.is_empty(),
            "differences": differences.iter().map(|d| {
                let (change, path) = describe(d);
                json!({"change": change, "path": path})
            }).collect::<Vec<_>>(),
        }))?,
        OutputFormat::Human => {
            for difference in differences {
                let (change, path) = describe(difference);
                printer.outln(&format!("{change:>8}  {path}"))?;
            }
        }
    }
    if differences.is_empty() {
        if args.output == OutputFormat::Human && !printer.quiet {
            printer.outln(&format!(
                "{} is up to date ({})",
                out.display(),
                plural(n_files, "file")
            ))?;
        }
        return Ok(ExitStatus::Success);
    }
    printer.errln(&format!(
        "error: {} differs from what compose would write ({}); run `regctl compose`",
        out.display(),
        plural(differences.len(), "file")
    ))?;
    Ok(ExitStatus::Invalid)
}

fn report_written(
    args: &ComposeArgs,
    printer: &mut Printer,
    out: &Path,
    n_entries: usize,
    n_files: usize,
    written: Written,
) -> io::Result<ExitStatus> {
    match args.output {
        OutputFormat::Json => printer.json(&json!({
            "format_version": FORMAT_VERSION,
            "out": out.display().to_string(),
            "entries": n_entries,
            "files": n_files,
            "written": written.written,
            "unchanged": written.unchanged,
            "removed": written.removed,
        }))?,
        OutputFormat::Human => {
            if !printer.quiet {
                printer.outln(&format!(
                    "Composed {} into {}: {} written, {} unchanged, {} removed",
                    plural(n_entries, "entry"),
                    out.display(),
                    written.written,
                    written.unchanged,
                    written.removed
                ))?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

pub(crate) fn publish(args: &PublishArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let style = style(printer);
    let result = (|| -> Result<(PathBuf, regctl_core::git::Published, usize), Error> {
        let (config, snapshot) = open(&args.path)?;
        let out = out_dir(&config, snapshot.root(), args.out.as_deref());
        let mut files = read_index(&out)?;
        let n_files = files.len();
        // GitHub Pages runs Jekyll on a branch unless told not to, and Jekyll drops every file
        // and directory whose name starts with `_` or `.`, as some shard directories do.
        files.insert(".nojekyll".to_owned(), Vec::new());
        let git = GitRepo::discover(snapshot.root())?;
        let published = git.publish(&files, &args.branch, &args.message)?;
        Ok((out, published, n_files))
    })();
    let (out, published, n_files) = match result {
        Ok(done) => done,
        Err(err) => return fail(printer, style, &err),
    };
    match args.output {
        OutputFormat::Json => printer.json(&json!({
            "format_version": FORMAT_VERSION,
            "branch": args.branch,
            "commit": published.commit.to_string(),
            "created": published.created,
            "files": n_files,
        }))?,
        OutputFormat::Human => {
            printer.outln(&published.commit.to_string())?;
            if !printer.quiet {
                let what = if published.created {
                    format!(
                        "committed {} from {} to branch `{}`",
                        plural(n_files, "file"),
                        out.display(),
                        args.branch
                    )
                } else {
                    format!(
                        "branch `{}` already has this index; no commit made",
                        args.branch
                    )
                };
                printer.errln(&what)?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// The files of a composed index directory, which must have a manifest.
fn read_index(out: &Path) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    if !out.join(MANIFEST).is_file() {
        return Err(Error::Io {
            path: out.join(MANIFEST).display().to_string(),
            source: io::Error::new(
                io::ErrorKind::NotFound,
                "no composed index here; run `regctl compose` first",
            ),
        });
    }
    // Exactly what the manifest lists: a stray file in the directory is not the index.
    listed_files(out)?
        .into_iter()
        .map(|path| {
            let full = out.join(&path);
            std::fs::read(&full)
                .map(|bytes| (path, bytes))
                .map_err(|source| Error::Io {
                    path: full.display().to_string(),
                    source,
                })
        })
        .collect()
}

fn open(path: &Path) -> Result<(Config, Worktree), Error> {
    let root = find_root(path)?;
    // Recording from the start, so that even `regctl.toml` is described as it was read.
    let snapshot = Worktree::new(&root)?.recording_reads();
    let config = Config::load(&snapshot)?;
    Ok((config, snapshot))
}

pub(crate) fn out_dir(config: &Config, root: &Path, flag: Option<&Path>) -> PathBuf {
    match flag {
        Some(out) => out.to_path_buf(),
        None => root.join(config.compose.out.as_deref().unwrap_or(DEFAULT_OUT)),
    }
}

/// Refuses an output directory that is a file, or that lies where regctl reads descriptors:
/// the next run would take the index's files for entries.
fn check_out_dir(config: &Config, root: &Path, out: &Path) -> Result<(), Error> {
    let bad = |reason: String| Error::BadOutput {
        path: out.display().to_string(),
        reason,
    };
    if out.exists() && !out.is_dir() {
        return Err(bad("it is a file".to_owned()));
    }
    let resolved = resolve_existing(out);
    let Ok(inside) = resolved.strip_prefix(root) else {
        return Ok(());
    };
    let inside = inside.to_string_lossy().replace('\\', "/");
    match walk_roots(config)
        .into_iter()
        .find(|dir| is_within(&inside, dir))
    {
        Some(dir) => Err(bad(format!(
            "it is inside `{dir}`, where regctl reads descriptors, so the next run would read the index as entries"
        ))),
        None => Ok(()),
    }
}

/// `path` made absolute, through the real path of its deepest existing ancestor (so that it
/// compares with the canonical registry root even where a parent is a symlink).
fn resolve_existing(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut missing = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            return missing
                .iter()
                .rev()
                .fold(real, |path, name| path.join(name));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_owned());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

fn describe(difference: &Difference) -> (&'static str, &str) {
    match difference {
        Difference::Missing(path) => ("missing", path),
        Difference::Changed(path) => ("changed", path),
        Difference::Extra(path) => ("extra", path),
    }
}

fn style(printer: &Printer) -> Style {
    Style {
        color: printer.color,
        width: printer.width,
    }
}

fn fail(printer: &mut Printer, style: Style, err: &Error) -> io::Result<ExitStatus> {
    printer.errln(human::failure(style, err).trim_end())?;
    Ok(ExitStatus::Failure)
}
