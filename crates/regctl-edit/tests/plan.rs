//! Plans are checked against the registry before writing, and never overwrite a file that
//! changed after it was read.

use regctl_core::{Config, Worktree};
use regctl_edit::ops::{self, Assignment};
use regctl_edit::registry::{self, RegistryError};
use serde_json::json;

fn registry() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |path: &str, text: &str| {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    };
    write(
        "regctl.toml",
        "[registry]\nname = \"t\"\n\n[kinds.thing]\ndir = \"things\"\nschema = \"thing.schema.json\"\nid = \"/name\"\nversion = \"/version\"\n",
    );
    write(
        "thing.schema.json",
        r#"{"type": "object", "required": ["name", "version"], "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "note": {"type": "string"}}, "additionalProperties": false}"#,
    );
    write(
        "things/a.toml",
        "name = \"a\" # the first\nversion = \"1.0.0\"\n",
    );
    dir
}

fn note(text: &str) -> Assignment {
    Assignment {
        path: vec!["note".to_owned()],
        relative: false,
        value: json!(text),
        raw: None,
    }
}

#[test]
fn a_file_changed_after_it_was_read_is_not_overwritten() {
    let dir = registry();
    let snapshot = Worktree::new(dir.path()).expect("worktree");
    let config = Config::load(&snapshot).expect("config");
    let entry = registry::find(&config, &snapshot, None, "a").expect("found");
    let outcome = ops::set(&config, &snapshot, &entry, &[note("from regctl")]).expect("plan");
    assert!(
        registry::check(&config, &snapshot, &outcome.plan)
            .expect("check")
            .is_clean()
    );
    // Someone else edits the file in between.
    let theirs = "name = \"a\"\nversion = \"1.0.1\"\n";
    std::fs::write(dir.path().join("things/a.toml"), theirs).expect("write");
    let err = registry::commit(dir.path(), &outcome.plan).expect_err("conflict");
    assert!(matches!(err, RegistryError::Conflict { .. }), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("things/a.toml")).expect("read"),
        theirs
    );
    // Without interference the same plan writes, keeping the comment.
    std::fs::write(dir.path().join("things/a.toml"), &entry.text).expect("restore");
    registry::commit(dir.path(), &outcome.plan).expect("commit");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("things/a.toml")).expect("read"),
        "name = \"a\" # the first\nversion = \"1.0.0\"\nnote = \"from regctl\"\n"
    );
}

#[test]
fn errors_the_registry_already_had_do_not_block_an_unrelated_edit() {
    let dir = registry();
    std::fs::write(dir.path().join("things/b.toml"), "name = \"b\"\n").expect("write");
    let snapshot = Worktree::new(dir.path()).expect("worktree");
    let config = Config::load(&snapshot).expect("config");
    let entry = registry::find(&config, &snapshot, None, "a").expect("found");
    let outcome = ops::set(&config, &snapshot, &entry, &[note("ok")]).expect("plan");
    let verdict = registry::check(&config, &snapshot, &outcome.plan).expect("check");
    assert!(verdict.report.errors() > 0, "b is missing its version");
    assert!(verdict.is_clean(), "but that is not this edit's doing");
    // An edit of the broken entry itself is judged on the result.
    let broken = registry::find(&config, &snapshot, None, "b").expect("found");
    let outcome = ops::set(&config, &snapshot, &broken, &[note("still broken")]).expect("plan");
    assert!(
        !registry::check(&config, &snapshot, &outcome.plan)
            .expect("check")
            .is_clean()
    );
}
