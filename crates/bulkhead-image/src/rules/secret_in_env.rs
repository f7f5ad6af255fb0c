use super::{ImageCheckContext, ImageRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};
use bulkhead_dockerfile::secrets::{find_in_assignment, is_placeholder, is_sensitive_name};

declare_rule! {
    /// ## What it does
    /// Scans the environment baked into the image configuration (`Config.Env`) for credentials: any value
    /// holding a well-known token format (AWS key id, GitHub/GitLab/Slack/Stripe/npm/PyPI tokens, a private
    /// key, a URL with a password, ...), and any variable whose name says it holds a secret
    /// (`DB_PASSWORD`, `API_KEY`, `GITHUB_TOKEN`, ...) with a literal value.
    ///
    /// Not findings: references and placeholders (`$DB_PASSWORD`, `changeme`, `<token>`), paths to secret
    /// files (`POSTGRES_PASSWORD_FILE=/run/secrets/db`), switches (`MYSQL_ALLOW_EMPTY_PASSWORD=yes`), and
    /// what official images set: GPG key fingerprints (`GPG_KEY`, `GPG_KEYS`), checksums
    /// (`PYTHON_SHA256`, `*_CHECKSUM`), versions (`*_VERSION`), `PATH`, `NODE_OPTIONS`.
    ///
    /// ## Why it matters
    /// Everyone who can pull the image reads its environment with `docker inspect`, and every container
    /// started from it exposes the values in `/proc/1/environ` and to every child process. A credential
    /// there cannot be rotated without rebuilding and redistributing the image.
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{json .Config.Env}}' app:1
    /// ["PATH=/usr/local/bin:/usr/bin:/bin","DB_PASSWORD=Xk9mQ2vL8pR4tW7"]
    /// ```
    ///
    /// ## Fix
    /// Rotate the credential, remove the `ENV` from the Dockerfile and rebuild; give the secret to the
    /// container at run time (a mounted secret file such as `/run/secrets/db_password`, or the
    /// orchestrator's secret store) and point the application at the file.
    pub struct SecretInEnv {
        id: "IM002", name: "image-secret-in-env", title: "Secret in the image environment", severity: Critical,
        category: Security, aliases: ["CIS-DI-0010", "CIS-4.10", "DS-0031"],
        compliance: ["CIS-Docker-4.10", "PCI-DSS-3.5", "PCI-DSS-8.3.2", "HIPAA-164.312(a)(1)", "SOC2-CC6.1"],
        remediation: "Rotate the credential, remove it from the image environment and pass it at run time as a mounted secret file.",
        min_profile: Dev, fixable: false,
    }
}

impl ImageRule for SecretInEnv {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        let Some(config) = ctx.config() else {
            return;
        };
        for (i, entry) in config.env.iter().enumerate() {
            let Some((name, value)) = entry.split_once('=') else {
                continue;
            };
            let field = format!("Env[{i}]");
            if let Some(hit) = find_in_assignment(Some(name), value) {
                let secret = value.get(hit.range.clone()).unwrap_or(value);
                out.push(
                    ctx.config_finding(
                        &Self::META,
                        format!(
                            "the image environment sets `{name}` to a secret: {} ({})",
                            hit.kind, hit.rule_id
                        ),
                        &field,
                    )
                    .with_evidence(Evidence::redacted(&format!("{name}="), secret)),
                );
            } else if is_sensitive_name(name) && !is_placeholder(value) {
                out.push(
                    ctx.config_finding(
                        &Self::META,
                        format!(
                            "the image environment sets the credential `{name}` to a literal value"
                        ),
                        &field,
                    )
                    .with_evidence(Evidence::redacted(&format!("{name}="), value)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{objects, run};
    use crate::testkit::ImageBuilder;

    #[test]
    fn credentials_by_value_and_by_name() {
        let b = ImageBuilder::new("app:1")
            .env("PATH=/usr/local/bin:/usr/bin:/bin")
            .env("DB_PASSWORD=Xk9mQ2vL8pR4tW7")
            .env("NPM_CONFIG_REGISTRY_AUTH=npm_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5")
            .env("DATABASE_URL=postgres://app:Zq8Lm3Vb9Rk4Tw7Y@db:5432/app");
        let f = run(&SecretInEnv, b);
        assert_eq!(
            objects(&f),
            ["config Env[1]", "config Env[2]", "config Env[3]"]
        );
        for x in &f {
            let e = x.evidence.as_ref().map(|e| e.as_str()).unwrap_or("");
            for raw in ["Xk9mQ2vL8pR4tW7", "aB3dE5fG7hJ9", "Zq8Lm3Vb9Rk4"] {
                assert!(!e.contains(raw), "{e}");
            }
        }
        assert!(f[1].message.contains("SC037"), "{}", f[1].message);
    }

    #[test]
    fn official_image_environments_pass() {
        // Environments of official images (python, php, node, rabbitmq, postgres, mysql, redis, golang).
        let env = [
            "PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG=C.UTF-8",
            "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
            "PYTHON_VERSION=3.12.7",
            "PYTHON_SHA256=24887b92e2afd4a2ac602419ad4b596372f67ac9b077190f459aba390faf5550",
            "GPG_KEYS=39B641343D8C104B2B146DC3ABD15BFC0CEB8C50 F1F692238FBC1666E5A5CCD4199F9DFEF6FFBAFD",
            "PHPIZE_DEPS=autoconf dpkg-dev file g++ gcc libc-dev make pkg-config re2c",
            "PHP_SHA256=9b1d7a2b6b2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f",
            "NODE_VERSION=20.18.0",
            "NODE_OPTIONS=--max-old-space-size=4096",
            "YARN_VERSION=1.22.22",
            "OPENSSL_PGP_KEY_IDS=0x8657ABB260F056B1E5190839D9C4D26D0E604491 0xB00D7D7DCB4E3A3AB1EE0D28A3F9A6F3F2A1A4C7",
            "OTP_SOURCE_SHA256=03a6e1d1c4c1bbd1c1f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7",
            "RABBITMQ_DATA_DIR=/var/lib/rabbitmq",
            "PGDATA=/var/lib/postgresql/data",
            "POSTGRES_PASSWORD_FILE=/run/secrets/db",
            "POSTGRES_PASSWORD=",
            "MYSQL_ALLOW_EMPTY_PASSWORD=yes",
            "REDIS_DOWNLOAD_SHA=2a6e2e6d2d6d2a6e2e6d2d6d2a6e2e6d2d6d2a6e2e6d2d6d2a6e2e6d2d6d2a6e",
            "GOTOOLCHAIN=local",
            "TOMCAT_CHECKSUM=c30bb24b7f1e9a19b11b55a546434f74e739bb4c271a3e3a80ff4380d49f7adb",
            "DB_PASSWORD=${DB_PASSWORD}",
            "JAVA_HOME=/opt/java/openjdk",
            "NOVALUE",
        ];
        let mut b = ImageBuilder::new("python:3.12");
        for e in env {
            b = b.env(e);
        }
        let f = run(&SecretInEnv, b);
        assert!(f.is_empty(), "{f:#?}");
        assert!(run(&SecretInEnv, ImageBuilder::new("dir:x").no_config()).is_empty());
    }
}
