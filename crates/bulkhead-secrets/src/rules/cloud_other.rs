//! Secret rules: other cloud and infrastructure providers. DigitalOcean, Heroku, Alibaba Cloud, Tencent Cloud,
//! IBM Cloud, Cloudflare, Fly.io, HashiCorp Vault and Terraform Cloud, Doppler, Pulumi, and Kubernetes
//! bootstrap tokens. Other kubeconfig credentials are left to `kubeconfig-credential`.
//!
//! Prefixed tokens are reported anywhere. Providers whose keys have no prefix (Heroku's UUIDs, IBM Cloud,
//! Cloudflare) are reported only when the variable or key name says whose credential it is.

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC048",
        name: "digitalocean-token",
        title: "DigitalOcean personal access, OAuth or refresh token",
        severity: Severity::Critical,
        keywords: &["dop_v1_", "doo_v1_", "dor_v1_"],
        pattern: r"\b(?P<secret>do[opr]_v1_[a-f0-9]{64})\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["digitalocean-pat", "digitalocean-access-token", "digitalocean-refresh-token"],
        examples: &[
            "ENV DIGITALOCEAN_ACCESS_TOKEN=dop_v1_f55af0f8a5892fc57f880e255e8e20ecf8a4f09d0285c8b974c55ab2eb25f106",
            "RUN doctl auth init -t dop_v1_0336392750ec2458870715c8498ec62ec9854ccec1833fcf08810d2daaa016fb && doctl registry login",
            r#"{"access_token": "doo_v1_6fcd83197ece8ed99f2576c15a868b022048c145f772d01e2d5cf093ce0903b8", "refresh_token": "dor_v1_1b8ee556436cdc8892711b041df3837aa39b66303b554b72f5109a3a04818919", "token_type": "bearer"}"#,
        ],
        near_misses: &[
            "DIGITALOCEAN_ACCESS_TOKEN=dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "DIGITALOCEAN_ACCESS_TOKEN=dop_v1_f8a7fabf31d18c38378b59b6abf3e450f106f011",
            "DIGITALOCEAN_ACCESS_TOKEN=dop_v1_94926FCFA607A655CB61A5F65A1343BE4D769E02049FB045DECF71AD9A825ADA",
            "DIGITALOCEAN_ACCESS_TOKEN=${DO_TOKEN}",
            "DIGITALOCEAN_ACCESS_TOKEN=dop_v1_0000000000000000000000000000000000000000000000000000000000000000",
        ],
        doc: "## What it finds
DigitalOcean API tokens: personal access tokens (`dop_v1_`), OAuth access tokens (`doo_v1_`) and OAuth refresh tokens
(`dor_v1_`), each followed by 64 hex digits, as used by `doctl`, Terraform and the container registry login.

## Why it matters
A full-access token administers the whole team account: creating and destroying Droplets, Kubernetes clusters and
databases, reading Spaces keys and registry images. Read-only tokens still expose the infrastructure inventory.

## Fix
Delete the token in the DigitalOcean control panel under API → Tokens (for OAuth tokens, revoke the application's
access under Settings → Applications & API → Authorized applications) and review the team's security history.
Remove it from the source and image; create a custom-scoped token with an expiry and inject it at run time from a
secret store, or with `RUN --mount=type=secret` during builds.",
    },
    SecretRule {
        id: "SC049",
        name: "heroku-api-key",
        title: "Heroku API key",
        severity: Severity::Critical,
        keywords: &["heroku", "heroku_api_key"],
        pattern: r#"(?i)heroku[\w.-]{0,30}?(?:api[_.-]?key|key|token|secret|password|auth)["']?(?:\s*(?::=|=>|=|:)\s*|\s+)["']?(?P<secret>(?-i:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|HRKU-AA[0-9A-Za-z_-]{58}))(?:[^0-9A-Za-z_-]|$)"#,
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["heroku-api-key", "heroku-api-key-v2"],
        examples: &[
            "ENV HEROKU_API_KEY=20f7c715-a532-44ee-a52f-c57c7ba7a02e",
            "heroku_api_key: \"HRKU-AAGMulbq-7s1ZbFB-SQEoxKweRMrlT43yDnqS4ZXIHAbIVertTdTlQdnDpG7\"",
            r#"  "herokuAuthToken": "1539a748-a9a7-4bb6-804c-3039b4b1f56e","#,
        ],
        near_misses: &[
            "HEROKU_APP_ID=e62dd5a7-6186-438b-acdd-0a13aa183094",
            "HEROKU_API_KEY=${HEROKU_API_KEY}",
            "HEROKU_API_KEY=00000000-0000-0000-0000-000000000000",
            "HEROKU_API_KEY=HRKU-AAn_Js70N4E_jUQ8DJ0kzY",
        ],
        doc: "## What it finds
A Heroku API key assigned to a Heroku-named setting (`HEROKU_API_KEY`, `heroku_api_key`, `herokuAuthToken`): either
the classic UUID form or the newer `HRKU-AA...` form. UUIDs elsewhere (app ids, request ids) are not reported.

## Why it matters
The key acts as the Heroku user through the Platform API and CLI: deploying code, reading every app's config vars
(which hold database URLs and other secrets), scaling dynos on the account's bill and managing collaborators.

## Fix
Regenerate the key at dashboard.heroku.com → Account settings → API Key, or revoke the specific authorization with
`heroku authorizations:revoke`, and check the account's activity. Remove it from the source and image; in CI create a
scoped, expiring authorization (`heroku authorizations:create`) and store it as a secret variable.",
    },
    SecretRule {
        id: "SC050",
        name: "alibaba-access-key-id",
        title: "Alibaba Cloud AccessKey ID",
        severity: Severity::Medium,
        keywords: &["ltai"],
        pattern: r"\b(?P<secret>LTAI[A-Za-z0-9]{12,20})\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["alibaba-access-key-id"],
        examples: &[
            "ENV ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5ttoh4b3wfIMmmfurcEt",
            "access_key_id = \"LTAI4GGWTQCCWr0Zpe7I\"",
        ],
        near_misses: &[
            "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI25Kc8oG1",
            "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIxxxxxxxxxxxxxxxxxxxx",
            "ALIBABA_CLOUD_ACCESS_KEY_ID=${ALIBABA_CLOUD_ACCESS_KEY_ID}",
            "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIeBz0zCjxxFY99lwjBf7qS1om",
        ],
        doc: "## What it finds
An Alibaba Cloud (Aliyun) AccessKey ID: `LTAI` followed by 12 to 20 letters and digits.

## Why it matters
The id alone does not authenticate, hence medium severity, but it is one half of an AccessKey pair and the secret
(30 characters, often `ALIBABA_CLOUD_ACCESS_KEY_SECRET`) is normally stored right next to it. Together they act with
the RAM user's or root account's permissions across ECS, OSS and every other service.

## Fix
Check for the matching AccessKey secret. In the RAM console open the user → AccessKey, disable the pair and delete
it once nothing uses it (and never use root-account keys). Remove both from the source and image; on Alibaba Cloud
use RAM roles for ECS instances or RRSA on ACK, elsewhere inject short-lived STS credentials at run time.",
    },
    SecretRule {
        id: "SC051",
        name: "tencent-cloud-secret-id",
        title: "Tencent Cloud SecretId",
        severity: Severity::Medium,
        keywords: &["akid"],
        pattern: r"\b(?P<secret>AKID[A-Za-z0-9]{32})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "ENV TENCENTCLOUD_SECRET_ID=AKIDkL1Os6HecjEMG8KhAnZ2mGfVHaZw76xL",
            "secret_id = \"AKIDsmQzDuuiZAbaCJowIPLRgqNSWe1MZPu6\"",
        ],
        near_misses: &[
            "TENCENTCLOUD_SECRET_ID=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
            "TENCENTCLOUD_SECRET_ID=AKID5j7B4cJIlnpglrEqamww",
            "TENCENTCLOUD_SECRET_ID=$SECRET_ID",
        ],
        doc: "## What it finds
A Tencent Cloud API SecretId: `AKID` followed by 32 letters and digits, as used by `tccli`, the SDKs and Terraform
(`TENCENTCLOUD_SECRET_ID`).

## Why it matters
The SecretId identifies an API key and is useless without its SecretKey, so this is medium; but the SecretKey
(`TENCENTCLOUD_SECRET_KEY`) almost always sits next to it, and the pair signs API calls with the sub-user's or root
account's permissions.

## Fix
Look for the matching SecretKey. In the CAM console (Access Key / API key management) disable the key and delete it
once nothing uses it. Remove both halves from the source and image; on Tencent Cloud use CAM roles for CVM or TKE,
elsewhere inject temporary STS credentials at run time.",
    },
    SecretRule {
        id: "SC052",
        name: "ibm-cloud-api-key",
        title: "IBM Cloud API key",
        severity: Severity::Critical,
        keywords: &["ibm", "ic_api_key", "bluemix", "bx_api_key", "ibmcloud_api_key"],
        pattern: r#"(?i)(?:(?:\b|_)(?:ibm[_.-]?cloud|ibmcloud|ibm|ic|bluemix|bx)[_.-]?api[_.-]?key["']?(?:\s*(?::=|=>|=|:)\s*|\s+)["']?|\bibmcloud\s+login\b[^\r\n]*?\s--apikey(?:=|\s+)["']?)(?P<secret>(?-i:[A-Za-z0-9_-]{44}))(?:[^A-Za-z0-9_-]|$)"#,
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "ENV IBMCLOUD_API_KEY=io410xti1Tbr-bUVxtqXKa9fAFx3RnDRM7Q5Zb1ihmIj",
            "RUN ibmcloud login --apikey SaYMqwGIb7d5SDABZ5PGSfREWEJgXLkfXQ66h40diW2U -r us-south -g default",
            "IC_API_KEY=\"IDMhBi02SX0UmhB2qjw6KKgy6H-P6HvMWkZgQpGlTjXB\"",
        ],
        near_misses: &[
            "RUN ibmcloud login --apikey @/run/secrets/ibmcloud.json -r us-south",
            "IBMCLOUD_API_KEY=${IBMCLOUD_API_KEY}",
            "IBMCLOUD_API_KEY=oIff9PgWEEDnDTdIh9R4YhX3HX9uZI",
            "IBMCLOUD_REGION=us-south",
        ],
        doc: "## What it finds
An IBM Cloud API key (44 characters) where the context names it: `IBMCLOUD_API_KEY`, `IC_API_KEY` (Terraform),
`BLUEMIX_API_KEY`/`BX_API_KEY`, or the value of `ibmcloud login --apikey`.

## Why it matters
A user API key logs in as that user with all their IAM access across the account (often administrator), and a
service ID key with the service ID's policies; keys do not expire by default.

## Fix
In the IBM Cloud console go to Manage → Access (IAM) → API keys (or the service ID's API keys tab), delete or
disable the key and check Activity Tracker for its use. Remove it from the source and image; use trusted profiles
with compute-resource identity where possible, otherwise inject the key at run time from Secrets Manager or a
mounted secret (`ibmcloud login --apikey @file`).",
    },
    SecretRule {
        id: "SC053",
        name: "cloudflare-api-credential",
        title: "Cloudflare API token, global API key or Origin CA key",
        severity: Severity::High,
        keywords: &[
            "cloudflare",
            "cf_",
            "cf-",
            "cloudflare_api_token",
            "cloudflare_api_key",
            "cf_api_token",
            "cf_api_key",
            "cf_dns_api_token",
        ],
        pattern: r#"(?i)(?:\b|_)(?:cloudflare|cf)[\w.-]{0,20}?(?:api[_.-]?)?(?:token|key|secret)["']?(?:\s*(?::=|=>|=|:)\s*|\s+)["']?(?P<secret>(?-i:[A-Za-z0-9_-]{40}|[a-f0-9]{37}|v1\.0-[a-f0-9]{24}-[a-f0-9]{146}))(?:[^A-Za-z0-9_.-]|$)"#,
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN, r"^[0-9a-f]{40}$"],
        aliases: &["cloudflare-api-key", "cloudflare-global-api-key", "cloudflare-origin-ca-key"],
        examples: &[
            "ENV CLOUDFLARE_API_TOKEN=i-MB7XJ_8-1tcxh9oev5l-Hi9yZslaYrkl1X2gZe",
            "CF_DNS_API_TOKEN=q7dVp7y36ZgpWjwKEZNsMv4sBgCOW8eW7xOV4YOq",
            "CF_API_KEY=71c19baf8be849c2e1d61b2d896a3a8237b9f",
            "cloudflare_origin_ca_key = \"v1.0-3f1adbf5a769f2f957d9a689-4ce10a36c3a3be4945463196fae75d1d2b4c1ef2005eeb2e61e1b48173c0ddf2c983e07bf2b826e0b302f3186304e83a8a5947264e1778236fe9974aa502d4d019d3e2844e16893815\"",
        ],
        near_misses: &[
            "CLOUDFLARE_ZONE_ID=1291b1353c058f93bab4a512a7db3522",
            "CLOUDFLARE_ACCOUNT_ID=f61ce54b212ac3a104451253d596eae1",
            "CF_API_TOKEN=${CF_API_TOKEN}",
            "CLOUDFLARE_API_TOKEN=wxyDC1FKtRiEwjF8M9361sKUYD4b_A",
            "CLOUDFLARE_API_TOKEN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "CF_CACHE_KEY=3f786850e387550fdab836ed7e6dc881de23001b",
        ],
        doc: "## What it finds
Cloudflare API credentials where the variable or key name says so (`CLOUDFLARE_API_TOKEN`, `CF_API_TOKEN`,
`CF_DNS_API_TOKEN`, `CF_API_KEY`, `cloudflare_origin_ca_key`): 40-character API tokens, 37-hex-digit global API
keys and `v1.0-...` Origin CA keys. Zone and account ids, and 40-digit hex values (hashes), are not reported.

## Why it matters
A DNS-edit token (the usual one for ACME clients like Traefik, cert-manager or lego) can repoint domains and obtain
certificates for them; the global API key is the account owner's full access to every zone, Workers, and Zero Trust
settings. Origin CA keys issue certificates trusted by Cloudflare's edge for your zones.

## Fix
Roll or delete the token at dash.cloudflare.com → My Profile → API Tokens; for the global API key use *Change* on the
same page; for an Origin CA key, *Change* the Origin CA Key there and revoke certificates issued with it (SSL/TLS →
Origin Server). Review the account audit log. Remove the credential from the source and image, and inject a token
scoped to the needed zones and permissions at run time from a secret store.",
    },
    SecretRule {
        id: "SC054",
        name: "flyio-token",
        title: "Fly.io access token",
        severity: Severity::High,
        keywords: &["fo1_", "fm1a_", "fm1r_", "fm2_"],
        pattern: r"\b(?P<secret>fo1_[A-Za-z0-9_-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["flyio-access-token"],
        examples: &[
            "ENV FLY_API_TOKEN=fo1_sqXJiyeShNMHUC4rFhD5vDvnR8Ift7OGdt2GNvtTO8m",
            "FLY_API_TOKEN=\"FlyV1 fm2_lJPECAAAAAAAAeAxp3iLvW5ST//zL5LQRYmmYctWjZ4h2FMmQXsnKQeJabsXJ3GE+bT//WZeXNYi8RrWV3EM/VBTsqg7xwW1zkCDxdhD42m0UG/Z/PKvmMJHGq9IuM9CDVORv9Dj2pKlqv+dQtqpTbr2AQ/8gqf563faZ4/lrYMN+P+MhuRRmXF391/PHA0dw==\"",
        ],
        near_misses: &[
            "FLY_API_TOKEN=fo1_lyQrQomEa0cHr0WUbUpo",
            "FLY_API_TOKEN=$(fly tokens create deploy -x 2h)",
            "FLY_API_TOKEN=\"FlyV1 fm2_0yjUtDX8c9/zQHDjYVKhyrkMKMa4vk\"",
        ],
        doc: "## What it finds
A Fly.io token: legacy personal access tokens (`fo1_`) and macaroon tokens (`fm1a_`, `fm1r_`, `fm2_`, often written
with the `FlyV1 ` scheme prefix) created by `fly tokens create` or `fly auth token`.

## Why it matters
Depending on its type the token deploys and destroys apps, reads their secrets through new deployments, opens SSH
consoles into machines and manages the organisation's billing. Personal tokens carry the user's access to every
organisation they belong to.

## Fix
Revoke it with `fly tokens revoke` (list with `fly tokens list`) or in the dashboard under Account → Access Tokens /
the organisation's Tokens page. Remove it from the source and image; create deploy tokens limited to one app with an
expiry (`fly tokens create deploy -x`), kept in the CI secret store.",
    },
    SecretRule {
        id: "SC055",
        name: "vault-token",
        title: "HashiCorp Vault token",
        severity: Severity::High,
        keywords: &["hvs.", "hvb.", "vault_token", "vault-token"],
        pattern: r"\b(?P<secret>hvs\.[A-Za-z0-9_-]{90,120}|hvb\.[A-Za-z0-9_-]{138,300}|s\.[A-Za-z0-9]{24})(?:[^A-Za-z0-9_.-]|$)",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["vault-service-token", "vault-batch-token"],
        examples: &[
            "ENV VAULT_TOKEN=hvs.CAESIrWGVGYuf7zcqz_BQmzYu4rrPgblWUQrYIamPykV7_SMteOe7aJlkIoaX8_X5p803lPWb4hZeoutR59Z2dPjvOBkHaL",
            "curl -H \"X-Vault-Token: hvb.AAAAAQWe5nFmB-lT2dr8UWvGaI1GA1gQgCZyDofWhQwakXKYckVxi-8tXzq3pfif9sqM0Hc94uLGQ3xc3GprI6eOW4lhoDVqMRoUjJ45HlpVxrtqtDC5oQ_r-ggGTPxa86ncrRBfNMlpTKHRrt\" https://vault.bulkhead.invalid/v1/secret/data/app",
            "export VAULT_TOKEN=s.9H1sdQZTNpt8xDJLfuHIUSng",
        ],
        near_misses: &[
            "VAULT_TOKEN=root",
            "VAULT_TOKEN=hvs.a6Lf1JlPnCU3HRl_4MbY",
            "VAULT_TOKEN=$(cat /run/secrets/vault-token)",
            "bucket: s.5fDxLlfdE1rFAKYQCGx9jGhi",
        ],
        doc: "## What it finds
A HashiCorp Vault token: service tokens (`hvs.`), batch tokens (`hvb.`) and legacy service tokens (`s.` plus 24
characters, reported only on lines that mention `VAULT_TOKEN`/`X-Vault-Token`).

## Why it matters
The token reads and writes every secret its policies allow, and renewable service tokens can be kept alive
indefinitely. Tokens baked into images are a common way to hand a workload a long-lived, over-privileged path into
the secret store meant to protect everything else.

## Fix
Revoke the token (`vault token revoke <token>`, or `vault token revoke -accessor` with its accessor; revoking the
parent also revokes children) and check the audit device for its use. Remove it from the source and image; let
workloads log in at run time with a platform auth method (Kubernetes, AWS/GCP/Azure, AppRole with response wrapping)
and short TTLs, for example through Vault Agent.",
    },
    SecretRule {
        id: "SC056",
        name: "terraform-cloud-token",
        title: "HCP Terraform (Terraform Cloud/Enterprise) API token",
        severity: Severity::High,
        keywords: &["atlasv1"],
        pattern: r"\b(?P<secret>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})(?:[^A-Za-z0-9_=-]|$)",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["hashicorp-tf-api-token"],
        examples: &[
            "ENV TF_TOKEN_app_terraform_io=eRw2uMcMsKagyG.atlasv1.mrgU5Jtu6PQCtH346i4QjUBlTBurdaRj8Hkvfw2xMzCGkZ8KEHJlG9YxTNTWttqJqwM",
            "credentials \"app.terraform.io\" {\n  token = \"PAFfMx76YjyiyW.atlasv1.oWV0g0DezFLu_jDltMYXEEM-XMpnFNLsrf7qX0hGF8VxNR6s2fp5uinpF97SR3zaxQU\"\n}",
        ],
        near_misses: &[
            "TF_TOKEN_app_terraform_io=LVvpbsLKxmhmqP.atlasv1.YLrNQfh_DPL8IiEeVPX-",
            "TF_TOKEN_app_terraform_io=${TFC_TOKEN}",
            "token = \"<token>.atlasv1.<secret>\"",
        ],
        doc: "## What it finds
An HCP Terraform / Terraform Enterprise API token (`<14 characters>.atlasv1.<60-70 characters>`): user, team and
organisation tokens as stored by `terraform login` in `credentials.tfrc.json`, `.terraformrc` or
`TF_TOKEN_<host>` variables.

## Why it matters
The token queues runs and reads state in every workspace it can reach. State files contain every secret Terraform
handled (database passwords, keys), and workspace variables often hold cloud provider credentials with
administrator rights.

## Fix
Delete the token in HCP Terraform: User settings → Tokens for user tokens, or Organization/Team settings → API tokens
for team and organisation tokens; review the audit trail. Remove it from the source and image; in CI use dynamic
workload credentials or a team token with an expiry stored as a secret variable.",
    },
    SecretRule {
        id: "SC057",
        name: "doppler-token",
        title: "Doppler token",
        severity: Severity::High,
        keywords: &["dp.pt.", "dp.st.", "dp.ct.", "dp.sa.", "dp.scim.", "dp.audit."],
        pattern: r"\b(?P<secret>dp\.(?:pt|st|ct|sa|scim|audit)\.(?:[a-z0-9_-]{1,40}\.)?[A-Za-z0-9]{40,44})\b",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["doppler-api-token"],
        examples: &[
            "ENV DOPPLER_TOKEN=dp.st.prd.qQiEYaoOJE0ydV8ma0FX05ijgApqVl889ZJvn65Gz61",
            "RUN doppler configure set token dp.pt.Q54qijk5o2xZheignd0Cp9JPpOwhRnVVQBJoh1hxZfO --scope /app",
        ],
        near_misses: &[
            "DOPPLER_TOKEN=dp.pt.ayctm0V5WlY4A4P14owO",
            "DOPPLER_TOKEN=$DOPPLER_TOKEN",
            "DOPPLER_TOKEN=dp.st.<token>",
        ],
        doc: "## What it finds
A Doppler token: personal (`dp.pt.`), service (`dp.st.`, optionally with an environment slug), CLI (`dp.ct.`),
service account (`dp.sa.`), SCIM (`dp.scim.`) and audit (`dp.audit.`) tokens.

## Why it matters
Doppler is a secrets manager: a service token downloads every secret of its project config, and a personal or
service-account token can read (and often change) all projects and configs it has access to. One leaked token is a
leak of everything stored behind it.

## Fix
Revoke the token in the Doppler dashboard (the config's Access tab for service tokens, Team → Service Accounts or
your account's Tokens page for the others) and rotate the secrets it could read. Remove it from the source and image,
and give the container a service token scoped to one config at run time (`docker run -e DOPPLER_TOKEN` from the
orchestrator's secret store), never in the image.",
    },
    SecretRule {
        id: "SC058",
        name: "pulumi-access-token",
        title: "Pulumi Cloud access token",
        severity: Severity::High,
        keywords: &["pul-"],
        pattern: r"\b(?P<secret>pul-[a-f0-9]{40})\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["pulumi-api-token"],
        examples: &[
            "ENV PULUMI_ACCESS_TOKEN=pul-880e1d948beb75b044a8fe8b9e28ebd1049852b9",
            "pulumi login --non-interactive  # PULUMI_ACCESS_TOKEN=pul-dbc8a3e1bd460d86f0ec5ef73fa6724d6fbb736d",
        ],
        near_misses: &[
            "PULUMI_ACCESS_TOKEN=pul-2ebfef59bcf78c634748",
            "PULUMI_ACCESS_TOKEN=pul-1BC4A01F6E513D7B4172374BB742EE678AE2A10C",
            "PULUMI_ACCESS_TOKEN=${{ secrets.PULUMI_ACCESS_TOKEN }}",
        ],
        doc: "## What it finds
A Pulumi Cloud access token (`pul-` followed by 40 hex digits), usually in `PULUMI_ACCESS_TOKEN` or
`~/.pulumi/credentials.json`.

## Why it matters
The token reads and updates stacks the user, team or organisation can access. Stack state and configuration include
decrypted outputs and, with the Pulumi secrets provider, the ability to decrypt stack secrets; updates run with the
cloud credentials configured for the stack.

## Fix
Delete the token in Pulumi Cloud under the user's Personal access tokens, or the organisation's Access tokens page
for team and organisation tokens, and check the audit log. Remove it from the source and image; use OIDC-issued
short-lived tokens from CI, or inject a scoped token at run time from a secret store.",
    },
    SecretRule {
        id: "SC059",
        name: "kubernetes-bootstrap-token",
        title: "Kubernetes bootstrap token",
        severity: Severity::High,
        keywords: &[
            "--token",
            "token:",
            "bootstrap_token",
            "bootstrap-token",
            "bootstraptoken",
        ],
        pattern: r#"(?:--(?:discovery-)?token(?:=|\s+)|\btoken["']?\s*:\s*|(?i:bootstrap[_-]?token)["']?\s*(?::=|=>|=|:)\s*)["']?(?P<secret>[a-z0-9]{6}\.[a-z0-9]{16})(?:[^A-Za-z0-9.]|$)"#,
        scope: Scope::Line,
        entropy: Some(3.3),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "RUN kubeadm join 10.20.0.1:6443 --token 3k2h61.sg7fisn7tu2el5cd --discovery-token-ca-cert-hash sha256:63c98e04a9684672d29f8ec64b5bff2a4dff2d38d765e008acb26aa4fbb40d71",
            "users:\n- name: kubelet-bootstrap\n  user:\n    token: 6nt4eo.rlgsfssufhmamafq",
            "ENV KUBE_BOOTSTRAP_TOKEN=c3k0ta.sr1ndeck6knho7s7",
        ],
        near_misses: &[
            "kubeadm join 10.20.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-unsafe-skip-ca-verification",
            "kubeadm join 10.20.0.1:6443 --token \"$JOIN_TOKEN\" --discovery-token-ca-cert-hash sha256:8573965d26b26bee4261536137bef25c33644ec883d214b1de8330558e734ea4",
            "kubeadm token create --print-join-command",
            "    token: aaaaaa.aaaaaaaaaaaaaaaa",
            "image: registry.bulkhead.invalid/dvf1la.z72euppz9hxz7nol:1.0",
        ],
        doc: "## What it finds
A Kubernetes bootstrap token (`[a-z0-9]{6}.[a-z0-9]{16}`, a token id and its secret): the `--token` of
`kubeadm join`/`kubeadm init`, the `token:` of a bootstrap kubeconfig, or a `BOOTSTRAP_TOKEN`-style setting in node
images and cloud-init scripts. The documentation token `abcdef.0123456789abcdef` is not reported.

## Why it matters
A bootstrap token authenticates to the API server as `system:bootstrappers`: with kubeadm's default bindings it can
read the cluster-info and request node client certificates, i.e. join rogue machines to the cluster as nodes and get
the credentials and workloads scheduled on them. Tokens made with `--ttl 0` never expire.

## Fix
Delete the token (`kubeadm token delete <token-id>`, or delete the `bootstrap-token-<id>` Secret in `kube-system`),
check `kubectl get csr` and the node list for machines that joined with it, and create short-lived tokens only when a
node joins (`kubeadm token create --ttl 1h`). Remove the token from the source and image and hand it to the joining
machine at provisioning time (instance metadata, a mounted secret) instead of baking it in.",
    },
];
