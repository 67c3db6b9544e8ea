//! `[kind:]id[@REQ]`: how commands name an entry.

use crate::QueryError;

/// A reference to an entry, with an optional version requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryRef {
    pub kind: Option<String>,
    pub id: String,
    pub req: Option<semver::VersionReq>,
}

impl EntryRef {
    /// Parses `finetuning`, `component:finetuning`, `finetuning@^0.1` or `component:finetuning@=0.1.0`.
    pub fn parse(text: &str) -> Result<EntryRef, QueryError> {
        let usage = |message: String| {
            QueryError::Usage {
            message,
            help: "entries are named `[kind:]id[@requirement]`, e.g. `finetuning`, `component:finetuning`, `finetuning@^0.1`".to_owned(),
        }
        };
        let (name, req) = match text.split_once('@') {
            Some((name, req)) => {
                let req = semver::VersionReq::parse(req)
                    .map_err(|err| usage(format!("`{req}` is not a version requirement: {err}")))?;
                (name, Some(req))
            }
            None => (text, None),
        };
        let (kind, id) = match name.split_once(':') {
            Some((kind, id)) => (Some(kind.to_owned()), id),
            None => (None, name),
        };
        if id.is_empty()
            || kind.as_deref() == Some("")
            || id.contains(['/', '\\'])
            || id.chars().any(char::is_whitespace)
        {
            return Err(usage(format!("`{text}` is not an entry reference")));
        }
        Ok(EntryRef {
            kind,
            id: id.to_owned(),
            req,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = EntryRef::parse("component:finetuning@^0.1").expect("valid");
        assert_eq!(
            (r.kind.as_deref(), r.id.as_str()),
            (Some("component"), "finetuning")
        );
        assert!(
            r.req
                .is_some_and(|req| req.matches(&semver::Version::new(0, 1, 5)))
        );
        assert_eq!(EntryRef::parse("finetuning").expect("valid").kind, None);
        for bad in ["", ":x", "x@", "x@^^1", "a b", "kind:"] {
            assert!(EntryRef::parse(bad).is_err(), "{bad}");
        }
    }
}
