//! Secret rules: Microsoft Azure. Storage and Cosmos DB account keys, SAS tokens, Entra ID client secrets,
//! Azure DevOps personal access tokens, Service Bus/Event Hubs/IoT Hub shared access keys, App Configuration
//! connection strings, Container Registry passwords.
//!
//! The well-known emulator keys of Azurite and the Cosmos DB emulator are published by Microsoft and are
//! allowlisted.

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC021",
        name: "azure-storage-account-key",
        title: "Azure Storage or Cosmos DB account key",
        severity: Severity::Critical,
        keywords: &["accountkey", "azure_storage", "azure-storage", "azure.storage", "azurestorage"],
        pattern: r#"(?i)(?:AccountKey\s*=\s*|azure[_.-]?storage[_.-]?(?:account[_.-]?)?(?:access[_.-]?)?key["']?\s*(?::=|=>|=|:)\s*["']?)(?P<secret>(?-i:[A-Za-z0-9+/]{86}==))"#,
        scope: Scope::Line,
        entropy: Some(4.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN,
            r"^Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==$",
            r"^C2y6yDjf5/R\+ob0N8A7Cgv30VRDJIWEHLM\+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==$",
        ],
        aliases: &[],
        examples: &[
            "AZURE_STORAGE_CONNECTION_STRING=\"DefaultEndpointsProtocol=https;AccountName=bulkheadartifacts;AccountKey=57oJP6hq6ItLy8k/QY0vPToTry/L31PNgqWbch2QUxxjY+oXqUj+22nRe40JZ/bYZ+w65no5VB180ACFa0qn6d==;EndpointSuffix=core.windows.net\"",
            r#"  "CosmosDb": "AccountEndpoint=https://bulkhead-db.documents.azure.com:443/;AccountKey=Qj/QKhCHD4//UjgjfXudzTQXGqi+x8PikL2t/yiRbiMdYN2fFq6oCoS1UFyVlYONgEUsYx1ihEeGY14iiMyD5F==;""#,
            "ENV AZURE_STORAGE_KEY=N+kvkdgK7FI0b4iiLl3Ezomr0odA/v4+ffDNH0qdN7VExMzj83pcgPIrWZHt7OSGqx7KXM1InwJNRHaFa87XwM==",
        ],
        near_misses: &[
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
            "AccountEndpoint=https://localhost:8081/;AccountKey=C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
            "AZURE_STORAGE_KEY=$(az storage account keys list -n bulkheadartifacts --query [0].value -o tsv)",
            "AccountKey=t1fDRDJnRdzQQWk8Hd/KFbfUwm5TQuZxLQZ35Bqe==;",
            "AZURE_STORAGE_CONNECTION_STRING=UseDevelopmentStorage=true",
        ],
        doc: "## What it finds
An 88-character Azure account key: `AccountKey=` in a Storage or Cosmos DB connection string, or a variable such as
`AZURE_STORAGE_KEY`/`AZURE_STORAGE_ACCOUNT_KEY`. The published Azurite and Cosmos DB emulator keys are ignored.

## Why it matters
An account key is the root credential of the storage or database account: full read, write and delete access to
every container, queue, table, file share or database, and it can sign SAS tokens of any scope and lifetime. It
does not expire.

## Fix
In the Azure portal open the storage account (Security + networking → Access keys) or Cosmos DB account (Keys) and
regenerate the leaked key; move clients to the other key first, since regenerating invalidates every SAS signed with
it. Remove the key from the source and image history, and prefer Microsoft Entra authentication with a managed
identity; where a connection string is unavoidable, inject it at run time from Key Vault or a mounted secret.",
    },
    SecretRule {
        id: "SC022",
        name: "azure-sas-token",
        title: "Azure shared access signature (SAS) token",
        severity: Severity::High,
        keywords: &["sig="],
        pattern: r#"(?:^|[?&;"'\s=])(?:sv|se)=[^&\s"'<>]+(?:&[A-Za-z0-9_-]+=[^&\s"'<>]*)*?&sig=(?P<secret>[A-Za-z0-9%+/]{40,}={0,2})"#,
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "ADD https://bulkheadartifacts.blob.core.windows.net/releases/app.tgz?sp=r&st=2024-06-12T08:00:00Z&se=2034-06-12T16:00:00Z&spr=https&sv=2022-11-02&sr=b&sig=RUMQlk6h54ILVwPp7ldNQTciZ4p1Y6%2BPQlA81ax0%3D /opt/app.tgz",
            "AZURE_STORAGE_SAS_TOKEN=\"?sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2031-06-30T18:00:00Z&st=2024-06-12T10:00:00Z&spr=https&sig=owkZ0ge3aZ0yGbansEqAHykelKD7%2F03iUyOr19JN%3D\"",
            "BlobEndpoint=https://bulkheadartifacts.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig=Se7RAsHpevfHNlY0zeimHXNMciK8Ijpgj82ywdmSP1B%3D",
        ],
        near_misses: &[
            "https://cdn.bulkhead.invalid/img/logo.png?w=200&sig=abc123",
            "https://bulkheadartifacts.blob.core.windows.net/c/app.tgz?sv=2022-11-02&se=2030-01-01&sr=b&sp=r&sig=<signature>",
            "https://bulkheadartifacts.blob.core.windows.net/c/app.tgz?sv=2022-11-02&sr=b&sig=Zm9vYmFy",
            "?sv=2022-11-02&se=2030-01-01&sig=${SAS_SIGNATURE}",
        ],
        doc: "## What it finds
A shared access signature: a query string (or `SharedAccessSignature=` connection-string part) with a service version
`sv=` or expiry `se=` and a `sig=` signature, the form Azure Storage, Service Bus and Event Hubs SAS tokens take.
Other URLs with a `sig` parameter are not reported.

## Why it matters
A SAS grants whatever its `sp=` permissions say on the resource in `sr=`/`ss=`, to anyone, until `se=`: account SAS
tokens are often issued with all permissions and expiries years away. It is used without any other credential, so
an `ADD` or `curl` with a SAS URL in image history hands out that access.

## Fix
A SAS cannot be revoked individually. If it was issued under a stored access policy, delete or change that policy;
otherwise rotate the account key that signed it (Storage account → Access keys), or for a user-delegation SAS revoke
the user delegation keys. Remove the URL from the source and image, download artifacts with a managed identity or a
build secret (`RUN --mount=type=secret`), and issue short-lived, least-privilege SAS tokens at run time.",
    },
    SecretRule {
        id: "SC023",
        name: "azure-entra-client-secret",
        title: "Microsoft Entra ID (Azure AD) client secret",
        severity: Severity::High,
        keywords: &["q~"],
        pattern: r#"(?:^|[\\'"`\s>=:(,)])(?P<secret>[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?:$|[\\'"`\s<),;])"#,
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["azure-ad-client-secret"],
        examples: &[
            "AZURE_CLIENT_SECRET=pWw8Q~Dw0wO0sOZgjON_ytr2FhhKtnELt5HlrMVh",
            r#"  "ClientSecret": "E5P7Q~GKeQtw3lgHUR_WUTPOsKhoiMJiDBMfc~.b","#,
            "az login --service-principal -u 4fa24a65-14cb-4b79-828a-c4d8b505ff3a -p OHL8Q~wZirf-F4eN1NI6zuksypSMP9B2TzB_ihe- --tenant bulkhead.onmicrosoft.com",
        ],
        near_misses: &[
            "AZURE_CLIENT_SECRET=H6C8Q~1leYv6eN6hO9Xc9gcB0c",
            "AZURE_CLIENT_SECRET=${AZURE_CLIENT_SECRET}",
            "cd ~/Q~backup && ls",
            "AZURE_CLIENT_SECRET=abcdQ~LdACG9I24JztksLN-CfEWAp72vSrE83heo",
        ],
        doc: "## What it finds
A client secret of a Microsoft Entra ID (Azure AD) app registration in the current format: three characters, a
digit, `Q~`, and 31 to 34 more characters, wherever it appears (`AZURE_CLIENT_SECRET`, `appsettings.json`,
`az login --service-principal -p`).

## Why it matters
With the app's client id and tenant (rarely secret) the secret signs in as the service principal and gets every
role it holds: Azure subscriptions and resource groups through RBAC, and Microsoft Graph application permissions
such as reading all mail or users. Secrets live up to two years.

## Fix
In the Entra admin center open App registrations → the app → Certificates & secrets, add a new secret, deploy it,
then delete the leaked one; check the service principal's sign-in logs for misuse. Remove the secret from the
source and image, and prefer managed identities or workload identity federation (no secret at all); otherwise inject
the secret at run time from Key Vault.",
    },
    SecretRule {
        id: "SC024",
        name: "azure-devops-pat",
        title: "Azure DevOps personal access token",
        severity: Severity::High,
        keywords: &["azdo"],
        pattern: r"\b(?P<secret>[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4})\b",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "AZURE_DEVOPS_EXT_PAT=Dg7W7pYECCQMspnTTlgUCbAdlVjGfot6GYTBC4COdAkStvrAj2ahJQQJ99M4e8yxXs4ZBVkakQtoAZDOXnco",
            "git clone https://build:1tc6x3OhkT8hw30dL6Js61dEVASaxQvPRCkMDn6oxURwGV191t8BJQQJ99OXfH4Xpks48f7hls0QAZDOKhpu@dev.azure.com/bulkhead/app/_git/app",
        ],
        near_misses: &[
            "AZDO_ORG_SERVICE_URL=https://dev.azure.com/bulkhead",
            "AZDO_PERSONAL_ACCESS_TOKEN=MulZgJwxP1VtgpYWplzkcgvlqsP18bSyT19lHi2DX2yCUK3lqDP1vhz9O5FRfZt3C39cdhAZDOn5KWmGCYh9",
            "AZDO_PERSONAL_ACCESS_TOKEN=mDHXHZ4WFgeilwvtQCVHuRt9G2bIEFRCoVhRbzNoiB1tMtw1E3BDJQQJ99BgZlgTcQaoBjtfEZz1AZDO",
        ],
        doc: "## What it finds
An Azure DevOps personal access token in the 84-character format introduced in 2024, recognised by its `AZDO`
signature at a fixed position. The older 52-character tokens need context and are reported by
`azure-devops-pat-legacy`.

## Why it matters
A PAT acts as the user who created it in every organisation and scope it was issued for: cloning and pushing code,
editing pipelines (which run with service connections to production), reading secure variables and artifact feeds.

## Fix
Revoke it in Azure DevOps under User settings → Personal access tokens (organisation administrators can revoke
users' tokens with the token revocation REST API). Remove it from the source and image; in pipelines use
`$(System.AccessToken)` or service connections with workload identity, and mount tokens at run time when one is
needed.",
    },
    SecretRule {
        id: "SC025",
        name: "azure-devops-pat-legacy",
        title: "Azure DevOps personal access token (52-character format)",
        severity: Severity::High,
        keywords: &[
            "azure_devops",
            "azure-devops",
            "azuredevops",
            "ado_",
            "ado-",
            "azdo",
            "vsts",
            "devops_",
            "devops-",
            "system_accesstoken",
            "dev.azure.com",
            "visualstudio.com",
            "azure_devops_ext_pat",
            "ado_pat",
            "ado_token",
        ],
        pattern: r#"(?i)(?:(?:\b|_)(?:azure[_.-]?devops|ado|azdo|vsts|devops)[\w.-]{0,20}?(?:pat|token|password|pwd|key)["']?(?:\s*(?::=|=>|=|:)\s*|\s+)["']?|(?:\b|_)system[_.]accesstoken["']?\s*(?::=|=>|=|:)\s*["']?|https?://[^\s:/@"']*:)(?P<secret>(?-i:[a-z2-7]{52}))(?:[^A-Za-z0-9]|$)"#,
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "ENV AZURE_DEVOPS_EXT_PAT=zd4xf42pkje4g6odfrygkkkceo4ikaoxlbhzzxfzan4rylikkj6e",
            "git clone https://pat:zyiz7uzfwg7lfgbuzwv3qv6reepccdexp6wjnlkcvmzpp2ofpfbc@dev.azure.com/bulkhead/app/_git/app",
            "export ADO_PAT=\"ad4zupsw624apmk2hgpo5inzd5soocvyt7dkggaeglalt4bu5loy\"",
        ],
        near_misses: &[
            "AZURE_DEVOPS_EXT_PAT=$(System.AccessToken)",
            "SYSTEM_ACCESSTOKEN: $(System.AccessToken)",
            "azure_devops_pat = \"mcbl3sp2ygo4c3337g5og7iqfwwlm6byvxd3mjgw\"",
            "git clone https://dev.azure.com/bulkhead/app/_git/app",
            "ADO_TOKEN=500803CB98DC935DEAE6D0093459B79B210779895FEEFB37C986",
        ],
        doc: "## What it finds
An Azure DevOps personal access token in the original 52-character base32 format, when the context says what it is:
a variable named like `AZURE_DEVOPS_EXT_PAT`, `ADO_PAT`, `VSTS_TOKEN` or `SYSTEM_ACCESSTOKEN`, or the password part of
a `https://user:TOKEN@dev.azure.com/...` URL.

## Why it matters
A PAT acts as the user who created it in every organisation and scope it was issued for: cloning and pushing code,
editing pipelines (which run with service connections to production), reading secure variables and artifact feeds.

## Fix
Revoke it in Azure DevOps under User settings → Personal access tokens (organisation administrators can revoke
users' tokens with the token revocation REST API). Remove it from the source and image; in pipelines use
`$(System.AccessToken)` or service connections with workload identity, and mount tokens at run time when one is
needed.",
    },
    SecretRule {
        id: "SC026",
        name: "azure-shared-access-key",
        title: "Azure Service Bus, Event Hubs, Relay or IoT Hub shared access key",
        severity: Severity::High,
        keywords: &["sharedaccesskey"],
        pattern: r#"(?i)SharedAccessKey\s*=\s*(?P<secret>(?-i:[A-Za-z0-9+/]{40,86}={0,2}))(?:[;"'\s]|$)"#,
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "SERVICEBUS_CONNECTION=\"Endpoint=sb://bulkhead-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=GtFhIkLcwSc4Bbb97ETYxWltz10nlNjQRfXpd2RJ2QJ=\"",
            "IOTHUB_CONNECTION_STRING=HostName=bulkhead-iot.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=2RqCg0F6Km2bz2V9KW53hpGYg15JSQkOZtHY94WA6LH=",
            r#"  "EventHub": "Endpoint=sb://bulkhead-events.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=Ht1E0RKqhiZzmZBzj5lFZJCIDiJJKMp0BJWY9Qq3hFA=;EntityPath=telemetry""#,
        ],
        near_misses: &[
            "Endpoint=sb://bulkhead-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=",
            "Endpoint=sb://bulkhead-bus.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=<key>",
            "SharedAccessKey=v0KWfnm2uLDv7p1g9Ml9=",
            "Endpoint=sb://bulkhead-bus.servicebus.windows.net/;Authentication=Managed Identity",
        ],
        doc: "## What it finds
The `SharedAccessKey=` part of a Service Bus, Event Hubs, Relay or IoT Hub connection string (`Endpoint=sb://...` or
`HostName=...azure-devices.net`), i.e. the key of a shared access policy such as `RootManageSharedAccessKey` or
`iothubowner`.

## Why it matters
The key signs SAS tokens with the policy's rights (`Send`, `Listen`, `Manage`): reading or injecting messages and
telemetry, and with `Manage` or `iothubowner` rights creating entities, devices and more keys. Keys do not expire.

## Fix
In the Azure portal open the namespace or IoT hub → Shared access policies → the policy, and regenerate the leaked
(primary or secondary) key after moving clients to the other one. Remove the connection string from the source and
image, prefer Microsoft Entra authentication with managed identities, and otherwise inject connection strings at run
time from Key Vault or a mounted secret.",
    },
    SecretRule {
        id: "SC027",
        name: "azure-app-configuration-connection-string",
        title: "Azure App Configuration connection string",
        severity: Severity::High,
        keywords: &["azconfig.io"],
        pattern: r"Endpoint=https://[A-Za-z0-9-]+\.azconfig\.io;Id=[A-Za-z0-9+/:=-]+;Secret=(?P<secret>[A-Za-z0-9+/]{40,}={0,2})",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "APP_CONFIG_CONNECTION=\"Endpoint=https://bulkhead-cfg.azconfig.io;Id=IQab-l9-s0:isFnD7EwlDT4KTvp76qi;Secret=hXSPB2Y3L72JwXMpD7P89FxJtvKh05b7Okj9l0bsS45=\"",
            r#"  "AppConfig": "Endpoint=https://bulkhead-cfg.azconfig.io;Id=r4ak-l0-s0:I64cyFapQHWa9P8wgLRa;Secret=Uyp6haHpmE6TCE5xC/FcuSfVZshdEIofCyOrCrt+tTA=""#,
        ],
        near_misses: &[
            "APP_CONFIG_ENDPOINT=https://bulkhead-cfg.azconfig.io",
            "Endpoint=https://bulkhead-cfg.azconfig.io;Id=w8jv-l9-s0:GUJLXbI6ywvLUEoiaUsy;Secret=",
            "Endpoint=https://bulkhead-cfg.azconfig.io;Id=JIAl-l9-s0:etgPGQPoK394ReUPieUm;Secret=<secret>",
        ],
        doc: "## What it finds
An Azure App Configuration connection string, `Endpoint=https://NAME.azconfig.io;Id=...;Secret=...`, whose `Secret`
is an access key of the store.

## Why it matters
A read-write key lets anyone change the application's settings and feature flags (pointing services at attacker
endpoints, turning off security features); even a read-only key exposes every setting, and App Configuration often
holds connection strings or Key Vault references for the whole application.

## Fix
In the Azure portal open the App Configuration store → Settings → Access settings and regenerate the leaked key
(primary or secondary, read-write or read-only) after moving clients to the other one; consider disabling access
keys entirely. Remove the string from the source and image, and connect with Microsoft Entra ID and a managed
identity (endpoint only), or inject the connection string at run time from Key Vault.",
    },
    SecretRule {
        id: "SC028",
        name: "azure-container-registry-password",
        title: "Azure Container Registry admin password or token password",
        severity: Severity::High,
        keywords: &["+acr"],
        pattern: r"(?:^|[^A-Za-z0-9+/])(?P<secret>[A-Za-z0-9+/]{42}\+ACR[A-Za-z0-9+/]{6})(?:[^A-Za-z0-9+/=]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "ENV ACR_PASSWORD=NkXhG2veCUICTSgo/ZLe3omuIcqkT3oxsLbzm64CVz+ACRsQKOjo",
            "docker login bulkheadacr.azurecr.io -u bulkheadacr -p l2qatRxjtiLB2qKzzAlPBZzsCQKrPRsn8UxELaXzUD+ACRjwtD2P",
            r#"  "password": "5qFhZfdS0VlQ+5nB0Q6KqJ3x5aZFEURvZPK1/G1BZN+ACRkg23aj","#,
        ],
        near_misses: &[
            "ACR_PASSWORD=MAIUS6so560pAALbLUWdZVFahWfxgf+ACRVwFL9W",
            "ACR_PASSWORD=X8SaGtF4yFg2uTzzttnDG76Ze6L89uqfjLLdHbpGCv+ACRBI",
            "# ACR passwords end with +ACR and six more characters",
            "ACR_PASSWORD=$(az acr credential show -n bulkheadacr --query passwords[0].value -o tsv)",
        ],
        doc: "## What it finds
A password of an Azure Container Registry in the current 52-character format, recognised by its `+ACR` signature at
a fixed position: the admin user's passwords (`az acr credential show`) and the passwords of repository-scoped
tokens. Older 32-character admin passwords carry no signature; they are found on `docker login`/`az acr login`
command lines by `registry-login-password`.

## Why it matters
The admin user has push and pull rights on every repository of the registry, so its password lets an attacker read
all images and replace the ones production pulls. Token passwords grant what their scope map allows, often push.

## Fix
In the Azure portal open the registry → Settings → Access keys and regenerate the leaked password (or disable the
admin user altogether), or for a token regenerate its password under Repository permissions → Tokens; review the
registry's activity logs. Remove the password from the source and image, and authenticate with Microsoft Entra ID
(`az acr login` with a managed identity or service principal, AKS kubelet identity) instead of admin credentials.",
    },
];
