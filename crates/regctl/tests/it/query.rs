//! Query commands on the example registry, read three ways (the registry itself, a composed
//! directory, a published index over HTTP) with the same answers; filters, version selection,
//! `--at`, `history`, and bad input.

use crate::common::{TestContext, copy_example, run};
use crate::server::Server;

/// Runs `args` with `reader` arguments and returns the exit code and parsed JSON.
fn json(ctx: &TestContext, reader: &[&str], args: &[&str]) -> (i32, serde_json::Value) {
    let (code, stdout, stderr) = run(ctx
        .command()
        .args(args)
        .args(reader)
        .args(["--output", "json"]));
    let value =
        serde_json::from_str(&stdout).unwrap_or_else(|_| serde_json::json!({"stderr": stderr}));
    (code, value)
}

fn example() -> TestContext {
    let ctx = TestContext::new();
    copy_example(ctx.root());
    ctx
}

#[test]
fn every_reader_gives_the_same_answers() {
    let ctx = example();
    assert_eq!(
        run(ctx.command().args(["compose", "--out", "published"])).0,
        0
    );
    let server = Server::serve(ctx.root().join("published"));
    let dir = ctx.root().join("published").display().to_string();
    let cache = ctx.root().join("http-cache");
    let readers: Vec<Vec<String>> = vec![
        vec![],
        vec!["--index".into(), dir],
        vec!["--index".into(), server.url.clone()],
    ];
    let questions: &[&[&str]] = &[
        &["get", "finetuning@^0.1"],
        &["get", "component:finetuning"],
        &["get", "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"],
        &["ls", "--tag", "llm"],
        &["ls", "--kind", "model", "--where", "/metrics/accuracy>=0.9"],
        // A two-part version: `1.0` is `1.0.0`, not a number no version string equals.
        &["ls", "--kind", "component", "--where", "/version>1.0"],
        &["ls", "--owner", "data-eng", "--sort", "id", "--limit", "2"],
        &["ls", "--stage", "production"],
        &["search", "tokenizer"],
        &["graph", "finetuning"],
        &["graph", "llama-3.1-8b-base", "--reverse"],
        &["which", "TextInputComponent"],
        &["stats"],
    ];
    for question in questions {
        let answers: Vec<(i32, serde_json::Value)> = readers
            .iter()
            .map(|reader| {
                let reader: Vec<&str> = reader.iter().map(String::as_str).collect();
                let mut command = ctx.command();
                command.env("REGCTL_CACHE_DIR", &cache);
                let (code, stdout, stderr) = run(command
                    .args(*question)
                    .args(&reader)
                    .args(["--output", "json"]));
                let mut value: serde_json::Value = serde_json::from_str(&stdout)
                    .unwrap_or_else(|_| panic!("{question:?} {reader:?}: {stderr}"));
                // Sizes differ: the in-memory registry has no federation files.
                if question[0] == "stats" {
                    value["files"] = serde_json::Value::Null;
                    value["bytes"] = serde_json::Value::Null;
                }
                (code, value)
            })
            .collect();
        assert_eq!(answers[0].0, 0, "{question:?}: {}", answers[0].1);
        if question.contains(&"/version>1.0") {
            let ids: Vec<&str> = answers[0].1["entries"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|row| row["id"].as_str())
                .collect();
            assert_eq!(ids, ["data-loader", "evaluation"], "{question:?}");
        }
        assert_eq!(
            answers[0], answers[1],
            "{question:?}: registry vs directory"
        );
        assert_eq!(answers[0], answers[2], "{question:?}: registry vs HTTP");
    }
    // A lookup by id reads config.json and one entry file, nothing else.
    server.forget();
    let mut command = ctx.command();
    command.env("REGCTL_CACHE_DIR", &cache);
    assert_eq!(
        run(command.args(["get", "finetuning", "--index", &server.url])).0,
        0
    );
    let mut paths: Vec<String> = server.seen().into_iter().map(|s| s.path).collect();
    paths.sort();
    paths.dedup();
    // Without a kind, each kind's file is tried; every one is small.
    assert!(
        paths
            .iter()
            .all(|p| p == "config.json" || p.starts_with("entries/")),
        "{paths:?}"
    );
    assert!(!paths.contains(&"catalog.json".to_owned()), "{paths:?}");
}

#[test]
fn answers_on_the_example_registry() {
    let ctx = example();
    let (code, found) = json(&ctx, &[], &["get", "finetuning"]);
    assert_eq!(code, 0);
    assert_eq!(
        found["selected"]["version"], "0.2.0",
        "the newest non-yanked version"
    );
    let (_, found) = json(&ctx, &[], &["get", "finetuning@^0.1"]);
    assert_eq!(found["selected"]["version"], "0.1.0");
    assert_eq!(
        found["selected"]["record"]["image"],
        "registry.io/physicsx/finetuning:0.1.0"
    );
    // tokenizer 0.3.0 is yanked: `~0.3` finds nothing.
    let (code, _) = json(&ctx, &[], &["get", "tokenizer@~0.3"]);
    assert_eq!(code, 2);
    let (_, which) = json(&ctx, &[], &["which", "TextInputComponent"]);
    assert_eq!(which["providers"][0]["id"], "langflow-executor-node");
    assert_eq!(
        which["providers"][0]["target"],
        "lfx.components.input_output.text"
    );
    let (_, rows) = json(&ctx, &[], &["ls", "--tag", "llm", "--tag", "sft"]);
    let ids: Vec<&str> = rows["entries"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, ["llama-3.1-8b-sft"]);
    let (_, rows) = json(
        &ctx,
        &[],
        &[
            "ls",
            "--where",
            "/stage in staging,development",
            "--kind",
            "model",
        ],
    );
    assert_eq!(rows["entries"].as_array().map(Vec::len), Some(2));
    let (_, rows) = json(&ctx, &[], &["search", "tokenizer"]);
    assert_eq!(
        rows["entries"][0]["id"], "tokenizer",
        "the exact id ranks first"
    );
    let (_, padded) = json(&ctx, &[], &["search", " tokenizer "]);
    assert_eq!(padded, rows, "spaces around the text change nothing");
    let (_, graph) = json(&ctx, &[], &["graph", "math-tutor"]);
    assert_eq!(graph["graph"], "lineage");
    assert_eq!(
        graph["nodes"],
        serde_json::json!(["model:llama-3.1-8b-sft", "model:llama-3.1-8b-base"])
    );
    let (code, stdout, _) = run(ctx
        .command()
        .args(["graph", "finetuning", "--output", "dot"]));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("digraph \"dependencies\" {")
            && stdout.contains("\"component:finetuning\" -> \"component:tokenizer\""),
        "{stdout}"
    );
    let (code, stdout, _) = run(ctx
        .command()
        .args(["ls", "--kind", "node", "--output", "yaml"]));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("entries:\n  - description:"), "{stdout}");
    let (code, stdout, _) = run(ctx.command().args(["graph", "finetuning"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout, @r"
    component:finetuning
    ├── component:data-loader (>=1.2, <2 → 1.3.2)
    ├── component:metrics-logger (^1 → 1.0.0)
    └── component:tokenizer (^0.4 → 0.4.1)
        └── component:data-loader (^1.2 → 1.3.2)
    ");
    // An entry without edges is still drawn: an empty picture reads as a failure.
    let (code, stdout, _) = run(ctx
        .command()
        .args(["graph", "legacy-trainer", "--output", "dot"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout, @r#"
    digraph "dependencies" {
      "component:legacy-trainer";
    }
    "#);
    let (code, stdout, _) = run(ctx.command().args([
        "graph",
        "metrics-logger",
        "--reverse",
        "--output",
        "mermaid",
    ]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout, @r#"
    graph TD
      component_3a_metrics_2d_logger["component:metrics-logger"]
      component_3a_metrics_2d_logger["component:metrics-logger"] -->|"^1.0 → 1.0.0"| component_3a_evaluation["component:evaluation"]
      component_3a_metrics_2d_logger["component:metrics-logger"] -->|"^1 → 1.0.0"| component_3a_finetuning["component:finetuning"]
    "#);
}

#[test]
fn prereleases_are_chosen_only_when_asked_for() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("history = \"/history\"\n");
    ctx.write(
        "schemas/thing.schema.json",
        r#"{"type": "object", "properties": {"name": {}, "version": {}, "history": {}}}"#,
    );
    ctx.write(
        "registry/things/lib.toml",
        "name = \"lib\"\nversion = \"2.0.0-rc.1\"\n\n[[history]]\nversion = \"1.0.0\"\n\n[[history]]\nversion = \"1.1.0\"\nyanked = true\n",
    );
    let (_, found) = json(&ctx, &[], &["get", "lib@^1"]);
    assert_eq!(
        found["selected"]["version"], "1.0.0",
        "1.1.0 is yanked, 2.0.0-rc.1 is not ^1"
    );
    let (_, found) = json(&ctx, &[], &["get", "lib@>=2.0.0-rc.1"]);
    assert_eq!(found["selected"]["version"], "2.0.0-rc.1");
    let (code, _) = json(&ctx, &[], &["get", "lib@^3"]);
    assert_eq!(code, 2);
    // The error lists what there is, yanked versions marked.
    let (_, _, stderr) = run(ctx.command().args(["get", "lib@^3"]));
    assert!(
        stderr.contains("satisfies `^3`; released: 1.0.0, 1.1.0 (yanked), 2.0.0-rc.1"),
        "{stderr}"
    );
}

#[test]
fn at_and_history_read_the_past_from_git() {
    let ctx = example();
    ctx.git_init("initial registry");
    let model = "registry/models/llama-3.1-8b-sft.toml";
    let text = std::fs::read_to_string(ctx.root().join(model)).expect("read");
    ctx.write(
        model,
        text.replacen("stage = \"staging\"", "stage = \"production\"", 1),
    );
    ctx.git(&[
        "commit",
        "-q",
        "-am",
        "Promote llama-3.1-8b-sft 1.1.0 to production",
    ]);
    let (code, now) = json(&ctx, &[], &["get", "llama-3.1-8b-sft"]);
    assert_eq!(code, 0);
    assert_eq!(now["selected"]["record"]["stage"], "production");
    let (code, before) = json(&ctx, &[], &["get", "llama-3.1-8b-sft", "--at", "HEAD~1"]);
    assert_eq!(code, 0);
    assert_eq!(before["selected"]["record"]["stage"], "staging");
    let (code, _) = json(
        &ctx,
        &[],
        &["get", "llama-3.1-8b-sft", "--at", "1990-01-01"],
    );
    assert_eq!(code, 2, "no commit that old");
    let (code, today) = json(
        &ctx,
        &[],
        &["get", "llama-3.1-8b-sft", "--at", "2999-01-01"],
    );
    assert_eq!(
        (code, &today["selected"]["record"]["stage"]),
        (0, &serde_json::json!("production"))
    );

    let (code, history) = json(&ctx, &[], &["history", "llama-3.1-8b-sft"]);
    assert_eq!(code, 0, "{history}");
    let commits = history["commits"].as_array().expect("commits");
    assert_eq!(commits.len(), 2);
    assert_eq!(
        commits[0]["summary"],
        "Promote llama-3.1-8b-sft 1.1.0 to production"
    );
    assert_eq!(
        commits[0]["changes"]["lifecycle"],
        serde_json::json!({"from": "staging", "to": "production"})
    );
    assert_eq!(commits[1]["event"], "added");
}

#[test]
fn bad_questions_are_usage_errors_and_bad_indexes_are_failures() {
    let ctx = example();
    for (args, code) in [
        (&["get", "a b"][..], 64),
        (&["get", "finetuning@^^1"], 64),
        (&["get", "gadget:finetuning"], 64),
        (&["ls", "--kind", "gadget"], 64),
        (&["ls", "--where", "accuracy>0.9"], 64),
        (&["ls", "--sort", "bogus"], 64),
        (&["graph", "finetuning", "--graph", "nope"], 64),
        (&["search", ""], 64),
        (&["ls", "--limit", "0"], 64),
        (&["which", " "], 64),
        (&["search", "tokenizer", "--limit", "0"], 64),
        (&["search", "  "], 64),
        (&["get", "no-such-entry"], 2),
        (&["which", "NoSuchComponent"], 2),
    ] {
        let (actual, _, stderr) = run(ctx.command().args(args));
        assert_eq!(actual, code, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
    let (_, _, stderr) = run(ctx.command().args(["ls", "--where", "accuracy>0.9"]));
    assert!(stderr.contains("POINTER OP VALUE"), "{stderr}");
    // `-1` is a number, and no entry's version compares with it: an error, not "no entries".
    let (code, stdout, stderr) = run(ctx.command().args(["ls", "--where", "/version>-1"]));
    assert_eq!((code, stdout.as_str()), (64, ""), "{stderr}");
    assert!(
        stderr.starts_with(
            "error: `/version > -1` compares with no entry: `/version` holds values such as \""
        ),
        "{stderr}"
    );
    // A condition that compares with some entries and not others is an answer.
    let (code, _, stderr) = run(ctx.command().args([
        "ls",
        "--where",
        "/version>0.1",
        "--where",
        "/metrics/accuracy>=0.5",
    ]));
    assert_eq!(code, 0, "{stderr}");

    // An index newer than this regctl reads.
    assert_eq!(run(ctx.command().args(["compose", "--out", "future"])).0, 0);
    ctx.edit(
        "future/config.json",
        "\"format_version\":1",
        "\"format_version\":7",
    );
    let (code, _, stderr) = run(ctx
        .command()
        .args(["get", "finetuning", "--index", "future"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("format_version 7, newer than this regctl reads (1)"),
        "{stderr}"
    );
    let (code, _, stderr) = run(ctx.command().args(["ls", "--index", "nowhere"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("not a regctl index"), "{stderr}");
}

/// After `regctl compose`, questions about the working tree are answered from the composed
/// index while its stamp says nothing changed (composing 100,000 entries in memory takes
/// seconds), and from the registry again as soon as a descriptor changes.
#[test]
fn a_fresh_composed_index_answers_for_the_working_tree() {
    let ctx = TestContext::new();
    ctx.with_thing_kind("\n[compose]\nout = \"dist/index\"\n");
    for id in ["alpha", "bravo"] {
        ctx.write(
            &format!("registry/things/{id}.toml"),
            format!("name = \"{id}\"\nversion = \"1.0.0\"\nemail = \"a@example.org\"\n"),
        );
    }
    assert_eq!(run(ctx.command().arg("compose")).0, 0);
    let email = |ctx: &TestContext| {
        let (code, out) = json(ctx, &[], &["get", "alpha"]);
        assert_eq!(code, 0, "{out}");
        out["entry"]["entry"]["email"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(email(&ctx), "a@example.org");

    // Only a read of the composed file can see this edit: same size, so the index stays
    // whole in the stamp's eyes, and the registry itself still says `a@`.
    let composed = crate::common::walk(&ctx.root().join("dist/index/entries"))
        .into_iter()
        .find(|path| path.ends_with("alpha.json"))
        .expect("alpha's sparse entry");
    let text = std::fs::read_to_string(&composed).expect("read");
    std::fs::write(&composed, text.replace("a@example.org", "z@example.org")).expect("write");
    assert_eq!(
        email(&ctx),
        "z@example.org",
        "answered from the composed index"
    );

    // While a compose writes the index (it holds the lock beside it exclusively), the
    // registry answers; once it is done, the index again.
    let lock = std::fs::File::open(ctx.root().join("dist/.index.regctl-lock")).expect("lock");
    lock.lock().expect("take the lock");
    assert_eq!(email(&ctx), "a@example.org", "a compose is writing");
    drop(lock);
    assert_eq!(email(&ctx), "z@example.org", "the compose is done");

    // A descriptor changes: the stamp no longer matches, and the registry answers.
    ctx.write(
        "registry/things/bravo.toml",
        "name = \"bravo\"\nversion = \"1.0.10\"\nemail = \"a@example.org\"\n",
    );
    assert_eq!(email(&ctx), "a@example.org", "answered from the registry");
    let (code, out) = json(&ctx, &[], &["get", "bravo"]);
    assert_eq!(code, 0);
    assert_eq!(out["entry"]["version"], "1.0.10");
}
