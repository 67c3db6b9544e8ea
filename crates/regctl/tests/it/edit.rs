//! Editing commands end to end on a copy of the example registry: the seed registry's
//! acceptance scenarios, refused edits that leave every byte in place, bad input, renames,
//! concurrent edits, `init` and `fmt`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use crate::common::{TestContext, copy_example, regctl_in, run, walk};

fn example() -> TestContext {
    let ctx = TestContext::new();
    copy_example(ctx.root());
    ctx
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("read");
            let relative = path
                .strip_prefix(dir)
                .expect("inside")
                .display()
                .to_string();
            (relative, bytes)
        })
        .collect()
}

fn read(ctx: &TestContext, path: &str) -> String {
    std::fs::read_to_string(ctx.root().join(path)).expect("read")
}

fn regctl(ctx: &TestContext, args: &[&str]) -> (i32, String, String) {
    run(ctx.command().args(args))
}

fn assert_valid(ctx: &TestContext) {
    let (code, stdout, stderr) = regctl(ctx, &["validate"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

const VALIDATOR: &str = "# A validator for model cards.
uuid: 8a1b2c3d-4e5f-4a6b-9c7d-1e2f3a4b5c6d
name: card-validator
version: 0.1.0
type: validator
description: Checks model cards for their required sections
lifecycle: active
owner: platform
";

#[test]
fn add_registers_a_valid_descriptor_and_get_finds_it_by_uuid() {
    let ctx = example();
    ctx.write("incoming/validator.yml", VALIDATOR);
    let (code, stdout, stderr) = regctl(&ctx, &["add", "incoming/validator.yml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("registered: true"), "{stdout}");
    assert!(
        stdout.contains("registry/tools/card-validator.yaml"),
        "{stdout}"
    );
    // Registered byte for byte, comment included.
    assert_eq!(read(&ctx, "registry/tools/card-validator.yaml"), VALIDATOR);
    let (code, stdout, stderr) = regctl(&ctx, &["get", "8a1b2c3d-4e5f-4a6b-9c7d-1e2f3a4b5c6d"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("tool:card-validator 0.1.0"), "{stdout}");
    // JSON and YAML outputs say the same.
    ctx.write(
        "incoming/other.yml",
        VALIDATOR
            .replace("card-validator", "other-validator")
            .replace(
                "8a1b2c3d-4e5f-4a6b-9c7d-1e2f3a4b5c6d",
                "9a1b2c3d-4e5f-4a6b-9c7d-1e2f3a4b5c6d",
            ),
    );
    let (code, stdout, _) = regctl(&ctx, &["add", "incoming/other.yml", "--output", "yaml"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("registered: true"), "{stdout}");
    // Registering the same id again is refused: that is what set and patch are for.
    let (code, _, stderr) = regctl(&ctx, &["add", "incoming/validator.yml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_valid(&ctx);
}

#[test]
fn add_refuses_a_descriptor_without_its_uuid_and_writes_nothing() {
    let ctx = example();
    let bad: String = VALIDATOR
        .lines()
        .filter(|line| !line.starts_with("uuid"))
        .map(|line| format!("{line}\n"))
        .collect();
    ctx.write("incoming/bad.yml", bad);
    let before = files(ctx.root());
    let (code, stdout, stderr) = regctl(&ctx, &["add", "incoming/bad.yml"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("MetadataValidationError"), "{stderr}");
    assert!(
        stderr.contains("missing required property `uuid`"),
        "{stderr}"
    );
    assert_eq!(files(ctx.root()), before);
}

#[test]
fn bump_keeps_every_comment_of_a_toml_file() {
    let ctx = example();
    let path = "registry/components/finetuning.toml";
    let original = read(&ctx, path);
    let (code, stdout, stderr) = regctl(
        &ctx,
        &[
            "bump",
            "finetuning",
            "minor",
            "--set",
            "image=registry.io/physicsx/finetuning:0.3.0",
            "--set",
            "released=2026-11-22",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "component:finetuning 0.2.0 → 0.3.0\n  wrote registry/components/finetuning.toml\n"
    );
    let bumped = read(&ctx, path);
    for comment in original.lines().filter(|line| line.contains('#')) {
        assert!(bumped.contains(comment), "lost {comment:?}");
    }
    insta::assert_snapshot!(bumped);
    assert_valid(&ctx);
    // The released 0.2.0 is in the history, unchanged: the change rules agree.
    let (code, stdout, _) = regctl(&ctx, &["get", "finetuning@=0.2.0", "--output", "json"]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn refused_edits_leave_every_file_as_it_was() {
    let ctx = example();
    let before = files(ctx.root());
    let refusals: &[(&[&str], i32, &str)] = &[
        // A value the schema does not allow.
        (
            &["set", "finetuning", "/component/lifecycle=bogus"],
            2,
            "MetadataValidationError",
        ),
        // A value of the wrong type.
        (
            &["set", "finetuning", "/quality/has_tests=\"yes\""],
            2,
            "MetadataValidationError",
        ),
        // Breaking another entry's reference is caught too.
        (
            &["set", "metrics-logger", "/versions/latest/version=2.0.0"],
            2,
            "ref-unsatisfied",
        ),
        (
            &["promote", "math-tutor@0.3.0", "production"],
            2,
            "cannot move from `development` to `production`; allowed: staging, archived",
        ),
        (
            &["bump", "finetuning", "0.1.5"],
            2,
            "is not greater than the current 0.2.0",
        ),
        (&["yank", "finetuning@9.9.9"], 2, "has no version `9.9.9`"),
        (&["rename", "tokenizer", "data-loader"], 2, "already exists"),
        (
            &["rename", "tokenizer", "tokenizer"],
            64,
            "`tokenizer` is already the id of component:tokenizer",
        ),
        (
            &["set", "finetunig", "/x=1"],
            2,
            "did you mean component:finetuning",
        ),
        (&["set", "finetuning", "lifecycle"], 64, "there is no `=`"),
        (&["set", "finetuning", "/a/*/b=1"], 64, "`*` is not allowed"),
        (
            &["set", "finetuning", "/component/name/first=x"],
            2,
            "is a string",
        ),
        (
            &["set", "finetuning", "/quality/x=null"],
            2,
            "TOML cannot write",
        ),
        (&["yank", "finetuning"], 64, "name the version"),
        (&["new", "bogus", "x"], 2, "unknown kind `bogus`"),
        (&["new", "component", "../escape"], 64, "not a valid id"),
        (
            &["promote", "finetuning", "production"],
            2,
            "declares no `stages`",
        ),
        (
            &["promote", "llama-3.1-8b-sft@1.1.0", "shipped"],
            2,
            "is not a stage",
        ),
        (
            &["alias", "finetuning", "champion", "0.2.0"],
            2,
            "declares no `aliases`",
        ),
        (
            &["alias", "llama-3.1-8b-sft", "champion", "7.0.0"],
            2,
            "has no version `7.0.0`",
        ),
        (
            &["patch", "finetuning", "--merge-patch", "missing.json"],
            64,
            "cannot read",
        ),
    ];
    for (args, want, message) in refusals {
        let (code, stdout, stderr) = regctl(&ctx, args);
        assert_eq!(code, *want, "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(files(ctx.root()), before, "{args:?} changed a file");
    }
}

#[test]
fn set_patch_promote_alias_and_yank_change_only_what_they_name() {
    let ctx = example();
    let model = "registry/models/llama-3.1-8b-sft.toml";
    let original = read(&ctx, model);
    let (code, _, stderr) = regctl(&ctx, &["promote", "llama-3.1-8b-sft@1.1.0", "production"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = regctl(&ctx, &["alias", "llama-3.1-8b-sft", "champion", "1.1.0"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = regctl(&ctx, &["yank", "llama-3.1-8b-sft@1.0.0"]);
    assert_eq!(code, 0, "{stderr}");
    let edited = read(&ctx, model);
    let removed: Vec<&str> = original
        .lines()
        .filter(|line| !edited.lines().any(|l| l == *line))
        .collect();
    assert_eq!(
        removed,
        ["champion = \"1.0.0\"", "stage = \"staging\""],
        "{edited}"
    );
    insta::assert_snapshot!(edited);
    assert_valid(&ctx);
    let (code, stdout, _) = regctl(
        &ctx,
        &["yank", "llama-3.1-8b-sft@1.0.0", "--undo", "-o", "json"],
    );
    assert_eq!(code, 0);
    let out: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(out["summary"], "model:llama-3.1-8b-sft@1.0.0 un-yanked");
    assert_eq!(out["written"], true);
    assert_eq!(out["format_version"], 1);

    // A merge patch from stdin: null removes, objects merge, and a YAML file keeps its comments.
    let tool = "registry/tools/schema-validator.yaml";
    let mut child = ctx
        .command()
        .args(["patch", "schema-validator", "--merge-patch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(br#"{"homepage": null, "tags": ["canary", "metadata", "schemas"], "description": "Checks metadata files against JSON Schema"}"#)
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    insta::assert_snapshot!(read(&ctx, tool));
    // A JSON file keeps its indentation and key order.
    let (code, _, stderr) = regctl(
        &ctx,
        &[
            "set",
            "langflow-executor-node",
            "/components/ChatOutput=lfx.components.outputs.chat",
            "/status=inactive",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(read(&ctx, "registry/nodes/langflow-executor-node.json"));
    assert_valid(&ctx);
}

#[test]
fn rename_moves_the_file_updates_references_and_redirects_the_old_id() {
    let ctx = example();
    let (code, stdout, stderr) = regctl(&ctx, &["rename", "tokenizer", "text-tokenizer"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "component:tokenizer → text-tokenizer (2 references updated)\n  \
         wrote registry/components/evaluation.toml\n  \
         wrote registry/components/finetuning.toml\n  \
         wrote registry/components/text-tokenizer.toml\n  \
         removed registry/components/tokenizer.toml\n  \
         wrote renames.toml\n"
    );
    assert!(
        !ctx.root()
            .join("registry/components/tokenizer.toml")
            .exists()
    );
    assert!(
        read(&ctx, "registry/components/finetuning.toml").contains("text-tokenizer = \"^0.4\"")
    );
    assert!(
        read(&ctx, "registry/components/evaluation.toml").contains("text-tokenizer = \"~0.4\"")
    );
    insta::assert_snapshot!(read(&ctx, "renames.toml"));
    assert_valid(&ctx);
    // The old id still answers, from the registry and from a composed index.
    let (code, stdout, stderr) = regctl(&ctx, &["get", "tokenizer"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("component:text-tokenizer"), "{stdout}");
    assert!(stderr.contains("`component:tokenizer` was renamed to `component:text-tokenizer`"));
    assert_eq!(regctl(&ctx, &["compose"]).0, 0);
    let (code, stdout, _) = regctl(&ctx, &["get", "tokenizer", "--index", "dist/index"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("component:text-tokenizer"), "{stdout}");
    // A second rename chains.
    assert_eq!(regctl(&ctx, &["rename", "text-tokenizer", "tok"]).0, 0);
    assert_eq!(regctl(&ctx, &["compose"]).0, 0);
    let renames = read(&ctx, "dist/index/renames.json");
    assert_eq!(
        renames,
        "{\"format_version\":1,\"renamed\":{\"component\":{\"text-tokenizer\":\"tok\",\"tokenizer\":\"tok\"}}}\n"
    );
}

#[test]
fn edits_of_different_entries_at_the_same_time_do_not_touch_each_other() {
    let ctx = example();
    for round in 0..4 {
        let value = format!("{}", 500 + round);
        let mut children: Vec<_> = [
            ("finetuning", format!("/quality/max_venv_size_mb={value}")),
            ("data-loader", format!("/quality/max_venv_size_mb={value}")),
            (
                "evaluation",
                format!("/component/description=Evaluation run {round}"),
            ),
        ]
        .into_iter()
        .map(|(entry, assignment)| {
            regctl_in(ctx.root())
                .args(["set", entry, &assignment, "-q"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
        for child in children.drain(..) {
            let output = child.wait_with_output().expect("wait");
            assert_eq!(output.status.code(), Some(0), "{output:?}");
        }
        assert!(
            read(&ctx, "registry/components/finetuning.toml")
                .contains(&format!("max_venv_size_mb = {value}"))
        );
        assert!(
            read(&ctx, "registry/components/data-loader.toml")
                .contains(&format!("max_venv_size_mb = {value}"))
        );
        assert!(
            read(&ctx, "registry/components/evaluation.toml")
                .contains(&format!("Evaluation run {round}"))
        );
    }
    // No temporary files are left behind.
    assert!(
        walk(ctx.root())
            .iter()
            .all(|path| !path.to_string_lossy().contains(".regctl-")),
    );
    assert_valid(&ctx);
}

#[test]
fn new_writes_a_skeleton_that_fails_until_it_is_filled_in() {
    let ctx = example();
    let (code, stdout, stderr) = regctl(&ctx, &["new", "component", "my-component"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("created registry/components/my-component.toml\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("missing required property `email` in `/owner`"),
        "{stdout}"
    );
    insta::assert_snapshot!(read(&ctx, "registry/components/my-component.toml"));
    assert_eq!(regctl(&ctx, &["validate", "-q"]).0, 2);
    std::fs::remove_file(ctx.root().join("registry/components/my-component.toml")).expect("rm");
    let filled = [
        "/component/description=A component",
        "/component/repository=https://github.com/physicsx/flux-components",
        "/component/path=components/my-component",
        "/versions/latest/image=registry.io/physicsx/my-component:0.1.0",
        "/versions/latest/min_python=3.10",
        "/versions/latest/max_python=3.12",
        "/owner/handle=kamil",
        "/owner/email=kamil@physicsx.ai",
        "/owner/team=ml-research",
    ];
    let mut args = vec!["new", "component", "my-component"];
    for assignment in &filled {
        args.extend(["--set", assignment]);
    }
    let (code, stdout, stderr) = regctl(&ctx, &args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("it validates"), "{stdout}");
    assert_valid(&ctx);
    // JSON and YAML kinds get their own format.
    let (code, _, _) = regctl(&ctx, &["new", "node", "my-node"]);
    assert_eq!(code, 0);
    assert!(read(&ctx, "registry/nodes/my-node.json").starts_with("{\n  \"node_id\": \"my-node\""));
    let (code, _, _) = regctl(&ctx, &["new", "tool", "my-tool"]);
    assert_eq!(code, 0);
    assert!(read(&ctx, "registry/tools/my-tool.yaml").contains("name: my-tool\n"));
}

#[test]
fn init_creates_registries_that_validate_and_never_overwrites() {
    let ctx = TestContext::new();
    for kinds in [
        "component",
        "model",
        "node",
        "tool",
        "team",
        "source",
        "component,model,node,tool,team,source",
    ] {
        let dir = ctx.root().join(kinds.replace(',', "-"));
        let (code, stdout, stderr) =
            run(regctl_in(ctx.root()).args(["init", &dir.display().to_string(), "--kinds", kinds]));
        assert_eq!(code, 0, "{kinds}: {stderr}");
        assert!(stdout.contains("it validates"), "{stdout}");
        let (code, stdout, stderr) = run(regctl_in(&dir).args(["validate"]));
        assert_eq!(code, 0, "{kinds}: {stdout}{stderr}");
        assert_eq!(
            run(regctl_in(&dir).args(["fmt", "--check", "-q"])).0,
            0,
            "{kinds}"
        );
        assert_eq!(run(regctl_in(&dir).args(["compose", "-q"])).0, 0, "{kinds}");
        for file in [
            ".github/workflows/validate-registry.yml",
            ".pre-commit-config.yaml",
            "README.md",
        ] {
            assert!(dir.join(file).is_file(), "{kinds}: no {file}");
        }
    }
    let dir = ctx.root().join("component");
    let before = files(&dir);
    let (code, _, stderr) = run(regctl_in(ctx.root()).args(["init", "component"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("never overwrites"), "{stderr}");
    assert_eq!(files(&dir), before);
    let (code, _, stderr) = run(regctl_in(ctx.root()).args(["init", "x", "--kinds", "widget"]));
    assert_eq!(code, 64);
    assert!(stderr.contains("unknown kind `widget`"), "{stderr}");
}

#[test]
fn fmt_check_lists_what_fmt_would_change_and_fmt_is_stable() {
    let ctx = example();
    assert_eq!(
        regctl(&ctx, &["fmt", "--check"]).0,
        0,
        "the example is canonical"
    );
    let path = "registry/components/metrics-logger.toml";
    let original = read(&ctx, path);
    // Out of schema order, literal quotes, indented keys; comments must survive.
    let scrambled = original
        .replace("[component]\n", "[component]\n  # who cares\n")
        .replace("lifecycle = \"active\"", "  lifecycle = 'active'");
    let scrambled = format!(
        "[quality]\nhas_tests = true # a comment\n\n{}",
        scrambled.replacen("[quality]\nhas_tests = true\n", "", 1)
    );
    ctx.write(path, &scrambled);
    let (value_before, _) = get_json(&ctx, "metrics-logger");
    let (code, stdout, _) = regctl(&ctx, &["fmt", "--check"]);
    assert_eq!(code, 2);
    assert_eq!(stdout, format!("would reformat {path}\n"));
    assert_eq!(read(&ctx, path), scrambled, "--check writes nothing");
    let (code, stdout, _) = regctl(&ctx, &["fmt", "registry/components"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, format!("reformatted {path}\n"));
    let formatted = read(&ctx, path);
    assert!(formatted.contains("  # who cares\n") || formatted.contains("# who cares\n"));
    assert!(formatted.contains("# a comment"), "{formatted}");
    assert!(formatted.contains("lifecycle = \"active\""), "{formatted}");
    insta::assert_snapshot!(formatted);
    assert_eq!(
        get_json(&ctx, "metrics-logger").0,
        value_before,
        "the same entry"
    );
    assert_eq!(regctl(&ctx, &["fmt", "--check"]).0, 0, "fmt is stable");
    assert_valid(&ctx);

    // A file that does not parse fails the check and the run, and is left as it is.
    let broken = "registry/components/broken.toml";
    let text = "name = 'x'\n\n[component\nversion = '1.0.0'\n";
    ctx.write(broken, text);
    for args in [&["fmt", "--check"][..], &["fmt"]] {
        let (code, _, stderr) = regctl(&ctx, args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("error: {broken} left as it is")),
            "{stderr}"
        );
        // Where the file stops parsing, so it can be fixed without another tool.
        assert!(
            stderr.contains("TOML file at line 3, column 11: "),
            "{stderr}"
        );
        assert_eq!(read(&ctx, broken), text);
    }
}

fn get_json(ctx: &TestContext, reference: &str) -> (serde_json::Value, String) {
    let (code, stdout, stderr) = regctl(ctx, &["get", reference, "--output", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let mut value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let text = stdout.clone();
    value["entry"]["v"] = serde_json::Value::Null;
    (value, text)
}

#[test]
fn edits_go_through_links_and_refuse_unreadable_files() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("");
    ctx.write(
        "registry/things/a.toml",
        "name = \"a\" # kept\nversion = \"1.0.0\"\n",
    );
    // A non-UTF-8 descriptor cannot be edited (and validation says why).
    ctx.write(
        "registry/things/bad.toml",
        b"name = \"bad\"\nversion = \"1.0.0\"\n# \xff\n",
    );
    let (code, _, stderr) = regctl(&ctx, &["set", "bad", "/version=1.0.1"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
    // One that does not parse: the error names the file and where it stops parsing.
    ctx.write(
        "registry/things/bad.toml",
        "name = \"bad\"\n\n[broken\nversion = \"1.0.0\"\n",
    );
    let (code, _, stderr) = regctl(&ctx, &["set", "bad", "/version=1.0.1"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("registry/things/bad.toml at line 3, column 8: "),
        "{stderr}"
    );
    // One left with a merge conflict: said so, at the conflict, and left as it is.
    let conflicted = "name = \"bad\"\n<<<<<<< HEAD\nversion = \"1.0.0\"\n=======\nversion = \"1.1.0\"\n>>>>>>> b\n";
    ctx.write("registry/things/bad.toml", conflicted);
    let (code, _, stderr) = regctl(&ctx, &["set", "bad", "/version=1.0.1"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "registry/things/bad.toml at line 2, column 1: the file has an unresolved merge conflict; keep one side"
        ),
        "{stderr}"
    );
    assert_eq!(read(&ctx, "registry/things/bad.toml"), conflicted);
    std::fs::remove_file(ctx.root().join("registry/things/bad.toml")).expect("rm");
    let (code, _, stderr) = regctl(&ctx, &["set", "a", "/email=a@example.com"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        read(&ctx, "registry/things/a.toml"),
        "name = \"a\" # kept\nversion = \"1.0.0\"\nemail = \"a@example.com\"\n"
    );
    // A descriptor that is a link to a file elsewhere in the repository: the edit goes to that
    // file, and the link stays a link.
    #[cfg(unix)]
    {
        ctx.write("shared/d.toml", "name = \"d\"\nversion = \"1.0.0\"\n");
        let link = ctx.root().join("registry/things/d.toml");
        std::os::unix::fs::symlink("../../shared/d.toml", &link).expect("symlink");
        let (code, _, stderr) = regctl(&ctx, &["set", "d", "/email=d@example.com"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("link")
                .file_type()
                .is_symlink()
        );
        assert!(read(&ctx, "shared/d.toml").contains("email = \"d@example.com\""));
    }
    // A huge value is checked like any other.
    let long = "x".repeat(100_000);
    let (code, _, stderr) = regctl(&ctx, &["set", "a", &format!("/email={long}")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("MetadataValidationError"), "{stderr}");
}
