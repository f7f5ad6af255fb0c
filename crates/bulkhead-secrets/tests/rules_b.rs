//! Rule-data tests for the chat, SaaS, payment, AI, generic, configuration-file and database secret
//! rules (SC060–SC129).
//!
//! Each rule is run the way the engine runs it, reduced to the per-rule filters: the keyword gate
//! (per line for `Scope::Line`, on the whole text for `Scope::Text`), the pattern, the `secret` group
//! (or the whole match), the entropy minimum and the rule's own allowlist. Examples must be reported;
//! near misses must be rejected by these filters alone, without the engine's global placeholder list.

use bulkhead_secrets::rule::{Scope, SecretRule};
use bulkhead_secrets::rules;
use regex::Regex;
use std::collections::{HashMap, HashSet};

const FIRST: u32 = 60;
const LAST: u32 = 129;

/// Near misses that only the engine's global placeholder allowlist rejects, as (rule id, near miss).
/// Every entry needs a reason; keep it empty if possible.
const GLOBAL_PLACEHOLDER_ONLY: &[(&str, &str)] = &[];

fn number(id: &str) -> Option<u32> {
    id.strip_prefix("SC")?.parse().ok()
}

fn mine() -> Vec<&'static SecretRule> {
    rules::all()
        .iter()
        .filter(|r| number(r.id).is_some_and(|n| (FIRST..=LAST).contains(&n)))
        .collect()
}

fn entropy(s: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

struct Compiled {
    rule: &'static SecretRule,
    pattern: Regex,
    allow: Vec<Regex>,
}

impl Compiled {
    fn new(rule: &'static SecretRule) -> Compiled {
        let pattern = Regex::new(rule.pattern)
            .unwrap_or_else(|e| panic!("{} pattern does not compile: {e}", rule.id));
        let allow = rule
            .allow
            .iter()
            .map(|a| {
                Regex::new(a)
                    .unwrap_or_else(|e| panic!("{} allow {a:?} does not compile: {e}", rule.id))
            })
            .collect();
        Compiled {
            rule,
            pattern,
            allow,
        }
    }

    fn has_keyword(&self, text: &str) -> bool {
        let lower = text.to_ascii_lowercase();
        self.rule.keywords.iter().any(|k| lower.contains(k))
    }

    /// Every candidate (secret, passes filters) the rule's pattern produces on `text`.
    fn candidates(&self, text: &str) -> Vec<(String, bool)> {
        let units: Vec<&str> = match self.rule.scope {
            Scope::Line => text.lines().filter(|l| self.has_keyword(l)).collect(),
            Scope::Text => {
                if self.has_keyword(text) {
                    vec![text]
                } else {
                    vec![]
                }
            }
        };
        let mut out = Vec::new();
        for unit in units {
            for caps in self.pattern.captures_iter(unit) {
                let m = caps.name("secret").unwrap_or_else(|| caps.get(0).unwrap());
                let secret = m.as_str();
                let entropy_ok = self.rule.entropy.is_none_or(|min| entropy(secret) >= min);
                let allowed = self.allow.iter().any(|a| a.is_match(secret));
                out.push((secret.to_string(), entropy_ok && !allowed));
            }
        }
        out
    }

    fn reported(&self, text: &str) -> Vec<String> {
        self.candidates(text)
            .into_iter()
            .filter(|(_, ok)| *ok)
            .map(|(s, _)| s)
            .collect()
    }
}

fn compiled() -> Vec<Compiled> {
    mine().into_iter().map(Compiled::new).collect()
}

#[test]
fn at_least_55_rules_with_unique_ids_in_range() {
    let rules = mine();
    assert!(
        rules.len() >= 55,
        "only {} rules in SC{FIRST:03}–SC{LAST:03}",
        rules.len()
    );
    let mut ids = HashSet::new();
    for r in &rules {
        assert!(ids.insert(r.id), "duplicate id {}", r.id);
        assert_eq!(r.id.len(), 5, "{}: ids are SC + three digits", r.id);
    }
}

#[test]
fn names_are_unique_kebab_case() {
    let kebab = Regex::new(r"^[a-z0-9]+(?:-[a-z0-9]+)*$").unwrap();
    let mut names = HashSet::new();
    // Unique across every secret rule, not only this range.
    for r in rules::all() {
        assert!(names.insert(r.name), "duplicate rule name {}", r.name);
    }
    for r in mine() {
        assert!(
            kebab.is_match(r.name),
            "{}: name {:?} is not kebab-case",
            r.id,
            r.name
        );
        assert!(!r.title.is_empty(), "{}: empty title", r.id);
        for a in r.aliases {
            assert!(kebab.is_match(a), "{}: alias {a:?} is not kebab-case", r.id);
        }
    }
}

#[test]
fn patterns_and_allowlists_compile() {
    for c in compiled() {
        let names: Vec<_> = c.pattern.capture_names().flatten().collect();
        assert!(
            names.iter().filter(|n| **n == "secret").count() <= 1,
            "{}: more than one `secret` group",
            c.rule.id
        );
    }
}

#[test]
fn keywords_are_lowercase_ascii_and_present_in_examples() {
    for r in mine() {
        assert!(!r.keywords.is_empty(), "{}: no keywords", r.id);
        for k in r.keywords {
            assert!(!k.is_empty(), "{}: empty keyword", r.id);
            assert!(k.is_ascii(), "{}: keyword {k:?} is not ASCII", r.id);
            assert_eq!(
                *k,
                k.to_ascii_lowercase(),
                "{}: keyword {k:?} is not lower-case",
                r.id
            );
        }
        for e in r.examples {
            let lower = e.to_ascii_lowercase();
            assert!(
                r.keywords.iter().any(|k| lower.contains(k)),
                "{}: example contains none of its keywords: {e}",
                r.id
            );
        }
    }
}

#[test]
fn every_rule_has_examples_and_near_misses() {
    for r in mine() {
        assert!(!r.examples.is_empty(), "{}: no examples", r.id);
        assert!(!r.near_misses.is_empty(), "{}: no near misses", r.id);
    }
}

#[test]
fn examples_are_reported() {
    let mut failures = Vec::new();
    for c in compiled() {
        for e in c.rule.examples {
            if c.reported(e).is_empty() {
                failures.push(format!(
                    "{} ({}) misses example {e:?}; candidates: {:?}",
                    c.rule.id,
                    c.rule.name,
                    c.candidates(e)
                        .iter()
                        .map(|(s, _)| format!("{s:?} entropy {:.2}", entropy(s)))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn near_misses_are_rejected() {
    let mut failures = Vec::new();
    for c in compiled() {
        for n in c.rule.near_misses {
            if GLOBAL_PLACEHOLDER_ONLY.contains(&(c.rule.id, *n)) {
                continue;
            }
            let hits = c.reported(n);
            if !hits.is_empty() {
                failures.push(format!(
                    "{} ({}) reports near miss {n:?}: {:?}",
                    c.rule.id,
                    c.rule.name,
                    hits.iter()
                        .map(|s| format!("{s:?} entropy {:.2}", entropy(s)))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Fake secrets in examples must not look like placeholders, or the engine's global allowlist would
/// hide them.
#[test]
fn example_secrets_avoid_global_placeholders() {
    const PLACEHOLDERS: &[&str] = &[
        "changeme", "example", "dummy", "xxxx", "****", "${", "{{", "<", "test",
    ];
    for c in compiled() {
        for e in c.rule.examples {
            for s in c.reported(e) {
                let lower = s.to_ascii_lowercase();
                for p in PLACEHOLDERS {
                    // Stripe test-mode keys carry `test` in their fixed prefix.
                    if *p == "test" && c.rule.name == "stripe-test-key" {
                        continue;
                    }
                    assert!(
                        !lower.contains(p),
                        "{}: example secret {s:?} contains placeholder {p:?}",
                        c.rule.id
                    );
                }
            }
        }
    }
}

#[test]
fn docs_have_the_three_sections() {
    for r in mine() {
        let what = r.doc.find("## What it finds");
        let why = r.doc.find("## Why it matters");
        let fix = r.doc.find("## Fix");
        assert!(
            matches!((what, why, fix), (Some(a), Some(b), Some(c)) if a < b && b < c),
            "{}: doc needs `## What it finds`, `## Why it matters`, `## Fix` in that order",
            r.id
        );
        let fix_text = &r.doc[fix.unwrap()..];
        assert!(fix_text.len() > 80, "{}: the Fix section is too thin", r.id);
    }
}

#[test]
fn generic_rules_have_an_entropy_minimum() {
    for r in mine() {
        let n = number(r.id).unwrap();
        if (109..=129).contains(&n) && r.name != "htpasswd-hash" {
            assert!(
                r.entropy.is_some(),
                "{}: generic-form rules need an entropy minimum",
                r.id
            );
        }
    }
}

/// Realistic benign text (lock files, checksums, CI variables, manifests, minified code) that none of
/// these rules may report.
#[test]
fn benign_corpus_is_quiet() {
    const CORPUS: &[&str] = &[
        // package-lock.json
        r#"    "node_modules/lodash": {
      "version": "4.17.21",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",
      "integrity": "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+5hU8a/n5aUBYtwTUqDGh3XCDTa3I+sE1p4g5vw==",
      "license": "MIT"
    },"#,
        // yarn.lock, go.sum, Cargo.lock, pip hashes
        "lodash@^4.17.21:\n  version \"4.17.21\"\n  resolved \"https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#679591c564c3bffaae8454cf0b3df370c3d6911c\"\n  integrity sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+5hU8a/n5aUBYtwTUqDGh3XCDTa3I+sE1p4g5vw==",
        "golang.org/x/crypto v0.31.0 h1:ihbySMvVjLAeSH1IbfcRTkD/iNscyz8rGzjF/E5hV6U=",
        "[[package]]\nname = \"regex\"\nversion = \"1.11.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"b544ef1b4eac5dc2db33ea63606ae9ffcfac26c1416a2806ae0bf5f56b201191\"",
        "requests==2.32.3 \\\n    --hash=sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6",
        // Dockerfile with references only
        "ARG NPM_TOKEN\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\nENV DB_PASSWORD_FILE=/run/secrets/db_password\nENV API_KEY=${API_KEY}\nRUN echo \"$DOCKER_PASSWORD\" | docker login -u \"$DOCKER_USER\" --password-stdin",
        // Kubernetes manifest
        "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: db-credentials\n        key: password\n  - name: API_TOKEN\n    valueFrom:\n      secretKeyRef: {name: api, key: token}",
        // GitHub Actions
        "      - uses: docker/login-action@v3\n        with:\n          username: ${{ vars.DOCKERHUB_USERNAME }}\n          password: ${{ secrets.DOCKERHUB_TOKEN }}",
        // Compose with interpolation
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?required}\n      DATABASE_URL: postgres://app:${POSTGRES_PASSWORD}@db:5432/app",
        // Minified JS
        r#"!function(e){var t={password:e.password||"",token:e.token||null,apiKey:e.apiKey};e.exports=function(n){return n.secret=n.secret||t.token,n}}(module);"#,
        // Ansible vault
        "db_password: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          62313365396662343061393464336163383764373764613633653634306231386433626436623361\n          6131353934646435636531303338353533353463323036310a",
        // Rails/ERB and Helm templates
        "production:\n  secret_key_base: <%= ENV[\"SECRET_KEY_BASE\"] %>\n  password: {{ .Values.db.password | quote }}",
        // UUIDs, digests, checksums
        "request_id: 123e4567-e89b-42d3-a456-426614174000\nimage: nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31\nsha256: 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
        // Python settings reading the environment
        "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\nDATABASES = {\"default\": {\"PASSWORD\": os.getenv(\"DB_PASSWORD\"), \"HOST\": \"db\"}}\nAPI_TOKEN = config(\"API_TOKEN\", default=None)",
        // HTML forms and i18n
        r#"<input type="password" name="password" placeholder="Password"><label for="api-key">API key</label>"#,
        r#"{"password": "Password", "forgot_password": "Forgot your password?", "token_expired": "Your session token expired"}"#,
        // Shell
        "export PGPASSWORD=\"$(cat /run/secrets/pg)\"\nmysql -u root -p\"$MYSQL_ROOT_PASSWORD\" -e 'select 1'\ncurl -H \"Authorization: Bearer $TOKEN\" https://api.northwind.io",
    ];
    let mut failures = Vec::new();
    for c in compiled() {
        for text in CORPUS {
            for s in c.reported(text) {
                failures.push(format!(
                    "{} ({}) reports {s:?} in benign text",
                    c.rule.id, c.rule.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Prints why each near miss is rejected (`cargo test -- --ignored --nocapture explain`).
#[test]
#[ignore]
fn explain() {
    for c in compiled() {
        for e in c.rule.examples {
            println!("{} EX  {:?}", c.rule.id, c.reported(e));
        }
        for n in c.rule.near_misses {
            let why = if !c.has_keyword(n) {
                "no keyword".to_string()
            } else {
                let cands = c.candidates(n);
                if cands.is_empty() {
                    "no match".to_string()
                } else {
                    cands
                        .iter()
                        .map(|(s, _)| {
                            let e = entropy(s);
                            let allowed = c.allow.iter().any(|a| a.is_match(s));
                            format!("{s:?} entropy {e:.2} allowed {allowed}")
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                }
            };
            println!("{} NM  {why}  <= {n:?}", c.rule.id);
        }
    }
}
