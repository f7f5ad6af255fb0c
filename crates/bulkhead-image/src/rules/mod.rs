//! The image audit rules (family `IM`). One rule per file; the file's doc comment (through
//! `declare_rule!`) is the rule's documentation. [`registry`] lists every rule; [`check`] runs them over
//! one read image.
//!
//! Findings point at the image: [`Location::path`] is the image reference the user gave, and
//! [`Location::object`] names what inside it: `config User`, `config Env[3]`, `history[5] (layer 3
//! sha256:0a1b2c3d4e5f…)`, or a file with the layer that wrote it,
//! `/app/.env (layer 3 sha256:0a1b2c3d4e5f…, created by `COPY . /app`)`. Nothing shown to the user
//! carries a secret: evidence and `created_by` texts are redacted first.

use crate::model::{HiddenReason, Image, ImageConfig};
use crate::secrets::SecretHit;
use crate::visit::Visited;
use bulkhead_core::{Evidence, Finding, Location, RuleMeta};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub mod accounts;
pub mod history;

mod duplicate_ids;
mod empty_password;
mod leftovers;
mod no_healthcheck;
mod root_user;
mod secret_file_in_layer;
mod secret_in_env;
mod secret_in_history;
mod secret_in_layer;
mod setuid_files;
mod ssh_port_exposed;
mod world_writable;

pub use setuid_files::DEFAULT_SETUID_ALLOWLIST;

/// Options the rules read (from the config file and flags).
#[derive(Debug, Clone)]
pub struct ImageCheckOptions {
    /// More setuid/setgid files to accept quietly (IM006), on top of [`DEFAULT_SETUID_ALLOWLIST`]: an
    /// absolute path (`/usr/local/bin/helper`) accepts that file, a bare name (`fusermount3`) accepts that
    /// name in the system binary directories (`/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/usr/lib*`,
    /// `/usr/libexec`, `/lib*`).
    pub setuid_allowlist: Vec<String>,
    /// World-writable entries reported one by one (IM007) before the rest is summarized in one finding.
    pub max_world_writable: usize,
}

impl Default for ImageCheckOptions {
    fn default() -> Self {
        ImageCheckOptions {
            setuid_allowlist: Vec::new(),
            max_world_writable: 20,
        }
    }
}

/// Everything a rule sees for one image.
pub struct ImageCheckContext<'a> {
    /// The image read.
    pub image: &'a Image,
    /// What [`crate::secrets::SecretVisitor`] found, per layer and path (visible or not).
    pub secrets: &'a [Visited<Vec<SecretHit>>],
    /// Options from the configuration and flags.
    pub options: &'a ImageCheckOptions,
    by_file: HashMap<(usize, &'a str), &'a [SecretHit]>,
}

impl<'a> ImageCheckContext<'a> {
    /// The context of one image: the image, what the secret visitor found while it was read, options.
    pub fn new(
        image: &'a Image,
        secrets: &'a [Visited<Vec<SecretHit>>],
        options: &'a ImageCheckOptions,
    ) -> Self {
        let by_file = secrets
            .iter()
            .map(|v| ((v.layer, v.path.as_str()), v.output.as_slice()))
            .collect();
        ImageCheckContext {
            image,
            secrets,
            options,
            by_file,
        }
    }

    /// The image configuration; `None` for a rootfs directory.
    pub fn config(&self) -> Option<&'a ImageConfig> {
        self.image.config.as_ref()
    }

    /// What the secret visitor said about the file `path` as written by `layer`: `None` when it never
    /// read it (or found nothing in a file whose name is not sensitive), `Some(&[])` when it read a
    /// sensitive-named file and found nothing.
    pub fn hits_of(&self, layer: usize, path: &str) -> Option<&'a [SecretHit]> {
        self.by_file.get(&(layer, path)).copied()
    }

    /// A finding about something in the image: `object` names it (`config User`).
    pub fn finding(
        &self,
        meta: &RuleMeta,
        message: impl Into<String>,
        object: impl Into<String>,
    ) -> Finding {
        Finding::new(
            meta,
            message,
            Location {
                path: Some(self.image.reference.clone()),
                span: None,
                object: Some(object.into()),
            },
        )
    }

    /// A finding about a configuration field (`User`, `Env[3]`, `ExposedPorts`).
    pub fn config_finding(
        &self,
        meta: &RuleMeta,
        message: impl Into<String>,
        field: &str,
    ) -> Finding {
        self.finding(meta, message, format!("config {field}"))
    }

    /// A finding about a file as written by `layer`.
    pub fn file_finding(
        &self,
        meta: &RuleMeta,
        message: impl Into<String>,
        path: &str,
        layer: usize,
    ) -> Finding {
        self.finding(
            meta,
            message,
            format!("{path} ({})", self.layer_desc(layer)),
        )
    }

    /// A finding about history entry `index` (0-based, as in the configuration's `history` array).
    pub fn history_finding(
        &self,
        meta: &RuleMeta,
        message: impl Into<String>,
        index: usize,
    ) -> Finding {
        let object = match self.history_layer(index) {
            Some(layer) => format!("history[{index}] ({})", self.layer_short(layer)),
            None => format!("history[{index}] (no layer)"),
        };
        self.finding(meta, message, object)
    }

    /// `layer 3 sha256:0a1b2c3d4e5f…`.
    pub fn layer_short(&self, layer: usize) -> String {
        let digest = self.image.layers.get(layer).and_then(|l| {
            l.digest
                .as_deref()
                .or(l.diff_id.as_deref())
                .map(short_digest)
        });
        match digest {
            Some(d) => format!("layer {} {d}", layer + 1),
            None => format!("layer {}", layer + 1),
        }
    }

    /// `layer 3 sha256:0a1b2c3d4e5f…, created by `RUN apt-get install …`` (the instruction redacted and
    /// shortened).
    pub fn layer_desc(&self, layer: usize) -> String {
        match self.created_by(layer) {
            Some(c) => format!("{}, created by `{c}`", self.layer_short(layer)),
            None => self.layer_short(layer),
        }
    }

    /// The instruction that made `layer`, redacted and shortened for display.
    pub fn created_by(&self, layer: usize) -> Option<String> {
        let raw = self.image.layers.get(layer)?.created_by.as_deref()?;
        let shown = history::display(raw);
        (!shown.is_empty()).then_some(shown)
    }

    /// The layer made by history entry `index`, counting the entries that made one (`empty_layer`
    /// false). `None` for an empty-layer entry or one beyond the layers.
    pub fn history_layer(&self, index: usize) -> Option<usize> {
        let history = &self.config()?.history;
        let entry = history.get(index)?;
        if entry.empty_layer {
            return None;
        }
        let layer = history[..index].iter().filter(|h| !h.empty_layer).count();
        (layer < self.image.layers.len()).then_some(layer)
    }

    /// How the file `path` written by `layer` stands in the final image: `still in the image`, or
    /// `deleted by layer 5 (…)` / `overwritten by layer 5 (…)`.
    pub fn visibility(&self, layer: usize, path: &str) -> Visibility {
        if self.image.fs.is_visible(layer, path) {
            return Visibility::Visible;
        }
        let reason = self
            .image
            .fs
            .hidden
            .iter()
            .find(|h| h.layer == layer && h.path == path)
            .map(|h| h.reason);
        match reason {
            Some(HiddenReason::Deleted(by)) => Visibility::Deleted(by),
            Some(HiddenReason::Overwritten(by)) => Visibility::Overwritten(by),
            None => Visibility::Unknown,
        }
    }

    /// Words for [`ImageCheckContext::visibility`], for messages.
    pub fn visibility_text(&self, v: Visibility) -> String {
        let by = |layer: usize| match self.created_by(layer) {
            Some(c) => format!("{} (`{c}`)", self.layer_short(layer)),
            None => self.layer_short(layer),
        };
        match v {
            Visibility::Visible => "still in the final filesystem".to_string(),
            Visibility::Deleted(l) => format!(
                "deleted by {}, but its bytes still ship in the layer that added it",
                by(l)
            ),
            Visibility::Overwritten(l) => format!(
                "replaced by {}, but the earlier copy still ships in its layer",
                by(l)
            ),
            Visibility::Unknown => "not in the final filesystem".to_string(),
        }
    }
}

/// Findings in test fixtures, third-party code and distribution files (see
/// [`crate::secrets::is_low_confidence_path`]), summarized per third-party tree
/// ([`crate::secrets::low_confidence_root`]): one low-severity finding per tree instead of one per file.
#[derive(Default)]
pub(crate) struct LowConfidence {
    groups: BTreeMap<String, LowGroup>,
}

/// One third-party tree's items: first layer, files, number of items, what was found, first example.
struct LowGroup {
    layer: usize,
    files: BTreeSet<String>,
    count: usize,
    kinds: BTreeSet<String>,
    example: (String, Evidence),
}

impl LowConfidence {
    /// Adds one item (`kind`: what it is, e.g. the detector title) found in `path` of `layer`.
    pub(crate) fn add(&mut self, path: &str, layer: usize, kind: &str, evidence: Evidence) {
        let root = crate::secrets::low_confidence_root(path);
        let g = self.groups.entry(root).or_insert_with(|| LowGroup {
            layer,
            files: BTreeSet::new(),
            count: 0,
            kinds: BTreeSet::new(),
            example: (path.to_string(), evidence),
        });
        g.layer = g.layer.min(layer);
        g.files.insert(path.to_string());
        g.count += 1;
        g.kinds.insert(kind.to_string());
    }

    /// One finding per tree: `noun` names one item (`secret`, `credential-like file`).
    pub(crate) fn findings(
        self,
        ctx: &ImageCheckContext,
        meta: &RuleMeta,
        noun: &str,
    ) -> Vec<Finding> {
        self.groups
            .into_iter()
            .map(|(root, g)| {
                let mut kinds: Vec<String> = g.kinds.into_iter().take(4).collect();
                if let Some(fourth) = kinds.get_mut(3) {
                    *fourth = "…".to_string();
                }
                let message = format!(
                    "{} in {} under `{root}`, in test fixtures, third-party code, examples or distribution files ({}); first: `{}`",
                    plural(g.count, noun),
                    plural(g.files.len(), "file"),
                    kinds.join(", "),
                    g.example.0
                );
                ctx.file_finding(meta, message, &root, g.layer)
                    .with_severity(bulkhead_core::Severity::Low)
                    .with_evidence(g.example.1)
            })
            .collect()
    }
}

/// `1 secret`, `2 secrets`.
pub(crate) fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// How a file written by one layer stands in the final image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The file is in the squashed tree as this layer wrote it.
    Visible,
    /// Deleted by this later layer.
    Deleted(usize),
    /// Written again by this later layer.
    Overwritten(usize),
    /// Neither visible nor recorded as hidden (an inconsistent read).
    Unknown,
}

/// `sha256:0a1b2c3d4e5f…` (12 hex digits).
fn short_digest(d: &str) -> String {
    let (algo, hex) = d.split_once(':').unwrap_or(("sha256", d));
    let short: String = hex.chars().take(12).collect();
    format!("{algo}:{short}…")
}

/// `ls -l` style mode: `-rwsr-xr-x`, `drwxrwxrwt`.
pub(crate) fn ls_mode(meta: &crate::model::FileMeta) -> String {
    use crate::model::FileKind;
    let m = meta.mode;
    let kind = match meta.kind {
        FileKind::File | FileKind::Hardlink => '-',
        FileKind::Dir => 'd',
        FileKind::Symlink => 'l',
        FileKind::Char => 'c',
        FileKind::Block => 'b',
        FileKind::Fifo => 'p',
    };
    let bit = |mask: u32, c: char| if m & mask != 0 { c } else { '-' };
    let exec = |x: u32, special: u32, on: char, off: char| match (m & x != 0, m & special != 0) {
        (true, true) => on,
        (false, true) => off,
        (true, false) => 'x',
        (false, false) => '-',
    };
    format!(
        "{kind}{}{}{}{}{}{}{}{}{}",
        bit(0o400, 'r'),
        bit(0o200, 'w'),
        exec(0o100, 0o4000, 's', 'S'),
        bit(0o040, 'r'),
        bit(0o020, 'w'),
        exec(0o010, 0o2000, 's', 'S'),
        bit(0o004, 'r'),
        bit(0o002, 'w'),
        exec(0o001, 0o1000, 't', 'T'),
    )
}

/// An image rule.
pub trait ImageRule: Sync + Send {
    /// The rule's metadata and documentation.
    fn meta(&self) -> &'static RuleMeta;
    /// Appends the rule's findings on one image to `out`.
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>);
}

/// Every image rule, in id order.
pub fn registry() -> Vec<&'static dyn ImageRule> {
    let mut v: Vec<&'static dyn ImageRule> = vec![
        &root_user::RootUser,
        &secret_in_env::SecretInEnv,
        &secret_in_history::SecretInHistory,
        &ssh_port_exposed::SshPortExposed,
        &no_healthcheck::NoHealthcheck,
        &setuid_files::SetuidFiles,
        &world_writable::WorldWritable,
        &empty_password::EmptyPassword,
        &duplicate_ids::DuplicateIds,
        &secret_file_in_layer::SecretFileInLayer,
        &secret_in_layer::SecretInLayer,
        &leftovers::Leftovers,
    ];
    v.sort_by_key(|r| r.meta().id);
    v
}

/// Metadata of every image rule.
pub fn all_meta() -> Vec<&'static RuleMeta> {
    registry().into_iter().map(|r| r.meta()).collect()
}

/// Runs every image rule over one image. Findings come in rule-id order, each rule's in its own order.
pub fn check(ctx: &ImageCheckContext) -> Vec<Finding> {
    check_rules(ctx, &registry())
}

/// Runs the given rules over one image.
pub fn check_rules(ctx: &ImageCheckContext, rules: &[&'static dyn ImageRule]) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in rules {
        r.check(ctx, &mut out);
    }
    out.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
    out
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Helpers shared by the rule tests.
    use super::*;
    use crate::secrets::SecretVisitor;
    use crate::testkit::ImageBuilder;

    /// Builds the image (running the secret visitor) and runs one rule with default options.
    pub fn run(rule: &'static dyn ImageRule, builder: ImageBuilder) -> Vec<Finding> {
        run_with(rule, builder, &ImageCheckOptions::default())
    }

    pub fn run_with(
        rule: &'static dyn ImageRule,
        builder: ImageBuilder,
        options: &ImageCheckOptions,
    ) -> Vec<Finding> {
        let (image, secrets) = builder.build_with(&SecretVisitor::new());
        let ctx = ImageCheckContext::new(&image, &secrets, options);
        let mut out = Vec::new();
        rule.check(&ctx, &mut out);
        out
    }

    /// `object` of each finding.
    pub fn objects(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| f.location.object.clone().unwrap_or_default())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::ImageBuilder;

    #[test]
    fn registry_is_complete_sorted_and_documented() {
        let metas = all_meta();
        let ids: Vec<&str> = metas.iter().map(|m| m.id).collect();
        let expected: Vec<String> = (1..=12).map(|i| format!("IM{i:03}")).collect();
        assert_eq!(ids, expected);
        for m in &metas {
            for section in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Fix",
            ] {
                assert!(m.doc.contains(section), "{} lacks {section}", m.id);
            }
            assert!(!m.remediation.is_empty(), "{}", m.id);
        }
        let mut names: Vec<&str> = metas.iter().map(|m| m.name).collect();
        names.dedup();
        assert_eq!(names.len(), 12);
    }

    #[test]
    fn locations_name_layer_digest_and_redacted_instruction() {
        let image = ImageBuilder::new("registry.example/app:1")
            .layer("ADD file:0123 in / ")
            .file("/etc/os-release", 0o644, b"ID=alpine\n")
            .history("ARG NPM_TOKEN")
            .layer("RUN |1 NPM_TOKEN=npm_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5 /bin/sh -c npm ci # buildkit")
            .file("/app/x", 0o644, b"x")
            .build();
        let opts = ImageCheckOptions::default();
        let ctx = ImageCheckContext::new(&image, &[], &opts);
        let desc = ctx.layer_desc(1);
        assert!(desc.starts_with("layer 2 sha256:"), "{desc}");
        assert!(desc.contains("created by `RUN npm ci`"), "{desc}");
        assert!(!desc.contains("aB3dE5"), "{desc}");
        assert_eq!(ctx.history_layer(0), Some(0));
        assert_eq!(ctx.history_layer(1), None);
        assert_eq!(ctx.history_layer(2), Some(1));
        let f = ctx.file_finding(&root_user::RootUser::META, "m", "/app/x", 1);
        assert_eq!(f.location.path.as_deref(), Some("registry.example/app:1"));
        assert!(
            f.location
                .object
                .as_deref()
                .is_some_and(|o| o.starts_with("/app/x (layer 2 sha256:")),
            "{:?}",
            f.location
        );
    }

    #[test]
    fn inconsistent_images_never_panic() {
        use crate::model::{FileKind, FileMeta, HiddenEntry, HiddenReason, HistoryEntry, Node};
        let meta = |kind, mode| FileMeta {
            kind,
            mode,
            uid: 0,
            gid: 0,
            size: 3,
            link_target: None,
        };
        let mut image = ImageBuilder::new("weird")
            .env("NO_EQUALS_SIGN")
            .env("=")
            .user(":::")
            .build();
        if let Some(c) = image.config.as_mut() {
            c.history = (0..10)
                .map(|i| HistoryEntry {
                    created_by: Some(format!("|{i} RUN é")),
                    ..HistoryEntry::default()
                })
                .collect();
        }
        image.layers.clear();
        let fs = &mut image.fs;
        fs.entries.insert(
            "/usr/bin/sudo".into(),
            Node {
                meta: meta(FileKind::File, 0o4777),
                layer: 99,
            },
        );
        fs.entries.insert(
            "/x/.git".into(),
            Node {
                meta: meta(FileKind::File, 0o644),
                layer: 7,
            },
        );
        fs.hidden.push(HiddenEntry {
            path: "/root/.npmrc".into(),
            meta: meta(FileKind::File, 0o600),
            layer: 3,
            reason: HiddenReason::Deleted(500),
        });
        fs.captured
            .insert("/etc/passwd".into(), b"\xff:\n::::\nroot:x:0".to_vec());
        fs.captured
            .insert("/etc/shadow".into(), b"root::\n:".to_vec());
        let secrets = vec![Visited {
            layer: 42,
            path: "/nowhere".into(),
            output: vec![SecretHit {
                rule_id: "SC029",
                title: "t",
                severity: bulkhead_core::Severity::High,
                line: 0,
                column: 0,
                redacted: "ghp_****".into(),
                low_confidence: false,
            }],
        }];
        let opts = ImageCheckOptions {
            max_world_writable: 0,
            ..ImageCheckOptions::default()
        };
        let ctx = ImageCheckContext::new(&image, &secrets, &opts);
        let findings = check(&ctx);
        let ids: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
        assert!(
            ids.contains(&"IM006") && ids.contains(&"IM007") && ids.contains(&"IM010"),
            "{ids:?}"
        );
        assert!(ids.contains(&"IM008") && ids.contains(&"IM011"), "{ids:?}");
    }
}
