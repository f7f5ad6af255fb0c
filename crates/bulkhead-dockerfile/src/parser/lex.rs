//! BuildKit's shell-word processing (`frontend/dockerfile/shell`), reimplemented for the parser's needs:
//! quote removal, escape processing and word splitting, with an empty environment in which every variable
//! is unset and left as written (BuildKit's `SkipUnsetEnv`).
//!
//! Used to find heredoc markers on an instruction line and to decode ENV/LABEL/ARG keys and values.

/// Lexer options (BuildKit's `Lex` fields).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lex {
    pub escape: char,
    /// Keep quote characters in the output.
    pub raw_quotes: bool,
    /// Keep escape tokens in the output.
    pub raw_escapes: bool,
}

/// A word of [`Lex::process`], with the span of input it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexWord {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// The processed string and its words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Processed {
    pub result: String,
    pub words: Vec<LexWord>,
}

impl Lex {
    /// Processes `input` like BuildKit's `ProcessWord`/`ProcessWords` (both results at once).
    pub(crate) fn process(&self, input: &str) -> Result<Processed, String> {
        let mut sw = ShellWord {
            opts: *self,
            raw_escapes: self.raw_escapes,
            src: input,
            pos: 0,
            word_buf: String::new(),
            depth: 0,
        };
        // Go's text/scanner skips a byte-order mark at the very start.
        if input.starts_with('\u{feff}') {
            sw.pos = '\u{feff}'.len_utf8();
        }
        let raw = sw.raw_escapes;
        sw.process_stop_on(None, raw)
            .map(|(result, words)| Processed { result, words })
            .map_err(|e| format!("failed to process {}: {e}", super::words::go_quote(input)))
    }
}

struct ShellWord<'a> {
    opts: Lex,
    raw_escapes: bool,
    src: &'a str,
    pos: usize,
    /// BuildKit shares one word buffer between nested calls (a nested `${...}` resets it); reproduced.
    word_buf: String,
    /// Nesting of `${...}`; bounded so hostile input cannot exhaust the stack.
    depth: usize,
}

/// Deepest `${...${...}}` nesting processed; deeper input is rejected (BuildKit has no limit, but no real
/// Dockerfile comes close).
const MAX_DEPTH: usize = 100;

/// BuildKit's `wordsStruct`: its buffer is the shared [`ShellWord::word_buf`].
struct Words {
    words: Vec<LexWord>,
    in_word: bool,
    start: Option<usize>,
}

impl Words {
    fn add_char(&mut self, buf: &mut String, ch: char, at: usize) {
        if ch.is_whitespace() && self.in_word {
            if !buf.is_empty() {
                self.push(buf, at);
                self.in_word = false;
            }
        } else if !ch.is_whitespace() {
            self.add_raw_char(buf, ch, at);
        }
    }

    fn add_raw_char(&mut self, buf: &mut String, ch: char, at: usize) {
        if self.start.is_none() {
            self.start = Some(at);
        }
        buf.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, buf: &mut String, s: &str, at: usize) {
        for ch in s.chars() {
            self.add_char(buf, ch, at);
        }
    }

    fn add_raw_string(&mut self, buf: &mut String, s: &str, at: usize) {
        if self.start.is_none() {
            self.start = Some(at);
        }
        buf.push_str(s);
        self.in_word = true;
    }

    fn push(&mut self, buf: &mut String, end: usize) {
        let start = self.start.take().unwrap_or(end);
        self.words.push(LexWord {
            text: std::mem::take(buf),
            start,
            end: end.max(start),
        });
    }

    fn get_words(mut self, buf: &mut String, end: usize) -> Vec<LexWord> {
        if !buf.is_empty() {
            self.push(buf, end);
            self.in_word = false;
        }
        self.words
    }
}

impl ShellWord<'_> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<LexWord>), String> {
        let mut result = String::new();
        self.word_buf.clear();
        let mut words = Words {
            words: Vec::new(),
            in_word: false,
            start: None,
        };
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        let out = self.stop_on_loop(stop, &mut result, &mut words);
        self.raw_escapes = saved;
        out?;
        let mut buf = std::mem::take(&mut self.word_buf);
        let words = words.get_words(&mut buf, self.pos);
        self.word_buf = buf;
        Ok((result, words))
    }

    fn stop_on_loop(
        &mut self,
        stop: Option<char>,
        result: &mut String,
        words: &mut Words,
    ) -> Result<(), String> {
        while let Some(ch) = self.peek() {
            let at = self.pos;
            if stop == Some(ch) {
                self.next();
                return Ok(());
            }
            match ch {
                '$' => {
                    let tmp = self.process_dollar()?;
                    result.push_str(&tmp);
                    let mut buf = std::mem::take(&mut self.word_buf);
                    words.add_string(&mut buf, &tmp, at);
                    self.word_buf = buf;
                }
                '\'' | '"' => {
                    let tmp = if ch == '\'' {
                        self.process_single_quote()?
                    } else {
                        self.process_double_quote()?
                    };
                    result.push_str(&tmp);
                    let mut buf = std::mem::take(&mut self.word_buf);
                    words.add_raw_string(&mut buf, &tmp, at);
                    self.word_buf = buf;
                }
                _ => {
                    let mut ch = ch;
                    self.next();
                    let mut buf = std::mem::take(&mut self.word_buf);
                    if ch == self.opts.escape {
                        if self.raw_escapes {
                            words.add_raw_char(&mut buf, ch, at);
                            result.push(ch);
                        }
                        match self.next() {
                            None => {
                                self.word_buf = buf;
                                break;
                            }
                            Some(c) => {
                                ch = c;
                                words.add_raw_char(&mut buf, ch, at);
                            }
                        }
                    } else {
                        words.add_char(&mut buf, ch, at);
                    }
                    self.word_buf = buf;
                    result.push(ch);
                }
            }
        }
        if let Some(stop) = stop {
            return Err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        Ok(())
    }

    fn process_single_quote(&mut self) -> Result<String, String> {
        let mut result = String::new();
        let open = self.next();
        if self.opts.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.next() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    );
                }
                Some('\'') => {
                    if self.opts.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    fn process_double_quote(&mut self) -> Result<String, String> {
        let mut result = String::new();
        let open = self.next();
        if self.opts.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    );
                }
                Some('"') => {
                    self.next();
                    if self.opts.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let v = self.process_dollar()?;
                    result.push_str(&v);
                }
                Some(_) => {
                    let Some(mut ch) = self.next() else { continue };
                    if ch == self.opts.escape {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.opts.escape => {
                                self.next();
                                ch = c;
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    fn process_dollar(&mut self) -> Result<String, String> {
        if self.depth >= MAX_DEPTH {
            return Err("variable substitutions nested too deeply".into());
        }
        self.depth += 1;
        let out = self.process_dollar_inner();
        self.depth -= 1;
        out
    }

    fn process_dollar_inner(&mut self) -> Result<String, String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".into());
            }
            // Every variable is unset here; BuildKit's SkipUnsetEnv leaves it as written.
            return Ok(format!("${name}"));
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            Some(_) => {}
        }
        let name = self.process_name();
        let mut ch = self.next();
        let mut chs = go_rune_string(ch);
        let mut null_is_unset = false;
        match ch {
            Some('}') => Ok(format!("${{{name}}}")),
            Some(':' | '+' | '-' | '?' | '#' | '%') => {
                if ch == Some(':') {
                    null_is_unset = true;
                    ch = self.next();
                    chs.push_str(&go_rune_string(ch));
                }
                let raw = matches!(ch, Some('#' | '%'));
                if null_is_unset && raw {
                    return Err(format!("unsupported modifier ({chs}) in substitution"));
                }
                let word = match self.process_stop_on(Some('}'), raw) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        if self.peek().is_none() {
                            return Err("syntax error: missing '}'".into());
                        }
                        return Err(e);
                    }
                };
                Ok(format!("${{{name}{chs}{word}}}"))
            }
            Some('/') => {
                if self.peek() == Some('/') {
                    self.next();
                }
                let pattern = match self.process_stop_on(Some('/'), true) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        if self.peek().is_none() {
                            return Err("syntax error: missing '/' in ${}".into());
                        }
                        return Err(e);
                    }
                };
                let replacement = match self.process_stop_on(Some('}'), true) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        if self.peek().is_none() {
                            return Err("syntax error: missing '}'".into());
                        }
                        return Err(e);
                    }
                };
                Ok(format!("${{{name}/{pattern}/{replacement}}}"))
            }
            _ => Err(format!("unsupported modifier ({chs}) in substitution")),
        }
    }

    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && is_go_digit(ch) {
                while let Some(c) = self.peek() {
                    if !is_go_digit(c) {
                        break;
                    }
                    self.next();
                    name.push(c);
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                name.push(ch);
                return name;
            }
            if !is_go_letter(ch) && !is_go_digit(ch) && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }
}

/// Go's `string(rune)`, with end of input (`scanner.EOF`, -1) giving U+FFFD.
fn go_rune_string(c: Option<char>) -> String {
    c.unwrap_or('\u{fffd}').to_string()
}

/// Go's `unicode.IsDigit`, approximated beyond ASCII by Rust's numeric property (only the boundary of a
/// `${name}` can differ, and only for exotic characters).
fn is_go_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

/// Go's `unicode.IsLetter`, approximated by Rust's alphabetic property.
fn is_go_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(lex: Lex, s: &str) -> Vec<String> {
        lex.process(s)
            .map(|p| p.words.into_iter().map(|w| w.text).collect())
            .unwrap_or_default()
    }

    const RAW: Lex = Lex {
        escape: '\\',
        raw_quotes: true,
        raw_escapes: true,
    };
    const PLAIN: Lex = Lex {
        escape: '\\',
        raw_quotes: false,
        raw_escapes: false,
    };

    #[test]
    fn raw_line_words() {
        assert_eq!(
            words(RAW, r#"RUN <<"EOF" cat '<<A' \<<B"#),
            vec!["RUN", "<<\"EOF\"", "cat", "'<<A'", "\\<<B"]
        );
        assert!(RAW.process("RUN \"unterminated").is_err());
    }

    #[test]
    fn plain_processing() {
        let p = PLAIN
            .process(r#"a"b c"'d'\ e $X ${Y:-z}"#)
            .unwrap_or_default();
        assert_eq!(p.result, "ab cd e $X ${Y:-z}");
        assert_eq!(
            p.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            vec!["ab cd e", "$X", "${Y:-z}"]
        );
        assert_eq!(
            PLAIN.process(r#""a\"b\nc""#).map(|p| p.result),
            Ok("a\"b\\nc".to_string())
        );
    }

    #[test]
    fn nested_substitution_resets_word_buffer() {
        // BuildKit's shared word buffer loses "abc" here; reproduced.
        assert_eq!(words(PLAIN, "abc${x:-y}def"), vec!["${x:-y}def"]);
    }

    #[test]
    fn errors() {
        assert!(PLAIN.process("${").is_err());
        assert!(PLAIN.process("${}").is_err());
        assert!(PLAIN.process("${a").is_err());
        assert!(PLAIN.process("'a").is_err());
        assert_eq!(
            PLAIN.process("${a/b/c}").map(|p| p.result),
            Ok("${a/b/c}".to_string())
        );
    }
}
