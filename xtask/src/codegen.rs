//! `cargo xtask codegen`: regenerates committed files: `docs/rules.md`, the published index of
//! the sibling example registry (`examples/state-hub/index`) and the golden index of the example
//! registry, federation included (`crates/regctl/tests/golden/example-index`).

use std::path::Path;

use crate::repo_root;

/// What `codegen` does with files that are not fresh.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub(crate) enum Mode {
    /// Rewrite them.
    Write,
    /// Fail, naming them.
    Check,
    /// Print what would change.
    DryRun,
}

pub(crate) fn codegen(mode: Mode) -> Result<(), String> {
    let root = repo_root();
    ensure_file(
        &root.join("docs/rules.md"),
        &regctl_core::code::rules_markdown(),
        mode,
    )?;
    let sibling = index_of(&root.join(SIBLING))?;
    ensure_dir(&root.join(SIBLING).join("index"), &sibling.files, mode)?;
    let index = example_index(&root)?;
    ensure_dir(&root.join(GOLDEN_INDEX), &index.files, mode)
}

/// Where the golden copy of the example registry's index lives.
const GOLDEN_INDEX: &str = "crates/regctl/tests/golden/example-index";
/// The sibling registry the example federates.
const SIBLING: &str = "examples/state-hub";

/// The local index of the registry at `root`, without a source commit so it does not change
/// with every commit.
fn index_of(root: &Path) -> Result<regctl_compose::Index, String> {
    let snapshot = regctl_core::Worktree::new(root).map_err(|e| e.to_string())?;
    let config = regctl_core::Config::load(&snapshot).map_err(|e| e.to_string())?;
    let mut validated =
        regctl_validate::validate_visiting(&config, &snapshot, regctl_compose::prepare)
            .map_err(|e| e.to_string())?;
    if validated.report.errors() > 0 {
        return Err(format!(
            "{} does not validate; run `cargo run -- validate {}`",
            root.display(),
            root.display()
        ));
    }
    Ok(regctl_compose::build(
        &config,
        &mut validated,
        &regctl_compose::Source::default(),
    ))
}

/// The index of this repository's example registry with its federated sources, as
/// `regctl compose` writes it (its sources are local paths, so no network is used).
fn example_index(root: &Path) -> Result<regctl_compose::Index, String> {
    let snapshot = regctl_core::Worktree::new(root).map_err(|e| e.to_string())?;
    let config = regctl_core::Config::load(&snapshot).map_err(|e| e.to_string())?;
    let mut validated =
        regctl_validate::validate_visiting(&config, &snapshot, regctl_compose::prepare)
            .map_err(|e| e.to_string())?;
    let (source_kind, _) = config
        .kind(regctl_core::config::SOURCE_KIND)
        .ok_or("no source kind")?;
    let specs: Vec<regctl_federation::SourceSpec> = validated
        .entries
        .iter()
        .zip(&validated.visits)
        .filter(|(entry, _)| entry.kind == source_kind)
        .filter_map(|(_, prepared)| {
            let document: serde_json::Value =
                serde_json::from_str(prepared.as_ref()?.document()?.get()).ok()?;
            regctl_federation::SourceSpec::from_document(&document).ok()
        })
        .collect();
    let index = regctl_compose::build(&config, &mut validated, &regctl_compose::Source::default());
    let options = regctl_federation::FetchOptions {
        root: root.to_path_buf(),
        cache_dir: std::env::temp_dir().join("regctl-xtask-cache"),
        mode: regctl_federation::FetchMode::Normal,
        timeout: std::time::Duration::from_secs(5),
        max_file_bytes: config.federation.max_file_bytes,
        now: 0,
    };
    let fetched = regctl_federation::fetch_all(&specs, &options);
    let (files, _) = regctl_federation::federate(&config.name, &index.files, &fetched);
    Ok(index.with_files(files))
}

/// Makes `dir` hold exactly `files` (path -> bytes).
fn ensure_dir(
    dir: &Path,
    files: &std::collections::BTreeMap<String, Vec<u8>>,
    mode: Mode,
) -> Result<(), String> {
    let existing = regctl_compose::write::files_in(dir).map_err(|e| e.to_string())?;
    let stale: Vec<&String> = existing
        .iter()
        .filter(|path| !files.contains_key(*path))
        .collect();
    let changed: Vec<&String> = files
        .iter()
        .filter(|(path, bytes)| std::fs::read(dir.join(path)).ok().as_ref() != Some(*bytes))
        .map(|(path, _)| path)
        .collect();
    if stale.is_empty() && changed.is_empty() {
        return Ok(());
    }
    match mode {
        Mode::Check => Err(format!(
            "{} is stale ({} changed, {} extra); run `cargo xtask codegen`",
            dir.display(),
            changed.len(),
            stale.len()
        )),
        Mode::DryRun => {
            for path in changed {
                println!("would write {path}");
            }
            for path in stale {
                println!("would remove {path}");
            }
            Ok(())
        }
        Mode::Write => {
            for path in changed {
                let full = dir.join(path);
                std::fs::create_dir_all(full.parent().expect("a file has a parent"))
                    .and_then(|()| std::fs::write(&full, &files[path]))
                    .map_err(|err| format!("cannot write {}: {err}", full.display()))?;
            }
            for path in stale {
                std::fs::remove_file(dir.join(path))
                    .map_err(|err| format!("cannot remove {path}: {err}"))?;
            }
            eprintln!("wrote {}", dir.display());
            Ok(())
        }
    }
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
