//! Control-file stanzas as dpkg and opkg write them: `Field: value` lines, continuation lines that start
//! with a space or tab, stanzas separated by blank lines.

/// One stanza: its fields' first-line values (continuation lines are checked but not kept: the fields
/// the catalogers read are single-line).
#[derive(Debug, Default)]
pub(crate) struct Stanza<'a> {
    /// 1-based line of the stanza's first field.
    pub line: usize,
    fields: Vec<(&'a str, &'a str)>,
}

impl<'a> Stanza<'a> {
    /// The first value of `name` (field names are case-insensitive), trimmed; empty values count as absent.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
            .filter(|value| !value.is_empty())
    }
}

/// A parsed file: the stanzas, and the lines that fit no rule.
#[derive(Debug, Default)]
pub(crate) struct Parsed<'a> {
    pub stanzas: Vec<Stanza<'a>>,
    /// 1-based number of the first line that is neither a field, a continuation nor blank.
    pub first_bad_line: Option<usize>,
    /// How many such lines.
    pub bad_lines: usize,
}

/// Split `text` into stanzas.
pub(crate) fn parse(text: &str) -> Parsed<'_> {
    let mut parsed = Parsed::default();
    let mut current = Stanza::default();
    for (index, raw) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            if !current.fields.is_empty() {
                parsed.stanzas.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            if current.fields.is_empty() {
                parsed.bad_lines += 1;
                parsed.first_bad_line.get_or_insert(line_no);
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((field, value)) if is_field_name(field) => {
                if current.fields.is_empty() {
                    current.line = line_no;
                }
                current.fields.push((field, value.trim()));
            }
            _ => {
                parsed.bad_lines += 1;
                parsed.first_bad_line.get_or_insert(line_no);
            }
        }
    }
    if !current.fields.is_empty() {
        parsed.stanzas.push(current);
    }
    parsed
}

/// deb822 field names: printable ASCII without spaces or colons, not starting with `#` or `-`.
fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_fields_and_continuations() {
        let text =
            "Package: a\r\nVersion: 1\nDescription: x\n more\n .\n\n\n\npackage: b\nversion:2\n";
        let parsed = parse(text);
        assert_eq!(parsed.stanzas.len(), 2);
        assert_eq!(parsed.bad_lines, 0);
        assert_eq!(parsed.stanzas[0].get("Package"), Some("a"));
        assert_eq!(parsed.stanzas[0].get("version"), Some("1"));
        assert_eq!(parsed.stanzas[0].line, 1);
        assert_eq!(parsed.stanzas[1].get("Package"), Some("b"));
        assert_eq!(parsed.stanzas[1].get("Version"), Some("2"));
        assert_eq!(parsed.stanzas[1].line, 9);
    }

    #[test]
    fn bad_lines_are_counted() {
        let parsed = parse("asdf\n\nyolo\n");
        assert!(parsed.stanzas.is_empty());
        assert_eq!(parsed.bad_lines, 2);
        assert_eq!(parsed.first_bad_line, Some(1));
        let parsed = parse(" leading continuation\nPackage: a\n");
        assert_eq!(parsed.first_bad_line, Some(1));
        assert_eq!(parsed.stanzas.len(), 1);
    }
}
