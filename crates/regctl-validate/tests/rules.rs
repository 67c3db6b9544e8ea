//! Rule tests: each builds a small registry in a temporary directory, validates it, and
//! compares the diagnostics, one line each, with an inline snapshot.

use regctl_core::config::Config;
use regctl_core::{Severity, Worktree};

const BASE: &str = r#"[registry]
name = "test"

[kinds.thing]
dir = "registry/things"
schema = "schemas/any.json"
id = "/name"
version = "/version"
history = "/history"
"#;

/// Validates a registry made of `BASE` + `extra_config` and `files`, and lists the diagnostics
/// as `file:line:column severity[code] message`.
fn check(extra_config: &str, files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |path: &str, content: &str| {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    };
    write("regctl.toml", &format!("{BASE}{extra_config}"));
    write("schemas/any.json", r#"{"type": "object"}"#);
    for (path, content) in files {
        write(path, content);
    }
    let snapshot = Worktree::new(dir.path()).expect("snapshot");
    let config = Config::load(&snapshot).expect("valid config");
    let report = regctl_validate::validate(&config, &snapshot).expect("validate");
    let mut out = String::new();
    for d in &report.diagnostics {
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let place = match d.position {
            Some(p) => format!(
                "{}:{}:{}",
                d.file.as_deref().unwrap_or("-"),
                p.start.line,
                p.start.column
            ),
            None => d.file.clone().unwrap_or_default(),
        };
        out.push_str(&format!("{place} {severity}[{}] {}\n", d.code, d.message));
    }
    if report.n_suppressed > 0 {
        out.push_str(&format!("({} suppressed)\n", report.n_suppressed));
    }
    out
}

const DEPS: &str = r#"
[[kinds.thing.refs]]
path = "/deps/*"
keys = true
kind = "thing"
req = "/deps/*"
graph = "deps"
"#;

#[test]
fn requirements_skip_yanked_versions_and_prereleases_need_opting_in() {
    let out = check(
        DEPS,
        &[
            (
                "registry/things/app.toml",
                "name = \"app\"\nversion = \"1.0.0\"\n[deps]\nlib = \"^0.3\"\nnext = \"^2\"\nnext2 = \">=2.0.0-rc.1\"\n",
            ),
            (
                "registry/things/lib.toml",
                "name = \"lib\"\nversion = \"0.4.0\"\n[[history]]\nversion = \"0.3.0\"\nyanked = true\n",
            ),
            (
                "registry/things/next.toml",
                "name = \"next\"\nversion = \"2.0.0-rc.1\"\n",
            ),
            (
                "registry/things/next2.toml",
                "name = \"next2\"\nversion = \"2.0.0-rc.1\"\n",
            ),
        ],
    );
    insta::assert_snapshot!(out, @r"
    registry/things/app.toml:4:1 error[ref-unsatisfied] no released version of `thing:lib` satisfies `^0.3`
    registry/things/app.toml:5:1 error[ref-unsatisfied] no released version of `thing:next` satisfies `^2`
    ");
}

#[test]
fn references_to_a_broken_entry_do_not_cascade() {
    let out = check(
        DEPS,
        &[
            (
                "registry/things/app.toml",
                "name = \"app\"\nversion = \"1.0.0\"\n[deps]\nlib = \"^9\"\n",
            ),
            (
                "registry/things/lib.toml",
                "name = \"lib\"\nversion = \"0.4.0\n",
            ),
        ],
    );
    insta::assert_snapshot!(out, @r#"registry/things/lib.toml:2:17 error[parse] invalid TOML: invalid basic string, expected `"`"#);
}

#[test]
fn missing_references_suggest_the_closest_id_and_req_pairs_with_wildcards() {
    let out = check(
        r#"
[[kinds.thing.refs]]
path = "/uses/*/name"
kind = "thing"
req = "/uses/*/req"
"#,
        &[
            (
                "registry/things/app.json",
                r#"{"name": "app", "version": "1.0.0", "uses": [{"name": "tokeniser", "req": "^1"}, {"name": "lib", "req": "not a req"}, {"name": "lib", "req": "^1"}]}"#,
            ),
            (
                "registry/things/tokenizer.toml",
                "name = \"tokenizer\"\nversion = \"1.0.0\"\n",
            ),
            (
                "registry/things/lib.toml",
                "name = \"lib\"\nversion = \"0.1.0\"\n",
            ),
        ],
    );
    insta::assert_snapshot!(out, @r"
    registry/things/app.json:1:55 error[ref-missing] `thing:tokeniser` does not exist (referenced by `/uses/0/name`)
    registry/things/app.json:1:105 error[semver] `not a req` is not a semver requirement: unexpected character 'n' while parsing major version number
    registry/things/app.json:1:128 error[ref-unsatisfied] no released version of `thing:lib` satisfies `^1`
    ");
}

#[test]
fn versions_are_checked_in_the_kinds_scheme() {
    let out = check(
        "version_scheme = \"semver-v\"\n",
        &[
            (
                "registry/things/a.yaml",
                "name: a\nversion: v1.2.0\nhistory:\n  - version: v1.10.0\n  - version: 1.11.0\n",
            ),
            (
                "registry/things/b.yaml",
                "name: b\nversion: v2.0.0\nhistory:\n  - version: v1.0.0\n  - version: v1.0.0\n",
            ),
        ],
    );
    insta::assert_snapshot!(out, @r"
    registry/things/a.yaml:2:10 error[version-order] current version `1.2.0` is not greater than released version `1.10.0`
    registry/things/a.yaml:5:14 error[semver] `1.11.0` must start with `v` (scheme `semver-v`)
    registry/things/b.yaml:5:14 error[version-order] history version `1.0.0` repeats the version before it (`1.0.0`)
    ");
}

#[test]
fn loose_versions_compare_numerically() {
    let out = check(
        "version_scheme = \"loose\"\n",
        &[
            (
                "registry/things/a.toml",
                "name = \"a\"\nversion = \"2024.10\"\n[[history]]\nversion = \"2024.9\"\n",
            ),
            (
                "registry/things/b.toml",
                "name = \"b\"\nversion = \"3.9\"\n[[history]]\nversion = \"3.10\"\n",
            ),
        ],
    );
    insta::assert_snapshot!(out, @"registry/things/b.toml:2:11 error[version-order] current version `3.9` is not greater than released version `3.10`");
}

#[test]
fn the_id_must_be_present_and_a_string() {
    let out = check(
        "",
        &[
            ("registry/things/a.toml", "version = \"1.0.0\"\n"),
            ("registry/things/b.toml", "name = 7\nversion = \"1.0.0\"\n"),
        ],
    );
    insta::assert_snapshot!(out, @r"
    registry/things/a.toml:1:1 error[id-mismatch] the id field `/name` is missing
    registry/things/b.toml:1:8 error[id-mismatch] the id at `/name` must be a string, not a number
    ");
}

#[test]
fn ids_collide_across_case_and_unicode_compatibility_forms() {
    let out = check(
        "",
        &[
            (
                "registry/things/fine.toml",
                "name = \"fine\"\nversion = \"1.0.0\"\n",
            ),
            (
                "registry/things/\u{FB01}ne.toml",
                "name = \"\u{FB01}ne\"\nversion = \"1.0.0\"\n",
            ),
            (
                "registry/things/FINE.json",
                r#"{"name": "FINE", "version": "1.0.0"}"#,
            ),
        ],
    );
    insta::assert_snapshot!(out, @r"
    registry/things/fine.toml:1:8 error[duplicate-id] id `fine` collides with `FINE` in `registry/things/FINE.json`
    registry/things/ﬁne.toml:1:8 error[duplicate-id] id `ﬁne` collides with `FINE` in `registry/things/FINE.json`
    ");
}

#[test]
fn unique_values_are_shared_by_name_and_checked_within_a_file() {
    let out = check(
        r#"
[[kinds.thing.unique]]
name = "hash"
path = "/hash"

[[kinds.thing.unique]]
name = "hash"
path = "/history/*/hash"

[[kinds.thing.unique]]
path = "/classes/*"
"#,
        &[
            (
                "registry/things/a.toml",
                "name = \"a\"\nversion = \"2.0.0\"\nhash = \"h1\"\nclasses = [\"X\", \"Y\", \"X\"]\n",
            ),
            (
                "registry/things/b.toml",
                "name = \"b\"\nversion = \"2.0.0\"\nhash = \"h2\"\n[[history]]\nversion = \"1.0.0\"\nhash = \"h1\"\n",
            ),
        ],
    );
    insta::assert_snapshot!(out, @r"
    registry/things/a.toml:4:22 error[unique] `/classes/*` must be unique across thing entries, but `X` is already used earlier in this file
    registry/things/b.toml:6:8 error[unique] `/history/*/hash` must be unique across thing entries, but `h1` is already used by `thing:a`
    ");
}

#[test]
fn suppressions_cover_cross_file_rules_and_report_bad_codes() {
    let out = check(
        DEPS,
        &[
            (
                "registry/things/a.toml",
                "name = \"a\"\nversion = \"1.0.0\"\n[deps]\nghost = \"^1\"\n[regctl]\nallow = [\"ref-missing\"]\n",
            ),
            (
                "registry/things/b.toml",
                "name = \"b\"\nversion = \"1.0.0\"\n[deps]\nghost = \"^1\"\n[regctl]\nallow = \"ref-missing\"\nwhy = 1\n",
            ),
            (
                "registry/things/c.json",
                r#"{"name": "c", "version": "1.0.0", "regctl": [1]}"#,
            ),
        ],
    );
    insta::assert_snapshot!(out, @r"
    registry/things/b.toml:4:1 error[ref-missing] `thing:ghost` does not exist (referenced by `/deps/ghost`)
    registry/things/b.toml:6:9 warning[invalid-suppression] `allow` must be a list of rule codes
    registry/things/b.toml:7:7 warning[invalid-suppression] unknown key `why` in the `regctl` table
    registry/things/c.json:1:45 warning[invalid-suppression] `regctl` must be a table
    (1 suppressed)
    ");
}

#[test]
fn ranges_pair_wildcards_and_report_bounds_they_cannot_compare() {
    let out = check(
        r#"
[[kinds.thing.ranges]]
min = "/envs/*/min"
max = "/envs/*/max"
"#,
        &[(
            "registry/things/a.toml",
            "name = \"a\"\nversion = \"1.0.0\"\n[envs.py]\nmin = \"3.9\"\nmax = \"3.13\"\n[envs.node]\nmin = \"20\"\nmax = \"18\"\n[envs.go]\nmin = \"1..2\"\nmax = \"1.3\"\n",
        )],
    );
    insta::assert_snapshot!(out, @r"
    registry/things/a.toml:8:7 error[range] `/envs/node/max` (18) is lower than `/envs/node/min` (20)
    registry/things/a.toml:10:7 error[range] cannot compare range bounds: `1..2` is not a dotted version (parts of letters, digits, `-`, `_` or `+`, separated by single dots)
    ");
}

#[test]
fn aliases_name_versions_the_entry_has() {
    let out = check(
        "aliases = \"/aliases\"\n",
        &[(
            "registry/things/a.toml",
            "name = \"a\"\nversion = \"2.0.0\"\nhistory = [{ version = \"1.0.0\" }]\n[aliases]\nstable = \"1.0.0\"\nnext = \"2.0.0\"\nold = \"0.9.0\"\nodd = \"x\"\n",
        )],
    );
    insta::assert_snapshot!(out, @r"
    registry/things/a.toml:7:7 error[alias] alias `old` names version `0.9.0`, which this entry does not have
    registry/things/a.toml:8:7 error[alias] alias `odd` names version `x`, which this entry does not have
    ");
}

#[test]
fn cycles_across_kinds_name_each_entry_by_kind() {
    let out = check(
        r#"
[[kinds.thing.refs]]
path = "/owner"
kind = "team"
graph = "org"

[kinds.team]
dir = "registry/teams"
schema = "schemas/any.json"

[[kinds.team.refs]]
path = "/lead"
kind = "thing"
graph = "org"
"#,
        &[
            (
                "registry/things/a.toml",
                "name = \"a\"\nversion = \"1.0.0\"\nowner = \"t\"\n",
            ),
            ("registry/teams/t.toml", "lead = \"a\"\n"),
        ],
    );
    insta::assert_snapshot!(out, @"registry/teams/t.toml:1:8 error[cycle] `org` cycle: team:t → thing:a → team:t");
}

#[test]
fn acyclic_can_be_turned_off_per_graph() {
    let config = format!("{DEPS}\n[graphs.deps]\nacyclic = false\n");
    let out = check(
        &config,
        &[
            (
                "registry/things/a.toml",
                "name = \"a\"\nversion = \"1.0.0\"\n[deps]\nb = \"^1\"\n",
            ),
            (
                "registry/things/b.toml",
                "name = \"b\"\nversion = \"1.0.0\"\n[deps]\na = \"^1\"\n",
            ),
        ],
    );
    insta::assert_snapshot!(out, @"");
}
