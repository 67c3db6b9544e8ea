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

    /// Build the static index: sparse entry files, a catalog, graphs, reverse lookups, owners
    /// and a manifest. Refuses (exit 2) when the registry does not validate.
    Compose(ComposeArgs),

    /// Manage federation sources (other registries' published indexes) and their cache.
    Federation(FederationArgs),

    /// Commit the composed index to a git branch (no checkout, no work-tree change), ready to
    /// be pushed and served from raw git URLs or any static host.
    Publish(PublishArgs),

    /// Write the registry's owners into `.github/CODEOWNERS`, so the git host enforces review
    /// by the owning team. `--check` fails (exit 2) when the file is stale.
    Codeowners(CodeownersArgs),

    /// Show an entry and a version of it: `[kind:]id[@REQ]`, or a unique value such as a uuid.
    Get(GetArgs),

    /// List entries, filtered by kind, tags, owner, lifecycle or `--where` conditions.
    Ls(LsArgs),

    /// Find entries by id, description and tags, best matches first.
    Search(SearchArgs),

    /// Show what an entry references, or what references it, as a tree.
    Graph(GraphArgs),

    /// Which entries provide a value, such as which executor node runs a component class.
    Which(WhichArgs),

    /// Show the commits that changed an entry, and what changed in version, lifecycle, owner.
    History(HistoryArgs),

    /// Count entries per kind, lifecycle and owner, versions and references.
    Stats(StatsArgs),

    /// Explain a rule: what it checks, why, and an example that fails and one that passes.
    Explain(ExplainArgs),

    /// List every rule with its code, scope, default level and summary.
    Rules(RulesArgs),

    /// Create a registry that validates at once: regctl.toml, kinds with schemas, sample
    /// entries, a CI workflow, a pre-commit hook and a README. Never overwrites a file.
    Init(InitArgs),

    /// Write a new descriptor from its kind's schema, at its canonical path, listing the
    /// required fields still to fill.
    New(NewArgs),

    /// Register a descriptor written elsewhere: validate it with the registry and copy it to
    /// its canonical path.
    Add(AddArgs),

    /// Set fields of an entry: `regctl set finetuning /component/lifecycle=active`.
    Set(SetArgs),

    /// Apply an RFC 7396 JSON merge patch to an entry (`null` removes a field).
    Patch(PatchArgs),

    /// Release a new version: the current release record moves to the history unchanged, and
    /// the current record gets the new version.
    Bump(BumpArgs),

    /// Move a version to another stage, along the transitions regctl.toml declares.
    Promote(PromoteArgs),

    /// Point a named alias (`champion`) at a version, or remove it.
    Alias(AliasArgs),

    /// Mark a released version as yanked (never chosen by requirements), or undo it.
    Yank(YankArgs),

    /// Give an entry a new id: its file moves, every reference follows, and renames.toml
    /// records the old id so indexes can redirect it.
    Rename(RenameArgs),

    /// Rewrite descriptors in canonical layout (schema key order, consistent quoting and
    /// indentation). `--check` lists files that would change and exits 2.
    Fmt(FmtArgs),
}

/// Options every editing command takes.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The registry (any directory inside it).
    #[arg(long, short = 'C', default_value = ".", value_name = "PATH")]
    pub registry: PathBuf,

    /// Validate and report, but write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = QueryFormat::Human)]
    pub output: QueryFormat,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create the registry (created when missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// Kinds to start with, from the example registry: component, model, node, tool, team,
    /// source. Comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "component")]
    pub kinds: Vec<String>,

    /// The registry's name (default: the directory's name).
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    pub kind: String,
    pub id: String,
    /// `POINTER=VALUE`, repeatable; VALUE is read as TOML or JSON (a bare word is a string).
    #[arg(long = "set", value_name = "POINTER=VALUE")]
    pub assignments: Vec<String>,
    /// The file format (default: the one most of the kind's entries use).
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,
    #[command(flatten)]
    pub edit: EditArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    Toml,
    Json,
    Yaml,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The descriptor to register (.toml, .json, .yaml or .yml).
    pub file: PathBuf,
    /// Its kind (default: the kind whose schema it fits).
    #[arg(long)]
    pub kind: Option<String>,
    #[command(flatten)]
    pub edit: EditArgs,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// `[kind:]id`, or a unique value such as a uuid.
    pub reference: String,
    /// `POINTER=VALUE`: `/component/lifecycle=active`, `/tags=["llm","sft"]`,
    /// `/quality={has_tests=true}`. VALUE is read as TOML or JSON; a bare word is a string.
    #[arg(required = true, value_name = "POINTER=VALUE")]
    pub assignments: Vec<String>,
    #[command(flatten)]
    pub edit: EditArgs,
}

#[derive(Debug, Args)]
pub struct PatchArgs {
    /// `[kind:]id`, or a unique value such as a uuid.
    pub reference: String,
    /// The merge patch (JSON, or TOML/YAML by extension); `-` reads JSON from stdin.
    #[arg(long, value_name = "FILE|-")]
    pub merge_patch: PathBuf,
    #[command(flatten)]
    pub edit: EditArgs,
}

#[derive(Debug, Args)]
pub struct BumpArgs {
    /// `[kind:]id`, or a unique value such as a uuid.
    pub reference: String,
    /// `major`, `minor`, `patch`, or the new version itself.
    pub to: String,
    /// Fields of the new release: `image=…` (relative to the release record) or
    /// `/absolute/pointer=…`; repeatable.
    #[arg(long = "set", value_name = "POINTER=VALUE")]
    pub assignments: Vec<String>,
    #[command(flatten)]
    pub edit: EditArgs,
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// `[kind:]id[@VERSION]` (default: the current version).
    pub reference: String,
    /// The stage to move to.
    pub stage: String,
    #[command(flatten)]
    pub edit: EditArgs,
}

#[derive(Debug, Args)]
pub struct AliasArgs {
    /// `[kind:]id`.
    pub reference: String,
    /// The alias, e.g. `champion`.
    pub name: String,
    /// The version it points to; omit with `--remove`.
    #[arg(required_unless_present = "remove")]
    pub version: Option<String>,
    /// Remove the alias.
    #[arg(long, conflicts_with = "version")]
    pub remove: bool,
    #[command(flatten)]
    pub edit: EditArgs,
}

#[derive(Debug, Args)]
pub struct YankArgs {
    /// `[kind:]id@VERSION`.
    pub reference: String,
    /// Un-yank the version.
    #[arg(long)]
    pub undo: bool,
    #[command(flatten)]
    pub edit: EditArgs,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// `[kind:]id`.
    pub reference: String,
    /// The new id.
    pub new_id: String,
    #[command(flatten)]
    pub edit: EditArgs,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files or directories to format (default: every descriptor of the registry).
    pub paths: Vec<PathBuf>,
    /// Write nothing; list files that would change and exit 2 if any.
    #[arg(long)]
    pub check: bool,
    /// The registry (any directory inside it).
    #[arg(long, short = 'C', default_value = ".", value_name = "PATH")]
    pub registry: PathBuf,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = QueryFormat::Human)]
    pub output: QueryFormat,
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
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Human, env = "REGCTL_OUTPUT")]
    pub output: ReportFormat,

    /// Show at most N diagnostics (the summary still counts all of them).
    #[arg(long, value_name = "N")]
    pub max_diagnostics: Option<usize>,

    /// Run only these rules (comma-separated codes, as `regctl rules` lists them), e.g.
    /// `--select schema` for a schema-only check. Files are still read, decoded and parsed
    /// (`parse`, `encoding`, `too-large`, `too-deep` always run); cross-file work is skipped when
    /// no cross-file rule is selected.
    #[arg(long, value_name = "CODE,...", value_delimiter = ',', value_parser = parse_code)]
    pub select: Vec<regctl_core::code::Code>,

    /// Validate the registry as it is at a git revision (`HEAD~3`, a tag, `origin/main`),
    /// read from git without a checkout.
    #[arg(long, value_name = "REV", conflicts_with_all = ["staged", "base", "head"])]
    pub rev: Option<String>,

    /// Validate what is staged in the git index (what the next commit will contain), judged
    /// against `HEAD`. This is what the pre-commit hook runs.
    #[arg(long, conflicts_with = "head")]
    pub staged: bool,

    /// Judge the change from REV to the head: change rules run, and only diagnostics about
    /// changed entries and their neighbours are reported. The base is the merge base of REV
    /// and the head, as in `git diff REV...HEAD`.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,

    /// The head of the change, a revision (default: the working tree, or the index with
    /// `--staged`).
    #[arg(long, value_name = "REV", requires = "base")]
    pub head: Option<String>,

    /// With `--base` or `--staged`: also report diagnostics about entries the change did not touch.
    #[arg(long)]
    pub all: bool,

    /// Do not read or write the summary cache (`.regctl/cache`, or `$REGCTL_CACHE_DIR`) that
    /// lets `--base` and `--staged` skip untouched entries.
    #[arg(long)]
    pub no_cache: bool,

    /// The author of the change, checked against owning teams (`not-owner`).
    #[arg(long, value_name = "HANDLE", env = "GITHUB_ACTOR")]
    pub actor: Option<String>,
}

/// Output formats of `regctl validate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Readable reports with source snippets.
    Human,
    /// One JSON document with a `format_version` field.
    Json,
    /// GitHub Actions workflow commands (annotations on the pull request), plus a Markdown
    /// summary appended to `$GITHUB_STEP_SUMMARY` when it is set.
    Github,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

#[derive(Debug, Args)]
pub struct ComposeArgs {
    /// The registry (any directory inside it).
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// The output directory (default: `[compose] out` in regctl.toml, else `dist/index`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Do not write; exit 2 and list the differences when DIR is not what compose would write.
    #[arg(long)]
    pub check: bool,

    /// Fetch every federation source, ignoring cache TTLs.
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,

    /// Use only cached copies of federation sources; say which are stale.
    #[arg(long)]
    pub offline: bool,

    /// Compose in full even when the inputs have not changed since the last compose into DIR
    /// (which otherwise is recognised from a stamp in `.regctl/cache` and skipped).
    #[arg(long)]
    pub no_cache: bool,

    /// Output format of the summary.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct FederationArgs {
    #[command(subcommand)]
    pub command: FederationCommand,

    /// The registry (any directory inside it).
    #[arg(
        long,
        short = 'C',
        global = true,
        default_value = ".",
        value_name = "PATH"
    )]
    pub registry: PathBuf,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Human, global = true)]
    pub output: OutputFormat,
}

#[derive(Debug, Subcommand)]
pub enum FederationCommand {
    /// Register a source: writes `<sources dir>/<NAME>.toml`, validated first.
    Add(SourceFields),
    /// Change a source's fields in place, keeping the file's comments and layout.
    Update(SourceUpdate),
    /// Remove a source's file.
    Remove {
        /// The source's name.
        name: String,
    },
    /// List the registered sources.
    List,
    /// Show one source and the state of its cached copy.
    Show {
        /// The source's name.
        name: String,
    },
    /// Fetch every source and report whether it is reachable and valid, its age, entries and
    /// manifest sha256. Exits 1 when a required source is unusable.
    Status,
    /// Refresh the cache of every source, ignoring TTLs, without composing.
    Sync,
}

#[derive(Debug, Args)]
pub struct SourceFields {
    /// The source's name (its file name and id).
    pub name: String,
    /// Where its published index is: an https:// URL of the index root, a git+file://…#ref:dir URL, or a path.
    #[arg(long)]
    pub url: String,
    /// The federation domain it belongs to.
    #[arg(long, default_value = "default")]
    pub domain: String,
    /// A required source that cannot be fetched or verified fails compose.
    #[arg(long)]
    pub required: bool,
    /// Cache lifetime in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub ttl: Option<u64>,
    #[arg(long)]
    pub description: Option<String>,
    /// The sha256 its manifest.json must have.
    #[arg(long, value_name = "SHA256")]
    pub sha256: Option<String>,
    /// The environment variable that holds a bearer token for it.
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// The owning team.
    #[arg(long)]
    pub owner: Option<String>,
}

#[derive(Debug, Args)]
pub struct SourceUpdate {
    /// The source's name.
    pub name: String,
    #[arg(long)]
    pub url: Option<String>,
    #[arg(long)]
    pub domain: Option<String>,
    #[arg(long, value_name = "BOOL")]
    pub enabled: Option<bool>,
    #[arg(long, value_name = "BOOL")]
    pub required: Option<bool>,
    #[arg(long, value_name = "SECONDS")]
    pub ttl: Option<u64>,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long, value_name = "SHA256")]
    pub sha256: Option<String>,
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    #[arg(long)]
    pub owner: Option<String>,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The registry (any directory inside it).
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// The branch to commit to; created when it does not exist.
    #[arg(long, default_value = "index", value_parser = parse_branch)]
    pub branch: String,

    /// The commit message.
    #[arg(long, short, default_value = "Publish the registry index")]
    pub message: String,

    /// The composed index to publish (default: as for `regctl compose`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct CodeownersArgs {
    /// The registry (any directory inside it).
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Do not write; exit 2 and show the difference when the file is not up to date.
    #[arg(long)]
    pub check: bool,

    /// The CODEOWNERS file (default: `.github/CODEOWNERS` at the repository root).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// Where a query reads from.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Read a composed index: a directory, or the https:// URL of a published one.
    #[arg(long, value_name = "PATH|URL", global = true)]
    pub index: Option<String>,

    /// Read the registry as it is at a git revision.
    #[arg(long, value_name = "REV", conflicts_with = "index", global = true)]
    pub rev: Option<String>,

    /// With `--index URL`: use only cached files.
    #[arg(long, global = true)]
    pub offline: bool,

    /// The registry (any directory inside it), when reading a registry.
    #[arg(
        long,
        short = 'C',
        default_value = ".",
        value_name = "PATH",
        global = true
    )]
    pub registry: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    Human,
    Json,
    Yaml,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// `[kind:]id[@REQ]` (REQ a semver requirement; default the newest non-yanked version), or a unique value.
    pub reference: String,
    /// Answer as of a revision or a date (`2026-03-01`, or RFC 3339): the registry at the last commit at or before it.
    #[arg(long, value_name = "REV|DATE")]
    pub at: Option<String>,
    #[command(flatten)]
    pub read: ReadArgs,
    #[arg(long, short, value_enum, default_value_t = QueryFormat::Human)]
    pub output: QueryFormat,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    #[arg(long)]
    pub kind: Option<String>,
    /// Repeatable; every tag must match.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    #[arg(long)]
    pub owner: Option<String>,
    /// Also `--stage`.
    #[arg(long, alias = "stage")]
    pub lifecycle: Option<String>,
    /// `POINTER OP VALUE`, repeatable: `/metrics/accuracy>=0.9`, `/stage=production`, `/tags~llm`, `/stage in a,b`.
    #[arg(long = "where", value_name = "CONDITION")]
    pub conditions: Vec<String>,
    /// Sort by a catalog field.
    #[arg(long, value_name = "FIELD", value_enum)]
    pub sort: Option<SortField>,
    /// Show at most N rows.
    #[arg(long, value_name = "N", value_parser = parse_limit)]
    pub limit: Option<usize>,
    #[command(flatten)]
    pub read: ReadArgs,
    #[arg(long, short, value_enum, default_value_t = QueryFormat::Human)]
    pub output: QueryFormat,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    pub text: String,
    /// Show at most N rows.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = parse_limit)]
    pub limit: usize,
    #[command(flatten)]
    pub read: ReadArgs,
    #[arg(long, short, value_enum, default_value_t = QueryFormat::Human)]
    pub output: QueryFormat,
}

/// A catalog field `ls --sort` can order by; any other name is refused rather than ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SortField {
    Id,
    Kind,
    Version,
    Owner,
    Lifecycle,
    Description,
}

impl SortField {
    /// The field's name in a catalog row.
    pub fn as_str(self) -> &'static str {
        match self {
            SortField::Id => "id",
            SortField::Kind => "kind",
            SortField::Version => "version",
            SortField::Owner => "owner",
            SortField::Lifecycle => "lifecycle",
            SortField::Description => "description",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Tree,
    Json,
    Yaml,
    Dot,
    Mermaid,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// `[kind:]id`.
    pub reference: String,
    /// The graph (default: the only one the entry is in, else `dependencies`).
    #[arg(long)]
    pub graph: Option<String>,
    /// Show what references the entry (dependents, descendants) instead.
    #[arg(long)]
    pub reverse: bool,
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    #[command(flatten)]
    pub read: ReadArgs,
    #[arg(long, short, value_enum, default_value_t = GraphFormat::Tree)]
    pub output: GraphFormat,
}

#[derive(Debug, Args)]
pub struct WhichArgs {
    pub value: String,
    #[arg(long)]
    pub kind: Option<String>,
    #[command(flatten)]
    pub read: ReadArgs,
    #[arg(long, short, value_enum, default_value_t = QueryFormat::Human)]
    pub output: QueryFormat,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// `[kind:]id`.
    pub reference: String,
    /// The registry (any directory inside it).
    #[arg(long, short = 'C', default_value = ".", value_name = "PATH")]
    pub registry: PathBuf,
    #[arg(long, short, value_enum, default_value_t = QueryFormat::Human)]
    pub output: QueryFormat,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    #[arg(long, short, value_enum, default_value_t = QueryFormat::Human)]
    pub output: QueryFormat,
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

/// A rule code from the command line, with a suggestion when it is misspelt.
fn parse_code(text: &str) -> Result<regctl_core::code::Code, String> {
    text.parse().map_err(|()| match closest_code(text) {
        Some(near) => format!("unknown rule `{text}` (did you mean `{near}`?)"),
        None => format!("unknown rule `{text}`; `regctl rules` lists them"),
    })
}

/// The rule code `text` is most likely a typo of, if any.
pub(crate) fn closest_code(text: &str) -> Option<&'static str> {
    regctl_core::code::Code::ALL
        .iter()
        .map(|code| code.as_str())
        .filter(|name| regctl_core::suggest::is_close(text, name))
        .min_by_key(|name| regctl_core::suggest::edit_distance(text, name))
}

/// A `--limit`: a count of rows, at least one (a limit of 0 would print "no entries match"
/// about entries that do match).
fn parse_limit(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("the limit must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(err) => Err(err.to_string()),
    }
}

/// A branch name git accepts, checked before anything is read or written.
fn parse_branch(text: &str) -> Result<String, String> {
    regctl_core::git::check_branch_name(text).map(|()| text.to_owned())
}
