//! Where a federation source's published index is: the `url` of a `source` entry.

use std::fmt;

/// A parsed source location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceLocation {
    /// The root of an index served over HTTP(S); always ends with `/`.
    Http { base: String },
    /// A directory of a git repository at a ref: `git+file:///srv/reg.git#index:path`.
    Git {
        /// The repository URL without the `git+` prefix.
        repo: String,
        /// The ref to read (default `HEAD`).
        reference: Option<String>,
        /// The directory inside the tree (default the root), without slashes at the ends.
        dir: String,
    },
    /// A directory on disk, absolute or relative to the registry root.
    Path(String),
}

impl SourceLocation {
    /// Parses a `url` field, or says what is wrong with it.
    pub fn parse(text: &str) -> Result<SourceLocation, String> {
        if text.trim() != text || text.is_empty() {
            return Err("a source URL must not be empty or have spaces around it".to_owned());
        }
        if let Some(rest) = text.strip_prefix("git+") {
            let (repo, fragment) = rest.split_once('#').unwrap_or((rest, ""));
            let scheme = repo.split_once("://").map(|(scheme, _)| scheme);
            if !matches!(scheme, Some("https" | "http" | "ssh" | "file")) {
                return Err(format!(
                    "`{text}`: git sources are `git+https://`, `git+http://`, `git+ssh://` or `git+file://` URLs"
                ));
            }
            if repo
                .split_once("://")
                .is_some_and(|(_, after)| after.is_empty())
            {
                return Err(format!("`{text}` names no repository"));
            }
            let (reference, dir) = fragment.split_once(':').unwrap_or((fragment, ""));
            return Ok(SourceLocation::Git {
                repo: repo.to_owned(),
                reference: (!reference.is_empty()).then(|| reference.to_owned()),
                dir: dir.trim_matches('/').to_owned(),
            });
        }
        if let Some((scheme, rest)) = text.split_once("://") {
            if !matches!(scheme, "https" | "http") {
                return Err(format!(
                    "`{text}`: sources are https:// or http:// URLs, git+… URLs, or paths"
                ));
            }
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            if host.is_empty() || text.contains(char::is_whitespace) {
                return Err(format!("`{text}` is not a valid URL"));
            }
            let base = if text.ends_with('/') {
                text.to_owned()
            } else {
                format!("{text}/")
            };
            return Ok(SourceLocation::Http { base });
        }
        if text.contains('\0') {
            return Err("a path must not contain NUL".to_owned());
        }
        Ok(SourceLocation::Path(text.to_owned()))
    }

    /// The host requests go to, for HTTP sources (tokens are sent to it and nowhere else).
    pub fn host(&self) -> Option<&str> {
        match self {
            SourceLocation::Http { base } => base
                .split_once("://")
                .and_then(|(_, rest)| rest.split(['/', '?', '#']).next()),
            _ => None,
        }
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceLocation::Http { base } => f.write_str(base),
            SourceLocation::Git {
                repo,
                reference,
                dir,
            } => {
                write!(f, "git+{repo}")?;
                if reference.is_some() || !dir.is_empty() {
                    write!(f, "#{}", reference.as_deref().unwrap_or("HEAD"))?;
                }
                if !dir.is_empty() {
                    write!(f, ":{dir}")?;
                }
                Ok(())
            }
            SourceLocation::Path(path) => f.write_str(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_of_location() {
        assert_eq!(
            SourceLocation::parse("https://example.com/index"),
            Ok(SourceLocation::Http {
                base: "https://example.com/index/".into()
            })
        );
        assert_eq!(
            SourceLocation::parse("git+file:///srv/reg.git#index:dist/index/"),
            Ok(SourceLocation::Git {
                repo: "file:///srv/reg.git".into(),
                reference: Some("index".into()),
                dir: "dist/index".into(),
            })
        );
        assert_eq!(
            SourceLocation::parse("git+https://host/org/repo.git"),
            Ok(SourceLocation::Git {
                repo: "https://host/org/repo.git".into(),
                reference: None,
                dir: String::new()
            })
        );
        assert_eq!(
            SourceLocation::parse("../other/dist/index"),
            Ok(SourceLocation::Path("../other/dist/index".into()))
        );
        assert!(SourceLocation::parse("ftp://example.com/").is_err());
        assert!(SourceLocation::parse("https:///nohost").is_err());
        assert!(SourceLocation::parse("git+gopher://x").is_err());
        assert!(SourceLocation::parse(" https://x").is_err());
        assert_eq!(
            SourceLocation::parse("https://h:8080/a")
                .expect("valid")
                .host(),
            Some("h:8080")
        );
    }
}
