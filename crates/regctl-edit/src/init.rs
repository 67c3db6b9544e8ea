//! `regctl init`: the files of a new registry that validates at once, built from the example
//! registry's kinds (their schemas and one sample entry each), with the CI workflow and
//! pre-commit hook wired up.

/// A kind `regctl init` can start a registry with.
struct Template {
    name: &'static str,
    /// Its `regctl.toml` section; `{owner_ref}` is replaced by an owner reference to the team
    /// kind when that kind is included.
    config: &'static str,
    schema: Option<(&'static str, &'static str)>,
    /// Sample entries: path and contents.
    samples: &'static [(&'static str, &'static str)],
}

const COMMON_SCHEMA: &str = include_str!("../../../schemas/common.schema.json");

const TEMPLATES: &[Template] = &[
    Template {
        name: "team",
        config: r#"# Teams own the other entries: `regctl codeowners` writes .github/CODEOWNERS from them, and
# `not-owner` checks that a change's author belongs to the owning team.
[ownership]
team_kind = "team"
members = "/team/members"

[kinds.team]
dir = "registry/teams"
schema = "schemas/team.schema.json"
id = "/team/name"
description = "/team/description"

[[kinds.team.unique]]
path = "/team/team_id"
"#,
        schema: Some((
            "schemas/team.schema.json",
            include_str!("../../../schemas/team.schema.json"),
        )),
        samples: &[
            (
                "registry/teams/data-eng.toml",
                include_str!("../../../registry/teams/data-eng.toml"),
            ),
            (
                "registry/teams/ml-research.toml",
                include_str!("../../../registry/teams/ml-research.toml"),
            ),
            (
                "registry/teams/platform.toml",
                include_str!("../../../registry/teams/platform.toml"),
            ),
        ],
    },
    Template {
        name: "component",
        config: r#"# Software components (TOML), fetched by `name@version`.
[kinds.component]
dir = "registry/components"
schema = "schemas/component.schema.json"
id = "/component/name"
version = "/versions/latest/version"
history = "/versions/history"
owner = "/owner/team"
lifecycle = "/component/lifecycle"
description = "/component/description"
tags = "/component/tags"

[[kinds.component.refs]]
path = "/versions/latest/dependencies/*"
keys = true
kind = "component"
req = "/versions/latest/dependencies/*"
graph = "dependencies"
{owner_ref:/owner/team:component}
[[kinds.component.ranges]]
min = "/versions/latest/min_python"
max = "/versions/latest/max_python"

[[kinds.component.ranges]]
min = "/versions/history/*/min_python"
max = "/versions/history/*/max_python"
"#,
        schema: Some((
            "schemas/component.schema.json",
            include_str!("../../../schemas/component.schema.json"),
        )),
        samples: &[(
            "registry/components/data-loader.toml",
            include_str!("../../../registry/components/data-loader.toml"),
        )],
    },
    Template {
        name: "model",
        config: r#"# ML models with versions, stages and lineage.
[kinds.model]
dir = "registry/models"
schema = "schemas/model.schema.json"
id = "/model_name"
version = "/current/version"
history = "/history"
owner = "/owner"
lifecycle = "/current/stage"
description = "/description"
tags = "/tags"
aliases = "/aliases"

# `regctl promote` moves a version one stage at a time; archiving is allowed from any stage.
[kinds.model.stages]
order = ["development", "staging", "production", "archived"]
also = { development = ["archived"], staging = ["archived"] }

[[kinds.model.refs]]
path = "/current/parent/model"
kind = "model"
req = "/current/parent/version"
graph = "lineage"

[[kinds.model.refs]]
path = "/history/*/parent/model"
kind = "model"
req = "/history/*/parent/version"
graph = "lineage"
{owner_ref:/owner:model}
[[kinds.model.unique]]
name = "training-config"
path = "/current/training_config_hash"

[[kinds.model.unique]]
name = "training-config"
path = "/history/*/training_config_hash"
"#,
        schema: Some((
            "schemas/model.schema.json",
            include_str!("../../../schemas/model.schema.json"),
        )),
        samples: &[(
            "registry/models/llama-3.1-8b-base.toml",
            include_str!("../../../registry/models/llama-3.1-8b-base.toml"),
        )],
    },
    Template {
        name: "node",
        config: r#"# Executor nodes (JSON) and the component classes they run.
[kinds.node]
dir = "registry/nodes"
schema = "schemas/node.schema.json"
id = "/node_id"
owner = "/owner"
lifecycle = "/status"
description = "/description"

# `regctl which TextInputComponent` answers which node runs a component class.
[[kinds.node.provides]]
name = "component_class"
path = "/components/*"
keys = true
{owner_ref:/owner:node}
[[kinds.node.unique]]
path = "/components/*"
keys = true
"#,
        schema: Some((
            "schemas/node.schema.json",
            include_str!("../../../schemas/node.schema.json"),
        )),
        samples: &[(
            "registry/nodes/langflow-executor-node.json",
            include_str!("../../../registry/nodes/langflow-executor-node.json"),
        )],
    },
    Template {
        name: "tool",
        config: r#"# Validators, tools and tests (YAML), looked up by uuid or name.
[kinds.tool]
dir = "registry/tools"
schema = "schemas/tool.schema.json"
id = "/name"
version = "/version"
history = "/history"
owner = "/owner"
lifecycle = "/lifecycle"
description = "/description"
tags = "/tags"

[[kinds.tool.refs]]
path = "/dependencies/*/name"
kind = "tool"
req = "/dependencies/*/version"
graph = "dependencies"
{owner_ref:/owner:tool}
[[kinds.tool.unique]]
path = "/uuid"
"#,
        schema: Some((
            "schemas/tool.schema.json",
            include_str!("../../../schemas/tool.schema.json"),
        )),
        samples: &[(
            "registry/tools/yaml-parser.yaml",
            include_str!("../../../registry/tools/yaml-parser.yaml"),
        )],
    },
    Template {
        name: "source",
        config: r#"# Sources (other registries' published indexes, merged into the federated index) are a kind
# built into regctl, one file each under this directory; `regctl federation add` writes them.
[federation]
dir = "registry/sources"
"#,
        schema: None,
        samples: &[(
            "registry/sources/upstream.toml",
            r#"# A federation source: another registry's published index. Disabled until its URL is real;
# `regctl federation update upstream --enable` turns it on.
name = "upstream"
url = "https://registry.example.com/index/"
domain = "example"
enabled = false
required = false
description = "An upstream registry whose entries this one republishes"
"#,
        )],
    },
];

/// The kinds `regctl init --kinds` accepts.
pub fn known_kinds() -> Vec<&'static str> {
    TEMPLATES.iter().map(|t| t.name).collect()
}

/// Why a registry cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("unknown kind `{kind}`; `regctl init` knows: {}", known_kinds().join(", "))]
    UnknownKind { kind: String },
    #[error("`{name}` is not a registry name: use letters, digits, `-`, `_` or `.`")]
    BadName { name: String },
}

/// The files of a new registry called `name` with `kinds`, as (relative path, contents).
pub fn files(name: &str, kinds: &[String]) -> Result<Vec<(String, String)>, InitError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(InitError::BadName {
            name: name.to_owned(),
        });
    }
    for kind in kinds {
        if !TEMPLATES.iter().any(|t| t.name == kind) {
            return Err(InitError::UnknownKind { kind: kind.clone() });
        }
    }
    let chosen: Vec<&Template> = TEMPLATES
        .iter()
        .filter(|t| kinds.iter().any(|k| k == t.name))
        .collect();
    let with_teams = chosen.iter().any(|t| t.name == "team");
    let mut config = format!(
        "# The {name} registry. The format is documented at docs/config.md in regctl's repository;\n\
         # `regctl rules` lists the rules and `regctl explain CODE` explains one.\n\n\
         [registry]\nname = \"{name}\"\ndescription = \"Entries of the {name} registry\"\n\n\
         # `regctl compose` writes the static index here.\n[compose]\nout = \"dist/index\"\n\n\
         [rules]\n# Every rule is at its default level.\n"
    );
    let graphs: Vec<&str> = [
        (
            chosen
                .iter()
                .any(|t| matches!(t.name, "component" | "tool")),
            "dependencies",
        ),
        (chosen.iter().any(|t| t.name == "model"), "lineage"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, graph)| graph)
    .collect();
    for graph in graphs {
        config.push_str(&format!("\n[graphs.{graph}]\nacyclic = true\n"));
    }
    let mut out = Vec::new();
    for template in &chosen {
        config.push('\n');
        config.push_str(&with_owner_ref(template.config, with_teams));
        if let Some((path, schema)) = template.schema {
            out.push((path.to_owned(), schema.to_owned()));
        }
        for (path, sample) in template.samples {
            out.push(((*path).to_owned(), (*sample).to_owned()));
        }
    }
    out.push(("regctl.toml".to_owned(), config));
    if chosen.iter().any(|t| t.schema.is_some()) {
        out.push((
            "schemas/common.schema.json".to_owned(),
            COMMON_SCHEMA.to_owned(),
        ));
    }
    out.push((
        ".github/workflows/validate-registry.yml".to_owned(),
        WORKFLOW.to_owned(),
    ));
    out.push((".pre-commit-config.yaml".to_owned(), PRE_COMMIT.to_owned()));
    out.push((".gitignore".to_owned(), GITIGNORE.to_owned()));
    out.push(("README.md".to_owned(), readme(name, &chosen)));
    out.sort();
    Ok(out)
}

/// Fills `{owner_ref:POINTER:KIND}`: a reference from the owner field to the team kind.
fn with_owner_ref(config: &str, with_teams: bool) -> String {
    let mut out = String::new();
    for line in config.lines() {
        match line
            .strip_prefix("{owner_ref:")
            .and_then(|rest| rest.strip_suffix('}'))
            .and_then(|rest| rest.split_once(':'))
        {
            Some((pointer, kind)) => {
                if with_teams {
                    out.push_str(&format!(
                        "\n[[kinds.{kind}.refs]]\npath = \"{pointer}\"\nkind = \"team\"\n"
                    ));
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

const WORKFLOW: &str = r#"# Validates the registry on every pull request: annotations on the diff, a summary on the run
# page, and the change rules (released versions are immutable, versions only go up) against the
# pull request's base.
name: validate-registry

on:
  pull_request:
  push:
    branches: [main]

jobs:
  validate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0 # the base commit must be present for --base
      - uses: dtolnay/rust-toolchain@stable
      # The regctl GitHub Action; point it at where your organisation gets regctl from, and pin
      # a commit.
      - uses: regctl/regctl@main
      - name: Descriptors are in canonical layout
        run: regctl fmt --check
"#;

const PRE_COMMIT: &str = r#"# https://pre-commit.com: `pre-commit install` runs these before every commit. They use the
# `regctl` on PATH; regctl reads the staged files itself, so no file names are passed.
repos:
  - repo: local
    hooks:
      - id: regctl-validate
        name: regctl validate (staged)
        entry: regctl validate --staged
        language: system
        pass_filenames: false
        always_run: true
      - id: regctl-fmt
        name: regctl fmt --check
        entry: regctl fmt --check
        language: system
        pass_filenames: false
        always_run: true
"#;

const GITIGNORE: &str = "# regctl's caches and the composed index (publish it with `regctl publish`).\n/.regctl/\n/dist/\n";

fn readme(name: &str, chosen: &[&Template]) -> String {
    let kinds: Vec<&str> = chosen.iter().map(|t| t.name).collect();
    format!(
        "# {name}\n\n\
         A git-native registry: each entry is one descriptor file under `registry/`, checked by\n\
         regctl against the schemas in `schemas/` and the rules\n\
         in `regctl.toml`. Kinds: {}.\n\n\
         ```sh\n\
         regctl validate                   # check every entry\n\
         regctl new component my-component # start a new entry from its schema\n\
         regctl bump my-component minor    # release a new version\n\
         regctl compose                    # build the static index in dist/index\n\
         ```\n\n\
         Pull requests are validated by `.github/workflows/validate-registry.yml`;\n\
         `pre-commit install` runs the same checks before each commit.\n",
        kinds.join(", ")
    )
}
