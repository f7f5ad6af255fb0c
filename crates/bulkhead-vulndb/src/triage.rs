//! Triage: what the user has decided about vulnerabilities.
//!
//! - **Ignore files**: `.bulkheadignore.yaml` (every entry has an id, a reason and, usually, an expiry date;
//!   an expired entry stops applying and the scan says so) and Trivy's plain `.trivyignore` (one id per line,
//!   `exp:YYYY-MM-DD` honoured, the comment lines above an id taken as its reason).
//! - **OpenVEX** documents (v0.0.1 and v0.2.0): `not_affected` and `fixed` statements suppress the
//!   vulnerability for the products (and subcomponents) they name; `affected` and `under_investigation` do not.
//!
//! Suppressed matches are kept with what suppressed them, for `--show-suppressed`.
//!
//! ```yaml
//! # .bulkheadignore.yaml
//! vulnerabilities:
//!   - id: CVE-2023-12345            # the advisory id or any alias
//!     reason: the XML parser is never given untrusted input
//!     expires: 2027-03-31            # YYYY-MM-DD; after this day the entry no longer applies
//!     packages: [pkg:pypi/lxml]      # optional: purls (version optional) or package names
//! ```

use crate::matcher::VulnMatch;
use bulkhead_inventory::{Inventory, Package};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The default ignore file names, looked for in the current directory.
pub const DEFAULT_IGNORE_FILES: [&str; 3] = [
    ".bulkheadignore.yaml",
    ".bulkheadignore.yml",
    ".trivyignore",
];

/// One ignore entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    pub id: String,
    pub reason: String,
    /// `YYYY-MM-DD`: the last day the entry applies.
    pub expires: Option<String>,
    /// Purls (version optional) or names; empty = every package.
    pub packages: Vec<String>,
    /// `file:line` of the entry.
    pub origin: String,
}

/// A VEX statement, reduced to what suppression needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    /// Vulnerability name and its aliases.
    pub ids: Vec<String>,
    /// Product ids (purls) the statement is about; subcomponents when given.
    pub products: Vec<String>,
    pub subcomponents: Vec<String>,
    /// Each product entry with its own subcomponents: a product without subcomponents is about itself, one
    /// with subcomponents only about those (OpenVEX). `products`/`subcomponents` above are their union.
    pub scopes: Vec<VexScope>,
    pub status: String,
    pub justification: Option<String>,
    pub impact_statement: Option<String>,
    /// Unix seconds of the statement's `timestamp`, else its document's (OpenVEX: the latest statement
    /// about a vulnerability and product is the one that holds).
    pub timestamp: Option<i64>,
    pub origin: String,
}

/// One `products[]` entry of a VEX statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexScope {
    /// The product's ids (`@id`, `identifiers.purl`).
    pub product: Vec<String>,
    /// Its subcomponents' ids (empty: the statement is about the product itself).
    pub subcomponents: Vec<String>,
}

/// Why a match was suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// `ignore` or `vex`.
    pub kind: String,
    /// `file:line` of the ignore entry, or the VEX file.
    pub origin: String,
    /// The entry's reason, or the VEX status with its justification/impact statement.
    pub statement: String,
}

/// Everything the user decided.
#[derive(Debug, Clone, Default)]
pub struct Triage {
    pub ignores: Vec<IgnoreEntry>,
    pub vex: Vec<VexStatement>,
    /// The image scanned, so that VEX products naming an image (`pkg:oci/...`) apply to that image only;
    /// `None` (an inventory without an image) lets them apply.
    pub image: Option<ImageIdentity>,
    /// `YYYY-MM-DD` used to judge expiry (today, UTC, unless set for tests).
    pub today: String,
}

/// What identifies the scanned image to a VEX product.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageIdentity {
    /// References it is known by (`registry.example/app:1.2`, repo tags, the reference given).
    pub names: Vec<String>,
    /// Its digests (`sha256:...`: image id, manifest digest).
    pub digests: Vec<String>,
}

/// A suppressed match.
#[derive(Debug, Clone, Serialize)]
pub struct Suppressed {
    #[serde(flatten)]
    pub vulnerability: VulnMatch,
    pub suppressed_by: Suppression,
}

/// What triage decided.
#[derive(Debug, Clone, Default)]
pub struct Triaged {
    pub kept: Vec<VulnMatch>,
    pub suppressed: Vec<Suppressed>,
    /// Expired entries that would have applied, and entries that matched nothing are not errors: they are
    /// listed here for the user.
    pub warnings: Vec<String>,
}

impl Triage {
    /// An empty triage dated today.
    pub fn new() -> Triage {
        Triage {
            today: crate::store::now_rfc3339().chars().take(10).collect(),
            ..Triage::default()
        }
    }

    /// Load an ignore file: YAML (`.bulkheadignore.yaml` format) or a plain `.trivyignore`, told apart by the
    /// file name (`*.yaml`/`*.yml`) and, failing that, by content.
    pub fn load_ignore_file(&mut self, path: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let yaml =
            name.ends_with(".yaml") || name.ends_with(".yml") || text.contains("vulnerabilities:");
        let entries = if yaml {
            parse_yaml_ignore(path, &text)?
        } else {
            parse_trivyignore(path, &text)?
        };
        self.ignores.extend(entries);
        Ok(())
    }

    /// Load an OpenVEX document.
    pub fn load_vex(&mut self, path: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        self.vex.extend(parse_openvex(path, &text)?);
        Ok(())
    }

    /// Split matches into kept and suppressed.
    pub fn apply(&self, matches: Vec<VulnMatch>, inv: &Inventory) -> Triaged {
        let mut out = Triaged::default();
        let mut expired_seen = std::collections::BTreeSet::new();
        for m in matches {
            let pkg = inv.packages.get(m.package);
            if let Some(s) = self.suppression(&m, pkg, &mut expired_seen, &mut out.warnings) {
                out.suppressed.push(Suppressed {
                    vulnerability: m,
                    suppressed_by: s,
                });
            } else {
                out.kept.push(m);
            }
        }
        out
    }

    fn suppression(
        &self,
        m: &VulnMatch,
        pkg: Option<&Package>,
        expired_seen: &mut std::collections::BTreeSet<String>,
        warnings: &mut Vec<String>,
    ) -> Option<Suppression> {
        for e in &self.ignores {
            if !m.all_ids().any(|id| id.eq_ignore_ascii_case(&e.id)) {
                continue;
            }
            if !e.packages.is_empty()
                && !pkg.is_some_and(|p| e.packages.iter().any(|sel| package_matches(sel, p)))
            {
                continue;
            }
            if let Some(exp) = &e.expires
                && exp.as_str() < self.today.as_str()
            {
                if expired_seen.insert(e.origin.clone()) {
                    warnings.push(format!(
                        "{}: the ignore entry for {} expired on {exp}; {} is reported again (renew the entry or fix it)",
                        e.origin, e.id, m.id
                    ));
                }
                continue;
            }
            return Some(Suppression {
                kind: "ignore".into(),
                origin: e.origin.clone(),
                statement: match &e.expires {
                    Some(exp) => format!("{} (until {exp})", e.reason),
                    None => e.reason.clone(),
                },
            });
        }
        // VEX: the latest statement that applies decides (by timestamp; at equal or missing timestamps, the
        // one loaded last; a statement without a timestamp counts as older than any with one).
        let mut decision: Option<&VexStatement> = None;
        for s in &self.vex {
            if !m
                .all_ids()
                .any(|id| s.ids.iter().any(|v| v.eq_ignore_ascii_case(id)))
            {
                continue;
            }
            let applies = match pkg {
                None => false,
                Some(p) => s.scopes.iter().any(|scope| {
                    if scope.subcomponents.is_empty() {
                        scope.product.iter().any(|prod| {
                            image_product_applies(prod, self.image.as_ref())
                                || purl_matches(prod, &p.purl)
                        })
                    } else {
                        // Subcomponents of an image product count only inside that image.
                        scope.product.iter().all(|prod| {
                            !is_image_purl(prod) || image_product_applies(prod, self.image.as_ref())
                        }) && scope
                            .subcomponents
                            .iter()
                            .any(|sub| purl_matches(sub, &p.purl))
                    }
                }),
            };
            if applies
                && decision.is_none_or(|d| {
                    s.timestamp.unwrap_or(i64::MIN) >= d.timestamp.unwrap_or(i64::MIN)
                })
            {
                decision = Some(s);
            }
        }
        let s = decision?;
        if s.status != "not_affected" && s.status != "fixed" {
            return None;
        }
        let mut statement = s.status.clone();
        if let Some(j) = &s.justification {
            statement.push_str(&format!(": {j}"));
        }
        if let Some(i) = &s.impact_statement {
            statement.push_str(&format!(" ({i})"));
        }
        Some(Suppression {
            kind: "vex".into(),
            origin: s.origin.clone(),
            statement,
        })
    }
}

/// Default ignore files present in `dir`.
pub fn default_ignore_files(dir: &Path) -> Vec<PathBuf> {
    DEFAULT_IGNORE_FILES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect()
}

fn package_matches(selector: &str, pkg: &Package) -> bool {
    if selector.starts_with("pkg:") {
        purl_matches(selector, &pkg.purl)
    } else {
        selector == pkg.name || pkg.source_name.as_deref() == Some(selector)
    }
}

/// The purl without qualifiers and subpath: `(type/namespace/name, version)`, percent-decoded, so that
/// `pkg:npm/%40babel/core@1.0+b1` and `pkg:npm/@babel/core@1.0%2Bb1` (both seen in VEX documents) agree.
fn purl_parts(purl: &str) -> (String, Option<String>) {
    let base = purl.split(['?', '#']).next().unwrap_or(purl);
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    match base.rsplit_once('@') {
        // `@` inside the name part is an npm scope (`%40` encoded in purls, but be lenient).
        Some((name, version)) if !version.contains('/') => {
            (decode(name).to_ascii_lowercase(), Some(decode(version)))
        }
        _ => (decode(base).to_ascii_lowercase(), None),
    }
}

/// A statement purl applies to a package purl when type/namespace/name agree and, if the statement gives a
/// version, the versions agree too.
fn purl_matches(statement: &str, package: &str) -> bool {
    let (sname, sver) = purl_parts(statement);
    let (pname, pver) = purl_parts(package);
    sname == pname && (sver.is_none() || sver == pver)
}

/// Products that stand for the whole image (`pkg:oci/...`, `pkg:docker/...`).
fn is_image_purl(p: &str) -> bool {
    p.starts_with("pkg:oci/") || p.starts_with("pkg:docker/")
}

/// Whether an image product applies to the scanned image: by digest when the purl carries one
/// (`pkg:oci/app@sha256%3A...`), else by repository name (`pkg:oci/app`, `pkg:docker/library/nginx@1.25`
/// against `registry.example/team/app:1.2`). Without a known image every image product applies.
fn image_product_applies(prod: &str, image: Option<&ImageIdentity>) -> bool {
    if !is_image_purl(prod) {
        return false;
    }
    let Some(img) = image else {
        return true;
    };
    let (path, version) = purl_parts(prod);
    if let Some(v) = version.as_deref().filter(|v| v.starts_with("sha256:")) {
        return img.digests.iter().any(|d| d.eq_ignore_ascii_case(v));
    }
    let name = path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    !name.is_empty() && img.names.iter().any(|n| repository_name(n) == name)
}

/// The last path component of an image reference's repository, lowercased, without tag, digest or a
/// bulkhead source prefix (`docker:`, `registry:`, `oci:`).
fn repository_name(reference: &str) -> String {
    let r = ["docker:", "registry:", "oci:", "dir:"]
        .iter()
        .find_map(|p| reference.strip_prefix(p))
        .unwrap_or(reference);
    let r = r.split('@').next().unwrap_or(r);
    let last = r.rsplit('/').next().unwrap_or(r);
    last.split(':').next().unwrap_or(last).to_ascii_lowercase()
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[derive(Deserialize)]
struct YamlIgnore {
    #[serde(default)]
    vulnerabilities: Vec<serde_saphyr::Spanned<YamlEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlEntry {
    id: Option<String>,
    reason: Option<String>,
    expires: Option<String>,
    #[serde(default)]
    packages: Vec<String>,
}

fn parse_yaml_ignore(path: &Path, text: &str) -> Result<Vec<IgnoreEntry>, String> {
    let doc: YamlIgnore = serde_saphyr::from_str(text).map_err(|e| {
        format!(
            "{}: not a bulkhead ignore file: {e}\n  expected: `vulnerabilities:` followed by entries with `id`, `reason` and `expires: YYYY-MM-DD`",
            path.display()
        )
    })?;
    let mut out = Vec::new();
    for item in doc.vulnerabilities {
        let line = item.referenced.line();
        let origin = format!("{}:{line}", path.display());
        let e = item.value;
        let id = e
            .id
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| format!("{origin}: entry has no `id` (expected the advisory id or an alias, e.g. CVE-2023-12345)"))?;
        let reason = e.reason.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            format!("{origin}: the entry for {id} has no `reason`: say why it is safe to ignore")
        })?;
        let expires = match e.expires {
            Some(d) if valid_date(d.trim()) => Some(d.trim().to_string()),
            Some(d) => {
                return Err(format!(
                    "{origin}: `expires: {d}` for {id} is not a date (expected YYYY-MM-DD)"
                ));
            }
            None => None,
        };
        out.push(IgnoreEntry {
            id: id.trim().to_string(),
            reason: reason.trim().to_string(),
            expires,
            packages: e.packages,
            origin,
        });
    }
    Ok(out)
}

fn parse_trivyignore(path: &Path, text: &str) -> Result<Vec<IgnoreEntry>, String> {
    let mut out = Vec::new();
    let mut comment: Vec<String> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            comment.clear();
            continue;
        }
        if let Some(c) = line.strip_prefix('#') {
            comment.push(c.trim().to_string());
            continue;
        }
        let origin = format!("{}:{}", path.display(), i + 1);
        let mut parts = line.split_whitespace();
        let id = parts.next().unwrap_or_default().to_string();
        let mut expires = None;
        for p in parts {
            if let Some(d) = p.strip_prefix("exp:") {
                if !valid_date(d) {
                    return Err(format!(
                        "{origin}: `exp:{d}` is not a date (expected exp:YYYY-MM-DD)"
                    ));
                }
                expires = Some(d.to_string());
            }
        }
        let reason = if comment.is_empty() {
            "listed in .trivyignore (no reason given)".to_string()
        } else {
            comment.join(" ")
        };
        comment.clear();
        out.push(IgnoreEntry {
            id,
            reason,
            expires,
            packages: Vec::new(),
            origin,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct VexDoc {
    #[serde(rename = "@context", default)]
    context: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    statements: Vec<VexStmt>,
}

#[derive(Deserialize)]
struct VexStmt {
    #[serde(default)]
    timestamp: Option<String>,
    vulnerability: VexVuln,
    #[serde(default)]
    products: Vec<VexProduct>,
    status: String,
    justification: Option<String>,
    impact_statement: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum VexVuln {
    Name(String),
    Object {
        #[serde(default)]
        name: Option<String>,
        #[serde(rename = "@id", default)]
        id: Option<String>,
        #[serde(default)]
        aliases: Vec<String>,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum VexProduct {
    Id(String),
    Object {
        #[serde(rename = "@id", default)]
        id: Option<String>,
        #[serde(default)]
        identifiers: Option<VexIdentifiers>,
        #[serde(default)]
        subcomponents: Vec<VexProduct>,
    },
}

#[derive(Deserialize, Default)]
struct VexIdentifiers {
    purl: Option<String>,
}

impl VexProduct {
    fn ids(&self) -> Vec<String> {
        match self {
            VexProduct::Id(s) => vec![s.clone()],
            VexProduct::Object {
                id, identifiers, ..
            } => id
                .iter()
                .cloned()
                .chain(identifiers.as_ref().and_then(|i| i.purl.clone()))
                .collect(),
        }
    }
}

fn parse_openvex(path: &Path, text: &str) -> Result<Vec<VexStatement>, String> {
    let doc: VexDoc = serde_json::from_str(text).map_err(|e| {
        format!(
            "{}: not an OpenVEX document: {e} (line {}, column {})\n  expected: {{\"@context\": \"https://openvex.dev/ns/...\", \"statements\": [...]}}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    if !doc
        .context
        .as_deref()
        .is_some_and(|c| c.contains("openvex"))
    {
        return Err(format!(
            "{}: not an OpenVEX document (its @context is not https://openvex.dev/ns/...)",
            path.display()
        ));
    }
    let when = |t: &str, what: &str| {
        crate::store::parse_rfc3339(t.trim()).ok_or_else(|| {
            format!(
                "{}: {what} has timestamp `{t}` (expected RFC 3339, e.g. 2024-05-01T12:00:00Z)",
                path.display()
            )
        })
    };
    let doc_time = doc
        .timestamp
        .as_deref()
        .map(|t| when(t, "the document"))
        .transpose()?;
    let mut out = Vec::new();
    for (i, s) in doc.statements.into_iter().enumerate() {
        let timestamp = match s.timestamp.as_deref() {
            Some(t) => Some(when(t, &format!("statement {}", i + 1))?),
            None => doc_time,
        };
        let status = s.status.trim().to_ascii_lowercase();
        if !matches!(
            status.as_str(),
            "not_affected" | "affected" | "fixed" | "under_investigation"
        ) {
            return Err(format!(
                "{}: statement {} has status `{}` (expected not_affected, affected, fixed or under_investigation)",
                path.display(),
                i + 1,
                s.status
            ));
        }
        let ids = match s.vulnerability {
            VexVuln::Name(n) => vec![n],
            VexVuln::Object { name, id, aliases } => {
                name.into_iter().chain(id).chain(aliases).collect()
            }
        };
        let mut products = Vec::new();
        let mut subcomponents = Vec::new();
        let mut scopes = Vec::new();
        for p in &s.products {
            let product = p.ids();
            let mut subs = Vec::new();
            if let VexProduct::Object {
                subcomponents: entries,
                ..
            } = p
            {
                for sub in entries {
                    subs.extend(sub.ids());
                }
            }
            products.extend(product.iter().cloned());
            subcomponents.extend(subs.iter().cloned());
            scopes.push(VexScope {
                product,
                subcomponents: subs,
            });
        }
        out.push(VexStatement {
            ids,
            products,
            subcomponents,
            scopes,
            status,
            justification: s.justification,
            impact_statement: s.impact_statement,
            timestamp,
            origin: format!("{} (statement {})", path.display(), i + 1),
        });
    }
    Ok(out)
}
