//! Compose merge rules (`-f a -f b`, `extends`): mappings merge recursively, scalars are overridden,
//! sequences are appended, with the compose exceptions: `command`, `entrypoint`, `healthcheck.test` are
//! replaced; `environment`, `labels`, `extra_hosts`, `sysctls`, `annotations` merge by key (list or map form);
//! `ports`, `volumes`, `secrets`, `configs`, `devices` and the simple lists (`dns`, `expose`, `cap_add`, ...)
//! are deduplicated (by target / source / whole value).

use crate::node::{Key, Node, Value};

/// Merge `over` onto `base` at `path` (keys from the root, `*` for a service name).
pub fn merge(base: Node, over: Node, path: &[&str]) -> Node {
    let rule = rule_for(path);
    match (base.value, over.value) {
        (Value::Map(b), Value::Map(o)) if rule != Rule::Replace => {
            let mut entries = b;
            for (k, v) in o {
                match entries.iter().position(|(bk, _)| bk.name == k.name) {
                    Some(i) => {
                        let mut sub: Vec<&str> = path.to_vec();
                        sub.push(child_name(path, &k.name));
                        let (bk, bv) = entries.remove(i);
                        let _ = bk;
                        let merged = merge(bv, v, &sub);
                        entries.insert(i, (k, merged));
                    }
                    None => entries.push((k, v)),
                }
            }
            Node {
                value: Value::Map(entries),
                pos: base.pos,
                end: base.end,
            }
        }
        (bv, ov) if rule == Rule::ByKey && is_collection(&bv) && is_collection(&ov) => Node {
            value: merge_by_key(bv, ov, path),
            pos: base.pos,
            end: base.end,
        },
        (Value::Seq(b), Value::Seq(o)) => match rule {
            Rule::Replace => Node {
                value: Value::Seq(o),
                pos: over.pos,
                end: over.end,
            },
            _ => {
                let mut items = b;
                for item in o {
                    let id = identity(rule, &item);
                    match id.as_ref().and_then(|id| {
                        items
                            .iter()
                            .position(|x| identity(rule, x).as_ref() == Some(id))
                    }) {
                        Some(i) => {
                            if let Some(slot) = items.get_mut(i) {
                                *slot = item;
                            }
                        }
                        None => items.push(item),
                    }
                }
                Node {
                    value: Value::Seq(items),
                    pos: base.pos,
                    end: base.end,
                }
            }
        },
        (_, ov) => Node {
            value: ov,
            pos: over.pos,
            end: over.end,
        },
    }
}

fn is_collection(v: &Value) -> bool {
    matches!(v, Value::Map(_) | Value::Seq(_))
}

/// The path segment for a child: service names become `*`.
fn child_name<'a>(path: &[&str], name: &'a str) -> &'a str {
    match path {
        ["services"] => "*",
        _ => name,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Default,
    Replace,
    ByKey,
    /// Sequence items deduplicated by their whole value.
    Unique,
    /// Volumes and devices: by target.
    Target,
    /// Secrets and configs: by source.
    Source,
    /// Ports: by (published, target, protocol) or the whole value.
    Port,
}

fn rule_for(path: &[&str]) -> Rule {
    match path {
        ["services", "*", "command" | "entrypoint"] => Rule::Replace,
        ["services", "*", "healthcheck", "test"] => Rule::Replace,
        [
            "services",
            "*",
            "environment" | "labels" | "extra_hosts" | "sysctls" | "annotations",
        ] => Rule::ByKey,
        ["services", "*", "build", "args" | "labels"] => Rule::ByKey,
        ["services", "*", "volumes" | "devices"] => Rule::Target,
        ["services", "*", "secrets" | "configs"] => Rule::Source,
        ["services", "*", "ports"] => Rule::Port,
        [
            "services",
            "*",
            "dns"
            | "dns_search"
            | "dns_opt"
            | "expose"
            | "cap_add"
            | "cap_drop"
            | "security_opt"
            | "tmpfs"
            | "env_file"
            | "group_add"
            | "external_links"
            | "links"
            | "volumes_from"
            | "profiles"
            | "device_cgroup_rules",
        ] => Rule::Unique,
        _ => Rule::Default,
    }
}

/// The identity of a sequence item under a rule (`None`: always appended).
fn identity(rule: Rule, item: &Node) -> Option<String> {
    match rule {
        Rule::Unique => item.scalar_text(),
        Rule::Target => match &item.value {
            Value::Str(s) => Some(short_volume_target(s).to_owned()),
            Value::Map(_) => item.get("target").and_then(Node::scalar_text),
            _ => None,
        },
        Rule::Source => match &item.value {
            Value::Str(s) => Some(s.clone()),
            Value::Map(_) => item.get("source").and_then(Node::scalar_text),
            _ => None,
        },
        Rule::Port => match &item.value {
            Value::Map(_) => Some(format!(
                "{}:{}/{}",
                item.get("published")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default(),
                item.get("target")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default(),
                item.get("protocol")
                    .and_then(Node::scalar_text)
                    .unwrap_or_else(|| "tcp".into())
            )),
            _ => item.scalar_text(),
        },
        _ => None,
    }
}

/// The target of a short volume or device (`src:target[:mode]`, or `target`).
fn short_volume_target(s: &str) -> &str {
    let mut parts = s.split(':');
    let first = parts.next().unwrap_or(s);
    // A Windows drive letter (`C:\...`) is part of the source.
    let second = match parts.next() {
        Some(p) if first.len() == 1 && (p.starts_with('\\') || p.starts_with('/')) => parts.next(),
        p => p,
    };
    second.unwrap_or(first)
}

/// The key of a list-form entry (`K=V`, or `host:ip` / `host=ip` for `extra_hosts`).
fn entry_key<'a>(s: &'a str, path: &[&str]) -> &'a str {
    let sep: &[char] = if path.last() == Some(&"extra_hosts") {
        &['=', ':']
    } else {
        &['=']
    };
    s.split(sep).next().unwrap_or(s)
}

/// Merge two collections by key. Same form: merged in that form; mixed forms: the result is a map.
fn merge_by_key(base: Value, over: Value, path: &[&str]) -> Value {
    match (base, over) {
        (Value::Seq(b), Value::Seq(o)) => {
            let mut items = b;
            for item in o {
                let key = item.scalar_text().map(|s| entry_key(&s, path).to_owned());
                let at = key.as_ref().and_then(|k| {
                    items.iter().position(|x| {
                        x.scalar_text()
                            .map(|s| entry_key(&s, path).to_owned())
                            .as_ref()
                            == Some(k)
                    })
                });
                match at.and_then(|i| items.get_mut(i)) {
                    Some(slot) => *slot = item,
                    None => items.push(item),
                }
            }
            Value::Seq(items)
        }
        (b, o) => {
            let mut entries = to_map(b, path);
            for (k, v) in to_map(o, path) {
                match entries.iter_mut().find(|(bk, _)| bk.name == k.name) {
                    Some(slot) => *slot = (k, v),
                    None => entries.push((k, v)),
                }
            }
            Value::Map(entries)
        }
    }
}

/// A list of `K=V` as map entries (key and value positioned at the item).
fn to_map(v: Value, path: &[&str]) -> Vec<(Key, Node)> {
    match v {
        Value::Map(m) => m,
        Value::Seq(items) => items
            .into_iter()
            .filter_map(|item| {
                let s = item.scalar_text()?;
                let key = entry_key(&s, path);
                let rest = s.get(key.len() + 1..);
                let value = match rest {
                    Some(r) => Value::Str(r.to_owned()),
                    None => Value::Null,
                };
                Some((
                    Key {
                        name: key.to_owned(),
                        pos: item.pos,
                    },
                    Node {
                        value,
                        pos: item.pos,
                        end: item.end,
                    },
                ))
            })
            .collect(),
        _ => Vec::new(),
    }
}
