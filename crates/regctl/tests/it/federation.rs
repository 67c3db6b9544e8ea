//! Federation end to end: registries composed and served on 127.0.0.1 or from git, federated
//! by a third; the cache, its TTL and revalidation; offline runs; every way a source can be
//! unusable, for required and optional sources; collisions; tokens.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{TestContext, run, walk};
use crate::server::Server;

/// A registry with kind `thing` and the given ids, composed into `dist/index`.
fn sibling(ids: &[&str]) -> TestContext {
    let ctx = TestContext::new();
    ctx.with_thing_kind("");
    for id in ids {
        ctx.write(
            &format!("registry/things/{id}.toml"),
            format!("name = \"{id}\"\nversion = \"1.0.0\"\n"),
        );
    }
    let (code, _, stderr) = run(ctx.command().arg("compose"));
    assert_eq!(code, 0, "{stderr}");
    ctx
}

/// The federating registry, with its own cache directory.
fn hub() -> TestContext {
    let ctx = TestContext::new();
    ctx.with_thing_kind("\n[federation]\ntimeout_seconds = 2\n");
    ctx.write(
        "registry/things/local.toml",
        "name = \"local\"\nversion = \"1.0.0\"\n",
    );
    ctx
}

fn add_source(hub: &TestContext, name: &str, url: &str, required: bool, extra: &str) {
    hub.write(
        &format!("registry/sources/{name}.toml"),
        format!(
            "name = \"{name}\"\nurl = \"{url}\"\ndomain = \"test\"\nrequired = {required}\n{extra}"
        ),
    );
}

fn compose(hub: &TestContext, args: &[&str]) -> (i32, String, String) {
    run(hub.command().arg("compose").args(args))
}

fn federation(hub: &TestContext) -> serde_json::Value {
    let bytes =
        std::fs::read(hub.root().join("dist/index/federation.json")).expect("federation.json");
    serde_json::from_slice(&bytes).expect("JSON")
}

fn status_of(hub: &TestContext, name: &str) -> String {
    federation(hub)["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["name"] == name)
        .map(|s| s["status"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

/// path → bytes of the federated catalog and entries.
fn federated(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let root = dir.join("dist/index/federated");
    walk(&root)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(&root)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(&p).expect("read"),
            )
        })
        .collect()
}

#[test]
fn two_registries_served_locally_are_federated_by_a_third() {
    let a = sibling(&["alpha", "shared"]);
    let b = sibling(&["beta"]);
    // b publishes its index to a branch of a bare repository, read as a git source.
    b.git_init("b");
    assert_eq!(run(b.command().args(["publish", "--branch", "index"])).0, 0);
    let bare = tempfile::tempdir().expect("tempdir");
    let status = std::process::Command::new("git")
        .args([
            "clone",
            "-q",
            "--bare",
            &b.root().display().to_string(),
            "b.git",
        ])
        .current_dir(bare.path())
        .status()
        .expect("git clone");
    assert!(status.success());
    let server = Server::serve(a.root().join("dist/index"));
    let hub = hub();
    add_source(&hub, "a", &server.url, true, "");
    add_source(
        &hub,
        "b",
        &format!("git+file://{}/b.git#index", bare.path().display()),
        true,
        "",
    );

    let (code, stdout, stderr) = compose(&hub, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        (status_of(&hub, "a"), status_of(&hub, "b")),
        ("ok".to_owned(), "ok".to_owned())
    );
    let catalog: serde_json::Value = serde_json::from_slice(
        &std::fs::read(hub.root().join("dist/index/federated/catalog.json")).expect("catalog"),
    )
    .expect("JSON");
    let qualified: Vec<&str> = catalog["entries"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["qualified"].as_str())
        .collect();
    assert_eq!(
        qualified,
        [
            "test/source:a",
            "test/source:b",
            "a/thing:alpha",
            "b/thing:beta",
            "test/thing:local",
            "a/thing:shared"
        ]
    );
    for row in catalog["entries"].as_array().expect("rows") {
        let entry: serde_json::Value = serde_json::from_slice(
            &std::fs::read(
                hub.root()
                    .join("dist/index")
                    .join(row["path"].as_str().expect("path")),
            )
            .expect("entry"),
        )
        .expect("JSON");
        assert_eq!(
            entry["source"], row["source"],
            "every federated entry carries its source"
        );
    }

    // Offline afterwards, from the cache: the same federated index.
    let online = federated(hub.root());
    server.stop();
    let (code, _, stderr) = compose(&hub, &["--offline"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(federated(hub.root()), online);
    assert_eq!(federation(&hub)["sources"][0]["from_cache"], true);
}

#[test]
fn a_dead_required_source_fails_compose_and_keeps_the_previous_index() {
    let a = sibling(&["alpha"]);
    let server = Server::serve(a.root().join("dist/index"));
    let hub = hub();
    add_source(&hub, "a", &server.url, true, "");
    assert_eq!(compose(&hub, &[]).0, 0);
    let before = federated(hub.root());
    server.stop();
    let (code, _, stderr) = compose(&hub, &["--refresh"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("required source a unusable"), "{stderr}");
    assert!(stderr.contains("failed `a`"), "{stderr}");
    assert_eq!(
        federated(hub.root()),
        before,
        "the previous federated index is intact"
    );
}

#[test]
fn the_cache_is_reused_within_its_ttl_and_revalidated_after() {
    let a = sibling(&["alpha", "beta"]);
    let server = Server::serve(a.root().join("dist/index"));
    let hub = hub();
    add_source(&hub, "a", &server.url, true, "cache_ttl_seconds = 3600\n");
    assert_eq!(compose(&hub, &[]).0, 0);
    assert!(server.seen().iter().all(|s| s.status == 200));
    server.forget();
    assert_eq!(compose(&hub, &[]).0, 0);
    assert!(server.seen().is_empty(), "a fresh cache needs no request");
    // --refresh revalidates: the manifest comes back 304, and unchanged files are not asked for.
    assert_eq!(compose(&hub, &["--refresh"]).0, 0);
    let seen = server.seen();
    let manifest = seen
        .iter()
        .find(|s| s.path == "manifest.json")
        .expect("manifest requested");
    assert_eq!(manifest.status, 304);
    assert!(manifest.headers.contains_key("if-none-match"));
    assert!(
        !seen.iter().any(|s| s.path.starts_with("entries/")),
        "{seen:?}"
    );
    // An expired TTL behaves like --refresh.
    add_source(&hub, "a", &server.url, true, "cache_ttl_seconds = 0\n");
    server.forget();
    assert_eq!(compose(&hub, &[]).0, 0);
    assert!(server.seen().iter().any(|s| s.path == "manifest.json"));
    // A change at the source is fetched: only the changed entry, not the others.
    a.write(
        "registry/things/alpha.toml",
        "name = \"alpha\"\nversion = \"1.1.0\"\n",
    );
    assert_eq!(run(a.command().arg("compose")).0, 0);
    server.forget();
    assert_eq!(compose(&hub, &[]).0, 0);
    let fetched: Vec<String> = server
        .seen()
        .into_iter()
        .filter(|s| s.status == 200)
        .map(|s| s.path)
        .collect();
    assert!(
        fetched.contains(&"entries/thing/al/ph/alpha.json".to_owned()),
        "{fetched:?}"
    );
    assert!(
        !fetched.contains(&"entries/thing/be/ta/beta.json".to_owned()),
        "{fetched:?}"
    );
}

#[test]
fn offline_without_a_cache_fails_required_and_skips_optional_sources() {
    let a = sibling(&["alpha"]);
    let server = Server::serve(a.root().join("dist/index"));
    let hub = hub();
    add_source(&hub, "a", &server.url, false, "");
    let (code, _, stderr) = compose(&hub, &["--offline"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("never fetched"), "{stderr}");
    assert_eq!(status_of(&hub, "a"), "skipped");
    add_source(&hub, "a", &server.url, true, "");
    let (code, _, stderr) = compose(&hub, &["--offline"]);
    assert_eq!(code, 1, "{stderr}");
}

#[test]
fn corrupt_pinned_oversized_and_silent_sources_are_rejected() {
    let a = sibling(&["alpha"]);
    // Corrupt file: its bytes no longer match the manifest.
    let server = Server::serve(a.root().join("dist/index"));
    server.corrupt("entries/thing/al/ph/alpha.json");
    let hub = hub();
    add_source(&hub, "a", &server.url, true, "");
    let (code, _, stderr) = compose(&hub, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("does not match the sha256 its manifest lists"),
        "{stderr}"
    );
    add_source(&hub, "a", &server.url, false, "");
    let (code, _, stderr) = compose(&hub, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(status_of(&hub, "a"), "skipped");
    drop(server);

    // A manifest that is not the pinned one.
    let server = Server::serve(a.root().join("dist/index"));
    let pin = "0".repeat(64);
    add_source(
        &hub,
        "a",
        &server.url,
        true,
        &format!("sha256 = \"{pin}\"\n"),
    );
    let (code, _, stderr) = compose(&hub, &["--refresh"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not the pinned"), "{stderr}");
    add_source(
        &hub,
        "a",
        &server.url,
        false,
        &format!("sha256 = \"{pin}\"\n"),
    );
    assert_eq!(compose(&hub, &["--refresh"]).0, 0);
    assert_eq!(status_of(&hub, "a"), "skipped");

    // Files larger than the limit.
    hub.with_thing_kind("\n[federation]\ntimeout_seconds = 2\nmax_file_bytes = 64\n");
    add_source(&hub, "a", &server.url, true, "");
    let (code, _, stderr) = compose(&hub, &["--refresh"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("larger than 64 bytes"), "{stderr}");
    add_source(&hub, "a", &server.url, false, "");
    assert_eq!(compose(&hub, &["--refresh"]).0, 0);
    assert_eq!(status_of(&hub, "a"), "skipped");
    add_source(&hub, "a", &server.url, true, "");
    hub.with_thing_kind("\n[federation]\ntimeout_seconds = 1\n");

    // A server that never answers: a timeout, so unreachable.
    server.hang();
    let started = std::time::Instant::now();
    let (code, _, stderr) = compose(&hub, &["--refresh"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");
    assert!(started.elapsed().as_secs() < 20);
    add_source(&hub, "a", &server.url, false, "");
    let (code, _, stderr) = compose(&hub, &["--refresh"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_source_listing_a_path_outside_its_index_is_rejected() {
    // Listed paths are joined to the cache and output directories; `..` would escape them.
    let a = sibling(&["alpha"]);
    let manifest_path = a.root().join("dist/index/manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("manifest")).expect("JSON");
    let escape = "entries/../../../../../../escape.json";
    manifest["files"][escape] = serde_json::json!({"size": 2, "sha256": "0".repeat(64)});
    std::fs::write(&manifest_path, manifest.to_string()).expect("write manifest");
    let server = Server::serve(a.root().join("dist/index"));
    let hub = hub();
    add_source(&hub, "a", &server.url, true, "");
    let (code, _, stderr) = compose(&hub, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("escape.json"), "{stderr}");
    let escaped: Vec<_> = walk(hub.root())
        .into_iter()
        .filter(|p| p.ends_with("escape.json"))
        .collect();
    assert!(escaped.is_empty(), "{escaped:?}");
}

#[test]
fn the_same_id_in_two_sources_is_a_collision() {
    let a = sibling(&["shared"]);
    let b = sibling(&["shared"]);
    let (sa, sb) = (
        Server::serve(a.root().join("dist/index")),
        Server::serve(b.root().join("dist/index")),
    );
    let hub = hub();
    add_source(&hub, "a", &sa.url, true, "");
    add_source(&hub, "b", &sb.url, true, "");
    let (code, _, stderr) = compose(&hub, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning[federation-collision]: `thing:shared` is in sources a, b"),
        "{stderr}"
    );
    assert_eq!(
        federation(&hub)["collisions"][0]["sources"],
        serde_json::json!(["a", "b"])
    );
    hub.with_thing_kind(
        "\n[federation]\ntimeout_seconds = 2\n\n[rules]\nfederation-collision = \"deny\"\n",
    );
    let (code, _, stderr) = compose(&hub, &[]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn a_token_is_sent_to_its_source_host_and_nowhere_else() {
    let a = sibling(&["alpha"]);
    let elsewhere = Server::serve(a.root().join("dist/index"));
    let server = Server::serve(a.root().join("dist/index"));
    // Entry files redirect to another host (another port is another host).
    server.redirect("entries/", &format!("{}entries/", elsewhere.url));
    let hub = hub();
    add_source(&hub, "a", &server.url, true, "token_env = \"A_TOKEN\"\n");
    let (code, stdout, stderr) = run(hub.command().arg("compose").env("A_TOKEN", "s3cret"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        server
            .seen()
            .iter()
            .all(|s| s.headers.get("authorization").map(String::as_str) == Some("Bearer s3cret"))
    );
    let redirected = elsewhere.seen();
    assert!(!redirected.is_empty(), "the redirect was followed");
    assert!(
        redirected
            .iter()
            .all(|s| !s.headers.contains_key("authorization")),
        "{redirected:?}"
    );
    assert!(!stdout.contains("s3cret") && !stderr.contains("s3cret"));
    for file in walk(&hub.root().join(".regctl")) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).expect("read")).into_owned();
        assert!(
            !text.contains("s3cret"),
            "{} holds the token",
            file.display()
        );
    }
}

#[test]
fn federation_commands_edit_sources_safely() {
    let a = sibling(&["alpha"]);
    let server = Server::serve(a.root().join("dist/index"));
    let hub = hub();
    let (code, stdout, _) = run(hub.command().args([
        "federation",
        "add",
        "a",
        "--url",
        &server.url,
        "--required",
        "--ttl",
        "60",
    ]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("registered registry/sources/a.toml"),
        "{stdout}"
    );
    let (code, _, stderr) =
        run(hub
            .command()
            .args(["federation", "add", "a", "--url", &server.url]));
    assert_eq!(code, 2, "{stderr}");
    // An invalid source is refused and nothing is written.
    let (code, _, stderr) =
        run(hub
            .command()
            .args(["federation", "add", "bad", "--url", "ftp://nope"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("MetadataValidationError"), "{stderr}");
    assert!(!hub.root().join("registry/sources/bad.toml").exists());
    // A URL without a scheme is a path: registered, with a warning while nothing is there.
    let (code, _, stderr) = run(hub.command().args([
        "federation",
        "add",
        "typo",
        "--url",
        "not a url",
        "--domain",
        "x",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.starts_with("warning: `not a url` is read as a path relative to the registry root, and no directory is there"),
        "{stderr}"
    );
    std::fs::create_dir(hub.root().join("mirror")).expect("mkdir");
    let (code, _, stderr) =
        run(hub
            .command()
            .args(["federation", "update", "typo", "--url", "mirror"]));
    assert_eq!(
        (code, stderr.as_str()),
        (0, ""),
        "a directory that is there"
    );
    let (code, _, stderr) =
        run(hub
            .command()
            .args(["federation", "update", "typo", "--url", "mirr0r"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("`mirr0r` is read as a path"), "{stderr}");
    assert_eq!(
        run(hub.command().args(["federation", "remove", "typo"])).0,
        0
    );
    // Updates keep comments.
    let path = hub.root().join("registry/sources/a.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        format!(
            "# Team A's index.\n{}",
            text.replace("required = true", "required = true # must be up")
        ),
    )
    .expect("write");
    let (code, _, _) = run(hub
        .command()
        .args(["federation", "update", "a", "--enabled", "false"]));
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        text.starts_with("# Team A's index.\n")
            && text.contains("required = true # must be up")
            && text.contains("enabled = false"),
        "{text}"
    );
    run(hub
        .command()
        .args(["federation", "update", "a", "--enabled", "true"]));
    let (code, stdout, _) = run(hub.command().args(["federation", "list"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains(&server.url) && stdout.contains("required"),
        "{stdout}"
    );
    let (code, stdout, _) = run(hub
        .command()
        .args(["federation", "status", "--output", "json"]));
    assert_eq!(code, 0, "{stdout}");
    let status: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(status["sources"][0]["status"], "ok");
    assert_eq!(status["sources"][0]["reachable"], true);
    assert_eq!(status["sources"][0]["entries"], 1);
    assert!(
        status["sources"][0]["manifest_sha256"]
            .as_str()
            .is_some_and(|s| s.len() == 64)
    );
    let (code, stdout, _) = run(hub.command().args(["federation", "show", "a"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("cache: ok `a`"), "{stdout}");
    server.stop();
    let (code, _, _) = run(hub.command().args(["federation", "status"]));
    assert_eq!(code, 1, "a required source is unreachable");
    let (code, _, _) = run(hub.command().args(["federation", "remove", "a"]));
    assert_eq!(code, 0);
    assert!(!path.exists());

    // A source's name is its file's name: one that leads out of the sources directory is a
    // usage error, and no file anywhere is written or removed.
    let before = crate::common::walk(hub.root());
    for args in [
        &["federation", "remove", "../things/local"][..],
        &[
            "federation",
            "update",
            "../things/local",
            "--enabled",
            "false",
        ],
        &[
            "federation",
            "add",
            "../x",
            "--url",
            "https://example.org/index",
        ],
        &[
            "federation",
            "add",
            ".hidden",
            "--url",
            "https://example.org/index",
        ],
    ] {
        let (code, _, stderr) = run(hub.command().args(args));
        assert_eq!(code, 64, "{args:?}: {stderr}");
        assert!(stderr.contains("is not a valid id"), "{args:?}: {stderr}");
    }
    assert_eq!(crate::common::walk(hub.root()), before);
}
