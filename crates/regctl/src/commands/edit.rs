//! `regctl new/add/set/patch/bump/promote/alias/yank/rename/fmt`: edits of descriptor files
//! that keep their formatting, are validated with the whole registry before anything is
//! written, and are written atomically.

use std::io::{self, Read};
use std::path::Path;

use regctl_core::config::{Config, find_root};
use regctl_core::document::{Document, Format};
use regctl_core::pointer::{Pattern, Segment};
use regctl_core::{Error, Severity, Worktree};
use regctl_edit::ops::{self, Assignment, Bump, OpError, Outcome};
use regctl_edit::registry::{self, Entry, RegistryError, Verdict};
use regctl_edit::{EditError, skeleton};
use serde_json::{Map, Value, json};

use crate::ExitStatus;
use crate::args::{
    AddArgs, AliasArgs, BumpArgs, EditArgs, FileFormat, FmtArgs, NewArgs, PatchArgs, PromoteArgs,
    QueryFormat, RenameArgs, SetArgs, YankArgs,
};
use crate::printer::Printer;
use crate::render::FORMAT_VERSION;
use crate::render::human::{self, Style, plural};

/// Why a command stopped, with the exit status it earns.
pub(crate) enum Refusal {
    /// 64: the command line is wrong.
    Usage(String),
    /// 2: the data does not allow the edit.
    Data(String),
    /// 1: regctl could not do its job.
    Failure(String),
    /// 1: the registry could not be read, rendered with its source.
    Registry(Error),
    Io(io::Error),
}

impl From<io::Error> for Refusal {
    fn from(err: io::Error) -> Refusal {
        Refusal::Io(err)
    }
}

impl From<Error> for Refusal {
    fn from(err: Error) -> Refusal {
        Refusal::Registry(err)
    }
}

impl From<RegistryError> for Refusal {
    fn from(err: RegistryError) -> Refusal {
        match err {
            RegistryError::Registry(err) => Refusal::Registry(err),
            RegistryError::UnknownKind { .. }
            | RegistryError::NotFound { .. }
            | RegistryError::Ambiguous { .. }
            | RegistryError::NotUtf8 { .. } => Refusal::Data(err.to_string()),
            RegistryError::Conflict { .. } | RegistryError::Write { .. } => {
                Refusal::Failure(err.to_string())
            }
        }
    }
}

impl From<EditError> for Refusal {
    fn from(err: EditError) -> Refusal {
        match err {
            EditError::Unfaithful { .. } => Refusal::Failure(err.to_string()),
            _ => Refusal::Data(err.to_string()),
        }
    }
}

impl From<OpError> for Refusal {
    fn from(err: OpError) -> Refusal {
        match err {
            OpError::Edit(err) => err.into(),
            OpError::Registry(err) => err.into(),
            OpError::BadId { .. } | OpError::SameId { .. } | OpError::UnknownKindOf { .. } => {
                Refusal::Usage(err.to_string())
            }
            _ => Refusal::Data(err.to_string()),
        }
    }
}

/// The registry an edit works on.
pub(crate) struct Workspace {
    pub(crate) config: Config,
    pub(crate) snapshot: Worktree,
}

impl Workspace {
    fn open(dir: &Path) -> Result<Workspace, Refusal> {
        let root = find_root(dir)?;
        let snapshot = Worktree::new(&root)?;
        let config = Config::load(&snapshot)?;
        Ok(Workspace { config, snapshot })
    }

    /// The entry `reference` (`[kind:]id[@VERSION]`) names, and the version if one was given.
    fn entry(&self, reference: &str) -> Result<(Entry, Option<String>), Refusal> {
        let target = parse_reference(reference)?;
        let entry = registry::find(
            &self.config,
            &self.snapshot,
            target.kind.as_deref(),
            &target.id,
        )?;
        Ok((entry, target.version))
    }
}

struct Target {
    kind: Option<String>,
    id: String,
    version: Option<String>,
}

fn parse_reference(text: &str) -> Result<Target, Refusal> {
    let (rest, version) = match text.rsplit_once('@') {
        Some((rest, version)) => (rest, Some(version.to_owned())),
        None => (text, None),
    };
    let (kind, id) = match rest.split_once(':') {
        Some((kind, id)) => (Some(kind.to_owned()), id),
        None => (None, rest),
    };
    if id.is_empty() || version.as_deref() == Some("") || kind.as_deref() == Some("") {
        return Err(Refusal::Usage(format!(
            "`{text}` is not a reference; write `[kind:]id[@VERSION]`, e.g. `model:llama-3.1-8b-sft@1.0.0`"
        )));
    }
    Ok(Target {
        kind,
        id: id.to_owned(),
        version,
    })
}

/// `POINTER=VALUE` arguments.
fn parse_assignments(raw: &[String]) -> Result<Vec<Assignment>, Refusal> {
    raw.iter().map(|text| parse_assignment(text)).collect()
}

fn parse_assignment(text: &str) -> Result<Assignment, Refusal> {
    let usage = |why: &str| {
        Refusal::Usage(format!(
            "`{text}`: {why}; write `POINTER=VALUE`, e.g. `/component/lifecycle=active` or `/tags=[\"a\",\"b\"]`"
        ))
    };
    let (pointer, value) = text
        .split_once('=')
        .ok_or_else(|| usage("there is no `=`"))?;
    let relative = !pointer.starts_with('/');
    let absolute = if relative {
        format!("/{pointer}")
    } else {
        pointer.to_owned()
    };
    let pattern = Pattern::parse(&absolute).map_err(|err| usage(&err.to_string()))?;
    let path = pattern
        .segments()
        .iter()
        .map(|segment| match segment {
            Segment::Key(key) if !key.is_empty() => Ok(key.clone()),
            Segment::Key(_) => Err(usage("the pointer has an empty segment")),
            Segment::Any => Err(usage("`*` is not allowed here")),
        })
        .collect::<Result<Vec<String>, Refusal>>()?;
    if path.is_empty() {
        return Err(usage("the pointer names no field"));
    }
    Ok(Assignment {
        path,
        relative,
        value: parse_value(value),
        raw: Some(value.to_owned()),
    })
}

/// A command-line value: TOML (`true`, `3`, `2026-03-01`, `["a"]`, `{ a = 1 }`), else JSON,
/// else the text as a string.
fn parse_value(text: &str) -> Value {
    let as_toml = format!("value = {text}\n");
    if let Ok(doc) = Document::parse(Format::Toml, &as_toml, 64)
        && let Some(value) = doc.value.get("value")
    {
        return value.clone();
    }
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return value;
    }
    Value::String(text.to_owned())
}

fn style(printer: &Printer) -> Style {
    Style {
        color: printer.color,
        width: printer.width,
    }
}

/// Prints a refusal and returns its exit status.
fn refuse(printer: &mut Printer, refusal: Refusal) -> io::Result<ExitStatus> {
    let (message, status) = match refusal {
        Refusal::Io(err) => return Err(err),
        Refusal::Registry(err) => {
            printer.errln(human::failure(style(printer), &err).trim_end())?;
            return Ok(ExitStatus::Failure);
        }
        Refusal::Usage(message) => (message, ExitStatus::Usage),
        Refusal::Data(message) => (message, ExitStatus::Invalid),
        Refusal::Failure(message) => (message, ExitStatus::Failure),
    };
    printer.errln(&format!("error: {message}"))?;
    Ok(status)
}

/// What a command says about itself in machine output.
struct Report {
    command: &'static str,
    extra: Map<String, Value>,
}

/// Builds an edit, validates the registry as it would be, and writes it.
fn run_edit(
    edit: &EditArgs,
    printer: &mut Printer,
    report: Report,
    build: impl FnOnce(&Workspace) -> Result<Outcome, Refusal>,
) -> io::Result<ExitStatus> {
    let result = (|| {
        let workspace = Workspace::open(&edit.registry)?;
        let outcome = build(&workspace)?;
        let verdict = registry::check(&workspace.config, &workspace.snapshot, &outcome.plan)?;
        Ok((workspace, outcome, verdict))
    })();
    let (workspace, outcome, verdict) = match result {
        Ok(done) => done,
        Err(refusal) => return refuse(printer, refusal),
    };
    if !verdict.is_clean() {
        return refused_by_validation(printer, edit.output, &verdict);
    }
    if !edit.dry_run
        && let Err(err) = registry::commit(workspace.snapshot.root(), &outcome.plan)
    {
        return refuse(printer, err.into());
    }
    print_outcome(printer, edit, report, &outcome)?;
    Ok(ExitStatus::Success)
}

fn refused_by_validation(
    printer: &mut Printer,
    output: QueryFormat,
    verdict: &Verdict,
) -> io::Result<ExitStatus> {
    let report = &verdict.report;
    let blocking: Vec<_> = verdict
        .blocking
        .iter()
        .map(|&i| &report.diagnostics[i])
        .collect();
    for diagnostic in &blocking {
        printer.errln(human::diagnostic(style(printer), report, diagnostic).trim_end())?;
    }
    let codes: Vec<&str> = {
        let mut codes: Vec<&str> = blocking.iter().map(|d| d.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    };
    let mut files: Vec<&str> = blocking.iter().filter_map(|d| d.file.as_deref()).collect();
    files.sort_unstable();
    files.dedup();
    printer.errln(&format!(
        "MetadataValidationError: {} in {} ({})",
        plural(blocking.len(), "error"),
        plural(files.len(), "file"),
        codes.join(", ")
    ))?;
    printer.errln("error: the edit would make the registry invalid; nothing was written")?;
    if output != QueryFormat::Human {
        let errors: Vec<Value> = blocking
            .iter()
            .map(|d| {
                json!({
                    "code": d.code.as_str(),
                    "severity": d.severity.as_str(),
                    "file": d.file,
                    "line": d.position.map(|p| p.start.line),
                    "column": d.position.map(|p| p.start.column),
                    "message": d.message,
                })
            })
            .collect();
        emit(
            printer,
            output,
            &json!({"format_version": FORMAT_VERSION, "written": false, "errors": errors}),
        )?;
    }
    Ok(ExitStatus::Invalid)
}

fn emit(printer: &mut Printer, output: QueryFormat, value: &Value) -> io::Result<()> {
    match output {
        QueryFormat::Yaml => printer.out(&regctl_core::document::to_yaml(value)),
        _ => printer.json(value),
    }
}

fn print_outcome(
    printer: &mut Printer,
    edit: &EditArgs,
    report: Report,
    outcome: &Outcome,
) -> io::Result<()> {
    let files = outcome.plan.changed();
    match edit.output {
        QueryFormat::Human => {
            if printer.quiet {
                return Ok(());
            }
            if report.extra.contains_key("registered") {
                printer.outln("registered: true")?;
                printer.outln(&format!("entry: {}", outcome.summary))?;
                printer.outln(&format!("path: {}", outcome.path))?;
                return Ok(());
            }
            printer.outln(&outcome.summary)?;
            let verb = if edit.dry_run { "would write" } else { "wrote" };
            for file in &files {
                let verb = match outcome.plan.after(file) {
                    None if edit.dry_run => "would remove",
                    None => "removed",
                    Some(_) => verb,
                };
                printer.outln(&format!("  {verb} {file}"))?;
            }
            Ok(())
        }
        output => {
            let mut doc = Map::new();
            doc.insert("format_version".to_owned(), json!(FORMAT_VERSION));
            doc.insert("command".to_owned(), json!(report.command));
            doc.insert("written".to_owned(), json!(!edit.dry_run));
            doc.insert("path".to_owned(), json!(outcome.path));
            doc.insert("summary".to_owned(), json!(outcome.summary));
            doc.insert("files".to_owned(), json!(files));
            doc.extend(report.extra);
            emit(printer, output, &Value::Object(doc))
        }
    }
}

fn report(command: &'static str) -> Report {
    Report {
        command,
        extra: Map::new(),
    }
}

pub(crate) fn set(args: &SetArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    run_edit(&args.edit, printer, report("set"), |ws| {
        let assignments = parse_assignments(&args.assignments)?;
        let (entry, version) = ws.entry(&args.reference)?;
        no_version(&args.reference, version)?;
        Ok(ops::set(&ws.config, &ws.snapshot, &entry, &assignments)?)
    })
}

fn no_version(reference: &str, version: Option<String>) -> Result<(), Refusal> {
    match version {
        Some(_) => Err(Refusal::Usage(format!(
            "`{reference}`: this command edits the whole entry; leave out `@VERSION`"
        ))),
        None => Ok(()),
    }
}

pub(crate) fn patch(args: &PatchArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    run_edit(&args.edit, printer, report("patch"), |ws| {
        let merge_patch = read_patch(&args.merge_patch)?;
        let (entry, version) = ws.entry(&args.reference)?;
        no_version(&args.reference, version)?;
        Ok(ops::patch(&ws.config, &ws.snapshot, &entry, &merge_patch)?)
    })
}

fn read_patch(path: &Path) -> Result<Value, Refusal> {
    let (text, format) = if path.as_os_str() == "-" {
        let mut text = String::new();
        io::stdin().read_to_string(&mut text)?;
        (text, Format::Json)
    } else {
        let text = std::fs::read_to_string(path)
            .map_err(|err| Refusal::Usage(format!("cannot read {}: {err}", path.display())))?;
        let format = Format::from_path(&path.to_string_lossy()).unwrap_or(Format::Json);
        (text, format)
    };
    Document::parse(format, &text, 64)
        .map(|doc| doc.value)
        .map_err(|err| {
            Refusal::Usage(format!(
                "the merge patch is not valid {format}: {}",
                err.message
            ))
        })
}

pub(crate) fn bump(args: &BumpArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    run_edit(&args.edit, printer, report("bump"), |ws| {
        let assignments = parse_assignments(&args.assignments)?;
        let (entry, version) = ws.entry(&args.reference)?;
        no_version(&args.reference, version)?;
        Ok(ops::bump(
            &ws.config,
            &ws.snapshot,
            &entry,
            &Bump::parse(&args.to),
            &assignments,
        )?)
    })
}

pub(crate) fn promote(args: &PromoteArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    run_edit(&args.edit, printer, report("promote"), |ws| {
        let (entry, version) = ws.entry(&args.reference)?;
        Ok(ops::promote(
            &ws.config,
            &ws.snapshot,
            &entry,
            version.as_deref(),
            &args.stage,
        )?)
    })
}

pub(crate) fn alias(args: &AliasArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    run_edit(&args.edit, printer, report("alias"), |ws| {
        let (entry, version) = ws.entry(&args.reference)?;
        no_version(&args.reference, version)?;
        let target = if args.remove {
            None
        } else {
            args.version.as_deref()
        };
        Ok(ops::alias(
            &ws.config,
            &ws.snapshot,
            &entry,
            &args.name,
            target,
        )?)
    })
}

pub(crate) fn yank(args: &YankArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    run_edit(&args.edit, printer, report("yank"), |ws| {
        let (entry, version) = ws.entry(&args.reference)?;
        let version = version.ok_or_else(|| {
            Refusal::Usage(format!(
                "`{}`: name the version to yank, `{}@VERSION`",
                args.reference, args.reference
            ))
        })?;
        Ok(ops::yank(
            &ws.config,
            &ws.snapshot,
            &entry,
            &version,
            args.undo,
        )?)
    })
}

pub(crate) fn rename(args: &RenameArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    run_edit(&args.edit, printer, report("rename"), |ws| {
        let (entry, version) = ws.entry(&args.reference)?;
        no_version(&args.reference, version)?;
        Ok(ops::rename(&ws.config, &ws.snapshot, &entry, &args.new_id)?)
    })
}

pub(crate) fn add(args: &AddArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let mut extra = Map::new();
    extra.insert("registered".to_owned(), json!(true));
    run_edit(
        &args.edit,
        printer,
        Report {
            command: "add",
            extra: extra.clone(),
        },
        |ws| {
            let text = std::fs::read(&args.file).map_err(|err| {
                Refusal::Usage(format!("cannot read {}: {err}", args.file.display()))
            })?;
            let text = String::from_utf8(text).map_err(|_| {
                Refusal::Data(format!("{} is not valid UTF-8", args.file.display()))
            })?;
            let kind = args
                .kind
                .as_deref()
                .map(|name| registry::kind_index(&ws.config, name))
                .transpose()?;
            let (outcome, _) = ops::add(
                &ws.config,
                &ws.snapshot,
                &args.file.to_string_lossy(),
                text,
                kind,
            )?;
            Ok(outcome)
        },
    )
}

pub(crate) fn new(args: &NewArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let result = (|| {
        let workspace = Workspace::open(&args.edit.registry)?;
        let kind = registry::kind_index(&workspace.config, &args.kind)?;
        let assignments = parse_assignments(&args.assignments)?;
        let format = args.format.map(|format| match format {
            FileFormat::Toml => Format::Toml,
            FileFormat::Json => Format::Json,
            FileFormat::Yaml => Format::Yaml,
        });
        let skeleton = skeleton::new_entry(
            &workspace.config,
            &workspace.snapshot,
            kind,
            &args.id,
            format,
            &assignments,
        )?;
        // The skeleton is written even though it does not validate yet: filling it in is the
        // next step. What validation says about it is the to-do list.
        let verdict = registry::check(
            &workspace.config,
            &workspace.snapshot,
            &skeleton.outcome.plan,
        )?;
        if !args.edit.dry_run {
            registry::commit(workspace.snapshot.root(), &skeleton.outcome.plan)?;
        }
        Ok::<_, Refusal>((skeleton, verdict))
    })();
    let (skeleton, verdict) = match result {
        Ok(done) => done,
        Err(refusal) => return refuse(printer, refusal),
    };
    let path = &skeleton.outcome.path;
    let problems: Vec<_> = verdict
        .report
        .diagnostics
        .iter()
        .filter(|d| d.file.as_deref() == Some(path.as_str()) && d.severity == Severity::Error)
        .collect();
    match args.edit.output {
        QueryFormat::Human => {
            let verb = if args.edit.dry_run {
                "would create"
            } else {
                "created"
            };
            printer.outln(&format!("{verb} {path}"))?;
            if problems.is_empty() {
                printer.outln("it validates")?;
            } else {
                printer.outln(&format!(
                    "to fill in before it validates ({}):",
                    plural(problems.len(), "problem")
                ))?;
                for d in &problems {
                    let at = d
                        .position
                        .map(|p| format!("{}:{}: ", p.start.line, p.start.column))
                        .unwrap_or_default();
                    printer.outln(&format!("  {at}{} [{}]", d.message, d.code.as_str()))?;
                }
            }
        }
        output => {
            let to_fill: Vec<Value> = problems
                .iter()
                .map(|d| {
                    json!({
                        "code": d.code.as_str(),
                        "line": d.position.map(|p| p.start.line),
                        "message": d.message,
                    })
                })
                .collect();
            emit(
                printer,
                output,
                &json!({
                    "format_version": FORMAT_VERSION,
                    "command": "new",
                    "written": !args.edit.dry_run,
                    "path": path,
                    "required_missing": skeleton.to_fill,
                    "problems": to_fill,
                }),
            )?;
        }
    }
    Ok(ExitStatus::Success)
}

pub(crate) fn fmt(args: &FmtArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let result = (|| {
        let workspace = Workspace::open(&args.registry)?;
        let root = workspace.snapshot.root().to_path_buf();
        let mut wanted = Vec::new();
        for path in &args.paths {
            let absolute = std::path::absolute(path)?;
            let relative = absolute
                .strip_prefix(std::path::absolute(&root)?)
                .map_err(|_| {
                    Refusal::Usage(format!("{} is outside the registry", path.display()))
                })?;
            wanted.push(relative.to_string_lossy().replace('\\', "/"));
        }
        let changes =
            regctl_edit::fmt::format_registry(&workspace.config, &workspace.snapshot, &wanted)?;
        Ok::<_, Refusal>((workspace, changes))
    })();
    let (workspace, changes) = match result {
        Ok(done) => done,
        Err(refusal) => return refuse(printer, refusal),
    };
    let mut skipped = Vec::new();
    for (path, problem) in &changes.unformattable {
        skipped.push(json!({"path": path, "reason": problem}));
        printer.errln(&format!("error: {path} left as it is: {problem}"))?;
    }
    let paths: Vec<&str> = changes.plan.changed();
    if !args.check
        && let Err(err) = registry::commit(workspace.snapshot.root(), &changes.plan)
    {
        return refuse(printer, err.into());
    }
    match args.output {
        QueryFormat::Human => {
            let verb = if args.check {
                "would reformat"
            } else {
                "reformatted"
            };
            for path in &paths {
                printer.outln(&format!("{verb} {path}"))?;
            }
            if !printer.quiet {
                printer.errln(&format!(
                    "{} checked, {} {}",
                    plural(changes.checked, "file"),
                    paths.len(),
                    if args.check {
                        "would change"
                    } else {
                        "changed"
                    }
                ))?;
            }
        }
        output => emit(
            printer,
            output,
            &json!({
                "format_version": FORMAT_VERSION,
                "command": "fmt",
                "check": args.check,
                "checked": changes.checked,
                "files": paths,
                "skipped": skipped,
            }),
        )?,
    }
    // A file that does not parse has no canonical form: like a file that would change, it
    // fails a check (and a run that formatted everything else), as other formatters do.
    Ok(
        if (args.check && !paths.is_empty()) || !changes.unformattable.is_empty() {
            ExitStatus::Invalid
        } else {
            ExitStatus::Success
        },
    )
}
