//! Maven versions, as ordered by Maven's `ComparableVersion` (`org.apache.maven.artifact.versioning`, Maven
//! 3.9 / 4; the "version order specification" of the POM reference).
//!
//! Parsing (case-insensitive): the version is split into items at `.` and `-` and at every transition between
//! digits and letters. Items are numbers (unbounded, leading zeros ignored), qualifiers (strings) and
//! "combinations" (a qualifier immediately followed by a number, `rc1`, also written `rc-1`). A `-` — and a
//! transition from digits to letters, and a trailing `.qualifier` — opens a nested sub-list, so `1-1` is
//! `[1, [1]]` while `1.1` is `[1, 1]`. After parsing, each list drops its "null" items (`0`, empty qualifier,
//! empty list) at the end or just before a qualifier/combination/sub-list starting with one: `1.0.0` == `1`,
//! `1.0-a` == `1-a`.
//!
//! Qualifier order: `alpha` < `beta` < `milestone` < `rc` = `cr` < `snapshot` < (empty) = `ga` = `final` =
//! `release` < `sp` < any other, other qualifiers lexically; `a`, `b`, `m` directly followed by a digit mean
//! `alpha`, `beta`, `milestone`. Item kinds: number > sub-list > combination/qualifier; a qualifier is below
//! the combination of the same qualifier (`rc` < `rc1`); a missing item compares like `0` / the empty
//! qualifier, so `1-rc` < `1` < `1-sp` and `1` < `1.1`.
//!
//! `ComparableVersion` accepts every string; only an empty (or whitespace-only) version is an error here.
//! Nesting is bounded (see [`MAX_DEPTH`]) so that comparison never recurses without limit.

use super::cmp_digits;
use std::cmp::Ordering;

/// The deepest nesting of sub-lists accepted (each `-` or digit/letter transition nests one level).
pub(crate) const MAX_DEPTH: usize = 64;

/// One item of a Maven version.
#[derive(Debug, Clone)]
enum Item {
    /// A number, as its digits without leading zeros (`"0"` for zero).
    Int(String),
    /// A qualifier, lower-cased and with the `a`/`b`/`m`/`cr` aliases applied.
    Str(String),
    /// A qualifier followed by a number (`rc1`).
    Comb(String, String),
    /// A nested list.
    List(Vec<Item>),
}

/// A parsed Maven version.
#[derive(Debug, Clone)]
pub(crate) struct MavenVersion {
    items: Vec<Item>,
}

fn strip_zeros(d: &str) -> String {
    let t = d.trim_start_matches('0');
    if t.is_empty() { "0".into() } else { t.into() }
}

/// A qualifier as written; `followed_by_digit` turns `a`/`b`/`m` into `alpha`/`beta`/`milestone`.
fn qualifier(value: &str, followed_by_digit: bool) -> String {
    let v = match value {
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        "cr" => "rc",
        v => v,
    };
    v.to_string()
}

/// Maven's comparable form of a qualifier: its rank as a string, unknown ones after all known ones.
fn comparable(q: &str) -> String {
    const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
    if matches!(q, "ga" | "final" | "release") {
        return "5".into();
    }
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

fn cmp_qualifiers(a: &str, b: &str) -> Ordering {
    comparable(a).cmp(&comparable(b))
}

/// Build an item from the text between separators.
fn make_item(combination: bool, digits: bool, buf: &str) -> Item {
    if combination {
        let buf: String = buf.chars().filter(|c| *c != '-').collect();
        let split = buf.find(|c: char| c.is_ascii_digit()).unwrap_or(buf.len());
        let (s, d) = buf.split_at(split);
        Item::Comb(qualifier(s, true), strip_zeros(d))
    } else if digits {
        Item::Int(strip_zeros(buf))
    } else {
        Item::Str(qualifier(buf, false))
    }
}

/// Parse a Maven version.
pub(crate) fn parse(s: &str) -> Result<MavenVersion, String> {
    let v = s.trim().to_lowercase();
    if v.is_empty() {
        return Err("empty version".into());
    }
    // An arena of lists; `Node::Sub(k)` refers to list k. Children always have larger indices than parents.
    enum Node {
        Item(Item),
        Sub(usize),
    }
    let mut lists: Vec<Vec<Node>> = vec![Vec::new()];
    let mut cur = 0usize;
    let mut depth = 0usize;
    let mut nest = |lists: &mut Vec<Vec<Node>>, cur: &mut usize| -> Result<(), String> {
        depth += 1;
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        let k = lists.len();
        lists.push(Vec::new());
        if let Some(l) = lists.get_mut(*cur) {
            l.push(Node::Sub(k));
        }
        *cur = k;
        Ok(())
    };
    let add = |lists: &mut Vec<Vec<Node>>, cur: usize, item: Item| {
        if let Some(l) = lists.get_mut(cur) {
            l.push(Node::Item(item));
        }
    };
    let is_empty = |lists: &Vec<Vec<Node>>, cur: usize| lists.get(cur).is_none_or(Vec::is_empty);

    let chars: Vec<(usize, char)> = v.char_indices().collect();
    let mut is_digit = false;
    let mut combination = false;
    let mut start = 0usize; // byte offset
    for (n, &(i, c)) in chars.iter().enumerate() {
        let text = v.get(start..i).unwrap_or_default();
        if c == '.' {
            let item = if i == start {
                Item::Int("0".into())
            } else {
                make_item(combination, is_digit, text)
            };
            add(&mut lists, cur, item);
            combination = false;
            start = i + 1;
        } else if c == '-' {
            if i == start {
                add(&mut lists, cur, Item::Int("0".into()));
            } else {
                // `X-1` is read as the combination `X1`.
                let next_digit = chars.get(n + 1).is_some_and(|(_, d)| d.is_ascii_digit());
                if !is_digit && next_digit {
                    combination = true;
                    continue;
                }
                add(&mut lists, cur, make_item(combination, is_digit, text));
            }
            start = i + 1;
            if !is_empty(&lists, cur) {
                nest(&mut lists, &mut cur)?;
            }
            combination = false;
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                combination = true;
                if !is_empty(&lists, cur) {
                    nest(&mut lists, &mut cur)?;
                }
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                add(&mut lists, cur, make_item(combination, true, text));
                start = i;
                nest(&mut lists, &mut cur)?;
                combination = false;
            }
            is_digit = false;
        }
    }
    if v.len() > start {
        // 1.0.0.X1 < 1.0.0-X2: a trailing `.X` is read as `-X`.
        if !is_digit && !is_empty(&lists, cur) {
            nest(&mut lists, &mut cur)?;
        }
        let text = v.get(start..).unwrap_or_default();
        add(&mut lists, cur, make_item(combination, is_digit, text));
    }
    // Normalize innermost lists first (reverse creation order), building the item tree bottom-up.
    let mut built: Vec<Option<Vec<Item>>> = (0..lists.len()).map(|_| None).collect();
    for k in (0..lists.len()).rev() {
        let nodes = std::mem::take(lists.get_mut(k).ok_or("internal list index")?);
        let mut items = Vec::with_capacity(nodes.len());
        for node in nodes {
            items.push(match node {
                Node::Item(it) => it,
                Node::Sub(j) => {
                    Item::List(built.get_mut(j).and_then(Option::take).unwrap_or_default())
                }
            });
        }
        normalize(&mut items);
        if let Some(slot) = built.get_mut(k) {
            *slot = Some(items);
        }
    }
    let items = built.into_iter().next().flatten().unwrap_or_default();
    Ok(MavenVersion { items })
}

fn is_null(item: &Item) -> bool {
    match item {
        Item::Int(d) => d == "0",
        Item::Str(s) => s.is_empty(),
        Item::Comb(..) => false,
        Item::List(l) => l.is_empty(),
    }
}

/// Drop null items at the end, or before a qualifier, or before a sub-list that starts with a qualifier or
/// combination.
fn normalize(items: &mut Vec<Item>) {
    let mut i = items.len();
    while i > 0 {
        i -= 1;
        if !items.get(i).is_some_and(is_null) {
            continue;
        }
        let remove = match items.get(i + 1) {
            None => true,
            Some(Item::Str(_)) => true,
            Some(Item::List(l)) => matches!(l.first(), Some(Item::Comb(..) | Item::Str(_))),
            Some(_) => false,
        };
        if remove {
            items.remove(i);
        }
    }
}

/// `a.compareTo(b)` where `None` is a missing item.
fn cmp_item(a: &Item, b: Option<&Item>) -> Ordering {
    use Item::*;
    match (a, b) {
        (Int(x), None) => {
            if x == "0" {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        (Int(x), Some(Int(y))) => cmp_digits(x, y),
        (Int(_), Some(_)) => Ordering::Greater,

        (Str(s), None) => comparable(s).as_str().cmp("5"),
        (Str(_), Some(Int(_) | List(_))) => Ordering::Less,
        (Str(s), Some(Str(t))) => cmp_qualifiers(s, t),
        (Str(s), Some(Comb(t, _))) => match cmp_qualifiers(s, t) {
            Ordering::Equal => Ordering::Less,
            o => o,
        },

        (Comb(s, _), None) => comparable(s).as_str().cmp("5"),
        (Comb(..), Some(Int(_) | List(_))) => Ordering::Less,
        (Comb(s, _), Some(Str(t))) => match cmp_qualifiers(s, t) {
            Ordering::Equal => Ordering::Greater,
            o => o,
        },
        (Comb(s, d), Some(Comb(t, e))) => cmp_qualifiers(s, t).then_with(|| cmp_digits(d, e)),

        (List(l), None) => l
            .iter()
            .map(|i| cmp_item(i, None))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal),
        (List(_), Some(Int(_))) => Ordering::Less,
        (List(_), Some(Str(_) | Comb(..))) => Ordering::Greater,
        (List(l), Some(List(m))) => cmp_lists(l, m),
    }
}

fn cmp_lists(l: &[Item], m: &[Item]) -> Ordering {
    for k in 0..l.len().max(m.len()) {
        let o = match (l.get(k), m.get(k)) {
            (Some(a), b) => cmp_item(a, b),
            (None, Some(b)) => cmp_item(b, None).reverse(),
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}
super::ord_via_cmp!(MavenVersion);

#[cfg(test)]
mod tests;
