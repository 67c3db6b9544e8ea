//! Per-file rules: limits, encoding, syntax, schema, id, versions, ranges — and extraction of
//! the [`EntrySummary`] the cross-file rules work on.

use std::str::FromStr;
use std::sync::Arc;

use regctl_core::config::{Config, Kind};
use regctl_core::discover::DescriptorFile;
use regctl_core::document::{Document, ParseErrorKind};
use regctl_core::pointer::{Match, format_path};
use regctl_core::snapshot::{ContentId, Limited};
use regctl_core::version::{Version, parse_req};
use regctl_core::{Code, Diagnostic, Error, Snapshot, Span};
use serde_json::Value;

use crate::schema_errors;

/// The top-level key of a descriptor that holds its suppressions.
pub const SUPPRESSION_KEY: &str = "regctl";

/// What the cross-file rules need to know about one entry.
///
/// An entry known only by name (a stub: unreadable, or left in the summary cache by a change
/// run) has no [`Facts`]; they are boxed so that a change run's 100,000 stubs stay small.
#[derive(Clone, Debug)]
pub struct EntrySummary {
    pub path: String,
    /// Index of the kind in [`Config::kinds`].
    pub kind: usize,
    /// The entry's id: its file stem.
    pub id: String,
    /// The entry could not be read or parsed. It still exists, so references to it resolve and
    /// do not cascade into more errors, but nothing else is known about it.
    pub broken: bool,
    /// The git blob id of the file, when known or asked for.
    pub content: Option<ContentId>,
    /// What the descriptor says; `None` when nothing is known (the same as empty facts).
    pub facts: Option<Box<Facts>>,
}

/// What an entry's descriptor says that cross-file rules look at.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Where the id is written, when the kind has an id field.
    pub id_span: Option<Span>,
    /// Released versions (history, then current) that parsed in the kind's scheme.
    pub versions: Vec<Released>,
    pub refs: Vec<Reference>,
    pub unique: Vec<UniqueValue>,
    /// Codes the descriptor suppresses for itself.
    pub allow: Vec<Code>,
    /// The owning team's id, from the kind's `owner` field.
    pub owner: Option<String>,
}

/// The facts of an entry that has none.
static NO_FACTS: Facts = Facts {
    id_span: None,
    versions: Vec::new(),
    refs: Vec::new(),
    unique: Vec::new(),
    allow: Vec::new(),
    owner: None,
};

/// One released version of an entry.
#[derive(Clone, Debug)]
pub struct Released {
    pub version: Version,
    pub yanked: bool,
}

/// One outgoing reference.
#[derive(Clone, Debug)]
pub struct Reference {
    /// Index into the kind's `refs`.
    pub rule: usize,
    pub target: String,
    /// The concrete pointer of the referencing field.
    pub pointer: String,
    pub req: Option<semver::VersionReq>,
    /// Where the referenced id is written.
    pub span: Span,
}

/// One value of a field declared unique.
#[derive(Clone, Debug)]
pub struct UniqueValue {
    /// Index into the kind's `unique`.
    pub rule: usize,
    pub value: String,
    pub span: Span,
}

impl EntrySummary {
    /// The summary of a file before (or without) reading it: it exists, nothing else is known.
    pub(crate) fn unread(file: &DescriptorFile) -> EntrySummary {
        EntrySummary::stub(file.clone(), true)
    }

    /// The summary of a file known only by name: taken over from its descriptor, without
    /// copying its path.
    pub(crate) fn stub(file: DescriptorFile, broken: bool) -> EntrySummary {
        EntrySummary {
            id: file.stem().to_owned(),
            broken,
            content: file.id,
            kind: file.kind,
            path: file.path,
            facts: None,
        }
    }

    /// What the descriptor says (nothing, for a stub).
    pub fn facts(&self) -> &Facts {
        self.facts.as_deref().unwrap_or(&NO_FACTS)
    }

    /// Where the id is written, when the kind has an id field.
    pub fn id_span(&self) -> Option<Span> {
        self.facts().id_span
    }

    /// Released versions (history, then current) that parsed in the kind's scheme.
    pub fn versions(&self) -> &[Released] {
        &self.facts().versions
    }

    /// Outgoing references.
    pub fn refs(&self) -> &[Reference] {
        &self.facts().refs
    }

    /// Values of fields declared unique.
    pub fn unique(&self) -> &[UniqueValue] {
        &self.facts().unique
    }

    /// Codes the descriptor suppresses for itself.
    pub fn allow(&self) -> &[Code] {
        &self.facts().allow
    }

    /// The owning team's id, from the kind's `owner` field.
    pub fn owner(&self) -> Option<&str> {
        self.facts().owner.as_deref()
    }

    /// The entry's identity, `kind:id`.
    pub fn key(&self, config: &Config) -> String {
        format!("{}:{}", config.kinds[self.kind].name, self.id)
    }
}

/// The result of checking one file: its summary, and what else the file produced.
pub(crate) struct FileOutcome {
    pub(crate) entry: EntrySummary,
    pub(crate) findings: Findings,
}

/// What checking a file produced besides its summary; empty for most files.
#[derive(Default)]
pub(crate) struct Findings {
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The text, kept only when there are diagnostics to show it with.
    pub(crate) text: Option<Arc<str>>,
    /// What the visitor extracted from the document, if there was one.
    pub(crate) visited: Option<Box<dyn std::any::Any + Send>>,
}

/// Runs the per-file rules on one descriptor.
///
/// With `identify`, the content id is computed from the bytes when the snapshot does not know it;
/// `visit` sees the parsed document.
pub(crate) fn check(
    config: &Config,
    snapshot: &dyn Snapshot,
    file: &DescriptorFile,
    identify: bool,
    visit: Option<crate::Visitor<'_>>,
) -> Result<FileOutcome, Error> {
    let kind = &config.kinds[file.kind];
    let mut checker = Checker {
        kind,
        path: &file.path,
        key: format!("{}:{}", kind.name, file.stem()),
        diagnostics: Vec::new(),
    };
    let mut entry = EntrySummary::unread(file);
    let max_bytes = config.limits.max_file_bytes;
    let too_large = |size: u64| {
        Diagnostic::new(
            Code::TooLarge,
            format!("file is {size} bytes, more than the limit of {max_bytes}"),
        )
        .with_help(
            "raise `[limits] max_file_bytes` in regctl.toml if descriptors this large are intended",
        )
    };
    if let Some(size) = file.size.filter(|&size| size > max_bytes) {
        checker.push(too_large(size));
        return Ok(checker.finish(entry, None));
    }
    let bytes = match snapshot.read_limited(&file.path, max_bytes)? {
        Some(Limited::Bytes(bytes)) => bytes,
        Some(Limited::TooLarge(size)) => {
            checker.push(too_large(size));
            return Ok(checker.finish(entry, None));
        }
        // The file disappeared between listing and reading; there is nothing to check.
        None => return Ok(checker.finish(entry, None)),
    };
    if identify && entry.content.is_none() {
        entry.content = Some(ContentId::of_bytes(&bytes));
    }
    let text = match decode(bytes) {
        Decoded::Utf8 { text, bom } => {
            if bom {
                checker.push(
                    Diagnostic::new(Code::Encoding, "file starts with a UTF-8 byte order mark")
                        .at(Span::new(0, 0))
                        .with_help("save the file as UTF-8 without a BOM"),
                );
            }
            text
        }
        Decoded::Invalid { lossy, at } => {
            checker.push(
                Diagnostic::new(Code::Encoding, "file is not valid UTF-8")
                    .at(Span::new(at, at + 1))
                    .with_label("invalid byte")
                    .with_help("descriptors must be UTF-8 text; re-save the file as UTF-8"),
            );
            return Ok(checker.finish(entry, Some(lossy)));
        }
    };
    if text.trim().is_empty() {
        // Each format would say it differently (no JSON value, a null YAML document, a TOML
        // table missing every required field); the cause is one.
        checker.push(
            Diagnostic::new(Code::Parse, "the file is empty")
                .at(Span::at(0))
                .with_label("no document here")
                .with_help(format!(
                    "fill in the entry, or write a skeleton with `regctl new {} {}`",
                    kind.name,
                    file.stem()
                )),
        );
        return Ok(checker.finish(entry, Some(text)));
    }
    let mut doc = match Document::parse(file.format, &text, config.limits.max_depth) {
        Ok(doc) => doc,
        Err(err) => {
            let format = file.format;
            let (code, message, label, help) = match err.kind {
                ParseErrorKind::Syntax => (
                    Code::Parse,
                    format!("invalid {format}: {}", err.message),
                    err.message,
                    format!("the file must be valid {format}"),
                ),
                ParseErrorKind::Conflict => (
                    Code::Parse,
                    err.message,
                    "the conflict starts here".to_owned(),
                    regctl_core::document::RESOLVE_CONFLICT.to_owned(),
                ),
                ParseErrorKind::TooDeep => (
                    Code::TooDeep,
                    format!("invalid {format}: {}", err.message),
                    err.message,
                    "flatten the structure, or raise `[limits] max_depth` in regctl.toml"
                        .to_owned(),
                ),
            };
            checker.push(
                Diagnostic::new(code, message)
                    .at(err.span)
                    .with_label(label)
                    .with_help(help),
            );
            return Ok(checker.finish(entry, Some(text)));
        }
    };
    entry.broken = false;
    let allow = checker.take_suppressions(&mut doc);
    if !kind.validator.is_valid(&doc.value) {
        for err in kind.validator.iter_errors(&doc.value) {
            for diagnostic in schema_errors::diagnostics(&doc, &err) {
                checker.push(diagnostic);
            }
        }
    }
    let id_span = checker.check_id(&doc, file.stem());
    let mut versions = checker.check_versions(&doc);
    checker.check_aliases(&doc, &versions);
    checker.check_ranges(&doc);
    let mut refs = checker.references(&doc);
    let mut unique = checker.unique_values(&doc);
    let owner = kind
        .owner
        .as_ref()
        .and_then(|pointer| pointer.get(&doc.value))
        .and_then(Value::as_str)
        .map(str::to_owned);
    // Summaries outlive the run's parsing; growth slack would be a fifth of their memory.
    versions.shrink_to_fit();
    refs.shrink_to_fit();
    unique.shrink_to_fit();
    entry.facts = Some(Box::new(Facts {
        id_span,
        versions,
        refs,
        unique,
        allow,
        owner,
    }));
    let visited = visit.map(|visit| visit(kind, &entry, &doc.value));
    let mut outcome = checker.finish(entry, Some(text));
    outcome.findings.visited = visited;
    Ok(outcome)
}

enum Decoded {
    Utf8 { text: String, bom: bool },
    Invalid { lossy: String, at: usize },
}

fn decode(bytes: Vec<u8>) -> Decoded {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let bom = bytes.starts_with(BOM);
    let bytes = if bom {
        bytes[BOM.len()..].to_vec()
    } else {
        bytes
    };
    match String::from_utf8(bytes) {
        Ok(text) => Decoded::Utf8 { text, bom },
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            Decoded::Invalid {
                lossy: String::from_utf8_lossy(err.as_bytes()).into_owned(),
                at,
            }
        }
    }
}

struct Checker<'a> {
    kind: &'a Kind,
    path: &'a str,
    /// `kind:id`, with the id taken from the file stem.
    key: String,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn push(&mut self, diagnostic: Diagnostic) {
        // A schema error (`format: semver`, a required id) and these rules would say the same
        // thing about the same bytes; the first one found is enough.
        if matches!(diagnostic.code, Code::Semver | Code::IdMismatch)
            && diagnostic.span.is_some()
            && self.diagnostics.iter().any(|d| d.span == diagnostic.span)
        {
            return;
        }
        self.diagnostics
            .push(diagnostic.in_file(self.path).for_entry(Some(&self.key)));
    }

    fn finish(self, entry: EntrySummary, text: Option<String>) -> FileOutcome {
        let keep_text = !self.diagnostics.is_empty();
        FileOutcome {
            entry,
            findings: Findings {
                diagnostics: self.diagnostics,
                text: text.filter(|_| keep_text).map(Arc::from),
                visited: None,
            },
        }
    }

    /// Removes the descriptor's `regctl` table from the value and returns the codes it allows.
    fn take_suppressions(&mut self, doc: &mut Document<'_>) -> Vec<Code> {
        let Some(table) = doc
            .value
            .as_object_mut()
            .and_then(|map| map.remove(SUPPRESSION_KEY))
        else {
            return Vec::new();
        };
        let at = |path: &[&str]| {
            let mut full = vec![SUPPRESSION_KEY];
            full.extend_from_slice(path);
            doc.locate(&full)
        };
        let help = "write `[regctl]` with `allow = [\"<code>\", …]` and an optional `reason`";
        let Value::Object(table) = table else {
            self.push(
                Diagnostic::new(Code::InvalidSuppression, "`regctl` must be a table")
                    .at(at(&[]).span())
                    .with_help(help),
            );
            return Vec::new();
        };
        let mut allowed = Vec::new();
        for (key, value) in &table {
            match (key.as_str(), value) {
                ("reason", Value::String(_)) => {}
                ("allow", Value::Array(codes)) => {
                    for (i, code) in codes.iter().enumerate() {
                        let index = i.to_string();
                        match code.as_str().map(Code::from_str) {
                            Some(Ok(code)) => allowed.push(code),
                            _ => self.push(
                                Diagnostic::new(
                                    Code::InvalidSuppression,
                                    format!("`{}` is not a rule code", value_text(code)),
                                )
                                .at(at(&["allow", &index]).span())
                                .with_help("`regctl rules` lists every code"),
                            ),
                        }
                    }
                }
                (other, _) => self.push(
                    Diagnostic::new(
                        Code::InvalidSuppression,
                        match other {
                            "allow" => "`allow` must be a list of rule codes".to_owned(),
                            "reason" => "`reason` must be a string".to_owned(),
                            _ => format!("unknown key `{other}` in the `regctl` table"),
                        },
                    )
                    .at(at(&[other]).span())
                    .with_help(help),
                ),
            }
        }
        allowed
    }

    /// Checks the id field against the file stem; returns where the id is written.
    fn check_id(&mut self, doc: &Document<'_>, stem: &str) -> Option<Span> {
        let pointer = self.kind.id.as_ref()?;
        let path = pointer.keys();
        let located = doc.locate(&path);
        match pointer.get(&doc.value) {
            Some(Value::String(id)) if id == stem => {}
            Some(Value::String(id)) => self.push(
                Diagnostic::new(Code::IdMismatch, format!("id `{id}` does not match the file name `{stem}`"))
                    .at(doc.locate(&path).span())
                    .with_label(format!("expected `{stem}`"))
                    .with_help(format!("an entry's id is its file name: set `{pointer}` to `{stem}`, or rename the file to `{id}`")),
            ),
            Some(other) => self.push(
                Diagnostic::new(Code::IdMismatch, format!("the id at `{pointer}` must be a string, not {}", type_name(other)))
                    .at(doc.locate(&path).span()),
            ),
            None => self.push(
                Diagnostic::new(Code::IdMismatch, format!("the id field `{pointer}` is missing"))
                    .at(doc.locate(&path).span())
                    .with_help(format!("set `{pointer}` to `{stem}`")),
            ),
        }
        located.complete.then(|| located.span())
    }

    /// Checks every version and their order; returns the released versions that parsed.
    fn check_versions(&mut self, doc: &Document<'_>) -> Vec<Released> {
        let Some(version_pointer) = &self.kind.version else {
            return Vec::new();
        };
        let scheme = self.kind.scheme;
        let current_path = version_pointer.keys();
        let version_key = current_path.last().cloned().unwrap_or_default();
        let record_path = &current_path[..current_path.len() - 1];

        // History first (oldest first), then the current record.
        let mut records: Vec<(Vec<String>, bool)> = Vec::new();
        if let Some(history) = &self.kind.history {
            let history_path = history.keys();
            if let Some(Value::Array(items)) = history.get(&doc.value) {
                for i in 0..items.len() {
                    let mut path = history_path.clone();
                    path.push(i.to_string());
                    records.push((path, true));
                }
            }
        }
        records.push((record_path.to_vec(), false));

        let mut released: Vec<(Released, Span)> = Vec::new();
        let mut last_history: Option<(Version, Span)> = None;
        for (record_path, is_history) in records {
            let mut path = record_path.clone();
            path.push(version_key.clone());
            let Some(Value::String(text)) = regctl_core::pointer::lookup(&doc.value, &path) else {
                continue; // absent or not a string: the schema's business
            };
            let span = doc.locate(&path).span();
            let version = match scheme.parse(text) {
                Ok(version) => version,
                Err(message) => {
                    self.push(
                        Diagnostic::new(Code::Semver, message)
                            .at(span)
                            .with_label(format!("not a `{}` version", scheme.as_str()))
                            .with_help(scheme_help(scheme)),
                    );
                    continue;
                }
            };
            if is_history {
                if let Some((previous, previous_span)) = &last_history
                    && version <= *previous
                {
                    let what = if version == *previous {
                        "repeats"
                    } else {
                        "is lower than"
                    };
                    self.push(
                        Diagnostic::new(
                            Code::VersionOrder,
                            format!("history version `{version}` {what} the version before it (`{previous}`)"),
                        )
                        .at(span)
                        .with_related(self.path, *previous_span, "previous history version")
                        .with_help("the history lists released versions oldest first, each once; append new releases at the end"),
                    );
                }
                last_history = Some((version.clone(), span));
            } else if let Some((newest, newest_span)) = released
                .iter()
                .map(|(r, s)| (&r.version, s))
                .max_by(|a, b| a.0.cmp(b.0))
                && version <= *newest
            {
                self.push(
                    Diagnostic::new(
                        Code::VersionOrder,
                        format!("current version `{version}` is not greater than released version `{newest}`"),
                    )
                    .at(span)
                    .with_related(self.path, *newest_span, "released here")
                    .with_help("bump the current version above every version in the history"),
                );
            }
            let yanked = regctl_core::pointer::lookup(&doc.value, &record_path)
                .and_then(|record| self.kind.yanked.get(record))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            released.push((Released { version, yanked }, span));
        }
        released.into_iter().map(|(released, _)| released).collect()
    }

    /// Every alias names one of the entry's versions.
    fn check_aliases(&mut self, doc: &Document<'_>, versions: &[Released]) {
        let Some(pointer) = &self.kind.aliases else {
            return;
        };
        let Some(Value::Object(aliases)) = pointer.get(&doc.value) else {
            return; // absent, or not an object: the schema's business
        };
        let base = pointer.keys();
        for (name, target) in aliases {
            let Value::String(text) = target else {
                continue;
            };
            let parsed = self.kind.scheme.parse(text).ok();
            if versions
                .iter()
                .any(|released| Some(&released.version) == parsed.as_ref())
            {
                continue;
            }
            let mut path = base.clone();
            path.push(name.clone());
            let known: Vec<String> = versions.iter().map(|r| r.version.to_string()).collect();
            self.push(
                Diagnostic::new(
                    Code::Alias,
                    format!(
                        "alias `{name}` names version `{text}`, which this entry does not have"
                    ),
                )
                .at(doc.locate(&path).span())
                .with_label("no such version")
                .with_help(if known.is_empty() {
                    "the entry has no versions".to_owned()
                } else {
                    format!("its versions: {}", known.join(", "))
                }),
            );
        }
    }

    fn check_ranges(&mut self, doc: &Document<'_>) {
        for range in &self.kind.ranges {
            for min in range.min.matches(&doc.value) {
                let Some(max) = range.max.resolve(&doc.value, &min.bindings) else {
                    continue;
                };
                let (Some(min_text), Some(max_text)) =
                    (scalar_text(min.value), scalar_text(max.value))
                else {
                    continue;
                };
                // Spans are located only for a finding: most ranges are in order.
                let span_of = |path: &[String]| doc.locate(path).span();
                let (low, high) =
                    match (range.scheme.parse(&min_text), range.scheme.parse(&max_text)) {
                        (Ok(low), Ok(high)) => (low, high),
                        (Err(message), _) | (_, Err(message)) => {
                            let span = if range.scheme.parse(&min_text).is_err() {
                                span_of(&min.path)
                            } else {
                                span_of(&max.path)
                            };
                            self.push(
                                Diagnostic::new(
                                    Code::Range,
                                    format!("cannot compare range bounds: {message}"),
                                )
                                .at(span)
                                .with_help(scheme_help(range.scheme)),
                            );
                            continue;
                        }
                    };
                if low > high {
                    self.push(
                        Diagnostic::new(
                            Code::Range,
                            format!(
                                "`{}` ({max_text}) is lower than `{}` ({min_text})",
                                format_path(&max.path),
                                format_path(&min.path)
                            ),
                        )
                        .at(span_of(&max.path))
                        .with_label(format!("must be at least {min_text}"))
                        .with_related(self.path, span_of(&min.path), "lower bound")
                        .with_help("swap the bounds, or fix the one that is wrong"),
                    );
                }
            }
        }
    }

    fn references(&mut self, doc: &Document<'_>) -> Vec<Reference> {
        let mut out = Vec::new();
        for (rule_index, rule) in self.kind.refs.iter().enumerate() {
            for found in rule.path.matches(&doc.value) {
                let (target, span) = match matched_text(doc, &found, rule.keys) {
                    (Some(target), span) if rule.keys || found.value.is_string() => (target, span),
                    _ => continue, // not an id: the schema's business
                };
                let mut req = None;
                if let Some(req_pattern) = &rule.req
                    && let Some(req_match) = req_pattern.resolve(&doc.value, &found.bindings)
                    && let Value::String(text) = req_match.value
                {
                    match parse_req(text) {
                        Ok(parsed) => req = Some(parsed),
                        Err(message) => self.push(
                            Diagnostic::new(Code::Semver, message)
                                .at(doc.locate(&req_match.path).span())
                                .with_label("not a version requirement")
                                .with_help("requirements look like `^0.3`, `~1.2`, `>=1.0, <2` or `=1.0.0`"),
                        ),
                    }
                }
                out.push(Reference {
                    rule: rule_index,
                    target,
                    pointer: format_path(&found.path),
                    req,
                    span,
                });
            }
        }
        out
    }

    fn unique_values(&self, doc: &Document<'_>) -> Vec<UniqueValue> {
        let mut out = Vec::new();
        for (rule_index, rule) in self.kind.unique.iter().enumerate() {
            for found in rule.path.matches(&doc.value) {
                let (text, span) = matched_text(doc, &found, rule.keys);
                let value = text.unwrap_or_else(|| found.value.to_string());
                out.push(UniqueValue {
                    rule: rule_index,
                    value,
                    span,
                });
            }
        }
        out
    }
}

/// What a pattern match names, and where: with `keys`, the map key the last `*` matched (at the
/// key's span); otherwise the scalar value (at the value's span), `None` for containers.
fn matched_text(doc: &Document<'_>, found: &Match<'_>, keys: bool) -> (Option<String>, Span) {
    let located = doc.locate(&found.path);
    if keys {
        let key = found.bindings.last().cloned();
        (key, located.key.unwrap_or_else(|| located.span()))
    } else {
        (scalar_text(found.value), located.span())
    }
}

/// Strings as they are, numbers and booleans as written in JSON; `None` for containers.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn value_text(value: &Value) -> String {
    scalar_text(value).unwrap_or_else(|| value.to_string())
}

pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a table",
    }
}

fn scheme_help(scheme: regctl_core::version::VersionScheme) -> &'static str {
    use regctl_core::version::VersionScheme;
    match scheme {
        VersionScheme::Semver => "semantic versions look like `1.2.3` or `1.0.0-rc.1`",
        VersionScheme::SemverV => "versions of this kind look like `v1.2.3`",
        VersionScheme::Loose => {
            "versions of this kind are dotted parts such as `3.10` or `2024.1.15`"
        }
    }
}
