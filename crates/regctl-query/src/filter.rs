//! `ls` filters, including `--where 'POINTER OP VALUE'` conditions.

use regctl_core::version::{Version, VersionScheme};
use serde_json::Value;

use crate::{QueryError, Row};

/// What `regctl ls` keeps.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub kind: Option<String>,
    /// All must be among the entry's tags.
    pub tags: Vec<String>,
    pub owner: Option<String>,
    pub lifecycle: Option<String>,
    pub conditions: Vec<Where>,
    /// A catalog field: `id`, `kind`, `version`, `owner`, `lifecycle`, `description`.
    pub sort: Option<String>,
    pub limit: Option<usize>,
}

impl Filter {
    /// Whether a catalog row passes the kind/owner/lifecycle/tag filters.
    pub(crate) fn matches(&self, row: &Row<'_>) -> bool {
        let is = |value: Option<&str>, wanted: &Option<String>| {
            wanted.as_deref().is_none_or(|w| value == Some(w))
        };
        if !(is(Some(&row.kind), &self.kind)
            && (self.owner.is_none() || is(row.text(row.owner).as_deref(), &self.owner)))
        {
            return false;
        }
        if self.lifecycle.is_some() && !is(row.text(row.lifecycle).as_deref(), &self.lifecycle) {
            return false;
        }
        if self.tags.is_empty() {
            return true;
        }
        let tags = row.tags();
        self.tags.iter().all(|t| tags.contains(t))
    }
}

/// A comparison operator of `--where`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Substring (strings) or element (arrays).
    Contains,
    /// One of a comma-separated list.
    In,
}

/// `POINTER OP VALUE`, e.g. `/metrics/accuracy>=0.9`, `/stage=production`, `/tags~llm`,
/// `/stage in staging,production`.
#[derive(Clone, Debug, PartialEq)]
pub struct Where {
    pub pointer: String,
    pub op: Op,
    pub value: String,
}

/// The operators written between pointer and value (` in ` is found first, by itself);
/// two-character ones first, so `>=` is not read as `>`.
const SYMBOLS: [(&str, Op); 7] = [
    ("<=", Op::Le),
    (">=", Op::Ge),
    ("!=", Op::Ne),
    ("=", Op::Eq),
    ("<", Op::Lt),
    (">", Op::Gt),
    ("~", Op::Contains),
];

/// How `--where` is written, for error messages.
pub const WHERE_SYNTAX: &str = "write `POINTER OP VALUE` with OP one of = != < <= > >= ~ (contains) or ` in ` (a comma-separated list), e.g. `/metrics/accuracy>=0.9` or `/stage in staging,production`; the pointer is read in the selected version's record, then in the whole document";

impl Where {
    pub fn parse(text: &str) -> Result<Where, QueryError> {
        let usage = |message: String| QueryError::Usage {
            message,
            help: WHERE_SYNTAX.to_owned(),
        };
        let (pointer, op, value) = if let Some((pointer, value)) = text.split_once(" in ") {
            (pointer.trim(), Op::In, value.trim())
        } else {
            let found = SYMBOLS
                .iter()
                .filter_map(|(symbol, op)| text.find(symbol).map(|at| (at, *symbol, *op)))
                .min_by_key(|(at, symbol, _)| (*at, std::cmp::Reverse(symbol.len())));
            let Some((at, symbol, op)) = found else {
                return Err(usage(format!("`{text}` has no operator")));
            };
            (text[..at].trim(), op, text[at + symbol.len()..].trim())
        };
        if !pointer.starts_with('/') {
            return Err(usage(format!(
                "`{pointer}` is not a JSON pointer (it must start with `/`)"
            )));
        }
        if value.is_empty() {
            return Err(usage(format!("`{text}` has no value to compare with")));
        }
        let ordering = matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge);
        if ordering && !is_orderable(value) {
            // It would compare with nothing, and the query would quietly match no entry.
            return Err(usage(format!(
                "`{value}` is not a number, a version or a date, so `{pointer}` cannot be ordered against it"
            )));
        }
        Ok(Where {
            pointer: pointer.to_owned(),
            op,
            value: value.to_owned(),
        })
    }

    /// The value the pointer reads: in `record` (the selected release record), then in
    /// `document`.
    fn actual<'v>(&self, record: &'v Value, document: &'v Value) -> Option<&'v Value> {
        record
            .pointer(&self.pointer)
            .or_else(|| document.pointer(&self.pointer))
    }

    /// For an ordering (`<`, `<=`, `>`, `>=`) on an entry that has the pointer: whether it
    /// could compare the entry's value with the wanted one, or else the value. A condition that
    /// compares with no entry's value is a mistake to report (`/version>-1` against semver
    /// strings), not an empty answer.
    pub(crate) fn comparable<'v>(
        &self,
        record: &'v Value,
        document: &'v Value,
        scheme: Option<&str>,
    ) -> Option<Result<(), &'v Value>> {
        if !matches!(self.op, Op::Lt | Op::Le | Op::Gt | Op::Ge) {
            return None;
        }
        let actual = self.actual(record, document)?;
        Some(match compare(actual, &self.value, scheme) {
            Some(_) => Ok(()),
            None => Err(actual),
        })
    }

    /// How the condition was written, normalised: `/version >= 1.2`.
    pub(crate) fn display(&self) -> String {
        let op = SYMBOLS
            .iter()
            .find(|(_, op)| *op == self.op)
            .map_or("in", |(symbol, _)| symbol);
        format!("{} {op} {}", self.pointer, self.value)
    }

    /// Whether the condition holds for an entry: the pointer is read in `record` (the selected
    /// release record), then in `document`.
    pub(crate) fn holds(&self, record: &Value, document: &Value, scheme: Option<&str>) -> bool {
        let Some(actual) = self.actual(record, document) else {
            return self.op == Op::Ne;
        };
        match self.op {
            Op::Contains => match actual {
                Value::String(s) => s.contains(&self.value),
                Value::Array(items) => items.iter().any(|item| text(item) == self.value),
                _ => false,
            },
            Op::In => self.value.split(',').any(|v| text(actual) == v.trim()),
            Op::Eq => {
                compare(actual, &self.value, scheme) == Some(std::cmp::Ordering::Equal)
                    || text(actual) == self.value
            }
            Op::Ne => {
                !(compare(actual, &self.value, scheme) == Some(std::cmp::Ordering::Equal)
                    || text(actual) == self.value)
            }
            Op::Lt => compare(actual, &self.value, scheme).is_some_and(|o| o.is_lt()),
            Op::Le => compare(actual, &self.value, scheme).is_some_and(|o| o.is_le()),
            Op::Gt => compare(actual, &self.value, scheme).is_some_and(|o| o.is_gt()),
            Op::Ge => compare(actual, &self.value, scheme).is_some_and(|o| o.is_ge()),
        }
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether `<`, `<=`, `>` and `>=` can compare with `text`: a number, a date or a version
/// (semver, or dotted parts that each start with a digit, with an optional `v`: `v1.2`,
/// `3.10.1.2`; `1.x` is none, and would match nothing).
fn is_orderable(text: &str) -> bool {
    let bare = text.strip_prefix('v').unwrap_or(text);
    text.parse::<f64>().is_ok()
        || is_date(text)
        || semver::Version::parse(bare).is_ok()
        || (bare
            .split('.')
            .all(|part| part.starts_with(|c: char| c.is_ascii_digit()))
            && VersionScheme::Loose.parse(bare).is_ok())
}

/// Whether `text` starts like an ISO 8601 date, `YYYY-MM-DD` (a date-time too): such texts
/// order as their characters do.
fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(at, &b)| match at {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// Numbers compare numerically, dates as text, versions in the kind's scheme (semver when it
/// has none), anything else not at all.
fn compare(actual: &Value, wanted: &str, scheme: Option<&str>) -> Option<std::cmp::Ordering> {
    if let (Some(a), Ok(b)) = (actual.as_f64(), wanted.parse::<f64>()) {
        return a.partial_cmp(&b);
    }
    let actual = actual.as_str()?;
    if is_date(actual) && is_date(wanted) {
        return Some(actual.cmp(wanted));
    }
    let scheme = scheme.and_then(|s| s.parse().ok()).unwrap_or_default();
    let a = as_version(scheme, actual, false)?;
    let b = as_version(scheme, wanted, true)?;
    Some(a.cmp(&b))
}

/// `text` as a version of `scheme`. In the semver schemes the `v` is optional, and a wanted
/// value may leave out trailing parts as people write them in a filter: `>1.0` means `>1.0.0`.
fn as_version(scheme: VersionScheme, text: &str, partial: bool) -> Option<Version> {
    if scheme == VersionScheme::Loose {
        return scheme.parse(text).ok();
    }
    let bare = text.strip_prefix('v').unwrap_or(text);
    let padded = match bare.split('.').count() {
        1 if partial => format!("{bare}.0.0"),
        2 if partial => format!("{bare}.0"),
        _ => bare.to_owned(),
    };
    semver::Version::parse(&padded).ok().map(Version::Semver)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parses_and_evaluates_conditions() {
        let record = json!({"metrics": {"accuracy": 0.93}, "stage": "staging", "version": "1.1.0"});
        let doc = json!({"tags": ["llm", "sft"]});
        let holds = |text: &str| {
            Where::parse(text)
                .expect("valid")
                .holds(&record, &doc, Some("semver"))
        };
        assert!(holds("/metrics/accuracy>=0.9"));
        assert!(!holds("/metrics/accuracy>0.95"));
        assert!(holds("/stage=staging"));
        assert!(holds("/stage != production"));
        assert!(holds("/stage in production, staging"));
        assert!(holds("/tags~llm"));
        assert!(holds("/version>1.0.0"));
        assert!(holds("/version<1.10.0"), "semver, not text, order");
        assert!(holds("/missing!=x"));
        assert!(!holds("/missing=x"));
        for bad in ["accuracy>1", "/a", "/a>=", "metrics"] {
            assert!(Where::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_ordering_tells_whether_it_could_compare() {
        let comparable = |text: &str, record: Value| {
            Where::parse(text)
                .expect("valid")
                .comparable(&record, &json!({}), Some("semver"))
                .map(|found| found.map_err(Value::clone))
        };
        let version = || json!({"version": "1.3.2"});
        assert_eq!(comparable("/version>1.0", version()), Some(Ok(())));
        assert_eq!(
            comparable("/version>-1", version()),
            Some(Err(json!("1.3.2"))),
            "a number against a version"
        );
        assert_eq!(
            comparable("/accuracy>=0.5", json!({"accuracy": "high"})),
            Some(Err(json!("high")))
        );
        assert_eq!(
            comparable("/missing>1", version()),
            None,
            "nothing to compare"
        );
        assert_eq!(
            comparable("/version=-1", version()),
            None,
            "not an ordering"
        );
    }

    #[test]
    fn ordering_needs_a_number_a_version_or_a_date() {
        for bad in [
            "/metrics/accuracy>=0,9",
            "/stage<staging",
            "/version>one",
            "/version>1.x",
        ] {
            let err = Where::parse(bad).expect_err(bad).to_string();
            assert!(err.contains("cannot be ordered"), "{bad}: {err}");
        }
        // Equality still takes any text.
        assert!(Where::parse("/stage=staging").is_ok());
        let record = json!({"released": "2026-03-02", "at": "2026-03-02T10:30:00Z"});
        let holds = |text: &str| {
            Where::parse(text)
                .expect("valid")
                .holds(&record, &json!({}), None)
        };
        assert!(holds("/released>=2026-03-01"));
        assert!(!holds("/released>2026-03-02"));
        assert!(holds("/at<2026-03-03"));
        assert!(holds("/at>2026-03-02T09:00:00Z"));
    }

    #[test]
    fn versions_compare_in_the_kinds_scheme() {
        let holds = |text: &str, version: &str, scheme: &str| {
            Where::parse(text).expect("valid").holds(
                &json!({"version": version}),
                &json!({}),
                Some(scheme),
            )
        };
        // A wanted semver version may leave out trailing parts.
        assert!(holds("/version>1.0", "1.2.3", "semver"));
        assert!(holds("/version>=1", "1.0.0", "semver"));
        assert!(!holds("/version<1.2", "1.2.0", "semver"));
        assert!(holds("/version<1.2", "1.1.9", "semver"));
        assert!(holds("/version>=v1.2", "v1.10.0", "semver-v"));
        assert!(holds("/version>1.2", "v1.10.0", "semver-v"));
        // Loose versions order part by part, numerically: 3.10 is after 3.9.
        assert!(holds("/version>3.9", "3.10", "loose"));
        assert!(!holds("/version>3.10", "3.9", "loose"));
        assert!(holds("/version>=2024.01.2.1", "2024.01.10.0", "loose"));
        // An entry's value that is not a version in the scheme compares with nothing.
        assert!(!holds("/version>1.0", "one", "semver"));
        assert!(!holds("/version<9", "1.2", "semver"));
    }
}
