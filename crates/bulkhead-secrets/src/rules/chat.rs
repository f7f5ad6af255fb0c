//! Secret rules: chat and messaging (Slack, Discord, Telegram, Microsoft Teams).

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC060",
        name: "slack-bot-token",
        title: "Slack bot token",
        severity: Severity::High,
        keywords: &["xoxb-"],
        pattern: r"\b(?P<secret>xoxb-[0-9]{8,14}-(?:[0-9]{8,14}-)?[A-Za-z0-9]{18,34})\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[
            // The bot token printed in Slack's own API documentation.
            r"^xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy$",
            r"(?i)x{6,}$",
        ],
        aliases: &["slack-bot-token", "slack-legacy-bot-token"],
        examples: &[
            "SLACK_BOT_TOKEN=xoxb-995416405086-6543342044271-p2G6pk5VRPb2X30jxIJAdvZ2",
            r#"app = App(token="xoxb-89362249617-537008658402-V0TLfdHv2W7Pn422kgKx42un")"#,
            "slack:\n  bot_token: xoxb-4412097531-PqT2rW8mZcL5vN1hJ7yX3kBd",
        ],
        near_misses: &[
            "SLACK_BOT_TOKEN=xoxb-your-bot-token",
            "token: xoxb-123456789012-123456789012-xxxxxxxxxxxxxxxxxxxxxxxx",
            "curl -H 'Authorization: Bearer xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy'",
            "export SLACK_BOT_TOKEN=${SLACK_BOT_TOKEN:?xoxb- token required}",
        ],
        doc: "## What it finds\n\n\
              A Slack bot token (`xoxb-<team>-<bot>-<secret>`, and the older two-part form). The token \
              belongs to a Slack app installed in a workspace and carries every OAuth scope the bot was \
              granted.\n\n\
              ## Why it matters\n\n\
              Anyone holding it can act as the bot: read the channels it is in (often including private \
              ones), post messages that users trust, upload files and, depending on scopes, list users \
              and their e-mail addresses. Bot tokens do not expire.\n\n\
              ## Fix\n\n\
              Revoke it first: call `auth.revoke` with the token, or in the app's settings at \
              <https://api.slack.com/apps> open **OAuth & Permissions** and revoke the tokens (reinstalling \
              the app issues a new one). Review the workspace's access logs for its use. Then remove it \
              from the file and image history and give it to the container at run time from a secret \
              store or a mounted secret file.",
    },
    SecretRule {
        id: "SC061",
        name: "slack-user-token",
        title: "Slack user token",
        severity: Severity::High,
        keywords: &["xoxp-", "xoxs-", "xoxo-"],
        pattern: r"\b(?P<secret>xox[pos]-[0-9]{6,14}-[0-9]{6,14}-[0-9]{6,14}-[A-Za-z0-9]{20,64})\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"(?i)x{6,}$", r"-1234567890-"],
        aliases: &["slack-user-token", "slack-legacy-token"],
        examples: &[
            "SLACK_USER_TOKEN=xoxp-483264289320-846724330123-3586623122773-0a86ca06b72b2df4a995cb674e52b83c",
            r#"{"slack_token": "xoxs-5480224391-3943232102-304082050677-0e8956c3b7816fa5b3f69074791fbbdde1e4e0a879ceca9416609f1443f1fbe5"}"#,
        ],
        near_misses: &[
            "SLACK_USER_TOKEN=xoxp-XXXXXXXXXXXX-XXXXXXXXXXXX-XXXXXXXXXXXXX",
            "token = 'xoxp-1234567890-1234567890-1234567890-abcdef0123456789abcdef0123456789'",
            "SLACK_USER_TOKEN=xoxp-0000000000-0000000000-0000000000-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        doc: "## What it finds\n\n\
              A Slack user token (`xoxp-`) or a legacy token (`xoxs-`, `xoxo-`). User tokens act on behalf \
              of the person who authorised the app.\n\n\
              ## Why it matters\n\n\
              A user token reads and writes with that person's identity: their direct messages, private \
              channels, files and search, within the granted scopes. Legacy tokens usually carry every \
              permission of the user. They do not expire unless token rotation is enabled.\n\n\
              ## Fix\n\n\
              Revoke it with `auth.revoke`, or from the app's **OAuth & Permissions** page at \
              <https://api.slack.com/apps>; a workspace admin can also remove the app or the user's \
              authorisation under **Manage apps**. Check the access logs. Then delete it from the file and \
              pass a fresh token at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC062",
        name: "slack-app-token",
        title: "Slack app-level token",
        severity: Severity::High,
        keywords: &["xapp-"],
        pattern: r"\b(?P<secret>xapp-[0-9]-[A-Z0-9]{8,14}-[0-9]{10,15}-[a-f0-9]{64})\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"(?i)x{6,}", r"0{16,}"],
        aliases: &["slack-app-token"],
        examples: &[
            "SLACK_APP_TOKEN=xapp-1-A2H13U3NCCZ-2047201637881-70aa1a22b65b2b3350109b5f2d6a4ebf9f5a98d8f6e49e0c4f0d84c5ae76cc45",
            r#"    app_token: "xapp-1-A2H13U3NCCZ-2047201637881-70aa1a22b65b2b3350109b5f2d6a4ebf9f5a98d8f6e49e0c4f0d84c5ae76cc45""#,
        ],
        near_misses: &[
            "SLACK_APP_TOKEN=xapp-1-XXXXXXXXXXX-0000000000000-0000000000000000000000000000000000000000000000000000000000000000",
            "SLACK_APP_TOKEN=xapp-your-app-level-token",
        ],
        doc: "## What it finds\n\n\
              A Slack app-level token (`xapp-`), used for Socket Mode connections and app-wide APIs.\n\n\
              ## Why it matters\n\n\
              With it, someone else can open a Socket Mode connection as your app and receive the events \
              meant for it (messages, slash commands, interactive payloads), so your own app silently \
              loses them, and can call the `connections`/`authorizations` APIs.\n\n\
              ## Fix\n\n\
              At <https://api.slack.com/apps>, open the app, **Basic Information** → **App-Level Tokens**, \
              revoke the token and generate a new one. Then remove it from the file and inject it at run \
              time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC063",
        name: "slack-config-token",
        title: "Slack app configuration token",
        severity: Severity::High,
        keywords: &["xoxe"],
        pattern: r"\b(?P<secret>xoxe\.xox[bp]-[0-9]-[A-Za-z0-9]{140,200}|xoxe-[0-9]-[A-Za-z0-9]{120,180})\b",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[r"(?i)x{10,}"],
        aliases: &["slack-config-access-token", "slack-config-refresh-token"],
        examples: &[
            "SLACK_CONFIG_TOKEN=xoxe.xoxp-1-4RtOOBArjKeb99xE7ZIUXwd2mW5Kfn1zB7qBnHJwAZHyZSPP9qbUbNNIeSjw4qKH8knrL0hb0k0DHzk7cyN06cGKw6GoJQq0Q2UBtC5A0MnURrUW9Bt4iTBftiF41HjPIU3ze9TXHLu732HqEyJ9QSGaKVIeDbuoDDWsq",
            "refresh_token: xoxe-1-77owJ4Fy5kixY4zPhs7WY7kPqhbnY5n7ZlzngXNIslKgG6AhZ1z1oHStiqCgcRFBJl6oNHmY0yhsWX9Ruv7GtVSsFloWjq4AsE38DXYdlurJCFKn5afeia8Mb7vhR8h43KVFvT6FOTKH5Efz98",
        ],
        near_misses: &[
            "SLACK_CONFIG_TOKEN=xoxe.xoxp-1-<your configuration token>",
            "refresh_token: xoxe-1-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        ],
        doc: "## What it finds\n\n\
              A Slack configuration access token (`xoxe.xoxp-`/`xoxe.xoxb-`) or its refresh token \
              (`xoxe-`). These tokens drive the App Manifest API and tools that create and update Slack \
              apps.\n\n\
              ## Why it matters\n\n\
              They can create, change and delete apps in the workspace, including their scopes, redirect \
              URLs and event endpoints: a way to plant a malicious app or redirect an existing one's \
              traffic. The refresh token mints new access tokens indefinitely.\n\n\
              ## Fix\n\n\
              Revoke the pair at <https://api.slack.com/authentication/config-tokens> (**Your App \
              Configuration Tokens** → revoke), then generate new ones if still needed. Review recent \
              changes to your apps. Remove the token from the file and supply it from a secret store at \
              run time.",
    },
    SecretRule {
        id: "SC064",
        name: "slack-webhook-url",
        title: "Slack incoming webhook URL",
        severity: Severity::Medium,
        keywords: &["hooks.slack.com"],
        pattern: r"https?://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{6,12}/[A-Z0-9]{6,15}/(?:[0-9]{6,20}/)?[A-Za-z0-9]{20,40}",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[r"/T0{8,}/", r"(?i)/x{20,}$"],
        aliases: &["slack-webhook-url"],
        examples: &[
            "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/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",
            r#"curl -X POST -d '{"text":"deploy done"}' https://hooks.slack.com/triggers/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"#,
        ],
        near_misses: &[
            "webhook: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
            "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}",
            "# post to https://hooks.slack.com/services/ with your webhook path",
        ],
        doc: "## What it finds\n\n\
              A Slack incoming-webhook or workflow-trigger URL (`https://hooks.slack.com/services/T…/B…/…`). \
              The last path segment is the secret.\n\n\
              ## Why it matters\n\n\
              Anyone with the URL can post messages into the channel, with your app's name and icon, \
              without any other credential: a convenient phishing and disinformation channel into your \
              organisation. It cannot read messages, hence medium severity.\n\n\
              ## Fix\n\n\
              Remove the webhook at <https://api.slack.com/apps> → your app → **Incoming Webhooks** (or \
              delete the workflow trigger) and create a new one. Then take the URL out of the file and \
              provide it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC065",
        name: "discord-bot-token",
        title: "Discord bot token",
        severity: Severity::High,
        keywords: &["discord", "token", "bot"],
        // The first segment is the bot's numeric id, base64-encoded: every 4 characters encode 3
        // ASCII digits, which fixes the character set of each position.
        pattern: r"(?:^|[^A-Za-z0-9_.-])(?P<secret>(?:[MNO][DTjz][AEIMQUYcgk][w-z0-5]){5,6}(?:[MNO][DTjz][AEIMQUYcgk]|[MNO][AQgw])?\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})(?:[^A-Za-z0-9_.-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: Some(crate::validate::discord_bot_token),
        allow: &[],
        aliases: &["discord-api-token"],
        examples: &[
            "DISCORD_TOKEN=ODM5NzM3NjQ0MjgxODgxNzc2.K7gRz9.40jZAiGAsvjnInUVign4BHS_PLokUlQQbBFK1N",
            r#"client.run("MTY5MjM3MTYwNDE5NDc5NDUxNw.zZQEn_.Bl8nJLzbS2_h5dyAeGUWK48L5ED")  # bot"#,
        ],
        near_misses: &[
            "DISCORD_TOKEN=your-bot-token-here",
            // Same shape, but the first segment is not a base64-encoded number.
            "token: aGVsbG8gd29ybGQgZnJvbSBtZQ.K7gRz9.40jZAiGAsvjnInUVign4BHS_PLokUlQQbBFK1N",
            "DISCORD_BOT_TOKEN=${DISCORD_BOT_TOKEN}",
            "bot token: MTAwMDAwMDAwMDAwMDAwMDAw.XXXXXX.XXXXXXXXXXXXXXXXXXXXXXXXXXX",
            // The first part decodes to digits, but `0123…` is no snowflake id (leading zero).
            "DISCORD_TOKEN=MDEyMzQ1Njc4OTAxMjM0NTY3OA.K7gRz9.40jZAiGAsvjnInUVign4BHS_PLokUlQQbBFK1N",
        ],
        doc: "## What it finds\n\n\
              A Discord bot token: three dot-separated parts, the first being the bot's numeric id in \
              base64. The rule checks that the first part really decodes to a snowflake id (17 to 20 digits, \
              no leading zero), which makes it precise \
              even without the word \"discord\" nearby.\n\n\
              ## Why it matters\n\n\
              The token logs in as the bot on every server it has joined, with all of its permissions \
              (often administrator): reading and deleting messages, banning members, creating invites and \
              webhooks. Leaked bot tokens are harvested within minutes.\n\n\
              ## Fix\n\n\
              In the Discord Developer Portal (<https://discord.com/developers/applications>), open the \
              application → **Bot** → **Reset Token**; this invalidates the old one. Audit the servers' \
              audit logs. Then remove the token from the file and load it at run time from a secret store \
              or mounted secret file.",
    },
    SecretRule {
        id: "SC066",
        name: "discord-webhook-url",
        title: "Discord webhook URL",
        severity: Severity::Medium,
        keywords: &["discord"],
        pattern: r"https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api(?:/v[0-9]{1,2})?/webhooks/[0-9]{17,20}/(?P<secret>[A-Za-z0-9_-]{60,72})",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[r"(?i)x{10,}"],
        aliases: &[],
        examples: &[
            "DISCORD_WEBHOOK=https://discord.com/api/webhooks/9425205766841793901/dJETLx09z7O_G-dHXg-g4L5SoGWTNmsMJoIhnBpuxaByBNZ0gQLUwOj5P4Yp2102kC_K",
            "notify:\n  url: https://discordapp.com/api/webhooks/9425205766841793901/dJETLx09z7O_G-dHXg-g4L5SoGWTNmsMJoIhnBpuxaByBNZ0gQLUwOj5P4Yp2102kC_K",
        ],
        near_misses: &[
            "url = f\"https://discord.com/api/webhooks/{webhook_id}/{webhook_token}\"",
            "DISCORD_WEBHOOK=https://discord.com/api/webhooks/000000000000000000/XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "see https://discord.com/developers/docs/resources/webhook",
        ],
        doc: "## What it finds\n\n\
              A Discord webhook URL (`https://discord.com/api/webhooks/<id>/<token>`).\n\n\
              ## Why it matters\n\n\
              The URL alone lets anyone post into the channel under the webhook's name and avatar, which \
              members trust; it can also be used to delete the webhook or edit its messages. It cannot \
              read the channel, hence medium severity.\n\n\
              ## Fix\n\n\
              Delete the webhook in the server: **Server Settings** → **Integrations** → **Webhooks** \
              (or send `DELETE` to the URL) and create a new one. Remove the URL from the file and pass it \
              at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC067",
        name: "telegram-bot-token",
        title: "Telegram bot token",
        severity: Severity::High,
        keywords: &["telegram", "bot", "tg_"],
        pattern: r"(?:^|[^0-9])(?P<secret>[0-9]{8,10}:AA[A-Za-z0-9_-]{33})(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[
            // The token used in the Bot API documentation.
            r"^110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw$",
            r"(?i)x{8,}",
        ],
        aliases: &["telegram-bot-api-token"],
        examples: &[
            "TELEGRAM_BOT_TOKEN=382499836:AAvU4OmZ1pk13yg6jytXfm1PUNaWforvAF2",
            "RUN curl -s https://api.telegram.org/bot382499836:AAvU4OmZ1pk13yg6jytXfm1PUNaWforvAF2/sendMessage -d chat_id=42",
        ],
        near_misses: &[
            "TELEGRAM_BOT_TOKEN=123456789:ABCdefGhIJKlmNoPQRsTUVwxyZ",
            "curl https://api.telegram.org/bot110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe",
            "TELEGRAM_BOT_TOKEN=${TELEGRAM_BOT_TOKEN}",
            "bot_token: 123456789:AAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        ],
        doc: "## What it finds\n\n\
              A Telegram Bot API token (`<bot id>:AA<35 characters>`), on a line that mentions Telegram or \
              a bot.\n\n\
              ## Why it matters\n\n\
              The token is the bot's whole identity: with it anyone can read the messages users send to \
              the bot, reply as it, and take over its webhook, cutting your service off.\n\n\
              ## Fix\n\n\
              Talk to [@BotFather](https://t.me/BotFather), run `/revoke` and pick the bot to issue a new \
              token (the old one stops working). Then remove it from the file and read it at run time \
              from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC068",
        name: "microsoft-teams-webhook-url",
        title: "Microsoft Teams incoming webhook URL",
        severity: Severity::Medium,
        keywords: &[
            "webhook.office.com",
            "outlook.office.com/webhook",
            "outlook.office365.com/webhook",
        ],
        pattern: r"https://(?:[A-Za-z0-9-]+\.webhook\.office\.com/webhookb2|outlook\.office(?:365)?\.com/webhook)/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/IncomingWebhook/(?P<secret>[0-9a-zA-Z]{32})/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"^0+$", r"(?i)^x+$"],
        aliases: &["microsoft-teams-webhook"],
        examples: &[
            "TEAMS_WEBHOOK_URL=https://contoso365.webhook.office.com/webhookb2/5bf16871-f251-47a5-a4ba-d7f8feb49324@87239cc5-7c5a-4b6c-a1ee-f65782b2f828/IncomingWebhook/61866cc4d60417b3112374210c5549ca/a2d03f9b-ce75-4b17-a8ac-9d34fbabee23",
            r#"  "teams": "https://outlook.office.com/webhook/f6020ea3-b17e-4684-afaa-80859f713975@dbbf5b17-8a1d-4af3-a7ae-a1a046db40c6/IncomingWebhook/431d059338b53c2b3bd1028397ef445f/6f449666-1659-4276-a97c-569ae92479ab","#,
        ],
        near_misses: &[
            "TEAMS_WEBHOOK_URL=https://contoso.webhook.office.com/webhookb2/<group-id>@<tenant-id>/IncomingWebhook/<id>/<owner-id>",
            "url: https://contoso.webhook.office.com/webhookb2/5bf16871-f251-47a5-a4ba-d7f8feb49324@87239cc5-7c5a-4b6c-a1ee-f65782b2f828/IncomingWebhook/00000000000000000000000000000000/a2d03f9b-ce75-4b17-a8ac-9d34fbabee23",
        ],
        doc: "## What it finds\n\n\
              A Microsoft Teams incoming-webhook URL (Office 365 connector, \
              `https://<tenant>.webhook.office.com/webhookb2/…/IncomingWebhook/…` or the older \
              `outlook.office.com/webhook/…`).\n\n\
              ## Why it matters\n\n\
              Whoever has the URL can post cards into the channel without signing in, looking like your \
              integration: a ready-made phishing channel inside the tenant. It does not grant read access, \
              hence medium severity.\n\n\
              ## Fix\n\n\
              In Teams, open the channel's **Connectors** (or **Workflows**), remove the Incoming Webhook \
              configuration and create a new one. Remove the URL from the file and pass it at run time \
              from a secret store or mounted secret file.",
    },
];
