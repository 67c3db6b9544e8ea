//! `regctl validate`: check the registry (or a change to it) and report.

use std::io;
use std::path::Path;

use regctl_core::config::find_root;
use regctl_core::{Diagnostic, Error, Severity};
use regctl_validate::{Base, Report, acknowledgements, validate_with};

use crate::ExitStatus;
use crate::args::{ReportFormat, ValidateArgs};
use crate::printer::Printer;
use crate::render::human::{self, Style, plural};
use crate::render::json::ValidateOutput;
use crate::render::{github, sarif};
use crate::snapshots::{self, Target};

pub(crate) fn validate(args: &ValidateArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let style = Style {
        color: printer.color,
        width: printer.width,
    };
    if !args.path.exists() {
        printer.errln(&format!("error: `{}` does not exist", args.path.display()))?;
        return Ok(ExitStatus::Failure);
    }
    let (target, report) = match run(args) {
        Ok(done) => done,
        Err(err) => {
            printer.errln(human::failure(style, &err).trim_end())?;
            return Ok(ExitStatus::Failure);
        }
    };
    let mut report = report;
    if args.path.is_file() {
        // Report on one file; the whole registry was still checked for cross-file rules.
        let root = find_root(start_dir(&args.path)).unwrap_or_default();
        let only = std::fs::canonicalize(&args.path)?;
        let root = std::fs::canonicalize(root)?;
        let relative = only.strip_prefix(&root).unwrap_or(&only);
        let relative = relative.to_string_lossy().replace('\\', "/");
        report
            .diagnostics
            .retain(|d| d.file.as_deref() == Some(relative.as_str()));
    }
    if printer.quiet {
        report.diagnostics.retain(|d| d.severity == Severity::Error);
    }
    let shown: Vec<&Diagnostic> = report
        .diagnostics
        .iter()
        .take(args.max_diagnostics.unwrap_or(usize::MAX))
        .collect();
    let against = target
        .base
        .as_ref()
        .map(|(_, revision)| revision.name.as_str());
    match args.output {
        ReportFormat::Json => printer.json(&ValidateOutput::new(&report, &shown, &target))?,
        ReportFormat::Sarif => printer.json(&sarif::log(&shown, &target.repo_prefix))?,
        ReportFormat::Github => {
            printer.out(&github::annotations(&shown, &target.repo_prefix))?;
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                append(
                    Path::new(&path),
                    &github::summary(&report, &shown, &target.repo_prefix, against),
                )?;
            }
            if !printer.quiet {
                printer.errln(&human::summary(&report, against))?;
            }
        }
        ReportFormat::Human => {
            for diagnostic in &shown {
                printer.outln(&human::diagnostic(style, &report, diagnostic))?;
            }
            for honoured in &report.honoured {
                let ack = &honoured.acknowledgement;
                printer.outln(&format!(
                    "note: honoured `Regctl-Allow: {} {}` from commit {} ({} silenced)",
                    ack.code,
                    ack.entry,
                    ack.commit,
                    plural(honoured.count, "diagnostic")
                ))?;
            }
            let hidden = report.diagnostics.len() - shown.len();
            if hidden > 0 {
                printer.outln(&format!(
                    "… and {hidden} more {} (raise --max-diagnostics to see them)",
                    if hidden == 1 {
                        "diagnostic"
                    } else {
                        "diagnostics"
                    }
                ))?;
            }
            if !printer.quiet {
                printer.outln(&human::summary(&report, against))?;
            }
        }
    }
    // The snapshots hold the listings of whole commits.
    regctl_core::drop_in_background(target);
    if report.errors() == 0 {
        return Ok(ExitStatus::Success);
    }
    printer.errln(&human::invalid(&report))?;
    Ok(ExitStatus::Invalid)
}

pub(crate) fn start_dir(path: &Path) -> &Path {
    if path.is_file() {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    } else {
        path
    }
}

/// Finds the registry, opens the snapshots the flags ask for, and validates.
fn run(args: &ValidateArgs) -> Result<(Target, Report), Error> {
    let root = find_root(start_dir(&args.path))?;
    let mut target = snapshots::open(args, &root)?;
    if !args.select.is_empty() {
        target.config.select(&args.select);
    }
    let cache_dir = super::registry_cache_dir(&root);
    let base = target.base.as_ref().map(|(snapshot, _)| Base {
        changed: target.changed.as_deref(),
        cache_dir: (!args.no_cache).then_some(cache_dir.as_path()),
        snapshot: snapshot.as_ref(),
        acknowledgements: acknowledgements(&target.trailers),
        actor: args.actor.clone().filter(|actor| !actor.is_empty()),
        report_all: args.all,
    });
    let report = validate_with(&target.config, target.head.as_ref(), base.as_ref())?;
    Ok((target, report))
}

fn append(path: &Path, text: &str) -> io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}
