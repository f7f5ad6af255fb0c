//! Secret rules: SaaS APIs (messaging and e-mail, e-commerce, observability, identity, productivity,
//! developer tools).

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC069",
        name: "twilio-credential",
        title: "Twilio API key or auth token",
        severity: Severity::High,
        keywords: &["twilio"],
        pattern: r#"(?i:twilio)[\w.-]{0,30}?["'`]?(?:[ \t]*(?:=|:=|:|=>)[ \t]*|[ \t]+)["'`]?(?P<secret>SK[0-9a-fA-F]{32}|[A-Za-z0-9]{32})\b"#,
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"(?i)^(?:sk)?x+$", r"^(?:SK)?0+$"],
        aliases: &["twilio-api-key"],
        examples: &[
            "TWILIO_API_KEY=SKa221b636afa4ccd7cf92122c3f57e661",
            "TWILIO_API_SECRET=x5fiJcljWX5AKZV3pnBGWtjItaSDImI5",
            r#"  "twilioAuthToken": "22e039ff6a79173f2fc3db4e8c55d886","#,
            "ENV TWILIO_AUTH_TOKEN 22e039ff6a79173f2fc3db4e8c55d886",
        ],
        near_misses: &[
            // The account SID is an identifier, not a credential.
            "TWILIO_ACCOUNT_SID=AC51fdd914d6c84b38be90d200c2969551",
            "TWILIO_AUTH_TOKEN=your_auth_token",
            "TWILIO_API_KEY=SKXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "TWILIO_AUTH_TOKEN=${TWILIO_AUTH_TOKEN}",
            "twilio_messaging_service_sid: MG2f7b9d1c4e6a8f0b3d5c7e9a1b2c4d6e",
        ],
        doc: "## What it finds\n\n\
              A Twilio credential on a line that names Twilio: an API key SID (`SK` + 32 hex), an API key \
              secret, or the account auth token (32 characters). The account SID (`AC…`) alone is an \
              identifier and is not reported.\n\n\
              ## Why it matters\n\n\
              With the auth token, or an API key and its secret, anyone can send SMS and calls billed to \
              your account (toll fraud is the classic abuse), read message logs with customers' phone \
              numbers and, with the auth token, manage the whole account.\n\n\
              ## Fix\n\n\
              In the Twilio Console, **Account** → **API keys & tokens**: delete a leaked API key, or for \
              the auth token request a secondary token, switch to it, then promote it so the old one is \
              invalidated. Check usage and message logs. Remove the value from the file and supply it at \
              run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC070",
        name: "sendgrid-api-key",
        title: "SendGrid API key",
        severity: Severity::High,
        keywords: &["sg."],
        pattern: r"\b(?P<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[r"(?i)x{10,}"],
        aliases: &["sendgrid-api-token"],
        examples: &[
            "SENDGRID_API_KEY=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",
            r#"sg = SendGridAPIClient("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")"#,
        ],
        near_misses: &[
            "SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "SENDGRID_API_KEY=SG.<your key>",
            "msg.SG.setSubject(subject)",
        ],
        doc: "## What it finds\n\n\
              A Twilio SendGrid API key (`SG.<id>.<secret>`).\n\n\
              ## Why it matters\n\n\
              SendGrid keys send mail from your verified domains, so a leaked one delivers phishing that \
              passes SPF and DKIM as you. Full-access keys can also read contacts and templates and create \
              new keys.\n\n\
              ## Fix\n\n\
              Delete the key in the SendGrid console under **Settings** → **API Keys** and create a new, \
              narrowly scoped one. Check the activity feed for mail you did not send. Then remove it from \
              the file and supply it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC071",
        name: "mailgun-api-key",
        title: "Mailgun API key",
        severity: Severity::High,
        keywords: &["mailgun", "mg_"],
        pattern: r"\b(?P<secret>key-[0-9a-f]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"^(?:key-)?0+$"],
        aliases: &["mailgun-private-api-token", "mailgun-signing-key"],
        examples: &[
            "MAILGUN_API_KEY=key-f0013041003419e2d45eff16967f578c",
            r#"requests.post("https://api.mailgun.net/v3/mg.northwind.io/messages", auth=("api", "a99cc40be766eff36d35e02796247ddf-463418c6-d6281fd2"))"#,
        ],
        near_misses: &[
            // Public validation keys are meant to be shared.
            "MAILGUN_PUBLIC_KEY=pubkey-5ogiflzbnjrljiky49qxsiozqef5jxp7",
            "mailgun_api_key: key-3ax6xnjp29jd6fds4gc373sgvjxteol0",
            "MAILGUN_API_KEY=key-00000000000000000000000000000000",
            "MAILGUN_DOMAIN=mg.northwind.io",
        ],
        doc: "## What it finds\n\n\
              A Mailgun private API key (`key-` + 32 hex, or the newer `<32 hex>-<8 hex>-<8 hex>` form, \
              which is also the shape of webhook signing keys) on a line that mentions Mailgun.\n\n\
              ## Why it matters\n\n\
              The private key sends mail from every domain on the account, reads stored messages and \
              logs, and manages domains, routes and webhooks. A leaked signing key lets an attacker forge \
              webhook events your application trusts.\n\n\
              ## Fix\n\n\
              In the Mailgun control panel, **API Security** (or **Settings** → **API Keys**), rotate the \
              private API key or reset the webhook signing key. Review the sending logs. Remove the key from \
              the file and supply it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC072",
        name: "mailchimp-api-key",
        title: "Mailchimp API key",
        severity: Severity::High,
        keywords: &["-us"],
        pattern: r"\b(?P<secret>[0-9a-f]{32}-us[0-9]{1,2})\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"^0+-us"],
        aliases: &["mailchimp-api-key"],
        examples: &[
            "MAILCHIMP_API_KEY=f7218fed5336bb9bc0ae5f2709806798-us14",
            r#"client.set_config({"api_key": "f7218fed5336bb9bc0ae5f2709806798-us14", "server": "us14"})"#,
        ],
        near_misses: &[
            "MAILCHIMP_API_KEY=your-api-key-us6",
            "MAILCHIMP_API_KEY=00000000000000000000000000000000-us1",
            "Accept-Language: en-us,en;q=0.5",
        ],
        doc: "## What it finds\n\n\
              A Mailchimp (Intuit) Marketing API key: 32 hex characters followed by the data-centre suffix \
              (`-us14`).\n\n\
              ## Why it matters\n\n\
              The key exports your whole audience (names, e-mail addresses, engagement data: a personal \
              data breach) and can send campaigns to it from your trusted sender address.\n\n\
              ## Fix\n\n\
              In Mailchimp, **Profile** → **Extras** → **API keys**, revoke the key and create a new one. \
              Check the account's recent exports and campaigns. Remove it from the file and supply it at \
              run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC073",
        name: "shopify-token",
        title: "Shopify access token or shared secret",
        severity: Severity::High,
        keywords: &["shpat_", "shpca_", "shppa_", "shpss_"],
        pattern: r"\b(?P<secret>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"_0+$"],
        aliases: &[
            "shopify-access-token",
            "shopify-custom-access-token",
            "shopify-private-app-access-token",
            "shopify-shared-secret",
        ],
        examples: &[
            "SHOPIFY_ACCESS_TOKEN=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",
            r#"headers = {"X-Shopify-Access-Token": "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"}"#,
            "SHOPIFY_API_SECRET=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",
        ],
        near_misses: &[
            "SHOPIFY_ACCESS_TOKEN=shpat_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "SHOPIFY_ACCESS_TOKEN=shpat_00000000000000000000000000000000",
            "# tokens start with shpat_ (Admin API) or shpss_ (app secret)",
        ],
        doc: "## What it finds\n\n\
              A Shopify Admin API access token (`shpat_`, custom app `shpca_`, legacy private app \
              `shppa_`) or an app's shared secret (`shpss_`).\n\n\
              ## Why it matters\n\n\
              Access tokens act on the store with the app's scopes: orders, customers and their addresses, \
              products, discounts, sometimes themes and checkout scripts. The shared secret signs OAuth \
              and webhook payloads, so whoever has it can forge requests your app trusts.\n\n\
              ## Fix\n\n\
              In the store admin, **Settings** → **Apps and sales channels** → **Develop apps**, open the \
              app and rotate its credentials (or uninstall it to invalidate the token); for a public app, \
              rotate the client secret in the Partner Dashboard. Remove the value from the file and supply \
              it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC074",
        name: "datadog-api-key",
        title: "Datadog API or application key",
        severity: Severity::High,
        keywords: &["datadog", "dd_api", "dd-api", "dd_app", "dd-app"],
        pattern: r#"(?i:datadog[\w.-]{0,20}?(?:api|app|application)[_.-]?key|\bdd[_-](?:api|app|application)[_-]?key)["'`]?(?:[ \t]*(?:=|:=|:|=>)[ \t]*|[ \t]+)["'`]?(?P<secret>[a-f0-9]{40}|[a-f0-9]{32})\b"#,
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"^0+$"],
        aliases: &["datadog-access-token"],
        examples: &[
            "DD_API_KEY=b623f30c0d8a2efffb1f2c681d8ed966",
            "ENV DD_APP_KEY=2ae1664800332238348609063ba954244cb6decd",
            r#"datadog_api_key = "b623f30c0d8a2efffb1f2c681d8ed966""#,
            "curl -H 'DD-API-KEY: b623f30c0d8a2efffb1f2c681d8ed966' https://api.datadoghq.com/api/v1/validate",
        ],
        near_misses: &[
            "DD_API_KEY=<YOUR_DATADOG_API_KEY>",
            "DD_API_KEY: ${DD_API_KEY}",
            "DD_API_KEY=00000000000000000000000000000000",
            // Client tokens are embedded in browser code by design.
            "DD_CLIENT_TOKEN=pub4f8e2d1c0b9a8f7e6d5c4b3a2f1e0d9c",
            "datadog_site: datadoghq.eu",
        ],
        doc: "## What it finds\n\n\
              A Datadog API key (32 hex) or application key (40 hex) assigned to a Datadog-named setting \
              (`DD_API_KEY`, `DD_APP_KEY`, `datadog_api_key`, the `DD-API-KEY` header). Browser client \
              tokens (`pub…`) are public by design and not reported.\n\n\
              ## Why it matters\n\n\
              An API key submits metrics, logs and events into your account (poisoning alerts and \
              dashboards, running up ingestion costs); an application key, paired with it, reads your \
              dashboards, logs and monitors and can change them with the owner's permissions.\n\n\
              ## Fix\n\n\
              In Datadog, **Organization Settings** → **API Keys** or **Application Keys**, revoke the key \
              and create a new one. Remove it from the file and give it to the agent or app at run time \
              (the Agent reads `DD_API_KEY` from a mounted secret or a secrets backend).",
    },
    SecretRule {
        id: "SC075",
        name: "new-relic-key",
        title: "New Relic user API key, insert key or license key",
        severity: Severity::High,
        keywords: &["nrak-", "nrii-", "nral"],
        pattern: r"\b(?P<secret>NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_-]{32}|[a-f0-9]{36}NRAL)(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[],
        aliases: &["new-relic-user-api-key", "new-relic-insert-key"],
        examples: &[
            "NEW_RELIC_API_KEY=NRAK-3Q6J5WPI2PQI9KQRE9DJC0E54LK",
            "  license_key: 6fab3881f0aa1b4520bb9d56d316c14e111cNRAL",
            r#"curl -H "X-Insert-Key: NRII-BLBAm5P1j7Egfc96p3tLjd__uBLpZi1b" https://insights-collector.newrelic.com/v1/accounts/1/events"#,
        ],
        near_misses: &[
            "NEW_RELIC_API_KEY=NRAK-XXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "NEW_RELIC_LICENSE_KEY=<your NRAL license key>",
            // Browser keys ship in page source by design.
            "NRJS-4f8e2d1c0b9a8f7e6d5",
        ],
        doc: "## What it finds\n\n\
              A New Relic user API key (`NRAK-`), Insights insert key (`NRII-`) or ingest license key \
              (40 characters ending in `NRAL`). Browser keys (`NRJS-`) are public by design and not \
              reported.\n\n\
              ## Why it matters\n\n\
              A user key queries all telemetry the user can see (traces and logs often carry personal \
              data and internal URLs) and changes alerts and dashboards through NerdGraph. License and \
              insert keys write data into the account: forged metrics, muted alerts, extra cost.\n\n\
              ## Fix\n\n\
              In New Relic, open **API keys** (user menu → API keys), delete or rotate the key. For a \
              license key, create a new ingest key and retire the old one once agents use it. Remove it \
              from the file and give it to the agent at run time from a secret store or mounted secret \
              file.",
    },
    SecretRule {
        id: "SC076",
        name: "sentry-auth-token",
        title: "Sentry auth token",
        severity: Severity::High,
        keywords: &["sntrys_", "sntryu_"],
        pattern: r"\b(?P<secret>sntrys_eyJ[A-Za-z0-9+/]{20,600}={0,2}_[A-Za-z0-9+/]{43}|sntryu_[a-f0-9]{64})(?:[^A-Za-z0-9+/=_-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[r"^sntryu_0+$"],
        aliases: &["sentry-org-token", "sentry-user-token"],
        examples: &[
            "SENTRY_AUTH_TOKEN=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",
            "auth.token=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",
        ],
        near_misses: &[
            "SENTRY_AUTH_TOKEN=sntrys_<organization token>",
            "SENTRY_AUTH_TOKEN=sntryu_0000000000000000000000000000000000000000000000000000000000000000",
        ],
        doc: "## What it finds\n\n\
              A Sentry organization auth token (`sntrys_…`, used by CI to upload source maps and create \
              releases) or a user auth token (`sntryu_…`).\n\n\
              ## Why it matters\n\n\
              Tokens read issues and events, which carry stack traces, request data and often personal \
              data; user tokens act with the user's role and can change projects, alert rules and \
              members. An organization token can upload altered source maps and releases.\n\n\
              ## Fix\n\n\
              Revoke it in Sentry: organization tokens under **Settings** → **Developer Settings** → \
              **Organization Tokens**, user tokens under **User Settings** → **Personal Tokens**. Remove \
              it from the file and pass it to the build as a BuildKit secret \
              (`RUN --mount=type=secret,id=sentry`) rather than an ARG or ENV.",
    },
    SecretRule {
        id: "SC077",
        name: "sentry-dsn-secret",
        title: "Sentry DSN with a secret key",
        severity: Severity::High,
        keywords: &["sentry", "dsn"],
        pattern: r"https?://[0-9a-f]{32}:(?P<secret>[0-9a-f]{32})@[A-Za-z0-9.-]+(?::[0-9]{2,5})?/(?:[A-Za-z0-9_.-]+/)*[0-9]+",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"^0+$"],
        aliases: &[],
        examples: &[
            "SENTRY_DSN=https://962f2c56d882c2d0aa01b0e76c6513dc:a4a2d0deaf90c2ed6314409ac9717f67@o042377.ingest.sentry.io/7389102",
            "raven:\n  dsn: https://962f2c56d882c2d0aa01b0e76c6513dc:a4a2d0deaf90c2ed6314409ac9717f67@sentry.northwind.io/12",
        ],
        near_misses: &[
            // The current DSN form carries only the public key, safe to ship in client code.
            "SENTRY_DSN=https://962f2c56d882c2d0aa01b0e76c6513dc@o042377.ingest.sentry.io/7389102",
            "dsn: https://<key>@sentry.io/<project>",
            "SENTRY_DSN=https://962f2c56d882c2d0aa01b0e76c6513dc:${SENTRY_SECRET}@sentry.io/1",
        ],
        doc: "## What it finds\n\n\
              A legacy Sentry DSN that embeds the project's secret key \
              (`https://<public>:<secret>@host/<project>`). Modern DSNs hold only the public key and are \
              meant to be shipped in client code, so they are not reported.\n\n\
              ## Why it matters\n\n\
              The secret key authenticates event submission with the project's full trust and, on older \
              self-hosted servers, some API calls. It lets an attacker flood or poison your error data, \
              which hides real incidents, and it is usually found next to other Sentry credentials.\n\n\
              ## Fix\n\n\
              In Sentry, **Project Settings** → **Client Keys (DSN)**, revoke the key and create a new one, \
              then use the DSN form without the secret part. Remove it from the file and pass the DSN at run \
              time from configuration or a secret store.",
    },
    SecretRule {
        id: "SC078",
        name: "grafana-token",
        title: "Grafana Cloud, service-account or API token",
        severity: Severity::High,
        keywords: &["glc_", "glsa_", "eyjrijoi"],
        pattern: r"\b(?P<secret>glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9+/]{40,400}={0,2})(?:[^A-Za-z0-9+/=_-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[r"(?i)x{10,}"],
        aliases: &[
            "grafana-cloud-api-token",
            "grafana-service-account-token",
            "grafana-api-key",
        ],
        examples: &[
            "GRAFANA_CLOUD_TOKEN=glc_eyJvIjoiOTE4MjczIiwibiI6InN0YWNrLTY2MzQxMi1hbGxveS13cml0ZSIsImsiOiJnUG1saE82M2Ntd2tOU0Z4ak94elJZTVYiLCJtIjp7InIiOiJwcm9kLWV1LXdlc3QtMiJ9fQ==",
            "GRAFANA_SERVICE_ACCOUNT_TOKEN=glsa_R5qxjaNX0IClEWfDv5dP10GQy53JqFsY_b456dbee",
            "Authorization: Bearer eyJrIjoiTEtHcG1nNWlGVlRMY3g1akMyajlXakVzRTBtem5uVnQiLCJuIjoiY2ktZGVwbG95IiwiaWQiOjF9",
        ],
        near_misses: &[
            "GRAFANA_TOKEN=glsa_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX_xxxxxxxx",
            "GRAFANA_CLOUD_TOKEN=glc_<access policy token>",
            "grafana_password: ${GF_SECURITY_ADMIN_PASSWORD}",
        ],
        doc: "## What it finds\n\n\
              A Grafana Cloud access-policy token (`glc_`), a Grafana service-account token (`glsa_`) or a \
              legacy Grafana API key (base64 JSON starting `eyJrIjoi`).\n\n\
              ## Why it matters\n\n\
              Depending on its role or scopes the token reads dashboards and data sources (and through \
              them queries your databases and logs), writes metrics and logs into Grafana Cloud, or \
              administers the instance: users, data-source credentials, alerting.\n\n\
              ## Fix\n\n\
              Grafana Cloud: **Administration** → **Cloud access policies**, delete the token. Grafana \
              instance: **Administration** → **Service accounts**, delete the token (or the legacy API key \
              under **API keys**). Remove it from the file and pass it at run time from a secret store or \
              mounted secret file.",
    },
    SecretRule {
        id: "SC079",
        name: "okta-api-token",
        title: "Okta API token",
        severity: Severity::High,
        keywords: &["okta", "ssws"],
        pattern: r#"(?:(?i:okta)[\w.-]{0,30}?["'`]?(?:[ \t]*(?:=|:=|:|=>)[ \t]*|[ \t]+)["'`]?|\bSSWS[ \t]+)(?P<secret>00[A-Za-z0-9_-]{40})(?:[^A-Za-z0-9_-]|$)"#,
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[],
        aliases: &["okta-access-token"],
        examples: &[
            "OKTA_API_TOKEN=00CTwS2WGH7pxclYGeFrUcDmPGEt4VtiogUZBa7M7t",
            r#"curl -H "Authorization: SSWS 00CTwS2WGH7pxclYGeFrUcDmPGEt4VtiogUZBa7M7t" https://northwind.okta.com/api/v1/users"#,
        ],
        near_misses: &[
            "OKTA_API_TOKEN=${OKTA_API_TOKEN}",
            "Authorization: SSWS {apiToken}",
            // Client ids start with 0oa and are not secret.
            "okta_client_id: 0oa1b2c3d4e5f6g7h8i9",
            "OKTA_API_TOKEN=00000000000000000000000000000000000000000000",
        ],
        doc: "## What it finds\n\n\
              An Okta API token (`00` + 40 characters) assigned to an Okta-named setting or sent in an \
              `Authorization: SSWS` header.\n\n\
              ## Why it matters\n\n\
              An API token carries the permissions of the admin who created it, often super administrator: \
              creating users, resetting passwords and MFA factors, changing applications and policies. It \
              is a direct path to every application behind the identity provider.\n\n\
              ## Fix\n\n\
              In the Okta Admin Console, **Security** → **API** → **Tokens**, revoke the token; review the \
              System Log for its use. Prefer OAuth service apps with scoped keys over SSWS tokens. Remove it \
              from the file and pass it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC080",
        name: "linear-api-key",
        title: "Linear API key",
        severity: Severity::High,
        keywords: &["lin_api_", "lin_oauth_"],
        pattern: r"\b(?P<secret>lin_api_[A-Za-z0-9]{40}|lin_oauth_[a-f0-9]{64})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[r"(?i)x{10,}"],
        aliases: &["linear-api-key"],
        examples: &[
            "LINEAR_API_KEY=lin_api_sGnNnIito4V22jJvLzNTcm295ZI7Obz8NOA4rAqX",
            r#"const linear = new LinearClient({ apiKey: "lin_api_sGnNnIito4V22jJvLzNTcm295ZI7Obz8NOA4rAqX" });"#,
        ],
        near_misses: &[
            "LINEAR_API_KEY=lin_api_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "LINEAR_API_KEY=lin_api_...",
        ],
        doc: "## What it finds\n\n\
              A Linear personal API key (`lin_api_`) or OAuth access token (`lin_oauth_`).\n\n\
              ## Why it matters\n\n\
              It reads and writes every issue, project and comment the user can see (roadmaps, incident \
              notes, security bugs) and can change or delete them.\n\n\
              ## Fix\n\n\
              In Linear, **Settings** → **Security & access** (personal API keys) or the OAuth application's \
              settings, revoke the key. Remove it from the file and supply it at run time from a secret \
              store or mounted secret file.",
    },
    SecretRule {
        id: "SC081",
        name: "notion-api-token",
        title: "Notion integration token",
        severity: Severity::High,
        keywords: &["ntn_", "notion"],
        pattern: r"\b(?P<secret>ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})\b",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[],
        aliases: &["notion-api-token"],
        examples: &[
            "NOTION_TOKEN=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",
            r#"notion = Client(auth="secret_1JyT33k0niDWM8AtBGLuEVbTDZ87r2jmvHKy1nHISxF")"#,
        ],
        near_misses: &[
            "NOTION_TOKEN=secret_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "notion_secret_name: secret_notion_integration",
            "NOTION_TOKEN=ntn_<internal integration secret>",
        ],
        doc: "## What it finds\n\n\
              A Notion integration token: the current `ntn_` form, or the older `secret_` form on a line \
              that mentions Notion.\n\n\
              ## Why it matters\n\n\
              The integration reads and edits every page and database shared with it: internal \
              documentation, runbooks, customer lists. Content can be exfiltrated or silently altered.\n\n\
              ## Fix\n\n\
              At <https://www.notion.so/profile/integrations>, open the integration and regenerate its \
              secret (or delete the integration). Remove it from the file and supply it at run time from a \
              secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC082",
        name: "airtable-pat",
        title: "Airtable personal access token",
        severity: Severity::High,
        keywords: &["pat"],
        pattern: r"\b(?P<secret>pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[r"\.0{64}$"],
        aliases: &["airtable-personnal-access-token"],
        examples: &[
            "AIRTABLE_TOKEN=patchHzttoOv66Q6M.5ec1529409cf9b2d88d0e9e0bd05cbb4535ad9b78268664a5f857a311d03559f",
            r#"base = Api("patchHzttoOv66Q6M.5ec1529409cf9b2d88d0e9e0bd05cbb4535ad9b78268664a5f857a311d03559f").base("appQ7f")"#,
        ],
        near_misses: &[
            "AIRTABLE_TOKEN=patXXXXXXXXXXXXXX.0000000000000000000000000000000000000000000000000000000000000000",
            r#""patch-package": "8.0.0","#,
            "AIRTABLE_TOKEN=pat<your token>",
        ],
        doc: "## What it finds\n\n\
              An Airtable personal access token (`pat` + 14 characters + `.` + 64 hex).\n\n\
              ## Why it matters\n\n\
              The token reads and writes records in the bases it was granted, often all of the user's \
              workspaces, and with schema scopes can alter or delete tables.\n\n\
              ## Fix\n\n\
              At <https://airtable.com/create/tokens>, regenerate or delete the token. Remove it from the \
              file and supply it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC083",
        name: "dropbox-access-token",
        title: "Dropbox access token",
        severity: Severity::Medium,
        keywords: &["sl."],
        pattern: r"\b(?P<secret>sl\.(?:u\.)?[A-Za-z0-9_-]{130,1100})(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(4.5),
        validate: None,
        allow: &[],
        aliases: &["dropbox-short-lived-api-token"],
        examples: &[
            "DROPBOX_ACCESS_TOKEN=sl.u.Jl6f_MYC6BAv_i1uFZOvmySk9iFELOaB20KKXUg4Ajv4gDWPCKwsP5hTDLI0HsSYmGViaYsTKDUeP4GjL_r3UIuM1InUiSFGM4PTzAgueQsJbxE9I7s7k940Vz2Rywrj6l0LN74Piux3",
        ],
        near_misses: &[
            "DROPBOX_ACCESS_TOKEN=sl.<token>",
            "ssl.certificate=/etc/ssl/certs/server.pem",
            "DROPBOX_ACCESS_TOKEN=sl.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        doc: "## What it finds\n\n\
              A Dropbox OAuth access token (`sl.` or `sl.u.` followed by a long base64url string).\n\n\
              ## Why it matters\n\n\
              The token reads, writes and shares files in the user's or team's Dropbox with the app's \
              scopes. These tokens expire after a few hours, hence medium severity, but one being in a \
              file usually means a refresh token or app secret is nearby.\n\n\
              ## Fix\n\n\
              Revoke it (`POST /2/auth/token/revoke`) or disconnect the app under the account's \
              **Settings** → **Connected apps**; if the app secret or a refresh token leaked too, \
              regenerate the secret in the App Console. Remove it from the file and obtain tokens at run \
              time.",
    },
    SecretRule {
        id: "SC084",
        name: "figma-pat",
        title: "Figma personal access token",
        severity: Severity::High,
        keywords: &["figd_"],
        pattern: r"\b(?P<secret>figd_[A-Za-z0-9_-]{38,64})(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[],
        aliases: &[],
        examples: &[
            "FIGMA_TOKEN=figd_ys7khOiysI2CzqF6LRcdY6abcGJGfydOuXQGl6Zo",
            r#"curl -H "X-Figma-Token: figd_ys7khOiysI2CzqF6LRcdY6abcGJGfydOuXQGl6Zo" https://api.figma.com/v1/me"#,
        ],
        near_misses: &[
            "FIGMA_TOKEN=figd_<your token>",
            "FIGMA_TOKEN=figd_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        doc: "## What it finds\n\n\
              A Figma personal access token (`figd_`).\n\n\
              ## Why it matters\n\n\
              It reads every file the user can open (unreleased product designs, sometimes screenshots of \
              internal data) and, with write scopes, comments and variables.\n\n\
              ## Fix\n\n\
              In Figma, **Settings** → **Security** → **Personal access tokens**, revoke the token. Remove it \
              from the file and supply it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC085",
        name: "hubspot-private-app-token",
        title: "HubSpot private app access token",
        severity: Severity::High,
        keywords: &["pat-na", "pat-eu", "pat-ap"],
        pattern: r"\b(?P<secret>pat-(?:na|eu|ap)[0-9]-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"-0{8}-0{4}-"],
        aliases: &["hubspot-api-key"],
        examples: &[
            "HUBSPOT_ACCESS_TOKEN=pat-na1-e86fa4a1-87d9-41d8-a0a6-2d45a1e21055",
            r#"hubspot.Client.create(access_token="pat-eu1-e86fa4a1-87d9-41d8-a0a6-2d45a1e21055")"#,
        ],
        near_misses: &[
            "HUBSPOT_ACCESS_TOKEN=pat-na1-00000000-0000-0000-0000-000000000000",
            "HUBSPOT_ACCESS_TOKEN=pat-na1-<token>",
        ],
        doc: "## What it finds\n\n\
              A HubSpot private app access token (`pat-na1-…`, `pat-eu1-…`).\n\n\
              ## Why it matters\n\n\
              It reads and writes CRM data within the app's scopes (contacts, companies, deals, e-mails), \
              i.e. customer personal data, and can send marketing e-mail as your company.\n\n\
              ## Fix\n\n\
              In HubSpot, **Settings** → **Integrations** → **Private Apps**, open the app → **Auth** → \
              **Rotate** (or delete the app). Remove the token from the file and supply it at run time from \
              a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC086",
        name: "algolia-admin-key",
        title: "Algolia admin or write API key",
        severity: Severity::High,
        keywords: &["algolia"],
        pattern: r#"(?i:algolia[\w.-]{0,20}?(?:admin|write)[\w.-]{0,12}?key)["'`]?(?:[ \t]*(?:=|:=|:|=>)[ \t]*|[ \t]+)["'`]?(?P<secret>[a-f0-9]{32})\b"#,
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"^0+$"],
        aliases: &["algolia-api-key"],
        examples: &[
            "ALGOLIA_ADMIN_API_KEY=628f939bacc97486b54ad4bd87b63d09",
            r#"  "algoliaWriteKey": "628f939bacc97486b54ad4bd87b63d09","#,
        ],
        near_misses: &[
            // Search-only keys are meant for the browser.
            "ALGOLIA_SEARCH_API_KEY=628f939bacc97486b54ad4bd87b63d09",
            "ALGOLIA_ADMIN_API_KEY=${ALGOLIA_ADMIN_API_KEY}",
            "ALGOLIA_APP_ID=LATENCY",
        ],
        doc: "## What it finds\n\n\
              An Algolia admin or write API key (32 hex) assigned to a setting named for admin or write \
              access. Search-only keys are public by design and not reported.\n\n\
              ## Why it matters\n\n\
              The admin key manages the whole application: it reads, replaces and deletes indices and \
              their records, changes settings and creates keys. An attacker can wipe your search or inject \
              content into it.\n\n\
              ## Fix\n\n\
              In the Algolia dashboard, **Settings** → **API Keys**, regenerate the admin key (or delete the \
              write key). Remove it from the file, keep it only on servers, and supply it at run time from a \
              secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC087",
        name: "mapbox-secret-token",
        title: "Mapbox secret access token",
        severity: Severity::High,
        keywords: &["sk.eyj"],
        pattern: r"\b(?P<secret>sk\.eyJ[A-Za-z0-9_-]{20,400}\.[A-Za-z0-9_-]{20,40})(?:[^A-Za-z0-9_.-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[],
        aliases: &["mapbox-api-token"],
        examples: &[
            "MAPBOX_SECRET_TOKEN=sk.eyJ1Ijoibm9ydGh3aW5kIiwiYSI6ImNseDFnNnAwYW9pbHlvMzRxbHI4Y3NpaGIifQ.REKlEGMVG0TX8zs3wD7KtC",
            "RUN echo \"MAPBOX_DOWNLOADS_TOKEN=sk.eyJ1Ijoibm9ydGh3aW5kIiwiYSI6ImNseDFnNnAwYW9pbHlvMzRxbHI4Y3NpaGIifQ.REKlEGMVG0TX8zs3wD7KtC\" >> gradle.properties",
        ],
        near_misses: &[
            // Public tokens (pk.) are meant for the browser.
            "mapboxgl.accessToken = 'pk.eyJ1Ijoibm9ydGh3aW5kIiwiYSI6ImNseDFnNnAwYW9pbHlvMzRxbHI4Y3NpaGIifQ.hqY7TNxsrghESbiDDthccX'; // not sk.eyJ…",
            "MAPBOX_SECRET_TOKEN=sk.eyJ<your secret token>",
        ],
        doc: "## What it finds\n\n\
              A Mapbox secret token (`sk.eyJ…`). Public tokens (`pk.`) are meant to be embedded in web \
              pages and are not reported.\n\n\
              ## Why it matters\n\n\
              Secret tokens carry scopes such as uploads, styles, datasets and token management, and \
              `DOWNLOADS:READ` for the mobile SDKs: enough to alter or delete your map data, create new \
              tokens and run up usage billed to you.\n\n\
              ## Fix\n\n\
              In the Mapbox account, **Tokens**, delete or rotate the secret token. Remove it from the file; \
              for SDK downloads pass it to the build as a BuildKit secret \
              (`RUN --mount=type=secret,id=mapbox`) so it never lands in a layer.",
    },
    SecretRule {
        id: "SC088",
        name: "contentful-management-token",
        title: "Contentful management token",
        severity: Severity::High,
        keywords: &["cfpat-"],
        pattern: r"\b(?P<secret>CFPAT-[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[],
        aliases: &[],
        examples: &[
            "CONTENTFUL_MANAGEMENT_TOKEN=CFPAT-P9psdOZ0m6qR0rV91k_xKYua9B86iRFlvE7aejVkLUK",
            r#"const client = contentful.createClient({ accessToken: "CFPAT-P9psdOZ0m6qR0rV91k_xKYua9B86iRFlvE7aejVkLUK" })"#,
        ],
        near_misses: &[
            "CONTENTFUL_MANAGEMENT_TOKEN=CFPAT-<token>",
            "CONTENTFUL_MANAGEMENT_TOKEN=CFPAT-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        doc: "## What it finds\n\n\
              A Contentful personal access token for the Content Management API (`CFPAT-`). Delivery \
              tokens, which only read published content, are not covered by this rule.\n\n\
              ## Why it matters\n\n\
              It creates, edits, publishes and deletes content and content models in every space the \
              user can access: an attacker can deface sites that render this content or plant malicious \
              links.\n\n\
              ## Fix\n\n\
              In Contentful, **Account settings** → **CMA tokens**, revoke the token. Remove it from the file \
              and supply it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC089",
        name: "postman-api-key",
        title: "Postman API key",
        severity: Severity::High,
        keywords: &["pmak-"],
        pattern: r"\b(?P<secret>PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[],
        aliases: &["postman-api-token"],
        examples: &[
            "POSTMAN_API_KEY=PMAK-332a32b7a4875b43e6790162-65f2a4d1f62b1990db54dda08bbe4e1d27",
            "RUN postman login --with-api-key PMAK-332a32b7a4875b43e6790162-65f2a4d1f62b1990db54dda08bbe4e1d27",
        ],
        near_misses: &[
            "POSTMAN_API_KEY=PMAK-<your key>",
            "POSTMAN_API_KEY=PMAK-xxxxxxxxxxxxxxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        doc: "## What it finds\n\n\
              A Postman API key (`PMAK-`).\n\n\
              ## Why it matters\n\n\
              The key reads every workspace, collection and environment the user can access. Postman \
              environments routinely hold other secrets (API tokens, passwords for staging and \
              production), so one key often leads to many.\n\n\
              ## Fix\n\n\
              In Postman, **Settings** → **API keys**, revoke the key, then review the environments it could \
              read and rotate secrets stored there. Remove it from the file and supply it at run time from \
              a secret store or mounted secret file.",
    },
];
