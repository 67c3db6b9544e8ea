//! `regctl compose` and `regctl publish` end to end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{TestContext, copy_example, regctl_in, run, walk};

/// path (relative to `dir`) → bytes, for every file under `dir`.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(&path).expect("read");
            (relative, bytes)
        })
        .collect()
}

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/example-index")
}

fn example() -> TestContext {
    let ctx = TestContext::new();
    copy_example(ctx.root());
    ctx
}

fn sha256(bytes: &[u8]) -> String {
    regctl_compose::build::sha256_hex(bytes)
}

#[test]
fn composing_the_example_twice_writes_the_golden_index_then_nothing() {
    let ctx = example();
    let (code, stdout, stderr) = run(ctx.command().arg("compose"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Composed 19 entries"), "{stdout}");
    let out = ctx.root().join("dist/index");
    assert_eq!(
        tree(&out),
        tree(&golden()),
        "the CLI writes the golden index"
    );

    let mtimes: Vec<_> = walk(&out)
        .iter()
        .map(|p| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .expect("mtime")
        })
        .collect();
    let (code, json, _) = run(ctx.command().args(["compose", "--output", "json"]));
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["written"], 0, "{json}");
    assert_eq!(json["removed"], 0);
    let after: Vec<_> = walk(&out)
        .iter()
        .map(|p| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .expect("mtime")
        })
        .collect();
    assert_eq!(mtimes, after, "nothing was touched");
}

#[test]
fn the_manifest_lists_every_file_with_its_hash() {
    let ctx = example();
    assert_eq!(run(ctx.command().arg("compose")).0, 0);
    let out = ctx.root().join("dist/index");
    let files = tree(&out);
    let manifest: serde_json::Value =
        serde_json::from_slice(&files["manifest.json"]).expect("manifest");
    let listed = manifest["files"].as_object().expect("files");
    for (path, bytes) in &files {
        if path == "manifest.json" {
            continue;
        }
        let entry = listed
            .get(path)
            .unwrap_or_else(|| panic!("{path} is not in the manifest"));
        assert_eq!(entry["sha256"], sha256(bytes), "{path}");
        assert_eq!(entry["size"], bytes.len(), "{path}");
    }
    assert_eq!(
        listed.len(),
        files.len() - 1,
        "the manifest lists only files that exist"
    );
    assert!(files.contains_key("entries/component/fi/ne/finetuning.json"));
}

#[test]
fn output_is_identical_whatever_the_thread_count_or_file_order() {
    let first = example();
    // The second copy is written in reverse order, so directory order differs.
    let second = TestContext::new();
    let source = first.root();
    let mut files = walk(source);
    files.reverse();
    for file in files {
        let relative = file.strip_prefix(source).expect("inside");
        let target = second.root().join(relative);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&file, target).expect("copy");
    }
    let (a, _, _) = run(first
        .command()
        .args(["compose", "--out", "one"])
        .env("RAYON_NUM_THREADS", "1"));
    let (b, _, _) = run(second
        .command()
        .args(["compose", "--out", "many"])
        .env("RAYON_NUM_THREADS", "8"));
    assert_eq!((a, b), (0, 0));
    assert_eq!(
        tree(&first.root().join("one")),
        tree(&second.root().join("many"))
    );
}

#[test]
fn changes_rewrite_only_what_changed_and_remove_what_is_gone() {
    let ctx = example();
    assert_eq!(run(ctx.command().arg("compose")).0, 0);
    let out = ctx.root().join("dist/index");
    // A description edit changes the entry, the catalog, their federated copies and the manifest.
    let path = ctx.root().join("registry/components/legacy-trainer.toml");
    ctx.edit(
        "registry/components/legacy-trainer.toml",
        "before the registry existed",
        "before the registry",
    );
    let (code, stdout, _) = run(ctx.command().args(["compose", "--output", "json"]));
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(
        (json["written"].as_u64(), json["removed"].as_u64()),
        (Some(5), Some(0)),
        "{json}"
    );
    // Deleting an unreferenced entry removes its sparse file.
    std::fs::remove_file(&path).expect("remove");
    let (_, stdout, _) = run(ctx.command().args(["compose", "--output", "json"]));
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["removed"], 2, "{json}");
    assert!(
        !out.join("entries/component/le/ga/legacy-trainer.json")
            .exists()
    );
    assert!(
        !out.join("entries/component/le").exists(),
        "empty shard directories go too"
    );
}

#[test]
fn a_previous_manifest_never_removes_files_outside_the_index() {
    // Compose removes the files the previous manifest listed and the new index has not. A
    // manifest someone else wrote (committed, say) must not reach outside the directory.
    let ctx = example_without_sources();
    assert_eq!(run(ctx.command().arg("compose")).0, 0);
    let manifest_path = ctx.root().join("dist/index/manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("manifest")).expect("JSON");
    ctx.write("victim.json", "{}");
    ctx.write("dist/victim.json", "{}");
    for path in ["../../victim.json", "../victim.json", "/tmp/victim.json"] {
        manifest["files"][path] = serde_json::json!({"size": 2, "sha256": sha256(b"{}")});
    }
    std::fs::write(&manifest_path, manifest.to_string()).expect("write manifest");
    let json = compose_json(&ctx, &[]);
    assert_eq!(json["removed"], 0, "{json}");
    assert!(ctx.root().join("victim.json").exists());
    assert!(ctx.root().join("dist/victim.json").exists());
}

#[test]
fn an_output_directory_that_is_a_file_or_among_the_descriptors_is_refused() {
    let ctx = example_without_sources();
    ctx.write("afile", "keep");
    let (code, _, stderr) = run(ctx.command().args(["compose", "--out", "afile"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("cannot write the index to `afile`: it is a file"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(ctx.root().join("afile")).expect("read"),
        "keep"
    );
    // Below a file: the directory cannot be made, and the error says it was a write.
    let (code, _, stderr) = run(ctx.command().args(["compose", "--out", "afile/index"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error: failed to write `afile"), "{stderr}");

    for out in ["registry/components/index", "registry/idx"] {
        let (code, _, stderr) = run(ctx.command().args(["compose", "--out", out]));
        assert_eq!(code, 1, "{out}: {stderr}");
        assert!(
            stderr.contains("where regctl reads descriptors"),
            "{stderr}"
        );
        assert!(!ctx.root().join(out).exists(), "{out} was written");
    }
    // The same directory through a path from elsewhere is still recognised.
    let (code, _, stderr) = run(regctl_in(&ctx.root().join("registry")).args([
        "compose",
        "--out",
        "components/../components/index",
    ]));
    assert_eq!(code, 1, "{stderr}");
    // Beside the kinds' directories is fine.
    let (code, _, stderr) = run(ctx.command().args(["compose", "--out", "site/index"]));
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn check_reports_a_stale_index_without_writing() {
    // Federated, the index is compared once built in memory; without sources, as it is built.
    for ctx in [example(), example_without_sources()] {
        stale_index_is_reported_without_writing(&ctx);
    }
}

fn stale_index_is_reported_without_writing(ctx: &TestContext) {
    let (code, _, stderr) = run(ctx.command().args(["compose", "--check"]));
    assert_eq!(code, 2, "nothing composed yet");
    assert!(
        stderr.contains("differs from what compose would write"),
        "{stderr}"
    );
    assert!(
        !ctx.root().join("dist/index").exists(),
        "--check writes nothing"
    );
    assert_eq!(run(ctx.command().arg("compose")).0, 0);
    assert_eq!(run(ctx.command().args(["compose", "--check"])).0, 0);
    ctx.write("dist/index/stray.json", "{}");
    std::fs::write(ctx.root().join("dist/index/catalog.json"), "{}").expect("write");
    std::fs::remove_file(ctx.root().join("dist/index/owners.json")).expect("remove");
    let (code, stdout, _) = run(ctx.command().args(["compose", "--check"]));
    assert_eq!(code, 2);
    insta::allow_duplicates! {
        insta::assert_snapshot!(stdout, @r"
         changed  catalog.json
         missing  owners.json
           extra  stray.json
        ");
    }
}

#[test]
fn an_invalid_registry_is_refused_and_nothing_is_written() {
    let ctx = example();
    assert_eq!(run(ctx.command().arg("compose")).0, 0);
    let before = tree(&ctx.root().join("dist/index"));
    ctx.write(
        "registry/components/broken.toml",
        "[component]\nname = \"broken\"\n",
    );
    let (code, _, stderr) = run(ctx.command().arg("compose"));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("MetadataValidationError") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(tree(&ctx.root().join("dist/index")), before);
}

#[test]
fn a_failed_compose_leaves_the_previous_index_complete() {
    // The example is federated, so its index is built in memory and then written; without
    // sources each file is written as it is built. Both must fail the same way.
    for ctx in [example(), example_without_sources()] {
        failed_compose_leaves_the_previous_index_complete(&ctx);
    }
}

fn failed_compose_leaves_the_previous_index_complete(ctx: &TestContext) {
    assert_eq!(run(ctx.command().arg("compose")).0, 0);
    let out = ctx.root().join("dist/index");
    let before = tree(&out);
    // A new entry needs `entries/component/zz/zz/`; a file where that directory must go makes
    // the write fail after other files were already prepared.
    ctx.write(
        "registry/components/zzzz.toml",
        "[component]\nname = \"zzzz\"\ndescription = \"z\"\nrepository = \"https://example.com/z\"\npath = \"z\"\n\n[versions.latest]\nversion = \"1.0.0\"\nimage = \"z:1\"\nmin_python = \"3.10\"\nmax_python = \"3.12\"\n\n[owner]\nhandle = \"kamil\"\nemail = \"kamil@physicsx.ai\"\nteam = \"ml-research\"\n",
    );
    std::fs::write(out.join("entries/component/zz"), "in the way").expect("plant");
    let (code, _, stderr) = run(ctx.command().arg("compose"));
    assert_eq!(code, 1, "{stderr}");
    std::fs::remove_file(out.join("entries/component/zz")).expect("unplant");
    assert_eq!(
        tree(&out),
        before,
        "the previous index is untouched, with no temporary files left"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&before["manifest.json"]).expect("manifest");
    for (path, file) in manifest["files"].as_object().expect("files") {
        assert_eq!(
            file["sha256"],
            sha256(&before[path]),
            "{path} matches the manifest"
        );
    }
}

#[test]
fn concurrent_composes_do_not_corrupt_the_index() {
    let ctx = example();
    let spawn = || {
        ctx.command()
            .arg("compose")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let mut children: Vec<_> = (0..4).map(|_| spawn()).collect();
    for child in &mut children {
        assert!(child.wait().expect("wait").success());
    }
    assert_eq!(tree(&ctx.root().join("dist/index")), tree(&golden()));
}

#[test]
fn publish_commits_the_index_to_a_branch_once() {
    let ctx = example();
    ctx.git_init("registry");
    assert_eq!(run(ctx.command().arg("compose")).0, 0);
    let head_before = ctx.git(&["rev-parse", "HEAD"]);
    let status_before = ctx.git(&["status", "--porcelain"]);
    let (code, first, stderr) = run(ctx.command().args(["publish", "--branch", "index"]));
    assert_eq!(code, 0, "{stderr}");
    let commit = first.trim();
    assert_eq!(commit.len(), 40, "{first}");
    assert_eq!(ctx.git(&["rev-parse", "index"]).trim(), commit);
    assert_eq!(
        ctx.git(&["rev-parse", "HEAD"]),
        head_before,
        "HEAD is untouched"
    );
    assert_eq!(
        ctx.git(&["status", "--porcelain"]),
        status_before,
        "the work tree and index are untouched"
    );
    // The branch's tree is the composed directory, file for file, and an empty `.nojekyll`
    // so that GitHub Pages serves directories like `_a/` as they are.
    let composed = tree(&ctx.root().join("dist/index"));
    let listed = ctx.git(&["ls-tree", "-r", "--name-only", "index"]);
    let mut expected: Vec<&str> = composed.keys().map(String::as_str).collect();
    expected.insert(0, ".nojekyll");
    assert_eq!(listed.lines().collect::<Vec<_>>(), expected);
    assert_eq!(ctx.git(&["show", "index:.nojekyll"]), "");
    let entry = ctx.git(&["show", "index:entries/component/fi/ne/finetuning.json"]);
    assert_eq!(
        entry.as_bytes(),
        composed["entries/component/fi/ne/finetuning.json"].as_slice()
    );

    let (code, second, stderr) = run(ctx.command().args(["publish", "--branch", "index"]));
    assert_eq!(code, 0);
    assert_eq!(second.trim(), commit, "no new commit for the same tree");
    assert!(stderr.contains("no commit made"), "{stderr}");
    assert_eq!(ctx.git(&["rev-list", "--count", "index"]).trim(), "1");
}

#[test]
fn shard_directories_starting_with_a_dot_are_published_and_checked() {
    // `ab.cd` shards as `ab/.c/`: a hidden directory, still part of the index.
    let ctx = TestContext::new();
    ctx.with_thing_kind("");
    for id in ["ab.cd", "plain"] {
        ctx.write(
            &format!("registry/things/{id}.toml"),
            format!("name = \"{id}\"\nversion = \"1.0.0\"\n"),
        );
    }
    ctx.git_init("registry");
    assert_eq!(run(ctx.command().arg("compose")).0, 0);
    let hidden = "entries/thing/ab/.c/ab.cd.json";
    assert!(ctx.root().join("dist/index").join(hidden).is_file());
    let (code, _, stderr) = run(ctx.command().arg("publish"));
    assert_eq!(code, 0, "{stderr}");
    let listed = ctx.git(&["ls-tree", "-r", "--name-only", "index"]);
    assert!(listed.lines().any(|line| line == hidden), "{listed}");

    // A stray file there is an extra file; `.nojekyll` at the top is not the index's business.
    ctx.write("dist/index/entries/thing/ab/.c/stale.json", "{}");
    ctx.write("dist/index/.nojekyll", "");
    let (code, stdout, _) = run(ctx.command().args(["compose", "--check"]));
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(
        stdout.trim(),
        "extra  entries/thing/ab/.c/stale.json",
        "{stdout}"
    );
    // Publishing takes what the manifest lists, not whatever else is in the directory.
    assert_eq!(run(ctx.command().arg("publish")).0, 0);
    let listed = ctx.git(&["ls-tree", "-r", "--name-only", "index"]);
    assert!(!listed.contains("stale.json"), "{listed}");
}

#[test]
fn publish_needs_a_composed_index() {
    let ctx = example();
    ctx.git_init("registry");
    let (code, _, stderr) = run(regctl_in(ctx.root()).args(["publish"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("run `regctl compose` first"), "{stderr}");
    // A branch git would refuse is a usage error, found before anything is read.
    for branch in ["", "a..b", "has space", "x.lock", "trailing/"] {
        let (code, _, stderr) = run(regctl_in(ctx.root()).args(["publish", "--branch", branch]));
        assert_eq!(code, 64, "{branch:?}: {stderr}");
        assert!(stderr.contains("branch name"), "{branch:?}: {stderr}");
    }
}

#[test]
fn every_golden_file_matches_its_schema() {
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/index");
    let load = |name: &str| {
        let schema: serde_json::Value =
            serde_json::from_slice(&std::fs::read(schemas.join(name)).expect("schema"))
                .expect("JSON");
        regctl_core::schema::options()
            .with_retriever(SchemaDir(schemas.clone()))
            .build(&schema)
            .expect("schema compiles")
    };
    let rules = [
        ("config.json", "config.schema.json"),
        ("catalog.json", "catalog.schema.json"),
        ("owners.json", "owners.schema.json"),
        ("manifest.json", "manifest.schema.json"),
        ("federation.json", "federation.schema.json"),
        ("federated/catalog.json", "federated-catalog.schema.json"),
        ("federated/entries/", "entry.schema.json"),
        ("entries/", "entry.schema.json"),
        ("graphs/", "graph.schema.json"),
        ("provides/", "provides.schema.json"),
        ("keys/", "keys.schema.json"),
    ];
    let validators: Vec<_> = rules
        .iter()
        .map(|(prefix, schema)| (*prefix, load(schema)))
        .collect();
    for (path, bytes) in tree(&golden()) {
        let (_, validator) = validators
            .iter()
            .find(|(prefix, _)| {
                path == *prefix || (prefix.ends_with('/') && path.starts_with(prefix))
            })
            .unwrap_or_else(|| panic!("no schema for {path}"));
        let document: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path}: {errors:#?}");
    }
}

/// Resolves `https://regctl.dev/schemas/index/<file>` to the file in `schemas/index/`.
struct SchemaDir(PathBuf);

impl jsonschema::Retrieve for SchemaDir {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or_default();
        Ok(serde_json::from_slice(&std::fs::read(self.0.join(name))?)?)
    }
}

/// The stamps compose left in the registry's cache.
fn stamps(root: &Path) -> Vec<PathBuf> {
    let cache = root.join(".regctl/cache");
    if !cache.is_dir() {
        return Vec::new();
    }
    walk(&cache)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("compose-"))
        })
        .collect()
}

/// The example registry without its federation sources: sources can change without a local
/// file changing, so only a registry without them is ever recognised as unchanged.
fn example_without_sources() -> TestContext {
    let ctx = example();
    for source in ["reuse-surface", "state-hub"] {
        std::fs::remove_file(ctx.root().join(format!("registry/sources/{source}.toml")))
            .expect("remove source");
    }
    ctx
}

fn compose_json(ctx: &TestContext, extra: &[&str]) -> serde_json::Value {
    let (code, stdout, stderr) = run(ctx
        .command()
        .args(["compose", "--output", "json"])
        .args(extra));
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).expect("JSON")
}

#[test]
fn an_unchanged_registry_is_recognised_and_any_change_composes_again() {
    let ctx = example_without_sources();
    let out = ctx.root().join("dist/index");
    let first = compose_json(&ctx, &[]);
    assert_eq!(
        stamps(ctx.root()).len(),
        1,
        "a stamp is left after a compose"
    );
    let composed = tree(&out);

    let again = compose_json(&ctx, &[]);
    assert_eq!(
        (
            again["written"].as_u64(),
            again["entries"].clone(),
            again["files"].clone()
        ),
        (Some(0), first["entries"].clone(), first["files"].clone()),
        "{again}"
    );
    assert_eq!(tree(&out), composed);

    // An edited entry is seen, and the index is what a full compose writes.
    let path = ctx.root().join("registry/components/legacy-trainer.toml");
    ctx.edit(
        "registry/components/legacy-trainer.toml",
        "before the registry existed",
        "long ago",
    );
    let edited = compose_json(&ctx, &[]);
    assert!(edited["written"].as_u64() > Some(0), "{edited}");
    let full = example_without_sources();
    std::fs::write(
        full.root().join("registry/components/legacy-trainer.toml"),
        std::fs::read(&path).expect("read"),
    )
    .expect("write");
    compose_json(&full, &["--no-cache"]);
    assert!(stamps(full.root()).is_empty(), "--no-cache leaves no stamp");
    let mut expected = tree(&full.root().join("dist/index"));
    let mut actual = tree(&out);
    // config.json names the commit; neither copy is in git, so they agree.
    expected.remove("manifest.json");
    actual.remove("manifest.json");
    assert_eq!(actual, expected);

    // A file missing from the output is noticed and written again.
    let catalog = out.join("catalog.json");
    let bytes = std::fs::read(&catalog).expect("read");
    std::fs::remove_file(&catalog).expect("remove");
    let repaired = compose_json(&ctx, &[]);
    assert_eq!(repaired["written"], 1, "{repaired}");
    assert_eq!(std::fs::read(&catalog).expect("read"), bytes);
}

#[test]
fn a_federated_registry_is_composed_every_time() {
    let ctx = example();
    compose_json(&ctx, &[]);
    assert!(stamps(ctx.root()).is_empty());
}

#[test]
fn a_relative_output_directory_keeps_one_stamp() {
    let ctx = example_without_sources();
    // The first compose creates the directory: its stamp must be found by the second.
    compose_json(&ctx, &["--out", "out-rel"]);
    let again = compose_json(&ctx, &["--out", "out-rel"]);
    assert_eq!(again["written"], 0, "{again}");
    assert_eq!(stamps(ctx.root()).len(), 1);
}

/// Graph files list nodes by `kind:id` as text, which is not the entries' kind-then-id order
/// when one kind's name starts another's (`part:` sorts after `part-kit:`, since `:` is after
/// `-`): nodes, reverse lists and the topological order's ties must still follow the keys.
#[test]
fn graphs_order_nodes_by_key_across_kinds_whose_names_share_a_prefix() {
    let ctx = TestContext::new();
    let mut config = String::from("[registry]\nname = \"test\"\n\n[graphs.uses]\nacyclic = true\n");
    for kind in ["part", "part-kit"] {
        config.push_str(&format!(
            "\n[kinds.{kind}]\ndir = \"registry/{kind}\"\nschema = \"schemas/item.schema.json\"\nid = \"/name\"\n\n[[kinds.{kind}.refs]]\npath = \"/uses/*\"\nkind = \"part\"\ngraph = \"uses\"\n"
        ));
    }
    ctx.write("regctl.toml", config);
    ctx.write(
        "schemas/item.schema.json",
        r#"{"type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}, "uses": {"type": "array", "items": {"type": "string"}}}}"#,
    );
    // part:b and part:c use part:a; the kit uses part:c. Ready at first: part:a only.
    ctx.write("registry/part/a.toml", "name = \"a\"\n");
    ctx.write("registry/part/b.toml", "name = \"b\"\nuses = [\"a\"]\n");
    ctx.write("registry/part/c.toml", "name = \"c\"\nuses = [\"a\"]\n");
    ctx.write(
        "registry/part-kit/kit.toml",
        "name = \"kit\"\nuses = [\"c\"]\n",
    );
    let (code, _, stderr) = run(ctx.command().args(["compose", "--out", "index"]));
    assert_eq!(code, 0, "{stderr}");
    let graph: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ctx.root().join("index/graphs/uses.json")).expect("graph file"),
    )
    .expect("JSON");
    let strings = |value: &serde_json::Value| -> Vec<String> {
        value
            .as_array()
            .expect("array")
            .iter()
            .map(|v| v.as_str().expect("string").to_owned())
            .collect()
    };
    assert_eq!(
        strings(&graph["nodes"]),
        ["part-kit:kit", "part:a", "part:b", "part:c"]
    );
    assert_eq!(
        graph["reverse"],
        serde_json::json!({"part:a": ["part:b", "part:c"], "part:c": ["part-kit:kit"]})
    );
    let edges: Vec<(String, String)> = graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap_or_default().to_owned(),
                e["to"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        edges,
        [
            ("part-kit:kit".to_owned(), "part:c".to_owned()),
            ("part:b".to_owned(), "part:a".to_owned()),
            ("part:c".to_owned(), "part:a".to_owned()),
        ]
    );
    // Dependencies first; among the ready, the smaller key: after part:a, part:b before part:c,
    // and the kit only once part:c is out.
    assert_eq!(
        strings(&graph["topological_order"]),
        ["part:a", "part:b", "part:c", "part-kit:kit"]
    );
}
