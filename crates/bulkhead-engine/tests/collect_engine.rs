//! The collector and the connection against the real engine, and the connection errors against real
//! sockets and listeners (no engine needed for those).

mod support;

use bulkhead_engine::collect::{CollectOptions, collect, collect_containers, collect_many};
use bulkhead_engine::connect::{
    ClientEnv, EndpointSource, connect, connect_with, context_dir_name,
};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{BASE_IMAGE, LABEL, cleanup, docker_ok, engine};

const SUITE: &str = "collect";

fn label() -> String {
    format!("{LABEL}={SUITE}")
}

/// The socket path of the local engine (`DOCKER_HOST` when it names a unix socket).
fn engine_socket() -> PathBuf {
    match std::env::var("DOCKER_HOST") {
        Ok(h) if h.starts_with("unix://") => PathBuf::from(h.trim_start_matches("unix://")),
        _ => PathBuf::from("/var/run/docker.sock"),
    }
}

/// A client environment with nothing set and no system sockets.
fn bare_env() -> ClientEnv {
    ClientEnv {
        docker_socket: PathBuf::from("/nonexistent/bulkhead/docker.sock"),
        podman_socket: PathBuf::from("/nonexistent/bulkhead/podman.sock"),
        ..ClientEnv::default()
    }
}

/// Connect to `host` and collect: the error line.
fn collect_err(host: &str) -> String {
    let e = match connect_with(Some(host), &bare_env()) {
        Err(e) => e.to_string(),
        Ok(conn) => match collect(&conn, &CollectOptions::default()) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{host}: collected a snapshot from something that is not an engine"),
        },
    };
    eprintln!("{e}");
    e
}

#[test]
fn running_container_has_inspect_and_top_stopped_one_only_with_all() {
    if !engine() {
        return;
    }
    cleanup(SUITE);
    let l = label();
    docker_ok(&[
        "run",
        "-d",
        "--name",
        "collect-run",
        "--label",
        &l,
        BASE_IMAGE,
        "sleep",
        "3600",
    ]);
    docker_ok(&[
        "create",
        "--name",
        "collect-stopped",
        "--label",
        &l,
        BASE_IMAGE,
        "true",
    ]);
    let conn = connect(None).expect("connect");
    let snap = collect(&conn, &CollectOptions { all: false }).expect("snapshot");
    let api = docker_ok(&["version", "--format", "{{.Server.APIVersion}}"]);
    assert_eq!(snap.api_version.as_deref(), Some(api.as_str()));
    assert_eq!(snap.engine_kind.as_deref(), Some("docker"));
    assert!(snap.info.is_some() && snap.version.is_some());
    let run = snap
        .container("collect-run")
        .expect("running container in the snapshot");
    assert!(run.running());
    let top = run.top.as_ref().expect("top of a running container");
    let procs = format!("{:?}", top.processes);
    assert!(procs.contains("sleep 3600"), "{procs}");
    let image = run.inspect.image.clone().expect("image id");
    assert!(snap.images.contains_key(&image), "image in use inspected");
    assert!(
        snap.container("collect-stopped").is_none(),
        "stopped only with --all"
    );
    assert!(
        snap.networks
            .iter()
            .any(|n| n.name.as_deref() == Some("bridge"))
    );
    let bridge = snap
        .networks
        .iter()
        .find(|n| n.name.as_deref() == Some("bridge"));
    let endpoints = format!("{:?}", bridge.and_then(|n| n.containers.as_ref()));
    assert!(
        endpoints.contains("collect-run"),
        "network inspected with its endpoints: {endpoints}"
    );

    let snap = collect(&conn, &CollectOptions { all: true }).expect("snapshot --all");
    let stopped = snap
        .container("collect-stopped")
        .expect("stopped container with all");
    assert!(!stopped.running());
    assert!(stopped.top.is_none());
    assert!(snap.container("collect-run").is_some());
    cleanup(SUITE);
}

#[test]
fn a_container_removed_before_inspection_is_a_problem_and_the_rest_goes_on() {
    if !engine() {
        return;
    }
    let l = label();
    let keep = docker_ok(&[
        "run",
        "-d",
        "--name",
        "collect-keep",
        "--label",
        &l,
        BASE_IMAGE,
        "sleep",
        "3600",
    ]);
    let gone = docker_ok(&[
        "create",
        "--name",
        "collect-gone",
        "--label",
        &l,
        BASE_IMAGE,
        "true",
    ]);
    // The id list is taken, then one container is removed before the per-container step.
    let ids = vec![gone.clone(), keep.clone()];
    docker_ok(&["rm", "-f", &gone]);
    let conn = connect(None).expect("connect");
    let (cs, ps) = collect_containers(&conn, &ids).expect("collect");
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0].inspect.id.as_deref(), Some(keep.as_str()));
    assert!(cs[0].top.is_some());
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert_eq!(
        ps[0].message,
        format!("container {gone} disappeared during the audit")
    );
    docker_ok(&["rm", "-f", &keep]);
}

#[test]
fn a_hundred_running_containers_are_collected_concurrently() {
    if !engine() {
        return;
    }
    let l = format!("{LABEL}={SUITE}-many");
    let filter = format!("label={l}");
    let old = docker_ok(&["ps", "-aq", "--filter", &filter]);
    if !old.is_empty() {
        let mut a = vec!["rm", "-f"];
        a.extend(old.split_whitespace());
        docker_ok(&a);
    }
    let mut ids = Vec::new();
    for i in 0..100 {
        let name = format!("collect-many-{i}");
        ids.push(docker_ok(&[
            "create", "--name", &name, "--label", &l, BASE_IMAGE, "sleep", "3600",
        ]));
    }
    let mut start = vec!["start"];
    start.extend(ids.iter().map(String::as_str));
    docker_ok(&start);
    let conn = connect(None).expect("connect");
    let t = Instant::now();
    let snap = collect(&conn, &CollectOptions { all: false }).expect("snapshot");
    let took = t.elapsed();
    let mut rm = vec!["rm", "-f"];
    rm.extend(ids.iter().map(String::as_str));
    let _ = support::docker_run(&rm);
    let mine: Vec<_> = snap
        .containers
        .iter()
        .filter(|c| c.labels().get(LABEL).map(String::as_str) == Some(&format!("{SUITE}-many")))
        .collect();
    assert_eq!(mine.len(), 100);
    assert!(
        mine.iter().all(|c| c.top.is_some()),
        "every running container has its processes"
    );
    eprintln!("collected {} containers in {took:?}", snap.containers.len());
    assert!(
        took < Duration::from_secs(10),
        "100 containers took {took:?}"
    );
}

#[test]
fn several_engines_are_independent() {
    if !engine() {
        return;
    }
    let sock = format!("unix://{}", engine_socket().display());
    let missing = "unix:///nonexistent/bulkhead-collect.sock";
    let r = collect_many(
        &[Some(sock.as_str()), Some(missing)],
        &CollectOptions::default(),
    );
    assert_eq!(r.len(), 2);
    assert!(r[0].is_ok(), "{:?}", r[0].as_ref().err());
    let e = r[1]
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(e.contains(missing) && e.contains("no such socket"), "{e}");
}

// ---- Docker contexts and the socket search --------------------------------------------------------

/// A `~/.docker` with context `name` pointing at `host`, current in config.json.
fn fake_docker_dir(name: &str, host: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("config.json"),
        format!(r#"{{"auths":{{}},"currentContext":"{name}"}}"#),
    )
    .expect("config.json");
    let meta = dir
        .path()
        .join("contexts/meta")
        .join(context_dir_name(name));
    std::fs::create_dir_all(&meta).expect("meta dir");
    std::fs::write(
        meta.join("meta.json"),
        format!(
            r#"{{"Name":"{name}","Metadata":{{"Description":"test"}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#
        ),
    )
    .expect("meta.json");
    dir
}

#[test]
fn current_context_pointing_at_the_engine_works() {
    if !engine() {
        return;
    }
    let host = format!("unix://{}", engine_socket().display());
    let dir = fake_docker_dir("collect-ctx", &host);
    let env = ClientEnv {
        config_dir: Some(dir.path().to_path_buf()),
        ..bare_env()
    };
    let conn = connect_with(None, &env).expect("connect through the context");
    assert_eq!(conn.host, host);
    assert_eq!(conn.source, EndpointSource::Context("collect-ctx".into()));
    let snap = collect(&conn, &CollectOptions::default()).expect("snapshot through the context");
    assert!(snap.version.is_some());
    assert_eq!(snap.endpoint.as_deref(), Some("context \"collect-ctx\""));
    // DOCKER_CONTEXT overrides the current context; DOCKER_HOST overrides both.
    let env2 = ClientEnv {
        docker_context: Some("other".into()),
        ..env.clone()
    };
    let e = connect_with(None, &env2).unwrap_err().to_string();
    assert!(
        e.contains("context \"other\"") && e.contains("does not exist"),
        "{e}"
    );
    let env3 = ClientEnv {
        docker_host: Some(host.clone()),
        ..env2
    };
    assert_eq!(
        connect_with(None, &env3).expect("DOCKER_HOST").source,
        EndpointSource::Env
    );
}

#[test]
fn context_pointing_at_a_missing_socket_names_the_context_and_the_address() {
    let dir = fake_docker_dir("collect-gone", "unix:///nonexistent/bulkhead/ctx.sock");
    let env = ClientEnv {
        config_dir: Some(dir.path().to_path_buf()),
        ..bare_env()
    };
    let e = connect_with(None, &env).unwrap_err().to_string();
    assert!(e.contains("unix:///nonexistent/bulkhead/ctx.sock"), "{e}");
    assert!(e.contains("context \"collect-gone\""), "{e}");
    assert!(e.contains("no such socket"), "{e}");
}

#[test]
fn podman_socket_is_used_when_it_is_the_only_one() {
    if !engine() {
        return;
    }
    // A Podman-style runtime directory whose podman.sock leads to the real engine.
    let xdg = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(xdg.path().join("podman")).expect("podman dir");
    let sock = xdg.path().join("podman/podman.sock");
    std::os::unix::fs::symlink(engine_socket(), &sock).expect("symlink");
    let env = ClientEnv {
        xdg_runtime_dir: Some(xdg.path().to_path_buf()),
        ..bare_env()
    };
    let conn = connect_with(None, &env).expect("connect");
    assert_eq!(conn.source, EndpointSource::Podman);
    assert_eq!(conn.host, format!("unix://{}", sock.display()));
    let snap = collect(&conn, &CollectOptions::default()).expect("snapshot");
    assert_eq!(
        snap.endpoint.as_deref(),
        Some("Podman's Docker-compatible socket")
    );
    // The engine behind it is Docker, and the snapshot says so.
    assert_eq!(snap.engine_kind.as_deref(), Some("docker"));
    // With a Docker socket present, the Docker one wins.
    let env = ClientEnv {
        docker_socket: engine_socket(),
        ..env
    };
    assert_eq!(
        connect_with(None, &env).expect("connect").source,
        EndpointSource::DefaultSocket
    );
}

// ---- unreachable engines: one clear line each -----------------------------------------------------

#[test]
fn missing_socket_path() {
    let e = collect_err("/nonexistent/bulkhead/docker.sock");
    assert!(
        e.contains("unix:///nonexistent/bulkhead/docker.sock"),
        "{e}"
    );
    assert!(e.contains("no such socket"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[test]
fn socket_file_without_listener_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).expect("bind"));
    let e = collect_err(&format!("unix://{}", path.display()));
    assert!(e.contains(&path.display().to_string()), "{e}");
    assert!(e.contains("connection refused"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[test]
fn socket_without_permission() {
    // SAFETY-free check of the effective uid: root reads any socket, so the case cannot be produced.
    let uid = std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m));
    if uid.ok() == Some(0) {
        eprintln!(
            "SKIP socket_without_permission: running as root, a mode-000 socket is still reachable"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("locked.sock");
    let _l = std::os::unix::net::UnixListener::bind(&path).expect("bind");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o000))
        .expect("chmod");
    let e = collect_err(&format!("unix://{}", path.display()));
    assert!(e.contains("permission denied"), "{e}");
    assert!(e.contains("docker group") && e.contains("sudo"), "{e}");
}

#[test]
fn tcp_closed_port_is_refused() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let host = format!("tcp://127.0.0.1:{port}");
    let e = collect_err(&host);
    assert!(e.contains(&host) && e.contains("connection refused"), "{e}");
}

/// A TCP listener answering every connection with `answer`; its address.
fn serve(answer: Vec<u8>) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    std::thread::spawn(move || {
        for s in l.incoming().take(8) {
            let Ok(mut s) = s else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(&answer);
        }
    });
    format!("tcp://{addr}")
}

#[test]
fn tcp_listener_speaking_garbage() {
    let host = serve(b"SSH-2.0-OpenSSH_9.2 not an engine\r\n".to_vec());
    let e = collect_err(&host);
    assert!(e.contains(&host), "{e}");
    assert!(e.contains("not a Docker engine"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[test]
fn http_500_with_an_api_version_error() {
    let body =
        r#"{"message":"client version 1.53 is too new. Maximum supported API version is 1.12"}"#;
    let host = serve(
        format!(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    );
    let e = collect_err(&host);
    assert!(e.contains(&host), "{e}");
    assert!(e.contains("HTTP 500"), "{e}");
    assert!(e.contains("API version"), "{e}");
}

#[test]
fn tls_without_certificates_names_the_missing_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = ClientEnv {
        tls: true,
        cert_path: Some(dir.path().to_path_buf()),
        ..bare_env()
    };
    let e = connect_with(Some("tcp://127.0.0.1:2376"), &env)
        .unwrap_err()
        .to_string();
    assert!(e.contains("tcp://127.0.0.1:2376"), "{e}");
    assert!(
        e.contains(&Path::new(&dir.path()).join("ca.pem").display().to_string()),
        "{e}"
    );
}

// ---- TLS for real: a TLS front (rustls, client certificates required) to the engine's socket ----------

/// `openssl ARGS` in `dir`; false when it fails or openssl is missing.
fn openssl(dir: &Path, args: &[&str]) -> bool {
    std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, as Docker lays them out
/// (`ca.pem`, `cert.pem`, `key.pem`) plus `server-cert.pem`/`server-key.pem`; `None` without openssl.
fn make_certs(dir: &Path, ca_name: &str) -> Option<()> {
    let ok = openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca-key.pem",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            &format!("/CN={ca_name}"),
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .ok()?;
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").ok()?;
    let ok =
        ok && openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "server-key.pem",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        ) && openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-out",
                "server-cert.pem",
                "-days",
                "2",
                "-extfile",
                "server.ext",
            ],
        ) && openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "key.pem",
                "-out",
                "client.csr",
                "-subj",
                "/CN=client",
            ],
        ) && openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "client.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-out",
                "cert.pem",
                "-days",
                "2",
                "-extfile",
                "client.ext",
            ],
        );
    ok.then_some(())
}

/// Serve TLS on 127.0.0.1 (client certificates signed by `dir/ca.pem` required), forwarding each HTTP
/// request to the engine's unix socket with `Connection: close`; its port.
fn tls_front(dir: &Path, socket: PathBuf) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    bulkhead_engine::connect::install_crypto_provider();
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(dir.join("server-cert.pem"))
            .expect("server cert")
            .collect::<Result<_, _>>()
            .expect("server cert");
    let key = PrivateKeyDer::from_pem_file(dir.join("server-key.pem")).expect("server key");
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(dir.join("ca.pem")).expect("ca") {
        roots.add(c.expect("ca")).expect("ca");
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder(std::sync::Arc::new(roots))
        .build()
        .expect("client verifier");
    let config = std::sync::Arc::new(
        rustls::ServerConfig::builder()
            .with_client_cert_verifier(verifier)
            .with_single_cert(certs, key)
            .expect("server config"),
    );
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for tcp in l.incoming() {
            let Ok(tcp) = tcp else { continue };
            let config = config.clone();
            let socket = socket.clone();
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut req = Vec::new();
                let mut byte = [0u8; 1];
                while !req.ends_with(b"\r\n\r\n") {
                    match tls.read(&mut byte) {
                        Ok(1) => req.push(byte[0]),
                        _ => return,
                    }
                }
                let text = String::from_utf8_lossy(&req);
                let mut out = String::new();
                for line in text.split("\r\n").filter(|l| !l.is_empty()) {
                    if !line.to_ascii_lowercase().starts_with("connection:") {
                        out.push_str(line);
                        out.push_str("\r\n");
                    }
                }
                out.push_str("Connection: close\r\n\r\n");
                let Ok(mut engine) = std::os::unix::net::UnixStream::connect(&socket) else {
                    return;
                };
                if engine.write_all(out.as_bytes()).is_err() {
                    return;
                }
                let mut answer = Vec::new();
                let _ = engine.read_to_end(&mut answer);
                let _ = tls.write_all(&answer);
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    port
}

#[test]
fn tcp_with_tls_verify_reaches_the_engine_and_a_wrong_ca_is_a_tls_error() {
    if !engine() {
        return;
    }
    let server = tempfile::tempdir().expect("tempdir");
    if make_certs(server.path(), "bulkhead-test-ca").is_none() {
        eprintln!("SKIP tcp_with_tls_verify...: openssl could not make test certificates");
        return;
    }
    let port = tls_front(server.path(), engine_socket());
    let host = format!("tcp://127.0.0.1:{port}");
    let env = ClientEnv {
        tls: true,
        cert_path: Some(server.path().to_path_buf()),
        ..bare_env()
    };
    let conn = connect_with(Some(&host), &env).expect("connect with TLS");
    let snap = collect(&conn, &CollectOptions::default()).expect("snapshot over TLS");
    assert!(snap.version.is_some());
    assert!(snap.api_version.is_some());
    // https:// means TLS without DOCKER_TLS_VERIFY.
    let env_no_verify = ClientEnv {
        tls: false,
        ..env.clone()
    };
    let conn = connect_with(Some(&format!("https://127.0.0.1:{port}")), &env_no_verify)
        .expect("connect https");
    assert!(collect(&conn, &CollectOptions::default()).is_ok());

    // A client trusting another CA refuses the server's certificate.
    let other = tempfile::tempdir().expect("tempdir");
    if make_certs(other.path(), "another-ca").is_none() {
        return;
    }
    let env = ClientEnv {
        cert_path: Some(other.path().to_path_buf()),
        ..env
    };
    let conn = connect_with(Some(&host), &env).expect("lazy connect");
    let e = collect(&conn, &CollectOptions::default())
        .expect_err("a server certificate from an unknown CA is refused")
        .to_string();
    eprintln!("{e}");
    assert!(e.contains(&host) && e.contains("TLS failed"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[test]
fn ssh_errors_name_the_address() {
    if std::process::Command::new("ssh")
        .arg("-V")
        .output()
        .is_err()
    {
        eprintln!("SKIP ssh_errors_name_the_address: no ssh client");
        return;
    }
    // The system ssh client runs and fails to resolve the host: its reason is in the one line.
    let host = "ssh://bulkhead@bulkhead-test.invalid";
    let e = collect_err(host);
    assert!(e.contains(host), "{e}");
    assert!(
        e.contains("Could not resolve hostname bulkhead-test.invalid"),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
    // A port cannot be passed through: refused with the ~/.ssh/config way round it.
    let e = collect_err("ssh://admin@10.0.0.5:2222");
    assert!(e.contains("ssh:// with a port is not supported"), "{e}");
    assert!(
        e.contains("Port 2222") && e.contains("ssh://admin@10.0.0.5-docker"),
        "{e}"
    );
}
