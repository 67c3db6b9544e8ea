//! Maintainer tasks, run as `cargo xtask <task>`:
//!
//! - `codegen`: regenerate committed files (docs/rules.md, example indexes); `--mode check` in CI.
//! - `gen`: write a deterministic generated registry for benchmarks and tests.
//! - `bench`: time regctl on generated registries, beside the parse + schema floor and, with
//!   `--peers`, the schema checkers a user would otherwise pick.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod codegen;
mod corpus;
mod measure;
mod peers;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use regctl_core::document::Format;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "regctl's maintainer tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate committed files: docs/rules.md, the sibling registry's index, the golden index.
    Codegen {
        #[arg(long, value_enum, default_value = "write")]
        mode: codegen::Mode,
    },
    /// Write a deterministic, realistic registry using the example registry's kinds.
    Gen {
        /// How many entries (about 85% components, 10% models, 4% tools, and teams and nodes).
        #[arg(long)]
        entries: usize,
        /// An empty or missing directory to write the registry into.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The format of every descriptor.
        #[arg(long, value_parser = parse_format, default_value = "toml")]
        format: Format,
        /// Fraction of component files to break in known ways; what a validator must report
        /// is written to `expected-diagnostics.json`.
        #[arg(long, default_value_t = 0.0)]
        invalid_rate: f64,
        /// Make OUT a git repository whose last K commits each change one entry.
        #[arg(long, default_value_t = 0)]
        git_commits: usize,
    },
    /// Time regctl on generated registries and write docs/benchmarks.md.
    Bench {
        /// 1,000 entries, one iteration, no peers, docs/benchmarks.md untouched (what CI runs).
        #[arg(long)]
        quick: bool,
        /// Registry sizes to run (entries).
        #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
        sizes: Vec<usize>,
        /// Timed runs per case, after one warm-up run.
        #[arg(long, default_value_t = 5)]
        iterations: usize,
        /// Also install and time taplo, check-jsonschema and ajv-cli on the same files.
        #[arg(long)]
        peers: bool,
        /// Registry size for the peers (about 50,000 component files by default).
        #[arg(long, default_value_t = 58_500)]
        peer_entries: usize,
        /// Print JSON instead of Markdown.
        #[arg(long)]
        json: bool,
        /// Leave docs/benchmarks.md alone.
        #[arg(long)]
        no_docs: bool,
    },
}

fn parse_format(text: &str) -> Result<Format, String> {
    Format::from_extension(text).ok_or_else(|| format!("`{text}` is not one of toml, json, yaml"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Codegen { mode } => codegen::codegen(mode),
        Task::Gen {
            entries,
            out,
            seed,
            format,
            invalid_rate,
            git_commits,
        } => corpus::generate(&corpus::GenOptions {
            entries,
            out: out.clone(),
            seed,
            format,
            invalid_rate,
            git_commits,
        })
        .map(|files| eprintln!("wrote {files} descriptors to {}", out.display())),
        Task::Bench {
            quick,
            sizes,
            iterations,
            peers,
            peer_entries,
            json,
            no_docs,
        } => bench::bench(&bench::BenchOptions {
            sizes: if quick { vec![1000] } else { sizes },
            iterations: if quick { 1 } else { iterations.max(1) },
            quick,
            json,
            peers: peers && !quick,
            peer_entries,
            write_docs: !quick && !no_docs,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}
