//! Rule-data tests for the chat, SaaS, payment, AI, generic, configuration-file and database secret
//! rules (SC060–SC129), run through the real [`Engine`] with every rule loaded, so keyword prefilter,
//! ASCII regex semantics, entropy, allowlists, the global placeholder list and dedupe against the
//! other rules all apply: every example must be reported *by its own rule*, no near miss may be.

use bulkhead_core::text::shannon_entropy;
use bulkhead_secrets::{Engine, ScanConfig, SecretMatch, SecretRule, rules};
use regex::Regex;
use std::collections::HashSet;

const FIRST: u32 = 60;
const LAST: u32 = 129;

fn number(id: &str) -> Option<u32> {
    id.strip_prefix("SC")
        .filter(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
}

fn mine() -> Vec<&'static SecretRule> {
    rules::all()
        .iter()
        .filter(|r| number(r.id).is_some_and(|n| (FIRST..=LAST).contains(&n)))
        .collect()
}

fn engine() -> &'static Engine {
    Engine::global()
}

/// The matches of one rule in `text`.
fn by_rule(text: &str, rule: &SecretRule) -> Vec<SecretMatch> {
    engine()
        .scan_text(text)
        .into_iter()
        .filter(|m| m.rule.id == rule.id)
        .collect()
}

fn describe(text: &str, matches: &[SecretMatch]) -> String {
    matches
        .iter()
        .map(|m| {
            let s = text.get(m.secret_range.clone()).unwrap_or("?");
            format!("{} {:?} (entropy {:.2})", m.rule.id, s, shannon_entropy(s))
        })
        .collect::<Vec<_>>()
        .join(", ")
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
    }
}

#[test]
fn every_rule_compiles_in_the_engine() {
    let errors: Vec<_> = engine()
        .rule_errors()
        .iter()
        .filter(|(id, _)| number(id).is_some_and(|n| (FIRST..=LAST).contains(&n)))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let loaded: HashSet<&str> = engine().rules().map(|r| r.id).collect();
    for r in mine() {
        assert!(loaded.contains(r.id), "{} is not loaded", r.id);
        // Also with Rust's default (Unicode) semantics, as other tools may read the patterns.
        let re = Regex::new(r.pattern).unwrap_or_else(|e| panic!("{}: {e}", r.id));
        assert!(
            re.capture_names()
                .flatten()
                .filter(|n| *n == "secret")
                .count()
                <= 1,
            "{}: more than one `secret` group",
            r.id
        );
        for a in r.allow {
            Regex::new(a).unwrap_or_else(|e| panic!("{} allow {a:?}: {e}", r.id));
        }
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
fn examples_are_reported_by_their_rule() {
    let mut failures = Vec::new();
    for r in mine() {
        for e in r.examples {
            if by_rule(e, r).is_empty() {
                failures.push(format!(
                    "{} ({}) misses example {e:?}; the engine reports: [{}]",
                    r.id,
                    r.name,
                    describe(e, &engine().scan_text(e))
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn near_misses_are_not_reported_by_their_rule() {
    let mut failures = Vec::new();
    for r in mine() {
        for n in r.near_misses {
            let hits = by_rule(n, r);
            if !hits.is_empty() {
                failures.push(format!(
                    "{} ({}) reports near miss {n:?}: [{}]",
                    r.id,
                    r.name,
                    describe(n, &hits)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The secret is the credential, not the line around it: a reported secret never contains the
/// separator context of a key-value assignment.
#[test]
fn reported_secrets_are_not_whole_lines() {
    for r in mine() {
        for e in r.examples {
            for m in by_rule(e, r) {
                let s = &e[m.secret_range.clone()];
                assert!(
                    s.len() < e.trim().len(),
                    "{}: the secret is the whole example {e:?}",
                    r.id
                );
                assert!(
                    !s.contains("= ") && !s.contains(": ") && !s.contains('\n'),
                    "{}: secret {s:?} carries context",
                    r.id
                );
            }
        }
    }
}

/// Dockerfile `ENV`/`ARG` and compose variables are scanned as `name=value`, secrets reported inside
/// the value.
#[test]
fn variables_are_reported_inside_their_value() {
    let cases: &[(&str, &str, &str)] = &[
        ("DB_PASSWORD", "yU59Fo95X07mVvp%", "SC110"),
        (
            "INTERNAL_API_TOKEN",
            "Q88zxNWtfcbIU3oyG3s6apzxDR91GvVzW1WHLbA6",
            "SC111",
        ),
        ("DD_API_KEY", "b623f30c0d8a2efffb1f2c681d8ed966", "SC074"),
        (
            "TWILIO_AUTH_TOKEN",
            "22e039ff6a79173f2fc3db4e8c55d886",
            "SC069",
        ),
        (
            "DATABASE_URL",
            "postgres://app:Nq7vK2pXz9LmR4tW@db.prod.northwind.internal:5432/app",
            "SC124",
        ),
        (
            "SLACK_BOT_TOKEN",
            "xoxb-995416405086-6543342044271-p2G6pk5VRPb2X30jxIJAdvZ2",
            "SC060",
        ),
        (
            "STRIPE_SECRET_KEY",
            "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",
            "SC090",
        ),
    ];
    for (name, value, id) in cases {
        let found = engine().scan_value(Some(name), value);
        let m = found
            .iter()
            .find(|m| m.rule.id == *id)
            .unwrap_or_else(|| panic!("{id} misses {name}={value}: [{}]", describe(value, &found)));
        assert!(m.secret_range.end <= value.len());
    }
    for (name, value) in [
        ("DB_PASSWORD", "${DB_PASSWORD}"),
        ("DB_PASSWORD_FILE", "/run/secrets/db_password"),
        ("API_TOKEN", "$API_TOKEN"),
    ] {
        let found = engine().scan_value(Some(name), value);
        assert!(
            found
                .iter()
                .all(|m| number(m.rule.id).is_none_or(|n| !(FIRST..=LAST).contains(&n))),
            "{name}={value}: [{}]",
            describe(value, &found)
        );
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
    for text in CORPUS {
        for m in engine().scan_text(text) {
            if number(m.rule.id).is_some_and(|n| (FIRST..=LAST).contains(&n)) {
                failures.push(format!(
                    "{} ({}) reports {:?} in benign text",
                    m.rule.id,
                    m.rule.name,
                    &text[m.secret_range.clone()]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Prints what the engine reports for every example and near miss
/// (`cargo test -p bulkhead-secrets --test rules_b -- --ignored --nocapture explain`).
#[test]
#[ignore]
fn explain() {
    let _ = ScanConfig::default();
    for r in mine() {
        for e in r.examples {
            println!(
                "{} EX  [{}]  <= {e:?}",
                r.id,
                describe(e, &engine().scan_text(e))
            );
        }
        for n in r.near_misses {
            println!(
                "{} NM  [{}]  <= {n:?}",
                r.id,
                describe(n, &engine().scan_text(n))
            );
        }
    }
}

/// Rules SC001–SC059 whose examples these rules still take over in dedupe, with the reason.
const TAKEN_OVER: &[(&str, &str)] = &[];

/// A self-identifying or more general rule from this range must not take an example away from a
/// rule of SC001–SC059 in dedupe (the engine keeps one match per secret).
#[test]
fn examples_of_other_rules_are_not_taken_over() {
    let mut failures = Vec::new();
    for r in rules::all()
        .iter()
        .filter(|r| number(r.id).is_some_and(|n| n < FIRST))
    {
        if TAKEN_OVER.iter().any(|(id, _)| *id == r.id) {
            continue;
        }
        for e in r.examples {
            let all = engine().scan_text(e);
            if all.iter().any(|m| m.rule.id == r.id) {
                continue;
            }
            let mine: Vec<_> = all
                .into_iter()
                .filter(|m| number(m.rule.id).is_some_and(|n| (FIRST..=LAST).contains(&n)))
                .collect();
            if !mine.is_empty() {
                failures.push(format!(
                    "{} example {e:?} is reported as [{}]",
                    r.id,
                    describe(e, &mine)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    // Each listed exception still happens; drop it from the list once it no longer does.
    for (id, why) in TAKEN_OVER {
        let r = rules::all()
            .iter()
            .find(|r| r.id == *id)
            .expect("listed rule exists");
        let still = r.examples.iter().any(|e| {
            let all = engine().scan_text(e);
            !all.iter().any(|m| m.rule.id == r.id)
                && all
                    .iter()
                    .any(|m| number(m.rule.id).is_some_and(|n| (FIRST..=LAST).contains(&n)))
        });
        assert!(
            still,
            "{id} is no longer taken over ({why}): remove it from TAKEN_OVER"
        );
    }
}
