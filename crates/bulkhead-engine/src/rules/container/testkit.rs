//! Test helpers of the container rules: the fixture snapshot captured from a real engine
//! (`tests/fixtures/container/engine.json`, written by `tests/container_engine.rs`), variants of its
//! containers edited as JSON, and running one rule.

use crate::rules::{EngineCheckContext, EngineCheckOptions, EngineRule};
use crate::snapshot::{Container, Snapshot};
use bulkhead_core::Finding;
use std::sync::OnceLock;

const FIXTURE: &str = include_str!("../../../tests/fixtures/container/engine.json");

/// The captured snapshot.
pub fn fixture() -> &'static Snapshot {
    static S: OnceLock<Snapshot> = OnceLock::new();
    S.get_or_init(|| serde_json::from_str(FIXTURE).expect("container fixture parses"))
}

/// One container of the fixture, by name.
pub fn container(name: &str) -> Container {
    fixture()
        .container(name)
        .cloned()
        .unwrap_or_else(|| panic!("no container {name} in the fixture"))
}

/// A copy of the fixture's container `name` with its inspect JSON edited by `edit`, renamed `new_name`.
pub fn variant(name: &str, new_name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Container {
    let c = container(name);
    let mut v = serde_json::to_value(&c).expect("container serializes");
    edit(&mut v);
    v["inspect"]["Name"] = serde_json::Value::String(format!("/{new_name}"));
    serde_json::from_value(v).expect("edited container parses")
}

/// The fixture's daemon facts with exactly `containers`.
pub fn snapshot_with(containers: Vec<Container>) -> Snapshot {
    let mut s = fixture().clone();
    s.containers = containers;
    s
}

pub use crate::rules::test_support::run;

/// The findings of every rule in `rules` on `snap`.
pub fn run_all(rules: &[&'static dyn EngineRule], snap: &Snapshot) -> Vec<Finding> {
    let opts = EngineCheckOptions::default();
    let ctx = EngineCheckContext::new(snap, &opts);
    crate::rules::check_rules(&ctx, rules)
}

/// The findings of `rule` on one container.
pub fn run_on(rule: &dyn EngineRule, c: Container) -> Vec<Finding> {
    run(rule, &snapshot_with(vec![c]))
}

/// The findings of `rule` on the fixture container `name`.
pub fn run_named(rule: &dyn EngineRule, name: &str) -> Vec<Finding> {
    run_on(rule, container(name))
}

/// Names of the fixture containers `rule` reports, sorted and deduplicated.
pub fn reported(rule: &dyn EngineRule) -> Vec<String> {
    let mut v: Vec<String> = run(rule, fixture())
        .into_iter()
        .filter_map(|f| f.location.object)
        .filter_map(|o| {
            o.strip_prefix("container ")
                .and_then(|r| r.split(" / ").next())
                .map(str::to_string)
        })
        .collect();
    v.sort();
    v.dedup();
    v
}
