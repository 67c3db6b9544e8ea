//! `regctl federation …`: register, edit and inspect federation sources, and fetch them.
//! Also the pieces `regctl compose` uses to fetch sources.

use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use regctl_compose::Prepared;
use regctl_core::config::{Config, SOURCE_KIND, find_root};
use regctl_core::fsutil::write_atomic;
use regctl_core::snapshot::Overlay;
use regctl_core::source_url::SourceLocation;
use regctl_core::{Error, Severity, Worktree};
use regctl_federation::{FetchMode, FetchOptions, Fetched, SourceSpec, Status};
use regctl_validate::Visited;
use serde_json::json;
use toml_edit::{DocumentMut, value};

use crate::ExitStatus;
use crate::args::{FederationArgs, FederationCommand, OutputFormat, SourceFields, SourceUpdate};
use crate::printer::Printer;
use crate::render::FORMAT_VERSION;
use crate::render::human::{self, Style, plural};

/// The sources a validated registry declares, with tokens read from their `token_env`.
pub(crate) fn source_specs(config: &Config, validated: &Visited<Prepared>) -> Vec<SourceSpec> {
    let Some((source_kind, _)) = config.kind(SOURCE_KIND) else {
        return Vec::new();
    };
    let mut specs: Vec<SourceSpec> = validated
        .entries
        .iter()
        .zip(&validated.visits)
        .filter(|(entry, _)| entry.kind == source_kind)
        .filter_map(|(_, prepared)| {
            let document: serde_json::Value =
                serde_json::from_str(prepared.as_ref()?.document()?.get()).ok()?;
            let mut spec = SourceSpec::from_document(&document).ok()?;
            spec.token = spec
                .token_env
                .as_ref()
                .and_then(|var| std::env::var(var).ok())
                .filter(|t| !t.is_empty());
            Some(spec)
        })
        .collect();
    specs.sort_by(|a, b| a.name.cmp(&b.name));
    specs
}

/// Fetch settings from the configuration: cache under `.regctl/cache` (or `$REGCTL_CACHE_DIR`).
pub(crate) fn fetch_options(config: &Config, root: &Path, mode: FetchMode) -> FetchOptions {
    FetchOptions {
        root: root.to_path_buf(),
        cache_dir: super::registry_cache_dir(root),
        mode,
        timeout: Duration::from_secs(config.federation.timeout_seconds),
        max_file_bytes: config.federation.max_file_bytes,
        now: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    }
}

/// One line per source that is not simply ok, for compose's and status's reports.
pub(crate) fn describe(fetched: &Fetched) -> String {
    let what = match (&fetched.problem, fetched.status) {
        (Some(problem), _) => problem.message.clone(),
        (None, Status::Stale) => format!(
            "cached copy is {} old (TTL {}s)",
            age(fetched.age_seconds),
            fetched.spec.ttl_seconds
        ),
        (None, _) => format!(
            "{} ({}{})",
            plural(fetched.entries(), "entry"),
            if fetched.from_cache {
                "cached, "
            } else {
                "fetched, "
            },
            age(fetched.age_seconds)
        ),
    };
    format!(
        "{} `{}` ({}): {what}",
        fetched.status.as_str(),
        fetched.spec.name,
        fetched.spec.url
    )
}

fn age(seconds: Option<u64>) -> String {
    match seconds {
        None => "never fetched".to_owned(),
        Some(s) if s < 120 => format!("{s}s"),
        Some(s) if s < 7200 => format!("{}m", s / 60),
        Some(s) => format!("{}h", s / 3600),
    }
}

pub(crate) fn federation(args: &FederationArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let style = Style {
        color: printer.color,
        width: printer.width,
    };
    let result = match &args.command {
        FederationCommand::Add(fields) => add(args, fields, printer),
        FederationCommand::Update(update) => edit(args, update, printer),
        FederationCommand::Remove { name } => remove(args, name, printer),
        FederationCommand::List => list(args, printer),
        FederationCommand::Show { name } => show(args, name, printer),
        FederationCommand::Status => fetch_report(args, FetchMode::Refresh, printer),
        FederationCommand::Sync => fetch_report(args, FetchMode::Refresh, printer),
    };
    match result {
        Ok(status) => Ok(status),
        Err(Failure::Io(err)) => Err(err),
        Err(Failure::Regctl(err)) => {
            printer.errln(human::failure(style, &err).trim_end())?;
            Ok(ExitStatus::Failure)
        }
        Err(Failure::Usage(message)) => {
            printer.errln(&format!("error: {message}"))?;
            Ok(ExitStatus::Usage)
        }
    }
}

enum Failure {
    Io(io::Error),
    Regctl(Error),
    /// The command line names something it cannot mean (exit 64).
    Usage(String),
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Failure {
        Failure::Io(err)
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Failure {
        Failure::Regctl(err)
    }
}

fn open(args: &FederationArgs) -> Result<(Config, Worktree), Error> {
    let root = find_root(&args.registry)?;
    let snapshot = Worktree::new(&root)?;
    let config = Config::load(&snapshot)?;
    Ok((config, snapshot))
}

/// The path of source `name`'s file, and whether it exists. The name becomes a file name in
/// the sources directory, so it must be a valid id: `../components/x` would add, update or
/// remove a file outside it.
fn source_path(
    config: &Config,
    snapshot: &Worktree,
    name: &str,
) -> Result<(String, bool), Failure> {
    regctl_edit::ops::check_id(name).map_err(|err| Failure::Usage(err.to_string()))?;
    let dir = config
        .kind(SOURCE_KIND)
        .map(|(_, kind)| kind.dir.clone())
        .unwrap_or_default();
    let path = format!("{dir}/{name}.toml");
    let exists = snapshot.root().join(&path).is_file();
    Ok((path, exists))
}

fn add(
    args: &FederationArgs,
    fields: &SourceFields,
    printer: &mut Printer,
) -> Result<ExitStatus, Failure> {
    let (config, snapshot) = open(args)?;
    let (path, exists) = source_path(&config, &snapshot, &fields.name)?;
    if exists {
        printer.errln(&format!(
            "error: source `{}` already exists at {path}; use `regctl federation update`",
            fields.name
        ))?;
        return Ok(ExitStatus::Invalid);
    }
    let mut doc = DocumentMut::new();
    doc["name"] = value(&fields.name);
    doc["url"] = value(&fields.url);
    doc["domain"] = value(&fields.domain);
    doc["enabled"] = value(true);
    doc["required"] = value(fields.required);
    doc["cache_ttl_seconds"] =
        value(fields.ttl.unwrap_or(regctl_federation::DEFAULT_TTL_SECONDS) as i64);
    for (key, field) in [
        ("description", &fields.description),
        ("sha256", &fields.sha256),
        ("token_env", &fields.token_env),
        ("owner", &fields.owner),
    ] {
        if let Some(text) = field {
            doc[key] = value(text);
        }
    }
    let status = write_validated(
        &config,
        &snapshot,
        &path,
        doc.to_string(),
        "registered",
        printer,
    )?;
    warn_if_no_directory(&snapshot, &fields.url, status, printer)?;
    Ok(status)
}

/// A source URL that is neither an http(s) nor a git URL is a path relative to the registry
/// root: valid, but a mistyped URL (`not a url`, `example.org/index`) reads as one too. Say so
/// when nothing is there, so the mistake shows now rather than at the next fetch.
fn warn_if_no_directory(
    snapshot: &Worktree,
    url: &str,
    status: ExitStatus,
    printer: &mut Printer,
) -> io::Result<()> {
    if status != ExitStatus::Success || printer.quiet {
        return Ok(());
    }
    let Ok(SourceLocation::Path(path)) = SourceLocation::parse(url) else {
        return Ok(());
    };
    if snapshot.root().join(&path).is_dir() {
        return Ok(());
    }
    printer.errln(&format!(
        "warning: `{url}` is read as a path relative to the registry root, and no directory is there; fetching the source fails until one is (URLs start with https://, http:// or git+)"
    ))
}

fn edit(
    args: &FederationArgs,
    update: &SourceUpdate,
    printer: &mut Printer,
) -> Result<ExitStatus, Failure> {
    let (config, snapshot) = open(args)?;
    let (path, exists) = source_path(&config, &snapshot, &update.name)?;
    if !exists {
        printer.errln(&format!("error: no source `{}` at {path}", update.name))?;
        return Ok(ExitStatus::Invalid);
    }
    let text = std::fs::read_to_string(snapshot.root().join(&path))?;
    let mut doc: DocumentMut = match text.parse() {
        Ok(doc) => doc,
        Err(err) => {
            printer.errln(&format!(
                "error: {path} is not valid TOML: {}",
                err.message()
            ))?;
            return Ok(ExitStatus::Invalid);
        }
    };
    let strings = [
        ("url", &update.url),
        ("domain", &update.domain),
        ("description", &update.description),
        ("sha256", &update.sha256),
        ("token_env", &update.token_env),
        ("owner", &update.owner),
    ];
    for (key, field) in strings {
        if let Some(text) = field {
            set(&mut doc, key, value(text));
        }
    }
    if let Some(enabled) = update.enabled {
        set(&mut doc, "enabled", value(enabled));
    }
    if let Some(required) = update.required {
        set(&mut doc, "required", value(required));
    }
    if let Some(ttl) = update.ttl {
        set(&mut doc, "cache_ttl_seconds", value(ttl as i64));
    }
    let status = write_validated(
        &config,
        &snapshot,
        &path,
        doc.to_string(),
        "updated",
        printer,
    )?;
    if let Some(url) = &update.url {
        warn_if_no_directory(&snapshot, url, status, printer)?;
    }
    Ok(status)
}

/// Sets `key` keeping the comments and spacing around the old value.
fn set(doc: &mut DocumentMut, key: &str, new: toml_edit::Item) {
    let decor = doc
        .get(key)
        .and_then(|item| item.as_value())
        .map(|v| v.decor().clone());
    doc[key] = new;
    if let (Some(decor), Some(value)) = (decor, doc[key].as_value_mut()) {
        *value.decor_mut() = decor;
    }
}

/// Validates the registry as it would be with `text` at `path`; writes it only if valid.
fn write_validated(
    config: &Config,
    snapshot: &Worktree,
    path: &str,
    text: String,
    done: &str,
    printer: &mut Printer,
) -> Result<ExitStatus, Failure> {
    let mut overlay = Overlay::new(snapshot);
    overlay.write(path, text.clone().into_bytes());
    let report = regctl_validate::validate(config, &overlay)?;
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error && d.file.as_deref() == Some(path))
        .collect();
    if !errors.is_empty() {
        let style = Style {
            color: printer.color,
            width: printer.width,
        };
        for diagnostic in &errors {
            printer.outln(&human::diagnostic(style, &report, diagnostic))?;
        }
        printer.errln(&human::invalid(&report))?;
        printer.errln(&format!("error: {path} was not written"))?;
        return Ok(ExitStatus::Invalid);
    }
    write_atomic(&snapshot.root().join(path), text.as_bytes())?;
    if !printer.quiet {
        printer.outln(&format!("{done} {path}"))?;
    }
    Ok(ExitStatus::Success)
}

fn remove(args: &FederationArgs, name: &str, printer: &mut Printer) -> Result<ExitStatus, Failure> {
    let (config, snapshot) = open(args)?;
    let (path, exists) = source_path(&config, &snapshot, name)?;
    if !exists {
        printer.errln(&format!("error: no source `{name}` at {path}"))?;
        return Ok(ExitStatus::Invalid);
    }
    std::fs::remove_file(snapshot.root().join(&path))?;
    if !printer.quiet {
        printer.outln(&format!("removed {path}"))?;
    }
    Ok(ExitStatus::Success)
}

/// The declared sources, validated.
fn declared(config: &Config, snapshot: &Worktree) -> Result<Vec<SourceSpec>, Error> {
    let validated = regctl_validate::validate_visiting(config, snapshot, regctl_compose::prepare)?;
    Ok(source_specs(config, &validated))
}

fn list(args: &FederationArgs, printer: &mut Printer) -> Result<ExitStatus, Failure> {
    let (config, snapshot) = open(args)?;
    let specs = declared(&config, &snapshot)?;
    match args.output {
        OutputFormat::Json => printer.json(&json!({
            "format_version": FORMAT_VERSION,
            "sources": specs.iter().map(spec_json).collect::<Vec<_>>(),
        }))?,
        OutputFormat::Human => {
            for spec in &specs {
                let flags = [(spec.required, "required"), (!spec.enabled, "disabled")]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, flag)| *flag)
                    .collect::<Vec<_>>()
                    .join(", ");
                printer.outln(&format!(
                    "{:20} {}{}",
                    spec.name,
                    spec.url,
                    if flags.is_empty() {
                        String::new()
                    } else {
                        format!("  ({flags})")
                    }
                ))?;
            }
            if specs.is_empty() && !printer.quiet {
                printer.errln(
                    "no sources registered; add one with `regctl federation add NAME --url URL`",
                )?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

fn spec_json(spec: &SourceSpec) -> serde_json::Value {
    json!({
        "name": spec.name,
        "url": spec.url,
        "domain": spec.domain,
        "enabled": spec.enabled,
        "required": spec.required,
        "cache_ttl_seconds": spec.ttl_seconds,
        "sha256": spec.pin,
        "token_env": spec.token_env,
    })
}

fn show(args: &FederationArgs, name: &str, printer: &mut Printer) -> Result<ExitStatus, Failure> {
    let (config, snapshot) = open(args)?;
    let Some(spec) = declared(&config, &snapshot)?
        .into_iter()
        .find(|s| s.name == name)
    else {
        printer.errln(&format!("error: no source named `{name}`"))?;
        return Ok(ExitStatus::Invalid);
    };
    let cached = regctl_federation::fetch(
        &spec,
        &fetch_options(&config, snapshot.root(), FetchMode::Offline),
    );
    match args.output {
        OutputFormat::Json => printer.json(&json!({
            "format_version": FORMAT_VERSION,
            "source": spec_json(&spec),
            "cache": fetched_json(&cached),
        }))?,
        OutputFormat::Human => {
            printer.outln(&format!(
                "{}\n  url: {}\n  domain: {}\n  required: {}\n  enabled: {}\n  cache TTL: {}s",
                spec.name,
                spec.url,
                spec.domain.as_deref().unwrap_or("-"),
                spec.required,
                spec.enabled,
                spec.ttl_seconds
            ))?;
            printer.outln(&format!("  cache: {}", describe(&cached)))?;
        }
    }
    Ok(ExitStatus::Success)
}

fn fetched_json(fetched: &Fetched) -> serde_json::Value {
    json!({
        "name": fetched.spec.name,
        "url": fetched.spec.url,
        "status": fetched.status.as_str(),
        "reachable": fetched.problem.as_ref().is_none_or(|p| p.kind != regctl_federation::ProblemKind::Unreachable),
        "from_cache": fetched.from_cache,
        "age_seconds": fetched.age_seconds,
        "entries": fetched.entries(),
        "manifest_sha256": fetched.manifest_sha256,
        "error": fetched.problem.as_ref().map(|p| p.message.clone()),
    })
}

/// `status` and `sync`: fetch every source (refreshing the cache) and report.
fn fetch_report(
    args: &FederationArgs,
    mode: FetchMode,
    printer: &mut Printer,
) -> Result<ExitStatus, Failure> {
    let (config, snapshot) = open(args)?;
    let specs = declared(&config, &snapshot)?;
    let fetched =
        regctl_federation::fetch_all(&specs, &fetch_options(&config, snapshot.root(), mode));
    match args.output {
        OutputFormat::Json => printer.json(&json!({
            "format_version": FORMAT_VERSION,
            "sources": fetched.iter().map(fetched_json).collect::<Vec<_>>(),
        }))?,
        OutputFormat::Human => {
            for source in &fetched {
                printer.outln(&describe(source))?;
            }
        }
    }
    let failed = fetched.iter().any(|f| f.status == Status::Failed);
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
