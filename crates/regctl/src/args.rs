//! Command-line arguments (clap derive). No logic lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A git-native registry toolkit: the files in a git repository are the database.
///
/// regctl validates registry descriptors (TOML, JSON or YAML) against their kinds' schemas and
/// the registry's rules, on a laptop as a pre-commit hook and in CI.
#[derive(Debug, Parser)]
#[command(name = "regctl", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// When to use colors in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, env = "REGCTL_COLOR")]
    pub color: ColorChoice,

    /// Print only errors: no warnings, no summary.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate every descriptor of the registry: syntax, schema, versions, references, graphs.
    ///
    /// Exits 0 when the registry is valid (warnings allowed), 2 when it has errors, 1 when it
    /// could not be checked (bad regctl.toml, unreadable files), 64 on a usage error.
    Validate(ValidateArgs),

    /// Explain a rule: what it checks, why, and an example that fails and one that passes.
    Explain(ExplainArgs),

    /// List every rule with its code, scope, default level and summary.
    Rules(RulesArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The registry (any directory inside it), or one descriptor file to report on.
    ///
    /// regctl looks for regctl.toml in PATH and its parents. When PATH is a file, the whole
    /// registry is still checked (cross-file rules need it) but only that file is reported.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Human, env = "REGCTL_OUTPUT")]
    pub output: OutputFormat,

    /// Show at most N diagnostics (the summary still counts all of them).
    #[arg(long, value_name = "N")]
    pub max_diagnostics: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code, such as `schema` or `ref-missing`.
    pub code: String,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Readable reports with source snippets.
    Human,
    /// One JSON document with a `format_version` field.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Color when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}
