//! Debian security tracker lists (`data/DSA/list`, `data/DLA/list`, `data/DTSA/list`):
//!
//! ```text
//! [25 Mar 2023] DSA-5378-1 xen - security update
//!     {CVE-2022-23824 CVE-2022-42331}
//!     [bullseye] - xen 4.14.5+94-ge49571868d-1
//!     [buster] - xen <not-affected> (Vulnerable code not present)
//! ```
//!
//! One advisory per header (id `DSA-5378-1`, aliases the CVE ids, summary the title, published the date), one
//! affected entry per release line with a concrete version: `Debian:<N>` from the codename, the *source*
//! package, ECOSYSTEM range `introduced 0, fixed <version>`. `<not-affected>`, `<unfixed>`, ... lines are counted
//! as ignored; `NOTE:` lines are skipped.

use super::util::{Parsed, push_unique};
use crate::advisory::{Advisory, Affected, Event, Range, RangeKind};

/// Debian release number of a codename.
pub(crate) fn release_of_codename(code: &str) -> Option<&'static str> {
    Some(match code {
        "buzz" => "1.1",
        "rex" => "1.2",
        "bo" => "1.3",
        "hamm" => "2.0",
        "slink" => "2.1",
        "potato" => "2.2",
        "woody" => "3.0",
        "sarge" => "3.1",
        "etch" => "4",
        "lenny" => "5",
        "squeeze" => "6",
        "wheezy" => "7",
        "jessie" => "8",
        "stretch" => "9",
        "buster" => "10",
        "bullseye" => "11",
        "bookworm" => "12",
        "trixie" => "13",
        "forky" => "14",
        _ => return None,
    })
}

/// The header of one entry: `[01 Apr 2023] DSA-5378-1 xen - security update` → (date text, id, title).
pub(crate) fn parse_header(line: &str) -> Option<(&str, &str, &str)> {
    let rest = line.strip_prefix('[')?;
    let (date, rest) = rest.split_once(']')?;
    let rest = rest.trim();
    let (id, title) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let (prefix, num) = id.split_once('-')?;
    let ok = matches!(prefix, "DSA" | "DLA" | "DTSA")
        && !num.is_empty()
        && num.chars().all(|c| c.is_ascii_digit() || c == '-');
    ok.then_some((date.trim(), id, title.trim()))
}

/// `01 Apr 2023` or `August 26th, 2005` → `2023-04-01T00:00:00Z`.
fn parse_date(text: &str) -> Option<String> {
    let parts: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|p| !p.is_empty())
        .collect();
    let (day, month, year) = match parts.as_slice() {
        [d, m, y] if d.starts_with(|c: char| c.is_ascii_digit()) => (*d, *m, *y),
        [m, d, y] => (*d, *m, *y),
        _ => return None,
    };
    let day: u32 = day
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .ok()?;
    let year: u32 = year.parse().ok()?;
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = month.to_ascii_lowercase();
    let month = months
        .iter()
        .position(|m| lower.starts_with(m))
        .map(|i| i + 1)?;
    ((1..=31).contains(&day) && (1000..=9999).contains(&year))
        .then(|| format!("{year:04}-{month:02}-{day:02}T00:00:00Z"))
}

/// Parse a whole list. Lines that cannot be read are returned as `(line number, reason)`.
pub(crate) fn parse(text: &str) -> (Parsed, Vec<(usize, String)>) {
    let mut out = Parsed::default();
    let mut bad = Vec::new();
    let mut current: Option<Advisory> = None;
    let finish = |adv: Option<Advisory>, out: &mut Parsed| {
        if let Some(adv) = adv {
            if adv.affected.is_empty() {
                out.ignore("advisory without an affected package bulkhead can match");
            } else {
                out.advisories.push(adv);
            }
        }
    };
    for (n, raw) in text.lines().enumerate() {
        let lineno = n + 1;
        if raw.trim().is_empty() {
            continue;
        }
        if !raw.starts_with(char::is_whitespace) {
            match parse_header(raw) {
                Some((date, id, title)) => {
                    finish(current.take(), &mut out);
                    let published = parse_date(date);
                    if published.is_none() {
                        bad.push((
                            lineno,
                            format!("date `{date}` not understood (kept the entry)"),
                        ));
                    }
                    current = Some(Advisory {
                        id: id.to_string(),
                        published,
                        summary: (!title.is_empty()).then(|| title.to_string()),
                        ..Advisory::default()
                    });
                }
                None => {
                    finish(current.take(), &mut out);
                    bad.push((
                        lineno,
                        "expected a header `[dd Mon yyyy] DSA-nnnn-n package - title`".into(),
                    ));
                }
            }
            continue;
        }
        let line = raw.trim();
        let Some(adv) = current.as_mut() else {
            bad.push((lineno, "indented line before any header".into()));
            continue;
        };
        if let Some(ids) = line.strip_prefix('{') {
            let ids = ids.split('}').next().unwrap_or("");
            for id in ids.split_whitespace() {
                push_unique(&mut adv.aliases, id);
            }
        } else if line.starts_with('[') {
            match parse_release_line(line) {
                Ok(Some(a)) => {
                    if !adv.affected.contains(&a) {
                        adv.affected.push(a);
                    }
                }
                Ok(None) => {}
                Err(Ignore(reason)) => out.ignore(reason),
            }
        } else if line.starts_with("NOTE:") {
            // Free-text notes of the security team.
        } else {
            bad.push((
                lineno,
                "expected `{CVE-...}`, `[release] - package version` or `NOTE:`".into(),
            ));
        }
    }
    finish(current.take(), &mut out);
    (out, bad)
}

struct Ignore(String);

/// `[bullseye] - xen 4.14.5+94-ge49571868d-1 (medium)`.
fn parse_release_line(line: &str) -> Result<Option<Affected>, Ignore> {
    let malformed = || Ignore("Debian tracker release line not understood".into());
    let rest = line.strip_prefix('[').ok_or_else(malformed)?;
    let (code, rest) = rest.split_once(']').ok_or_else(malformed)?;
    let rest = rest.trim_start().strip_prefix('-').ok_or_else(malformed)?;
    let mut toks = rest.split_whitespace();
    let pkg = toks.next().ok_or_else(malformed)?;
    let version = toks.next().ok_or_else(malformed)?;
    if version.starts_with('<') {
        let kind = version.split('>').next().unwrap_or(version);
        return Err(Ignore(format!(
            "Debian tracker {kind}> entry (no fixed version)"
        )));
    }
    let Some(release) = release_of_codename(code.trim()) else {
        return Err(Ignore(format!("unknown Debian codename `{}`", code.trim())));
    };
    Ok(Some(Affected {
        ecosystem: format!("Debian:{release}"),
        name: pkg.to_string(),
        ranges: vec![Range {
            kind: RangeKind::Ecosystem,
            events: vec![
                Event::Introduced("0".into()),
                Event::Fixed(version.to_string()),
            ],
        }],
        ..Affected::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_both_forms() {
        assert_eq!(
            parse_date("01 Apr 2023").as_deref(),
            Some("2023-04-01T00:00:00Z")
        );
        assert_eq!(
            parse_date("August 26th, 2005").as_deref(),
            Some("2005-08-26T00:00:00Z")
        );
        assert_eq!(parse_date("someday"), None);
    }

    #[test]
    fn headers() {
        assert_eq!(
            parse_header("[25 Mar 2023] DSA-5378-1 xen - security update"),
            Some(("25 Mar 2023", "DSA-5378-1", "xen - security update"))
        );
        assert_eq!(parse_header("389-ds-base;cpe:/a:fedoraproject"), None);
        assert_eq!(parse_header("[x] FOO-1 bar"), None);
    }
}
