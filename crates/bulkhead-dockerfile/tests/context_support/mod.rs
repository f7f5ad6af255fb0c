//! A small on-disk build context shared by the context tests.

#![allow(dead_code)]

use std::fs;
use std::path::Path;

/// Clearly fake key material: only the PEM labels matter to the classifier.
pub const FAKE_PRIVATE_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\nTk9UIEEgUkVBTCBLRVkgLSBURVNUIEZJWFRVUkU=\n-----END RSA PRIVATE KEY-----\n";
pub const FAKE_OPENSSH_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nTk9UIEEgUkVBTCBLRVk=\n-----END OPENSSH PRIVATE KEY-----\n";
pub const FAKE_CERTIFICATE: &str =
    "-----BEGIN CERTIFICATE-----\nTk9UIEEgUkVBTCBDRVJUSUZJQ0FURQ==\n-----END CERTIFICATE-----\n";

pub fn write(root: &Path, rel: &str, content: &str) {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create parent directories");
    }
    fs::write(&path, content).expect("write fixture file");
}

/// The `.dockerignore` of [`project`].
pub const PROJECT_IGNORE: &str = "\
# local env files
.env*
!.env.example
build
logs
!logs/keep.log
docs/*.md
!docs/README.md
";

/// A typical project context with secrets, certificates, VCS metadata and dependencies.
pub fn project(root: &Path) {
    write(root, "Dockerfile", "FROM alpine\nCOPY . /app\n");
    write(root, ".dockerignore", PROJECT_IGNORE);
    write(root, ".env", "DB_PASSWORD=hunter2\n");
    write(root, ".env.example", "DB_PASSWORD=\n");
    write(root, ".env.production", "DB_PASSWORD=prod\n");
    write(root, "id_rsa", FAKE_OPENSSH_KEY);
    write(root, "id_rsa.pub", "ssh-ed25519 AAAA test@example\n");
    write(root, "server.crt", FAKE_CERTIFICATE);
    write(root, "keys/tls.pem", FAKE_PRIVATE_KEY);
    write(root, "certs/ca.pem", FAKE_CERTIFICATE);
    write(root, ".git/config", "[core]\n\tbare = false\n");
    write(root, ".git/HEAD", "ref: refs/heads/main\n");
    write(root, ".git/objects/ab/cdef0123", "blob");
    write(
        root,
        "node_modules/x/.npmrc",
        "//registry.npmjs.org/:_authToken=fake\n",
    );
    write(root, "node_modules/x/index.js", "module.exports = 1;\n");
    write(root, "app/main.py", "print('hi')\n");
    write(root, "app/config/settings.json", "{}\n");
    write(root, "build/out.bin", "binary");
    write(root, "logs/debug.log", "debug");
    write(root, "logs/keep.log", "keep");
    write(root, "docs/README.md", "# Docs\n");
    write(root, "docs/notes.md", "notes\n");
}

/// What Docker sends from [`project`], sorted.
pub const PROJECT_SENT: &[&str] = &[
    ".dockerignore",
    ".env.example",
    ".git/HEAD",
    ".git/config",
    ".git/objects/ab/cdef0123",
    "Dockerfile",
    "app/config/settings.json",
    "app/main.py",
    "certs/ca.pem",
    "docs/README.md",
    "id_rsa",
    "id_rsa.pub",
    "keys/tls.pem",
    "logs/keep.log",
    "node_modules/x/.npmrc",
    "node_modules/x/index.js",
    "server.crt",
];
