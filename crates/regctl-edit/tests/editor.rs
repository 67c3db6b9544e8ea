//! Edits of real descriptors with comments: each keeps everything it does not change.

use regctl_core::document::Format;
use regctl_edit::{EditError, Editor, KeyOrder, Op};
use serde_json::{Value, json};

fn path(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn edit(format: Format, text: &str, ops: &[Op]) -> Result<String, EditError> {
    edit_ordered(format, text, ops, KeyOrder::none())
}

fn edit_ordered(
    format: Format,
    text: &str,
    ops: &[Op],
    order: KeyOrder,
) -> Result<String, EditError> {
    let mut editor = Editor::open(format, text, 64)?.with_order(order);
    for op in ops {
        editor.apply(op)?;
    }
    editor.finish()
}

fn set(pointer: &str, value: Value) -> Op {
    Op::Set(path(pointer), value)
}

const COMPONENT: &str = include_str!("../../../registry/components/finetuning.toml");
const MODEL: &str = include_str!("../../../registry/models/llama-3.1-8b-sft.toml");
const TOOL: &str = include_str!("../../../registry/tools/schema-validator.yaml");
const NODE: &str = include_str!("../../../registry/nodes/langflow-executor-node.json");

#[test]
fn a_toml_bump_keeps_every_comment() {
    let out = edit(
        Format::Toml,
        COMPONENT,
        &[
            Op::CopyAppend {
                from: path("/versions/latest"),
                to: path("/versions/history"),
            },
            set("/versions/latest/version", json!("0.3.0")),
            set("/versions/latest/released", json!("2026-11-22")),
        ],
    )
    .expect("edit");
    for line in COMPONENT.lines().filter(|l| l.contains('#')) {
        assert!(out.contains(line), "lost {line:?}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn toml_values_keep_their_comment_and_tables_grow_in_place() {
    let out = edit(
        Format::Toml,
        COMPONENT,
        &[
            set("/quality/has_tests", json!(true)),
            set("/versions/latest/dependencies/tokenizer", json!("^0.5")),
            set("/component/maintainers", json!(["kamil"])),
            set("/links/docs", json!("https://docs.example/finetuning")),
            Op::Remove(path("/quality/max_image_size_mb")),
            Op::RenameKey(
                path("/versions/latest/dependencies/data-loader"),
                "data-reader".into(),
            ),
        ],
    )
    .expect("edit");
    assert!(
        out.contains("has_tests = true   # the pilot has no unit tests yet"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn a_model_promotion_changes_one_line() {
    let out = edit(
        Format::Toml,
        MODEL,
        &[set("/history/0/stage", json!("archived"))],
    )
    .expect("edit");
    let changed: Vec<(&str, &str)> = MODEL
        .lines()
        .zip(out.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [("stage = \"production\"", "stage = \"archived\"")]
    );
    assert_eq!(MODEL.lines().count(), out.lines().count());
}

#[test]
fn yaml_edits_keep_comments_and_quoting() {
    let order = KeyOrder::from_schema(
        Format::Json,
        include_str!("../../../schemas/tool.schema.json"),
    );
    let out = edit_ordered(
        Format::Yaml,
        TOOL,
        &[
            set(
                "/history/-",
                json!({"version": "1.4.0", "released": "2025-11-01"}),
            ),
            set("/version", json!("1.5.0")),
            set("/history/0/yanked", json!(true)),
            set("/tags/-", json!("yes")),
            Op::Remove(path("/homepage")),
        ],
        order,
    )
    .expect("edit");
    assert!(out.starts_with("# Validates metadata files against the platform's schemas.\n"));
    insta::assert_snapshot!(out);
}

#[test]
fn json_edits_keep_indentation_and_order() {
    let out = edit(
        Format::Json,
        NODE,
        &[
            set(
                "/components/ChatOutput",
                json!("langflow.components.outputs.ChatOutput"),
            ),
            set("/status", json!("deprecated")),
            Op::RenameKey(path("/description"), "summary".into()),
        ],
    )
    .expect("edit");
    insta::assert_snapshot!(out);
}

#[test]
fn impossible_edits_are_refused_with_the_pointer() {
    let err = edit(
        Format::Toml,
        COMPONENT,
        &[set("/component/name/first", json!("x"))],
    )
    .expect_err("a string has no fields");
    assert_eq!(
        err.to_string(),
        "`/component/name` is a string, so it has no fields to set"
    );
    let err = edit(
        Format::Toml,
        COMPONENT,
        &[set("/versions/history/5/version", json!("x"))],
    )
    .expect_err("no such index");
    assert!(err.to_string().contains("has 1 elements"), "{err}");
    let err = edit(Format::Toml, COMPONENT, &[set("/quality/x", Value::Null)]).expect_err("null");
    assert!(matches!(err, EditError::TomlNull { .. }));
    let err = edit(
        Format::Json,
        NODE,
        &[Op::RenameKey(path("/status"), "description".into())],
    )
    .expect_err("exists");
    assert!(matches!(err, EditError::Exists { .. }));
}
