//! What a finished task leaves behind: lines appended to files, commits on the
//! worktree's branch, and the done command. Problems become report lines,
//! never errors: a real agent reports failures on screen and keeps running.

use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use git2::{Commit, ErrorCode, Oid, Repository, Signature};

use super::directives::Plan;

/// A line for the screen: tool output (`⎿`) or a report (`●`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Tool(String),
    Report(String),
}

const FALLBACK_NAME: &str = "sim-agent";
const FALLBACK_EMAIL: &str = "sim@localhost";

pub fn perform(cwd: &Path, plan: &Plan, title: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let repo = match Repository::discover(cwd) {
        Ok(r) => Some(r),
        Err(e) => {
            out.push(Line::Tool(format!("no git repository: {}", e.message())));
            None
        }
    };
    let branch = repo
        .as_ref()
        .map_or_else(|| "no-branch".to_string(), branch_name);
    if let (Some(repo), Some(what)) = (repo.as_ref(), plan.merge.as_deref()) {
        out.push(match merge_in(repo, what) {
            Ok(line) => line,
            Err(e) => Line::Report(format!("Error: git merge {what} failed: {}", e.message())),
        });
    }
    let wanted = if plan.touches.is_empty() {
        vec![format!("sim/{}.md", branch.replace('/', "-"))]
    } else {
        plan.touches.clone()
    };
    let mut files = Vec::new();
    for raw in wanted {
        match inside_relative(&raw) {
            Some(p) => files.push(p),
            None => out.push(Line::Tool(format!(
                "refusing to touch {raw}: not a path inside the worktree"
            ))),
        }
    }
    if files.is_empty() {
        out.push(Line::Report("Done: nothing to write".into()));
        return out;
    }
    let groups = split_groups(files.len(), plan.commits);
    let mut written = BTreeSet::new();
    let mut commits = Vec::new();
    for (i, group) in groups.iter().enumerate() {
        let line = if groups.len() > 1 {
            format!("{title} (part {} of {})", i + 1, groups.len())
        } else {
            title.to_string()
        };
        for &f in group {
            if let Err(e) = append_line(&cwd.join(&files[f]), &line) {
                let shown = files[f].display();
                out.push(Line::Report(format!("Error: cannot write {shown}: {e}")));
                return out;
            }
            written.insert(f);
            out.push(Line::Tool(format!("Wrote {}", files[f].display())));
        }
        let (Some(repo), true) = (repo.as_ref(), plan.commits > 0) else {
            continue;
        };
        let paths: Vec<&Path> = group.iter().map(|&f| files[f].as_path()).collect();
        let message = commit_message(title, i, groups.len());
        match commit(repo, cwd, &paths, &message) {
            Ok(oid) => commits.push(oid),
            Err(e) => {
                out.push(Line::Report(format!(
                    "Error: commit failed: {}",
                    e.message()
                )));
                return out;
            }
        }
    }
    let what = commit_summary(&commits, plan.commits, repo.is_some());
    let n = written.len();
    let files_word = if n == 1 { "file" } else { "files" };
    out.push(Line::Report(format!(
        "Done: wrote {n} {files_word}, {what} on {branch}"
    )));
    out
}

/// Runs the commands the task told it to run, each with `sh -c` in the worktree, with the
/// folder of this program first on PATH (the sim is the czar's own executable: `czar ...`
/// there is the czar that runs it). Output is captured; each command's status is one line.
pub fn run_commands(cwd: &Path, commands: &[String]) -> Vec<Line> {
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf));
    let path = match (exe_dir, std::env::var_os("PATH")) {
        (Some(dir), Some(p)) => {
            std::env::join_paths(std::iter::once(dir).chain(std::env::split_paths(&p))).ok()
        }
        (Some(dir), None) => Some(dir.into_os_string()),
        (None, p) => p,
    };
    let mut out = Vec::new();
    for cmd in commands {
        let mut c = Command::new("sh");
        c.arg("-c").arg(cmd).current_dir(cwd).stdin(Stdio::null());
        if let Some(p) = &path {
            c.env("PATH", p);
        }
        out.push(match c.output() {
            Ok(o) if o.status.success() => Line::Tool(format!("Ran: {cmd}")),
            Ok(o) => {
                let stderr = String::from_utf8_lossy(&o.stderr);
                let first = stderr.lines().next().unwrap_or("");
                Line::Tool(format!("Failed ({}): {cmd}: {first}", o.status))
            }
            Err(e) => Line::Tool(format!("Could not run {cmd}: {e}")),
        });
    }
    out
}

/// Runs the done command (no shell) in the worktree; its output is captured so
/// it cannot scribble over the screen.
pub fn run_done_command(cwd: &Path, argv: &[String]) -> Line {
    let Some((program, args)) = argv.split_first() else {
        return Line::Tool("done command is empty".into());
    };
    let result = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output();
    match result {
        Ok(o) if o.status.success() => Line::Tool(format!("Ran done command: {program}")),
        Ok(o) => {
            let stderr = String::from_utf8_lossy(&o.stderr);
            let first = stderr.lines().next().unwrap_or("");
            Line::Tool(format!("done command failed ({}): {first}", o.status))
        }
        Err(e) => Line::Tool(format!("done command could not start: {e}")),
    }
}

/// Spreads files over `commits` groups; with more commits than files, files
/// repeat so the branch still gets exactly the number of commits asked for.
fn split_groups(files: usize, commits: u32) -> Vec<Vec<usize>> {
    let n = commits as usize;
    if n == 0 {
        return vec![(0..files).collect()];
    }
    (0..n)
        .map(|i| {
            let g: Vec<usize> = (0..files).filter(|f| f % n == i).collect();
            if g.is_empty() { vec![i % files] } else { g }
        })
        .collect()
}

/// Keeps only plain relative paths, so a task cannot write outside the worktree.
fn inside_relative(raw: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in Path::new(raw).components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut f = OpenOptions::new().create(true).append(true).open(path)?;
    writeln!(f, "{line}")
}

fn commit_message(title: &str, index: usize, total: usize) -> String {
    if total > 1 {
        format!("sim: {title}\n\npart {} of {total}\n", index + 1)
    } else {
        format!("sim: {title}\n")
    }
}

fn commit_summary(commits: &[Oid], asked: u32, have_repo: bool) -> String {
    let short = |o: &Oid| o.to_string().chars().take(7).collect::<String>();
    match commits {
        _ if !have_repo => "no commit (not a git repository)".into(),
        [] if asked == 0 => "no commit (changes left uncommitted)".into(),
        [] => "no commit".into(),
        [one] => format!("1 commit ({})", short(one)),
        [first, .., last] => format!(
            "{} commits ({}..{})",
            commits.len(),
            short(first),
            short(last)
        ),
    }
}

/// Brings `what` into the branch checked out, as `git merge` would; a conflicting text file
/// keeps both sides' lines (the sim's way of resolving: its work only ever adds lines).
fn merge_in(repo: &Repository, what: &str) -> Result<Line, git2::Error> {
    let head = repo.head()?.peel_to_commit()?;
    let theirs = repo.revparse_single(what)?.peel_to_commit()?;
    if head.id() == theirs.id() || repo.graph_descendant_of(head.id(), theirs.id())? {
        return Ok(Line::Tool(format!("Already up to date with {what}")));
    }
    let plain = repo.merge_commits(&head, &theirs, None)?;
    let conflicts = if plain.has_conflicts() {
        plain.conflicts()?.filter_map(Result::ok).count()
    } else {
        0
    };
    let mut opts = git2::MergeOptions::new();
    opts.file_favor(git2::FileFavor::Union);
    let mut index = repo.merge_commits(&head, &theirs, Some(&opts))?;
    if index.has_conflicts() {
        return Err(git2::Error::from_str(
            "conflicts remain that keeping both sides cannot settle",
        ));
    }
    let tree = repo.find_tree(index.write_tree_to(repo)?)?;
    let sig = repo
        .signature()
        .or_else(|_| Signature::now(FALLBACK_NAME, FALLBACK_EMAIL))?;
    let message = format!("sim: merge {what}\n");
    repo.commit(Some("HEAD"), &sig, &sig, &message, &tree, &[&head, &theirs])?;
    let mut co = git2::build::CheckoutBuilder::new();
    co.force();
    repo.checkout_head(Some(&mut co))?;
    Ok(Line::Tool(format!(
        "Merged {what}: resolved {conflicts} conflicting file(s) by keeping both sides"
    )))
}

fn branch_name(repo: &Repository) -> String {
    match repo.head() {
        Ok(head) if head.is_branch() => head.shorthand().unwrap_or("unknown").to_string(),
        Ok(_) => "detached".into(),
        // An unborn branch has no commit yet but HEAD still names it.
        Err(_) => repo
            .find_reference("HEAD")
            .ok()
            .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_string))
            .map(|t| t.trim_start_matches("refs/heads/").to_string())
            .unwrap_or_else(|| "unknown".into()),
    }
}

fn commit(
    repo: &Repository,
    cwd: &Path,
    paths: &[&Path],
    message: &str,
) -> Result<Oid, git2::Error> {
    let io = |e: std::io::Error| git2::Error::from_str(&e.to_string());
    let workdir = repo
        .workdir()
        .ok_or_else(|| git2::Error::from_str("repository has no work tree"))?
        .canonicalize()
        .map_err(io)?;
    let cwd = cwd.canonicalize().map_err(io)?;
    let mut index = repo.index()?;
    for p in paths {
        let abs = cwd.join(p);
        let rel = abs
            .strip_prefix(&workdir)
            .map_err(|_| git2::Error::from_str("path is outside the work tree"))?;
        index.add_path(rel)?;
    }
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    // CI machines often have no git identity; a commit must still happen.
    let sig = repo
        .signature()
        .or_else(|_| Signature::now(FALLBACK_NAME, FALLBACK_EMAIL))?;
    let parent = match repo.head() {
        Ok(head) => Some(head.peel_to_commit()?),
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => None,
        Err(e) => return Err(e),
    };
    let parents: Vec<&Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_cover_every_file_and_match_commit_count() {
        assert_eq!(split_groups(3, 2), vec![vec![0, 2], vec![1]]);
        assert_eq!(split_groups(1, 3), vec![vec![0], vec![0], vec![0]]);
        assert_eq!(split_groups(2, 0), vec![vec![0, 1]]);
    }

    #[test]
    fn only_paths_inside_are_allowed() {
        assert_eq!(inside_relative("./a/b.txt"), Some(PathBuf::from("a/b.txt")));
        assert_eq!(inside_relative("../x"), None);
        assert_eq!(inside_relative("/etc/passwd"), None);
        assert_eq!(inside_relative("."), None);
    }
}
