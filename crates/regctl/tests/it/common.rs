//! The test context: a temporary registry and a `regctl` command that runs in it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary directory to build a registry in.
pub(crate) struct TestContext {
    dir: tempfile::TempDir,
}

impl TestContext {
    pub(crate) fn new() -> TestContext {
        TestContext {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        }
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `content` at `path` (relative to the root), creating directories.
    pub(crate) fn write(&self, path: &str, content: impl AsRef<[u8]>) -> &TestContext {
        let full = self.root().join(path);
        std::fs::create_dir_all(full.parent().expect("a parent")).expect("create directories");
        std::fs::write(full, content).expect("write file");
        self
    }

    /// Replaces the first `from` in the file at `path` (relative to the root) with `to`;
    /// panics when the file does not contain `from`.
    pub(crate) fn edit(&self, path: &str, from: &str, to: &str) -> &TestContext {
        let full = self.root().join(path);
        let text = std::fs::read_to_string(&full).expect("read");
        assert!(text.contains(from), "{path} lacks {from:?}");
        std::fs::write(full, text.replacen(from, to, 1)).expect("write");
        self
    }

    /// A `regctl` command running in the root, with a clean environment.
    pub(crate) fn command(&self) -> Command {
        regctl_in(self.root())
    }

    /// A minimal registry with one kind, `thing`, whose schema wants `name` and `version`.
    pub(crate) fn with_thing_kind(&self, extra_config: &str) -> &TestContext {
        self.write(
            "regctl.toml",
            format!(
                "[registry]\nname = \"test\"\n\n[kinds.thing]\ndir = \"registry/things\"\nschema = \"schemas/thing.schema.json\"\nid = \"/name\"\nversion = \"/version\"\n{extra_config}"
            ),
        );
        self.write(
            "schemas/thing.schema.json",
            r#"{
  "type": "object",
  "required": ["name", "version"],
  "properties": {
    "name": {"type": "string"},
    "version": {"type": "string", "format": "semver"},
    "email": {"type": "string", "format": "email"}
  },
  "additionalProperties": false
}"#,
        )
    }
}

impl TestContext {
    /// Runs `git` in the root with a fixed identity; panics when git fails.
    pub(crate) fn git(&self, args: &[&str]) -> String {
        let output = Command::new("git")
            .args(args)
            .current_dir(self.root())
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.root())
            .output()
            .expect("run git");
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `git init` on branch `main`, then adds and commits everything with `message`.
    pub(crate) fn git_init(&self, message: &str) {
        self.git(&["init", "-q", "-b", "main"]);
        self.commit(message);
    }

    /// Stages everything and commits it.
    pub(crate) fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }
}

/// Copies the example registry of this repository (config, schemas, entries) into `dest`.
pub(crate) fn copy_example(dest: &Path) {
    let root = repo_root();
    std::fs::copy(root.join("regctl.toml"), dest.join("regctl.toml")).expect("copy regctl.toml");
    for dir in ["schemas", "registry", "examples"] {
        for entry in walk(&root.join(dir)) {
            let relative = entry.strip_prefix(&root).expect("inside the root");
            let target = dest.join(relative);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            std::fs::copy(&entry, target).expect("copy");
        }
    }
}

/// Every file under `dir`, sorted.
pub(crate) fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A `regctl` command running in `dir`, with a clean environment and no colors.
pub(crate) fn regctl_in(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_regctl"));
    command.current_dir(dir).env_clear().env("NO_COLOR", "1");
    command
}

/// The directory of the checked-in fixture registries.
pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The repository root (where the example registry lives).
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the command and returns (exit code, stdout, stderr).
pub(crate) fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().expect("run regctl");
    (
        output.status.code().expect("an exit code"),
        String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    )
}

/// Runs `regctl validate --output json ARGS` and returns the exit code and parsed document.
pub(crate) fn validate_json(command: &mut Command, args: &[&str]) -> (i32, serde_json::Value) {
    let (code, stdout, stderr) = run(command.args(["validate", "--output", "json"]).args(args));
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|err| panic!("not JSON ({err}):\n{stdout}\nstderr:\n{stderr}"));
    (code, json)
}

/// `file:line:column code` for each diagnostic of a JSON report, in report order.
pub(crate) fn positions(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| match (d["line"].as_u64(), d["column"].as_u64()) {
            (Some(line), Some(column)) => format!(
                "{}:{line}:{column} {}",
                d["file"].as_str().unwrap_or("-"),
                d["code"].as_str().unwrap_or("?")
            ),
            _ => format!(
                "{} {}",
                d["file"].as_str().unwrap_or("-"),
                d["code"].as_str().unwrap_or("?")
            ),
        })
        .collect()
}
