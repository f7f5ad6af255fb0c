//! The keyword prefilter: one ASCII case-insensitive Aho-Corasick automaton (a DFA with standard
//! match semantics, so each state knows every keyword ending there: overlapping keywords such as
//! `secret` in `client_secret` are all reported).
//!
//! The DFA is walked here rather than through the crate's iterators: a DFA walk is bound by the
//! latency of one table load per byte, so the text is cut into blocks and each block into
//! [`LANES`] lanes walked in the same loop; the independent loads overlap and the walk runs about
//! twice as fast as a single one (the automaton has no usable prefilter once a rule set has more
//! than a few case-insensitive keywords). Each lane starts `max_len - 1` bytes early so its state is
//! exact where it starts reporting, and reports only the matches whose last byte lies in its own
//! range: every occurrence is reported exactly once, in order of its end.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

/// Lanes walked together.
const LANES: usize = 4;
/// Bytes reported per block (all lanes).
const BLOCK: usize = 64 * 1024;
/// Below this, one lane.
const MIN_LANED: usize = 1024;

pub(super) struct Keywords {
    dfa: DFA,
    start: StateID,
    max_len: usize,
    /// Byte length of each keyword.
    lens: Vec<usize>,
}

/// One keyword occurrence: `start..end` in the text, and the keyword's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Hit {
    pub start: usize,
    pub end: usize,
    pub keyword: usize,
}

impl Keywords {
    /// The automaton over `words` (non-empty, ASCII case-insensitive).
    pub(super) fn new(words: &[String]) -> Result<Keywords, String> {
        let dfa = aho_corasick::dfa::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(words)
            .map_err(|e| e.to_string())?;
        let start = dfa.start_state(Anchored::No).map_err(|e| e.to_string())?;
        let max_len = dfa.max_pattern_len().max(1);
        Ok(Keywords {
            dfa,
            start,
            max_len,
            lens: words.iter().map(String::len).collect(),
        })
    }

    pub(super) fn memory_usage(&self) -> usize {
        self.dfa.memory_usage() + self.lens.len() * std::mem::size_of::<usize>()
    }

    /// Calls `f` for every keyword occurrence in `text`, in order of end offset.
    pub(super) fn for_each_hit(&self, text: &[u8], mut f: impl FnMut(Hit)) {
        let mut lanes: [Vec<(usize, usize)>; LANES] = Default::default();
        let mut from = 0;
        while from < text.len() {
            let to = from.saturating_add(BLOCK).min(text.len());
            if to - from < MIN_LANED {
                let lane = &mut lanes[0];
                lane.clear();
                self.walk_one(text, from, to, lane);
                self.emit(lane, &mut f);
            } else {
                self.walk_lanes(text, from, to, &mut lanes);
                for lane in &lanes {
                    self.emit(lane, &mut f);
                }
            }
            from = to;
        }
    }

    fn emit(&self, lane: &[(usize, usize)], f: &mut impl FnMut(Hit)) {
        for &(end, keyword) in lane {
            let len = self.lens.get(keyword).copied().unwrap_or(0);
            f(Hit {
                start: end.saturating_sub(len),
                end,
                keyword,
            });
        }
    }

    /// Where a lane reporting `from..to` starts walking.
    fn warm_start(&self, from: usize) -> usize {
        from.saturating_sub(self.max_len - 1)
    }

    /// Records the keywords of match state `sid` at byte `at`, if `at` is in the reported range.
    #[inline(always)]
    fn record(&self, sid: StateID, at: usize, from: usize, out: &mut Vec<(usize, usize)>) {
        if at >= from {
            for i in 0..self.dfa.match_len(sid) {
                out.push((at + 1, self.dfa.match_pattern(sid, i).as_usize()));
            }
        }
    }

    /// One lane: the matches whose last byte is in `from..to`.
    fn walk_one(&self, text: &[u8], from: usize, to: usize, out: &mut Vec<(usize, usize)>) {
        let w = self.warm_start(from);
        let Some(bytes) = text.get(w..to) else {
            return;
        };
        let mut sid = self.start;
        for (i, &b) in bytes.iter().enumerate() {
            sid = self.dfa.next_state(Anchored::No, sid, b);
            if self.dfa.is_match(sid) {
                self.record(sid, w + i, from, out);
            }
        }
    }

    /// [`LANES`] lanes over `from..to`, walked together.
    fn walk_lanes(
        &self,
        text: &[u8],
        from: usize,
        to: usize,
        out: &mut [Vec<(usize, usize)>; LANES],
    ) {
        let seg = (to - from).div_ceil(LANES);
        // (warm start, report from, end) per lane.
        let mut lanes = [(0usize, 0usize, 0usize); LANES];
        for (j, lane) in lanes.iter_mut().enumerate() {
            let s = (from + j * seg).min(to);
            let e = (from + (j + 1) * seg).min(to);
            *lane = (self.warm_start(s), s, e);
        }
        for o in out.iter_mut() {
            o.clear();
        }
        let common = lanes
            .iter()
            .map(|&(w, _, e)| e.saturating_sub(w))
            .min()
            .unwrap_or(0);
        let slice = |j: usize| -> &[u8] {
            let (w, _, _) = lanes[j];
            text.get(w..w + common).unwrap_or_default()
        };
        let (b0, b1, b2, b3) = (slice(0), slice(1), slice(2), slice(3));
        let [o0, o1, o2, o3] = out;
        let (mut s0, mut s1, mut s2, mut s3) = (self.start, self.start, self.start, self.start);
        let d = &self.dfa;
        for (i, (((&c0, &c1), &c2), &c3)) in b0.iter().zip(b1).zip(b2).zip(b3).enumerate() {
            s0 = d.next_state(Anchored::No, s0, c0);
            s1 = d.next_state(Anchored::No, s1, c1);
            s2 = d.next_state(Anchored::No, s2, c2);
            s3 = d.next_state(Anchored::No, s3, c3);
            if d.is_match(s0) {
                self.record(s0, lanes[0].0 + i, lanes[0].1, o0);
            }
            if d.is_match(s1) {
                self.record(s1, lanes[1].0 + i, lanes[1].1, o1);
            }
            if d.is_match(s2) {
                self.record(s2, lanes[2].0 + i, lanes[2].1, o2);
            }
            if d.is_match(s3) {
                self.record(s3, lanes[3].0 + i, lanes[3].1, o3);
            }
        }
        // The lanes' remainders, one by one.
        for (j, (sid, o)) in [(s0, o0), (s1, o1), (s2, o2), (s3, o3)]
            .into_iter()
            .enumerate()
        {
            let (w, s, e) = lanes[j];
            let Some(rest) = text.get(w + common..e) else {
                continue;
            };
            let mut sid = sid;
            for (i, &b) in rest.iter().enumerate() {
                sid = d.next_state(Anchored::No, sid, b);
                if d.is_match(sid) {
                    self.record(sid, w + common + i, s, o);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(words: &[&str], text: &[u8]) -> Vec<Hit> {
        let mut out = Vec::new();
        for end in 1..=text.len() {
            for (k, w) in words.iter().enumerate() {
                let w = w.as_bytes();
                if end >= w.len() && text[end - w.len()..end].eq_ignore_ascii_case(w) {
                    out.push(Hit {
                        start: end - w.len(),
                        end,
                        keyword: k,
                    });
                }
            }
        }
        out
    }

    #[test]
    fn lanes_find_every_occurrence_once_in_end_order() {
        let words = ["secret", "client_secret", "key", "ey", "=", "aaaa"];
        let owned: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let kw = Keywords::new(&owned).unwrap();
        // Sizes around the lane and block boundaries, keywords everywhere.
        let unit = b"xx CLIENT_SECRET=Key; aaaaaaa secrets ey\n";
        for size in [
            0, 1, 5, 100, 1023, 1024, 1025, 4099, 65535, 65536, 65537, 200_001,
        ] {
            let text: Vec<u8> = unit.iter().copied().cycle().take(size).collect();
            let mut got = Vec::new();
            kw.for_each_hit(&text, |h| got.push(h));
            let mut want = naive(&words, &text);
            // Same set; order by end (ties in any order).
            let key = |h: &Hit| (h.end, h.keyword);
            got.sort_by_key(key);
            want.sort_by_key(key);
            assert_eq!(got, want, "size {size}");
        }
    }

    #[test]
    fn hits_come_in_end_order() {
        let owned: Vec<String> = ["ab", "b", "abc"].iter().map(|w| w.to_string()).collect();
        let kw = Keywords::new(&owned).unwrap();
        let text = b"abc ".repeat(10_000);
        let mut last = 0;
        kw.for_each_hit(&text, |h| {
            assert!(h.end >= last);
            last = h.end;
        });
    }
}
