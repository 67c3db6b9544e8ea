//! Finding descriptor files: which kind claims each file, and which files no kind claims.

use std::collections::BTreeSet;

use crate::code::Code;
use crate::config::{CONFIG_FILE, Config, Kind, RENAMES_FILE, is_within, walk_roots};
use crate::diagnostic::Diagnostic;
use crate::document::Format;
use crate::error::Error;
use crate::snapshot::{ContentId, ListedKind, Snapshot};

/// A file a kind claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescriptorFile {
    /// Path relative to the registry root, `/`-separated.
    pub path: String,
    /// Index of the kind in [`Config::kinds`].
    pub kind: usize,
    pub format: Format,
    /// Size in bytes, when known without reading.
    pub size: Option<u64>,
    /// Content id, when known without reading.
    pub id: Option<ContentId>,
}

impl DescriptorFile {
    /// The file name without directory and extension: the entry's id.
    pub fn stem(&self) -> &str {
        file_stem(&self.path)
    }
}

/// The result of walking a snapshot: descriptors in path order, and findings about the rest.
#[derive(Debug, Default)]
pub struct Discovered {
    pub descriptors: Vec<DescriptorFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The file name of `path` without its directory and last extension.
pub fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// Lists every descriptor in `snapshot` and reports unclaimed files and unfollowed links.
pub fn discover(config: &Config, snapshot: &dyn Snapshot) -> Result<Discovered, Error> {
    // Schema directories may sit under the registry dir; their files are schemas, not entries.
    let schema_dirs: BTreeSet<&str> = config
        .kinds
        .iter()
        .map(|kind| kind.schema_path.rsplit_once('/').map_or("", |(dir, _)| dir))
        .collect();
    let mut out = Discovered::default();
    let claimant = |path: &str| {
        config
            .kinds
            .iter()
            .enumerate()
            .filter(|(_, kind)| is_within(path, &kind.dir))
            .max_by_key(|(_, kind)| kind.dir.len())
    };
    // Which kind claims a file depends only on its directory (unless the file's path is a
    // kind's directory itself), and listings keep a directory's files together: the claimant
    // is found once per directory instead of by comparing every path with every kind's.
    let mut last_dir: Option<(String, Option<(usize, &Kind)>)> = None;
    for root in walk_roots(config) {
        let listed = snapshot.list(&root)?;
        out.descriptors.reserve(listed.len());
        for file in listed {
            let dir = file.path.rsplit_once('/').map_or("", |(dir, _)| dir);
            let names_a_kind_dir = config.kinds.iter().any(|kind| kind.dir == file.path);
            let kind = match &last_dir {
                Some((last, kind)) if last == dir && !names_a_kind_dir => *kind,
                _ => {
                    let kind = claimant(&file.path);
                    if !names_a_kind_dir {
                        last_dir = Some((dir.to_owned(), kind));
                    }
                    kind
                }
            };
            let format = Format::from_path(&file.path);
            match (kind, file.kind, format) {
                (Some((index, _)), ListedKind::File { size }, Some(format)) => {
                    out.descriptors.push(DescriptorFile {
                        path: file.path,
                        kind: index,
                        format,
                        size,
                        id: file.id,
                    });
                }
                (_, ListedKind::UnfollowedLink, _) if kind.is_some() || format.is_some() => {
                    out.diagnostics.push(
                        Diagnostic::new(Code::Symlink, "symbolic link leaves the registry root, is broken, or points at a directory; it is not followed")
                            .in_file(file.path)
                            .with_help("replace the link with a regular file inside the registry"),
                    );
                }
                (Some((_, kind)), ListedKind::BadName, _) => {
                    out.diagnostics.push(
                        Diagnostic::new(
                            Code::UnclaimedFile,
                            format!(
                                "a file in `{}` has a name that is not valid UTF-8",
                                kind.dir
                            ),
                        )
                        .in_file(file.path)
                        .with_help("rename the file; descriptor names are their ids"),
                    );
                }
                (Some((_, kind)), ListedKind::File { .. }, None) => {
                    out.diagnostics.push(
                        Diagnostic::new(
                            Code::UnclaimedFile,
                            format!("file in the `{}` directory of kind `{}` is not a descriptor, so it is not validated", kind.dir, kind.name),
                        )
                        .in_file(file.path)
                        .with_help("descriptors end in `.toml`, `.json`, `.yaml` or `.yml`"),
                    );
                }
                (None, ListedKind::File { .. }, Some(_)) => {
                    let dir = file.path.rsplit_once('/').map_or("", |(dir, _)| dir);
                    if file.path == CONFIG_FILE
                        || file.path == RENAMES_FILE
                        || schema_dirs.contains(dir)
                    {
                        continue;
                    }
                    out.diagnostics.push(
                        Diagnostic::new(Code::UnclaimedFile, "file looks like a descriptor but is outside every kind's directory, so it is not validated")
                            .in_file(file.path)
                            .with_help(format!(
                                "move it into a kind's directory ({})",
                                config.kinds.iter().map(|k| format!("`{}`", k.dir)).collect::<Vec<_>>().join(", ")
                            )),
                    );
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_is_claimed_by_the_deepest_kind_whose_directory_holds_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let write = |path: &str, text: &str| {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            std::fs::write(full, text).expect("write");
        };
        write(
            CONFIG_FILE,
            "[registry]\nname = \"t\"\n\n[kinds.thing]\ndir = \"reg/things\"\nschema = \"any.json\"\n\n\
             [kinds.special]\ndir = \"reg/things/special\"\nschema = \"any.json\"\n",
        );
        write("any.json", "{}");
        // A kind's directory listed between its parent kind's files, a sibling whose name starts
        // like it, and a directory inside it.
        for path in [
            "reg/things/a.toml",
            "reg/things/special/b.toml",
            "reg/things/special/deeper/c.toml",
            "reg/things/special-not/d.toml",
            "reg/things/z.toml",
            "reg/things/special/e.toml",
        ] {
            write(path, "");
        }
        let snapshot = crate::Worktree::new(root).expect("worktree");
        let config = Config::load(&snapshot).expect("config");
        let found = discover(&config, &snapshot).expect("discover");
        let claimed: Vec<(&str, &str)> = found
            .descriptors
            .iter()
            .map(|d| (d.path.as_str(), config.kinds[d.kind].name.as_str()))
            .collect();
        assert_eq!(
            claimed,
            [
                ("reg/things/a.toml", "thing"),
                ("reg/things/special-not/d.toml", "thing"),
                ("reg/things/special/b.toml", "special"),
                ("reg/things/special/deeper/c.toml", "special"),
                ("reg/things/special/e.toml", "special"),
                ("reg/things/z.toml", "thing"),
            ]
        );
    }

    #[test]
    fn stems_drop_directory_and_extension() {
        assert_eq!(
            file_stem("registry/components/finetuning.toml"),
            "finetuning"
        );
        assert_eq!(file_stem("a.b.yaml"), "a.b");
        assert_eq!(file_stem("noext"), "noext");
    }
}
