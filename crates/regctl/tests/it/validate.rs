//! `regctl validate` end to end: exit codes, output formats, flags and bad input.

use std::process::Stdio;

use crate::common::{TestContext, positions, repo_root, run, validate_json};

#[test]
fn the_example_registry_is_valid() {
    let (code, stdout, stderr) = run(crate::common::regctl_in(&repo_root()).arg("validate"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("no problems found"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn the_example_registry_exercises_every_kind() {
    let (code, json) = validate_json(&mut crate::common::regctl_in(&repo_root()), &[]);
    assert_eq!(code, 0);
    assert!(json["summary"]["entries"].as_u64() >= Some(15), "{json}");
    assert_eq!(json["summary"]["files"], json["summary"]["entries"]);
}

#[test]
fn json_output_is_a_stable_document() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("")
        .write(
            "registry/things/a.toml",
            "name = \"a\"\nversion = \"1.0\"\nemail = \"nope\"\n",
        )
        .write(
            "registry/things/b.yaml",
            "name: b\nversion: 2.0.0\ncolour: red\n",
        );
    let (code, stdout, stderr) = run(ctx.command().args(["validate", "--output", "json"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("MetadataValidationError: 3 errors in 2 files (schema)"),
        "{stderr}"
    );
    insta::assert_snapshot!(stdout);
}

#[test]
fn warnings_alone_exit_zero_and_levels_can_be_raised_or_lowered() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("")
        .write(
            "registry/things/a.toml",
            "name = \"a\"\nversion = \"1.0.0\"\n",
        )
        .write("registry/things/notes.txt", "not a descriptor");
    let (code, stdout, stderr) = run(ctx.command().arg("validate"));
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("[unclaimed-file]") && stdout.contains("1 warning"),
        "{stdout}"
    );
    assert!(stderr.is_empty());

    ctx.with_thing_kind("\n[rules]\nunclaimed-file = \"deny\"\n");
    let (code, _, stderr) = run(ctx.command().arg("validate"));
    assert_eq!(code, 2);
    assert!(stderr.contains("unclaimed-file"), "{stderr}");

    ctx.with_thing_kind("\n[rules]\nunclaimed-file = \"allow\"\n");
    let (code, stdout, _) = run(ctx.command().arg("validate"));
    assert_eq!(code, 0);
    assert!(stdout.contains("no problems found"), "{stdout}");
}

#[test]
fn a_descriptor_can_suppress_a_rule_for_itself() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("\n[[kinds.thing.ranges]]\nmin = \"/min\"\nmax = \"/max\"\n");
    ctx.write(
        "schemas/thing.schema.json",
        r#"{"type": "object", "additionalProperties": false, "properties": {"name": {}, "version": {}, "min": {}, "max": {}}}"#,
    );
    ctx.write(
        "registry/things/a.toml",
        "name = \"a\"\nversion = \"1.0.0\"\nmin = \"3.13\"\nmax = \"3.10\"\n\n[regctl]\nallow = [\"range\"]\nreason = \"tested\"\n",
    );
    let (code, json) = validate_json(&mut ctx.command(), &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["summary"]["suppressed"], 1);
    // Without the suppression (which the strict schema never sees) the range is an error.
    ctx.write(
        "registry/things/a.toml",
        "name = \"a\"\nversion = \"1.0.0\"\nmin = \"3.13\"\nmax = \"3.10\"\n",
    );
    let (code, json) = validate_json(&mut ctx.command(), &[]);
    assert_eq!(code, 2);
    assert_eq!(positions(&json), ["registry/things/a.toml:4:7 range"]);
}

#[test]
fn bad_flags_are_usage_errors() {
    let ctx = TestContext::new();
    for args in [
        &["validate", "--output", "xml"][..],
        &["validate", "--no-such-flag"],
        &["no-such-command"],
        &[],
    ] {
        let (code, _, stderr) = run(ctx.command().args(args));
        assert_eq!(code, 64, "{args:?}: {stderr}");
        assert!(!stderr.is_empty());
    }
    let (code, stdout, _) = run(ctx.command().arg("--help"));
    assert_eq!(code, 0);
    assert!(stdout.contains("validate"));
    let (code, stdout, _) = run(ctx.command().arg("--version"));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("regctl "));
}

#[test]
fn no_registry_or_missing_path_cannot_run() {
    let ctx = TestContext::new();
    let (code, stdout, stderr) = run(ctx.command().arg("validate"));
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(stderr.contains("could not find `regctl.toml`"), "{stderr}");
    let (code, _, stderr) = run(ctx.command().args(["validate", "nowhere"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("`nowhere` does not exist"), "{stderr}");
}

#[test]
fn an_invalid_schema_is_a_config_error() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("")
        .write("schemas/thing.schema.json", r#"{"type": 12}"#);
    let (code, _, stderr) = run(ctx.command().arg("validate"));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("is not a valid JSON Schema") && stderr.contains("[regctl.toml:6:10]"),
        "{stderr}"
    );
    ctx.write("schemas/thing.schema.json", "{ not json");
    let (code, _, stderr) = run(ctx.command().arg("validate"));
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot be read: 1:3"), "{stderr}");
}

#[test]
fn local_refs_resolve_and_remote_refs_are_refused() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("")
        .write(
            "schemas/defs.json",
            r#"{"$defs": {"name": {"type": "string", "minLength": 3}}}"#,
        )
        .write(
            "schemas/thing.schema.json",
            r#"{"type": "object", "properties": {"name": {"$ref": "defs.json#/$defs/name"}}}"#,
        )
        .write(
            "registry/things/ab.toml",
            "name = \"ab\"\nversion = \"1.0.0\"\n",
        );
    let (code, json) = validate_json(&mut ctx.command(), &[]);
    assert_eq!(code, 2, "{json}");
    assert_eq!(positions(&json), ["registry/things/ab.toml:1:8 schema"]);

    ctx.write(
        "schemas/thing.schema.json",
        r#"{"type": "object", "properties": {"name": {"$ref": "https://example.com/name.json"}}}"#,
    );
    let (code, _, stderr) = run(ctx.command().arg("validate"));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("never fetches schemas over the network"),
        "{stderr}"
    );
}

#[test]
fn a_file_path_reports_only_that_file() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("")
        .write("registry/things/a.toml", "name = \"a\"\nversion = \"x\"\n")
        .write("registry/things/b.toml", "name = \"b\"\nversion = \"y\"\n");
    let (code, json) = validate_json(&mut ctx.command(), &["registry/things/b.toml"]);
    assert_eq!(code, 2);
    assert_eq!(positions(&json), ["registry/things/b.toml:2:11 schema"]);
    // From a subdirectory, the registry is found by walking up.
    let (code, json) = validate_json(
        ctx.command()
            .current_dir(ctx.root().join("registry/things")),
        &[],
    );
    assert_eq!(code, 2);
    assert_eq!(json["summary"]["errors"], 2);
}

#[test]
fn max_diagnostics_and_quiet_limit_what_is_shown_not_what_is_counted() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("");
    for i in 0..5 {
        ctx.write(
            &format!("registry/things/t{i}.toml"),
            format!("name = \"t{i}\"\nversion = \"bad\"\n"),
        );
    }
    ctx.write("registry/things/stray.txt", "");
    let (code, json) = validate_json(&mut ctx.command(), &["--max-diagnostics", "2"]);
    assert_eq!(code, 2);
    assert_eq!(json["diagnostics"].as_array().map(Vec::len), Some(2));
    assert_eq!(json["summary"]["errors"], 5);
    assert_eq!(json["summary"]["warnings"], 1);
    let (_, stdout, _) = run(ctx.command().args(["validate", "--max-diagnostics", "1"]));
    assert!(stdout.contains("… and 5 more diagnostics"), "{stdout}");
    let (code, stdout, stderr) = run(ctx.command().args(["validate", "--quiet"]));
    assert_eq!(code, 2);
    assert!(
        !stdout.contains("[unclaimed-file]") && !stdout.contains("Checked"),
        "{stdout}"
    );
    assert!(
        stderr.contains("MetadataValidationError: 5 errors"),
        "{stderr}"
    );
}

#[test]
fn a_thousand_broken_files_are_all_reported_in_one_run() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("");
    let breakages: [(&str, &str, &str); 5] = [
        ("toml", "name = \"{id}\"\nversion = \"1.0.0\n", "parse"),
        (
            "json",
            "{\"name\": \"{id}\", \"version\": \"1.0.0\",}",
            "parse",
        ),
        ("yaml", "name: {id}\nversion: [1.0.0\n", "parse"),
        ("toml", "name = \"{id}\"\nversion = \"one\"\n", "schema"),
        (
            "yaml",
            "name: {id}\nversion: 1.0.0\nextra: true\n",
            "schema",
        ),
    ];
    for i in 0..1000 {
        let (ext, template, _) = breakages[i % breakages.len()];
        let id = format!("e{i:04}");
        ctx.write(
            &format!("registry/things/{id}.{ext}"),
            template.replace("{id}", &id),
        );
    }
    ctx.write("registry/things/z.toml", [0xff, 0xfe, 0x00]);
    let (code, json) = validate_json(&mut ctx.command(), &[]);
    assert_eq!(code, 2);
    assert_eq!(json["summary"]["files"], 1001);
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    let mut files: Vec<&str> = diagnostics
        .iter()
        .filter_map(|d| d["file"].as_str())
        .collect();
    files.dedup();
    assert_eq!(files.len(), 1001, "every file has its diagnostic");
    assert!(
        diagnostics.iter().all(|d| d["line"].is_u64()),
        "every diagnostic has a position"
    );
}

#[test]
fn huge_and_deeply_nested_files_are_refused_without_crashing() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("\n[limits]\nmax_file_bytes = 300000\n");
    ctx.write(
        "registry/things/big.toml",
        format!(
            "name = \"big\"\nversion = \"1.0.0\"\n# {}\n",
            "x".repeat(400_000)
        ),
    );
    let deep = 100_000;
    ctx.write(
        "registry/things/deep.json",
        format!("{}{}", "[".repeat(deep), "]".repeat(deep)),
    );
    ctx.write(
        "registry/things/deep2.yaml",
        format!("a: {}1{}", "[".repeat(deep), "]".repeat(deep)).replace("a: ", "a:\n  - "),
    );
    ctx.write(
        "registry/things/deep3.toml",
        format!("a = {}1{}", "[".repeat(1000), "]".repeat(1000)),
    );
    let (code, json) = validate_json(&mut ctx.command(), &[]);
    assert_eq!(code, 2);
    let mut found = positions(&json);
    found.sort();
    // YAML's scanner stops at its own limit, a little past ours; the column is its own.
    let yaml = found.remove(2);
    assert!(
        yaml.starts_with("registry/things/deep2.yaml:2:") && yaml.ends_with(" too-deep"),
        "{yaml}"
    );
    assert_eq!(
        found,
        [
            "registry/things/big.toml too-large",
            "registry/things/deep.json:1:65 too-deep",
            "registry/things/deep3.toml:1:85 too-deep",
        ]
    );
}

#[test]
fn a_long_line_is_shown_cut_around_each_label() {
    // A minified JSON descriptor is one long line; each snippet shows only the part of it
    // around its own label, with the true line and column in its header.
    let ctx = TestContext::new();
    ctx.with_thing_kind("").write(
        "registry/things/m.json",
        format!(
            r#"{{"name":"m","version":"one","email":"{}","colour":"red"}}"#,
            "x".repeat(300)
        ),
    );
    let (code, stdout, stderr) = run(ctx.command().args(["--color", "never", "validate"]));
    assert_eq!(code, 2, "{stderr}");
    for line in stdout.lines() {
        assert!(
            line.chars().count() <= 110,
            "a line of {} chars: {line}",
            line.len()
        );
    }
    insta::assert_snapshot!(stdout);
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_registry_are_not_followed() {
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        outside.path().join("secret.toml"),
        "name = \"secret\"\nversion = \"bad\"\n",
    )
    .expect("write");
    let ctx = TestContext::new();
    ctx.with_thing_kind("").write(
        "registry/things/a.toml",
        "name = \"a\"\nversion = \"1.0.0\"\n",
    );
    std::fs::create_dir_all(ctx.root().join("registry/things")).expect("dir");
    std::os::unix::fs::symlink(
        outside.path().join("secret.toml"),
        ctx.root().join("registry/things/secret.toml"),
    )
    .expect("link");
    std::os::unix::fs::symlink(
        ctx.root().join("registry/things/a.toml"),
        ctx.root().join("registry/things/alias.toml"),
    )
    .expect("link");
    let (code, json) = validate_json(&mut ctx.command(), &[]);
    assert_eq!(code, 2, "{json}");
    // The escaping link is reported, not read; the inside link is read (and its id mismatches).
    assert_eq!(
        positions(&json),
        [
            "registry/things/alias.toml:1:8 id-mismatch",
            "registry/things/secret.toml symlink"
        ]
    );
}

/// A reader that stops early (`regctl validate | head`) is no error, but the verdict stands:
/// under `set -o pipefail` such a pipeline fails on an invalid registry and passes on a valid
/// one. The output is larger than a pipe holds, so the write fails whenever the reader goes.
#[test]
fn a_closed_pipe_is_not_an_error_and_keeps_the_verdict() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("");
    for i in 0..300 {
        ctx.write(
            &format!("registry/things/t{i}.toml"),
            format!("name = \"t{i}\"\nversion = \"bad\"\n"),
        );
    }
    let closed_early = |args: &[&str]| {
        let mut child = ctx
            .command()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("wait");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = closed_early(&["validate"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(stderr.contains("MetadataValidationError"), "{stderr}");
    let (code, stderr) = closed_early(&["validate", "--output", "json"]);
    assert_eq!(code, Some(2), "{stderr}");
    for i in 0..300 {
        ctx.write(
            &format!("registry/things/t{i}.toml"),
            format!("name = \"t{i}\"\nversion = \"1.0.{i}\"\n"),
        );
    }
    let (code, stderr) = closed_early(&["ls", "--output", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn colors_only_when_asked_or_on_a_terminal() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("").write(
        "registry/things/a.toml",
        "name = \"a\"\nversion = \"bad\"\n",
    );
    let (_, plain, _) = run(ctx.command().arg("validate"));
    assert!(!plain.contains('\u{1b}'), "{plain}");
    let (_, colored, _) = run(ctx.command().args(["validate", "--color", "always"]));
    assert!(colored.contains('\u{1b}'), "{colored}");
    let (_, never, _) = run(ctx
        .command()
        .args(["validate", "--color", "never"])
        .env("REGCTL_COLOR", "always"));
    assert!(!never.contains('\u{1b}'), "{never}");
}

#[test]
fn select_runs_only_the_named_rules() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("")
        .write(
            "registry/things/a.toml",
            "name = \"a\"\nversion = \"1.0.0\"\nemail = \"nope\"\n",
        )
        .write(
            "registry/things/b.toml",
            "name = \"c\"\nversion = \"1.x\"\n",
        )
        .write("registry/things/broken.toml", "name = \n");
    let codes = |args: &[&str]| {
        let (code, json) = validate_json(&mut ctx.command(), args);
        let mut codes: Vec<String> = json["diagnostics"]
            .as_array()
            .expect("diagnostics is an array")
            .iter()
            .map(|d| d["code"].as_str().expect("a code").to_owned())
            .collect();
        codes.sort();
        (code, codes)
    };
    let owned = |codes: &[&str]| codes.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        codes(&[]),
        (2, owned(&["id-mismatch", "parse", "schema", "schema"]))
    );
    // Parse errors always count: a file that cannot be parsed cannot be checked.
    assert_eq!(
        codes(&["--select", "schema"]),
        (2, owned(&["parse", "schema", "schema"]))
    );
    assert_eq!(
        codes(&["--select", "id-mismatch,unique"]),
        (2, owned(&["id-mismatch", "parse"]))
    );

    let (code, stdout, stderr) = run(ctx.command().args(["validate", "--select", "shema"]));
    assert_eq!(code, 64, "{stdout}");
    assert!(stderr.contains("did you mean `schema`"), "{stderr}");
}

#[test]
fn a_merge_conflict_left_in_a_file_is_named_as_such() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("")
        .write(
            "registry/things/a.toml",
            "name = \"a\"\n<<<<<<< HEAD\nversion = \"1.0.0\"\n=======\nversion = \"1.1.0\"\n>>>>>>> other\n",
        )
        .write(
            "registry/things/b.json",
            "{\n  \"name\": \"b\",\n<<<<<<< HEAD\n  \"version\": \"1.0.0\"\n=======\n  \"version\": \"2.0.0\"\n>>>>>>> other\n}\n",
        )
        .write(
            "registry/things/c.yaml",
            "name: c\n<<<<<<< HEAD\nversion: 1.0.0\n=======\nversion: 1.1.0\n>>>>>>> other\n",
        )
        // A marker that opens nothing git would close is not taken for a conflict.
        .write(
            "registry/things/d.toml",
            "name = \"d\"\n<<<<<<< HEAD\nversion = \"1.0.0\"\n",
        );
    let (code, json) = validate_json(&mut ctx.command(), &[]);
    assert_eq!(code, 2);
    let messages: Vec<(String, &str)> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                format!(
                    "{}:{}:{}",
                    d["file"].as_str().unwrap_or_default(),
                    d["line"],
                    d["column"]
                ),
                d["message"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let conflict = "the file has an unresolved merge conflict";
    assert_eq!(
        messages[..3],
        [
            ("registry/things/a.toml:2:1".to_owned(), conflict),
            ("registry/things/b.json:3:1".to_owned(), conflict),
            ("registry/things/c.yaml:2:1".to_owned(), conflict),
        ]
    );
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(messages[3].0.starts_with("registry/things/d.toml:"));
    assert_ne!(messages[3].1, conflict);
    let (_, stdout, _) =
        run(ctx
            .command()
            .args(["--color", "never", "validate", "registry/things/a.toml"]));
    insta::assert_snapshot!(stdout);
}
