//! Every image rule on two hand-built fixture images: `acme/shop`, which breaks each rule at least once,
//! and `acme/clean`, made of what careful official images contain (GPG fingerprints in the environment,
//! distribution setuid binaries, locked accounts, public keyrings, sticky /tmp, ...), on which no rule
//! fires. Each rule's findings on `acme/shop` are a snapshot (`tests/snapshots/`).

#[path = "rules_common/mod.rs"]
mod common;

use bulkhead_core::Severity;
use bulkhead_image::model::FileKind;
use bulkhead_image::rules::all_meta;
use bulkhead_image::testkit::ImageBuilder;
use common::audit;

// Fake, well-formed credentials (they match the secret engine's formats and are nobody's).
const PAT: &str = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";
const STRIPE: &str = "sk_live_51HxQ2aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW";
const SSH_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBNsxqlyd3wjzj4mITbeiGXxZcJLdGhsvJc0wJe2qvzGAAAAJi6A8j5ugPI\n-----END OPENSSH PRIVATE KEY-----\n";

const DEBIAN_PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nbin:x:2:2:bin:/bin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n";
const DEBIAN_SHADOW: &str = "root:*:19709:0:99999:7:::\ndaemon:*:19709:0:99999:7:::\nbin:*:19709:0:99999:7:::\nnobody:*:19709:0:99999:7:::\n_apt:*:19709:0:99999:7:::\n";
const DEBIAN_GROUP: &str =
    "root:x:0:\ndaemon:x:1:\nbin:x:2:\nshadow:x:42:\nutmp:x:43:\nnogroup:x:65534:\n";

/// debian:12 as the official image ships it (the parts the rules read).
fn debian_base(reference: &str) -> ImageBuilder {
    let mut b = ImageBuilder::new(reference)
        .layer("/bin/sh -c #(nop) ADD file:4f1c9b2d7a8e in / ")
        .dir("/tmp", 0o1777)
        .dir("/var/tmp", 0o1777)
        .dir("/run/lock", 0o1777)
        .special("/dev/null", FileKind::Char, 0o666)
        .file("/etc/passwd", 0o644, DEBIAN_PASSWD.as_bytes())
        .file("/etc/shadow", 0o640, DEBIAN_SHADOW.as_bytes())
        .file("/etc/group", 0o644, DEBIAN_GROUP.as_bytes())
        .file(
            "/etc/apt/trusted.gpg.d/debian-archive-bookworm-automatic.gpg",
            0o644,
            b"\x99\x02\x0d\x04binary",
        )
        .file(
            "/usr/share/keyrings/debian-archive-keyring.gpg",
            0o644,
            b"\x99\x02\x0d\x04binary",
        )
        .file(
            "/etc/ssl/certs/ca-certificates.crt",
            0o644,
            b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .symlink("/bin", "usr/bin");
    for p in [
        "chfn", "chsh", "gpasswd", "mount", "newgrp", "passwd", "su", "umount",
    ] {
        b = b.file(&format!("/usr/bin/{p}"), 0o4755, b"\x7fELF\x02\x01\x01\0");
    }
    b = b.owner(0, 42);
    for p in ["/usr/bin/chage", "/usr/bin/expiry", "/usr/sbin/unix_chkpwd"] {
        b = b.file(p, 0o2755, b"\x7fELF\x02\x01\x01\0");
    }
    b.owner(0, 0).history("/bin/sh -c #(nop)  CMD [\"bash\"]")
}

fn shop() -> ImageBuilder {
    debian_base("registry.example.com/acme/shop:1.4")
        .env("PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin")
        .env("GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D")
        .env("DB_PASSWORD=Xk9mQ2vL8pR4tW7z")
        .env(&format!("STRIPE_API_KEY={STRIPE}"))
        .expose("22/tcp")
        .expose("8000/tcp")
        .entrypoint(&["tini", "--"])
        .cmd(&["gunicorn", "shop.wsgi", "-b", "0.0.0.0:8000"])
        .history("ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D")
        .history("ARG GITHUB_TOKEN")
        .layer(&format!("RUN |1 GITHUB_TOKEN={PAT} /bin/sh -c pip install git+https://$GITHUB_TOKEN@github.com/acme/lib # buildkit"))
        .file("/usr/local/lib/python3.12/site-packages/acme_lib/__init__.py", 0o644, b"VERSION = '1.0'\n")
        .layer(&format!("RUN |1 GITHUB_TOKEN={PAT} /bin/sh -c apt-get install -y openssh-server sudo && curl -H 'Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0' https://ci.internal/ok # buildkit"))
        .file("/usr/sbin/sshd", 0o755, b"\x7fELF\x02\x01\x01\0")
        .file("/usr/bin/sudo", 0o4755, b"\x7fELF\x02\x01\x01\0")
        .file("/etc/ssh/ssh_host_ed25519_key", 0o600, SSH_KEY.as_bytes())
        .file("/etc/ssh/ssh_host_ed25519_key.pub", 0o644, b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2zGqXJ3fCPOPiYhNt6IZfFlwkt0aGy8lzTAl7aq/MY root@build\n")
        .layer("COPY . /app # buildkit")
        .dir("/app", 0o755)
        .dir("/app/.git", 0o755)
        .file("/app/.git/HEAD", 0o644, b"ref: refs/heads/main\n")
        .file("/app/.git/config", 0o644, format!("[remote \"origin\"]\n\turl = https://acme:{PAT}@github.com/acme/shop\n").as_bytes())
        .file("/app/.env", 0o644, format!("DJANGO_DEBUG=0\nSTRIPE_API_KEY={STRIPE}\n").as_bytes())
        .file("/app/certs/client.p12", 0o600, b"\x30\x82\x0a\x3f\x02\x01\x03binary")
        .file("/app/shop/settings.py", 0o644, b"DEBUG = False\nALLOWED_HOSTS = ['*']\n")
        .file("/app/node_modules/jsonwebtoken/test/priv.pem", 0o644, SSH_KEY.replace("OPENSSH", "RSA").as_bytes())
        .file("/root/.bash_history", 0o600, b"mysql -u root -pXk9mQ2vL8pR4tW7z shop\n")
        .layer("RUN /bin/sh -c rm -f /app/certs/client.p12 /app/.env && mkdir -p /app/uploads && chmod 777 /app/uploads && useradd -o -u 0 ops && useradd -u 1000 app # buildkit")
        .delete("/app/certs/client.p12")
        .delete("/app/.env")
        .dir("/app/uploads", 0o777)
        .file("/app/uploads/README", 0o666, b"uploads go here\n")
        .file("/etc/passwd", 0o644, format!("{DEBIAN_PASSWD}ops:x:0:0::/home/ops:/bin/bash\napp:x:1000:1000::/app:/bin/bash\n").as_bytes())
        .file("/etc/shadow", 0o640, format!("{DEBIAN_SHADOW}ops::19800:0:99999:7:::\napp:$1$Qd8H9j2k$kDwF4e2qGQJb7v9V1VXbI/:19800:0:99999:7:::\n").as_bytes())
        .file("/etc/group", 0o644, format!("{DEBIAN_GROUP}app:x:1000:\nstaff:x:1000:\n").as_bytes())
}

fn clean() -> ImageBuilder {
    debian_base("registry.example.com/acme/clean:1.0")
        .user("10001:10001")
        .env("PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin")
        .env("LANG=C.UTF-8")
        .env("GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D")
        .env("PYTHON_VERSION=3.12.7")
        .env("PYTHON_SHA256=24887b92e2afd4a2ac602419ad4b596372f67ac9b077190f459aba390faf5550")
        .env("DB_PASSWORD_FILE=/run/secrets/db_password")
        .expose("8000/tcp")
        .cmd(&["gunicorn", "app.wsgi"])
        .healthcheck(&["CMD-SHELL", "wget -qO- http://127.0.0.1:8000/health || exit 1"])
        .history("ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D")
        .layer("RUN |1 TARGETARCH=amd64 /bin/sh -c set -eux; wget -O python.tar.xz \"https://www.python.org/ftp/python/$PYTHON_VERSION/Python-$PYTHON_VERSION.tar.xz\"; echo \"$PYTHON_SHA256 *python.tar.xz\" | sha256sum -c - # buildkit")
        .file("/usr/local/bin/python3.12", 0o755, b"\x7fELF\x02\x01\x01\0")
        .file("/usr/local/lib/python3.12/site-packages/pip/_vendor/certifi/cacert.pem", 0o644, b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        .layer("RUN --mount=type=secret,id=npmrc,target=/root/.npmrc /bin/sh -c groupadd -g 10001 app && useradd -u 10001 -g app app # buildkit")
        .file("/etc/passwd", 0o644, format!("{DEBIAN_PASSWD}app:x:10001:10001::/app:/usr/sbin/nologin\n").as_bytes())
        .file("/etc/shadow", 0o640, format!("{DEBIAN_SHADOW}app:!:19800:0:99999:7:::\n").as_bytes())
        .file("/etc/group", 0o644, format!("{DEBIAN_GROUP}app:x:10001:\n").as_bytes())
        .layer("COPY --chown=10001:10001 . /app # buildkit")
        .owner(10001, 10001)
        .dir("/app", 0o755)
        .file("/app/app/wsgi.py", 0o644, b"import os\nDB_PASSWORD = open(os.environ['DB_PASSWORD_FILE']).read()\n")
        .file("/app/.npmrc", 0o644, b"registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n")
        .file("/app/.env.example", 0o644, b"SECRET_KEY=\nDB_PASSWORD=\n")
        .file("/app/.ssh/known_hosts", 0o644, b"github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
        .dir("/app/cache", 0o1777)
}

#[test]
fn shop_breaks_every_rule_and_snapshots_hold() {
    let (_, findings) = audit(shop());
    for meta in all_meta() {
        let of_rule: Vec<_> = findings.iter().filter(|f| f.rule_id == meta.id).collect();
        assert!(
            !of_rule.is_empty(),
            "{} ({}) did not fire on the shop image",
            meta.id,
            meta.name
        );
        insta::assert_yaml_snapshot!(meta.id, of_rule);
    }
    // Nothing shown to the user carries a secret.
    let shown = serde_json::to_string(&findings).expect("serialize");
    for secret in [
        &PAT[4..],
        &STRIPE[8..],
        "Xk9mQ2vL8pR4tW7z",
        "9f8e7d6c5b4a3928",
        "kDwF4e2qGQJb7v9V",
    ] {
        assert!(
            !shown.contains(secret),
            "a secret leaked into the findings: {secret}"
        );
    }
}

#[test]
fn clean_image_has_no_finding() {
    let (image, findings) = audit(clean());
    assert!(image.fs.entries.len() > 20);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn severities_follow_the_rule_unless_a_finding_says_why() {
    let (_, findings) = audit(shop());
    let crit: Vec<&str> = findings
        .iter()
        .filter(|f| f.severity == Severity::Critical)
        .map(|f| f.rule_id.as_str())
        .collect();
    // Stripe live keys (critical detector) in the environment and in a layer.
    assert!(
        crit.contains(&"IM002") && crit.contains(&"IM011"),
        "{crit:?}"
    );
}

#[test]
fn rule_names_and_ids_are_unique_across_bulkhead() {
    let mut all: Vec<&bulkhead_core::RuleMeta> = bulkhead_dockerfile::rules::all_meta();
    all.extend(bulkhead_secrets::rule::all_meta());
    all.extend(all_meta());
    let mut ids: Vec<&str> = all.iter().map(|m| m.id).collect();
    let mut names: Vec<&str> = all.iter().map(|m| m.name).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    names.sort_unstable();
    names.dedup();
    assert_eq!(ids.len(), n, "duplicate rule id");
    assert_eq!(names.len(), n, "duplicate rule name");
}
