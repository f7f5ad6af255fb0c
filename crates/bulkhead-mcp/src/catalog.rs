//! The rule catalogue as tools and resources (`bulkhead://rules/<ID>`), and the `security_audit` prompt.

use bulkhead_core::RuleMeta;
use rmcp::model::{
    ErrorData, GetPromptRequestParams, GetPromptResult, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, Prompt, PromptArgument, PromptMessage,
    ReadResourceResult, Resource, ResourceContents, ResourceTemplate, Role,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What the server tells a client about itself at initialisation.
pub const INSTRUCTIONS: &str = "bulkhead inspects and audits Docker read-only: nothing is started, stopped, removed, \
executed or pulled, and secret values are redacted. Start with docker_listContainers and bulkhead_auditHost \
(counts first, then pages: pass next_offset as offset), drill into bulkhead_auditContainer / docker_inspectContainer, \
check images with bulkhead_scanImage, source with bulkhead_checkDockerfile / bulkhead_checkCompose, and propose \
fixes with bulkhead_hardenRun. bulkhead_explainRule or the resource bulkhead://rules/<ID> explains any rule id. \
The prompt security_audit walks the whole workflow.";

/// URI prefix of rule resources.
pub const RULE_URI: &str = "bulkhead://rules/";

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct ExplainRuleArgs {
    /// A rule id (CT004), name (capabilities-not-dropped) or alias (DL3002, CIS-5.4), case-insensitive.
    pub rule: String,
}

/// The rule `key` names: id, name or alias.
pub fn find<'a>(rules: &'a [&'static RuleMeta], key: &str) -> Option<&'a RuleMeta> {
    let k = key.trim();
    rules
        .iter()
        .find(|m| m.id.eq_ignore_ascii_case(k))
        .or_else(|| rules.iter().find(|m| m.name.eq_ignore_ascii_case(k)))
        .or_else(|| {
            rules
                .iter()
                .find(|m| m.aliases.iter().any(|a| a.eq_ignore_ascii_case(k)))
        })
        .copied()
}

/// `bulkhead_explainRule`.
pub fn explain(rules: &[&'static RuleMeta], key: &str) -> Result<Value, String> {
    let Some(m) = find(rules, key) else {
        let family: Vec<&str> = rules
            .iter()
            .filter(|m| {
                key.len() >= 2
                    && m.id
                        .get(..2)
                        .is_some_and(|p| p.eq_ignore_ascii_case(key.get(..2).unwrap_or("")))
            })
            .map(|m| m.id)
            .take(10)
            .collect();
        return Err(if family.is_empty() {
            format!(
                "no rule is named `{key}`: use an id such as CT004 or DF001, a name such as root-user, or an alias such as DL3002 or CIS-5.4 (the resources bulkhead://rules/<ID> list them all)"
            )
        } else {
            format!(
                "no rule is named `{key}`; rules of that family include {}",
                family.join(", ")
            )
        });
    };
    Ok(json!({
        "id": m.id,
        "name": m.name,
        "title": m.title,
        "severity": m.severity,
        "category": m.category,
        "aliases": m.aliases,
        "compliance": m.compliance,
        "fix": m.remediation,
        "min_profile": m.min_profile,
        "autofix": m.fixable,
        "resource": format!("{RULE_URI}{}", m.id),
        "doc": m.doc,
    }))
}

/// One resource per rule.
pub fn list_resources(rules: &[&'static RuleMeta]) -> ListResourcesResult {
    ListResourcesResult::with_all_items(
        rules
            .iter()
            .map(|m| {
                Resource::new(format!("{RULE_URI}{}", m.id), m.id)
                    .with_title(format!("{} {}", m.id, m.title))
                    .with_description(format!(
                        "{} rule ({}): {}",
                        m.severity, m.name, m.remediation
                    ))
                    .with_mime_type("text/markdown")
            })
            .collect(),
    )
}

/// `bulkhead://rules/{id}`.
pub fn resource_templates() -> ListResourceTemplatesResult {
    ListResourceTemplatesResult::with_all_items(vec![
        ResourceTemplate::new(format!("{RULE_URI}{{id}}"), "rule")
            .with_title("A bulkhead rule's documentation")
            .with_description("Rule id (CT004), name or alias: what it checks, why, example, fix")
            .with_mime_type("text/markdown"),
    ])
}

/// The rule's documentation as Markdown.
pub fn rule_markdown(m: &RuleMeta) -> String {
    let mut s = format!("# {} {}: {}\n\n", m.id, m.name, m.title);
    s.push_str(&format!("- severity: {}\n", m.severity));
    if !m.aliases.is_empty() {
        s.push_str(&format!("- also known as: {}\n", m.aliases.join(", ")));
    }
    if !m.compliance.is_empty() {
        s.push_str(&format!("- compliance: {}\n", m.compliance.join(", ")));
    }
    s.push_str(&format!("- fix: {}\n\n", m.remediation));
    s.push_str(m.doc.trim());
    s.push('\n');
    s
}

/// `resources/read`.
pub fn read_resource(
    rules: &[&'static RuleMeta],
    uri: &str,
) -> Result<ReadResourceResult, ErrorData> {
    let key = uri.strip_prefix(RULE_URI).ok_or_else(|| {
        ErrorData::resource_not_found(
            format!("{uri}: not a bulkhead resource; rule documents are {RULE_URI}<ID>"),
            None,
        )
    })?;
    let m = find(rules, key).ok_or_else(|| {
        ErrorData::resource_not_found(
            format!("{uri}: no rule `{key}` (resources/list lists every rule)"),
            None,
        )
    })?;
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(rule_markdown(m), format!("{RULE_URI}{}", m.id))
            .with_mime_type("text/markdown"),
    ]))
}

/// The prompts offered.
pub fn list_prompts() -> ListPromptsResult {
    ListPromptsResult::with_all_items(vec![Prompt::new(
        "security_audit",
        Some(
            "Audit the Docker host step by step: list, inspect, check, networks, report with fixes",
        ),
        Some(vec![
            PromptArgument::new("container")
                .with_description("Only this container (name or id); default: every container")
                .with_required(false),
            PromptArgument::new("severity")
                .with_description(
                    "Lowest severity to report: critical, high, medium, low, info (default medium)",
                )
                .with_required(false),
        ]),
    )])
}

/// `prompts/get`.
pub fn get_prompt(req: &GetPromptRequestParams) -> Result<GetPromptResult, ErrorData> {
    if req.name != "security_audit" {
        return Err(ErrorData::invalid_params(
            format!("no prompt `{}`; the server offers security_audit", req.name),
            None,
        ));
    }
    let arg = |k: &str| {
        req.arguments
            .as_ref()
            .and_then(|a| a.get(k))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let severity = arg("severity").unwrap_or_else(|| "medium".into());
    if severity.parse::<bulkhead_core::Severity>().is_err() {
        return Err(ErrorData::invalid_params(
            format!("severity `{severity}`: expected critical, high, medium, low or info"),
            None,
        ));
    }
    let scope = match arg("container") {
        Some(c) => format!("the container `{c}`"),
        None => "every container on the engine".to_string(),
    };
    let container_arg = arg("container")
        .map(|c| format!(", container: \"{c}\""))
        .unwrap_or_default();
    let text = format!(
        "Audit the security of {scope} with the bulkhead tools, reporting findings of severity {severity} and above. \
Work read-only: propose fixes, do not apply them.\n\n\
1. List: call docker_listContainers (all: true) and docker_systemInfo. Note the engine version, whether it runs \
rootless or with user namespaces, and the security options (seccomp, AppArmor).\n\
2. Inspect: for each container in scope call docker_inspectContainer and check Config.User (non-root), \
HostConfig.ReadonlyRootfs, CapDrop (ALL) and CapAdd, SecurityOpt (no-new-privileges, no unconfined seccomp or \
AppArmor), Privileged, Memory / NanoCpus / PidsLimit, PortBindings (127.0.0.1 unless public) and Mounts \
(no Docker socket, no sensitive host paths). Inspect its image with docker_inspectImage (Config.User, \
secrets in Config.Env).\n\
3. Check: call bulkhead_auditHost (severity: \"{severity}\"{container_arg}) and, per container, \
bulkhead_auditContainer; scan each image in use with bulkhead_scanImage (secrets, packages, vulnerabilities). \
Page through long results with offset = next_offset.\n\
4. Networks: call docker_listNetworks. Each tier should have its own network, data stores on an internal \
network, nothing on the default bridge, no data store published on 0.0.0.0.\n\
5. Report: group the findings by container, most severe first; for each give the rule id, what is wrong, \
why it matters (bulkhead_explainRule) and the exact fix; then give bulkhead_hardenRun's hardened `docker run` \
or compose service for each container that needs one. End with the counts by severity."
    );
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description("bulkhead security audit workflow"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<&'static RuleMeta> {
        let mut v = bulkhead_engine::rules::all_meta();
        v.extend(bulkhead_dockerfile::rules::all_meta());
        v
    }

    #[test]
    fn rules_are_found_by_id_name_and_alias() {
        let r = rules();
        assert_eq!(
            find(&r, "ct004").map(|m| m.id),
            find(&r, "CT004").map(|m| m.id)
        );
        assert_eq!(find(&r, "DL3002").map(|m| m.id), Some("DF001"));
        let e = explain(&r, "CT9999").unwrap_err();
        assert!(e.contains("CT0"), "{e}");
        let v = explain(&r, "DF001").unwrap();
        assert_eq!(v["resource"], "bulkhead://rules/DF001");
        assert!(v["doc"].as_str().unwrap().contains("## Fix"));
    }

    #[test]
    fn every_rule_resource_reads_back() {
        let r = rules();
        let list = list_resources(&r);
        assert_eq!(list.resources.len(), r.len());
        for res in &list.resources {
            let read = read_resource(&r, &res.uri).unwrap();
            assert_eq!(read.contents.len(), 1);
        }
        assert!(read_resource(&r, "bulkhead://rules/NOPE").is_err());
        assert!(read_resource(&r, "file:///etc/passwd").is_err());
    }
}
