//! Settings carried over unchanged from the container, outside the hardening itself: hostname, extra
//! hosts, DNS, init, supplementary groups, ulimits, sysctls, shared-memory size, runtime, log driver.

use crate::snapshot::Container;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Docker's default `/dev/shm` size (64 MiB): not repeated.
const DEFAULT_SHM: i64 = 64 * 1024 * 1024;

/// What the plan keeps as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras {
    pub hostname: Option<String>,
    pub extra_hosts: Vec<String>,
    pub dns: Vec<String>,
    pub dns_search: Vec<String>,
    pub init: bool,
    pub group_add: Vec<String>,
    /// `(name, soft, hard)`.
    pub ulimits: Vec<(String, i64, i64)>,
    pub sysctls: BTreeMap<String, String>,
    /// Bytes, when not the default.
    pub shm_size: Option<i64>,
    /// When not `runc`.
    pub runtime: Option<String>,
    /// When not the default `json-file` without options.
    pub log_driver: Option<String>,
    pub log_opts: BTreeMap<String, String>,
    /// Log options left out because they hold a credential (`splunk-token`): names only.
    pub secret_log_opts: Vec<String>,
}

/// The container's settings worth keeping.
pub fn from_container(c: &Container) -> Extras {
    let mut e = Extras::default();
    let Some(hc) = c.inspect.host_config.as_ref() else {
        return e;
    };
    let host_net = hc
        .network_mode
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("host"));
    let hostname = c
        .inspect
        .config
        .as_ref()
        .and_then(|x| x.hostname.clone())
        .unwrap_or_default();
    if !host_net && !hostname.is_empty() && hostname != c.short_id() {
        e.hostname = Some(hostname);
    }
    e.extra_hosts = hc.extra_hosts.clone().unwrap_or_default();
    e.dns = hc.dns.clone().unwrap_or_default();
    e.dns_search = hc.dns_search.clone().unwrap_or_default();
    e.init = hc.init == Some(true);
    e.group_add = hc.group_add.clone().unwrap_or_default();
    for u in hc.ulimits.iter().flatten() {
        if let Some(name) = u.name.clone().filter(|n| !n.is_empty()) {
            let soft = u.soft.unwrap_or(0);
            e.ulimits.push((name, soft, u.hard.unwrap_or(soft)));
        }
    }
    e.sysctls = hc.sysctls.clone().unwrap_or_default().into_iter().collect();
    e.shm_size = hc.shm_size.filter(|s| *s > 0 && *s != DEFAULT_SHM);
    e.runtime = hc.runtime.clone().filter(|r| !r.is_empty() && r != "runc");
    if let Some(log) = &hc.log_config {
        let driver = log.typ.clone().unwrap_or_default();
        let mut opts: BTreeMap<String, String> =
            log.config.clone().unwrap_or_default().into_iter().collect();
        opts.retain(|k, v| {
            let secret = super::build::is_secret_env(k, v);
            if secret {
                e.secret_log_opts.push(k.clone());
            }
            !secret
        });
        if !driver.is_empty() && (driver != "json-file" || !opts.is_empty()) {
            e.log_driver = Some(driver);
            e.log_opts = opts;
        }
    }
    e
}

impl Extras {
    /// The `docker run` flags, as `(flag, value)` pairs (`--init` has an empty value and is pushed alone).
    pub fn flags(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = Vec::new();
        let mut add = |f: &str, x: String| v.push((f.to_string(), x));
        if let Some(h) = &self.hostname {
            add("--hostname", h.clone());
        }
        for h in &self.extra_hosts {
            add("--add-host", h.clone());
        }
        for d in &self.dns {
            add("--dns", d.clone());
        }
        for d in &self.dns_search {
            add("--dns-search", d.clone());
        }
        if self.init {
            add("--init", String::new());
        }
        for g in &self.group_add {
            add("--group-add", g.clone());
        }
        for (n, s, h) in &self.ulimits {
            add("--ulimit", format!("{n}={s}:{h}"));
        }
        for (k, x) in &self.sysctls {
            add("--sysctl", format!("{k}={x}"));
        }
        if let Some(s) = self.shm_size {
            add("--shm-size", format!("{s}b"));
        }
        if let Some(r) = &self.runtime {
            add("--runtime", r.clone());
        }
        if let Some(d) = &self.log_driver {
            add("--log-driver", d.clone());
            for (k, x) in &self.log_opts {
                add("--log-opt", format!("{k}={x}"));
            }
        }
        v
    }

    /// The compose keys, indented for a service, each scalar written with `q`.
    pub fn compose(&self, o: &mut String, q: fn(&str) -> String) {
        let list = |o: &mut String, key: &str, items: &[String]| {
            if !items.is_empty() {
                let _ = writeln!(o, "    {key}:");
                for i in items {
                    let _ = writeln!(o, "      - {}", q(i));
                }
            }
        };
        if let Some(h) = &self.hostname {
            let _ = writeln!(o, "    hostname: {}", q(h));
        }
        list(o, "extra_hosts", &self.extra_hosts);
        list(o, "dns", &self.dns);
        list(o, "dns_search", &self.dns_search);
        if self.init {
            o.push_str("    init: true\n");
        }
        list(o, "group_add", &self.group_add);
        if !self.ulimits.is_empty() {
            o.push_str("    ulimits:\n");
            for (n, s, h) in &self.ulimits {
                let _ = writeln!(o, "      {}:\n        soft: {s}\n        hard: {h}", q(n));
            }
        }
        if !self.sysctls.is_empty() {
            o.push_str("    sysctls:\n");
            for (k, x) in &self.sysctls {
                let _ = writeln!(o, "      {}: {}", q(k), q(x));
            }
        }
        if let Some(s) = self.shm_size {
            let _ = writeln!(o, "    shm_size: {}", q(&format!("{s}b")));
        }
        if let Some(r) = &self.runtime {
            let _ = writeln!(o, "    runtime: {}", q(r));
        }
        if let Some(d) = &self.log_driver {
            let _ = writeln!(o, "    logging:\n      driver: {}", q(d));
            if !self.log_opts.is_empty() {
                o.push_str("      options:\n");
                for (k, x) in &self.log_opts {
                    let _ = writeln!(o, "        {}: {}", q(k), q(x));
                }
            }
        }
    }
}
