//! Choosing what to validate: the working tree, a revision, the index, and the base of a change.

use std::path::Path;

use regctl_core::config::Config;
use regctl_core::git::{CommitId, GitRepo, Trailer};
use regctl_core::{Error, Snapshot, Worktree};

use crate::args::ValidateArgs;

/// A side of a validation, as reported in JSON output.
#[derive(Clone, Debug)]
pub(crate) struct Revision {
    /// What the user named: `HEAD`, `origin/main`, `working tree`, `index`.
    pub(crate) name: String,
    /// The commit, when there is one.
    pub(crate) commit: Option<String>,
}

/// A snapshot and the revision it shows.
pub(crate) type Side = (Box<dyn Snapshot>, Revision);

/// The snapshots a `validate` run reads, and the configuration the head holds.
pub(crate) struct Target {
    pub(crate) head: Box<dyn Snapshot>,
    /// Read from the head as soon as it is open, while git still compares or lists the base (a
    /// failure to open either side is reported before the configuration's own).
    pub(crate) config: Config,
    pub(crate) head_revision: Revision,
    pub(crate) base: Option<Side>,
    /// The head's paths that differ from the base, when git compared the two and the base
    /// snapshot holds only its differing files ([`regctl_validate::Base::changed`]).
    pub(crate) changed: Option<Vec<String>>,
    /// Trailers of the commits between base and head.
    pub(crate) trailers: Vec<Trailer>,
    /// The registry root relative to the git work tree, for paths in CI annotations.
    pub(crate) repo_prefix: String,
}

pub(crate) fn open(args: &ValidateArgs, root: &Path) -> Result<Target, Error> {
    let wants_git = args.rev.is_some() || args.staged || args.base.is_some();
    if !wants_git {
        // Annotations want repository-relative paths; outside git the registry root will do.
        let repo_prefix = GitRepo::discover(root)
            .map(|git| git.prefix().to_owned())
            .unwrap_or_default();
        let head = Worktree::new(root)?;
        return Ok(Target {
            config: Config::load(&head)?,
            head: Box::new(head),
            head_revision: Revision {
                name: "working tree".to_owned(),
                commit: None,
            },
            base: None,
            changed: None,
            trailers: Vec::new(),
            repo_prefix,
        });
    }
    let git = GitRepo::discover(root)?;
    let repo_prefix = git.prefix().to_owned();
    if let Some(rev) = &args.rev {
        let commit = git.resolve(rev)?;
        let head = git.commit_snapshot(commit, rev)?;
        return Ok(Target {
            config: Config::load(&head)?,
            head: Box::new(head),
            head_revision: revision(rev, Some(commit)),
            base: None,
            changed: None,
            trailers: Vec::new(),
            repo_prefix,
        });
    }

    // The head: a revision, the index, or the working tree; and the commit it grows from.
    enum HeadSource {
        Commit(CommitId, String),
        Index,
        WorkTree,
    }
    let (source, head_revision, head_commit) = match (&args.head, args.staged) {
        (Some(rev), _) => {
            let commit = git.resolve(rev)?;
            (
                HeadSource::Commit(commit, rev.clone()),
                revision(rev, Some(commit)),
                Some(commit),
            )
        }
        (None, true) => (HeadSource::Index, revision("index", None), git.head()?),
        (None, false) => (
            HeadSource::WorkTree,
            revision("working tree", None),
            git.head()?,
        ),
    };

    // The base: the merge base of `--base` and the head commit; `HEAD` for staged changes.
    let base = match (&args.base, head_commit) {
        (Some(spec), Some(head_commit)) => {
            let tip = git.resolve(spec)?;
            let merge_base = git.merge_base(tip, head_commit, spec)?;
            Some((spec.clone(), merge_base))
        }
        (Some(spec), None) => {
            let tip = git.resolve(spec)?;
            Some((spec.clone(), tip))
        }
        (None, Some(head_commit)) => Some(("HEAD".to_owned(), head_commit)),
        // A first commit: nothing to compare with, so the index is validated in full.
        (None, None) => None,
    };
    let trailers = match (&base, head_commit) {
        (Some((_, commit)), Some(head_commit)) if head_commit != *commit => {
            git.trailers(*commit, head_commit)?
        }
        _ => Vec::new(),
    };

    // Between two commits, git compares the trees beside the head's listing, reading only the
    // directories that differ: the base is not listed, and holds only what differs.
    if let (HeadSource::Commit(head_commit, rev), Some((name, commit))) = (&source, &base) {
        let (head, changes) = side_by_side(
            // The configuration is read as soon as the head is open, while git still compares.
            || {
                git.commit_snapshot(*head_commit, rev).map(|head| {
                    let config = Config::load(&head);
                    (head, config)
                })
            },
            || git.base_changes(*commit, *head_commit, name),
        );
        let (head, config) = head?;
        let changes = changes?;
        let config = config?;
        let (snapshot, changed): (Box<dyn Snapshot>, _) = match changes.against(&head, &git, name) {
            Some((files, changed)) => (Box::new(files), Some(changed)),
            None => (Box::new(git.commit_snapshot(*commit, name)?), None),
        };
        return Ok(Target {
            head: Box::new(head),
            config,
            head_revision,
            base: Some((snapshot, revision(name, Some(*commit)))),
            changed,
            trailers,
            repo_prefix,
        });
    }

    // Listing the head and the base are each a walk over the whole registry: side by side.
    let open_head = || -> Result<Box<dyn Snapshot>, Error> {
        Ok(match &source {
            HeadSource::Commit(commit, rev) => Box::new(git.commit_snapshot(*commit, rev)?),
            HeadSource::Index => Box::new(git.index_snapshot()?),
            // Files git's index records as unchanged are identified without being read.
            HeadSource::WorkTree => Box::new(Worktree::new(root)?.with_index_ids(git.index_ids()?)),
        })
    };
    let open_head = || {
        open_head().map(|head| {
            let config = Config::load(head.as_ref());
            (head, config)
        })
    };
    let open_base = || -> Result<Option<Side>, Error> {
        let Some((name, commit)) = &base else {
            return Ok(None);
        };
        let snapshot: Box<dyn Snapshot> = Box::new(git.commit_snapshot(*commit, name)?);
        Ok(Some((snapshot, revision(name, Some(*commit)))))
    };
    let (head, base) = side_by_side(open_head, open_base);
    let ((head, config), base) = (head?, base?);
    Ok(Target {
        head,
        config: config?,
        head_revision,
        base,
        changed: None,
        trailers,
        repo_prefix,
    })
}

/// Runs `a` here and `b` on a thread of its own, and returns both results.
fn side_by_side<A, B: Send>(a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B) {
    std::thread::scope(|scope| {
        let b = scope.spawn(b);
        let a = a();
        // A panic on the other thread is a bug; pass it on rather than hide it.
        let b = b
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    })
}

fn revision(name: &str, commit: Option<CommitId>) -> Revision {
    Revision {
        name: name.to_owned(),
        commit: commit.map(|c| c.to_string()),
    }
}
