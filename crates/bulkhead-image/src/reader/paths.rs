//! Lexical path handling for tar member names and link targets. Nothing here touches the host
//! filesystem: paths are strings, `..` is resolved on the string, symlinks are never followed.

/// What a member name means once normalized.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Member {
    /// The root itself (`./`, `/`, empty): not an entry.
    Root,
    /// An absolute, normalized path (`/a/b`). `absolute` says the name was written with a leading `/`.
    Path { path: String, absolute: bool },
    /// The name climbs above the root (`../x`, `a/../../x`).
    Escape,
}

/// Normalize a member name: strip `./` and leading `/`, resolve `.` and `..` lexically.
pub(crate) fn normalize_member(raw: &str) -> Member {
    let absolute = raw.starts_with('/');
    match resolve_components(&[], raw) {
        None => Member::Escape,
        Some(parts) if parts.is_empty() => Member::Root,
        Some(parts) => Member::Path {
            path: join(&parts),
            absolute,
        },
    }
}

/// Resolve `rel` against the components `base` (both lexical); `None` when it climbs above the root.
/// A leading `/` in `rel` restarts from the root.
fn resolve_components<'a>(base: &[&'a str], rel: &'a str) -> Option<Vec<&'a str>> {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base.to_vec()
    };
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts)
}

fn join(parts: &[&str]) -> String {
    let mut s = String::new();
    for p in parts {
        s.push('/');
        s.push_str(p);
    }
    s
}

/// The parent directory of a normalized path (`/a/b` → `/a`, `/a` → `/`).
pub(crate) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// The last component of a normalized path.
pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Where the symlink at `link` pointing at `target` lands, lexically; `None` when it climbs above the root
/// (a container resolves such a link at the root, but an extractor on a host may leave the tree).
pub(crate) fn symlink_destination(link: &str, target: &str) -> Option<String> {
    let dir: Vec<&str> = parent(link).split('/').filter(|c| !c.is_empty()).collect();
    resolve_components(&dir, target).map(|p| join(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Member {
        Member::Path {
            path: p.into(),
            absolute: false,
        }
    }

    #[test]
    fn member_names_normalize() {
        assert_eq!(normalize_member("./etc/passwd"), path("/etc/passwd"));
        assert_eq!(normalize_member("etc//x/./y/"), path("/etc/x/y"));
        assert_eq!(normalize_member("a/../b"), path("/b"));
        assert_eq!(
            normalize_member("/escape/poc.txt"),
            Member::Path {
                path: "/escape/poc.txt".into(),
                absolute: true
            }
        );
        assert_eq!(normalize_member("./"), Member::Root);
        assert_eq!(normalize_member(""), Member::Root);
        assert_eq!(normalize_member("../etc/x"), Member::Escape);
        assert_eq!(normalize_member("a/../../x"), Member::Escape);
        assert_eq!(normalize_member("/../x"), Member::Escape);
    }

    #[test]
    fn symlink_destinations_are_lexical() {
        assert_eq!(
            symlink_destination("/dir1/a", "sample.txt").as_deref(),
            Some("/dir1/sample.txt")
        );
        assert_eq!(
            symlink_destination("/dir1/a", "/dir2/../dir1/s").as_deref(),
            Some("/dir1/s")
        );
        assert_eq!(symlink_destination("/dir1/a", "../../secret.txt"), None);
        assert_eq!(symlink_destination("/dir1/a", "/../secret.txt"), None);
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(base_name("/a/b"), "b");
    }
}
