//! `regctl init`: a new registry that validates at once.

use std::io;

use regctl_core::Worktree;
use regctl_core::config::Config;
use regctl_core::fsutil::write_atomic;

use crate::ExitStatus;
use crate::args::InitArgs;
use crate::printer::Printer;
use crate::render::human::plural;

pub(crate) fn init(args: &InitArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let name = match &args.name {
        Some(name) => name.clone(),
        None => std::path::absolute(&args.dir)?
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "registry".to_owned()),
    };
    let files = match regctl_edit::init::files(&name, &args.kinds) {
        Ok(files) => files,
        Err(err) => {
            printer.errln(&format!("error: {err}"))?;
            return Ok(ExitStatus::Usage);
        }
    };
    let existing: Vec<&str> = files
        .iter()
        .filter(|(path, _)| args.dir.join(path).exists())
        .map(|(path, _)| path.as_str())
        .collect();
    if !existing.is_empty() {
        printer.errln(&format!(
            "error: {} already exist{} in {}, and `regctl init` never overwrites: {}",
            plural(existing.len(), "file"),
            if existing.len() == 1 { "s" } else { "" },
            args.dir.display(),
            existing.join(", ")
        ))?;
        return Ok(ExitStatus::Failure);
    }
    for (path, contents) in &files {
        write_atomic(&args.dir.join(path), contents.as_bytes())?;
    }
    // The promise is a registry that validates at once; check it rather than assume it.
    let report = Worktree::new(&args.dir)
        .and_then(|snapshot| {
            let config = Config::load(&snapshot)?;
            regctl_validate::validate(&config, &snapshot)
        })
        .map_err(|err| io::Error::other(err.to_string()))?;
    if !printer.quiet {
        printer.outln(&format!(
            "created the `{name}` registry in {} ({}, kinds: {})",
            args.dir.display(),
            plural(files.len(), "file"),
            args.kinds.join(", ")
        ))?;
        printer.outln(&format!(
            "{}; next: `regctl new {} ID`",
            if report.errors() == 0 {
                "it validates"
            } else {
                "it does not validate yet (a bug in regctl: please report it)"
            },
            args.kinds.first().map_or("KIND", String::as_str)
        ))?;
    }
    Ok(if report.errors() == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
