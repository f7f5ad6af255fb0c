//! Mounts kept and removed, tmpfs where the app writes under a read-only root filesystem.

use super::*;

/// Keeps the container's mounts but the engine socket and sensitive host directories; returns the
/// destinations taken.
pub(super) fn mounts(s: &mut Spec, c: &Container) -> BTreeSet<String> {
    let mut taken = BTreeSet::new();
    let mut seen: Vec<(String, String, String, bool, String)> = Vec::new();
    if let Some(ms) = &c.inspect.mounts {
        for m in ms {
            let kind = m.typ.clone().unwrap_or_default().to_ascii_lowercase();
            let source = if kind == "volume" {
                m.name.clone().or_else(|| m.source.clone())
            } else {
                m.source.clone()
            };
            seen.push((
                kind,
                source.unwrap_or_default(),
                m.destination.clone().unwrap_or_default(),
                m.rw.unwrap_or(true),
                m.propagation.clone().unwrap_or_default(),
            ));
        }
    } else {
        for m in support::mounts(c) {
            seen.push((m.kind, m.source, m.destination, m.rw, m.propagation));
        }
    }
    for (kind, source, target, rw, propagation) in seen {
        let target = support::clean_path(&target);
        if target.is_empty() || taken.contains(&target) {
            continue;
        }
        if kind == "bind" && is_engine_socket(&source) {
            s.change("CT026", format!("engine socket mount {source} removed"), "");
            s.note(format!(
                "WARNING: {source} was mounted: access to the engine API is root on the host. If the app \
                 manages containers, give it a socket proxy that allows only the calls it needs"
            ));
            continue;
        }
        if kind == "bind" && is_sensitive_host_path(&source) {
            s.change(
                "CT006",
                format!("sensitive host mount {source} removed"),
                "",
            );
            s.note(format!(
                "WARNING: host directory {source} was mounted at {target}: removed; mount only the specific \
                 file or subdirectory the app needs, read-only"
            ));
            continue;
        }
        if matches!(propagation.as_str(), "shared" | "rshared") {
            s.change(
                "CT018",
                format!("{propagation} propagation of {target} dropped (private)"),
                "",
            );
        }
        match kind.as_str() {
            "bind" | "volume" => {
                taken.insert(target.clone());
                s.mounts.push(MountSpec {
                    kind,
                    source,
                    target,
                    read_only: !rw,
                    new_volume: false,
                });
            }
            "tmpfs" => {
                taken.insert(target.clone());
                s.tmpfs.push((target, String::new()));
            }
            other => s.note(format!(
                "a `{other}` mount at {target} is not carried over: add it back by hand"
            )),
        }
    }
    taken
}

pub(super) fn tmpfs(s: &mut Spec, hc: &HostConfig, taken: &mut BTreeSet<String>) {
    let mut kept: Vec<(&String, &String)> = hc.tmpfs.iter().flatten().collect();
    kept.sort();
    for (dst, opts) in kept {
        let d = support::clean_path(dst);
        if !d.is_empty() && taken.insert(d.clone()) {
            s.tmpfs.push((d, opts.clone()));
        }
    }
    for p in WRITABLE_PATHS {
        if taken.insert(p.to_string()) {
            s.tmpfs.push((p.to_string(), TMPFS_OPTS.to_string()));
        }
    }
    if hc.readonly_rootfs != Some(true) {
        s.change(
            "CT012",
            format!(
                "root filesystem read-only; tmpfs on {}",
                s.tmpfs
                    .iter()
                    .map(|t| t.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "--read-only",
        );
        s.note(
            "with --read-only the app writes only to its volumes and tmpfs mounts: if it writes elsewhere, \
             add a --tmpfs (scratch) or a named volume (data) for that path",
        );
    }
}
