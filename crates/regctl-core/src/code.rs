//! The catalogue of diagnostic codes: one enum, with the level, summary and explanation of each.
//!
//! Codes are a compatibility promise: they appear in JSON output, in `[rules]` overrides and in
//! suppressions, so a code is never renamed or reused. `regctl explain`, `regctl rules` and
//! `docs/rules.md` are all generated from [`Code::info`].

use std::fmt;
use std::str::FromStr;

/// How a rule's findings are treated: an error, a warning, or not reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Deny,
    Warn,
    Allow,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Deny => "deny",
            Level::Warn => "warn",
            Level::Allow => "allow",
        }
    }
}

impl FromStr for Level {
    type Err = ();

    fn from_str(s: &str) -> Result<Level, ()> {
        match s {
            "deny" => Ok(Level::Deny),
            "warn" => Ok(Level::Warn),
            "allow" => Ok(Level::Allow),
            _ => Err(()),
        }
    }
}

/// Whether a rule looks at one file at a time or at the registry as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    File,
    Registry,
    /// Compares a change with its base (`regctl validate --base` or `--staged`).
    Change,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::File => "file",
            Scope::Registry => "registry",
            Scope::Change => "change",
        }
    }
}

/// Documentation of one rule, the single source for `explain`, `rules` and `docs/rules.md`.
#[derive(Debug)]
pub struct RuleInfo {
    pub code: Code,
    pub default_level: Level,
    pub scope: Scope,
    /// One line, lowercase, no final period.
    pub summary: &'static str,
    /// Why the rule exists and what it checks, in Markdown.
    pub explanation: &'static str,
    /// A descriptor (or config) that triggers the rule.
    pub bad: &'static str,
    /// The same descriptor, fixed.
    pub good: &'static str,
}

macro_rules! codes {
    ($($variant:ident = $name:literal,)*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The kebab-case name used in output, config and suppressions.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }
        }

        impl FromStr for Code {
            type Err = ();

            fn from_str(s: &str) -> Result<Code, ()> {
                match s {
                    $($name => Ok(Code::$variant),)*
                    _ => Err(()),
                }
            }
        }
    };
}

codes! {
    Parse = "parse",
    Encoding = "encoding",
    TooLarge = "too-large",
    TooDeep = "too-deep",
    Schema = "schema",
    IdMismatch = "id-mismatch",
    Semver = "semver",
    VersionOrder = "version-order",
    Range = "range",
    Alias = "alias",
    InvalidSuppression = "invalid-suppression",
    DuplicateId = "duplicate-id",
    RefMissing = "ref-missing",
    RefUnsatisfied = "ref-unsatisfied",
    Cycle = "cycle",
    Unique = "unique",
    UnclaimedFile = "unclaimed-file",
    Symlink = "symlink",
    ReleasedImmutable = "released-immutable",
    VersionNotBumped = "version-not-bumped",
    VersionDecreased = "version-decreased",
    EntryRemoved = "entry-removed",
    EntryRenamed = "entry-renamed",
    BreakingChange = "breaking-change",
    NotOwner = "not-owner",
    FederationCollision = "federation-collision",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Code {
    /// Whether a file must pass this check before any rule can look at it (it can be read,
    /// decoded, parsed and is within the limits); such checks always run.
    pub fn is_prerequisite(self) -> bool {
        matches!(
            self,
            Code::Parse | Code::Encoding | Code::TooLarge | Code::TooDeep
        )
    }

    /// The documentation of this code.
    pub fn info(self) -> &'static RuleInfo {
        RULES
            .iter()
            .find(|rule| rule.code == self)
            .expect("every code has a RULES entry (checked by a test)")
    }

    /// The level used when `[rules]` in `regctl.toml` does not override it.
    pub fn default_level(self) -> Level {
        self.info().default_level
    }
}

/// Rule documentation, in the order of [`Code::ALL`].
pub static RULES: &[RuleInfo] = &[
    RuleInfo {
        code: Code::Parse,
        default_level: Level::Deny,
        scope: Scope::File,
        summary: "the file is empty, or not valid TOML, JSON or YAML",
        explanation: "A descriptor must parse in the format given by its extension (`.toml`, `.json`, `.yaml` or `.yml`). \
The diagnostic points at the first syntax error. \
A file left with an unresolved merge conflict (git's `<<<<<<<`, `=======` and `>>>>>>>` lines) is reported as such, at its first marker. \
An empty file (or one of whitespace only) is reported as such, whatever its format. \
Duplicate keys are syntax errors in all three formats, and a YAML file must hold exactly one document. \
YAML is read with YAML 1.2 core-schema semantics, so `on` and `yes` are strings, not booleans. \
Values that JSON cannot represent (NaN, infinities) are rejected here because schemas could not check them.",
        bad: "name = \"finetuning\"\ndescription = \"Fine-tuning component\n",
        good: "name = \"finetuning\"\ndescription = \"Fine-tuning component\"\n",
    },
    RuleInfo {
        code: Code::Encoding,
        default_level: Level::Deny,
        scope: Scope::File,
        summary: "the file is not UTF-8, or starts with a byte order mark",
        explanation: "Descriptors are UTF-8 without a byte order mark, so every consumer reads them the same way. \
Invalid UTF-8 is reported at the first bad byte and the file is not parsed. \
A leading BOM is reported, then stripped so the rest of the file is still checked. \
CRLF line endings are accepted.",
        bad: "\\xEF\\xBB\\xBFname = \"finetuning\"   # the file starts with a BOM\n",
        good: "name = \"finetuning\"\n",
    },
    RuleInfo {
        code: Code::TooLarge,
        default_level: Level::Deny,
        scope: Scope::File,
        summary: "the file is larger than `limits.max_file_bytes`",
        explanation: "Descriptors are small by design; a huge file is almost always a mistake (a committed artifact, a generated dump) \
and would slow every validation. Files over `[limits] max_file_bytes` (default 1 MiB) are not read. \
Raise the limit in `regctl.toml` if your registry really needs larger descriptors.",
        bad: "[limits]\nmax_file_bytes = 1024   # and a 5 KiB descriptor\n",
        good: "[limits]\nmax_file_bytes = 1048576\n",
    },
    RuleInfo {
        code: Code::TooDeep,
        default_level: Level::Deny,
        scope: Scope::File,
        summary: "values are nested deeper than `limits.max_depth`",
        explanation: "Deeply nested documents are a classic way to exhaust a parser's stack. \
regctl refuses documents whose objects and arrays nest deeper than `[limits] max_depth` (default 64) \
and points at the first value past the limit.",
        bad: "{\"a\": {\"a\": {\"a\": { ... 100 levels ... }}}}\n",
        good: "{\"a\": {\"b\": 1}}\n",
    },
    RuleInfo {
        code: Code::Schema,
        default_level: Level::Deny,
        scope: Scope::File,
        summary: "the descriptor does not match its kind's JSON Schema",
        explanation: "Every descriptor is checked against the `schema` of its kind, and every violation is reported, each at the field it concerns: \
a wrong value at the value, an unexpected property at its key, a missing required property at the table that should hold it. \
`format` is asserted, not just annotated: `email`, `uri`, `uuid`, `date-time` and the regctl formats `semver` and `semver-req` are checked.",
        bad: "[owner]\nhandle = \"kamil\"\nemail = \"kamil at example\"\n",
        good: "[owner]\nhandle = \"kamil\"\nemail = \"kamil@example.com\"\n",
    },
    RuleInfo {
        code: Code::IdMismatch,
        default_level: Level::Deny,
        scope: Scope::File,
        summary: "the id field is missing or differs from the file name",
        explanation: "An entry's identity is its file stem. When the kind declares an `id` pointer, the value there must equal the stem, \
so that renaming a file or editing the name cannot make the two disagree.",
        bad: "# registry/components/finetuning.toml\n[component]\nname = \"fine-tuning\"\n",
        good: "# registry/components/finetuning.toml\n[component]\nname = \"finetuning\"\n",
    },
    RuleInfo {
        code: Code::Semver,
        default_level: Level::Deny,
        scope: Scope::File,
        summary: "a version or version requirement is not valid in the kind's version scheme",
        explanation: "The current version and every version in the history must parse in the kind's `version_scheme`: \
`semver` (`1.2.3`, `1.0.0-rc.1`), `semver-v` (`v1.2.3`) or `loose` (dotted parts such as `3.10` or `2024.1.15`). \
Every `req` of a reference must be a semver requirement such as `^0.1`, `>=1.2, <2` or `=1.0.0`.",
        bad: "[versions.latest]\nversion = \"1.x\"\n",
        good: "[versions.latest]\nversion = \"1.1.0\"\n",
    },
    RuleInfo {
        code: Code::VersionOrder,
        default_level: Level::Deny,
        scope: Scope::File,
        summary: "history versions are not unique and ascending, or the current version is not the newest",
        explanation: "The history lists released versions oldest first, and a new release is appended at the end. \
Each history version must be greater than the one before it, and the current version must be greater than every history version. \
Versions are compared in the kind's version scheme.",
        bad: "[versions.latest]\nversion = \"0.1.0\"\n\n[[versions.history]]\nversion = \"0.2.0\"\n",
        good: "[versions.latest]\nversion = \"0.2.0\"\n\n[[versions.history]]\nversion = \"0.1.0\"\n",
    },
    RuleInfo {
        code: Code::Range,
        default_level: Level::Deny,
        scope: Scope::File,
        summary: "a declared range has its lower bound above its upper bound",
        explanation: "A kind can declare ranges in `[[kinds.<kind>.ranges]]`: two pointers whose values must be ordered, \
such as `min_python <= max_python`. Values are compared as versions (`loose` scheme by default, so `3.9 < 3.10`). \
A range whose bounds are missing is not checked.",
        bad: "min_python = \"3.13\"\nmax_python = \"3.10\"\n",
        good: "min_python = \"3.10\"\nmax_python = \"3.13\"\n",
    },
    RuleInfo {
        code: Code::Alias,
        default_level: Level::Deny,
        scope: Scope::File,
        summary: "an alias names a version the entry does not have",
        explanation: "A kind can keep named versions in an object at its `aliases` pointer (`champion = \"1.2.0\"`), \
which deployments follow and `regctl alias` sets. Each alias must name a version of the entry: the current one or one in the history. \
An alias to a version that was never released, or that was removed, would send its followers nowhere.",
        bad: "[current]\nversion = \"1.1.0\"\n\n[aliases]\nchampion = \"1.2.0\"\n",
        good: "[current]\nversion = \"1.1.0\"\n\n[aliases]\nchampion = \"1.1.0\"\n",
    },
    RuleInfo {
        code: Code::InvalidSuppression,
        default_level: Level::Warn,
        scope: Scope::File,
        summary: "the descriptor's `regctl` suppression table is malformed or names an unknown code",
        explanation: "A descriptor may silence rules for itself with a top-level `regctl` table: `allow` lists codes, `reason` says why. \
The table is removed before schema validation, so strict schemas need not know it. \
It must be a table whose `allow` is a list of known codes; anything else is reported and ignored.",
        bad: "[regctl]\nallow = \"range\"\n",
        good: "[regctl]\nallow = [\"range\"]\nreason = \"3.14 support is tested separately\"\n",
    },
    RuleInfo {
        code: Code::DuplicateId,
        default_level: Level::Deny,
        scope: Scope::Registry,
        summary: "two entries of a kind have the same id, or ids that differ only in case or Unicode form",
        explanation: "Ids are unique per kind. Because registries are checked out on case-insensitive file systems and read by people, \
ids that are equal after lower-casing and NFKC normalisation also collide: `Foo.toml` and `foo.toml`, or `ﬁne` and `fine`. \
Every file after the first (in path order) is reported, with a pointer to the first.",
        bad: "registry/components/finetuning.toml\nregistry/components/legacy/FineTuning.toml\n",
        good: "registry/components/finetuning.toml\nregistry/components/legacy/finetuning-v1.toml\n",
    },
    RuleInfo {
        code: Code::RefMissing,
        default_level: Level::Deny,
        scope: Scope::Registry,
        summary: "a reference names an entry that does not exist",
        explanation: "Fields declared in `[[kinds.<kind>.refs]]` name entries of a target kind: dependencies, lineage parents, owning teams. \
Each must resolve to an existing entry of that kind. The diagnostic suggests the closest existing id.",
        bad: "[versions.latest.dependencies]\ntokeniser = \"^0.3\"\n",
        good: "[versions.latest.dependencies]\ntokenizer = \"^0.3\"\n",
    },
    RuleInfo {
        code: Code::RefUnsatisfied,
        default_level: Level::Deny,
        scope: Scope::Registry,
        summary: "no released, non-yanked version of the referenced entry satisfies the requirement",
        explanation: "When a reference declares a `req` pointer, the requirement there (for example `^0.3`) must match at least one \
released version of the target (its current version or a history version) that is not yanked. \
Pre-release versions match only requirements that name a pre-release of the same version, as in Cargo.",
        bad: "[versions.latest.dependencies]\ntokenizer = \"^2\"   # tokenizer has 0.3.1 and 0.4.0\n",
        good: "[versions.latest.dependencies]\ntokenizer = \"^0.4\"\n",
    },
    RuleInfo {
        code: Code::Cycle,
        default_level: Level::Deny,
        scope: Scope::Registry,
        summary: "references form a cycle in a graph declared acyclic",
        explanation: "References with a `graph` name build graphs such as `dependencies` or `lineage`. \
Graphs are acyclic unless `[graphs.<name>] acyclic = false`. Each cycle is reported once, \
at the reference of its smallest member, and the message spells the cycle out: `a → b → c → a`.",
        bad: "# a depends on b, b depends on a\n[versions.latest.dependencies]\nb = \"^1\"\n",
        good: "# a depends on b only\n[versions.latest.dependencies]\nb = \"^1\"\n",
    },
    RuleInfo {
        code: Code::Unique,
        default_level: Level::Deny,
        scope: Scope::Registry,
        summary: "a value declared unique appears in more than one place",
        explanation: "`[[kinds.<kind>.unique]]` declares a pointer whose values must be unique across all entries of the kind: \
a tool's uuid, a model's training-config hash, the component classes a node provides (`keys = true` compares map keys). \
Every occurrence after the first (in path order) is reported.",
        bad: "# nodes/a.json and nodes/b.json both provide\n\"components\": { \"TextInputComponent\": \"lfx.components.input_output.text\" }\n",
        good: "# only one node provides TextInputComponent\n",
    },
    RuleInfo {
        code: Code::UnclaimedFile,
        default_level: Level::Warn,
        scope: Scope::Registry,
        summary: "a file looks like a descriptor but no kind reads it",
        explanation: "A file in a kind's directory whose extension is not `.toml`, `.json`, `.yaml` or `.yml`, \
or a descriptor-looking file under the registry directory but outside every kind's directory, is never validated. \
That is usually a typo in the extension or a file put in the wrong place. Hidden files (`.gitkeep`) are ignored.",
        bad: "registry/components/finetuning.tml\nregistry/finetuning.toml\n",
        good: "registry/components/finetuning.toml\n",
    },
    RuleInfo {
        code: Code::Symlink,
        default_level: Level::Warn,
        scope: Scope::Registry,
        summary: "a symbolic link points outside the registry or nowhere, and is not followed",
        explanation: "Symbolic links are followed only when they resolve to a file inside the registry root. \
A link that leaves the root (or is broken) could make validation depend on files outside the repository, so it is skipped and reported.",
        bad: "registry/components/shared.toml -> ../../../other-repo/shared.toml\n",
        good: "registry/components/shared.toml   # a regular file\n",
    },
    RuleInfo {
        code: Code::ReleasedImmutable,
        default_level: Level::Deny,
        scope: Scope::Change,
        summary: "a released version's record changed or disappeared",
        explanation: "Consumers pin released versions, so a version that was released in the base must keep exactly the same record in the head: \
compared as parsed values (reformatting is fine), ignoring the kind's `mutable` fields (by default `yanked` and a lifecycle field inside the record, such as a model version's `stage`). \
A released version may be yanked, never rewritten or deleted. \
When the current version is unchanged, only its release content is compared (see `version-not-bumped`). \
The diagnostic points at the first field that differs.",
        bad: "# base: version = \"0.1.0\", image = \"…:0.1.0\"\n[versions.latest]\nversion = \"0.1.0\"\nimage = \"registry.io/physicsx/finetuning:0.1.0-fixed\"\n",
        good: "[versions.latest]\nversion = \"0.2.0\"\nimage = \"registry.io/physicsx/finetuning:0.2.0\"\n\n[[versions.history]]   # 0.1.0 moved here unchanged\nversion = \"0.1.0\"\nimage = \"registry.io/physicsx/finetuning:0.1.0\"\n",
    },
    RuleInfo {
        code: Code::VersionNotBumped,
        default_level: Level::Deny,
        scope: Scope::Change,
        summary: "release content outside the release record changed but the version did not",
        explanation: "A kind may declare its release content with `release_content` (pointers into the document, such as `/spec/platforms` for a plugin whose description sits beside its version). \
A change to release content that lies outside the current release record, without a new version, is reported here; \
a change inside the record is reported as `released-immutable`. Edits to other fields (a description, tags) need no release.",
        bad: "# release_content = [\"/spec/platforms\"]; platforms changed, version still v1.2.0\n",
        good: "# platforms changed and version is now v1.3.0\n",
    },
    RuleInfo {
        code: Code::VersionDecreased,
        default_level: Level::Deny,
        scope: Scope::Change,
        summary: "the new current version is not greater than every version of the base",
        explanation: "Versions only go up: when a change sets a new current version, it must be greater, in the kind's version scheme, \
than the base's current version and every version in the base's history.",
        bad: "# base: version = \"0.2.0\"\nversion = \"0.1.5\"\n",
        good: "# base: version = \"0.2.0\"\nversion = \"0.3.0\"\n",
    },
    RuleInfo {
        code: Code::EntryRemoved,
        default_level: Level::Deny,
        scope: Scope::Change,
        summary: "an entry was deleted while still referenced, or without being retired first",
        explanation: "Deleting an entry breaks everyone who uses it. A deletion is an error while any entry in the head still references it, \
and otherwise allowed only when the base had it in a retirable lifecycle (the kind's `retirable`, by default `deprecated`, `archived` or `retired`). \
Entries of kinds without a lifecycle may be deleted once nothing references them.",
        bad: "# base: lifecycle = \"active\"; the file is deleted\n",
        good: "# a first change sets lifecycle = \"deprecated\"; a later one deletes the file\n",
    },
    RuleInfo {
        code: Code::EntryRenamed,
        default_level: Level::Warn,
        scope: Scope::Change,
        summary: "an entry was deleted and re-added under another id with the same content",
        explanation: "A file deleted and another added with the same content (apart from the id) is a rename. \
Consumers that look the old id up will not find it; the diagnostic names both paths so reviewers see the rename as one change.",
        bad: "registry/components/finetune.toml  ->  registry/components/finetuning.toml\n",
        good: "# keep the old id, or rename and tell consumers\n",
    },
    RuleInfo {
        code: Code::BreakingChange,
        default_level: Level::Deny,
        scope: Scope::Change,
        summary: "a contract field changed incompatibly without a major version bump",
        explanation: "A kind may declare contract fields with `[[kinds.<kind>.contract]]`: values that must not disappear (`path`, for example provided component classes), \
lower bounds that must not rise (`min`, a minimum Python) and upper bounds that must not fall (`max`). \
Such a change needs a major version bump; for `0.x` versions a minor bump is enough, as in Cargo.",
        bad: "# base: 1.4.0 with min_python = \"3.9\"\nversion = \"1.5.0\"\nmin_python = \"3.11\"\n",
        good: "version = \"2.0.0\"\nmin_python = \"3.11\"\n",
    },
    RuleInfo {
        code: Code::NotOwner,
        default_level: Level::Warn,
        scope: Scope::Change,
        summary: "the author of a change is not a member of the owning team",
        explanation: "With `--actor HANDLE` (default: `GITHUB_ACTOR`), every changed, added or deleted entry is checked against its owning team's members, \
as listed in the base (so a change cannot add its author to a team and use that membership at once). \
When the owner field itself changes, the actor must be in both the old and the new team. \
`regctl codeowners` turns the same ownership into `.github/CODEOWNERS` so the host enforces owner review; \
raise this rule to `deny` to fail CI as well.",
        bad: "# actor: mallory; registry/components/finetuning.toml is owned by ml-research\n",
        good: "# actor: kamil, a member of ml-research\n",
    },
    RuleInfo {
        code: Code::FederationCollision,
        default_level: Level::Warn,
        scope: Scope::Registry,
        summary: "the same `kind:id` is in more than one source of the federated index",
        explanation: "The federated index qualifies every entry with its source (`<source>/<kind>:<id>`), so nothing is shadowed, \
but an unqualified look-up of an id two sources share is ambiguous. `regctl compose` lists each collision; \
raise this rule to `deny` to refuse a federated index with collisions.",
        bad: "# sources `a` and `b` both publish component:tokenizer\n",
        good: "# only one source publishes component:tokenizer, or consumers always qualify it\n",
    },
];

/// The rules reference, `docs/rules.md`, generated from [`RULES`] by `cargo xtask codegen`.
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "<!-- Generated from crates/regctl-core/src/code.rs by `cargo xtask codegen`. Do not edit. -->\n\n\
# Rules\n\n\
Every finding regctl reports has a stable code.\n\
`regctl explain CODE` prints the section below for one code, and `regctl rules` lists them all (`--output json` for machines).\n\n\
Each rule has a default level: `deny` findings are errors (exit code 2), `warn` findings are warnings (exit code 0), `allow` findings are not reported.\n\
Change a level for the whole registry in `regctl.toml`:\n\n\
```toml\n[rules]\nunclaimed-file = \"deny\"\nrange = \"warn\"\n```\n\n\
or for one entry, in the descriptor itself (the table is removed before schema validation):\n\n\
```toml\n[regctl]\nallow = [\"range\"]\nreason = \"3.14 support is tested separately\"\n```\n\n\
| Code | Default level | Scope | Summary |\n| --- | --- | --- | --- |\n",
    );
    for rule in RULES {
        out.push_str(&format!(
            "| [`{code}`](#{code}) | {} | {} | {} |\n",
            rule.default_level.as_str(),
            rule.scope.as_str(),
            rule.summary.replace('|', "\\|"),
            code = rule.code,
        ));
    }
    for rule in RULES {
        out.push_str(&format!(
            "\n## {}\n\n{}.\n\nDefault level: `{}`. Scope: {}.\n\n{}\n\nFails:\n\n```text\n{}```\n\nPasses:\n\n```text\n{}```\n",
            rule.code,
            capitalize(rule.summary),
            rule.default_level.as_str(),
            rule.scope.as_str(),
            rule.explanation,
            rule.bad,
            rule.good,
        ));
    }
    out
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_rules_md_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == rules_markdown(),
            "docs/rules.md is stale; run `cargo xtask codegen`"
        );
    }

    #[test]
    fn codes_are_unique_and_documented_in_order() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|code| code.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len(), "duplicate code name");
        let documented: Vec<Code> = RULES.iter().map(|rule| rule.code).collect();
        assert_eq!(
            documented,
            Code::ALL,
            "RULES must list every code once, in order"
        );
        for rule in RULES {
            assert!(
                !rule.summary.ends_with('.'),
                "{}: summary ends with a period",
                rule.code
            );
            assert_eq!(rule.code.as_str().parse(), Ok(rule.code));
        }
    }
}
