//! `cargo xtask bench --peers`: the schema checkers a user would otherwise pick, run on the same
//! generated component files and schema as regctl, in the same run.
//!
//! The peers are installed (if missing) into `target/bench/peers`, never system-wide: a Python
//! virtual environment with `check-jsonschema` and `taplo`, and an npm prefix with `ajv-cli` and
//! `ajv-formats`. Each is fed by its own globbing or by `xargs`, since tens of thousands of paths
//! exceed the argument-list limit.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use regctl_core::document::Format;
use serde::Serialize;

use crate::bench::{self, Binaries, CaseResult, Shape};

/// What the peers run measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PeerReport {
    pub(crate) entries: usize,
    pub(crate) component_files: usize,
    /// regctl and the floor on the same corpus, for the ratios.
    pub(crate) regctl: Vec<CaseResult>,
    pub(crate) peers: Vec<PeerResult>,
}

/// One peer's time and what it caught.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PeerResult {
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) input: String,
    pub(crate) result: CaseResult,
    /// Peer time per file over regctl's schema-only time per file on the same format.
    pub(crate) ratio_to_regctl_schema: Option<f64>,
    /// Peer time per file over regctl's full validation time per file.
    pub(crate) ratio_to_regctl_full: Option<f64>,
    /// Broken files (by breakage) the peer did not flag.
    pub(crate) missed: BTreeMap<String, usize>,
    /// Files the peer flagged that were not broken.
    pub(crate) false_alarms: usize,
}

pub(crate) fn run(
    binaries: &Binaries,
    work: &Path,
    entries: usize,
    iterations: usize,
    scratch: &Path,
) -> Result<PeerReport, String> {
    let tools = install(&work.join("peers"))?;
    let toml = bench::corpus(binaries, work, entries, Format::Toml, 0.01, 0)?;
    let json = bench::corpus(binaries, work, entries, Format::Json, 0.01, 0)?;
    let expected = bench::read_expected(&toml)?;
    let component_files = std::fs::read_dir(toml.join("registry/components"))
        .map(|read| read.count())
        .unwrap_or(0);
    let files = bench::count_files(&toml);
    // Slow peers take tens of seconds a run: a warm-up and at most two timed runs.
    let peer_iterations = iterations.clamp(1, 2);

    let mut regctl = Vec::new();
    for (corpus, format) in [(&toml, Format::Toml), (&json, Format::Json)] {
        for (case, args) in [
            (
                "regctl validate (all rules)",
                vec!["validate", "--max-diagnostics", "0"],
            ),
            (
                "regctl validate --select schema",
                vec!["validate", "--select", "schema", "--max-diagnostics", "0"],
            ),
        ] {
            regctl.push(bench::timed(
                &binaries.regctl,
                &args,
                corpus,
                scratch,
                iterations,
                Shape::new(case, entries, format, files).expect(2),
            ));
        }
    }
    let schema = bench::bundle_schema(&toml, "component")?;
    let schema_json = bench::bundle_schema(&json, "component")?;
    let floor_args = [
        schema.to_string_lossy().into_owned(),
        "registry/components".to_owned(),
    ];
    let floor_args: Vec<&str> = floor_args.iter().map(String::as_str).collect();
    regctl.push(bench::timed(
        &binaries.floor,
        &floor_args,
        &toml,
        scratch,
        iterations,
        Shape::new(
            "floor: parse + schema, components only",
            entries,
            Format::Toml,
            component_files,
        )
        .expect(0),
    ));

    let schema = schema.to_string_lossy().into_owned();
    let schema_json = schema_json.to_string_lossy().into_owned();
    let taplo_schema = format!("file://{schema}");
    let runs = [
        PeerRun {
            tool: "taplo check",
            corpus: &toml,
            format: Format::Toml,
            args: vec![
                "check".into(),
                "--schema".into(),
                taplo_schema,
                "registry/components/*.toml".into(),
            ],
            program: &tools.taplo,
            flags_line: |_| true,
        },
        PeerRun {
            tool: "check-jsonschema",
            corpus: &toml,
            format: Format::Toml,
            args: vec![
                "-c".into(),
                format!(
                    "find registry/components -name '*.toml' -print0 | xargs -0 '{}' --schemafile '{schema}'",
                    tools.check_jsonschema.display()
                ),
            ],
            program: &tools.sh,
            flags_line: |_| true,
        },
        PeerRun {
            tool: "ajv-cli (JSON files)",
            corpus: &json,
            format: Format::Json,
            args: vec![
                "validate".into(),
                "--spec=draft2020".into(),
                "--strict=false".into(),
                "--all-errors".into(),
                "-c".into(),
                "ajv-formats".into(),
                "-s".into(),
                schema_json,
                "-d".into(),
                "registry/components/*.json".into(),
            ],
            program: &tools.ajv,
            // ajv prints `FILE valid` for every good file and `FILE invalid` for bad ones.
            flags_line: |line| line.contains(" invalid"),
        },
    ];
    let mut peers = Vec::new();
    for PeerRun {
        tool,
        corpus,
        format,
        args,
        program,
        flags_line,
    } in runs
    {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let result = bench::timed(
            program,
            &args,
            corpus,
            scratch,
            peer_iterations,
            Shape::new(tool, entries, format, component_files),
        );
        // The last run's output says what the peer flagged.
        let flagged = flagged_files(&result.last_output, flags_line);
        let ext = if format == Format::Json {
            "json"
        } else {
            "toml"
        };
        let mut missed = BTreeMap::new();
        let mut broken = BTreeSet::new();
        for e in &expected {
            let stem = e.path.rsplit_once('.').map_or(e.path.as_str(), |(s, _)| s);
            let path = format!("{stem}.{ext}");
            if !flagged.contains(&path) {
                *missed.entry(e.breakage.clone()).or_insert(0) += 1;
            }
            broken.insert(path);
        }
        let false_alarms = flagged.difference(&broken).count();
        let per_file = |case: &CaseResult| {
            case.summary
                .as_ref()
                .map(|s| s.median_ms / case.files.max(1) as f64)
        };
        let format_name = format.as_str().to_ascii_lowercase();
        let regctl_case = |name: &str| {
            regctl
                .iter()
                .find(|c| c.case == name && c.format == format_name)
                .and_then(per_file)
        };
        let ratio = |name: &str| Some(per_file(&result)? / regctl_case(name)?);
        peers.push(PeerResult {
            tool: tool.to_owned(),
            version: version_of(tool, &tools),
            input: format!("{component_files} {} component files", format.as_str()),
            ratio_to_regctl_schema: ratio("regctl validate --select schema"),
            ratio_to_regctl_full: ratio("regctl validate (all rules)"),
            result,
            missed,
            false_alarms,
        });
    }
    Ok(PeerReport {
        entries,
        component_files,
        regctl,
        peers,
    })
}

/// How one peer is run on the corpus.
struct PeerRun<'a> {
    tool: &'static str,
    corpus: &'a Path,
    format: Format,
    args: Vec<String>,
    program: &'a Path,
    /// Whether a line of the peer's output reports a problem (and so names a flagged file).
    flags_line: fn(&str) -> bool,
}

/// Component files named in a peer's output, on lines `flags_line` accepts.
fn flagged_files(output: &str, flags_line: fn(&str) -> bool) -> BTreeSet<String> {
    const DIR: &str = "registry/components/";
    let mut flagged = BTreeSet::new();
    for line in output.lines().filter(|line| flags_line(line)) {
        let mut rest = line;
        while let Some(at) = rest.find(DIR) {
            let tail = &rest[at + DIR.len()..];
            let len = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
                .unwrap_or(tail.len());
            flagged.insert(format!("{DIR}{}", &tail[..len]));
            rest = &tail[len..];
        }
    }
    flagged
}

/// Where the installed peers are.
struct Tools {
    taplo: PathBuf,
    check_jsonschema: PathBuf,
    ajv: PathBuf,
    sh: PathBuf,
    dir: PathBuf,
}

/// Installs the peers into `dir` unless they are there already.
fn install(dir: &Path) -> Result<Tools, String> {
    let venv = dir.join("venv");
    let npm = dir.join("npm");
    let tools = Tools {
        taplo: venv.join("bin/taplo"),
        check_jsonschema: venv.join("bin/check-jsonschema"),
        ajv: npm.join("node_modules/.bin/ajv"),
        sh: PathBuf::from("/bin/sh"),
        dir: dir.to_path_buf(),
    };
    let run = |program: &str, args: &[&str]| -> Result<(), String> {
        eprintln!("installing peers: {program} {}", args.join(" "));
        let status = Command::new(program)
            .args(args)
            .status()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{program} {} failed", args.join(" ")))
        }
    };
    if !tools.taplo.exists() || !tools.check_jsonschema.exists() {
        let venv_text = venv.to_string_lossy();
        run("python3", &["-m", "venv", &venv_text])?;
        let pip = venv.join("bin/pip");
        run(
            &pip.to_string_lossy(),
            &[
                "install",
                "--quiet",
                "taplo==0.9.3",
                "check-jsonschema==0.39.0",
            ],
        )?;
    }
    if !tools.ajv.exists() {
        std::fs::create_dir_all(&npm).map_err(|e| e.to_string())?;
        let prefix = npm.to_string_lossy();
        run(
            "npm",
            &[
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                &prefix,
                "ajv-cli@5.0.0",
                "ajv-formats@3.0.1",
            ],
        )?;
    }
    Ok(tools)
}

fn version_of(tool: &str, tools: &Tools) -> String {
    let (program, args): (&Path, &[&str]) = match tool {
        "taplo check" => (&tools.taplo, &["--version"]),
        "check-jsonschema" => (&tools.check_jsonschema, &["--version"]),
        _ => {
            let package = tools.dir.join("npm/node_modules/ajv-cli/package.json");
            let version = std::fs::read_to_string(package)
                .ok()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|v| v["version"].as_str().map(str::to_owned))
                .unwrap_or_default();
            return format!("ajv-cli {version}");
        }
    };
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The peers section of the Markdown report.
pub(crate) fn markdown(report: &PeerReport) -> String {
    let mut out = format!(
        "### Peers ({} entries, {} component files, 1% broken)\n\n",
        report.entries, report.component_files
    );
    out.push_str("regctl checks every file of the registry; the peers check only the component files, so ratios compare time per file. The schema is the component schema with its shared definitions copied in (`component.bundled.schema.json`).\n\n");
    out.push_str("| Tool | Input | Median | Peak RSS | Files/s | Per file vs regctl schema-only | vs regctl full | Broken files missed | False alarms |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---|---:|\n");
    for case in &report.regctl {
        let (median, rss, rate) = case.cells();
        let note = case.note.clone().unwrap_or_default();
        out.push_str(&format!(
            "| {} | {} {} files | {median} | {rss} | {rate} | | | {note} | |\n",
            case.case, case.files, case.format
        ));
    }
    for peer in &report.peers {
        let case = &peer.result;
        let (median, rss, rate) = case.cells();
        let ratio = |r: Option<f64>| r.map_or("–".to_owned(), |r| format!("{r:.1}×"));
        let missed = if peer.missed.is_empty() {
            "none".to_owned()
        } else {
            peer.missed
                .iter()
                .map(|(breakage, n)| format!("{n} {breakage}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let note = case
            .note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "| {} ({}) | {} | {median} | {rss} | {rate} | {} | {} | {missed}{note} | {} |\n",
            peer.tool,
            peer.version,
            peer.input,
            ratio(peer.ratio_to_regctl_schema),
            ratio(peer.ratio_to_regctl_full),
            peer.false_alarms
        ));
    }
    out.push_str("\n`missing-reference` needs the other files and `bad-semver` uses regctl's `semver` format, so no schema-only tool can see them; a peer that misses any other breakage skips a check the schema asks for, and is faster for a wrong reason.\n");
    out
}
