//! The parse + schema floor that `cargo xtask bench` compares `regctl validate` with: a plain
//! loop that reads every descriptor under a directory, parses it (TOML or JSON) and validates
//! it against one JSON Schema, in parallel, with no other rule and no diagnostics kept.
//!
//! A full validator does strictly more work, so this is the time it should approach.
//!
//! Usage: `floor SCHEMA DIR [SCHEMA DIR ...]` — each directory's files are checked against the
//! schema before it; prints `files invalid` on one line.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use rayon::prelude::*;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || !args.len().is_multiple_of(2) {
        eprintln!("usage: floor SCHEMA DIR [SCHEMA DIR ...]");
        return ExitCode::from(64);
    }
    let mut work: Vec<(PathBuf, usize)> = Vec::new();
    let mut validators = Vec::new();
    for pair in args.chunks(2) {
        let schema: serde_json::Value = match std::fs::read_to_string(&pair[0])
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
        {
            Ok(schema) => schema,
            Err(err) => {
                eprintln!("cannot read {}: {err}", pair[0]);
                return ExitCode::FAILURE;
            }
        };
        // The same options regctl compiles schemas with (formats asserted, semver formats known).
        match regctl_core::schema::options().build(&schema) {
            Ok(validator) => validators.push(validator),
            Err(err) => {
                eprintln!("invalid schema {}: {err}", pair[0]);
                return ExitCode::FAILURE;
            }
        }
        let which = validators.len() - 1;
        work.extend(
            walkdir::WalkDir::new(&pair[1])
                .into_iter()
                .filter_map(Result::ok)
                .filter(|entry| entry.file_type().is_file())
                .map(walkdir::DirEntry::into_path)
                .filter(|path| {
                    path.extension()
                        .is_some_and(|ext| ext == "toml" || ext == "json")
                })
                .map(|path| (path, which)),
        );
    }
    let invalid = work
        .par_iter()
        .filter(|(path, which)| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return true;
            };
            let parsed: Result<serde_json::Value, String> =
                if path.extension().is_some_and(|ext| ext == "toml") {
                    toml_edit::de::from_str(&text).map_err(|e| e.to_string())
                } else {
                    serde_json::from_str(&text).map_err(|e| e.to_string())
                };
            parsed.map_or(true, |value| !validators[*which].is_valid(&value))
        })
        .count();
    let files = work.len();
    println!("{files} {invalid}");
    ExitCode::SUCCESS
}
