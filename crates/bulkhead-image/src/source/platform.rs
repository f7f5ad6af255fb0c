//! Platform names (`linux/amd64`, `linux/arm64/v8`) and the pick of one manifest from an image index.

use oci_client::manifest::ImageIndexEntry;
use std::fmt;

/// An `os/arch[/variant]`, normalized the way containerd compares them (`aarch64` = `arm64`, `arm64/v8` =
/// `arm64`, `arm` = `arm/v7`, `x86_64` = `amd64`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl Platform {
    pub fn new(os: &str, arch: &str, variant: Option<&str>) -> Platform {
        let os = os.to_ascii_lowercase();
        let arch = arch.to_ascii_lowercase();
        let variant = variant
            .map(str::to_ascii_lowercase)
            .filter(|v| !v.is_empty());
        let (arch, variant) = match (arch.as_str(), variant.as_deref()) {
            ("x86_64" | "x86-64" | "amd64", Some("v1") | None) => ("amd64".to_string(), None),
            ("x86_64" | "x86-64", v) => ("amd64".to_string(), v.map(String::from)),
            ("aarch64" | "arm64", Some("v8" | "8") | None) => ("arm64".to_string(), None),
            ("aarch64", v) => ("arm64".to_string(), v.map(String::from)),
            ("armhf", _) => ("arm".to_string(), Some("v7".to_string())),
            ("armel", _) => ("arm".to_string(), Some("v6".to_string())),
            ("arm", None) => ("arm".to_string(), Some("v7".to_string())),
            ("arm", Some(v)) => (
                "arm".to_string(),
                Some(if v.starts_with('v') {
                    v.to_string()
                } else {
                    format!("v{v}")
                }),
            ),
            ("i386" | "i686" | "x86", v) => ("386".to_string(), v.map(String::from)),
            (_, v) => (arch.clone(), v.map(String::from)),
        };
        Platform { os, arch, variant }
    }

    /// Parse `os/arch[/variant]`.
    pub fn parse(text: &str) -> Result<Platform, String> {
        let parts: Vec<&str> = text.trim().split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform::new(os, arch, None)),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform::new(os, arch, Some(variant)))
            }
            _ => Err(format!(
                "invalid platform {text:?}: expected os/arch[/variant], like linux/amd64 or linux/arm64/v8"
            )),
        }
    }

    /// Linux on the architecture this program runs on (images are Linux whatever the host).
    pub fn host() -> Platform {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "arm" => "arm",
            "powerpc64" => "ppc64le",
            "s390x" => "s390x",
            "riscv64" => "riscv64",
            other => other,
        };
        Platform::new("linux", arch, None)
    }

    fn of_entry(entry: &ImageIndexEntry) -> Option<Platform> {
        let p = entry.platform.as_ref()?;
        Some(Platform::new(
            &p.os.to_string(),
            &p.architecture.to_string(),
            p.variant.as_deref(),
        ))
    }
}

/// The manifest chosen from an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pick {
    pub digest: String,
    pub platform: Option<Platform>,
    /// Set when the default platform was not in the index and another entry was taken.
    pub fallback: Option<String>,
}

/// Whether an index entry is an image of some platform (not an attestation or other artifact).
fn is_image_entry(entry: &ImageIndexEntry) -> bool {
    let unknown =
        Platform::of_entry(entry).is_some_and(|p| p.os == "unknown" || p.arch == "unknown");
    let attestation = entry.annotations.as_ref().is_some_and(|a| {
        a.get("vnd.docker.reference.type")
            .is_some_and(|t| t == "attestation-manifest")
    });
    !unknown && !attestation
}

/// Pick the manifest of `requested` (or of the host platform, then the first image, when `None`).
pub(crate) fn pick(entries: &[ImageIndexEntry], requested: Option<&str>) -> Result<Pick, String> {
    let wanted = match requested {
        Some(text) => Platform::parse(text)?,
        None => Platform::host(),
    };
    let images: Vec<&ImageIndexEntry> = entries.iter().filter(|e| is_image_entry(e)).collect();
    let exact = images
        .iter()
        .find(|e| Platform::of_entry(e).as_ref() == Some(&wanted));
    // Without a variant asked for, any variant of the architecture will do (arm64/v9 for arm64).
    let loose = || {
        images.iter().find(|e| {
            wanted.variant.is_none()
                && Platform::of_entry(e).is_some_and(|p| p.os == wanted.os && p.arch == wanted.arch)
        })
    };
    if let Some(entry) = exact.or_else(loose) {
        return Ok(Pick {
            digest: entry.digest.clone(),
            platform: Platform::of_entry(entry),
            fallback: None,
        });
    }
    let available = if images.is_empty() {
        "no image manifests".to_string()
    } else {
        images
            .iter()
            .map(|e| {
                Platform::of_entry(e).map_or_else(|| "(no platform)".to_string(), |p| p.to_string())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (requested, images.first()) {
        (None, Some(first)) => {
            let platform = Platform::of_entry(first);
            let shown = platform
                .as_ref()
                .map_or_else(|| "the first entry".to_string(), |p| p.to_string());
            Ok(Pick {
                digest: first.digest.clone(),
                fallback: Some(format!(
                    "the image index has no {wanted} image (it has: {available}); read {shown} instead"
                )),
                platform,
            })
        }
        _ => Err(format!(
            "the image index has no {wanted} image; it has: {available}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(digest: &str, platform: Option<(&str, &str, Option<&str>)>) -> ImageIndexEntry {
        let mut json = serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digest,
            "size": 100,
        });
        if let Some((os, arch, variant)) = platform {
            let mut p = serde_json::json!({"os": os, "architecture": arch});
            if let Some(v) = variant {
                p["variant"] = v.into();
            }
            json["platform"] = p;
        }
        serde_json::from_value(json).unwrap()
    }

    fn index() -> Vec<ImageIndexEntry> {
        vec![
            entry("sha256:amd", Some(("linux", "amd64", None))),
            entry("sha256:armv7", Some(("linux", "arm", Some("v7")))),
            entry("sha256:arm64", Some(("linux", "arm64", Some("v8")))),
            entry("sha256:att", Some(("unknown", "unknown", None))),
        ]
    }

    #[test]
    fn parses_and_normalizes() {
        assert_eq!(
            Platform::parse("linux/amd64").unwrap().to_string(),
            "linux/amd64"
        );
        assert_eq!(
            Platform::parse("linux/arm64/v8").unwrap().to_string(),
            "linux/arm64"
        );
        assert_eq!(
            Platform::parse("linux/aarch64").unwrap().to_string(),
            "linux/arm64"
        );
        assert_eq!(
            Platform::parse("linux/arm").unwrap().to_string(),
            "linux/arm/v7"
        );
        assert_eq!(
            Platform::parse("Linux/X86_64").unwrap().to_string(),
            "linux/amd64"
        );
        for bad in ["", "linux", "linux/", "/amd64", "a/b/c/d", "linux/arm64/"] {
            assert!(Platform::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn picks_the_asked_platform() {
        let idx = index();
        assert_eq!(
            pick(&idx, Some("linux/amd64")).unwrap().digest,
            "sha256:amd"
        );
        assert_eq!(
            pick(&idx, Some("linux/arm64/v8")).unwrap().digest,
            "sha256:arm64"
        );
        assert_eq!(
            pick(&idx, Some("linux/arm64")).unwrap().digest,
            "sha256:arm64"
        );
        assert_eq!(
            pick(&idx, Some("linux/arm/v7")).unwrap().digest,
            "sha256:armv7"
        );
        let err = pick(&idx, Some("linux/s390x")).unwrap_err();
        assert!(err.contains("no linux/s390x image"), "{err}");
        assert!(
            err.contains("linux/amd64, linux/arm/v7, linux/arm64"),
            "{err}"
        );
        assert!(!err.contains("unknown"), "{err}");
        assert!(pick(&idx, Some("linux/arm/v6")).is_err());
    }

    #[test]
    fn default_is_the_host_then_the_first_image() {
        let idx = index();
        let host = Platform::host();
        let p = pick(&idx, None).unwrap();
        if host.arch == "amd64" {
            assert_eq!(p.digest, "sha256:amd");
            assert!(p.fallback.is_none());
        }
        // An index without the host's platform: the first image, with a note; never the attestation.
        let other = if host.arch == "s390x" {
            "ppc64le"
        } else {
            "s390x"
        };
        let idx = vec![
            entry("sha256:att", Some(("unknown", "unknown", None))),
            entry("sha256:other", Some(("linux", other, None))),
        ];
        let p = pick(&idx, None).unwrap();
        assert_eq!(p.digest, "sha256:other");
        assert!(
            p.fallback
                .unwrap()
                .contains(&format!("read linux/{other} instead"))
        );
        assert!(pick(&[], None).is_err());
    }
}
