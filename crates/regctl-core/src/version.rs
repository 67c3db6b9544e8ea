//! Version schemes: how a kind's versions are written, validated and ordered.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// How a kind writes its versions (`version_scheme` in `regctl.toml`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VersionScheme {
    /// Semantic versioning 2.0: `1.2.3`, `1.0.0-rc.1+build`.
    #[default]
    Semver,
    /// Semver with a leading `v`, as in Go modules and kubectl plugins: `v1.2.3`.
    SemverV,
    /// Any dotted version, compared part by part, numeric parts numerically: `3.10`, `2024.01`.
    Loose,
}

impl VersionScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionScheme::Semver => "semver",
            VersionScheme::SemverV => "semver-v",
            VersionScheme::Loose => "loose",
        }
    }

    /// Parses `text` in this scheme, or says why it is not a version.
    pub fn parse(self, text: &str) -> Result<Version, String> {
        match self {
            VersionScheme::Semver => semver::Version::parse(text)
                .map(Version::Semver)
                .map_err(|err| format!("`{text}` is not a semantic version: {err}")),
            VersionScheme::SemverV => {
                let Some(rest) = text.strip_prefix('v') else {
                    return Err(format!("`{text}` must start with `v` (scheme `semver-v`)"));
                };
                semver::Version::parse(rest)
                    .map(Version::Semver)
                    .map_err(|err| {
                        format!("`{text}` is not a `v`-prefixed semantic version: {err}")
                    })
            }
            VersionScheme::Loose => LooseVersion::parse(text).map(Version::Loose),
        }
    }
}

impl FromStr for VersionScheme {
    type Err = ();

    fn from_str(s: &str) -> Result<VersionScheme, ()> {
        match s {
            "semver" => Ok(VersionScheme::Semver),
            "semver-v" => Ok(VersionScheme::SemverV),
            "loose" => Ok(VersionScheme::Loose),
            _ => Err(()),
        }
    }
}

/// A parsed version. Versions of one scheme are totally ordered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Version {
    Semver(semver::Version),
    Loose(LooseVersion),
}

impl Version {
    /// The version as semver, for matching requirements. Loose versions with up to three
    /// numeric parts are padded (`3.10` is `3.10.0`); others have no semver form.
    pub fn to_semver(&self) -> Option<semver::Version> {
        match self {
            Version::Semver(version) => Some(version.clone()),
            Version::Loose(loose) => loose.to_semver(),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        match (self, other) {
            // Build metadata does not order versions (semver §10); compare precedence only.
            (Version::Semver(a), Version::Semver(b)) => {
                a.cmp_precedence(b).then_with(|| a.build.cmp(&b.build))
            }
            (Version::Loose(a), Version::Loose(b)) => a.cmp(b),
            (Version::Semver(_), Version::Loose(_)) => Ordering::Less,
            (Version::Loose(_), Version::Semver(_)) => Ordering::Greater,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Semver(version) => version.fmt(f),
            Version::Loose(loose) => f.write_str(&loose.text),
        }
    }
}

/// A dotted version such as `3.10` or `2024.1.15-rc1`, compared part by part.
#[derive(Clone, Debug)]
pub struct LooseVersion {
    text: String,
    parts: Vec<LoosePart>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum LoosePart {
    // Numbers sort before words, so `1.0` < `1.a`.
    Number(u64),
    Word(String),
}

impl LooseVersion {
    fn parse(text: &str) -> Result<LooseVersion, String> {
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+');
        if text.is_empty()
            || text
                .split('.')
                .any(|part| part.is_empty() || !part.chars().all(valid_char))
        {
            return Err(format!(
                "`{text}` is not a dotted version (parts of letters, digits, `-`, `_` or `+`, separated by single dots)"
            ));
        }
        let parts = text
            .split('.')
            .map(|part| match part.parse::<u64>() {
                Ok(n) => LoosePart::Number(n),
                Err(_) => LoosePart::Word(part.to_owned()),
            })
            .collect();
        Ok(LooseVersion {
            text: text.to_owned(),
            parts,
        })
    }

    fn to_semver(&self) -> Option<semver::Version> {
        if self.parts.len() > 3 {
            return None;
        }
        let mut numbers = [0u64; 3];
        for (slot, part) in numbers.iter_mut().zip(&self.parts) {
            match part {
                LoosePart::Number(n) => *slot = *n,
                LoosePart::Word(_) => return None,
            }
        }
        Some(semver::Version::new(numbers[0], numbers[1], numbers[2]))
    }
}

impl PartialEq for LooseVersion {
    fn eq(&self, other: &LooseVersion) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for LooseVersion {}

impl PartialOrd for LooseVersion {
    fn partial_cmp(&self, other: &LooseVersion) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LooseVersion {
    /// Missing parts count as zero, so `3.10` equals `3.10.0`.
    fn cmp(&self, other: &LooseVersion) -> Ordering {
        let zero = LoosePart::Number(0);
        let n = self.parts.len().max(other.parts.len());
        (0..n)
            .map(|i| {
                let a = self.parts.get(i).unwrap_or(&zero);
                let b = other.parts.get(i).unwrap_or(&zero);
                a.cmp(b)
            })
            .find(|ord| ord.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

/// Parses a semver requirement (`^0.1`, `>=1.2, <2`, `=1.0.0`), with a message on failure.
pub fn parse_req(text: &str) -> Result<semver::VersionReq, String> {
    semver::VersionReq::parse(text)
        .map_err(|err| format!("`{text}` is not a semver requirement: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(scheme: VersionScheme, text: &str) -> Version {
        scheme.parse(text).expect("valid version")
    }

    #[test]
    fn semver_orders_by_precedence() {
        let s = VersionScheme::Semver;
        assert!(v(s, "0.2.0") > v(s, "0.1.9"));
        assert!(v(s, "1.0.0-rc.1") < v(s, "1.0.0"));
        assert!(s.parse("1.x").is_err());
        assert!(s.parse("v1.0.0").is_err());
    }

    #[test]
    fn semver_v_requires_the_prefix() {
        let s = VersionScheme::SemverV;
        assert!(v(s, "v1.10.0") > v(s, "v1.9.0"));
        assert!(
            s.parse("1.0.0")
                .expect_err("no prefix")
                .contains("must start with `v`")
        );
    }

    #[test]
    fn loose_compares_numbers_numerically_and_pads_with_zero() {
        let s = VersionScheme::Loose;
        assert!(v(s, "3.10") > v(s, "3.9"));
        assert_eq!(v(s, "3.10"), v(s, "3.10.0"));
        assert!(v(s, "1.a") > v(s, "1.0"));
        assert!(s.parse("1..2").is_err());
        assert!(s.parse("").is_err());
        assert_eq!(
            v(s, "3.10").to_semver(),
            Some(semver::Version::new(3, 10, 0))
        );
        assert_eq!(v(s, "1.2.3.4").to_semver(), None);
    }
}
