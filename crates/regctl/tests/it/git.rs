//! Git-native validation on real repositories built in the test: `--rev`, `--staged`,
//! `--base`, the change rules, trailers, ownership, CODEOWNERS and CI output formats.

use crate::common::{TestContext, positions, regctl_in, run, validate_json};

const CONFIG: &str = r#"[registry]
name = "test"

[ownership]
team_kind = "team"
members = "/members"

[kinds.team]
dir = "registry/teams"
schema = "schemas/team.json"

[kinds.component]
dir = "registry/components"
schema = "schemas/component.json"
id = "/component/name"
version = "/versions/latest/version"
history = "/versions/history"
owner = "/owner/team"
lifecycle = "/component/lifecycle"

[[kinds.component.refs]]
path = "/versions/latest/dependencies/*"
keys = true
kind = "component"
req = "/versions/latest/dependencies/*"
graph = "dependencies"

[[kinds.component.refs]]
path = "/owner/team"
kind = "team"

[[kinds.component.contract]]
min = "/versions/latest/min_python"
"#;

const FINETUNING: &str = r#"# The pilot component.
[component]
name = "finetuning"
lifecycle = "active"

[versions.latest]
version = "0.1.0"
image = "registry.io/physicsx/finetuning:0.1.0"
min_python = "3.10"

[versions.latest.dependencies]
tokenizer = "^0.4"

[owner]
team = "ml-research"
"#;

const TOKENIZER: &str = r#"[component]
name = "tokenizer"
lifecycle = "active"

[versions.latest]
version = "0.4.1"
image = "registry.io/physicsx/tokenizer:0.4.1"
min_python = "3.9"

[owner]
team = "data-eng"
"#;

/// A committed registry with two teams and two components (finetuning depends on tokenizer).
fn repo() -> TestContext {
    let ctx = TestContext::new();
    ctx.write("regctl.toml", CONFIG)
        .write(
            "schemas/team.json",
            r#"{"type": "object", "required": ["members"]}"#,
        )
        .write(
            "schemas/component.json",
            r#"{"type": "object", "required": ["component", "versions", "owner"]}"#,
        )
        .write(
            "registry/teams/ml-research.toml",
            "members = [\"kamil\", \"ana\"]\n",
        )
        .write("registry/teams/data-eng.toml", "members = [\"priya\"]\n")
        .write("registry/components/finetuning.toml", FINETUNING)
        .write("registry/components/tokenizer.toml", TOKENIZER);
    ctx.git_init("initial registry");
    ctx
}

/// The tokenizer released as `version` with a new minimum Python, 0.4.1 moved to the history.
fn bumped(tokenizer: &str, version: &str, min_python: &str) -> String {
    let history = "\n[[versions.history]]\nversion = \"0.4.1\"\nimage = \"registry.io/physicsx/tokenizer:0.4.1\"\nmin_python = \"3.9\"\n";
    tokenizer
        .replace("version = \"0.4.1\"", &format!("version = \"{version}\""))
        .replace("tokenizer:0.4.1", &format!("tokenizer:{version}"))
        .replace(
            "min_python = \"3.9\"",
            &format!("min_python = \"{min_python}\""),
        )
        .replace("\n[owner]", &format!("{history}\n[owner]"))
}

#[test]
fn changing_a_released_record_needs_a_new_version() {
    let ctx = repo();
    ctx.edit(
        "registry/components/finetuning.toml",
        "finetuning:0.1.0\"",
        "finetuning:0.1.0-hotfix\"",
    );
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main"]);
    assert_eq!(code, 2, "{json}");
    assert_eq!(
        positions(&json),
        ["registry/components/finetuning.toml:8:9 released-immutable"]
    );
    assert_eq!(json["base"]["rev"], "main");
    assert_eq!(json["head"]["rev"], "working tree");
    assert_eq!(json["summary"]["changed"], 1);

    // Bump to 0.2.0 and move 0.1.0 to the history unchanged: fine.
    ctx.write("registry/components/finetuning.toml", FINETUNING);
    ctx.edit(
        "registry/components/finetuning.toml",
        "version = \"0.1.0\"\nimage = \"registry.io/physicsx/finetuning:0.1.0\"",
        "version = \"0.2.0\"\nimage = \"registry.io/physicsx/finetuning:0.2.0\"",
    );
    let history = "\n[[versions.history]]\nversion = \"0.1.0\"\nimage = \"registry.io/physicsx/finetuning:0.1.0\"\nmin_python = \"3.10\"\n\n[versions.history.dependencies]\ntokenizer = \"^0.4\"\n";
    let text = std::fs::read_to_string(ctx.root().join("registry/components/finetuning.toml"))
        .expect("read");
    ctx.write(
        "registry/components/finetuning.toml",
        text.replace("\n[owner]", &format!("{history}\n[owner]")),
    );
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main"]);
    assert_eq!(code, 0, "{json}");
    ctx.commit("finetuning 0.2.0");

    // Yanking the released 0.1.0 is allowed: `yanked` is mutable.
    ctx.edit(
        "registry/components/finetuning.toml",
        "version = \"0.1.0\"\n",
        "version = \"0.1.0\"\nyanked = true\n",
    );
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main"]);
    assert_eq!(code, 0, "{json}");
    // Deleting it from the history is not.
    ctx.git(&["checkout", "--", "."]);
    ctx.edit(
        "registry/components/finetuning.toml",
        history.trim_start(),
        "",
    );
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main"]);
    assert_eq!(code, 2, "{json}");
    assert_eq!(json["diagnostics"][0]["code"], "released-immutable");
    assert!(
        json["diagnostics"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("`0.1.0` was removed"))
    );
}

#[test]
fn versions_only_go_up_and_breaking_changes_need_a_major_bump() {
    let ctx = repo();
    ctx.edit(
        "registry/components/tokenizer.toml",
        "version = \"0.4.1\"",
        "version = \"0.4.0\"",
    );
    ctx.edit(
        "registry/components/tokenizer.toml",
        "tokenizer:0.4.1",
        "tokenizer:0.4.0",
    );
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main"]);
    assert_eq!(code, 2);
    assert_eq!(
        positions(&json),
        ["registry/components/tokenizer.toml:6:11 version-decreased"]
    );

    // 0.4.1 → 0.4.2 raising the minimum Python is breaking; 0.5.0 is a major bump for 0.x.
    ctx.write(
        "registry/components/tokenizer.toml",
        bumped(TOKENIZER, "0.4.2", "3.11"),
    );
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main"]);
    assert_eq!(code, 2);
    assert_eq!(
        positions(&json),
        ["registry/components/tokenizer.toml:8:14 breaking-change"]
    );
    assert!(
        json["diagnostics"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("rose from 3.9 to 3.11"))
    );
    ctx.write(
        "registry/components/tokenizer.toml",
        bumped(TOKENIZER, "0.5.0", "3.11"),
    );
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main"]);
    // finetuning's `^0.4` is still satisfied by 0.4.1, which stays released in the history.
    assert_eq!((code, positions(&json).len()), (0, 0), "{json}");
    // Yanking 0.4.1 leaves `^0.4` unsatisfied: the neighbour that depends on it is reported.
    ctx.edit(
        "registry/components/tokenizer.toml",
        "version = \"0.4.1\"\n",
        "version = \"0.4.1\"\nyanked = true\n",
    );
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main"]);
    assert_eq!(code, 2);
    assert_eq!(
        positions(&json),
        ["registry/components/finetuning.toml:12:1 ref-unsatisfied"]
    );
}

#[test]
fn staged_validates_the_index_not_the_working_tree() {
    let ctx = repo();
    ctx.write("registry/teams/new.toml", "members = [\n");
    ctx.git(&["add", "registry/teams/new.toml"]);
    ctx.write("registry/teams/new.toml", "members = [\"someone\"]\n");
    let (code, json) = validate_json(&mut ctx.command(), &["--staged"]);
    assert_eq!(code, 2, "{json}");
    assert_eq!(positions(&json), ["registry/teams/new.toml:1:12 parse"]);
    assert_eq!(json["head"]["rev"], "index");
    let (code, _) = validate_json(&mut ctx.command(), &[]);
    assert_eq!(
        code, 0,
        "the working tree is fixed, but that is not what gets committed"
    );
    ctx.git(&["add", "registry/teams/new.toml"]);
    let (code, _) = validate_json(&mut ctx.command(), &["--staged"]);
    assert_eq!(code, 0);
}

#[test]
fn rev_validates_a_revision_without_checking_it_out() {
    let ctx = repo();
    ctx.write(
        "registry/components/tokenizer.toml",
        TOKENIZER.replace("0.4.1", "zero"),
    );
    ctx.commit("break tokenizer");
    ctx.write("registry/components/tokenizer.toml", TOKENIZER);
    ctx.commit("fix tokenizer");
    let (code, json) = validate_json(&mut ctx.command(), &["--rev", "HEAD~1"]);
    assert_eq!(code, 2);
    assert_eq!(
        positions(&json),
        ["registry/components/tokenizer.toml:6:11 semver"]
    );
    assert_eq!(json["head"]["rev"], "HEAD~1");
    assert!(
        json["head"]["commit"]
            .as_str()
            .is_some_and(|c| c.len() == 40)
    );
    let (code, _) = validate_json(&mut ctx.command(), &["--rev", "HEAD"]);
    assert_eq!(code, 0);
    let (code, _, stderr) = run(ctx.command().args(["validate", "--rev", "no-such-branch"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`no-such-branch` is not available"),
        "{stderr}"
    );
}

#[test]
fn a_change_is_judged_on_what_it_touches_and_equals_a_full_run_there() {
    let ctx = repo();
    // An old problem in an entry the change will not touch.
    ctx.write("registry/components/old.toml", "[component]\nname = \"old\"\n\n[versions.latest]\nversion = \"1.0.0\"\n\n[versions.latest.dependencies]\nghost = \"^1\"\n\n[owner]\nteam = \"data-eng\"\n");
    ctx.commit("old entry with a dangling reference");
    ctx.write("registry/components/new.toml", "[component]\nname = \"new\"\n\n[versions.latest]\nversion = \"x\"\n\n[versions.latest.dependencies]\nphantom = \"^1\"\n\n[owner]\nteam = \"data-eng\"\n");
    let (code, changed) = validate_json(&mut ctx.command(), &["--base", "main"]);
    assert_eq!(code, 2);
    assert_eq!(
        positions(&changed),
        [
            "registry/components/new.toml:5:11 semver",
            "registry/components/new.toml:8:1 ref-missing"
        ]
    );
    let (_, all) = validate_json(&mut ctx.command(), &["--base", "main", "--all"]);
    assert!(positions(&all).contains(&"registry/components/old.toml:8:1 ref-missing".to_owned()));
    // On the changed entry, the change run reports exactly what a full run does.
    let (_, full) = validate_json(&mut ctx.command(), &[]);
    let on_new = |report: &serde_json::Value| {
        report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["file"] == "registry/components/new.toml")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(on_new(&changed), on_new(&full));
}

#[test]
fn deleting_needs_no_dependents_and_a_retired_lifecycle_and_renames_are_named() {
    let ctx = repo();
    ctx.git(&["rm", "-q", "registry/components/tokenizer.toml"]);
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main"]);
    assert_eq!(code, 2);
    let found = positions(&json);
    assert!(
        found.contains(&"registry/components/tokenizer.toml entry-removed".to_owned()),
        "{found:?}"
    );
    assert!(
        json.to_string()
            .contains("still referenced by `component:finetuning`")
    );

    // Unreferenced but active: retire it first.
    ctx.git(&["checkout", "-q", "HEAD", "--", "."]);
    ctx.git(&["rm", "-q", "registry/components/finetuning.toml"]);
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main"]);
    assert_eq!(code, 2);
    assert!(
        json.to_string().contains("it was `active` in the base"),
        "{json}"
    );

    // Deprecated in the base: deleting it is fine.
    ctx.git(&["checkout", "-q", "HEAD", "--", "."]);
    ctx.edit(
        "registry/components/finetuning.toml",
        "lifecycle = \"active\"",
        "lifecycle = \"deprecated\"",
    );
    ctx.commit("deprecate finetuning");
    ctx.git(&["rm", "-q", "registry/components/finetuning.toml"]);
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["summary"]["changed"], 0, "{json}");
    assert_eq!(json["summary"]["removed"], 1, "{json}");
    let (_, stdout, _) = run(ctx.command().args(["validate", "--base", "main"]));
    assert!(
        stdout.contains("0 entries changed and 1 removed since main"),
        "{stdout}"
    );

    // A delete plus an add with the same content is a rename.
    ctx.git(&["checkout", "-q", "HEAD", "--", "."]);
    ctx.git(&[
        "mv",
        "registry/components/finetuning.toml",
        "registry/components/fine-tuning.toml",
    ]);
    ctx.edit(
        "registry/components/fine-tuning.toml",
        "name = \"finetuning\"",
        "name = \"fine-tuning\"",
    );
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["summary"]["changed"], 1, "{json}");
    assert_eq!(json["summary"]["removed"], 0, "{json}");
    assert_eq!(
        positions(&json),
        ["registry/components/fine-tuning.toml entry-renamed"]
    );
    assert_eq!(
        json["diagnostics"][0]["related"][0]["file"],
        "registry/components/finetuning.toml"
    );
}

#[test]
fn trailers_acknowledge_violations_and_the_report_says_so() {
    let ctx = repo();
    ctx.edit(
        "registry/components/finetuning.toml",
        "finetuning:0.1.0\"",
        "finetuning:0.1.0-rebuilt\"",
    );
    ctx.git(&["commit", "-q", "-am", "Fix the image of finetuning 0.1.0\n\nRegctl-Allow: released-immutable component:finetuning"]);
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main~1", "--head", "HEAD"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["acknowledged"][0]["code"], "released-immutable");
    assert_eq!(json["acknowledged"][0]["entry"], "component:finetuning");
    assert_eq!(json["acknowledged"][0]["silenced"], 1);
    let (_, stdout, _) = run(ctx
        .command()
        .args(["validate", "--base", "main~1", "--head", "HEAD"]));
    assert!(
        stdout.contains("honoured `Regctl-Allow: released-immutable component:finetuning`"),
        "{stdout}"
    );
}

#[test]
fn the_actor_must_belong_to_the_owning_teams_as_the_base_lists_them() {
    let ctx = repo();
    ctx.edit(
        "registry/components/finetuning.toml",
        "# The pilot component.",
        "# The pilot component, owned by ML research.",
    );
    let (code, json) = validate_json(&mut ctx.command(), &["--base", "main", "--actor", "kamil"]);
    assert_eq!((code, positions(&json).len()), (0, 0), "{json}");
    let (code, json) = validate_json(
        &mut ctx.command(),
        &["--base", "main", "--actor", "mallory"],
    );
    assert_eq!(code, 0, "not-owner is a warning by default");
    assert_eq!(
        positions(&json),
        ["registry/components/finetuning.toml:15:8 not-owner"]
    );

    // Moving an entry to another team needs membership of both; joining a team in the same
    // change does not count.
    ctx.edit(
        "registry/components/finetuning.toml",
        "team = \"ml-research\"",
        "team = \"data-eng\"",
    );
    ctx.edit(
        "registry/teams/data-eng.toml",
        "\"priya\"",
        "\"priya\", \"kamil\"",
    );
    let (_, json) = validate_json(&mut ctx.command(), &["--base", "main", "--actor", "kamil"]);
    let messages: Vec<&str> = json["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("not a member of team `data-eng` (the new owner)")),
        "{messages:?}"
    );
    // GITHUB_ACTOR is the default actor.
    let (_, json) = validate_json(
        ctx.command().env("GITHUB_ACTOR", "mallory"),
        &["--base", "main"],
    );
    assert!(json.to_string().contains("`mallory` is not a member"));
}

#[test]
fn a_missing_or_shallow_base_fails_with_a_fix() {
    let ctx = repo();
    ctx.commit("second");
    let clone = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", ctx.root().display());
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url, "shallow"])
        .current_dir(clone.path())
        .status()
        .expect("git clone");
    assert!(status.success());
    let shallow = clone.path().join("shallow");
    let (code, stdout, stderr) =
        run(crate::common::regctl_in(&shallow).args(["validate", "--base", "HEAD~1"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("shallow clone") && stderr.contains("fetch-depth: 0"),
        "{stderr}"
    );
}

#[test]
fn github_output_annotates_and_writes_a_step_summary() {
    let ctx = repo();
    ctx.edit(
        "registry/components/finetuning.toml",
        "finetuning:0.1.0\"",
        "finetuning:0.1.0, rebuilt\"",
    );
    let summary = ctx.root().join("summary.md");
    let (code, stdout, stderr) = run(ctx
        .command()
        .args(["validate", "--base", "main", "--output", "github"])
        .env("GITHUB_STEP_SUMMARY", &summary));
    assert_eq!(code, 2);
    assert!(stderr.contains("MetadataValidationError"), "{stderr}");
    insta::assert_snapshot!(stdout, @"::error file=registry/components/finetuning.toml,line=8,col=9,endLine=8,endColumn=57,title=regctl (released-immutable)::released version `0.1.0` changed: `/versions/latest/image` differs from the base%0A%0Ahelp: released versions are immutable; release the change as a new version (and keep this record in the history)");
    let summary = std::fs::read_to_string(summary).expect("summary written");
    insta::assert_snapshot!("step_summary", summary);
}

#[test]
fn sarif_output_is_a_valid_sarif_2_1_0_log() {
    let ctx = repo();
    ctx.edit(
        "registry/components/tokenizer.toml",
        "version = \"0.4.1\"",
        "version = \"0.4.0\"",
    );
    let (code, stdout, _) = run(ctx
        .command()
        .args(["validate", "--base", "main", "--output", "sarif"]));
    assert_eq!(code, 2);
    let log: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../data/sarif-2.1.0-subset.schema.json"))
            .expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "version-decreased");
    let rule = &log["runs"][0]["tool"]["driver"]["rules"]
        [result["ruleIndex"].as_u64().expect("index") as usize];
    assert_eq!(rule["id"], "version-decreased");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        6
    );
}

#[test]
fn codeowners_is_written_from_owners_and_checked() {
    let ctx = repo();
    let (code, stdout, _) = run(ctx.command().args(["codeowners", "--check"]));
    assert_eq!(code, 2, "no CODEOWNERS yet");
    assert!(
        stdout.contains("+/registry/components/finetuning.toml @kamil @ana"),
        "{stdout}"
    );
    ctx.write(".github/CODEOWNERS", "# hand-written\n/docs/ @writers\n");
    let (code, _, _) = run(ctx.command().arg("codeowners"));
    assert_eq!(code, 0);
    let written = std::fs::read_to_string(ctx.root().join(".github/CODEOWNERS")).expect("written");
    insta::assert_snapshot!(written);
    let (code, stdout, _) = run(ctx.command().args(["codeowners", "--check"]));
    assert_eq!(code, 0, "{stdout}");
    ctx.edit(
        "registry/components/tokenizer.toml",
        "team = \"data-eng\"",
        "team = \"ml-research\"",
    );
    let (code, stdout, stderr) = run(ctx.command().args(["codeowners", "--check"]));
    assert_eq!(code, 2);
    assert!(
        stdout.contains("-/registry/components/tokenizer.toml @priya")
            && stderr.contains("is stale"),
        "{stdout}{stderr}"
    );
}

/// `validate --output json` with `args`, keeping summaries in `cache`.
fn validate_with_cache(
    ctx: &TestContext,
    cache: &std::path::Path,
    args: &[&str],
) -> (i32, serde_json::Value) {
    let mut command = ctx.command();
    command.env("REGCTL_CACHE_DIR", cache);
    validate_json(&mut command, args)
}

#[test]
fn the_summary_cache_changes_speed_not_results() {
    let ctx = repo();
    let cache = tempfile::tempdir().expect("tempdir");
    ctx.edit(
        "registry/components/tokenizer.toml",
        "version = \"0.4.1\"",
        "version = \"0.4.0\"",
    );
    let run_with_cache = |extra: &[&str]| {
        validate_with_cache(&ctx, cache.path(), &[&["--base", "main"], extra].concat())
    };
    let (cold_code, cold) = run_with_cache(&[]);
    assert!(
        cache.path().join("summaries.bin").is_file(),
        "the cache is written"
    );
    let (warm_code, warm) = run_with_cache(&[]);
    let (_, uncached) = run_with_cache(&["--no-cache"]);
    assert_eq!((cold_code, warm_code), (2, 2));
    assert_eq!(cold["diagnostics"], warm["diagnostics"]);
    assert_eq!(cold["diagnostics"], uncached["diagnostics"]);
    // A corrupt cache is ignored and rebuilt.
    std::fs::write(
        cache.path().join("summaries.bin"),
        b"regctl-summaries-v2\ngarbage",
    )
    .expect("write");
    let (code, corrupt) = run_with_cache(&[]);
    assert_eq!(code, 2);
    assert_eq!(corrupt["diagnostics"], uncached["diagnostics"]);
}

#[test]
fn a_cached_neighbour_keeps_its_findings_and_suppressions() {
    let ctx = repo();
    let cache = tempfile::tempdir().expect("tempdir");
    // `user` depends on the tokenizer and on an entry that does not exist; it allows one of the
    // two findings that makes, and the change below leaves its file untouched.
    ctx.write(
        "registry/components/user.toml",
        "[component]\nname = \"user\"\n\n[versions.latest]\nversion = \"1.0.0\"\n\n[versions.latest.dependencies]\ntokenizer = \"^0.4.1\"\nghost = \"^1\"\n\n[owner]\nteam = \"data-eng\"\n\n[regctl]\nallow = [\"ref-missing\"]\n",
    );
    ctx.commit("a user of the tokenizer");
    ctx.edit(
        "registry/components/tokenizer.toml",
        "version = \"0.4.1\"",
        "version = \"0.4.0\"",
    );
    // Between two commits every blob id is known, so untouched entries come from the cache.
    ctx.commit("downgrade the tokenizer");
    let run_with_cache = |extra: &[&str]| {
        let args = [&["--base", "HEAD~1", "--head", "HEAD"], extra].concat();
        validate_with_cache(&ctx, cache.path(), &args)
    };
    let (_, cold) = run_with_cache(&[]);
    let (_, warm) = run_with_cache(&[]); // `user` is now only a stub until the rules need it
    let (_, uncached) = run_with_cache(&["--no-cache"]);
    for report in [&cold, &warm] {
        assert_eq!(report["diagnostics"], uncached["diagnostics"]);
        assert_eq!(report["summary"], uncached["summary"]);
    }
    let found = positions(&warm);
    assert!(
        found.contains(&"registry/components/user.toml:8:1 ref-unsatisfied".to_owned()),
        "the neighbour's finding about the changed entry: {found:?}"
    );
    assert!(
        !found.iter().any(|f| f.ends_with("ref-missing")),
        "the neighbour's own suppression holds: {found:?}"
    );
    assert_eq!(warm["summary"]["suppressed"], 1);
}

#[test]
fn a_registry_in_a_subdirectory_of_its_repository_is_read_from_git_alone() {
    let ctx = TestContext::new();
    ctx.write("README.md", "not part of the registry\n")
        .write("app/registry/things/stray.toml", "not = \"seen\"\n")
        .write(
            "reg/regctl.toml",
            "[registry]\nname = \"test\"\n\n[kinds.thing]\ndir = \"registry/things\"\nschema = \"schemas/thing.json\"\nid = \"/name\"\nversion = \"/version\"\n",
        )
        .write("reg/schemas/thing.json", r#"{"type": "object", "required": ["name"]}"#)
        .write("reg/registry/things/a.toml", "name = \"a\"\nversion = \"1.0.0\"\n")
        .write("reg/registry/things/b.toml", "name = \"b\"\nversion = \"1.0.0\"\n");
    ctx.git_init("a registry below the root");
    ctx.write("reg/registry/things/c.toml", "version = \"1.0.0\"\n");
    ctx.git(&["add", "reg/registry/things/c.toml"]);
    let in_registry = || regctl_in(&ctx.root().join("reg"));
    let (code, at_rev) = validate_json(&mut in_registry(), &["--rev", "HEAD"]);
    assert_eq!(code, 0, "{at_rev}");
    assert_eq!(at_rev["summary"]["files"], 2);
    let (code, staged) = validate_json(&mut in_registry(), &["--staged"]);
    assert_eq!(code, 2);
    assert_eq!(staged["summary"]["files"], 3);
    assert_eq!(
        positions(&staged),
        ["registry/things/c.toml:1:1 schema"],
        "paths are relative to the registry"
    );
    // Between two commits, the trees compared are the registry's, and so are the paths.
    ctx.write("app/registry/things/stray.toml", "still = \"not seen\"\n");
    ctx.commit("c, and a change outside the registry");
    let (code, pr) = validate_json(&mut in_registry(), &["--base", "HEAD~1", "--head", "HEAD"]);
    assert_eq!(code, 2);
    assert_eq!(positions(&pr), ["registry/things/c.toml:1:1 schema"]);
    assert_eq!(pr["summary"]["changed"], 1, "{pr}");
}

/// Between two commits only the trees that differ are compared and the base is not listed; the
/// verdict must be the one listing both sides gives (the working tree checked out at the head).
#[test]
fn comparing_two_commits_judges_as_listing_both_sides_does() {
    let ctx = repo();
    ctx.write(
        "registry/components/user.toml",
        "[component]\nname = \"user\"\n\n[versions.latest]\nversion = \"1.0.0\"\n\n[versions.latest.dependencies]\nfinetuning = \"^0.1\"\n\n[owner]\nteam = \"data-eng\"\n",
    )
    .write("registry/components/legacy/old.toml", "[component]\nname = \"old\"\n")
    .write("registry/teams/notes.txt", "not a descriptor\n");
    ctx.commit("a user, an old entry in a directory of its own, notes");
    // Changed, removed (with a dependent), added in a new directory, a directory removed, and
    // a file no kind reads added beside one that was there.
    ctx.edit(
        "registry/components/tokenizer.toml",
        "version = \"0.4.1\"",
        "version = \"0.4.0\"",
    );
    ctx.git(&["rm", "-q", "registry/components/finetuning.toml"]);
    ctx.git(&["rm", "-q", "-r", "registry/components/legacy"]);
    ctx.write(
        "registry/components/fresh/new.toml",
        "[component]\nname = \"new\"\n\n[versions.latest]\nversion = \"x\"\n\n[owner]\nteam = \"nobody\"\n",
    )
    .write("registry/teams/more-notes.txt", "still not a descriptor\n");
    ctx.commit("change, remove and add");
    let judged_alike = |what: &str| {
        let (pr_code, pr) =
            validate_json(&mut ctx.command(), &["--base", "HEAD~1", "--head", "HEAD"]);
        let (listed_code, listed) = validate_json(&mut ctx.command(), &["--base", "HEAD~1"]);
        assert_eq!(pr_code, listed_code, "{what}");
        assert_eq!(pr["diagnostics"], listed["diagnostics"], "{what}");
        assert_eq!(pr["summary"], listed["summary"], "{what}");
        pr
    };
    let report = judged_alike("plain files");
    let found = positions(&report);
    for expected in [
        "registry/components/user.toml",
        "registry/components/fresh/new.toml",
    ] {
        assert!(
            found.iter().any(|f| f.starts_with(expected)),
            "{expected} is judged: {found:?}"
        );
    }
    assert!(
        !found
            .iter()
            .any(|f| f.starts_with("registry/teams/notes.txt")),
        "the notes already there are not news: {found:?}"
    );
    assert!(found.contains(&"registry/teams/more-notes.txt unclaimed-file".to_owned()));
    // A symbolic link's content is its target's, which comparing trees does not see: the
    // whole base is listed instead, with the same verdict.
    std::os::unix::fs::symlink(
        "tokenizer.toml",
        ctx.root().join("registry/components/alias.toml"),
    )
    .expect("symlink");
    ctx.commit("an alias");
    judged_alike("with a symbolic link");
}
