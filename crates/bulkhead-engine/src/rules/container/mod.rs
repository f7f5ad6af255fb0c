//! The `container` rules (`CT`): CIS Docker Benchmark v1.6.0 section 5 (container runtime, numbered as in
//! docker-bench-security 1.6.0, where 5.1 is Swarm mode) and 4.1 (user), plus secrets in `Config.Env` and
//! image pinning, one rule per file. Ids follow the CIS order.

use super::EngineRule;

pub mod apparmor_unconfined;
pub mod capabilities_not_dropped;
pub mod cgroup_parent;
pub mod dangerous_capability;
pub mod docker_socket;
pub mod health;
pub mod host_devices;
pub mod host_ipc;
pub mod host_network;
pub mod host_pid;
pub mod host_userns;
pub mod host_uts;
pub mod mount_propagation;
pub mod mutable_image_tag;
pub mod no_cpu_limit;
pub mod no_memory_limit;
pub mod no_new_privileges;
pub mod no_pids_limit;
pub mod port_all_interfaces;
pub mod privileged;
pub mod privileged_port;
pub mod restart_policy;
pub mod root_user;
pub mod seccomp_unconfined;
pub mod secret_in_env;
pub mod selinux_disabled;
pub mod sensitive_mount;
pub mod sshd_running;
pub mod support;
#[cfg(test)]
mod testkit;
pub mod writable_rootfs;

/// Every rule of this family, in id order.
pub fn rules() -> Vec<&'static dyn EngineRule> {
    vec![
        &apparmor_unconfined::AppArmorUnconfined,
        &selinux_disabled::SelinuxDisabled,
        &capabilities_not_dropped::CapabilitiesNotDropped,
        &dangerous_capability::DangerousCapability,
        &privileged::Privileged,
        &sensitive_mount::SensitiveMount,
        &sshd_running::SshdRunning,
        &privileged_port::PrivilegedPort,
        &host_network::HostNetwork,
        &no_memory_limit::NoMemoryLimit,
        &no_cpu_limit::NoCpuLimit,
        &writable_rootfs::WritableRootfs,
        &port_all_interfaces::PortAllInterfaces,
        &restart_policy::RestartPolicy,
        &host_pid::HostPid,
        &host_ipc::HostIpc,
        &host_devices::HostDevices,
        &mount_propagation::MountPropagation,
        &host_uts::HostUts,
        &seccomp_unconfined::SeccompUnconfined,
        &cgroup_parent::CgroupParent,
        &no_new_privileges::NoNewPrivileges,
        &health::Health,
        &no_pids_limit::NoPidsLimit,
        &host_userns::HostUserns,
        &docker_socket::DockerSocket,
        &root_user::RootUser,
        &secret_in_env::SecretInEnv,
        &mutable_image_tag::MutableImageTag,
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_in_order_unique_and_documented() {
        let rules = super::rules();
        for (i, r) in rules.iter().enumerate() {
            let m = r.meta();
            assert_eq!(m.id, format!("CT{:03}", i + 1), "{}", m.name);
            for part in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Fix",
            ] {
                assert!(m.doc.contains(part), "{} lacks {part}", m.id);
            }
            assert!(m.aliases.iter().any(|a| a.starts_with("CIS-")), "{}", m.id);
        }
    }

    /// Every finding of the family on the captured engine snapshot: rule, severity, object, message.
    #[test]
    fn findings_on_the_engine_fixture() {
        let rules = super::rules();
        let snap = super::testkit::fixture();
        let mut lines: Vec<String> = super::testkit::run_all(&rules, snap)
            .into_iter()
            .map(|f| {
                format!(
                    "{} {} {} | {}",
                    f.rule_id,
                    f.severity,
                    f.location.object.unwrap_or_default(),
                    f.message
                )
            })
            .collect();
        lines.sort();
        insta::assert_snapshot!(lines.join("\n"));
    }
}
