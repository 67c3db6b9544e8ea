//! `regctl validate`: check the whole registry and report.

use std::io;
use std::path::Path;

use regctl_core::config::{Config, find_root};
use regctl_core::{Diagnostic, Error, Severity, Worktree};

use crate::ExitStatus;
use crate::args::{OutputFormat, ValidateArgs};
use crate::printer::Printer;
use crate::render::human::{self, Style, plural};
use crate::render::json::ValidateOutput;

pub(crate) fn validate(args: &ValidateArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let style = Style {
        color: printer.color,
        width: printer.width,
    };
    let fail = |printer: &mut Printer, err: &Error| -> io::Result<ExitStatus> {
        printer.errln(human::failure(style, err).trim_end())?;
        Ok(ExitStatus::Failure)
    };
    if !args.path.exists() {
        printer.errln(&format!("error: `{}` does not exist", args.path.display()))?;
        return Ok(ExitStatus::Failure);
    }
    let start = if args.path.is_file() {
        args.path.parent().unwrap_or(Path::new("."))
    } else {
        args.path.as_path()
    };
    let root = match find_root(start) {
        Ok(root) => root,
        Err(err) => return fail(printer, &err),
    };
    let snapshot = match Worktree::new(&root) {
        Ok(snapshot) => snapshot,
        Err(err) => return fail(printer, &err),
    };
    let config = match Config::load(&snapshot) {
        Ok(config) => config,
        Err(err) => return fail(printer, &err),
    };
    let mut report = match regctl_validate::validate(&config, &snapshot) {
        Ok(report) => report,
        Err(err) => return fail(printer, &err),
    };
    if args.path.is_file() {
        // Report on one file; the whole registry was still checked for cross-file rules.
        let only = std::fs::canonicalize(&args.path)?;
        let relative = only.strip_prefix(snapshot.root()).unwrap_or(&only);
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
    match args.output {
        OutputFormat::Json => printer.json(&ValidateOutput::new(&report, &shown))?,
        OutputFormat::Human => {
            for diagnostic in &shown {
                printer.outln(&human::diagnostic(style, &report, diagnostic))?;
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
                printer.outln(&human::summary(&report))?;
            }
        }
    }
    let errors = report.errors();
    if errors == 0 {
        return Ok(ExitStatus::Success);
    }
    let codes: Vec<&str> = report
        .error_codes()
        .iter()
        .map(|code| code.as_str())
        .collect();
    let files = {
        let mut files: Vec<&str> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .filter_map(|d| d.file.as_deref())
            .collect();
        files.dedup();
        files.sort_unstable();
        files.dedup();
        files.len()
    };
    printer.errln(&format!(
        "MetadataValidationError: {} in {} ({})",
        plural(errors, "error"),
        plural(files, "file"),
        codes.join(", ")
    ))?;
    Ok(ExitStatus::Invalid)
}
