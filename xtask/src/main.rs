//! Maintainer tasks, run as `cargo xtask <task>`.
//!
//! - `codegen [--mode write|check|dry-run]`: regenerate committed files (docs/rules.md).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Write,
    Check,
    DryRun,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => parse_mode(&args[1..]).and_then(codegen),
        _ => Err("usage: cargo xtask codegen [--mode write|check|dry-run]".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_mode(args: &[String]) -> Result<Mode, String> {
    match args {
        [] => Ok(Mode::Write),
        [flag, mode] if flag == "--mode" => match mode.as_str() {
            "write" => Ok(Mode::Write),
            "check" => Ok(Mode::Check),
            "dry-run" => Ok(Mode::DryRun),
            other => Err(format!("unknown mode `{other}`")),
        },
        other => Err(format!("unexpected arguments {other:?}")),
    }
}

fn codegen(mode: Mode) -> Result<(), String> {
    ensure_file(
        &repo_root().join("docs/rules.md"),
        &regctl_core::code::rules_markdown(),
        mode,
    )
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Writes `contents` to `path` unless it is already there; in check mode, fails if it is not.
fn ensure_file(path: &Path, contents: &str, mode: Mode) -> Result<(), String> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    if old == contents {
        return Ok(());
    }
    match mode {
        Mode::Check => Err(format!(
            "{} is stale; run `cargo xtask codegen`",
            path.display()
        )),
        Mode::DryRun => {
            print!("{contents}");
            Ok(())
        }
        Mode::Write => {
            std::fs::create_dir_all(path.parent().expect("a file has a parent"))
                .and_then(|()| std::fs::write(path, contents))
                .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
            eprintln!("wrote {}", path.display());
            Ok(())
        }
    }
}
