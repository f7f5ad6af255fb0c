//! The compose service rules over their fixtures (`tests/fixtures/rules/CPxxx.yaml`): in each fixture the
//! services named `bad*` are reported by the rule and the others (`good*`, `near*` near misses) are not.

mod common;

use bulkhead_compose::rules::all_meta;
use bulkhead_core::{Profile, Severity};
use common::*;

/// Rules about the whole project or a network, not about single services: their fixtures are checked by
/// dedicated tests below (`flat_network_*`, `backend_network_*`).
const PROJECT_RULES: &[&str] = &["CP025", "CP026"];

/// Every rule reports exactly the `bad*` services of its fixture (at the strictest profile, so that every
/// rule runs).
#[test]
fn each_rule_reports_exactly_the_bad_services() {
    for meta in all_meta()
        .into_iter()
        .filter(|m| !PROJECT_RULES.contains(&m.id))
    {
        let p = project(&format!("{}.yaml", meta.id));
        let bad = bad_services(&p);
        assert!(bad.len() >= 2, "{}: fixture needs bad services", meta.id);
        assert!(
            p.services().len() > bad.len(),
            "{}: fixture needs good ones",
            meta.id
        );
        let f = run(meta.id, &p, Profile::Regulated);
        assert_eq!(reported(&f), bad, "{}: {f:#?}", meta.id);
        for x in &f {
            assert_eq!(x.rule_id, meta.id);
            assert!(line(x) > 0, "{}: finding without a position", meta.id);
            assert!(
                x.message.contains(&format!("`{}`", service(x))),
                "{}",
                x.message
            );
            assert!(
                x.location
                    .path
                    .as_deref()
                    .is_some_and(|p| p.ends_with(".yaml"))
            );
        }
    }
}

/// The project's mission example, written as compose: nothing above low at `production`.
#[test]
fn hardened_service_is_clean_in_production() {
    let p = project("hardened.yaml");
    for profile in [Profile::Production, Profile::Staging, Profile::Dev] {
        let f = run("ALL", &p, profile);
        assert!(
            max_severity(&f).is_none_or(|s| s <= Severity::Low),
            "{profile}: {f:#?}"
        );
    }
    assert!(run("ALL", &p, Profile::Production).is_empty());
    // The same service without its hardening is reported by most rules.
    let loose = project_from_text(
        &fixtures().join("loose.yaml"),
        "services:\n  app:\n    image: app\n    ports: [\"3000:3000\"]\n    restart: always\n",
    );
    let f = run("ALL", &loose, Profile::Production);
    let mut ids: Vec<&str> = f.iter().map(|x| x.rule_id.as_str()).collect();
    ids.dedup();
    assert_eq!(
        ids,
        [
            "CP003", "CP004", "CP005", "CP008", "CP016", "CP018", "CP019", "CP020", "CP022",
            "CP023"
        ]
    );
}

/// Limits and read-only run from `production`; dev and staging do not demand them.
#[test]
fn profiles_gate_read_only_and_limits() {
    let p = project("CP004.yaml");
    assert!(run("CP004", &p, Profile::Staging).is_empty());
    assert_eq!(run("CP004", &p, Profile::Production).len(), 2);
    for id in ["CP018", "CP019", "CP020"] {
        let p = project(&format!("{id}.yaml"));
        assert!(run(id, &p, Profile::Staging).is_empty(), "{id}");
        assert_eq!(run(id, &p, Profile::Production).len(), 2, "{id}");
    }
    // Privileged runs everywhere.
    assert_eq!(run("CP001", &project("CP001.yaml"), Profile::Dev).len(), 2);
}

/// Findings point at the offending value, or at the service's key when a setting is missing.
#[test]
fn positions_and_messages() {
    let f = run("CP002", &project("CP002.yaml"), Profile::Staging);
    let shown: Vec<(usize, Severity, &str)> = f
        .iter()
        .map(|x| (line(x), x.severity, x.message.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            (
                4,
                Severity::High,
                "service `bad-sys-admin` adds the capability `NET_ADMIN`"
            ),
            (
                4,
                Severity::Critical,
                "service `bad-sys-admin` adds the capability `SYS_ADMIN`"
            ),
            (
                7,
                Severity::High,
                "service `bad-ptrace` adds the capability `cap_sys_ptrace`"
            ),
            (
                10,
                Severity::Critical,
                "service `bad-all` adds the capability `ALL`"
            ),
        ]
    );
    let columns: Vec<usize> = f
        .iter()
        .filter_map(|x| x.location.span.map(|s| s.start_column))
        .collect();
    assert_eq!(columns, [15, 26, 15, 15]);

    let f = run("CP004", &project("CP004.yaml"), Profile::Production);
    assert_eq!((line(&f[0]), line(&f[1])), (2, 6));
    assert!(
        f[0].message.contains("tmpfs: [/tmp, /run]"),
        "{}",
        f[0].message
    );
    assert_eq!(
        f[1].message,
        "service `bad-false` sets `read_only: false`: the root filesystem is writable; use `read_only: true` with `tmpfs: [/tmp, /run]`"
    );

    let f = run("CP016", &project("CP016.yaml"), Profile::Staging);
    let msgs: Vec<&str> = f.iter().map(|x| x.message.as_str()).collect();
    assert_eq!(
        msgs[0],
        "service `bad-short` publishes `8080:80` on every host interface (host port 8080, no host IP)"
    );
    assert_eq!(
        msgs[1],
        "service `bad-random` publishes `80` on every host interface (a random host port, no host IP)"
    );
    assert!(msgs[4].contains("published 8080 target 80"), "{}", msgs[4]);
}

#[test]
fn sensitive_mount_severities() {
    let f = run("CP010", &project("CP010.yaml"), Profile::Staging);
    let sev: Vec<Severity> = f.iter().map(|x| x.severity).collect();
    assert_eq!(sev, [Severity::Critical, Severity::Medium, Severity::High]);
    assert_eq!(
        f[1].message,
        "service `bad-etc-ro` mounts the host's /etc read-only at /host-etc"
    );
    // The socket directory of CP009 is not reported twice.
    assert!(run("CP010", &project("CP009.yaml"), Profile::Staging).is_empty());
}

#[test]
fn root_user_reads_the_dockerfile() {
    let f = run("CP008", &project("CP008.yaml"), Profile::Regulated);
    let by: Vec<(&str, Severity)> = f.iter().map(|x| (service(x), x.severity)).collect();
    // Regulated raises medium security findings to high; low and info stay.
    assert_eq!(
        by,
        [
            ("bad-root", Severity::High),
            ("bad-uid-zero", Severity::High),
            ("bad-build-no-user", Severity::High),
            ("bad-build-root-user", Severity::High),
            ("bad-unset-image", Severity::Low),
            ("bad-unset-nonroot-image", Severity::Info),
            ("bad-build-dev-target", Severity::High),
            ("bad-empty-user", Severity::Low),
            ("bad-build-missing", Severity::Low),
        ]
    );
    let msg = |s: &str| {
        f.iter()
            .find(|x| service(x) == s)
            .map(|x| x.message.clone())
            .unwrap_or_default()
    };
    assert!(
        msg("bad-build-no-user").contains("sets no USER (base `python:3.13`)"),
        "{}",
        msg("bad-build-no-user")
    );
    assert!(
        msg("bad-build-root-user").contains("`USER 0:0` is root"),
        "{}",
        msg("bad-build-root-user")
    );
    assert!(
        msg("bad-unset-image").contains("the image `nginx:1.27` decides"),
        "{}",
        msg("bad-unset-image")
    );
    assert!(
        msg("bad-build-missing").ends_with("the image decides"),
        "{}",
        msg("bad-build-missing")
    );
    assert_eq!(msg("bad-root"), "service `bad-root` runs as `user: root`");
}

#[test]
fn secrets_redacted_env_file_named() {
    let f = run("CP017", &project("CP017.yaml"), Profile::Staging);
    assert_eq!(f.len(), 3, "{f:#?}");
    let secrets = [
        "Xk9mQ2vL8pR4tW7",
        "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5",
        "Zq7Lm2Pw9Kx4Rt8Vb3Nc",
    ];
    for (x, secret) in f.iter().zip(secrets) {
        let ev = x.evidence.as_ref().map(|e| e.as_str()).unwrap_or("");
        assert!(!ev.is_empty() && !ev.contains(secret), "{ev}");
        assert!(!x.message.contains(secret), "{}", x.message);
    }
    assert_eq!(
        f[0].message,
        "service `bad-map`: `DB_PASSWORD` holds a secret: Hard-coded password (SC110) in `environment`"
    );
    assert_eq!((line(&f[0]), f[0].severity), (5, Severity::Critical));
    assert!(
        f[2].message.ends_with("in env_file `env/app.env` line 3"),
        "{}",
        f[2].message
    );
    assert_eq!(f[2].severity, Severity::High);
}

/// Odd shapes (a service that is a number, `ports` as a map, `volumes` as a number) give no panic and no
/// false finding.
#[test]
fn odd_shapes_give_nothing_wrong() {
    let texts = [
        "",
        "services: []\n",
        "services:\n  a: 3\n  b:\n    image: x:1\n    ports: {x: 1}\n    volumes: 7\n    cap_add: {}\n",
        "- 1\n- 2\n",
    ];
    for text in texts {
        let p = project_from_text(&fixtures().join("odd.yaml"), text);
        let f = run("ALL", &p, Profile::Regulated);
        for id in ["CP001", "CP002", "CP009", "CP010", "CP016"] {
            assert!(f.iter().all(|x| x.rule_id != id), "{text}: {f:#?}");
        }
    }
}

/// Every finding of every fixture, one line each: rule, service, line:column, severity, message and
/// evidence (a regression record; secrets appear redacted only).
#[test]
fn findings_snapshot() {
    let mut lines = Vec::new();
    for meta in all_meta() {
        let name = format!("{}.yaml", meta.id);
        for f in run(
            meta.id,
            &project(&name),
            Profile::Staging.max(meta.min_profile),
        ) {
            let (l, c) = f
                .location
                .span
                .map(|s| (s.start_line, s.start_column))
                .unwrap_or_default();
            let ev = f.evidence.as_ref().map(|e| e.as_str()).unwrap_or("");
            lines.push(format!(
                "{name}:{l}:{c} {} {} [{}] {} | {ev}",
                f.rule_id,
                service(&f),
                f.severity.as_str(),
                f.message
            ));
        }
    }
    insta::assert_snapshot!(lines.join("\n"));
}

/// CP024 names the data tier, the published service and the network they share.
#[test]
fn data_tier_shares_public_names_both_and_the_network() {
    let f = run("CP024", &project("CP024.yaml"), Profile::Staging);
    let msgs: Vec<&str> = f.iter().map(|x| x.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "data-tier service `bad-db` (image postgres) shares network `shared` with `web`, which publishes `80:80` on every host interface",
            "data-tier service `bad-labelled` (label bulkhead.tier=data) shares network `frontend` with `web`, which publishes `80:80` on every host interface",
        ]
    );
    assert!(f.iter().all(|x| x.severity == Severity::Medium));
    // Services without `networks:` share `default`; host mode shares with every published service.
    for (text, net) in [
        (
            "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n  bad-db:\n    image: redis:7\n",
            "default",
        ),
        (
            "networks:\n  a: {}\nservices:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n    networks: [a]\n  bad-db:\n    image: redis:7\n    network_mode: host\n",
            "host",
        ),
    ] {
        let p = project_from_text(&fixtures().join("inline.yaml"), text);
        let f = run("CP024", &p, Profile::Staging);
        assert_eq!(reported(&f), ["bad-db"], "{text}");
        assert!(
            f[0].message.contains(&format!("network `{net}`")),
            "{}",
            f[0].message
        );
    }
    // Published on loopback only: not public.
    let p = project_from_text(
        &fixtures().join("inline.yaml"),
        "services:\n  web:\n    image: nginx\n    ports: [\"127.0.0.1:80:80\"]\n  db:\n    image: redis:7\n",
    );
    assert!(run("CP024", &p, Profile::Staging).is_empty());
}

/// CP025: a flat project is reported once, at its first data tier; segmented or unpublished ones are not.
#[test]
fn flat_network_only_when_published_and_data_tier_share_default() {
    let f = run("CP025", &project("CP025.yaml"), Profile::Staging);
    assert_eq!(reported(&f), ["db"]);
    assert_eq!(f[0].severity, Severity::Medium);
    assert_eq!(line(&f[0]), 8);
    assert!(f[0].message.contains("`web`"), "{}", f[0].message);
    for name in ["CP025-segmented.yaml", "CP025-internal-cache.yaml"] {
        let f = run("ALL", &project(name), Profile::Regulated);
        assert!(
            f.iter()
                .all(|x| !["CP024", "CP025", "CP026"].contains(&x.rule_id.as_str())),
            "{name}: {f:#?}"
        );
    }
    // Two services only: not reported.
    let p = project_from_text(
        &fixtures().join("inline.yaml"),
        "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n  db:\n    image: redis:7\n",
    );
    assert!(run("CP025", &p, Profile::Staging).is_empty());
}

/// CP026: only the back-end networks with a data tier, no published member, not internal or external.
#[test]
fn backend_network_not_internal_at_the_network_key() {
    let p = project("CP026.yaml");
    assert!(
        run("CP026", &p, Profile::Staging).is_empty(),
        "production rule"
    );
    let f = run("CP026", &p, Profile::Production);
    let objects: Vec<_> = f
        .iter()
        .map(|x| x.location.object.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(objects, ["networks.backend", "networks.store"]);
    assert_eq!((line(&f[0]), line(&f[1])), (2, 3));
    assert!(f.iter().all(|x| x.severity == Severity::Low));
    assert!(
        f[0].message.contains("`db` (image postgres)"),
        "{}",
        f[0].message
    );
    assert!(
        f[1].message.contains("`cache` (image valkey)"),
        "{}",
        f[1].message
    );
}
