//! Git access through `gix`: resolve revisions, read trees and the index as [`Snapshot`]s, find
//! merge bases and read commit trailers. No shelling out to `git`; git types stay in this module.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use gix::bstr::ByteSlice;

use crate::error::Error;
use crate::snapshot::{ContentId, Listed, ListedKind, Snapshot, is_hidden};

/// A git repository that contains a registry.
pub struct GitRepo {
    repo: gix::ThreadSafeRepository,
    /// The registry root relative to the work tree, `/`-separated; empty when they coincide.
    prefix: String,
}

/// A commit, by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommitId(gix::ObjectId);

impl CommitId {
    /// The all-zero id, for tests that need a commit id without a repository.
    pub fn null_for_tests() -> CommitId {
        CommitId(gix::ObjectId::null(gix::hash::Kind::Sha1))
    }

    /// The first 12 hex digits, for messages.
    pub fn short(&self) -> String {
        self.0.to_hex_with_len(12).to_string()
    }
}

impl fmt::Display for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The blob ids and stat data the git index records for the registry's files.
pub struct IndexIds {
    index: gix::worktree::Index,
    /// Where each of the registry's files is in `index`, by a hash of its path relative to the
    /// registry root ([`COLLIDED`] where two paths share a hash). A map keyed by owned paths
    /// took twice as long to build as the index took to read, on the path of every work-tree
    /// validation; a binary search per file cost more than that.
    by_path_hash: foldhash::HashMap<u64, u32>,
    /// The registry root relative to the work tree, with a trailing `/` unless empty.
    prefix: String,
    /// When the index was written, in seconds since the epoch: entries modified in that
    /// second or later are "racily clean" and must be read to be trusted.
    written_secs: i64,
}

/// A path hash shared by more than one entry: those paths are searched for instead.
const COLLIDED: u32 = u32::MAX;

fn path_hash(path: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(path)
}

impl IndexIds {
    /// The id of the file at `path` if its stat data still matches the index (as `git status`
    /// decides, racily clean entries excepted), so its content is known without reading it.
    pub(crate) fn id_if_unchanged(
        &self,
        path: &str,
        now: &gix::index::entry::Stat,
    ) -> Option<ContentId> {
        let entry = match *self.by_path_hash.get(&path_hash(path.as_bytes()))? {
            COLLIDED => self.index.entry_by_path_and_stage(
                format!("{}{path}", self.prefix).as_str().into(),
                gix::index::entry::Stage::Unconflicted,
            )?,
            at => self
                .index
                .entries()
                .get(at as usize)
                .filter(|entry| entry.path(&self.index)[self.prefix.len()..] == path)?,
        };
        let file = entry.mode == gix::index::entry::Mode::FILE
            || entry.mode == gix::index::entry::Mode::FILE_EXECUTABLE;
        let racy = i64::from(entry.stat.mtime.secs) >= self.written_secs;
        let unchanged = entry
            .stat
            .matches(now, gix::index::entry::stat::Options::default());
        (file && unchanged && !racy).then(|| ContentId::from_git(entry.id))
    }
}

/// Checks that `name` can name a branch (`refs/heads/<name>`), as git's ref-name rules say:
/// no `..`, spaces, `~^:?*[\\`, no trailing `/` or `.lock`, not empty. The reason when not.
pub fn check_branch_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the branch name is empty".to_owned());
    }
    gix::refs::FullName::try_from(format!("refs/heads/{name}"))
        .map(|_| ())
        .map_err(|err| format!("`{name}` is not a valid branch name: {err}"))
}

/// The outcome of [`GitRepo::publish`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Published {
    /// The branch's tip afterwards.
    pub commit: CommitId,
    /// Whether a new commit was made (false when the tree was unchanged).
    pub created: bool,
}

/// A commit that changed a file.
#[derive(Clone, Debug)]
pub struct FileChange {
    pub commit: CommitId,
    pub author: String,
    /// Commit time, seconds since the Unix epoch.
    pub time: i64,
    /// The first line of the message.
    pub summary: String,
    /// The file before and after the commit (`None`: absent).
    pub before: Option<Vec<u8>>,
    pub after: Option<Vec<u8>>,
}

/// A `Key: value` trailer of a commit message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trailer {
    pub commit: CommitId,
    pub token: String,
    pub value: String,
}

fn git_error(action: impl Into<String>, source: gix::Error) -> Error {
    Error::Git {
        action: action.into(),
        source: Box::new(source),
    }
}

impl GitRepo {
    /// The repository at `path` itself (a bare repository or a work tree), for reading a
    /// federation source's published index from it.
    pub fn open(path: &Path) -> Result<GitRepo, Error> {
        let repo = gix::ThreadSafeRepository::open(path).map_err(|err| {
            git_error(
                format!("open the git repository at `{}`", path.display()),
                err,
            )
        })?;
        Ok(GitRepo {
            repo,
            prefix: String::new(),
        })
    }

    /// The files below `dir` in `commit`'s tree, as a snapshot (paths relative to `dir`).
    pub fn tree_snapshot(&self, commit: CommitId, dir: &str) -> Result<GitFiles, Error> {
        self.tree_files(commit, &commit.short(), dir.trim_matches('/'))
    }

    /// The repository containing the registry at `root`, honouring `GIT_DIR` and
    /// `GIT_INDEX_FILE` as git hooks set them.
    pub fn discover(root: &Path) -> Result<GitRepo, Error> {
        let repo = gix::ThreadSafeRepository::discover_with_environment_overrides(root).map_err(
            |err| {
                git_error(
                    format!("find a git repository at `{}`", root.display()),
                    err,
                )
            },
        )?;
        let workdir = repo
            .work_dir()
            .ok_or_else(|| Error::NotGit {
                path: root.display().to_string(),
                reason: "the repository is bare".to_owned(),
            })?
            .to_path_buf();
        let canonical = |path: &Path| {
            std::fs::canonicalize(path).map_err(|source| Error::Io {
                path: path.display().to_string(),
                source,
            })
        };
        let (root, workdir) = (canonical(root)?, canonical(&workdir)?);
        let relative = root.strip_prefix(&workdir).map_err(|_| Error::NotGit {
            path: root.display().to_string(),
            reason: format!("it is outside the work tree `{}`", workdir.display()),
        })?;
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Ok(GitRepo {
            repo,
            prefix: parts.join("/"),
        })
    }

    /// The registry root relative to the work tree, `/`-separated; empty when they coincide.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn local(&self) -> gix::Repository {
        self.repo.to_thread_local()
    }

    /// Resolves a revision (`HEAD~3`, a tag, `origin/main`) to a commit.
    pub fn resolve(&self, spec: &str) -> Result<CommitId, Error> {
        let repo = self.local();
        let id = repo
            .rev_parse_single(spec)
            .map_err(|err| self.missing_revision(spec, err))?;
        let commit = id
            .object()
            .and_then(|object| object.peel_to_commit())
            .map_err(|err| self.missing_revision(spec, err))?;
        Ok(CommitId(commit.id))
    }

    /// The commit `HEAD` points at, or `None` in a repository without commits.
    pub fn head(&self) -> Result<Option<CommitId>, Error> {
        let repo = self.local();
        let head = repo.head_id();
        match head {
            Ok(id) => Ok(Some(CommitId(id.detach()))),
            Err(_) if repo.head().map(|h| h.is_unborn()).unwrap_or(false) => Ok(None),
            Err(err) => Err(git_error("resolve HEAD", err)),
        }
    }

    /// The best common ancestor of `a` and `b`, as `git merge-base` finds it.
    pub fn merge_base(&self, a: CommitId, b: CommitId, a_spec: &str) -> Result<CommitId, Error> {
        let repo = self.local();
        match repo.merge_base(a.0, b.0) {
            Ok(Some(base)) => Ok(CommitId(base.detach())),
            Ok(None) => Err(Error::MissingBase {
                spec: a_spec.to_owned(),
                reason: "it has no common ancestor with the head".to_owned(),
                shallow: self.is_shallow(),
            }),
            Err(err) => Err(self.missing_revision(a_spec, err)),
        }
    }

    /// Whether the repository is a shallow clone (history cut off).
    pub fn is_shallow(&self) -> bool {
        self.local().is_shallow().unwrap_or(false)
    }

    fn missing_revision(&self, spec: &str, err: gix::Error) -> Error {
        Error::MissingBase {
            spec: spec.to_owned(),
            reason: err.to_string(),
            shallow: self.is_shallow(),
        }
    }

    /// The registry as it is in `commit`'s tree.
    pub fn commit_snapshot(&self, commit: CommitId, label: &str) -> Result<GitFiles, Error> {
        self.tree_files(commit, label, &self.prefix)
    }

    /// The files of `commit`'s tree below `prefix` (relative to it).
    fn tree_files(&self, commit: CommitId, label: &str, prefix: &str) -> Result<GitFiles, Error> {
        let repo = self.local();
        let listing_failed = |err| git_error(format!("list the files of {label}"), err);
        let Some(tree) = self.registry_tree(&repo, commit, label, prefix)? else {
            return Ok(GitFiles::new(self.repo.clone(), Vec::new(), label));
        };
        let mut files = Vec::new();
        list_tree(&repo, &tree, &mut String::new(), &mut files).map_err(listing_failed)?;
        Ok(GitFiles::new(self.repo.clone(), files, label))
    }

    /// The tree of `commit` at `prefix`, if it has one there.
    fn registry_tree<'r>(
        &self,
        repo: &'r gix::Repository,
        commit: CommitId,
        label: &str,
        prefix: &str,
    ) -> Result<Option<gix::Tree<'r>>, Error> {
        let mut tree = repo
            .find_commit(commit.0)
            .and_then(|commit| commit.tree())
            .map_err(|err| git_error(format!("read the tree of {label}"), err))?;
        for part in prefix.split('/').filter(|part| !part.is_empty()) {
            let subtree = tree
                .iter()
                .filter_map(Result::ok)
                .find(|entry| entry.inner.mode.is_tree() && entry.inner.filename == part)
                .map(|entry| entry.inner.oid.to_owned());
            match subtree {
                Some(id) => {
                    tree = repo
                        .find_tree(id)
                        .map_err(|err| git_error(format!("list the files of {label}"), err))?;
                }
                None => return Ok(None),
            }
        }
        Ok(Some(tree))
    }

    /// What differs between the registry in commits `base` and `head`, found by comparing their
    /// trees: a directory whose tree is the same on both sides is not read, so a change to one
    /// entry reads only the trees on its path. Meant to run beside the head's listing; see
    /// [`BaseChanges::against`].
    pub fn base_changes(
        &self,
        base: CommitId,
        head: CommitId,
        label: &str,
    ) -> Result<BaseChanges, Error> {
        let repo = self.local();
        let failed = |err| git_error(format!("compare {label} with the head"), err);
        let base_tree = self.registry_tree(&repo, base, label, &self.prefix)?;
        let head_tree = self.registry_tree(&repo, head, label, &self.prefix)?;
        let mut recorder = gix::diff::tree::Recorder::default();
        let hash = repo.object_hash();
        let base_data = base_tree.as_ref().map_or(&[][..], |tree| &tree.data);
        let head_data = head_tree.as_ref().map_or(&[][..], |tree| &tree.data);
        let same = matches!((&base_tree, &head_tree), (Some(a), Some(b)) if a.id == b.id);
        if !same {
            gix::diff::tree(
                gix::objs::TreeRefIter::from_bytes(base_data, hash),
                gix::objs::TreeRefIter::from_bytes(head_data, hash),
                gix::diff::tree::State::default(),
                &repo.objects,
                &mut recorder,
            )
            .map_err(|err| failed(gix::Error::from_error(err)))?;
        }
        let mut changes = BaseChanges::default();
        let utf8 = |path: &gix::bstr::BStr| path.to_str().ok().map(str::to_owned);
        use gix::diff::tree::recorder::Change;
        for change in recorder.records {
            let (before, after, path) = match change {
                Change::Addition {
                    entry_mode, path, ..
                } => (None, Some(entry_mode), path),
                Change::Deletion {
                    entry_mode,
                    oid,
                    path,
                    ..
                } => (Some((entry_mode, oid)), None, path),
                Change::Modification {
                    previous_entry_mode,
                    previous_oid,
                    entry_mode,
                    path,
                    ..
                } => (
                    Some((previous_entry_mode, previous_oid)),
                    Some(entry_mode),
                    path,
                ),
            };
            let modes = before.map(|(mode, _)| mode).into_iter().chain(after);
            if modes.clone().any(|mode| mode.is_link()) {
                changes.linked = true;
            }
            if modes.clone().all(|mode| mode.is_tree()) {
                continue; // a directory: its files are reported one by one
            }
            let Some(path) = utf8(path.as_ref()) else {
                continue; // not a name a registry file can have; listings skip it too
            };
            if let Some((_, id)) = before.filter(|(mode, _)| mode.is_blob()) {
                changes
                    .base_files
                    .push((path.clone(), GitFile { id, link: false }));
            }
            if after.is_some_and(|mode| mode.is_blob()) {
                changes.head_paths.push(path);
            }
        }
        changes.base_files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        changes.head_paths.sort_unstable();
        Ok(changes)
    }

    /// The registry as staged in the git index: what the next commit will contain.
    pub fn index_snapshot(&self) -> Result<GitFiles, Error> {
        let repo = self.local();
        let index = repo
            .index_or_empty()
            .map_err(|err| git_error("read the git index", err))?;
        let mut files = Vec::new();
        for entry in index.entries() {
            let path = entry.path(&index);
            if entry.stage_raw() != 0 {
                return Err(Error::NotGit {
                    path: path.to_string(),
                    reason: "the index has unresolved merge conflicts".to_owned(),
                });
            }
            let link = entry.mode == gix::index::entry::Mode::SYMLINK;
            let file = entry.mode == gix::index::entry::Mode::FILE
                || entry.mode == gix::index::entry::Mode::FILE_EXECUTABLE;
            if !(link || file) {
                continue;
            }
            if let Some(path) = self.relative(path) {
                files.push((path, GitFile { id: entry.id, link }));
            }
        }
        Ok(GitFiles::new(self.repo.clone(), files, "the git index"))
    }

    /// What the index knows about the registry's files, to identify unchanged working-tree files.
    pub fn index_ids(&self) -> Result<IndexIds, Error> {
        let index = self
            .local()
            .index_or_empty()
            .map_err(|err| git_error("read the git index", err))?;
        let prefix = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let range = index
            .prefixed_entries_range(prefix.as_str().into())
            .unwrap_or(0..0);
        let mut by_path_hash =
            foldhash::HashMap::with_capacity_and_hasher(range.len(), Default::default());
        let registry_entries = index.entries().iter().enumerate();
        for (at, entry) in registry_entries.take(range.end).skip(range.start) {
            // Conflicted paths have no stage-0 entry: they count as changed.
            if entry.stage_raw() != 0 {
                continue;
            }
            let Ok(at) = u32::try_from(at) else { break };
            let path = &entry.path(&index)[prefix.len()..];
            by_path_hash
                .entry(path_hash(path))
                .and_modify(|slot| *slot = COLLIDED)
                .or_insert(at);
        }
        Ok(IndexIds {
            written_secs: index.timestamp().unix_seconds(),
            index,
            by_path_hash,
            prefix,
        })
    }

    /// The trailers of every commit reachable from `head` but not from `base`.
    pub fn trailers(&self, base: CommitId, head: CommitId) -> Result<Vec<Trailer>, Error> {
        let repo = self.local();
        let walk = repo
            .rev_walk([head.0])
            .with_hidden([base.0])
            .all()
            .map_err(|err| git_error("walk the commits between base and head", err))?;
        let mut out = Vec::new();
        for info in walk {
            let info =
                info.map_err(|err| git_error("walk the commits between base and head", err))?;
            let commit = info
                .object()
                .map_err(|err| git_error("read a commit", err))?;
            let message = commit
                .message()
                .map_err(|err| git_error("read a commit message", err))?;
            let Some(body) = message.body() else {
                continue;
            };
            for trailer in body.trailers() {
                out.push(Trailer {
                    commit: CommitId(commit.id),
                    token: trailer.token.to_string(),
                    value: trailer.value.to_string(),
                });
            }
        }
        Ok(out)
    }

    /// Commits `files` (path → bytes) as the whole tree of `branch`, with the branch's tip as
    /// parent. Only objects and the branch are written: no checkout, no change to the work
    /// tree or the index. When the tree equals the tip's, nothing is committed.
    pub fn publish(
        &self,
        files: &BTreeMap<String, Vec<u8>>,
        branch: &str,
        message: &str,
    ) -> Result<Published, Error> {
        let repo = self.local();
        let reference = format!("refs/heads/{branch}");
        let fail = |action: &str, err: gix::Error| {
            git_error(format!("{action} for branch `{branch}`"), err)
        };
        let previous = repo
            .try_find_reference(reference.as_str())
            .map_err(|err| fail("look up the branch", err))?
            .map(|mut tip| {
                tip.peel_to_commit()
                    .map(|commit| (commit.id, commit.tree_id().map(|t| t.detach())))
            })
            .transpose()
            .map_err(|err| fail("read the tip", err))?;
        let empty = gix::ObjectId::empty_tree(repo.object_hash());
        let mut editor = repo
            .edit_tree(empty)
            .map_err(|err| fail("start a tree", err))?;
        for (path, bytes) in files {
            let blob = repo
                .write_blob(bytes)
                .map_err(|err| fail("write a blob", err))?;
            editor
                .upsert(path.as_str(), gix::object::tree::EntryKind::Blob, blob)
                .map_err(|err| fail("add a file to the tree", err))?;
        }
        let tree = editor
            .write()
            .map_err(|err| fail("write the tree", err))?
            .detach();
        if let Some((tip, Ok(tip_tree))) = &previous
            && *tip_tree == tree
        {
            return Ok(Published {
                commit: CommitId(*tip),
                created: false,
            });
        }
        let parents: Vec<gix::ObjectId> = previous.iter().map(|(tip, _)| *tip).collect();
        // CI machines often have no git identity; regctl signs as itself there.
        let fallback = gix::actor::Signature {
            name: "regctl".into(),
            email: "regctl@localhost".into(),
            time: gix::date::Time::now_local_or_utc(),
        };
        let mut time_buf = gix::date::parse::TimeBuf::default();
        let fallback = fallback.to_ref(&mut time_buf);
        let committer = repo.committer().and_then(Result::ok).unwrap_or(fallback);
        let author = repo.author().and_then(Result::ok).unwrap_or(fallback);
        let commit = repo
            .commit_as(
                committer,
                author,
                reference.as_str(),
                message,
                tree,
                parents,
            )
            .map_err(|err| fail("commit", err))?;
        Ok(Published {
            commit: CommitId(commit.detach()),
            created: true,
        })
    }

    /// The files of `branch`'s tip (path → bytes), for checking what was published.
    pub fn branch_files(&self, branch: &str) -> Result<BTreeMap<String, Vec<u8>>, Error> {
        let commit = self.resolve(&format!("refs/heads/{branch}"))?;
        let snapshot = self.tree_files(commit, branch, "")?;
        let mut out = BTreeMap::new();
        for (path, _) in &snapshot.files {
            if let Some(bytes) = snapshot.read(path)? {
                out.insert(path.clone(), bytes);
            }
        }
        Ok(out)
    }

    /// Every commit reachable from `HEAD` (newest first) that changed the registry file at
    /// `path`, with the file's content before and after.
    pub fn file_history(&self, path: &str) -> Result<Vec<FileChange>, Error> {
        let repo = self.local();
        let Some(head) = self.head()? else {
            return Ok(Vec::new());
        };
        let full = if self.prefix.is_empty() {
            path.to_owned()
        } else {
            format!("{}/{path}", self.prefix)
        };
        let fail = |err: gix::Error| git_error(format!("read the history of `{path}`"), err);
        let blob_at = |commit: gix::ObjectId| -> Result<Option<gix::ObjectId>, Error> {
            let tree = repo
                .find_commit(commit)
                .and_then(|c| c.tree())
                .map_err(fail)?;
            let entry = tree.lookup_entry_by_path(&full).map_err(fail)?;
            Ok(entry.filter(|e| e.mode().is_blob()).map(|e| e.object_id()))
        };
        let walk = repo.rev_walk([head.0]).all().map_err(fail)?;
        let mut out = Vec::new();
        for info in walk {
            let info = info.map_err(fail)?;
            let commit = info.object().map_err(fail)?;
            let after = blob_at(commit.id)?;
            let parent = commit.parent_ids().next().map(|id| id.detach());
            let before = match parent {
                Some(parent) => blob_at(parent)?,
                None => None,
            };
            if before == after {
                continue;
            }
            let read = |id: Option<gix::ObjectId>| -> Result<Option<Vec<u8>>, Error> {
                id.map(|id| repo.find_blob(id).map(|b| b.data.clone()).map_err(fail))
                    .transpose()
            };
            let author = commit.author().map_err(fail)?;
            out.push(FileChange {
                commit: CommitId(commit.id),
                author: author.name.to_string(),
                time: commit.time().map_err(fail)?.seconds,
                summary: commit.message().map_err(fail)?.summary().to_string(),
                before: read(before)?,
                after: read(after)?,
            });
        }
        Ok(out)
    }

    /// The newest commit reachable from `HEAD` whose commit time is at or before `seconds`.
    pub fn commit_at(&self, seconds: i64) -> Result<Option<CommitId>, Error> {
        let repo = self.local();
        let Some(head) = self.head()? else {
            return Ok(None);
        };
        let fail = |err: gix::Error| git_error("walk the history", err);
        let mut best: Option<(i64, gix::ObjectId)> = None;
        for info in repo.rev_walk([head.0]).all().map_err(fail)? {
            let commit = info.map_err(fail)?.object().map_err(fail)?;
            let time = commit.time().map_err(fail)?.seconds;
            if time <= seconds && best.is_none_or(|(t, _)| time > t) {
                best = Some((time, commit.id));
            }
        }
        Ok(best.map(|(_, id)| CommitId(id)))
    }

    /// A path of the repository relative to the registry root, if it is inside it.
    fn relative(&self, path: &gix::bstr::BStr) -> Option<String> {
        relative_to(&self.prefix, path)
    }
}

/// `path` relative to the directory `prefix` (`""` for the root), if it is inside it.
fn relative_to(prefix: &str, path: &gix::bstr::BStr) -> Option<String> {
    let path = path.to_str().ok()?;
    if prefix.is_empty() {
        return Some(path.to_owned());
    }
    path.strip_prefix(prefix)?
        .strip_prefix('/')
        .map(str::to_owned)
}

/// Appends the files of `tree` to `out` as `dir` + name, depth first in tree order, which is the
/// byte order of full paths (the git index's order).
fn list_tree(
    repo: &gix::Repository,
    tree: &gix::Tree<'_>,
    dir: &mut String,
    out: &mut Vec<(String, GitFile)>,
) -> Result<(), gix::Error> {
    for entry in tree.iter() {
        let entry = entry?.inner;
        let Ok(name) = std::str::from_utf8(entry.filename) else {
            continue; // not a name a registry file can have
        };
        if entry.mode.is_tree() {
            let subtree = repo.find_tree(entry.oid.to_owned())?;
            let len = dir.len();
            dir.push_str(name);
            dir.push('/');
            list_tree(repo, &subtree, dir, out)?;
            dir.truncate(len);
        } else if entry.mode.is_blob_or_symlink() {
            let mut path = String::with_capacity(dir.len() + name.len());
            path.push_str(dir);
            path.push_str(name);
            out.push((
                path,
                GitFile {
                    id: entry.oid.to_owned(),
                    link: entry.mode.is_link(),
                },
            ));
        }
    }
    Ok(())
}

/// What differs between a base commit and a head commit ([`GitRepo::base_changes`]).
#[derive(Default)]
pub struct BaseChanges {
    /// The base's files that differ (removed or changed), in path order.
    base_files: Vec<(String, GitFile)>,
    /// The head's paths that differ (added or changed), in path order.
    head_paths: Vec<String>,
    /// A symbolic link changed.
    linked: bool,
}

impl BaseChanges {
    /// The base's differing files as a snapshot of `repo` labelled `label`, and the head's
    /// differing paths, given the head's listing. `None` when either side holds a symbolic
    /// link: a link's content is its target's, which comparing trees does not see, so the
    /// whole base must be listed.
    pub fn against(
        self,
        head: &GitFiles,
        repo: &GitRepo,
        label: &str,
    ) -> Option<(GitFiles, Vec<String>)> {
        if self.linked || head.files.iter().any(|(_, file)| file.link) {
            return None;
        }
        Some((
            GitFiles::new(repo.repo.clone(), self.base_files, label),
            self.head_paths,
        ))
    }
}

#[derive(Clone, Copy, Debug)]
struct GitFile {
    id: gix::ObjectId,
    link: bool,
}

/// The files of a registry in a commit or in the git index.
pub struct GitFiles {
    repo: gix::ThreadSafeRepository,
    /// Thread-local repository handles, reused across reads: making one per read costs more
    /// than reading a small blob.
    handles: std::sync::Mutex<Vec<gix::Repository>>,
    /// Sorted by path.
    files: Vec<(String, GitFile)>,
    label: String,
}

impl GitFiles {
    fn new(
        repo: gix::ThreadSafeRepository,
        mut files: Vec<(String, GitFile)>,
        label: &str,
    ) -> Self {
        if !files.is_sorted_by(|a, b| a.0 <= b.0) {
            files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        }
        GitFiles {
            repo,
            handles: std::sync::Mutex::new(Vec::new()),
            files,
            label: label.to_owned(),
        }
    }

    fn file(&self, path: &str) -> Option<&GitFile> {
        let at = self
            .files
            .binary_search_by(|(other, _)| other.as_str().cmp(path))
            .ok()?;
        Some(&self.files[at].1)
    }

    /// Where a symlink stored in git points, if that is a file of this snapshot.
    fn link_target(&self, path: &str, file: &GitFile) -> Option<&GitFile> {
        let target = self.blob(file.id).ok()?;
        let target = std::str::from_utf8(&target).ok()?;
        let base = path.rsplit_once('/').map_or("", |(dir, _)| dir);
        let joined = if target.starts_with('/') {
            return None;
        } else if base.is_empty() {
            target.to_owned()
        } else {
            format!("{base}/{target}")
        };
        let mut parts: Vec<&str> = Vec::new();
        for part in joined.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                part => parts.push(part),
            }
        }
        self.file(&parts.join("/")).filter(|target| !target.link)
    }

    fn blob(&self, id: gix::ObjectId) -> Result<Vec<u8>, gix::Error> {
        let pooled = self.handles.lock().ok().and_then(|mut pool| pool.pop());
        let repo = pooled.unwrap_or_else(|| self.repo.to_thread_local());
        let data = repo.find_blob(id).map(|blob| blob.data.clone());
        if let Ok(mut pool) = self.handles.lock() {
            pool.push(repo);
        }
        data
    }
}

impl Snapshot for GitFiles {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn list(&self, dir: &str) -> Result<Vec<Listed>, Error> {
        let start = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let first = self
            .files
            .partition_point(|(path, _)| path.as_str() < start.as_str());
        // The files are sorted, so those under `dir` are the run starting at `first`: sized
        // up front, the list of 100,000 is not grown (and copied) a doubling at a time.
        let under = self.files[first..].partition_point(|(path, _)| path.starts_with(&start));
        let mut listed = Vec::with_capacity(under);
        listed.extend(
            self.files[first..first + under]
                .iter()
                .filter(|(path, _)| !is_hidden(&path[start.len()..]))
                .map(|(path, file)| {
                    // Only symlinks need their target read; a file's blob id is in the tree.
                    let (kind, id) = if file.link {
                        match self.link_target(path, file) {
                            Some(target) => (ListedKind::File { size: None }, Some(target.id)),
                            None => (ListedKind::UnfollowedLink, None),
                        }
                    } else {
                        (ListedKind::File { size: None }, Some(file.id))
                    };
                    Listed {
                        path: path.clone(),
                        kind,
                        id: id.map(ContentId::from_git),
                    }
                }),
        );
        Ok(listed)
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let Some(file) = self.file(path) else {
            return Ok(None);
        };
        let file = if file.link {
            match self.link_target(path, file) {
                Some(target) => target,
                None => return Ok(None),
            }
        } else {
            file
        };
        self.blob(file.id)
            .map(Some)
            .map_err(|err| git_error(format!("read `{path}` from {}", self.label), err))
    }
}
