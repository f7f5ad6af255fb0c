//! Secret rules: private keys. PEM blocks (PKCS#1, SEC1, PKCS#8, OpenSSH, PGP), PuTTY `.ppk` files, age
//! identities, and PEM keys wrapped in base64 (Kubernetes secrets, kubeconfigs, CI variables).
//!
//! Every PEM rule needs a base64 body after the header, so a lone `-----BEGIN ... PRIVATE KEY-----` line (a
//! parser looking for it, a truncated paste) is not reported. The body may be split by real newlines or by
//! escaped `\n` sequences (a key stored in JSON, an env file or a YAML string). Encrypted keys (PKCS#8
//! `ENCRYPTED PRIVATE KEY`, legacy `Proc-Type: 4,ENCRYPTED`, OpenSSH keys with a cipher, encrypted PuTTY files)
//! are left to one lower-severity rule, so the unencrypted-key rules say exactly what they find.

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

/// Allowlist entry shared by rules SC001-SC059: a secret holding eight ascending letters or digits in a row
/// (`abcdefgh`, `12345678`) is a hand-typed placeholder (`ghp_abcdef...`, `AIzaSyabcdefghij...`), since a random
/// token has one with negligible probability.
pub(crate) const ASCENDING_RUN: &str = r"(?i)abcdefgh|bcdefghi|cdefghij|ijklmnop|mnopqrst|qrstuvwx|stuvwxyz|01234567|12345678|23456789";

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC001",
        name: "rsa-private-key",
        title: "RSA private key (PKCS#1 PEM)",
        severity: Severity::Critical,
        keywords: &["begin rsa private key"],
        pattern: r"-----BEGIN RSA PRIVATE KEY-----(?:\\[rn]|\s)*(?P<secret>[A-Za-z0-9+/][A-Za-z0-9+/=\s\\]{63,})",
        scope: Scope::Text,
        entropy: Some(4.5),
        validate: None,
        allow: &[ASCENDING_RUN],
        aliases: &["private-key"],
        examples: &[
            "-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEABabrlNUCaUtb+F3J51VqdmVuj59QI2lCVNfiElPPDAdhiJKI
TofuabAyAFZ+cMRZ8uQJenIIjV0eFX7DUb3CQRJtaZy+Ft/kn3AmRWlOJLY0Xn9C
m7rv19hsOpN6nHo2xQAokkP0Y3NmagKkuixo2R/+O1Lqj8IgM5mANIZgAH7SBHgr
0nej6fifYlEeHoQXeW0j4J1F6kLu6y/oif1GcCNlFxi79D3VHQdmuHygIY8w2lY+
9YKHnp9+PH35+TKEOaV0RJutO5teRn/GulVsK0FpJw1vM2CC2TAVUKijpnS66bBe
-----END RSA PRIVATE KEY-----",
            r#"DEPLOY_KEY="-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEARnAUxAF6V8WumJVzWKpLEubEmlOzc4Dyi5srhyJr2Fh75UL+\nSexw6x2oXKyBqduUMIbMNOSBzO7Ve8teesh/aJUQlo7a+v5DE9LDhADFMIzSWZBn\nteciY1FQ9bd7mpz8tWrDZErI8w5q4mcMHdUJxVHJXJ0x1rkmKjXJ9sZMAyskN07u\nhvYMJSPy3atyttOoOB2WRIIAdV7KPYJOJvot+RoHAUaw+ork8g6Dcovq7n/C5SZu\n-----END RSA PRIVATE KEY-----\n""#,
            "tls:
  key: |
    -----BEGIN RSA PRIVATE KEY-----
    MIIJKAIBAAKCAgEAjC+atuFeCTuKi9l+nSBjHIaweNpsl1syyG+n4DCy3XFR1IgZ
    8wTa222Wxv03zhUv+0FZWtcEs/TTQDW/JF7LA3HM4xItZcxruyUUBrhlRMMXEWCd
    Dht2LzpyKMAwSp3Kpu1cynvmUh5r25ObtTKzTQS3xL2QLfWXWV89qEH1a1pwH2pK
    -----END RSA PRIVATE KEY-----",
        ],
        near_misses: &[
            "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
            "if line.starts_with(\"-----BEGIN RSA PRIVATE KEY-----\") { return Kind::Rsa; }",
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,2F542F0C2895F4EF7BA6871DF1E699E8\n\n8hvi2oQH1+zXQiunKTkutm4WkQ2k6yFUZpxVKL1BBKM6yt7mtOs+uSJZ7sb/KGgl
n23aCzE3TS/HWjQbsnF4a+n14UuoJrW8QAh6JTj3LJQpg7aPKmNHQiXClYaGhAl2
h8bepFpEdiKXWl8GQ/uDbrWlWmeXwE9nmcWJxQJnGRuKLNaEZgFrusZAfW21WRB8\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAzQ8mrnGN5MUMzamUNCt1VQxR6NfKiIDF+cI3GyhTexCh725J\nuxzDvXpKezhMpaYUmWYg7gCXcoaUJgBFe0CH/JNOR/NJHmir1BGjpbkbDR2FfXGl
KaQPwMYU6SALIfhRPybs74PRoM0IRqXCM4RBaVWnc1ZjE/nIxIOzqOYys6bYEDur
r008QOF2l8Oq4QBAzl5Ok1Iw5A7HyQrP1WEhYSAkgEOVVL7CQ/kc4TqXHg9eZFvW\n-----END RSA PUBLIC KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END RSA PRIVATE KEY-----",
        ],
        doc: "## What it finds
An RSA private key in the traditional OpenSSL (PKCS#1) PEM form, `-----BEGIN RSA PRIVATE KEY-----` followed by a
base64 body, with real or escaped (`\\n`) line breaks. Keys protected with `Proc-Type: 4,ENCRYPTED` are reported
by `encrypted-private-key` instead.

## Why it matters
Whoever holds the file can impersonate its owner: decrypt TLS traffic or serve a look-alike site, log in over SSH,
sign JWTs, commits or releases. Anything baked into an image layer is readable by everyone who can pull it, even
if a later layer deletes the file.

## Fix
Treat the key as compromised: generate a new key pair, replace the public half where it is trusted (certificate
authority, `authorized_keys`, deploy-key settings, JWKS) and revoke the old certificate with its CA. Then delete the
key from the source and image history, and give it to the container at run time as a mounted secret
(`docker run --mount type=secret`, a Kubernetes `Secret` volume, a cloud secret manager) or, during a build, with
`RUN --mount=type=secret`.",
    },
    SecretRule {
        id: "SC002",
        name: "dsa-private-key",
        title: "DSA private key (OpenSSL PEM)",
        severity: Severity::Critical,
        keywords: &["begin dsa private key"],
        pattern: r"-----BEGIN DSA PRIVATE KEY-----(?:\\[rn]|\s)*(?P<secret>[A-Za-z0-9+/][A-Za-z0-9+/=\s\\]{63,})",
        scope: Scope::Text,
        entropy: Some(4.5),
        validate: None,
        allow: &[ASCENDING_RUN],
        aliases: &["private-key"],
        examples: &[
            "-----BEGIN DSA PRIVATE KEY-----
MIIBuwIBAAKBgQDyAnlXK00lJKYxOrPiBOZR9A+YEYG1R1MAaTVqN0tDjOOYoRhE
zFONj5WRWGqfGhrilen6tt+0Xe+Bzux3WtguPIXvuaYTWvnK0XTdT5ZNgDKvgP9b
3ZKbf5KyHVZGrEGCIa04dhaJYoMAVAfofu5A/v6mB8B7Z2mR15mdmWJzA7emxWvU
Sml8D4tgB0oZQWC8AMAPl7I4XCMIvCgJRFe7Mdy877IeW2u52MjF0XJ+RsRg3Ez0
-----END DSA PRIVATE KEY-----",
            r#"{"host_key": "-----BEGIN DSA PRIVATE KEY-----\nMIIBvAIBAAKBgQCk+LfiTJLPchW86ksus0W6K1mnWKBEQAReV4AZQLHKiL3rBwbA\n6B/OJrtd5zJXHJ63JxJwQic9hKZm3/gUfa4Fls7mJC5deUM8pEFI0PikfAT0mzM/\n+ufvd3IJI0vmhZEVUbncW6fK8kEKkcfc6W7J0xKnar3cpF5LzUp+C1N3/dYEVvo2\n-----END DSA PRIVATE KEY-----"}"#,
        ],
        near_misses: &[
            "-----BEGIN DSA PRIVATE KEY-----\n-----END DSA PRIVATE KEY-----",
            "grep -l 'BEGIN DSA PRIVATE KEY' /etc/ssh/*",
            "-----BEGIN DSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,B140A473D776411B\n\nfNbYQfez1rmIVQw8o02DKkzVAsvjYrlzwB2jaxQRFIvtv9GeISyPuEAwdBE+UBCE
/rcdtU31F441RFC7VOXytJCFVVSJQy1RcIVczxptKNi/7ixFzgCyal809ibb8VW3\n-----END DSA PRIVATE KEY-----",
            "-----BEGIN DSA PARAMETERS-----\nMIIBHgKBgQFJZDttwdFkc9jd0TmnzJJN1z4liGaH7jsbauw9aPZjci9f5SkM4wxR\nPbloIJTMGr/5B/cC9VuWmMOYDS/ZR1zHQGE+wqXCE7GqvL9dE+msDdNuS0Yx/1sb
n/SsUkjPxC50At+08FFajOmATtmHw3d5qm9NkDpS4sbbaDEeQAlUSFfcW38Taoar\n-----END DSA PARAMETERS-----",
        ],
        doc: "## What it finds
A DSA private key in OpenSSL's PEM form (`-----BEGIN DSA PRIVATE KEY-----` and a base64 body), typically an old SSH
host or user key. Encrypted ones are reported by `encrypted-private-key`.

## Why it matters
The key signs as its owner: an SSH host key lets an attacker impersonate the server, a user key lets them log in.
DSA is also deprecated (OpenSSH disabled `ssh-dss` by default in 7.0), so finding one usually means an old,
forgotten and still-trusted credential.

## Fix
Remove the public key from every `authorized_keys`/`known_hosts` and deploy-key list that trusts it, and replace it
with a new Ed25519 or ECDSA key. Then delete the file from the source and the image history, and mount keys at run
time (`docker run --mount type=secret`, a Kubernetes `Secret` volume) or during builds with
`RUN --mount=type=ssh`.",
    },
    SecretRule {
        id: "SC003",
        name: "ec-private-key",
        title: "EC private key (SEC1 PEM)",
        severity: Severity::Critical,
        keywords: &["begin ec private key"],
        pattern: r"-----BEGIN EC PRIVATE KEY-----(?:\\[rn]|\s)*(?P<secret>[A-Za-z0-9+/][A-Za-z0-9+/=\s\\]{63,})",
        scope: Scope::Text,
        entropy: Some(4.5),
        validate: None,
        allow: &[ASCENDING_RUN],
        aliases: &["private-key"],
        examples: &[
            "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIZwtR86iJftU1IYS7DvXQAmclmD0ZTIPi/jUknZbVorSZCCUXksV2e/Q
xxcyhJJOmL6ONWo+WMBrOXFgUgcEANX2qJ46otGixVaHpyIketanXpnQMOEQli/K
RVn+abvYWwcJkBmoQtdKVvgnSuhnRJM0f+Z1==
-----END EC PRIVATE KEY-----",
            r#"JWT_SIGNING_KEY='-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI+tqkD+Y8BKKKfiKxaPxqRu6Yo8lohE6w2wxqP/oiFQmhFM0rFF/5pgY\nmpUb+Zc5w7jdRIbASDazNML9mE9h9JTbvL+X75uZ7psA501FEG7f2Bx1L9WhrZJE\nIOd10dmIDrGcan0zQpaUX5WggKMCeP5eeqsG==\n-----END EC PRIVATE KEY-----'"#,
        ],
        near_misses: &[
            "-----BEGIN EC PRIVATE KEY-----\n<paste your key here>\n-----END EC PRIVATE KEY-----",
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----",
            "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,1055EE46E7BF32047DB3A06C564AC7FC\n\ndRy2YkHRq8m2yR4Aee6DH7+GNbAjWmQeatAiO2kxov9PtKWBpOfbs5pdGxvhCc8U
SJdr0eL3fPSRI47UzFHrM0SdgZxKUvV6/3yy6i59HFhuFwIJ3WEjQTddUZ3ELwV/
G4852BvswMH2v6rcbXuTM3DYH7teJwo+GQ3qbvP5OrCsFpBYPFqlx46UwjqHPeVr\n-----END EC PRIVATE KEY-----",
            "const EC_HEADER: &str = \"-----BEGIN EC PRIVATE KEY-----\";",
        ],
        doc: "## What it finds
An elliptic-curve private key in OpenSSL's SEC1 PEM form (`-----BEGIN EC PRIVATE KEY-----` and a base64 body):
TLS keys, ES256 JWT signing keys, Apple/Firebase signing keys exported with OpenSSL. Encrypted ones are reported by
`encrypted-private-key`.

## Why it matters
The key lets its holder sign tokens your services accept, terminate TLS as your domain or decrypt captured
sessions. Once in an image layer it is readable by anyone who can pull the image.

## Fix
Generate a new key, publish the new public key (certificate, JWKS endpoint, provider console) and revoke the old
certificate or key id there. Then remove the key from the source and image history, and provide it at run time as a
mounted secret (`docker run --mount type=secret`, a Kubernetes `Secret` volume, a secret manager), or during a build
with `RUN --mount=type=secret`.",
    },
    SecretRule {
        id: "SC004",
        name: "openssh-private-key",
        title: "OpenSSH private key (unencrypted)",
        severity: Severity::Critical,
        keywords: &["begin openssh private key"],
        pattern: r"-----BEGIN OPENSSH PRIVATE KEY-----(?:\\[rn]|\s)*(?P<secret>[A-Za-z0-9+/][A-Za-z0-9+/=\s\\]{40,})",
        scope: Scope::Text,
        entropy: Some(4.5),
        validate: Some(crate::validate::openssh_unencrypted),
        allow: &[ASCENDING_RUN],
        aliases: &["private-key"],
        examples: &[
            "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACB727oiqyngIFDxWAbWwSLtXF7bx7xk+KjLTVsOciKnEUbTTTWUYnZ4P0fnP
5NjpoWgbPgo1VUvWflMwNOj5CiEuVpe/oE/zcLXDI5lYmdRWsjbcLUwWYVY+Q2y/vl9xCo
RfEXHtYY+zpzgXTEPfvA2rIKTTY8KC9j5vEZwE7jcBOUzAB6l3drK2URYxMGoOzQEOg9Of
10ChpxQVWAQkEcOWXiN9U/J2osk8zx=
-----END OPENSSH PRIVATE KEY-----",
            r#"RUN mkdir -p /root/.ssh && printf '%s' "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBTmPNTGr1ZkoJfOWvLAaUNiBWWMObEjTrSc6FZeIrf6wXolnykHEeCtHhYP\nhWZu6IDAQjjmIGJqVbMpd8uH0jjMcf47dnx02hD62GOYszQHeZStNbtIkhOZ7qawD+WCZ7\n-----END OPENSSH PRIVATE KEY-----" > /root/.ssh/id_ed25519"#,
            // A key pasted into JSON with `\n` escapes, its body cut after the header block.
            r#"{"deploy_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nQyNTUxOQAAACBTmPNTGr1ZkoJfOWvLAaUNiBWWMObEjTrSc6FZeIrf6wXolnykHEeCtHhYP\n-----END OPENSSH PRIVATE KEY-----"}"#,
        ],
        near_misses: &[
            "-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI6gbMx6NuXlt0h48i8nyO41bnDOQvYjEFuxIO87L8QzQ builder@ci",
            "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABBHUnD4NC
0jsAg+X1WYR1eJaWAiW/E76ynjQt7DAjY5w+UAienpOTsdHi8vKzYPrMIblniPhMsLewIt
jr8WBLJVhvSCPYt7IOjIlEahCfzeA8DmLhG5x/76QltbsFi9FDcnEVjSXTY+CJcDV/pIsq
-----END OPENSSH PRIVATE KEY-----",
            "head -n1 ~/.ssh/id_ed25519 | grep -q 'BEGIN OPENSSH PRIVATE KEY'",
        ],
        doc: "## What it finds
An OpenSSH-format private key (`-----BEGIN OPENSSH PRIVATE KEY-----`) whose body says it is not encrypted (cipher
`none`): the default output of `ssh-keygen` without a passphrase, i.e. `id_ed25519`, `id_rsa`, `id_ecdsa` files and
deploy keys, also inside JSON/YAML strings with `\\n` escapes. A body that does not start with the format's magic
(`b3BlbnNzaC1rZXktdjE…`, a key cut or pasted in part) is still reported. Passphrase-protected OpenSSH keys are
reported by `encrypted-private-key`.

## Why it matters
An unencrypted SSH key is a ready-to-use login: to servers that list its public half in `authorized_keys`, and to Git
hosts where it is a user or deploy key (read, often write, access to repositories). Keys copied into an image for
`git clone` during the build stay in the layer even if a later step deletes them.

## Fix
Remove the public key where it is trusted (`authorized_keys` on servers, GitHub/GitLab/Bitbucket SSH and deploy key
settings) and create a new key. Delete the key from the source and rebuild without it; for builds use
`RUN --mount=type=ssh` (BuildKit SSH forwarding) so the key never enters a layer, and at run time mount it as a
secret.",
    },
    SecretRule {
        id: "SC005",
        name: "pkcs8-private-key",
        title: "Private key (PKCS#8 PEM)",
        severity: Severity::Critical,
        keywords: &["begin private key"],
        pattern: r"-----BEGIN PRIVATE KEY-----(?:\\[rn]|\s)*(?P<secret>[A-Za-z0-9+/][A-Za-z0-9+/=\s\\]{59,})",
        scope: Scope::Text,
        entropy: Some(4.5),
        validate: None,
        allow: &[ASCENDING_RUN],
        aliases: &["private-key"],
        examples: &[
            "-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQcSG5rgOTTWAQIg
pakYHS3WxWQcg33Tz4wkLXECBMHTLXjRvim023a3VKT+9U6K9l9ahNTTeNTuZI76
qhjXB6O3ysLirfHkA5Yo16vhuG4PWmhHHs9wET7k56OcGVJhJKv3tVbL64Y/uxqm
pQ+3LDfBAgIs7JPn/xvfmSOzr9k02xfjH4tSQKz3l4cf8SqO0bU9CFqqxzQ7cJaa
kr3whT+RVWdqPVBfGJmxG+ZkQcvMzM3HgFlVQ0VzVZKU5BkG53+qTfHd3rV0oVeF
-----END PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIatTJ5/Rj5EOgUINeQjKuU0Y8HyfrIhhvPSNXFLK0vv=
-----END PRIVATE KEY-----",
            r#"  "signingKey": "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZMBupqixuShfhciy\nKmRO4rRj8qSuxU6Qu0nGNDSkClnBJjKRY3mZiB9l1/3VEDGH7RG8EDDhYL79cuyE\nGF9WeuGc8JhTor6UPV55s1UH\n-----END PRIVATE KEY-----\n","#,
        ],
        near_misses: &[
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAWFhafmPk8B0yezMSF0lz\n26emqS0cjbiyaDN5nHFb+CKhgF8lzsIZxq1KIjC8UfYUAiTWQNzE/oc3Uh7WsPFE
48qRBHcCUFhJH4Shr1plErKDvtRk3rXbj8h5tzJEzEx/d5ydpmYc3IxKBl9JtWJn
ZZqS8nGl9W9Zx5eA/3R8y/U098DGWnhVUmcGKvEPPuRWl6ZL7b9GWXICgSM7C1BS\n-----END PUBLIC KEY-----",
            "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEJA/ld7nyMbF+4nhS6VhAjfuiVGYbIyL0DfOh9t5ZKMG8\nb+4zU8AAg6AYSFLpP5dM3qT/9JCDKkEs+XrInmyFYBWAFePc0zlHPnfAIPzHTUih
XM1QSnV1cn8DUOYbTCikvOhEqjLzk6mYJP1+aD1y1oD3/FuVkF1KfOszewKGAQQi
i8TbZqKJG29JunIKYyvj4nOdWzZF7+34p+l6Df6+G6p5PF74G0B8GVo8T+wtI5FJ
dJGIYtiOBicfcExbbnx2IGf8Gmmc3pBaUeMD7bqKQzY6Ri4a3a4CU7l/oJAhWg5c\n-----END CERTIFICATE-----",
            "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----\n${TLS_KEY}\n-----END PRIVATE KEY-----",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI8Q0f7uIjEcyxdl22\nlrmSIJ/+fKO1XkS4YkGWoq8uJqlHjPNN6AzmCnwTP5NqcxoBWWLV5P8C0NFGBhxW
WPwLHZ+2YD6u+TXONcpmq++untcmKa/QHRDiC+CGD20rHN+Oi9crk370HIFFWmiR
XfvfjYzGNfjvZuO4Dw0u8j95Yjet/t8MVfaq61/iJBsjWBUscIZ1R5sDMuW2WgNl\n-----END ENCRYPTED PRIVATE KEY-----",
        ],
        doc: "## What it finds
A private key in the algorithm-neutral PKCS#8 PEM form, `-----BEGIN PRIVATE KEY-----` with a base64 body: what
`openssl genpkey`, Java/Go/Node tooling and most cloud consoles export (RSA, EC and Ed25519 alike), including keys
embedded in JSON or env files with escaped `\\n` line breaks. Encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`) is reported
by `encrypted-private-key`; public keys and certificates are not reported.

## Why it matters
The key proves identity for whatever trusts its public half: a TLS certificate, a signing key for tokens or
packages, a service-account or app credential. Anyone who pulls the image gets a working copy.

## Fix
Rotate at the issuer: create a new key, reissue the certificate or upload the new public key (provider console,
JWKS, app settings) and revoke the old certificate or key id. Remove the key from the source and image history,
then deliver it at run time as a mounted secret (`docker run --mount type=secret`, a Kubernetes `Secret` volume, a
secret manager) or during builds with `RUN --mount=type=secret`.",
    },
    SecretRule {
        id: "SC006",
        name: "encrypted-private-key",
        title: "Passphrase-protected private key",
        severity: Severity::High,
        keywords: &[
            "begin encrypted private key",
            "proc-type",
            "begin openssh private key",
            "putty-user-key-file-",
        ],
        pattern: r"(?:-----BEGIN ENCRYPTED PRIVATE KEY-----|-----BEGIN (?:RSA|DSA|EC) PRIVATE KEY-----(?:\\[rn]|\s)*Proc-Type: ?4,ENCRYPTED(?:\\[rn]|\s)*DEK-Info: ?[A-Za-z0-9-]+,[0-9A-Fa-f]+|-----BEGIN OPENSSH PRIVATE KEY-----(?:\\[rn]|\s)*b3BlbnNzaC1rZXktdjEAAAAA(?:[AC-Za-z0-9+/][A-Za-z0-9+/]{3}|B[A-FH-Za-z0-9+/][A-Za-z0-9+/]{2}|BG[A-Za-z0-46-9+/][A-Za-z0-9+/]|BG5[A-Za-uw-z0-9+/])|PuTTY-User-Key-File-[23]: [^\r\n]+\r?\nEncryption: aes256-cbc\r?\nComment: [^\r\n]*\r?\nPublic-Lines: \d+\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+(?:[A-Za-z0-9-]+: [^\r\n]*\r?\n)*Private-Lines: \d+\r?\n)(?:\\[rn]|\s)*(?P<secret>[A-Za-z0-9+/][A-Za-z0-9+/=\s\\]{40,})",
        scope: Scope::Text,
        entropy: Some(4.5),
        validate: None,
        allow: &[ASCENDING_RUN],
        aliases: &["private-key"],
        examples: &[
            "-----BEGIN ENCRYPTED PRIVATE KEY-----
MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQInc945s7Wt/2hRmKX
VZtTAtBY0j/22TcvpsOLSKGn9a8rupLSEsqrOkNxS0CRrFoOWO5IA7C2xv7OU9pL
nSvdxvjAFqRwS03dsy1afMQmjhy6AFl5vqGYPjWzWS2qHwZf6/W8rR35jX3E9s7d
M0YL2yYFs+9GN8zIHPusI/D+emlaOOvB4+qKcOF8pzC/1S6MYuIcxH4XvO5wnINR
Ij0WGhnKRTpGcqa3G2RlB1DzcaAhESEeKeGD1Xa7nCee7OMJe7MsT6xA3YYYg2Z7
-----END ENCRYPTED PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----
Proc-Type: 4,ENCRYPTED
DEK-Info: AES-128-CBC,D0EFA52485A540E02F384A8287137261

lS7uHWjugav4yiw/sZeDYOsSPL3dLCbhqNIhi1Ay5oGsiAq+ge4Qk2zKNoImteEA
o+Clc+UdkzmdJZ0rfWAgWzMO1QRnbiHbvt8QUSMLZHxDjWmnug+NaGMa9m+WNfOz
QEAW61Btbs3zfEI0rckj2pnXWT4d111n+ac77qXFZkF5B5ZQ0jo4/JC2A+m9d7wW
pgbun0byVkbuO825rNbNh9cl+CA5DRQ659d+EAIpIqOjCsIHr0FcElNPrrx1F9T6
-----END RSA PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABB2CYONRE
QFcI48OMXCH2rcGnjD+8I5ibH5o3Zf6JBXt9pH7P3wporBThQ1ZXr11v8CfH9ndJZaima9
JVQcLEym/xJg3j1MWBkH0A7/IhUBzX+bUWylStFfqoNeHb+v9obnZ4AlBOpdMUm09Q6jt/
-----END OPENSSH PRIVATE KEY-----",
            "PuTTY-User-Key-File-3: ssh-ed25519
Encryption: aes256-cbc
Comment: deploy@build
Public-Lines: 2
AAAAC3NzaC1lZDI1NTE5AAAAIb95S3AQl5itnQpZUSXydI2DXmrkkOfOIF0KKuBZ
674Y
Key-Derivation: Argon2id
Argon2-Memory: 8192
Argon2-Passes: 21
Argon2-Parallelism: 1
Argon2-Salt: 532540f5d855c68cb559dff8fd7c7caa
Private-Lines: 1
SzgxE97suuQka0dEJAED82XKmgTUUCQ5APOHyhKzAUhqbQ+SNe7aOYL2h3lM/7dv
Private-MAC: 7170d61efe9a096db70663d4a511af943b8b8f9de3ced2f7d5462a74c9707fe0",
        ],
        near_misses: &[
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\n-----END ENCRYPTED PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBBdjRH9BVD3mxP+YPLYR+9i3xuVCbFJFZPva8M263lLIwC4fEkwJ2Xc9BJY\n-----END OPENSSH PRIVATE KEY-----",
            "openssl pkcs8 -topk8 -v2 aes256 -in key.pem -out key.enc.pem  # writes -----BEGIN ENCRYPTED PRIVATE KEY-----",
            "Proc-Type: 4,ENCRYPTED",
        ],
        doc: "## What it finds
A private key protected by a passphrase: PKCS#8 `-----BEGIN ENCRYPTED PRIVATE KEY-----`, legacy OpenSSL PEM with
`Proc-Type: 4,ENCRYPTED`, an OpenSSH key whose body names a cipher (anything but `none`), or a PuTTY `.ppk` file with
`Encryption: aes256-cbc`. A body is required; a header alone is not reported.

## Why it matters
The passphrase is the only thing left between the attacker and the key, and it is often weak or stored next to the
key (an env var, a build argument, the same repository). Encrypted keys can be brute-forced offline without any rate
limit, so severity is high rather than critical, but the key should still be treated as exposed.

## Fix
Rotate the key where it is trusted (certificate authority, `authorized_keys`, Git host SSH/deploy keys, signing key
registries) and change the passphrase habit that shipped it. Remove the file and its passphrase from the source and
image history; mount both at run time as secrets (`docker run --mount type=secret`, Kubernetes `Secret`), or use
`RUN --mount=type=secret`/`--mount=type=ssh` during builds.",
    },
    SecretRule {
        id: "SC007",
        name: "pgp-private-key-block",
        title: "PGP private key block",
        severity: Severity::Critical,
        keywords: &["begin pgp private key block"],
        pattern: r"-----BEGIN PGP PRIVATE KEY BLOCK-----(?:(?:\\[rn]|\s)*[A-Za-z][A-Za-z-]*: [^\r\n\\]*)*(?:\\[rn]|\s)*(?P<secret>[A-Za-z0-9+/][A-Za-z0-9+/=\s\\]{63,})",
        scope: Scope::Text,
        entropy: Some(4.5),
        validate: None,
        allow: &[ASCENDING_RUN],
        aliases: &["private-key"],
        examples: &[
            "-----BEGIN PGP PRIVATE KEY BLOCK-----
Comment: release signing key

lQVYBGYDFFGl/E0ClE9nTdQbgOi1LSJcl7hJTrY0BVlDjVFOkbA5ZIoSOKahtKfq
+Zg6GknigQDnRWY8wM6q1mxBlAB3H2LRU546wHbojUOS9Ovfpq1F2OU+h3Bdx537
NbHBbJFOdb2sd5u/W1QpzFp70Xznm0Bg8d9fJUo0+CAmXlQ+mBxf00PMyEtqdfXS
nbEIeu/8c3ik7Ps+IfeZjMnnSVF2p1a5j6IMzK0QEgE3H0vMsO4u3F5WrIz0f7+t
SsUn+UVWGvVlo7XH2NW2WVA2y6QWsbuLLfmE8V66agWvua22nEt3BSFH9KD2q6uo
=0ntS
-----END PGP PRIVATE KEY BLOCK-----",
            r#"GPG_SIGNING_KEY="-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQdGBGX2V0ldTjcGlYvX6xUzCcUrmnshjcygVyx7Z1tmyyUSvRL1OfxpMpM61KyA\nOydG8MLj2en8SbxhOELwxRfL41jTQVC7DRHuKANZ24LRagXZKO82bNHs0Ug6f9rd\nF45azZ5CqWOWG+YJVY1OjLplRQDYRSomA/VteLdmFfnesW5Pb7tLhT2dWSgQ5QBJ\n-----END PGP PRIVATE KEY BLOCK-----""#,
        ],
        near_misses: &[
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGY0zx9BQTiDB/wkVUhpCIQc3WzOmrST8OTZcMQkvWyocM5DGnqQ4OpPQrnb\n+9gyoBqbALyTyY+bLfmWh8aKN3Nqf32ft7whT/St+tY87aaNwO7dslXVmyTZQ0dU
F7/DVvgnig+07uoj3Q+XEPqm4t/T1uxSqt8FLaLKeEOU8eE0zE0TtN3YiNOYoSl8
n+9xgBn/TYTYAZIJ3t9K5kL/Qnlvb8tz8jkQGShWCjMbIT0sdnYxOmbIZz223DB3\n-----END PGP PUBLIC KEY BLOCK-----",
            "-----BEGIN PGP SIGNATURE-----\n\niQIzBAABCAAdFiEE6AIZ603suH/nNU5DIruGOugcTrYZ/sLiyDiyE3FuOp5LYwnN\nqcb/ZO3AL0DHKDrI252kHMa6VbVswJAI4usDzboXsDsJZeMtEEepFRMobJIU76jO
HGFgLQlYNVckpyozPZPy7LSMBWftHZiUAV451jI63E6TbhB8zkkqk8LQWFgdJ+Ff\n-----END PGP SIGNATURE-----",
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n-----END PGP PRIVATE KEY BLOCK-----",
            "gpg --armor --export-secret-keys $KEY_ID  # prints -----BEGIN PGP PRIVATE KEY BLOCK-----",
        ],
        doc: "## What it finds
An ASCII-armoured OpenPGP secret key, `-----BEGIN PGP PRIVATE KEY BLOCK-----` with its base64 body (armour headers
such as `Comment:` are skipped): the output of `gpg --export-secret-keys --armor`, typically a package or release
signing key handed to CI.

## Why it matters
A release signing key lets an attacker publish packages, commits or APT/RPM repository metadata that your users'
tooling trusts. Exported secret keys are often passphrase-protected, but the passphrase tends to travel with them
(`GPG_PASSPHRASE` next to `GPG_SIGNING_KEY`).

## Fix
Revoke the key: publish its revocation certificate to the keyservers and places that distribute it (repository
signing key URL, `signed-by` keyrings, Maven Central/Sonatype key settings), then create and distribute a new
signing (sub)key. Remove the key from the source and the image; import it at build or release time from a secret
(`RUN --mount=type=secret`, a CI secret variable) rather than baking it in.",
    },
    SecretRule {
        id: "SC008",
        name: "putty-private-key",
        title: "PuTTY private key (.ppk, unencrypted)",
        severity: Severity::Critical,
        keywords: &["putty-user-key-file-"],
        pattern: r"PuTTY-User-Key-File-[23]: [^\r\n]+\r?\nEncryption: none\r?\nComment: [^\r\n]*\r?\nPublic-Lines: \d+\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+Private-Lines: \d+\r?\n(?P<secret>[A-Za-z0-9+/=][A-Za-z0-9+/=\r\n]{30,}?)\r?\nPrivate-MAC:",
        scope: Scope::Text,
        entropy: Some(4.0),
        validate: None,
        allow: &[ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "PuTTY-User-Key-File-3: ssh-ed25519
Encryption: none
Comment: ed25519-key-20240612
Public-Lines: 2
AAAAC3NzaC1lZDI1NTE5AAAAIn1WKooC3hhjIrpc3bsFV3xNoVeNq7LfHhrCv3Ji
Blbs
Private-Lines: 1
AAAAI9kkPxTpi4ilBoz7wQhJo9g2E8/QMYJwhciLiM0wvPKy
Private-MAC: 122feeaf20321f7ef88d5704b2f195644df8da8aa899964543f58e7b560c3271",
            "PuTTY-User-Key-File-2: ssh-rsa
Encryption: none
Comment: rsa-key-20190301
Public-Lines: 2
AAAAB3NzaC1yc2EAAAABJQAAAQEA6E7tHq8mTk+9jomS3vQ996epzxPdUrWszBX2
lsD+zw10oV/0kbXal920Vm2UcHvxAv3qhnhtIzvz+4YsuIEVBLnh9+E6aDTWhj0k
Private-Lines: 3
AAABAE0hVw9JtCROeQc0iuh/pTopW4jU6NZaXUegEr9nFo3dlMN2hhWtnw2+XIEN
NaAX5Pq7Z9KKh3qmVX0/+DxGj4lYXoKqpOBbKYbSmWuWNUgM4lzGzehAOr8KRodw
DWczenhxNNrOoNhIxENOH9tv0+r+A6aZvyiMUbIc
Private-MAC: d53c26a5dc1d8878ec395ad1975cd2ef0c1885da",
        ],
        near_misses: &[
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: truncated\nPublic-Lines: 2\n",
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQzQ35PBHo+gaRpX2JntI2VNYWWq4pvs+1tNhyo5b4MUnV+w83j0ofquBWN00t rsa-key-20190301",
            "Look for the line \"PuTTY-User-Key-File-3:\" at the top of the .ppk file.",
        ],
        doc: "## What it finds
A PuTTY private key file (`.ppk`, format 2 or 3) with `Encryption: none`: the `PuTTY-User-Key-File-N:` header, the
public lines and the `Private-Lines` block up to `Private-MAC`. Passphrase-protected `.ppk` files are reported by
`encrypted-private-key`.

## Why it matters
The private lines are the raw key material; `puttygen` converts them to an OpenSSH key in one command. The key logs
in wherever its public half is authorised (servers, Git hosts, SFTP endpoints) and nothing else protects it.

## Fix
Remove the public key from the servers' `authorized_keys` and from Git host SSH/deploy key settings, then generate
a new key pair (with a passphrase, or better an agent or hardware token). Delete the `.ppk` from the source and
image history; use `RUN --mount=type=ssh` during builds and mounted secrets at run time.",
    },
    SecretRule {
        id: "SC009",
        name: "age-secret-key",
        title: "age encryption identity",
        severity: Severity::Critical,
        keywords: &["age-secret-key-1"],
        pattern: r"\b(?P<secret>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[ASCENDING_RUN],
        aliases: &["age-secret-key"],
        examples: &[
            "AGE-SECRET-KEY-1S24ERVUT53UUA3RH4GJPPMWY4URECZJRCVQQS0QCVZEER23UUDJL4TQX2W",
            "# created: 2024-06-12T10:00:00Z\n# public key: age1knsahxh8dewjktnxfnq247x9lq0knut7z9cskj6h2cunrky2h3v2aegrky\nAGE-SECRET-KEY-1WGH289HU9FFJ9AEJ5XG628RDTFZRS943R046Z8UTXTJ7R8KZCVADZ2K82S",
            "ENV SOPS_AGE_KEY=AGE-SECRET-KEY-1RVS89JJ6NKTSUMAPKYANZ58350AV0T8M8U4DPLKGL4656VCLESDPZSRUL4",
        ],
        near_misses: &[
            "# public key: age1ecxhsd9a0s9a2026hm8lzldvlea3j0qkrlgj4fxl06huw8ud2tlv0j8lyf",
            "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
            "AGE-SECRET-KEY-1LPZCAMRRQZ4XL3SXQMYF5ALNU45QEEMSU5GP74EV",
            "export SOPS_AGE_KEY_FILE=/run/secrets/age.txt  # holds AGE-SECRET-KEY-1...",
        ],
        doc: "## What it finds
An [age](https://age-encryption.org) identity, `AGE-SECRET-KEY-1` followed by 58 bech32 characters, as written by
`age-keygen` and used by SOPS (`SOPS_AGE_KEY`) to decrypt encrypted configuration.

## Why it matters
The identity decrypts everything ever encrypted to its public key (`age1...`): SOPS-encrypted secrets files in the
repository, backups, release artifacts. Unlike a token it cannot be revoked; only re-encryption helps.

## Fix
Generate a new identity with `age-keygen`, re-encrypt every file encrypted to the old recipient (`sops updatekeys`,
then `sops rotate` to also change the data keys) and rotate the secrets those files contained, since their values
must be assumed read. Remove the identity from the source and image; provide it at run time through a mounted file
(`SOPS_AGE_KEY_FILE` pointing at a secret mount) instead.",
    },
    SecretRule {
        id: "SC010",
        name: "base64-private-key",
        title: "Base64-encoded PEM private key",
        severity: Severity::Critical,
        keywords: &["ls0tls1crudjtib"],
        pattern: r"\b(?P<secret>LS0tLS1CRUdJTiB(?:SU0EgUFJJVkFURSBLRVktLS0t|FQyBQUklWQVRFIEtFWS0tLS0t|EU0EgUFJJVkFURSBLRVktLS0t|QUklWQVRFIEtFWS0tLS0t|PUEVOU1NIIFBSSVZBVEUgS0VZLS0t|QR1AgUFJJVkFURSBLRVkgQkxPQ0stLS0t)[A-Za-z0-9+/=\r\n]{100,})",
        scope: Scope::Text,
        entropy: Some(4.5),
        validate: None,
        allow: &[ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "users:
- name: ci-deployer
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMhKrUY66IUXcf1itccOCLEA6w1PvAiMl88ySqd/p1pUYwP4sJN+8tLOZoJbsZzhGgU9eFiYCx3EcMRhmd3FB2u/hZ5TawI/571Vf0GioHitWl/zoFOeu2sUa4
    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVBvRaCRIHsFztRtNK5kLh3TGQaKmowaPMmsdsHQhWkYQlxNwz/PaxjYH0AY0npZLuxC9O0oQaiDx2PLyw5Z6OpiVxkSrNk1QM1kahqBwPeTay5KsciE5/MMOMqVR95nv/dSuGyXuPGuT1riBltrmJlqba7yP3n06X/c3jkvDd6u426j1YMkeqY==",
            "apiVersion: v1
kind: Secret
type: kubernetes.io/tls
data:
  tls.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JR0hBZ0VBTUJNR0J5cUdTTTQ5BVvl82oUdfA5zIHnwcShuqfbT2ZscV+WSEEYCyQKVeCu4mSa5VQiE+4jJrC3t8w+0TEtr2wKVernxVHX+UIUEcidkZzDJWHdeav/ygYUPCbFDlQ99KNd+DPQmvpkPQ9u7nln+FfX8oEdZQt6IvanroWzVG3IdMG4",
            "SSH_KEY_B64=LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS0KYjNCbGJuTnphQzFyWlhrdGRqRUFBQUFBQkc1dmJtVUFBxrsIz6rTeeHP4H2eLoikU/duvaW8lP4P5f2O0/EOPUQbW/MLhCMp2I7rs5LRKTRNicykkCr37Bj31a5anbQxHEmQpHwqDPdTaFD4h2hbLq6vHJl671KP3e+10P5BG0nVZ2FERVYJ9ZjZ",
        ],
        near_misses: &[
            "client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMkvzA0UH20Z4uqzbxjj+GI76Kw5zxmUXOYHiT6rEFFT3upIVkV2jRQG9Sp0lKp7csCpR9Vysp2GCRL0jNaQ8pfvGNaOtobz+AQX2h8rBGzZXX+Yx1cd7SmCcZqNgnUbpMlRBrT1cOPQJq/LkXJ04uqx137SJLNSfc",
            "certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMI78dwObMOX8Y2CZjJF3DgyrOb44Y6h5l4knuOo2GkihLnyIuy1HpqbvOauuT/wBD1/VA/XvQVV+AB1P4SNBVU4cLxInUO2tWbdltNTbkb4EBvDSTNNgmzHWZalcuKdMYGwRVsHfuGJhMdbwNotrMnXWWXW9Uo6iI",
            "PUBKEY=LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KTUlJQklqQU5CZ2txaGtpRzl3MEJBucEfVLowtxKm0WvvnIzsNw4QqYnMZTuJKGJb4vcKly16mkJKR7pLDAWtiuVG7iRdmgOZS6D/M9Q5cSU0tgjtPuw+j3KXcRLaUETX4rRBVEFzJ3BtCcU8QfS8dhfZyuDzXowXrjyUunVQ",
            "tls.key: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==",
        ],
        doc: "## What it finds
A PEM private key (RSA, DSA, EC, PKCS#8, OpenSSH or PGP) encoded once more in base64, recognised by the fixed
encoding of its header (`LS0tLS1CRUdJTiB...`): `client-key-data` in kubeconfigs, `data.tls.key` in Kubernetes
`Secret` manifests, Helm values and CI variables that carry keys as one line. Base64-encoded certificates and public
keys have different prefixes and are not reported.

## Why it matters
Base64 is an encoding, not protection: one `base64 -d` gives the key back. A kubeconfig `client-key-data` is a
cluster login (often `cluster-admin`); a TLS key lets an attacker impersonate the service.

## Fix
Revoke what the key unlocks: for a kubeconfig client certificate, rotate the cluster CA or remove the user's role
bindings (client certificates cannot be revoked individually) and issue a new credential; for TLS keys, reissue the
certificate and revoke the old one with the CA. Remove the encoded key from the source and image, and inject it at
run time from a secret store or a mounted Kubernetes `Secret`.",
    },
];
