//! `regctl explain` and `regctl rules`.

use crate::common::{TestContext, run};

#[test]
fn explain_prints_the_rule_and_its_examples() {
    let ctx = TestContext::new();
    let (code, stdout, _) = run(ctx.command().args(["explain", "ref-missing"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout);
}

#[test]
fn explain_json_has_a_format_version() {
    let ctx = TestContext::new();
    let (code, stdout, _) = run(ctx.command().args(["explain", "cycle", "--output", "json"]));
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["code"], "cycle");
    assert_eq!(json["default_level"], "deny");
}

#[test]
fn explain_of_an_unknown_code_is_a_usage_error() {
    let ctx = TestContext::new();
    let (code, stdout, stderr) = run(ctx.command().args(["explain", "no-such-rule"]));
    assert_eq!(code, 64);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("unknown rule code `no-such-rule`")
            && stderr.contains("known codes: parse,"),
        "{stderr}"
    );
    // A typo gets the code it is closest to.
    let (code, _, stderr) = run(ctx.command().args(["explain", "ref-mising"]));
    assert_eq!(code, 64);
    assert!(stderr.contains("did you mean `ref-missing`?"), "{stderr}");
}

#[test]
fn rules_lists_every_code() {
    let ctx = TestContext::new();
    let (code, stdout, _) = run(ctx.command().arg("rules"));
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout);
    let (_, json, _) = run(ctx.command().args(["rules", "--output", "json"]));
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let codes: Vec<&str> = json["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect();
    let expected: Vec<&str> = regctl_core_codes();
    assert_eq!(codes, expected);
}

fn regctl_core_codes() -> Vec<&'static str> {
    regctl_core::Code::ALL
        .iter()
        .map(|code| code.as_str())
        .collect()
}
