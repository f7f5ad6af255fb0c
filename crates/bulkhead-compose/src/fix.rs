//! Safe hardening fixes for compose services: minimal text edits on the file that defines the service, keeping
//! comments, order, indentation and line endings. A service written in flow style (`web: {image: x}`), or
//! whose keys come from several files (extends, overrides), gets no fix rather than a wrong one.

use crate::node::{Node, Value};
use crate::rules::ComposeCheckContext;
use crate::rules::support::{entries, security_opt};
use bulkhead_core::{Finding, Fix, Profile, TextEdit};

/// Attaches a [`Fix`] to the findings of CP003 (cap_drop), CP004 (read_only), CP005 (no-new-privileges),
/// CP020 (pids_limit) and, in the `production` and `regulated` profiles, CP016 (ports on all interfaces).
pub fn attach(ctx: &ComposeCheckContext, findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        if f.fix.is_some() {
            continue;
        }
        let Some(name) = f
            .location
            .object
            .as_deref()
            .and_then(|o| o.strip_prefix("services."))
        else {
            continue;
        };
        let Some(svc) = ctx.project.services().into_iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let Some(block) = ServiceBlock::new(ctx, svc.0, svc.1) else {
            continue;
        };
        let fix = match f.rule_id.as_str() {
            "CP003" => block.cap_drop(),
            "CP004" => block.read_only(),
            "CP005" => block.no_new_privileges(),
            "CP020" => block.pids_limit(),
            "CP016"
                if matches!(
                    ctx.options.profile,
                    Profile::Production | Profile::Regulated
                ) =>
            {
                f.location.span.and_then(|s| block.port(s.byte_start))
            }
            _ => None,
        };
        f.fix = fix;
    }
}

/// A service written in block style in one file.
struct ServiceBlock<'a> {
    node: &'a Node,
    path: String,
    text: &'a str,
    /// The indentation of the service's keys.
    indent: String,
    /// Where lines go after the service's last line.
    insert_at: usize,
    /// Whether the file ends without a line break right at `insert_at`.
    needs_break: bool,
    eol: &'static str,
}

impl<'a> ServiceBlock<'a> {
    fn new(ctx: &ComposeCheckContext<'a>, name: &str, node: &'a Node) -> Option<ServiceBlock<'a>> {
        let entries = node.as_map()?;
        let (first, _) = entries.first()?;
        let file = first.pos.file;
        if first.pos.line == 0
            || entries.iter().any(|(k, v)| {
                k.pos.file != file || k.pos.line == 0 || (v.pos.line > 0 && v.pos.file != file)
            })
        {
            return None;
        }
        let src = ctx.project.files.get(file)?;
        let text = src.text.as_str();
        // Block style: the first key starts its line after spaces only.
        let line_start = text
            .get(..first.pos.offset)?
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let indent = text.get(line_start..first.pos.offset)?;
        if indent.is_empty() || !indent.bytes().all(|b| b == b' ') {
            return None;
        }
        // The service's key must be less indented, on an earlier line.
        let services = ctx.project.model.as_ref()?.get("services")?.as_map()?;
        let (key, _) = services.iter().find(|(k, _)| k.name == name)?;
        if key.pos.file != file || key.pos.line >= first.pos.line {
            return None;
        }
        let key_line = text.get(..key.pos.offset)?.rfind('\n').map_or(0, |i| i + 1);
        let key_indent = key.pos.offset - key_line;
        // The block: every following line that is blank, a comment, or more indented than the service's key;
        // it ends after its last line with content.
        let mut insert_at = None;
        let mut pos = first.pos.offset;
        let from = line_start;
        let mut cursor = from;
        while cursor < text.len() {
            let rest = text.get(cursor..)?;
            let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
            let line = rest.get(..len)?;
            let body = line.trim_end_matches(['\n', '\r']);
            let trimmed = body.trim_start_matches(' ');
            let ind = body.len() - trimmed.len();
            if !(trimmed.is_empty() || trimmed.starts_with('#')) {
                if ind <= key_indent || trimmed.starts_with("---") || trimmed.starts_with("...") {
                    break;
                }
                insert_at = Some(cursor + len);
                pos = cursor + body.len();
            }
            cursor += len;
        }
        let insert_at = insert_at?;
        // A block scalar (`|`, `>`) ending the service: its last lines may look like comments; leave it alone.
        let (last_key, _) = entries.last()?;
        let after_key = text
            .get(last_key.pos.offset..)?
            .split_once(':')?
            .1
            .trim_start_matches(' ');
        if after_key.starts_with(['|', '>']) {
            return None;
        }
        let needs_break = insert_at == pos;
        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
        Some(ServiceBlock {
            node,
            path: src.path.display().to_string(),
            text,
            indent: indent.to_string(),
            insert_at,
            needs_break,
            eol,
        })
    }

    /// Lines added as the service's last keys.
    fn add_keys(&self, lines: &[&str], description: &str) -> Option<Fix> {
        let mut s = String::new();
        if self.needs_break {
            s.push_str(self.eol);
        }
        for (i, l) in lines.iter().enumerate() {
            s.push_str(&self.indent);
            s.push_str(l);
            if i + 1 < lines.len() || !self.needs_break {
                s.push_str(self.eol);
            }
        }
        Some(self.fix(
            description,
            vec![self.edit(self.insert_at, self.insert_at, s)],
        ))
    }

    fn edit(&self, start: usize, end: usize, replacement: String) -> TextEdit {
        TextEdit {
            path: self.path.clone(),
            start,
            end,
            replacement,
        }
    }

    fn fix(&self, description: &str, edits: Vec<TextEdit>) -> Fix {
        Fix {
            description: description.to_string(),
            safe: true,
            edits,
        }
    }

    fn cap_drop(&self) -> Option<Fix> {
        if self.node.get("cap_drop").is_some() {
            return None;
        }
        self.add_keys(&["cap_drop: [ALL]"], "add `cap_drop: [ALL]`")
    }

    fn read_only(&self) -> Option<Fix> {
        if self.node.get("read_only").is_some() {
            return None;
        }
        if self.node.get("tmpfs").is_some() {
            self.add_keys(&["read_only: true"], "add `read_only: true`")
        } else {
            self.add_keys(
                &["read_only: true", "tmpfs: [/tmp, /run]"],
                "add `read_only: true` and `tmpfs: [/tmp, /run]`",
            )
        }
    }

    fn pids_limit(&self) -> Option<Fix> {
        if self.node.get("pids_limit").is_some()
            || self
                .node
                .at(&["deploy", "resources", "limits", "pids"])
                .is_some()
        {
            return None;
        }
        self.add_keys(&["pids_limit: 100"], "add `pids_limit: 100`")
    }

    fn no_new_privileges(&self) -> Option<Fix> {
        const ENTRY: &str = "\"no-new-privileges:true\"";
        let desc = "add `no-new-privileges:true` to `security_opt`";
        let Some(opts) = self.node.get("security_opt") else {
            return self.add_keys(&[&format!("security_opt: [{ENTRY}]")], desc);
        };
        // An explicit `no-new-privileges:false` is left to a person.
        if entries(opts)
            .iter()
            .any(|(t, _)| security_opt(t).0 == "no-new-privileges")
        {
            return None;
        }
        let items = opts.as_seq()?;
        let at = self.text.as_bytes().get(opts.pos.offset).copied();
        match at {
            Some(b'[') => {
                let end = opts.end?.offset;
                if opts.end?.file != opts.pos.file
                    || self.text.as_bytes().get(end.checked_sub(1)?) != Some(&b']')
                {
                    return None;
                }
                let rep = if items.is_empty() {
                    ENTRY.to_string()
                } else {
                    format!(", {ENTRY}")
                };
                Some(self.fix(desc, vec![self.edit(end - 1, end - 1, rep)]))
            }
            Some(b'-') => {
                let last = items.last()?;
                if last.pos.file != opts.pos.file || last.pos.line == 0 {
                    return None;
                }
                let line_start = self
                    .text
                    .get(..last.pos.offset)?
                    .rfind('\n')
                    .map_or(0, |i| i + 1);
                let prefix = self.text.get(line_start..last.pos.offset)?;
                let dash = prefix.find('-')?;
                let ws = prefix.get(..dash)?;
                if !ws.bytes().all(|b| b == b' ')
                    || prefix.get(dash..)?.trim_start_matches('-').trim() != ""
                {
                    return None;
                }
                let from = last
                    .end
                    .map_or(last.pos.offset, |e| e.offset)
                    .max(last.pos.offset);
                // At the end of the last item's line (after any comment): a line break, then the new item, so
                // that keys added after the service's last line stay after it.
                let rest = self.text.get(from..)?;
                let mut at = from + rest.find('\n').unwrap_or(rest.len());
                if self.text.get(..at)?.ends_with('\r') {
                    at -= 1;
                }
                let s = format!("{}{ws}- {ENTRY}", self.eol);
                Some(self.fix(desc, vec![self.edit(at, at, s)]))
            }
            _ => None,
        }
    }

    /// The short-syntax port starting at byte `offset`: bound to 127.0.0.1.
    fn port(&self, offset: usize) -> Option<Fix> {
        let ports = self.node.get("ports")?.as_seq()?;
        let p = ports.iter().find(|p| p.pos.offset == offset)?;
        if matches!(p.value, Value::Map(_)) {
            return self.long_port(p);
        }
        let value = p.scalar_text()?;
        if value.starts_with('[') {
            return None;
        }
        let end = p.end?.offset;
        let raw = self.text.get(offset..end)?;
        let desc = "bind the port to 127.0.0.1";
        let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'');
        let inner = match quote {
            Some(q) if raw.len() >= 2 && raw.ends_with(q) => raw.get(1..raw.len() - 1)?,
            Some(_) => return None,
            None => raw,
        };
        if inner != value {
            return None;
        }
        let bound = match value.strip_prefix("0.0.0.0:") {
            Some(rest) => format!("127.0.0.1:{rest}"),
            None if value.contains(':') => format!("127.0.0.1:{value}"),
            None => format!("127.0.0.1::{value}"),
        };
        let q = quote.unwrap_or('"');
        Some(self.fix(desc, vec![self.edit(offset, end, format!("{q}{bound}{q}"))]))
    }

    /// A long-syntax port (block style): `host_ip: 127.0.0.1` added after its last line, or an all-interfaces
    /// `host_ip` replaced.
    fn long_port(&self, p: &Node) -> Option<Fix> {
        let desc = "bind the port to 127.0.0.1 (`host_ip`)";
        let entries = p.as_map()?;
        let (first, _) = entries.first()?;
        if entries.iter().any(|(k, v)| {
            k.pos.file != first.pos.file || v.pos.file != first.pos.file || k.pos.line == 0
        }) || self.text.as_bytes().get(p.pos.offset) == Some(&b'{')
        {
            return None;
        }
        if let Some(ip) = p.get("host_ip") {
            let end = ip.end?.offset;
            let raw = self.text.get(ip.pos.offset..end)?;
            let bare = raw.trim_matches(['"', '\'']);
            if bare != ip.scalar_text()? {
                return None;
            }
            return Some(self.fix(
                desc,
                vec![self.edit(ip.pos.offset, end, "127.0.0.1".into())],
            ));
        }
        // The keys' indentation: the first key's column (after `- ` on the item's line).
        let line_start = self
            .text
            .get(..first.pos.offset)?
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let prefix = self.text.get(line_start..first.pos.offset)?;
        if !prefix.bytes().all(|b| b == b' ' || b == b'-') {
            return None;
        }
        let (_, last) = entries.last()?;
        // Only after a scalar: a nested value's end is not the line to follow.
        last.scalar_text()?;
        let from = last.end?.offset;
        let rest = self.text.get(from..)?;
        let mut at = from + rest.find('\n').unwrap_or(rest.len());
        if self.text.get(..at)?.ends_with('\r') {
            at -= 1;
        }
        let s = format!("{}{}host_ip: 127.0.0.1", self.eol, " ".repeat(prefix.len()));
        Some(self.fix(desc, vec![self.edit(at, at, s)]))
    }
}
