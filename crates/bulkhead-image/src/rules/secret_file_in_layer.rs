use super::{ImageCheckContext, ImageRule, LowConfidence, leftovers, ls_mode};
use crate::model::{FileKind, FileMeta};
use crate::secrets::{content_decides, is_low_confidence_path, sensitive_file};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Finds credential files in **any** layer of the image, by name: private keys (`id_rsa`,
    /// `id_ed25519`, `*.key`, `*.pem`, `*.ppk`), `.env` files, `.npmrc`, `.pypirc`, `.netrc`,
    /// `.git-credentials`, Docker `config.json`, cloud credentials (`.aws/credentials`,
    /// `credentials.json`, service-account keys, kubeconfig), keystores (`*.p12`, `*.pfx`, `*.jks`),
    /// Terraform state, `.pgpass`, `.my.cnf`, `.vault-token`, `authorized_keys`, ...
    ///
    /// Files a later layer deleted or replaced are reported too, with the layer that hid them: a layer is
    /// an immutable tar, so `RUN rm /root/.npmrc` only adds a whiteout and everyone who pulls the image
    /// still gets the file (`docker save` and untar the layer).
    ///
    /// When the content was read and decides (keys, `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`,
    /// Docker `config.json`, kubeconfig, `.env`, ...): a file with a secret in it is reported by IM011 with
    /// the secret, and one without (`.npmrc` with only `registry=`, a `.pem` holding certificates) is not
    /// reported. Not reported either: public keyrings (`/usr/share/keyrings/*.gpg`), `known_hosts`, the SSH
    /// host keys and GnuPG homes IM012 reports. Files under test-fixture and dependency directories
    /// (`node_modules/`, `site-packages/`, `test/`) and in the distribution's package trees (`/usr/lib`,
    /// `/usr/share`) are summarized in one low-severity finding per package tree.
    ///
    /// ## Why it matters
    /// Whatever the file holds ships to every registry, cache and host the image reaches. Deleting it in a
    /// later layer hides it from `docker run` but not from `docker pull`.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY .npmrc /root/.npmrc
    /// RUN npm ci && rm /root/.npmrc     # the .npmrc still ships in the COPY layer
    /// ```
    ///
    /// ## Fix
    /// Rotate what the file holds. Keep it out of the build context (`.dockerignore`) and give it to the
    /// build with a secret mount, which never becomes part of a layer:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    /// ```
    pub struct SecretFileInLayer {
        id: "IM010", name: "secret-file-in-layer", title: "Credential file in an image layer", severity: High,
        category: Security, aliases: ["CIS-DI-0010", "CIS-4.10"],
        compliance: ["CIS-Docker-4.10", "PCI-DSS-3.5", "SOC2-CC6.1"],
        remediation: "Rotate what the file holds; keep it out of the image (.dockerignore) and use a BuildKit secret mount during the build.",
        min_profile: Dev, fixable: false,
    }
}

/// The regular files any layer wrote whose path passes `keep`: path -> [(layer, meta)] in layer order.
pub(crate) fn files_by_path<'a>(
    ctx: &ImageCheckContext<'a>,
    keep: impl Fn(&str) -> bool,
) -> BTreeMap<&'a str, Vec<(usize, &'a FileMeta)>> {
    let mut map: BTreeMap<&str, Vec<(usize, &FileMeta)>> = BTreeMap::new();
    for (path, layer, meta) in ctx.image.fs.written() {
        if meta.kind == FileKind::File && keep(path) {
            map.entry(path).or_default().push((layer, meta));
        }
    }
    for v in map.values_mut() {
        v.sort_by_key(|(l, _)| *l);
        v.dedup_by_key(|(l, _)| *l);
    }
    map
}

impl ImageRule for SecretFileInLayer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        let mut low = LowConfidence::default();
        let candidates = files_by_path(ctx, |p| !leftovers::owns(p) && sensitive_file(p).is_some());
        for (path, copies) in candidates {
            let Some(kind) = sensitive_file(path) else {
                continue;
            };
            // Copies whose content does not settle the question.
            let unsettled: Vec<&(usize, &FileMeta)> = copies
                .iter()
                .filter(|(layer, _)| match ctx.hits_of(*layer, path) {
                    Some(hits) if !hits.is_empty() => false,
                    Some(_) => !content_decides(&kind),
                    None => true,
                })
                .collect();
            let Some(&&(first, meta)) = unsettled.first() else {
                continue;
            };
            let evidence = Evidence::plain(format!(
                "{} {}:{} {path}",
                ls_mode(meta),
                meta.uid,
                meta.gid
            ));
            if kind.in_test_path || is_low_confidence_path(path) {
                low.add(path, first, kind.description(), evidence);
                continue;
            }
            let mut message = format!(
                "`{path}` ({}) is in {}; {}",
                kind.description(),
                ctx.layer_short(first),
                ctx.visibility_text(ctx.visibility(first, path))
            );
            let others: Vec<String> = unsettled
                .iter()
                .skip(1)
                .map(|(l, _)| ctx.layer_short(*l))
                .collect();
            if !others.is_empty() {
                message.push_str(&format!(" (also written by {})", others.join(", ")));
            }
            out.push(
                ctx.file_finding(&Self::META, message, path, first)
                    .with_severity(kind.severity)
                    .with_evidence(evidence),
            );
        }
        out.extend(low.findings(ctx, &Self::META, "credential-like file"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::run;
    use crate::testkit::ImageBuilder;
    use bulkhead_core::Severity;

    #[test]
    fn credential_files_visible_deleted_and_binary() {
        let b = ImageBuilder::new("app:1")
            .layer("COPY . /app # buildkit")
            .file(
                "/app/.env",
                0o644,
                b"NODE_ENV=production\nDEBUG=0\nSECRET_KEY=a8f3k2l9q0z7x6c5v4b3n2m1a8f3k2l9\n",
            )
            .file(
                "/app/certs/client.p12",
                0o600,
                b"\x30\x82\x0a\x00\x02\x01\x03\x00binary",
            )
            .file("/root/.pgpass", 0o600, b"db:5432:app:app:Xk9mQ2vL8pR4tW7\n")
            .layer("RUN rm /app/certs/client.p12 /root/.pgpass # buildkit")
            .delete("/app/certs/client.p12")
            .delete("/root/.pgpass");
        let f = run(&SecretFileInLayer, b);
        // `.env` holds a secret the engine sees: IM011's. The keystore is binary, .pgpass has no detector.
        let paths: Vec<&str> = f
            .iter()
            .filter_map(|x| x.location.object.as_deref())
            .map(|o| o.split(' ').next().unwrap_or(""))
            .collect();
        assert_eq!(paths, ["/app/certs/client.p12", "/root/.pgpass"], "{f:#?}");
        assert!(
            f[0].message.contains("deleted by layer 2"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].message
                .contains("(`RUN rm /app/certs/client.p12 /root/.pgpass`)"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].location
                .object
                .as_deref()
                .is_some_and(|o| o.contains("(layer 1 sha256:"))
        );
    }

    #[test]
    fn checked_clean_and_routine_files_pass() {
        let b = ImageBuilder::new("app:1")
            .file("/root/.npmrc", 0o644, b"registry=https://registry.npmjs.org/\nfund=false\n")
            .file("/app/.env", 0o644, b"NODE_ENV=production\n")
            .file("/app/.env.example", 0o644, b"SECRET_KEY=\n")
            .file("/usr/local/share/ca.pem", 0o644, b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
            .file("/app/tls/server.pem", 0o644, b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
            .file("/usr/share/keyrings/debian-archive-keyring.gpg", 0o644, b"\x99\x02\x0d\x04binary")
            .file("/root/.ssh/known_hosts", 0o644, b"github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
            .file("/etc/ssh/ssh_host_ed25519_key", 0o600, b"\x00binary");
        let f = run(&SecretFileInLayer, b);
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn dependency_fixtures_are_summarized() {
        let b = ImageBuilder::new("app:1")
            .file(
                "/app/node_modules/pkg/test/fixtures/keystore.jks",
                0o644,
                b"\xfe\xed\xfe\xed\0\0binary",
            )
            .file(
                "/app/node_modules/pkg/test/fixtures/client.p12",
                0o644,
                b"\x30\x82\0binary",
            )
            .file(
                "/usr/lib/google-cloud-sdk/platform/gsutil/gslib/tests/test_data/test.p12",
                0o644,
                b"\x30\x82\0binary",
            );
        let f = run(&SecretFileInLayer, b);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|x| x.severity == Severity::Low));
        assert!(
            f[0].message
                .starts_with("2 credential-like files in 2 files under `/app/node_modules/pkg`,"),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message.contains("under `/usr/lib/google-cloud-sdk`"),
            "{}",
            f[1].message
        );
    }
}
