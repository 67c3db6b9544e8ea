//! `regctl codeowners`: keep `.github/CODEOWNERS` in step with the registry's owners.

use std::io;
use std::path::{Path, PathBuf};

use regctl_core::config::{Config, find_root};
use regctl_core::fsutil::write_atomic;
use regctl_core::git::GitRepo;
use regctl_core::{Error, Worktree};
use regctl_validate::owners::{self, Codeowners};

use crate::ExitStatus;
use crate::args::CodeownersArgs;
use crate::printer::Printer;
use crate::render::human::{self, Style, plural};

pub(crate) fn codeowners(args: &CodeownersArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let style = Style {
        color: printer.color,
        width: printer.width,
    };
    let (file, generated) = match generate(args) {
        Ok(done) => done,
        Err(err) => {
            printer.errln(human::failure(style, &err).trim_end())?;
            return Ok(ExitStatus::Failure);
        }
    };
    for entry in &generated.unowned {
        printer.errln(&format!(
            "warning: `{entry}` has no owner with members; it is left out"
        ))?;
    }
    let existing = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => String::new(),
        Err(err) => {
            printer.errln(&format!("error: cannot read `{}`: {err}", file.display()))?;
            return Ok(ExitStatus::Failure);
        }
    };
    let updated = owners::splice(&existing, &generated.block);
    if updated == existing {
        if !printer.quiet {
            printer.outln(&format!(
                "{} is up to date ({})",
                shown(&file).display(),
                plural(generated.n_entries, "entry")
            ))?;
        }
        return Ok(ExitStatus::Success);
    }
    if args.check {
        printer.out(&diff(&existing, &updated))?;
        printer.errln(&format!(
            "error: {} is stale; run `regctl codeowners` and commit the result",
            shown(&file).display()
        ))?;
        return Ok(ExitStatus::Invalid);
    }
    if let Err(err) = write_atomic(&file, updated.as_bytes()) {
        printer.errln(&format!("error: cannot write `{}`: {err}", file.display()))?;
        return Ok(ExitStatus::Failure);
    }
    if !printer.quiet {
        printer.outln(&format!(
            "Wrote the owners of {} to {}",
            plural(generated.n_entries, "entry"),
            shown(&file).display()
        ))?;
    }
    Ok(ExitStatus::Success)
}

fn generate(args: &CodeownersArgs) -> Result<(PathBuf, Codeowners), Error> {
    let root = find_root(&args.path)?;
    let snapshot = Worktree::new(&root)?;
    let config = Config::load(&snapshot)?;
    // Paths in CODEOWNERS are relative to the repository root, where the file lives too.
    let prefix = GitRepo::discover(&root)
        .map(|git| git.prefix().to_owned())
        .unwrap_or_default();
    let repo_root = prefix
        .split('/')
        .filter(|p| !p.is_empty())
        .fold(snapshot.root().to_path_buf(), |dir, _| {
            dir.parent().map(Path::to_path_buf).unwrap_or(dir)
        });
    let file = args
        .file
        .clone()
        .unwrap_or_else(|| repo_root.join(".github/CODEOWNERS"));
    let generated = owners::codeowners(&config, &snapshot, &prefix)?;
    Ok((file, generated))
}

/// `path` relative to the current directory when it is below it, for messages.
fn shown(path: &Path) -> &Path {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| std::fs::canonicalize(cwd).ok())
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .unwrap_or(path)
}

/// Lines only in `old` (`-`) and only in `new` (`+`), in order.
fn diff(old: &str, new: &str) -> String {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let mut out = String::new();
    for line in &old_lines {
        if !new_lines.contains(line) {
            out.push_str(&format!("-{line}\n"));
        }
    }
    for line in &new_lines {
        if !old_lines.contains(line) {
            out.push_str(&format!("+{line}\n"));
        }
    }
    out
}
