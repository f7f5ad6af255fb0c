//! Which container bulkhead itself runs in, if any: its own container is never audited.
//!
//! Read from `/proc/self/cgroup` (`0::/docker/<id>`, `/system.slice/docker-<id>.scope`,
//! `/kubepods/.../<id>`, `libpod-<id>.scope`) and, under cgroup v2 with a private cgroup namespace where
//! the cgroup path is just `/`, from `/proc/self/mountinfo` (the engine bind-mounts
//! `/var/lib/docker/containers/<id>/hostname`, `resolv.conf` and `hosts` into every container).

/// The full id of the container this process runs in, when it runs in one.
pub fn self_container_id() -> Option<String> {
    ["/proc/self/cgroup", "/proc/self/mountinfo"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .find_map(|text| container_id_in(&text))
}

/// The first container id (64 lowercase hex digits) in a `/proc/self/cgroup` or `/proc/self/mountinfo`
/// text, in a path component that names a container (`docker/<id>`, `docker-<id>.scope`,
/// `containers/<id>/`, `libpod-<id>`, ...).
pub fn container_id_in(text: &str) -> Option<String> {
    for line in text.lines() {
        for field in line.split_whitespace() {
            for part in field.split(['/', ':']) {
                let core = part
                    .strip_suffix(".scope")
                    .unwrap_or(part)
                    .rsplit(['-', '_'])
                    .next()
                    .unwrap_or("");
                if is_id(core) && names_container(field) {
                    return Some(core.to_string());
                }
            }
        }
    }
    None
}

fn is_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether the path is one the engines use for a container (not an arbitrary 64-hex file name, such as a
/// content-addressed layer directory).
fn names_container(field: &str) -> bool {
    [
        "docker",
        "containers",
        "libpod",
        "kubepods",
        "containerd",
        "crio",
        "moby",
    ]
    .iter()
    .any(|k| field.contains(k))
        && !field.contains("/overlay2/")
        && !field.contains("/image/")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f1c0d8a9b7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";

    #[test]
    fn cgroup_v1_docker_path() {
        let t = format!("12:memory:/docker/{ID}\n11:cpu:/docker/{ID}\n");
        assert_eq!(container_id_in(&t).as_deref(), Some(ID));
    }

    #[test]
    fn systemd_scope_and_podman() {
        let t = format!("0::/system.slice/docker-{ID}.scope\n");
        assert_eq!(container_id_in(&t).as_deref(), Some(ID));
        let t = format!("0::/machine.slice/libpod-{ID}.scope/container\n");
        assert_eq!(container_id_in(&t).as_deref(), Some(ID));
    }

    #[test]
    fn cgroup_v2_namespace_falls_back_to_mountinfo() {
        assert_eq!(container_id_in("0::/\n"), None);
        let m = format!(
            "612 590 254:1 /var/lib/docker/containers/{ID}/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw\n"
        );
        assert_eq!(container_id_in(&m).as_deref(), Some(ID));
    }

    #[test]
    fn a_host_process_has_no_container_id() {
        // A host's mountinfo mentions overlay2 layer directories with 64-hex names: not a container id.
        let m =
            format!("700 29 0:52 / /var/lib/docker/overlay2/{ID}/merged rw - overlay overlay rw\n");
        assert_eq!(container_id_in(&m), None);
        assert_eq!(
            container_id_in("0::/user.slice/user-1000.slice/session-3.scope\n"),
            None
        );
        // Uppercase or short hex is not an id.
        assert_eq!(
            container_id_in(&format!("0::/docker/{}\n", ID.to_uppercase())),
            None
        );
    }
}
