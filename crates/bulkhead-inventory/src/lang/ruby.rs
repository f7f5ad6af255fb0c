//! Installed Ruby gems: `specifications/*.gemspec`, the Ruby files RubyGems writes for each installed gem:
//!
//! ```ruby
//! Gem::Specification.new do |s|
//!   s.name = "rake".freeze        # older: s.name = %q{rake}
//!   s.version = "13.0.6"
//!   s.licenses = ["MIT".freeze]   # or s.license = "MIT"
//! ```
//!
//! The assignments are read line by line (`<receiver>.<attribute> = <literal>`), never evaluated.

use super::text::{first_string_literal, lossy, string_literals};
use super::{failed, found, package};
use crate::{FileResult, PackageKind};

/// The gem an installed gemspec describes.
pub(super) fn catalog(data: &[u8]) -> Option<FileResult> {
    let text = lossy(data);
    let (mut name, mut version, mut licenses) = (None, None, Vec::new());
    let mut stub: Option<(String, String)> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("# stub:") {
            let mut words = rest.split_whitespace();
            if let (Some(n), Some(v)) = (words.next(), words.next()) {
                stub = Some((n.to_string(), v.to_string()));
            }
            continue;
        }
        let Some((attribute, value)) = assignment(line) else {
            continue;
        };
        match attribute {
            "name" if name.is_none() => {
                name = first_string_literal(value).map(|(s, _)| s.to_string())
            }
            "version" if version.is_none() => {
                version = first_string_literal(value).map(|(s, _)| s.to_string());
            }
            "license" | "licenses" if licenses.is_empty() => {
                licenses = string_literals(value)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
            }
            _ => {}
        }
    }
    let (stub_name, stub_version) = stub.unzip();
    let (Some(name), Some(version)) = (
        name.filter(|n| !n.is_empty()).or(stub_name),
        version.filter(|v| !v.is_empty()).or(stub_version),
    ) else {
        return Some(failed(
            "expected `s.name = ...` and `s.version = ...` in gemspec".to_string(),
        ));
    };
    let mut p = package(PackageKind::Gem, &name, &version);
    p.licenses = licenses;
    Some(found(vec![p]))
}

/// `<receiver>.<attribute> = <value>` (not `==`, `=~`, `=>`): the attribute and the value text.
fn assignment(line: &str) -> Option<(&str, &str)> {
    let (receiver, rest) = line.split_once('.')?;
    if receiver.is_empty()
        || !receiver
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return None;
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let (attribute, rest) = rest.split_at(end);
    let value = rest.trim_start().strip_prefix('=')?;
    if value.starts_with(['=', '~', '>']) {
        return None;
    }
    Some((attribute, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modern_gemspec() {
        let spec = br#"# -*- encoding: utf-8 -*-
# stub: nokogiri 1.16.0 x86_64-linux lib

Gem::Specification.new do |s|
  s.name = "nokogiri".freeze
  s.version = "1.16.0"
  s.platform = "x86_64-linux".freeze

  s.required_rubygems_version = Gem::Requirement.new(">= 3.3.22".freeze) if s.respond_to? :required_rubygems_version=
  s.licenses = ["MIT".freeze]
end
"#;
        let r = catalog(spec).unwrap_or_default();
        let p = &r.packages[0];
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            ("nokogiri", "1.16.0")
        );
        assert_eq!(p.licenses, vec!["MIT"]);
    }

    #[test]
    fn old_percent_q_gemspec_and_stub_fallback() {
        let spec = b"Gem::Specification.new do |spec|\n  spec.name = %q{rake}\n  spec.version = \"0.8.7\"\n  spec.license = 'MIT'\nend\n";
        let p = &catalog(spec).unwrap_or_default().packages[0];
        assert_eq!((p.name.as_str(), p.version.as_str()), ("rake", "0.8.7"));
        assert_eq!(p.licenses, vec!["MIT"]);
        let spec = b"# stub: json 2.7.1 ruby lib\nGem::Specification.new do |s|\n  s.version = Gem::Version.new(s.x)\nend\n";
        let p = &catalog(spec).unwrap_or_default().packages[0];
        assert_eq!((p.name.as_str(), p.version.as_str()), ("json", "2.7.1"));
        let r = catalog(b"puts 'hello'\n").unwrap_or_default();
        assert!(r.error.is_some());
    }
}
