//! One module per subcommand, each exposing a function from its arguments to an exit status.

pub(crate) mod codeowners;
pub(crate) mod compose;
pub(crate) mod edit;
pub(crate) mod explain;
pub(crate) mod federation;
pub(crate) mod init;
pub(crate) mod query;
pub(crate) mod rules;
pub(crate) mod validate;

/// The registry's cache directory: `$REGCTL_CACHE_DIR`, else `.regctl/cache` at its root.
pub(crate) fn registry_cache_dir(root: &std::path::Path) -> std::path::PathBuf {
    match std::env::var_os("REGCTL_CACHE_DIR").filter(|dir| !dir.is_empty()) {
        Some(dir) => std::path::PathBuf::from(dir),
        None => root.join(".regctl/cache"),
    }
}

/// The commit checked out in the git work tree holding `root`, if any: part of what a
/// compose stamp describes.
pub(crate) fn head_commit(root: &std::path::Path) -> Option<String> {
    regctl_core::git::GitRepo::discover(root)
        .and_then(|git| git.head())
        .ok()
        .flatten()
        .map(|commit| commit.to_string())
}
