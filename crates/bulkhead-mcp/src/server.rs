//! The MCP server: state shared by every session, the tool router, resources and the prompt.

use crate::calllog::CallLog;
use crate::confine::Root;
use crate::{Options, Services, catalog, inspect, judge};
use bulkhead_engine::connect::Connection;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, ContentBlock, ErrorData, GetPromptRequestParams, GetPromptResponse,
    Implementation, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler, ServiceExt, tool, tool_handler, tool_router};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

/// What every session shares.
pub struct State {
    pub root: Root,
    pub host: Option<String>,
    pub log: CallLog,
    pub services: Services,
    engine: tokio::sync::Mutex<Option<Connection>>,
}

impl State {
    pub fn new(opts: &Options, services: Services) -> Result<Arc<State>, String> {
        let root = Root::new(&opts.root)?;
        let log = match &opts.log_file {
            Some(p) => CallLog::file(p)?,
            None => CallLog::stderr(),
        };
        Ok(Arc::new(State {
            root,
            host: opts.host.clone(),
            log,
            services,
            engine: tokio::sync::Mutex::new(None),
        }))
    }

    /// The engine, connected and its API version negotiated once; a failure is not cached, so an engine
    /// that comes up later is found.
    pub async fn engine(&self) -> Result<Connection, String> {
        let mut slot = self.engine.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let mut conn =
            bulkhead_engine::connect::connect(self.host.as_deref()).map_err(|e| e.to_string())?;
        let fut = conn.docker.clone().negotiate_version();
        let negotiated = tokio::time::timeout(std::time::Duration::from_secs(10), fut)
            .await
            .map_err(|_| {
                format!(
                    "{}: no answer within 10 s (is it a Docker engine, and is it up?)",
                    conn.display()
                )
            })?
            .map_err(|e| {
                format!(
                    "{}: {}",
                    conn.display(),
                    bulkhead_engine::connect::explain_error(&e)
                )
            })?;
        conn.docker = negotiated;
        *slot = Some(conn.clone());
        Ok(conn)
    }

    /// Drops the cached connection (after a transport error, so the next call reconnects).
    pub async fn forget_engine(&self) {
        *self.engine.lock().await = None;
    }
}

/// The JSON types a schema's `type` allows (`"integer"`, `["integer", "null"]`).
fn schema_types(prop: &Value) -> Vec<&str> {
    match prop.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The first argument whose JSON type the tool's schema does not allow, said plainly.
fn bad_argument(schema: &serde_json::Map<String, Value>, args: &Value) -> Option<String> {
    let props = schema.get("properties")?.as_object()?;
    let given = args.as_object()?;
    for (k, v) in given {
        let Some(prop) = props.get(k) else { continue };
        let allowed = schema_types(prop);
        let t = json_type(v);
        let fits = allowed.is_empty()
            || allowed.contains(&t)
            || (t == "integer" && allowed.contains(&"number"));
        let negative =
            t == "integer" && v.as_i64().is_some_and(|n| n < 0) && allowed.contains(&"integer");
        if !fits || negative {
            let shown: String = v.to_string().chars().take(40).collect();
            return Some(format!(
                "argument `{k}` is {shown} ({t}); expected {}",
                if negative {
                    "a non-negative integer".to_string()
                } else {
                    allowed.join(" or ")
                }
            ));
        }
    }
    None
}

/// One MCP session's handler.
#[derive(Clone)]
pub struct Bulkhead {
    pub(crate) st: Arc<State>,
    tool_router: ToolRouter<Self>,
}

/// Longest request line read from standard input (rmcp's own limit for line transports).
const MAX_LINE: usize = 16 << 20;

/// The JSON-RPC answer to a line that is not JSON.
fn parse_error(why: &str) -> String {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": -32700, "message": format!("Parse error: {why}")},
    })
    .to_string()
}

/// Serves one session over standard input/output until the client closes it. Each input line that is
/// JSON goes to rmcp; a line that is not (or is longer than 16 MiB) is answered here with a JSON-RPC parse
/// error, as JSON-RPC 2.0 requires, and the session goes on. Standard output carries only protocol lines,
/// written whole.
pub async fn serve_stdio(state: Arc<State>) -> Result<(), String> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let (ours, theirs) = tokio::io::duplex(1 << 20);
    let (our_read, mut our_write) = tokio::io::split(ours);
    let out = Arc::new(tokio::sync::Mutex::new(tokio::io::stdout()));
    let write_line = |out: Arc<tokio::sync::Mutex<tokio::io::Stdout>>, line: Vec<u8>| async move {
        let mut o = out.lock().await;
        o.write_all(&line).await?;
        o.write_all(b"\n").await?;
        o.flush().await
    };
    let answers_out = out.clone();
    let answers = tokio::spawn(async move {
        let mut lines = BufReader::new(our_read).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if write_line(answers_out.clone(), line.into_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let requests_out = out.clone();
    tokio::spawn(async move {
        let mut input = BufReader::new(tokio::io::stdin());
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let n = match (&mut input)
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut buf)
                .await
            {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if n > MAX_LINE && buf.last() != Some(&b'\n') {
                // Skip the rest of the overlong line.
                let mut rest = Vec::new();
                loop {
                    rest.clear();
                    match (&mut input)
                        .take(1 << 20)
                        .read_until(b'\n', &mut rest)
                        .await
                    {
                        Ok(0) | Err(_) => break,
                        Ok(_) if rest.last() == Some(&b'\n') => break,
                        Ok(_) => {}
                    }
                }
                let e = parse_error(&format!("the line is longer than {MAX_LINE} bytes"));
                if write_line(requests_out.clone(), e.into_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
                continue;
            }
            let text = String::from_utf8_lossy(&buf);
            let line = text.trim();
            if line.is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(line) {
                Ok(_) => {
                    if our_write.write_all(line.as_bytes()).await.is_err()
                        || our_write.write_all(b"\n").await.is_err()
                    {
                        break;
                    }
                }
                Err(e) => {
                    let e = parse_error(&e.to_string());
                    if write_line(requests_out.clone(), e.into_bytes())
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
        // End of input: rmcp sees the end of its stream and closes the session.
        let _ = our_write.shutdown().await;
    });
    let service = Bulkhead::new(state)
        .serve(theirs)
        .await
        .map_err(|e| format!("MCP session failed to start: {e}"))?;
    let ended = service.waiting().await;
    // Every answer rmcp wrote is on standard output before the process ends.
    let _ = answers.await;
    ended.map_err(|e| format!("MCP session ended with an error: {e}"))?;
    Ok(())
}

impl Bulkhead {
    /// Times, logs and wraps a tool's outcome: a result as structured content, a failure as a tool error
    /// the client shows to the model.
    async fn call<A: Serialize>(
        &self,
        tool: &str,
        args: &A,
        fut: impl std::future::Future<Output = Result<Value, String>>,
    ) -> Result<CallToolResult, ErrorData> {
        let started = Instant::now();
        let outcome = fut.await;
        let args = serde_json::to_value(args).unwrap_or(Value::Null);
        let ms = started.elapsed().as_millis();
        match outcome {
            Ok(mut v) => {
                crate::redact::value(&mut v);
                self.st.log.record(tool, &args, ms, "ok");
                Ok(CallToolResult::structured(v))
            }
            Err(e) => {
                let e = crate::redact::text(&e);
                self.st.log.record(tool, &args, ms, &format!("error: {e}"));
                Ok(CallToolResult::error(vec![ContentBlock::text(format!(
                    "{tool}: {e}"
                ))]))
            }
        }
    }
}

#[tool_router(router = tool_router)]
impl Bulkhead {
    pub fn new(st: Arc<State>) -> Self {
        Bulkhead {
            st,
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        name = "docker_listContainers",
        annotations(
            title = "List containers",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        description = "List containers (running ones, or all with all=true) as the Engine API's GET /containers/json does: id, name, image, state, status, published ports, networks. Counts first, then one page. Read-only."
    )]
    async fn docker_list_containers(
        &self,
        Parameters(a): Parameters<inspect::ListContainersArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call(
            "docker_listContainers",
            &a,
            inspect::list_containers(&self.st, &a),
        )
        .await
    }

    #[tool(
        name = "docker_inspectContainer",
        annotations(
            title = "Inspect a container",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        description = "Inspect one container by name or id (GET /containers/{id}/json). By default the security-relevant fields under the Engine API's own names: Config.User, Config.Env, HostConfig.Privileged, ReadonlyRootfs, CapAdd, CapDrop, SecurityOpt, Memory, NanoCpus, PidsLimit, NetworkMode, PortBindings, Mounts, ...; full=true returns the whole document. Secret values are redacted."
    )]
    async fn docker_inspect_container(
        &self,
        Parameters(a): Parameters<inspect::InspectContainerArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call(
            "docker_inspectContainer",
            &a,
            inspect::inspect_container(&self.st, &a),
        )
        .await
    }

    #[tool(
        name = "docker_inspectImage",
        annotations(
            title = "Inspect an image",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        description = "Inspect one image in the engine by name, tag or id (GET /images/{name}/json): Config.User, Config.Env, ExposedPorts, Volumes, Entrypoint, Cmd, Healthcheck, labels, layers; history=true adds the build history. Secret values are redacted. Never pulls."
    )]
    async fn docker_inspect_image(
        &self,
        Parameters(a): Parameters<inspect::InspectImageArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call(
            "docker_inspectImage",
            &a,
            inspect::inspect_image(&self.st, &a),
        )
        .await
    }

    #[tool(
        name = "docker_listNetworks",
        annotations(
            title = "List networks",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        description = "List networks with driver, scope, internal/attachable/ingress flags, subnets, options and the containers attached to each (for segmentation: one network per tier, back ends internal)."
    )]
    async fn docker_list_networks(
        &self,
        Parameters(a): Parameters<inspect::ListNetworksArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call(
            "docker_listNetworks",
            &a,
            inspect::list_networks(&self.st, &a),
        )
        .await
    }

    #[tool(
        name = "docker_systemInfo",
        annotations(
            title = "Engine system info",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        description = "The engine's system info and version (GET /info, /version): server version, API version, OS, kernel, rootless and user-namespace mode, security options (seccomp, AppArmor, SELinux), cgroup driver, live restore, logging and storage drivers, insecure registries, Swarm state, container and image counts, daemon warnings."
    )]
    async fn docker_system_info(
        &self,
        Parameters(a): Parameters<inspect::SystemInfoArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call("docker_systemInfo", &a, inspect::system_info(&self.st, &a))
            .await
    }

    #[tool(
        name = "docker_searchHub",
        annotations(
            title = "Search Docker Hub",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        description = "Search Docker Hub through the engine's image search (GET /images/search): name, description, stars, official. Needs the engine to reach the registry; offline it returns a tool error. Never pulls."
    )]
    async fn docker_search_hub(
        &self,
        Parameters(a): Parameters<inspect::SearchHubArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call("docker_searchHub", &a, inspect::search_hub(&self.st, &a))
            .await
    }

    #[tool(
        name = "bulkhead_auditHost",
        annotations(
            title = "Audit the Docker host",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        description = "Audit the live engine against the CIS Docker Benchmark: daemon, every container, networks, Swarm. Findings carry rule id, severity, object (container web / HostConfig.CapDrop), message and the exact fix. Filter by container, minimum severity or rule; counts first, then one page."
    )]
    async fn bulkhead_audit_host(
        &self,
        Parameters(a): Parameters<judge::AuditHostArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call("bulkhead_auditHost", &a, judge::audit_host(&self.st, &a))
            .await
    }

    #[tool(
        name = "bulkhead_auditContainer",
        annotations(
            title = "Audit a container",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        description = "Audit one container (by name or id): its findings (user, capabilities, read-only rootfs, no-new-privileges, limits, ports, mounts, namespaces, secrets in env, ...) with fixes, and the process user seen by `top`."
    )]
    async fn bulkhead_audit_container(
        &self,
        Parameters(a): Parameters<judge::AuditContainerArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call(
            "bulkhead_auditContainer",
            &a,
            judge::audit_container(&self.st, &a),
        )
        .await
    }

    #[tool(
        name = "bulkhead_scanImage",
        annotations(
            title = "Scan an image",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        description = "Scan an image: config (user, ports, healthcheck...), files (setuid, world-writable, keys), secrets in layers and history, packages, and vulnerabilities against the offline database (`bulkhead db update` fills it). `image` is an engine image name, or a path under the server's root to a `docker save` tarball (docker-archive:PATH), an OCI layout (oci:DIR) or a root filesystem (dir:DIR). Never pulls."
    )]
    async fn bulkhead_scan_image(
        &self,
        Parameters(a): Parameters<judge::ScanImageArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call("bulkhead_scanImage", &a, judge::scan_image(&self.st, &a))
            .await
    }

    #[tool(
        name = "bulkhead_checkDockerfile",
        annotations(
            title = "Check a Dockerfile",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        description = "Check a Dockerfile (inline `content`, or `path` under the server's root, whose directory is the build context): non-root USER, pinned base images, secrets in ENV/ARG/RUN and in files COPY ships, package-manager hygiene, ... Findings with line, rule, severity and fix."
    )]
    async fn bulkhead_check_dockerfile(
        &self,
        Parameters(a): Parameters<judge::CheckDockerfileArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call(
            "bulkhead_checkDockerfile",
            &a,
            judge::check_dockerfile(&self.st, &a),
        )
        .await
    }

    #[tool(
        name = "bulkhead_checkCompose",
        annotations(
            title = "Check a compose project",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        description = "Check a compose project (inline `content`, or `paths` under the server's root merged like `docker compose -f a -f b`): privileged, capabilities, read-only rootfs, no-new-privileges, limits, ports on all interfaces, host namespaces, Docker socket, secrets in environment, network segmentation, ... Findings with file:line, rule, severity and fix."
    )]
    async fn bulkhead_check_compose(
        &self,
        Parameters(a): Parameters<judge::CheckComposeArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call(
            "bulkhead_checkCompose",
            &a,
            judge::check_compose(&self.st, &a),
        )
        .await
    }

    #[tool(
        name = "bulkhead_hardenRun",
        annotations(
            title = "Hardened docker run / compose service",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        description = "The hardened way to run a container or an image: the exact `docker run` command and the equivalent compose service (non-root user, --cap-drop ALL, --read-only with tmpfs, no-new-privileges, memory/cpu/pids limits, ports on 127.0.0.1, ...), each change tied to the audit rule it addresses, plus notes on what to tune. Prints, never runs."
    )]
    async fn bulkhead_harden_run(
        &self,
        Parameters(a): Parameters<judge::HardenRunArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.call("bulkhead_hardenRun", &a, judge::harden_run(&self.st, &a))
            .await
    }

    #[tool(
        name = "bulkhead_explainRule",
        annotations(
            title = "Explain a rule",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        description = "Explain a bulkhead rule by id (CT004), name (capabilities-not-dropped) or alias (DL3002, CIS-5.4): what it checks, why it matters, an example, the fix, severity and compliance references."
    )]
    async fn bulkhead_explain_rule(
        &self,
        Parameters(a): Parameters<catalog::ExplainRuleArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let result = catalog::explain(&self.st.services.rules, &a.rule);
        self.call("bulkhead_explainRule", &a, async move { result })
            .await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Bulkhead {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("bulkhead", env!("CARGO_PKG_VERSION")))
        .with_instructions(catalog::INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: rmcp::model::CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CallToolResponse, ErrorData> {
        // Calls that never reach a tool (unknown name, arguments that do not fit its schema) are logged
        // here; the others are logged by the tool's wrapper.
        let name = request.name.to_string();
        let args = request
            .arguments
            .clone()
            .map(Value::Object)
            .unwrap_or(Value::Null);
        let started = Instant::now();
        let result = if self.tool_router.has_route(&name) {
            let tcc = rmcp::handler::server::tool::ToolCallContext::new(self, request, context);
            self.tool_router.call(tcc).await
        } else {
            let mut known: Vec<String> = self
                .tool_router
                .list_all()
                .into_iter()
                .map(|t| t.name.to_string())
                .collect();
            known.sort();
            Err(ErrorData::invalid_params(
                format!(
                    "unknown tool `{name}`; this server has {}",
                    known.join(", ")
                ),
                None,
            ))
        };
        // rmcp answers arguments that do not deserialize with a tool error naming the wrong type but not the
        // argument: name it from the tool's input schema.
        let result = match result {
            Ok(rmcp::model::CallToolResponse::Complete(mut r)) if r.is_error == Some(true) => {
                let text = r
                    .content
                    .first()
                    .and_then(|c| c.as_text())
                    .map(|t| t.text.clone())
                    .unwrap_or_default();
                if text.starts_with("failed to deserialize parameters") {
                    let why = self
                        .tool_router
                        .get(&name)
                        .and_then(|tool| bad_argument(&tool.input_schema, &args))
                        .unwrap_or(text);
                    let why = crate::redact::text(&format!("{name}: {why}"));
                    self.st.log.record(
                        &name,
                        &args,
                        started.elapsed().as_millis(),
                        &format!("refused: {why}"),
                    );
                    r.content = vec![ContentBlock::text(why)];
                }
                Ok(rmcp::model::CallToolResponse::Complete(r))
            }
            other => other,
        };
        if let Err(e) = &result {
            self.st.log.record(
                &name,
                &args,
                started.elapsed().as_millis(),
                &format!("refused: {}", e.message),
            );
        }
        result
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(catalog::list_resources(&self.st.services.rules))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(catalog::resource_templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        catalog::read_resource(&self.st.services.rules, &request.uri).map(Into::into)
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(catalog::list_prompts())
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        catalog::get_prompt(&request).map(Into::into)
    }
}
