//! Loader tests over small fixtures written for them (tests/fixtures/load/...): values and positions.

use bulkhead_compose::load::{LoadOptions, load};
use bulkhead_compose::{Node, Project, Value};
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/load")
        .join(rel)
}

fn opts(env: &[(&str, &str)]) -> LoadOptions {
    LoadOptions {
        profiles: Vec::new(),
        env: Some(
            env.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
    }
}

fn svc<'a>(p: &'a Project, name: &str) -> &'a Node {
    p.services()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, n)| n)
        .unwrap_or_else(|| {
            panic!(
                "service {name} missing: {:?}",
                p.services().iter().map(|s| s.0).collect::<Vec<_>>()
            )
        })
}

fn file_name(p: &Project, n: &Node) -> String {
    p.path_of(&n.pos)
        .and_then(|f| f.file_name())
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn msgs(p: &Project) -> Vec<String> {
    p.diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}: {}",
                d.path.display(),
                d.line,
                d.column,
                d.message
            )
        })
        .collect()
}

#[test]
fn merge_two_files_discovered_in_a_directory() {
    let p = load(&[fixture("merge")], &opts(&[]));
    assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
    assert_eq!(p.files.len(), 2);
    let web = svc(&p, "web");
    let image = web.get("image").unwrap();
    assert_eq!(image.as_str(), Some("nginx:1.27"));
    assert_eq!(file_name(&p, image), "compose.override.yaml");
    assert_eq!((image.pos.line, image.pos.column), (3, 12));
    assert_eq!(web.get("command").unwrap().strings(), vec!["nginx"]);
    assert_eq!(
        web.get("environment").unwrap().strings(),
        vec!["A=1", "B=3", "C=4"]
    );
    assert_eq!(
        web.get("ports").unwrap().strings(),
        vec!["80:80", "443:443"]
    );
    let vols = web.get("volumes").unwrap();
    assert_eq!(vols.strings(), vec!["./b:/data"]);
    assert_eq!(
        file_name(&p, &vols.as_seq().unwrap()[0]),
        "compose.override.yaml"
    );
    let labels = web.get("labels").unwrap();
    assert_eq!(labels.get("x").unwrap().as_str(), Some("1"));
    assert_eq!(file_name(&p, labels.get("x").unwrap()), "compose.yaml");
    assert_eq!(labels.get("y").unwrap().as_str(), Some("2"));
    assert_eq!(
        svc(&p, "db").get("image").unwrap().as_str(),
        Some("postgres")
    );
}

#[test]
fn extends_across_files_and_in_the_same_file() {
    let p = load(&[fixture("extends/compose.yaml")], &opts(&[]));
    assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
    let web = svc(&p, "web");
    assert!(web.get("extends").is_none());
    let image = web.get("image").unwrap();
    assert_eq!(image.as_str(), Some("app:1"));
    assert_eq!(file_name(&p, image), "common.yml");
    assert_eq!((image.pos.line, image.pos.column), (3, 12));
    assert_eq!(web.get("read_only").unwrap().value, Value::Bool(true));
    let env = web.get("environment").unwrap();
    assert_eq!(env.get("FROM_BASE").unwrap().as_str(), Some("yes"));
    assert_eq!(env.get("LOCAL").unwrap().as_str(), Some("1"));
    assert_eq!(file_name(&p, web), "compose.yaml");
    let worker = svc(&p, "worker");
    assert_eq!(worker.get("image").unwrap().as_str(), Some("app:1"));
    assert_eq!(worker.get("command").unwrap().as_str(), Some("work"));
    assert_eq!(
        worker.at(&["environment", "LOCAL"]).unwrap().as_str(),
        Some("1")
    );
}

#[test]
fn extends_cycle_is_reported_with_the_chain() {
    let p = load(&[fixture("extends-cycle/compose.yaml")], &opts(&[]));
    let m = msgs(&p);
    assert!(
        m.iter().any(
            |d| d.contains("extends cycle: compose.yaml:a -> compose.yaml:b -> compose.yaml:a")
        ),
        "{m:?}"
    );
    assert!(p.services().len() == 2);
}

#[test]
fn include_relative_to_the_including_file() {
    let p = load(&[fixture("include/compose.yaml")], &opts(&[]));
    let cache = svc(&p, "cache");
    assert_eq!(file_name(&p, cache.get("image").unwrap()), "inc.yaml");
    assert_eq!(cache.get("image").unwrap().pos.line, 3);
    assert_eq!(
        cache.get("image").unwrap().as_str(),
        Some("redis:7"),
        "the included project's .env"
    );
    assert_eq!(svc(&p, "web").get("image").unwrap().as_str(), Some("web"));
    assert_eq!(p.networks().len(), 1);
    assert!(p.model.as_ref().unwrap().get("include").is_none());
    let m = msgs(&p);
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].contains("compose.yaml:4:3: services.web: also defined by the included"),
        "{m:?}"
    );
}

#[test]
fn include_cycle_is_reported() {
    let p = load(&[fixture("include-cycle/a.yaml")], &opts(&[]));
    let m = msgs(&p);
    assert!(
        m.iter()
            .any(|d| d.contains("include cycle:") && d.contains("a.yaml -> ")),
        "{m:?}"
    );
    let names: Vec<&str> = p.services().iter().map(|s| s.0).collect();
    assert_eq!(names, vec!["a", "b"]);
}

#[test]
fn profiles_filter_services() {
    let p = load(&[fixture("profiles/compose.yaml")], &opts(&[]));
    let names: Vec<&str> = p.services().iter().map(|s| s.0).collect();
    assert_eq!(names, vec!["always"]);
    let mut o = opts(&[("COMPOSE_PROFILES", "ops")]);
    o.profiles = vec!["debug".into()];
    let p = load(&[fixture("profiles/compose.yaml")], &o);
    let names: Vec<&str> = p.services().iter().map(|s| s.0).collect();
    assert_eq!(names, vec!["always", "debug", "tools"]);
}

#[test]
fn interpolation_forms_and_errors() {
    let p = load(
        &[fixture("interp/compose.yaml")],
        &opts(&[("HOME_X", "/h"), ("N", "3"), ("TAG", "2.0")]),
    );
    let web = svc(&p, "web");
    assert_eq!(
        web.get("image").unwrap().as_str(),
        Some("app:2.0"),
        "env over .env"
    );
    assert_eq!(web.get("ports").unwrap().strings(), vec!["8080:80"]);
    let env = web.get("environment").unwrap();
    assert_eq!(env.get("HOME_COPY").unwrap().as_str(), Some("/h"));
    assert_eq!(env.get("LIT").unwrap().as_str(), Some("$NOT"));
    assert_eq!(env.get("ALT").unwrap().as_str(), Some("set"));
    assert_eq!(env.get("DEF").unwrap().as_str(), Some("dflt"));
    assert_eq!(env.get("REPLICAS").unwrap().value, Value::Int(3));
    assert!(p.files.iter().any(|f| f.path.ends_with(".env")));
    let m = msgs(&p);
    assert!(
        m.iter().any(|d| d.ends_with(
            "compose.yaml:12:11: required variable MISSING is not set: set MISSING please"
        )),
        "{m:?}"
    );
    assert!(
        m.iter().any(
            |d| d.contains("compose.yaml:13:18: invalid interpolation format")
                && d.contains("not closed")
        ),
        "{m:?}"
    );
}

#[test]
fn anchors_and_merge_keys() {
    let p = load(&[fixture("anchors/compose.yaml")], &opts(&[]));
    assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
    let web = svc(&p, "web");
    assert_eq!(
        web.get("restart").unwrap().as_str(),
        Some("no"),
        "explicit key wins"
    );
    assert_eq!(
        web.at(&["logging", "driver"]).unwrap().as_str(),
        Some("json-file")
    );
    let a = web.at(&["environment", "A"]).unwrap();
    assert_eq!(a.as_str(), Some("1"));
    assert_eq!(
        (a.pos.line, a.pos.column),
        (4, 8),
        "aliased nodes keep the anchor's position"
    );
    let api = svc(&p, "api");
    assert_eq!(api.get("restart").unwrap().as_str(), Some("always"));
    assert_eq!(
        api.at(&["labels", "flag"]).unwrap().value,
        Value::Str("yes".into()),
        "yes stays a string"
    );
    assert_eq!(api.get("read_only").unwrap().value, Value::Bool(true));
}

#[test]
fn duplicate_keys_name_both_lines() {
    let p = load(&[fixture("dup/compose.yaml")], &opts(&[]));
    let m = msgs(&p);
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].contains(
            "compose.yaml:4:5: duplicate key `image` at line 4 (first defined at line 3)"
        ),
        "{m:?}"
    );
    assert_eq!(svc(&p, "web").get("image").unwrap().as_str(), Some("a"));
}

#[test]
fn invalid_yaml_gives_position_and_message() {
    let p = load(&[fixture("invalid/compose.yaml")], &opts(&[]));
    assert!(p.model.is_none());
    assert_eq!(p.diagnostics.len(), 1, "{:?}", msgs(&p));
    let d = &p.diagnostics[0];
    assert!(d.message.starts_with("invalid YAML: "), "{d:?}");
    assert!(d.line >= 3, "{d:?}");
    assert!(d.column >= 1);
}

#[test]
fn schema_errors_point_at_the_node() {
    let p = load(&[fixture("schema/compose.yaml")], &opts(&[]));
    let m = msgs(&p);
    assert!(
        m.iter()
            .any(|d| d.contains("compose.yaml:4:5: services.web: unknown key `bogus`")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|d| d.contains("compose.yaml:7:17: services.web.privileged:")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|d| d.contains(":6:17: services.web.ports[0].target: [80] is not of type")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|d| d.contains(":8:3: services.empty: null is not of type")),
        "{m:?}"
    );
}

#[test]
fn missing_file_and_empty_directory() {
    let p = load(&[fixture("nope.yaml")], &opts(&[]));
    assert!(p.model.is_none());
    assert_eq!(p.diagnostics.len(), 1);
    assert_eq!(p.diagnostics[0].line, 0);
    let p = load(&[fixture("include-cycle")], &opts(&[]));
    assert!(p.diagnostics[0].message.contains("no compose file found"));
}

#[test]
fn positions_are_chars_for_columns_and_bytes_for_offsets() {
    use bulkhead_compose::load::yaml;
    let text = "é: {k: 'vä', n: 12}\nlist:\n  - yes\n  - 0x1F\n  - 1.5e3\n  - ~\n";
    let (docs, problems) = yaml::parse(text, 3, None);
    assert!(problems.is_empty(), "{problems:?}");
    let doc = &docs[0];
    let (key, map) = doc.entry("é").unwrap();
    assert_eq!((key.pos.line, key.pos.column, key.pos.offset), (1, 1, 0));
    let v = map.get("k").unwrap();
    assert_eq!(v.as_str(), Some("vä"));
    assert_eq!((v.pos.file, v.pos.line, v.pos.column), (3, 1, 8));
    assert_eq!(v.pos.offset, text.find("'vä'").unwrap());
    let end = v.end.unwrap();
    assert_eq!(&text[v.pos.offset..end.offset], "'vä'");
    let n = map.get("n").unwrap();
    assert_eq!(n.value, Value::Int(12));
    assert_eq!(&text[n.pos.offset..n.end.unwrap().offset], "12");
    let list = doc.get("list").unwrap().as_seq().unwrap();
    assert_eq!(list[0].value, Value::Str("yes".into()));
    assert_eq!(list[1].value, Value::Int(31));
    assert_eq!(list[2].value, Value::Float(1500.0));
    assert!(list[3].is_null());
}

#[test]
fn hostile_yaml_is_bounded() {
    use bulkhead_compose::load::yaml;
    // Alias expansion (billion laughs): stopped with a problem, no blow-up.
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    let (_, problems) = yaml::parse(&text, 0, None);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("aliases expand")),
        "{problems:?}"
    );
    // Deep nesting.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let (docs, problems) = yaml::parse(&deep, 0, None);
    assert!(docs.is_empty());
    assert!(!problems.is_empty());
    // Unknown anchor.
    let (_, problems) = yaml::parse("a: *nope\n", 0, None);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, 1);
}

#[test]
fn reset_and_override_tags() {
    let p = load(
        &[fixture("tags/compose.yaml"), fixture("tags/override.yaml")],
        &opts(&[]),
    );
    assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
    let web = svc(&p, "web");
    assert!(web.get("ports").is_none(), "!reset drops the ports");
    let env = web.get("environment").unwrap();
    assert_eq!(env.as_map().unwrap().len(), 1, "!override replaces");
    assert_eq!(env.get("C").unwrap().as_str(), Some("3"));
    assert_eq!(file_name(&p, env.get("C").unwrap()), "override.yaml");
    assert_eq!(web.at(&["labels", "keep"]).unwrap().as_str(), Some("1"));
    assert_eq!(web.at(&["labels", "more"]).unwrap().as_str(), Some("2"));
}

#[test]
fn extends_from_another_directory_rebases_relative_paths() {
    let p = load(&[fixture("extends/compose.yaml")], &opts(&[]));
    assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
    let lib = svc(&p, "lib");
    assert_eq!(lib.get("build").unwrap().as_str(), Some("lib/./app"));
    assert_eq!(
        lib.get("volumes").unwrap().strings(),
        vec!["lib/./data:/data", "named:/named"]
    );
    assert_eq!(
        lib.get("env_file").unwrap().strings(),
        vec!["lib/common.env"]
    );
    assert_eq!(file_name(&p, lib.get("build").unwrap()), "base.yml");
}

#[test]
fn compose_file_variable_when_no_path_is_given() {
    let p = load(
        &[],
        &opts(&[(
            "COMPOSE_FILE",
            "tests/fixtures/load/profiles/compose.yaml:tests/fixtures/load/dup/compose.yaml",
        )]),
    );
    let names: Vec<&str> = p.services().iter().map(|s| s.0).collect();
    assert_eq!(names, vec!["always", "web"]);
    assert_eq!(p.files.len(), 2);
}

#[test]
fn merge_rules_per_attribute() {
    let p = load(
        &[fixture("merge-rules/a.yaml"), fixture("merge-rules/b.yaml")],
        &opts(&[]),
    );
    assert!(p.diagnostics.is_empty(), "{:?}", msgs(&p));
    let app = svc(&p, "app");
    assert_eq!(app.get("entrypoint").unwrap().as_str(), Some("/b"));
    // Mixed map and list forms merge by key into a map.
    let env = app.get("environment").unwrap();
    assert_eq!(env.get("A").unwrap().as_str(), Some("1"));
    assert_eq!(env.get("B").unwrap().as_str(), Some("3"));
    assert!(env.get("C").unwrap().is_null());
    assert_eq!(env.get("B").unwrap().pos.line, 5);
    assert_eq!(
        app.get("extra_hosts").unwrap().strings(),
        vec!["db=10.0.0.2", "cache:10.0.0.3"]
    );
    let vols = app.get("volumes").unwrap().as_seq().unwrap();
    assert_eq!(vols.len(), 2, "same target /data replaced: {vols:?}");
    assert_eq!(vols[0].as_str(), Some("./two:/data:ro"));
    assert_eq!(vols[1].as_str(), Some("logs:/logs"));
    let secrets = app.get("secrets").unwrap().as_seq().unwrap();
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0].get("target").unwrap().as_str(), Some("/run/t"));
    assert_eq!(
        app.get("cap_add").unwrap().strings(),
        vec!["NET_ADMIN", "SYS_TIME"]
    );
    assert_eq!(
        app.at(&["healthcheck", "test"]).unwrap().strings(),
        vec!["CMD", "b"]
    );
    assert_eq!(
        app.at(&["healthcheck", "interval"]).unwrap().as_str(),
        Some("10s")
    );
}

#[test]
fn diamond_includes_stay_linear() {
    // 24 layers, each file including both files of the next layer: 2^24 paths if not memoised.
    let dir = tempfile::tempdir().unwrap();
    for layer in 0..24 {
        for side in 0..2 {
            let next = layer + 1;
            let text = if layer == 23 {
                format!("services:\n  s{layer}{side}:\n    image: x\n")
            } else {
                format!(
                    "include:\n  - l{next}_0.yaml\n  - l{next}_1.yaml\nservices:\n  s{layer}{side}:\n    image: x\n"
                )
            };
            std::fs::write(dir.path().join(format!("l{layer}_{side}.yaml")), text).unwrap();
        }
    }
    let start = std::time::Instant::now();
    let p = load(&[dir.path().join("l0_0.yaml")], &opts(&[]));
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    assert_eq!(p.services().len(), 1 + 2 * 23);
}

#[test]
fn vendored_schema_compiles() {
    assert!(bulkhead_compose::load::schema::schema_available());
}
