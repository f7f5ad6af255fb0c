//! Path classification and dispatch.

use super::*;

#[test]
fn wants_by_path() {
    let yes = [
        "/usr/lib/python3/dist-packages/requests-2.28.1.dist-info/METADATA",
        "/usr/lib/python3.11/site-packages/foo.egg-info/PKG-INFO",
        "/usr/lib/python3/dist-packages/Twisted-22.4.0.egg-info",
        "/app/node_modules/@babel/core/package.json",
        "/app/package.json",
        "/app/package-lock.json",
        "/app/yarn.lock",
        "/src/Cargo.lock",
        "/app/vendor/composer/installed.json",
        "/usr/local/bundle/specifications/rake-13.0.6.gemspec",
        "/var/lib/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
        "/opt/app/app.jar",
        "/usr/local/tomcat/webapps/ROOT.war",
        "/var/jenkins_home/plugins/git.JPI",
    ];
    for path in yes {
        assert!(wants(path, 1000, false), "{path}");
    }
    let no = [
        "/usr/lib/python3/dist-packages/foo.dist-info/RECORD",
        "/usr/lib/python3/dist-packages/foo/METADATA",
        "/app/node_modules/a/package-lock.json",
        "/app/node_modules/a/yarn.lock",
        "/app/installed.json",
        "/usr/local/bundle/gems/rake-13.0.6/rake.gemspec",
        "/usr/bin/ls",
        "/etc/passwd",
        "/opt/.jar",
    ];
    for path in no {
        assert!(!wants(path, 1000, false), "{path}");
    }
}

#[test]
fn wants_executables_by_size_and_path() {
    assert!(wants("/usr/local/bin/app", 2048, true));
    assert!(!wants("/usr/local/bin/app", 2048, false));
    assert!(!wants("/usr/local/bin/app", 512, true));
    assert!(!wants("/usr/local/bin/run.sh", 4096, true));
    assert!(!wants("/etc/init.d/x", 4096, true));
    assert!(wants("/app/tool.exe", 4096, false));
    assert!(!wants("/app/package.json", MAX_TEXT + 1, false));
}

#[test]
fn catalog_dispatches_on_path_then_magic() {
    let r = catalog(
        "/app/node_modules/x/package.json",
        br#"{"name":"x","version":"1.0.0"}"#,
    );
    assert_eq!(r.map(|r| r.packages.len()), Some(1));
    // Same bytes at a path no cataloger owns: not an executable image, so not a record.
    assert_eq!(
        catalog("/app/x.txt", br#"{"name":"x","version":"1.0.0"}"#),
        None
    );
}

#[test]
fn wants_a_million_paths() {
    // A mix like an image's: mostly ordinary files, a few records and executables.
    let shapes: [(&str, bool, bool); 10] = [
        ("/usr/share/doc/pkg{}/changelog.Debian.gz", false, false),
        (
            "/usr/lib/x86_64-linux-gnu/perl/5.36/auto/mod{}/mod.so",
            false,
            false,
        ),
        (
            "/usr/lib/python3/dist-packages/pkg{}/__init__.py",
            false,
            false,
        ),
        (
            "/usr/lib/python3/dist-packages/pkg{}-1.0.dist-info/METADATA",
            false,
            true,
        ),
        ("/app/node_modules/pkg{}/lib/index.js", false, false),
        ("/app/node_modules/pkg{}/package.json", false, true),
        ("/usr/bin/tool{}", true, true),
        ("/etc/init.d/svc{}", true, false),
        ("/usr/share/locale/de/LC_MESSAGES/pkg{}.mo", false, false),
        ("/opt/lib/pkg{}-2.1.jar", false, true),
    ];
    let paths: Vec<(String, bool, bool)> = (0..100_000)
        .flat_map(|i| {
            shapes
                .iter()
                .map(move |(p, x, want)| (p.replace("{}", &i.to_string()), *x, *want))
        })
        .collect();
    let started = std::time::Instant::now();
    let mut wanted = 0usize;
    for (path, executable, _) in &paths {
        wanted += usize::from(wants(path, 4096, *executable));
    }
    let elapsed = started.elapsed();
    eprintln!(
        "wants: {} paths in {elapsed:?} ({:.0} ns each)",
        paths.len(),
        elapsed.as_nanos() as f64 / paths.len() as f64
    );
    assert_eq!(wanted, paths.iter().filter(|(_, _, want)| *want).count());
}
