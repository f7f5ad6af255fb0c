//! Secret rules: payment providers.

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC090",
        name: "stripe-live-secret-key",
        title: "Stripe live secret or restricted key",
        severity: Severity::Critical,
        keywords: &["sk_live_", "rk_live_"],
        pattern: r"\b(?P<secret>(?:sk|rk)_live_[A-Za-z0-9]{20,247})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[r"(?i)x{8,}", r"0{12,}"],
        aliases: &["stripe-access-token"],
        examples: &[
            "STRIPE_SECRET_KEY=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",
            r#"Stripe.api_key = "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""#,
            "ARG STRIPE_KEY=sk_live_rZODpdVxnlUHtJuwv8YQKb2L",
        ],
        near_misses: &[
            "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
            // The publishable key is meant for the browser.
            "// the server uses sk_live_ keys; the page gets pk_live_51PKs1pOSriGQTcxDN4R2DRNfHMGymprwg1Gb8vq",
            "STRIPE_SECRET_KEY=sk_live_${STRIPE_LIVE_KEY}",
            "STRIPE_SECRET_KEY=sk_live_...",
        ],
        doc: "## What it finds\n\n\
              A Stripe live-mode secret key (`sk_live_`) or restricted key (`rk_live_`). Publishable keys \
              (`pk_live_`) are meant for browsers and are not reported.\n\n\
              ## Why it matters\n\n\
              A live secret key is full API access to the Stripe account: creating charges and refunds, \
              issuing payouts, reading customers and payment details, changing webhooks. Restricted keys \
              are narrower but still live. This is money and cardholder data (PCI DSS), hence critical.\n\n\
              ## Fix\n\n\
              In the Stripe Dashboard, **Developers** → **API keys**, roll the key (choose immediate \
              expiry) and deploy the new one; review the account's logs and events for unknown requests. \
              Remove it from the file and supply it at run time from a secret store or mounted secret \
              file, never through a build argument.",
    },
    SecretRule {
        id: "SC091",
        name: "stripe-webhook-secret",
        title: "Webhook signing secret (Stripe, Svix)",
        severity: Severity::High,
        keywords: &["whsec_"],
        pattern: r"\b(?P<secret>whsec_[A-Za-z0-9+/]{24,88}={0,2})(?:[^A-Za-z0-9+/=_-]|$)",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[r"(?i)x{8,}"],
        aliases: &[],
        examples: &[
            "STRIPE_WEBHOOK_SECRET=whsec_QgfYRsyF6SZzrlxnqYish5T9FFpt5oHI",
            r#"endpoint_secret = "whsec_QgfYRsyF6SZzrlxnqYish5T9FFpt5oHI""#,
        ],
        near_misses: &[
            "STRIPE_WEBHOOK_SECRET=whsec_...",
            "STRIPE_WEBHOOK_SECRET=whsec_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "STRIPE_WEBHOOK_SECRET=whsec_${SECRET}",
        ],
        doc: "## What it finds\n\n\
              A webhook signing secret (`whsec_`), as issued by Stripe for webhook endpoints and by Svix \
              (used by many SaaS products) for outgoing webhooks.\n\n\
              ## Why it matters\n\n\
              Your endpoint trusts events whose signature verifies with this secret. With it, an attacker \
              can forge `payment_intent.succeeded` or `checkout.session.completed` events and get orders \
              fulfilled without paying, or trigger any other webhook-driven action.\n\n\
              ## Fix\n\n\
              Stripe: **Developers** → **Webhooks**, open the endpoint and **Roll secret**. Svix-based \
              providers: rotate the endpoint's signing secret in their portal. Remove it from the file and \
              supply it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC092",
        name: "stripe-test-key",
        title: "Stripe test-mode secret key",
        severity: Severity::Low,
        keywords: &["sk_test_", "rk_test_"],
        pattern: r"\b(?P<secret>(?:sk|rk)_test_[A-Za-z0-9]{20,247})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[
            // Keys published in Stripe's documentation.
            r"^sk_test_4eC39HqLyjWDarjtT1zdp7dc$",
            r"^sk_test_BQokikJOvBiI2HlWgH4olfQ2$",
            r"^sk_test_26PHem9AhJZvU623DfE1x4sd$",
            r"(?i)x{8,}",
        ],
        aliases: &["stripe-access-token"],
        examples: &[
            "STRIPE_SECRET_KEY=sk_test_51X4LF7CVPDWjd2pMaOB3nkjZQ9CRTPrcuMyG8ZVJWNwHzXxm9H4fEV3leRqe1AZtUmPvuJMzXZIaWum3IXXpSrzbjefVXE2WJO",
        ],
        near_misses: &[
            "stripe.api_key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'",
            "STRIPE_SECRET_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx",
            "STRIPE_SECRET_KEY=sk_test_...",
        ],
        doc: "## What it finds\n\n\
              A Stripe test-mode secret or restricted key (`sk_test_`, `rk_test_`). Keys printed in \
              Stripe's documentation are ignored.\n\n\
              ## Why it matters\n\n\
              Test keys cannot move real money, hence low severity. They still read and change the \
              account's test-mode data and settings (test customers are sometimes copies of real ones, and \
              webhook endpoints are shared knowledge), and a committed test key usually means the live key \
              is handled the same way.\n\n\
              ## Fix\n\n\
              Roll the key in the Stripe Dashboard (**Developers** → **API keys**, test mode). Remove it \
              from the file and supply it at run time like the live key, from a secret store or mounted \
              secret file.",
    },
    SecretRule {
        id: "SC093",
        name: "braintree-access-token",
        title: "PayPal Braintree production access token",
        severity: Severity::Critical,
        keywords: &["access_token$production$"],
        pattern: r"\b(?P<secret>access_token\$production\$[a-z0-9]{16}\$[a-f0-9]{32})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[r"\$0{32}$"],
        aliases: &[],
        examples: &[
            "BRAINTREE_ACCESS_TOKEN=access_token$production$0r7200s5ky4picw6$3c3d7220eee3a9341dc8e50cefec49b8",
            r#"gateway = braintree.BraintreeGateway(access_token="access_token$production$0r7200s5ky4picw6$3c3d7220eee3a9341dc8e50cefec49b8")"#,
        ],
        near_misses: &[
            "BRAINTREE_ACCESS_TOKEN=access_token$production$<merchant_id>$<token>",
            "BRAINTREE_ACCESS_TOKEN=access_token$production$0r7200s5ky4picw6$00000000000000000000000000000000",
            // Sandbox tokens are not reported.
            "BRAINTREE_ACCESS_TOKEN=access_token$sandbox$0r7200s5ky4picw6$3c3d7220eee3a9341dc8e50cefec49b8",
        ],
        doc: "## What it finds\n\n\
              A Braintree (PayPal) production access token \
              (`access_token$production$<merchant id>$<secret>`), used by the PayPal/Braintree SDKs instead \
              of a public/private key pair. Sandbox tokens are not reported.\n\n\
              ## Why it matters\n\n\
              The token performs transactions, refunds and vaulting for the merchant account and reads \
              transaction and customer data: money and cardholder data, hence critical.\n\n\
              ## Fix\n\n\
              Revoke it where it was issued: in the PayPal Developer Dashboard (**Apps & Credentials**) or \
              through the Braintree Control Panel's API settings, and issue a new one. Review recent \
              transactions. Remove it from the file and supply it at run time from a secret store or \
              mounted secret file.",
    },
    SecretRule {
        id: "SC094",
        name: "square-access-token",
        title: "Square access token or application secret",
        severity: Severity::Critical,
        keywords: &["eaaa", "sq0atp-", "sq0csp-"],
        pattern: r"\b(?P<secret>EAAA[A-Za-z0-9_-]{60}|sq0atp-[A-Za-z0-9_-]{22}|sq0csp-[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[],
        aliases: &["square-access-token"],
        examples: &[
            "SQUARE_ACCESS_TOKEN=EAAA8wYKgq-caltzgQnjo0Uv0B2GLAI6tqMVRyY2AOzNKdzlEhoxDI70y1G8pUbl",
            "square_application_secret: sq0csp-75e2tVx3bbUL5Dp84Ku8z91db2ejmf1mPq_dQvmBMNQ",
            r#"client = Client(access_token="sq0atp-BAiBY9rp_uSKbVYaR8CdKT")"#,
        ],
        near_misses: &[
            "SQUARE_ACCESS_TOKEN=EAAA<your access token>",
            "SQUARE_ACCESS_TOKEN=EAAAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            // Longer EAA… strings are Facebook tokens, a different provider.
            "FB_TOKEN=EAAAGm0PX4ZCpsBAKZCq7j1u9W1ffbW4ZC3jPZAh8uE6ZBvDR6ZCjGZAkcZBjZCG0X2Qd9z0ZBwZC9jJHZCZAb0yGZCZBZAs2Zd8oPZCpZAYs9vKz",
        ],
        doc: "## What it finds\n\n\
              A Square access token (`EAAA…`, 64 characters, or the legacy `sq0atp-`) or an OAuth \
              application secret (`sq0csp-`).\n\n\
              ## Why it matters\n\n\
              A production access token takes payments, issues refunds, reads orders, customers and \
              inventory of the seller account. The application secret lets an attacker exchange and \
              refresh OAuth tokens for every seller connected to your app. Hence critical.\n\n\
              ## Fix\n\n\
              In the Square Developer Dashboard, open the application → **Credentials** and replace the \
              access token or application secret; revoke OAuth tokens with the `RevokeToken` endpoint. \
              Remove it from the file and supply it at run time from a secret store or mounted secret \
              file.",
    },
    SecretRule {
        id: "SC095",
        name: "adyen-api-key",
        title: "Adyen API key",
        severity: Severity::Critical,
        keywords: &["adyen"],
        pattern: r#"\b(?P<secret>AQE[^\s"'`;]{60,400})"#,
        scope: Scope::Line,
        entropy: Some(4.5),
        validate: None,
        allow: &[],
        aliases: &[],
        examples: &[
            "ADYEN_API_KEY=AQEFSNIAuO4NslisTACRsjXkrWMVy/aujXXIOClxtvHiMpPpvBvNdPXqM9z23xb=-jY51vlKrS6457tomyHXbObrDJlfb7K1jSGFUIV6Bt+gF=-qJ1vH7eg9oNB",
            r#"config.setApiKey("AQEFSNIAuO4NslisTACRsjXkrWMVy/aujXXIOClxtvHiMpPpvBvNdPXqM9z23xb=-jY51vlKrS6457tomyHXbObrDJlfb7K1jSGFUIV6Bt+gF=-qJ1vH7eg9oNB"); // adyen"#,
        ],
        near_misses: &[
            "ADYEN_API_KEY=AQE<your API key>",
            "ADYEN_API_KEY=${ADYEN_API_KEY}",
            // Client keys are used in the browser by design.
            "ADYEN_CLIENT_KEY=live_ZRDXLGGNBRHB5NX5DMKE3NXI4IAZPY7E",
        ],
        doc: "## What it finds\n\n\
              An Adyen API key (a long key starting `AQE`) on a line that mentions Adyen. Client keys \
              (`live_…`/`test_…`), which are used in browsers, are not reported.\n\n\
              ## Why it matters\n\n\
              The API credential's roles decide what it can do: authorise payments and refunds, read \
              payment details, manage stored payment methods and payouts. Money and cardholder data, hence \
              critical.\n\n\
              ## Fix\n\n\
              In the Adyen Customer Area, **Developers** → **API credentials**, open the credential, \
              generate a new API key, deploy it, then revoke the old key. Remove it from the file and supply \
              it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC096",
        name: "razorpay-key-secret",
        title: "Razorpay key secret",
        severity: Severity::Critical,
        keywords: &["razorpay", "rzp_live_"],
        pattern: r#"(?:(?i:razorpay[\w.-]{0,20}?secret|\bkey_secret)["'`]?(?:[ \t]*(?:=|:=|:|=>)[ \t]*|[ \t]+)["'`]?|\brzp_live_[A-Za-z0-9]{14}:)(?P<secret>[A-Za-z0-9]{24})\b"#,
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[],
        aliases: &[],
        examples: &[
            "RAZORPAY_KEY_SECRET=vS0QSxvxMWhs2Iu8h0wQ5Phv",
            "curl -u rzp_live_XKvrSbJs1uIyQl:vS0QSxvxMWhs2Iu8h0wQ5Phv https://api.razorpay.com/v1/payments",
            r#"client = razorpay.Client(auth=("rzp_live_XKvrSbJs1uIyQl", "x")); key_secret = "vS0QSxvxMWhs2Iu8h0wQ5Phv""#,
        ],
        near_misses: &[
            // The key id is public (it is passed to Checkout in the browser).
            "RAZORPAY_KEY_ID=rzp_live_XKvrSbJs1uIyQl",
            "RAZORPAY_KEY_SECRET=${RAZORPAY_KEY_SECRET}",
            "razorpay_secret: <key secret>",
        ],
        doc: "## What it finds\n\n\
              A Razorpay API key secret: assigned to a Razorpay secret setting, or paired with a live key id \
              as `rzp_live_<id>:<secret>`. The key id alone (`rzp_live_…`) is public and not reported.\n\n\
              ## Why it matters\n\n\
              Key id plus secret authenticate every server-side Razorpay call: capturing and refunding \
              payments, creating payment links, reading orders and customer details, and, with RazorpayX, \
              payouts. Hence critical.\n\n\
              ## Fix\n\n\
              In the Razorpay Dashboard, **Account & Settings** → **API Keys**, regenerate the key (the old \
              secret stops working). Remove it from the file and supply it at run time from a secret store \
              or mounted secret file.",
    },
    SecretRule {
        id: "SC097",
        name: "plaid-secret",
        title: "Plaid API secret",
        severity: Severity::High,
        keywords: &["plaid"],
        pattern: r#"(?:(?i:plaid[\w.-]{0,20}?secret)|"secret")["'`]?(?:[ \t]*(?:=|:=|:|=>)[ \t]*|[ \t]+)["'`]?(?P<secret>[a-f0-9]{30})\b"#,
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"^0+$"],
        aliases: &["plaid-secret-key"],
        examples: &[
            "PLAID_SECRET=c0c7070c4c9b59b3303239c540e822",
            r#"curl https://production.plaid.com/accounts/get -d '{"client_id":"5f8e2d1c0b9a8f7e6d5c4b3a","secret":"c0c7070c4c9b59b3303239c540e822","access_token":"'"$TOKEN"'"}'"#,
        ],
        near_misses: &[
            // The client id is an identifier.
            "PLAID_CLIENT_ID=5f8e2d1c0b9a8f7e6d5c4b3a",
            "PLAID_SECRET=${PLAID_SECRET}",
            "PLAID_SECRET=000000000000000000000000000000",
        ],
        doc: "## What it finds\n\n\
              A Plaid API secret (30 hex characters) assigned to a Plaid secret setting or sent in a Plaid \
              request body.\n\n\
              ## Why it matters\n\n\
              Together with the client id (rarely secret) it authenticates every Plaid call: with stored \
              access tokens an attacker reads bank accounts, balances, transactions and identity data of \
              your users, and can initiate transfers where enabled.\n\n\
              ## Fix\n\n\
              In the Plaid Dashboard, **Team Settings** → **Keys**, rotate the secret for the environment \
              and deploy the new one. Remove it from the file and supply it at run time from a secret store \
              or mounted secret file.",
    },
    SecretRule {
        id: "SC098",
        name: "flutterwave-secret-key",
        title: "Flutterwave live secret key",
        severity: Severity::Critical,
        keywords: &["flwseck-"],
        pattern: r"\b(?P<secret>FLWSECK-[a-f0-9]{32}-X)\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"-0{32}-"],
        aliases: &["flutterwave-secret-key"],
        examples: &[
            "FLW_SECRET_KEY=FLWSECK-7fe09f8a1c58c627c7590afeca344672-X",
            r#"const flw = new Flutterwave(process.env.FLW_PUBLIC_KEY, "FLWSECK-7fe09f8a1c58c627c7590afeca344672-X");"#,
        ],
        near_misses: &[
            "FLW_SECRET_KEY=FLWSECK-<secret>-X",
            "FLW_SECRET_KEY=FLWSECK-00000000000000000000000000000000-X",
            // Test-mode keys use the FLWSECK_TEST- prefix and are not reported.
            "FLW_SECRET_KEY=FLWSECK_TEST-7fe09f8a1c58c627c7590afeca344672-X",
        ],
        doc: "## What it finds\n\n\
              A Flutterwave live secret key (`FLWSECK-<32 hex>-X`). Public keys (`FLWPUBK-`) and test-mode \
              keys (`FLWSECK_TEST-`) are not reported.\n\n\
              ## Why it matters\n\n\
              The secret key authorises charges, refunds, transfers and payouts on the merchant account and \
              reads transactions and customer data. Hence critical.\n\n\
              ## Fix\n\n\
              In the Flutterwave Dashboard, **Settings** → **API Keys**, generate new keys (the old secret \
              is invalidated), and review transfers and payouts. Remove it from the file and supply it at \
              run time from a secret store or mounted secret file.",
    },
];
