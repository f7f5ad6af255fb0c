//! Compose fixes over their fixtures (`tests/fixtures/fix/*.yaml`): the fixed text is a golden snapshot, it
//! re-loads without diagnostics, and the fixed rules no longer fire.

use bulkhead_compose::load::{LoadOptions, load};
use bulkhead_compose::project::Project;
use bulkhead_compose::rules::{ComposeCheckContext, ComposeCheckOptions, check_rules, registry};
use bulkhead_core::{Finding, Profile, TextEdit};
use std::path::{Path, PathBuf};

/// The rules whose findings carry fixes.
const FIXED: [&str; 5] = ["CP003", "CP004", "CP005", "CP016", "CP020"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fix")
        .join(name)
}

fn check(path: &Path, profile: Profile) -> (Project, Vec<Finding>) {
    let project = load(&[path.to_path_buf()], &LoadOptions::default());
    let options = ComposeCheckOptions { profile };
    let ctx = ComposeCheckContext {
        project: &project,
        options: &options,
    };
    let findings = check_rules(&ctx, &registry());
    (project, findings)
}

/// Applies the safe fixes to the file at `path`; returns the fixed text.
fn apply(path: &Path, findings: &[Finding]) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let shown = path.display().to_string();
    let edits: Vec<&TextEdit> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .filter(|f| f.safe)
        .flat_map(|f| f.edits.iter())
        .collect();
    assert!(edits.iter().all(|e| e.path == shown), "{edits:#?}");
    let (after, skipped) = bulkhead_core::text::apply_edits(&text, &edits);
    assert!(skipped.is_empty(), "overlapping edits: {skipped:#?}");
    after
}

/// Fixes the fixture in a temporary directory, snapshots the result, re-loads and re-checks it.
fn fix_fixture(name: &str, profile: Profile) -> (String, Vec<Finding>, Vec<Finding>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::copy(fixture(name), &path).unwrap();
    let (project, before) = check(&path, profile);
    assert!(project.diagnostics.is_empty(), "{:#?}", project.diagnostics);
    let after = apply(&path, &before);
    std::fs::write(&path, &after).unwrap();
    let (project, remaining) = check(&path, profile);
    assert!(
        project.diagnostics.is_empty(),
        "{name}: fixed file has diagnostics: {:#?}\n{after}",
        project.diagnostics
    );
    // Every finding that had a fix is gone (same rule, same service).
    for f in before.iter().filter(|f| f.fix.is_some()) {
        assert!(
            !remaining.iter().any(|r| r.rule_id == f.rule_id
                && r.location.object == f.location.object
                && (f.rule_id != "CP016" || r.evidence == f.evidence)),
            "{name}: {} {:?} still fires after its fix:\n{after}",
            f.rule_id,
            f.location.object
        );
    }
    (after, before, remaining)
}

fn fixed_count(findings: &[Finding]) -> usize {
    findings.iter().filter(|f| f.fix.is_some()).count()
}

#[test]
fn block_style_two_spaces_with_comments_between_services() {
    let (after, before, remaining) = fix_fixture("block2.yaml", Profile::Production);
    // web: CP003 CP004 CP005 CP020 + three ports; db: CP003 CP004 CP005 (block list) CP020.
    assert_eq!(fixed_count(&before), 11, "{before:#?}");
    assert!(
        !remaining
            .iter()
            .any(|f| FIXED.contains(&f.rule_id.as_str())),
        "{remaining:#?}"
    );
    insta::assert_snapshot!("block2", after);
}

#[test]
fn four_spaces_existing_keys_and_flow_security_opt() {
    let (after, before, remaining) = fix_fixture("indent4.yaml", Profile::Production);
    assert_eq!(fixed_count(&before), 5, "{before:#?}");
    assert!(
        !remaining
            .iter()
            .any(|f| FIXED.contains(&f.rule_id.as_str())),
        "{remaining:#?}"
    );
    insta::assert_snapshot!("indent4", after);
}

#[test]
fn crlf_line_endings_are_kept() {
    let (after, _, remaining) = fix_fixture("crlf.yaml", Profile::Regulated);
    assert!(
        !remaining
            .iter()
            .any(|f| FIXED.contains(&f.rule_id.as_str())),
        "{remaining:#?}"
    );
    assert_eq!(
        after.matches('\n').count(),
        after.matches("\r\n").count(),
        "{after:?}"
    );
    insta::assert_snapshot!("crlf", after.replace('\r', "<CR>"));
}

#[test]
fn flow_style_service_gets_no_fix_and_missing_final_newline_is_handled() {
    let (after, before, remaining) = fix_fixture("noeol.yaml", Profile::Production);
    assert!(
        before
            .iter()
            .filter(|f| f.location.object.as_deref() == Some("services.flow"))
            .all(|f| f.fix.is_none())
    );
    // The flow-style service still has its findings; the others do not.
    assert!(
        remaining
            .iter()
            .any(|f| f.rule_id == "CP003" && f.location.object.as_deref() == Some("services.flow"))
    );
    assert!(
        !remaining.iter().any(|f| FIXED.contains(&f.rule_id.as_str())
            && f.location.object.as_deref() != Some("services.flow"))
    );
    insta::assert_snapshot!("noeol", after);
}

#[test]
fn ports_are_bound_only_in_production_and_regulated() {
    let (_, staging) = check(&fixture("block2.yaml"), Profile::Staging);
    let ports: Vec<_> = staging.iter().filter(|f| f.rule_id == "CP016").collect();
    assert_eq!(ports.len(), 3);
    assert!(ports.iter().all(|f| f.fix.is_none()));
    assert!(
        staging
            .iter()
            .any(|f| f.rule_id == "CP003" && f.fix.is_some())
    );
}

#[test]
fn long_syntax_ports_get_host_ip() {
    let (after, before, remaining) = fix_fixture("longports.yaml", Profile::Production);
    assert_eq!(fixed_count(&before), 2, "{before:#?}");
    assert!(
        !remaining
            .iter()
            .any(|f| FIXED.contains(&f.rule_id.as_str())),
        "{remaining:#?}"
    );
    insta::assert_snapshot!("longports", after);
}

#[test]
fn service_with_keys_from_another_file_gets_no_fix() {
    let (project, findings) = check(&fixture("extends.yaml"), Profile::Production);
    assert!(project.diagnostics.is_empty(), "{:#?}", project.diagnostics);
    let of = |svc: &str| -> Vec<&Finding> {
        findings
            .iter()
            .filter(|f| f.rule_id == "CP003" && f.location.object.as_deref() == Some(svc))
            .collect()
    };
    assert_eq!(of("services.app").len(), 1);
    assert!(of("services.app").iter().all(|f| f.fix.is_none()));
    assert!(of("services.own").iter().all(|f| f.fix.is_some()));
    assert_eq!(of("services.own").len(), 1);
}

#[test]
fn service_ending_in_a_block_scalar_gets_no_fix() {
    let (after, before, _) = fix_fixture("blockscalar.yaml", Profile::Production);
    assert!(
        before
            .iter()
            .filter(|f| f.location.object.as_deref() == Some("services.script"))
            .all(|f| f.fix.is_none())
    );
    assert!(
        after.contains("    command: |\n      echo hi\n      # part of the script\n  plain:\n"),
        "{after}"
    );
    assert!(after.ends_with("    image: busybox:1.36\n    cap_drop: [ALL]\n    read_only: true\n    tmpfs: [/tmp, /run]\n    security_opt: [\"no-new-privileges:true\"]\n    pids_limit: 100\n"), "{after}");
}

/// Every rule fixture, fixed: it re-loads without diagnostics, and no fixed finding comes back.
#[test]
fn every_rule_fixture_stays_valid_after_fixing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut fixed_files = 0;
    let mut fixes = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let src = e.unwrap().path();
        if src.extension().and_then(|x| x.to_str()) != Some("yaml") {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("compose.yaml");
        std::fs::copy(&src, &path).unwrap();
        let (project, before) = check(&path, Profile::Regulated);
        if !project.diagnostics.is_empty() {
            continue;
        }
        let n = fixed_count(&before);
        if n == 0 {
            continue;
        }
        let after = apply(&path, &before);
        std::fs::write(&path, &after).unwrap();
        let (project, remaining) = check(&path, Profile::Regulated);
        assert!(
            project.diagnostics.is_empty(),
            "{}: {:#?}\n{after}",
            src.display(),
            project.diagnostics
        );
        for f in before.iter().filter(|f| f.fix.is_some()) {
            assert!(
                !remaining.iter().any(|r| r.rule_id == f.rule_id
                    && r.location.object == f.location.object
                    && (f.rule_id != "CP016" || r.evidence == f.evidence)),
                "{}: {} {:?} still fires:\n{after}",
                src.display(),
                f.rule_id,
                f.location.object
            );
        }
        fixed_files += 1;
        fixes += n;
    }
    assert!(fixed_files >= 20, "{fixed_files} files fixed");
    assert!(fixes >= 100, "{fixes} fixes");
    eprintln!("{fixed_files} rule fixtures, {fixes} fixes applied");
}
