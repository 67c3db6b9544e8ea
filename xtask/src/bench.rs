//! `cargo xtask bench`: times regctl's main paths on generated registries and reports median,
//! min and max wall time, peak RSS and files per second, beside the parse + schema floor.
//!
//! Corpora are generated once into `target/bench/corpus` and reused while the generator's
//! version is unchanged. Each case runs once to warm caches and then `iterations` times.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use regctl_core::document::Format;
use serde::Serialize;

use crate::corpus::{self as generator, Expected};
use crate::measure::{self, Summary};
use crate::peers;

/// Bump when `gen` changes what it writes, so cached corpora are rebuilt.
const GEN_VERSION: u32 = 1;
/// The seed every benchmark corpus uses.
const SEED: u64 = 1;
/// Commits with one changed entry each at the top of every timing corpus.
const GIT_COMMITS: usize = 3;

/// What to run.
#[derive(Clone, Debug)]
pub(crate) struct BenchOptions {
    pub(crate) sizes: Vec<usize>,
    pub(crate) iterations: usize,
    pub(crate) quick: bool,
    pub(crate) json: bool,
    pub(crate) peers: bool,
    pub(crate) peer_entries: usize,
    pub(crate) write_docs: bool,
}

/// One measured case.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CaseResult {
    pub(crate) case: String,
    pub(crate) entries: usize,
    pub(crate) format: String,
    pub(crate) files: usize,
    #[serde(flatten)]
    pub(crate) summary: Option<Summary>,
    pub(crate) files_per_second: Option<f64>,
    /// The target this case has at 100,000 entries, if any.
    pub(crate) target: Option<String>,
    /// Whether the target is met (only judged at 100,000 entries).
    pub(crate) met: Option<bool>,
    /// Why the case was not run, or what went wrong.
    pub(crate) note: Option<String>,
    /// Standard output and error of the last run.
    #[serde(skip)]
    pub(crate) last_output: String,
}

impl CaseResult {
    /// A case that could not be set up or run.
    fn failed(case: &str, entries: usize, format: Format, error: &str) -> CaseResult {
        CaseResult {
            case: case.to_owned(),
            entries,
            format: format.as_str().to_ascii_lowercase(),
            files: 1,
            summary: None,
            files_per_second: None,
            target: None,
            met: None,
            note: Some(format!("failed: {error}")),
            last_output: String::new(),
        }
    }

    /// Median, peak RSS and files per second as table cells (`–` when not measured).
    pub(crate) fn cells(&self) -> (String, String, String) {
        let (median, rss) =
            self.summary
                .as_ref()
                .map_or(("–".to_owned(), "–".to_owned()), |s| {
                    (
                        format!("{:.2} s", s.median_ms / 1000.0),
                        format!("{:.0} MB", s.max_rss_mb),
                    )
                });
        let rate = self
            .files_per_second
            .map_or("–".to_owned(), |r| format!("{r:.0}"));
        (median, rss, rate)
    }
}

/// Whether regctl reported exactly what the generator broke.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Correctness {
    pub(crate) entries: usize,
    pub(crate) broken_files: usize,
    pub(crate) missing: Vec<String>,
    pub(crate) unexpected: Vec<String>,
}

/// Everything one run measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct BenchReport {
    pub(crate) machine: Machine,
    pub(crate) cases: Vec<CaseResult>,
    pub(crate) correctness: Vec<Correctness>,
    pub(crate) peers: Option<peers::PeerReport>,
}

/// Where the figures were measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Machine {
    pub(crate) date: String,
    pub(crate) cores: usize,
    pub(crate) cpu: String,
    pub(crate) os: String,
    pub(crate) rustc: String,
    pub(crate) regctl: String,
    pub(crate) commit: String,
}

/// The programs under test.
pub(crate) struct Binaries {
    pub(crate) regctl: PathBuf,
    /// This program, built in release mode: it generates the corpora in a process of its own,
    /// so this process stays small (a child's `ru_maxrss` starts from its parent's peak RSS,
    /// which Linux carries over at `exec`).
    pub(crate) xtask: PathBuf,
    pub(crate) floor: PathBuf,
    /// `readdir` + `lstat` of every file: what a work-tree validation cannot do without.
    pub(crate) walk_floor: PathBuf,
}

pub(crate) fn bench(options: &BenchOptions) -> Result<(), String> {
    let root = crate::repo_root();
    let work = target_dir(&root).join("bench");
    let scratch = work.join("scratch");
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let binaries = build(&root)?;
    let machine = machine(&root, &binaries.regctl);

    let mut cases = Vec::new();
    let mut correctness = Vec::new();
    for &entries in &options.sizes {
        let timing = corpus(&binaries, &work, entries, Format::Toml, 0.0, GIT_COMMITS)?;
        cases.extend(size_cases(&binaries, &timing, entries, options, &scratch)?);
        if !options.quick && entries == 10_000 {
            for format in [Format::Json, Format::Yaml] {
                let other = corpus(&binaries, &work, entries, format, 0.0, 0)?;
                let files = count_files(&other);
                cases.push(timed(
                    &binaries.regctl,
                    &["validate"],
                    &other,
                    &scratch,
                    options.iterations,
                    Shape::new("validate", entries, format, files).expect(0),
                ));
            }
        }
        if options.quick || entries == 10_000 {
            let broken = corpus(&binaries, &work, entries, Format::Toml, 0.01, 0)?;
            correctness.push(check_correctness(
                &binaries.regctl,
                &broken,
                entries,
                &scratch,
            )?);
        }
    }
    let peers = if options.peers {
        Some(peers::run(
            &binaries,
            &work,
            options.peer_entries,
            options.iterations,
            &scratch,
        )?)
    } else {
        None
    };
    let report = BenchReport {
        machine,
        cases,
        correctness,
        peers,
    };
    if options.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        print!("{}", markdown(&report, options));
    }
    if options.write_docs {
        write_docs(
            &root.join("docs/benchmarks.md"),
            &markdown(&report, options),
        )?;
    }
    // Nothing is timed after this, so the kernel's cost of the deletion measures nothing; the
    // report comes first, since deleting 100,000s of files can take minutes on some volumes.
    let trash = trash_dir(&scratch);
    if trash.exists() {
        eprintln!(
            "removing the set-aside compose outputs in {} ...",
            trash.display()
        );
        remove_dir(&trash)?;
    }
    let failed = report
        .cases
        .iter()
        .filter(|case| {
            case.summary.is_none()
                && case
                    .note
                    .as_deref()
                    .is_some_and(|n| n.starts_with("failed"))
        })
        .count();
    let incorrect = report
        .correctness
        .iter()
        .filter(|c| !c.missing.is_empty() || !c.unexpected.is_empty())
        .count();
    if failed > 0 || incorrect > 0 {
        return Err(format!(
            "{failed} case(s) failed and {incorrect} correctness check(s) disagreed; see the report"
        ));
    }
    Ok(())
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Builds regctl and the floor in release mode.
fn build(root: &Path) -> Result<Binaries, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for args in [
        &[
            "build",
            "--release",
            "--locked",
            "--quiet",
            "--bin",
            "regctl",
            "--bin",
            "xtask",
        ][..],
        &[
            "build",
            "--release",
            "--locked",
            "--quiet",
            "--package",
            "regctl-validate",
            "--example",
            "floor",
        ],
        &[
            "build",
            "--release",
            "--locked",
            "--quiet",
            "--package",
            "regctl-core",
            "--example",
            "walk_floor",
        ],
    ] {
        let status = Command::new(&cargo)
            .args(args)
            .current_dir(root)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("cargo {} failed", args.join(" ")));
        }
    }
    let release = target_dir(root).join("release");
    Ok(Binaries {
        regctl: release.join("regctl"),
        xtask: release.join("xtask"),
        floor: release.join("examples").join("floor"),
        walk_floor: release.join("examples").join("walk_floor"),
    })
}

fn corpus_path(work: &Path, entries: usize, format: Format, invalid_rate: f64) -> PathBuf {
    let broken = if invalid_rate > 0.0 {
        format!("-invalid{}", (invalid_rate * 1000.0).round())
    } else {
        String::new()
    };
    work.join("corpus").join(format!(
        "{}-{entries}{broken}",
        format.as_str().to_ascii_lowercase()
    ))
}

/// The generated registry for these parameters, made if missing or stale.
pub(crate) fn corpus(
    binaries: &Binaries,
    work: &Path,
    entries: usize,
    format: Format,
    invalid_rate: f64,
    git_commits: usize,
) -> Result<PathBuf, String> {
    let dir = corpus_path(work, entries, format, invalid_rate);
    let stamp_path = dir.join(".bench-stamp");
    let stamp = format!("gen {GEN_VERSION} seed {SEED} commits {git_commits}\n");
    if std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str()) {
        return Ok(dir);
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    eprintln!("generating {} ...", dir.display());
    let status = Command::new(&binaries.xtask)
        .args(["gen", "--entries", &entries.to_string(), "--out"])
        .arg(&dir)
        .args([
            "--seed",
            &SEED.to_string(),
            "--format",
            &format.as_str().to_ascii_lowercase(),
        ])
        .args(["--invalid-rate", &invalid_rate.to_string()])
        .args(["--git-commits", &git_commits.to_string()])
        .status()
        .map_err(|e| format!("cannot run {}: {e}", binaries.xtask.display()))?;
    if !status.success() {
        return Err(format!("generating {} failed", dir.display()));
    }
    std::fs::write(&stamp_path, stamp).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// Descriptor files in a generated registry.
pub(crate) fn count_files(corpus: &Path) -> usize {
    ["components", "models", "nodes", "tools", "teams"]
        .iter()
        .map(|dir| {
            std::fs::read_dir(corpus.join("registry").join(dir))
                .map(|read| read.count())
                .unwrap_or(0)
        })
        .sum()
}

/// Reads every descriptor of `corpus` (untimed), so that a case which reads them all starts from
/// the page cache as the targets assume ("warm cache"). Warming once per case was not enough on
/// a VM whose host evicts idle page cache within seconds: the 100,000-entry rows then timed the
/// disk for some runs and not others (a floor of 4.99-6.89 s in one case, against 1.6 s warm).
fn warm(corpus: &Path) -> Result<(), String> {
    use rayon::prelude::*;
    let mut paths = Vec::new();
    for dir in ["components", "models", "nodes", "tools", "teams"] {
        let Ok(read) = std::fs::read_dir(corpus.join("registry").join(dir)) else {
            continue;
        };
        paths.extend(read.filter_map(|entry| entry.ok().map(|entry| entry.path())));
    }
    paths
        .par_iter()
        .try_for_each(|path| std::fs::read(path).map(drop))
        .map_err(|err| format!("cannot read the corpus at {}: {err}", corpus.display()))
}

/// What a case is, before it is run.
pub(crate) struct Shape {
    case: String,
    entries: usize,
    format: Format,
    files: usize,
    expect: Option<i32>,
    target: Option<(&'static str, f64)>,
}

impl Shape {
    pub(crate) fn new(case: &str, entries: usize, format: Format, files: usize) -> Shape {
        Shape {
            case: case.to_owned(),
            entries,
            format,
            files,
            expect: None,
            target: None,
        }
    }

    /// The exit code a correct run has.
    pub(crate) fn expect(mut self, code: i32) -> Shape {
        self.expect = Some(code);
        self
    }

    /// The case's target at 100,000 entries: a description and a median in milliseconds.
    fn target(mut self, text: &'static str, ms: f64) -> Shape {
        self.target = Some((text, ms));
        self
    }
}

/// Runs `regctl args` once to warm up and `iterations` times more.
pub(crate) fn timed(
    program: &Path,
    args: &[&str],
    dir: &Path,
    scratch: &Path,
    iterations: usize,
    shape: Shape,
) -> CaseResult {
    timed_with(program, args, dir, scratch, iterations, shape, &mut || {
        Ok(())
    })
}

/// [`timed`] with `before` run (untimed) before every run.
fn timed_with(
    program: &Path,
    args: &[&str],
    dir: &Path,
    scratch: &Path,
    iterations: usize,
    shape: Shape,
    before: &mut dyn FnMut() -> Result<(), String>,
) -> CaseResult {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let mut samples = Vec::new();
    let mut note = None;
    for run in 0..=iterations {
        let sample = before().and_then(|()| measure::run(program, &args, dir, scratch));
        match sample {
            Ok(sample) if shape.expect.is_none() || sample.exit_code == shape.expect => {
                if run > 0 {
                    samples.push(sample);
                }
            }
            Ok(sample) => {
                note = Some(format!(
                    "failed: exit {:?}, expected {:?}: {}",
                    sample.exit_code,
                    shape.expect,
                    String::from_utf8_lossy(&sample.stderr)
                        .lines()
                        .next()
                        .unwrap_or_default()
                ));
                break;
            }
            Err(err) => {
                note = Some(format!("failed: {err}"));
                break;
            }
        }
    }
    let summary = (note.is_none() && !samples.is_empty()).then(|| measure::summarise(&samples));
    let last_output = samples.last().map_or_else(String::new, |s| {
        let mut text = String::from_utf8_lossy(&s.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&s.stderr));
        text
    });
    let files_per_second = summary
        .as_ref()
        .filter(|s| shape.files > 1 && s.median_ms > 0.0)
        .map(|s| shape.files as f64 / (s.median_ms / 1000.0));
    let met = match (&summary, shape.target) {
        (Some(summary), Some((_, ms))) if shape.entries == 100_000 => Some(summary.median_ms <= ms),
        _ => None,
    };
    CaseResult {
        case: shape.case,
        entries: shape.entries,
        format: shape.format.as_str().to_ascii_lowercase(),
        files: shape.files,
        summary,
        files_per_second,
        target: shape.target.map(|(text, _)| text.to_owned()),
        met,
        note,
        last_output,
    }
}

/// The cases run at one size on the TOML corpus.
fn size_cases(
    binaries: &Binaries,
    corpus: &Path,
    entries: usize,
    options: &BenchOptions,
    scratch: &Path,
) -> Result<Vec<CaseResult>, String> {
    let files = count_files(corpus);
    let n = options.iterations;
    let regctl = &binaries.regctl;
    let toml = Format::Toml;
    let mut cases = Vec::new();

    let mut full = timed_with(
        regctl,
        &["validate"],
        corpus,
        scratch,
        n,
        Shape::new("validate", entries, toml, files)
            .expect(0)
            .target("≤ 3 s, ≤ 1.5× floor, < 256 MB", 3000.0),
        &mut || warm(corpus),
    );
    // The floor: parse + schema of the same files with each kind's schema.
    let floor_args = floor_args(corpus)?;
    let floor_refs: Vec<&str> = floor_args.iter().map(String::as_str).collect();
    let floor = timed_with(
        &binaries.floor,
        &floor_refs,
        corpus,
        scratch,
        n,
        Shape::new("floor: parse + schema (no rules)", entries, toml, files).expect(0),
        &mut || warm(corpus),
    );
    if let (Some(f), Some(s)) = (&floor.summary, &full.summary)
        && entries == 100_000
    {
        full.met =
            Some(s.median_ms <= 3000.0 && s.median_ms <= 1.5 * f.median_ms && s.max_rss_mb < 256.0);
    }
    cases.push(full);
    cases.push(floor);

    cases.push(timed(
        regctl,
        &["validate", "--base", "HEAD~1"],
        corpus,
        scratch,
        n,
        Shape::new("validate --base HEAD~1 (1 changed)", entries, toml, 1)
            .expect(0)
            .target("≤ 100 ms", 100.0),
    ));
    // The pull-request check: two commits, no work tree to stat.
    cases.push(timed(
        regctl,
        &["validate", "--base", "HEAD~1", "--head", "HEAD"],
        corpus,
        scratch,
        n,
        Shape::new(
            "validate --base HEAD~1 --head HEAD (1 changed)",
            entries,
            toml,
            1,
        )
        .expect(0)
        .target("≤ 100 ms", 100.0),
    ));
    let staged = staged_case(regctl, corpus, entries, n, scratch);
    cases.push(staged);
    // For reference, git's own comparisons of the same repository: the two commits, the work
    // tree against a commit (an `lstat` of every tracked file), and `git status` (which also
    // walks the directories for untracked files, as regctl must with a work-tree head).
    for (case, args) in [
        (
            "reference: git diff --name-only HEAD~1 HEAD",
            &["diff", "--name-only", "HEAD~1", "HEAD"][..],
        ),
        (
            "reference: git diff --name-only HEAD~1 (work tree)",
            &["diff", "--name-only", "HEAD~1"][..],
        ),
        (
            "reference: git status --porcelain",
            &["status", "--porcelain"][..],
        ),
    ] {
        cases.push(timed(
            Path::new("git"),
            args,
            corpus,
            scratch,
            n,
            Shape::new(case, entries, toml, 1).expect(0),
        ));
    }
    // The work tree's own floor: listing every file and `lstat`ing each, nothing else.
    cases.push(timed(
        &binaries.walk_floor,
        &["registry"],
        corpus,
        scratch,
        n,
        Shape::new(
            "floor: readdir + lstat of every file (work tree)",
            entries,
            toml,
            files,
        )
        .expect(0),
    ));

    let out = scratch.join(format!("index-{entries}"));
    let out_text = out.to_string_lossy().into_owned();
    let compose = ["compose", "--out", out_text.as_str(), "--offline", "."];
    // Each run's output is moved aside and all of them deleted when the whole bench is done
    // (`trash_dir`), never between cases: on ext4 without a journal, creating files within one
    // to six minutes of deleting 100,000 makes the kernel scan the deleted inodes on every
    // allocation (`recently_deleted`), which tripled this case's time, and the 10,000-entry
    // case's deletion landed right before the 100,000-entry one.
    let set_aside_dir = trash_dir(scratch);
    let mut set_aside_count = 0;
    cases.push(timed_with(
        regctl,
        &compose,
        corpus,
        scratch,
        n,
        Shape::new("compose (empty directory)", entries, toml, files)
            .expect(0)
            .target("≤ 5 s", 5000.0),
        &mut || {
            set_aside(&out, &set_aside_dir, &mut set_aside_count)?;
            warm(corpus)
        },
    ));
    // For reference, the file system's own cost of those files: `cp -r` of the index just
    // composed into an empty directory (creating 124,000 files is most of a compose's time).
    if cfg!(unix) && out.is_dir() {
        let copy = scratch.join(format!("index-{entries}-copy"));
        let copy_text = copy.to_string_lossy().into_owned();
        cases.push(timed_with(
            Path::new("cp"),
            &["-r", out_text.as_str(), copy_text.as_str()],
            corpus,
            scratch,
            n,
            Shape::new(
                "reference: cp -r of the composed index (empty directory)",
                entries,
                toml,
                files,
            )
            .expect(0),
            &mut || set_aside(&copy, &set_aside_dir, &mut set_aside_count),
        ));
    }
    let mut unchanged = timed(
        regctl,
        &compose,
        corpus,
        scratch,
        n,
        Shape::new("compose (nothing changed)", entries, toml, files)
            .expect(0)
            .target("≤ 1 s, 0 files written", 1000.0),
    );
    // The target is about writing nothing as much as about time.
    if unchanged.summary.is_some() && !unchanged.last_output.contains(": 0 written,") {
        unchanged.met = unchanged.met.map(|_| false);
        unchanged.note = Some(format!(
            "wrote files: {}",
            unchanged.last_output.lines().next().unwrap_or_default()
        ));
    }
    cases.push(unchanged);
    cases.push(compose_one_changed_case(
        regctl, corpus, entries, n, scratch, &compose,
    ));

    let reference = format!("component:{}", first_component(corpus)?);
    let class = "Loader0Component".to_owned();
    let class = first_class(corpus).unwrap_or(class);
    for (case, args, target, ms) in [
        ("get", vec!["get", reference.as_str()], "≤ 20 ms", 20.0),
        ("which", vec!["which", class.as_str()], "≤ 20 ms", 20.0),
        (
            "ls --tag gpu",
            vec!["ls", "--tag", "gpu"],
            "≤ 300 ms",
            300.0,
        ),
    ] {
        let mut args = args;
        args.extend(["--index", out_text.as_str()]);
        cases.push(timed(
            regctl,
            &args,
            corpus,
            scratch,
            n,
            Shape::new(case, entries, toml, 1)
                .expect(0)
                .target(target, ms),
        ));
    }
    cases.push(working_tree_get_case(
        regctl, corpus, entries, n, scratch, &reference,
    ));
    Ok(cases)
}

/// `get` without `--index` after `regctl compose` wrote the registry's own output directory:
/// answered from that index while its stamp says nothing changed, as a maintainer asks on a
/// laptop. The compose (untimed) reuses the previous bench run's index when it is fresh.
fn working_tree_get_case(
    regctl: &Path,
    corpus: &Path,
    entries: usize,
    n: usize,
    scratch: &Path,
    reference: &str,
) -> CaseResult {
    const CASE: &str = "get (working tree, after compose)";
    let compose = ["compose".to_owned(), "--offline".to_owned()];
    match measure::run(regctl, &compose, corpus, scratch) {
        Ok(sample) if sample.exit_code == Some(0) => {}
        Ok(sample) => {
            let err = format!("compose exited {:?}", sample.exit_code);
            return CaseResult::failed(CASE, entries, Format::Toml, &err);
        }
        Err(err) => return CaseResult::failed(CASE, entries, Format::Toml, &err),
    }
    timed(
        regctl,
        &["get", reference],
        corpus,
        scratch,
        n,
        Shape::new(CASE, entries, Format::Toml, 1).expect(0),
    )
}

/// `--staged` with one changed entry, as a commit hook sees it: before each run a new edit is
/// staged (content no run has seen, so its summary is new to the cache); the file is restored
/// after the case.
fn staged_case(
    regctl: &Path,
    corpus: &Path,
    entries: usize,
    n: usize,
    scratch: &Path,
) -> CaseResult {
    const CASE: &str = "validate --staged (1 changed)";
    let (path, full, original) = match first_component_file(corpus) {
        Ok(found) => found,
        Err(err) => return CaseResult::failed(CASE, entries, Format::Toml, &err),
    };
    // Seeds differ between bench runs too, so that no edit is ever in the cache already.
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as usize);
    let result = timed_with(
        regctl,
        &["validate", "--staged"],
        corpus,
        scratch,
        n,
        Shape::new(CASE, entries, Format::Toml, 1)
            .expect(0)
            .target("≤ 100 ms", 100.0),
        &mut || {
            seed += 1;
            let staged = generator::change_description(&original, Format::Toml, seed);
            std::fs::write(&full, &staged).map_err(|e| e.to_string())?;
            git(corpus, &["add", path.as_str()])
        },
    );
    // Undo the staged edit whatever happened, so the corpus stays as generated.
    let _ = git(corpus, &["reset", "--quiet", "--", path.as_str()]);
    let _ = std::fs::write(&full, original);
    result
}

/// Compose after one entry's description changed: the job CI runs on the main branch after
/// a merge. The index is there from the cases before; each run rewrites 3 of its files.
fn compose_one_changed_case(
    regctl: &Path,
    corpus: &Path,
    entries: usize,
    n: usize,
    scratch: &Path,
    compose: &[&str],
) -> CaseResult {
    const CASE: &str = "compose (one entry changed)";
    let (_, full, original) = match first_component_file(corpus) {
        Ok(found) => found,
        Err(err) => return CaseResult::failed(CASE, entries, Format::Toml, &err),
    };
    let mut seed = 0;
    let mut result = timed_with(
        regctl,
        compose,
        corpus,
        scratch,
        n,
        Shape::new(CASE, entries, Format::Toml, 1).expect(0),
        &mut || {
            seed += 1;
            let edited = generator::change_description(&original, Format::Toml, seed);
            std::fs::write(&full, edited).map_err(|e| e.to_string())
        },
    );
    let _ = std::fs::write(&full, original);
    if result.summary.is_some() && !result.last_output.contains(": 3 written,") {
        result.note = Some(format!(
            "expected 3 files written: {}",
            result.last_output.lines().next().unwrap_or_default()
        ));
    }
    result
}

fn git(dir: &Path, args: &[&str]) -> Result<(), String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Where outputs set aside wait to be deleted at the end of the bench (and a previous bench's
/// leftovers with them).
fn trash_dir(scratch: &Path) -> PathBuf {
    scratch.join("trash")
}

/// Moves `dir`, if it exists, into `aside` under a new name, leaving its path free.
fn set_aside(dir: &Path, aside: &Path, count: &mut usize) -> Result<(), String> {
    if !dir.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(aside)
        .map_err(|err| format!("cannot create {}: {err}", aside.display()))?;
    *count += 1;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let to = aside.join(format!(
        "{}-{}-{count}",
        name.unwrap_or_default(),
        std::process::id()
    ));
    std::fs::rename(dir, &to)
        .map_err(|err| format!("cannot move {} to {}: {err}", dir.display(), to.display()))
}

fn remove_dir(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot remove {}: {err}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// The first component's path in the corpus, its full path and its text: the entry the
/// one-change cases edit and restore.
fn first_component_file(corpus: &Path) -> Result<(String, PathBuf, String), String> {
    let path = generator::entry_path("component", &first_component(corpus)?, Format::Toml);
    let full = corpus.join(&path);
    let original = std::fs::read_to_string(&full).unwrap_or_default();
    Ok((path, full, original))
}

/// The id of the first component, in file-name order: what `get` looks up.
fn first_component(corpus: &Path) -> Result<String, String> {
    let dir = corpus.join("registry/components");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|item| item.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    names
        .first()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(stem, _)| stem.to_owned())
        .ok_or_else(|| format!("{} has no components", dir.display()))
}

/// A component class the first node provides: what `which` looks up.
fn first_class(corpus: &Path) -> Option<String> {
    let dir = corpus.join("registry/nodes");
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|i| Some(i.ok()?.path()))
        .collect();
    names.sort();
    let text = std::fs::read_to_string(names.first()?).ok()?;
    let start = text.find("Component")?;
    let line_start = text[..start]
        .rfind(['\n', '"', '{', ' '])
        .map_or(0, |i| i + 1);
    Some(text[line_start..start + "Component".len()].to_owned())
}

/// Arguments for the floor: each kind's self-contained schema and its directory.
fn floor_args(corpus: &Path) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    for kind in ["component", "model", "node", "tool", "team"] {
        let bundled = bundle_schema(corpus, kind)?;
        args.push(bundled.to_string_lossy().into_owned());
        args.push(
            corpus
                .join("registry")
                .join(format!("{kind}s"))
                .to_string_lossy()
                .into_owned(),
        );
    }
    Ok(args)
}

/// Writes `KIND.bundled.schema.json` into the corpus's directory under `target/bench/schemas`: the kind's schema with the definitions
/// it takes from `common.schema.json` copied in, so tools that resolve no `$ref` to other
/// files (the floor, the peers) check exactly the same constraints.
pub(crate) fn bundle_schema(corpus: &Path, kind: &str) -> Result<PathBuf, String> {
    let read = |name: &str| -> Result<serde_json::Value, String> {
        let path = corpus.join("schemas").join(name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let mut schema = read(&format!("{kind}.schema.json"))?;
    let common = read("common.schema.json")?;
    rewrite_refs(&mut schema);
    let defs = schema
        .as_object_mut()
        .ok_or("a schema is an object")?
        .entry("$defs")
        .or_insert_with(|| serde_json::json!({}));
    if let (Some(defs), Some(common_defs)) = (defs.as_object_mut(), common["$defs"].as_object()) {
        for (name, def) in common_defs {
            defs.insert(format!("common-{name}"), def.clone());
        }
    }
    let name = corpus
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = corpus.join("../../schemas").join(name);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let out = dir.join(format!("{kind}.bundled.schema.json"));
    let text = serde_json::to_string_pretty(&schema).map_err(|e| e.to_string())?;
    std::fs::write(&out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(out)
}

fn rewrite_refs(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                if key == "$ref"
                    && let Some(target) = member.as_str()
                    && let Some(name) = target.strip_prefix("common.schema.json#/$defs/")
                {
                    *member = serde_json::Value::String(format!("#/$defs/common-{name}"));
                } else {
                    rewrite_refs(member);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// Runs `regctl validate -o json` on a broken corpus and compares what it reported with what
/// the generator broke.
fn check_correctness(
    regctl: &Path,
    corpus: &Path,
    entries: usize,
    scratch: &Path,
) -> Result<Correctness, String> {
    let expected: Vec<Expected> = read_expected(corpus)?;
    let sample = measure::run(
        regctl,
        &["validate".to_owned(), "-o".to_owned(), "json".to_owned()],
        corpus,
        scratch,
    )?;
    let report: serde_json::Value = serde_json::from_slice(&sample.stdout)
        .map_err(|e| format!("regctl validate -o json printed no JSON: {e}"))?;
    let reported: BTreeSet<String> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            format!(
                "{} {}",
                d["file"].as_str().unwrap_or_default(),
                d["code"].as_str().unwrap_or_default()
            )
        })
        .collect();
    let wanted: BTreeSet<String> = expected
        .iter()
        .map(|e| format!("{} {}", e.path, e.code))
        .collect();
    Ok(Correctness {
        entries,
        broken_files: expected.len(),
        missing: wanted.difference(&reported).cloned().collect(),
        unexpected: reported.difference(&wanted).cloned().collect(),
    })
}

pub(crate) fn read_expected(corpus: &Path) -> Result<Vec<Expected>, String> {
    let path = corpus.join(generator::EXPECTED_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn machine(root: &Path, regctl: &Path) -> Machine {
    let output = |program: &Path, args: &[&str]| -> String {
        Command::new(program)
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|line| {
            line.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let os = os_release
        .lines()
        .find_map(|line| line.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let kernel = output(Path::new("uname"), &["-r"]);
    Machine {
        date: output(Path::new("date"), &["-u", "+%Y-%m-%d"]),
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        cpu,
        os: format!("{os} (Linux {kernel})"),
        rustc: output(Path::new("rustc"), &["--version"]),
        regctl: output(regctl, &["--version"]),
        commit: output(Path::new("git"), &["rev-parse", "--short", "HEAD"]),
    }
}

fn ms(value: f64) -> String {
    if value >= 1000.0 {
        format!("{:.2} s", value / 1000.0)
    } else {
        format!("{value:.0} ms")
    }
}

/// The report as Markdown.
fn markdown(report: &BenchReport, options: &BenchOptions) -> String {
    let m = &report.machine;
    let mut out = String::new();
    out.push_str(&format!(
        "Measured on {} at commit `{}`: {} cores, {}, {}; {}; {}.\n\
         Corpora from `cargo xtask gen --seed {SEED}` (example registry kinds, ~84% components); \
         each case ran once to warm up, then {} time(s), and the cases that read every file had \
         the corpus read right before each run. Wall time is the whole process; peak RSS \
         is the process's `ru_maxrss`.\n\n",
        m.date, m.commit, m.cores, m.cpu, m.os, m.rustc, m.regctl, options.iterations
    ));
    out.push_str("| Case | Entries | Format | Median | Min | Max | Peak RSS | Files/s | Target (100k) | Met |\n");
    out.push_str("|---|---:|---|---:|---:|---:|---:|---:|---|---|\n");
    for case in &report.cases {
        let (median, min, max, rss) = case.summary.as_ref().map_or_else(
            || {
                (
                    "–".to_owned(),
                    "–".to_owned(),
                    "–".to_owned(),
                    "–".to_owned(),
                )
            },
            |s| {
                (
                    ms(s.median_ms),
                    ms(s.min_ms),
                    ms(s.max_ms),
                    format!("{:.0} MB", s.max_rss_mb),
                )
            },
        );
        let rate = case
            .files_per_second
            .map_or("–".to_owned(), |r| format!("{r:.0}"));
        let met = match (case.met, &case.note) {
            (_, Some(note)) => note.clone(),
            (Some(true), None) => "yes".to_owned(),
            (Some(false), None) => "**no**".to_owned(),
            (None, None) => String::new(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {median} | {min} | {max} | {rss} | {rate} | {} | {met} |\n",
            case.case,
            case.entries,
            case.format,
            case.target.as_deref().unwrap_or("")
        ));
    }
    if !report.correctness.is_empty() {
        out.push_str("\nCorrectness (`--invalid-rate 0.01`: every broken file must be reported with its code, and nothing else):\n\n");
        for c in &report.correctness {
            if c.missing.is_empty() && c.unexpected.is_empty() {
                out.push_str(&format!(
                    "- {} entries: all {} broken files reported with the expected code, no other error.\n",
                    c.entries, c.broken_files
                ));
            } else {
                out.push_str(&format!(
                    "- {} entries: **{} expected diagnostics missing, {} unexpected** (first missing: {:?}; first unexpected: {:?}).\n",
                    c.entries,
                    c.missing.len(),
                    c.unexpected.len(),
                    c.missing.first(),
                    c.unexpected.first()
                ));
            }
        }
    }
    if let Some(peers) = &report.peers {
        out.push('\n');
        out.push_str(&peers::markdown(peers));
    }
    out
}

/// Replaces the measured part of `docs/benchmarks.md` (between the markers), keeping the
/// hand-written rest.
fn write_docs(path: &Path, table: &str) -> Result<(), String> {
    const BEGIN: &str = "<!-- bench:begin (written by `cargo xtask bench`) -->\n";
    const END: &str = "<!-- bench:end -->\n";
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{BEGIN}{table}{}", &old[..begin], &old[end..])
        }
        _ => format!("# Benchmarks\n\n{BEGIN}{table}{END}{old}"),
    };
    std::fs::write(path, new).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
