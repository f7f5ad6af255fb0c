//! Secret rules: AI and model-hosting APIs. (Google Gemini keys are Google API keys, `AIza…`, covered
//! with the other Google rules.)

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC099",
        name: "openai-api-key",
        title: "OpenAI API key",
        severity: Severity::High,
        keywords: &["t3blbkfj"],
        // Every OpenAI key format embeds the marker `T3BlbkFJ` (base64 of "OpenAI").
        pattern: r"\b(?P<secret>sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200})(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[r"(?i)x{10,}"],
        aliases: &["openai-api-key"],
        examples: &[
            "OPENAI_API_KEY=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",
            r#"client = OpenAI(api_key="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")"#,
            "OPENAI_ADMIN_KEY=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",
            "openai.api_key = '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'",
        ],
        near_misses: &[
            "OPENAI_API_KEY=sk-proj-xxxxxxxxxxxxxxxxxxxxT3BlbkFJxxxxxxxxxxxxxxxxxxxx",
            "OPENAI_API_KEY=sk-proj-...T3BlbkFJ...",
            "OPENAI_API_KEY=${OPENAI_API_KEY} # keys contain T3BlbkFJ",
        ],
        doc: "## What it finds\n\n\
              An OpenAI API key: project (`sk-proj-`), service-account (`sk-svcacct-`), admin \
              (`sk-admin-`) or legacy user key, recognised by the `T3BlbkFJ` marker every format \
              embeds.\n\n\
              ## Why it matters\n\n\
              Leaked keys are abused within minutes to run models at your expense (bills of thousands per \
              day are common) and can read the project's files, assistants, vector stores and fine-tuned \
              models, which often contain internal data. Admin keys manage the organisation: users, \
              projects and other keys.\n\n\
              ## Fix\n\n\
              At <https://platform.openai.com>, revoke the key (**API keys** of the project, or \
              **Organization settings** → **Admin keys**) and check usage for unknown activity. Remove it \
              from the file and supply it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC100",
        name: "anthropic-api-key",
        title: "Anthropic API or admin key",
        severity: Severity::High,
        keywords: &["sk-ant-"],
        pattern: r"\b(?P<secret>sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{90,100}AA)(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[r"(?i)x{10,}"],
        aliases: &["anthropic-api-key", "anthropic-admin-api-key"],
        examples: &[
            "ANTHROPIC_API_KEY=sk-ant-api03-ksLwhznzoFR2qecUsiG5l19UfWqNbDSh9flFPTeCHTFeDah0KJXNo1JtbtspkCeaGflkqgD0uKxQStNAoxhf31XKH8QSPAA",
            r#"client = anthropic.Anthropic(api_key="sk-ant-admin01-p_DJjPeVl9AqzOAaWLYTW4-gxePhAzjpOkqDCqC0KLrTaGPT_E7QXZyg6DJK0Y4BiZy4nNwonQNxNwsekIXT26JPAdRB6AA")"#,
        ],
        near_misses: &[
            "ANTHROPIC_API_KEY=sk-ant-api03-...",
            "ANTHROPIC_API_KEY=sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxAA",
            "ANTHROPIC_API_KEY=sk-ant-<your key>",
        ],
        doc: "## What it finds\n\n\
              An Anthropic API key (`sk-ant-api03-`) or Admin API key (`sk-ant-admin01-`).\n\n\
              ## Why it matters\n\n\
              An API key runs Claude models billed to your organisation and, for the workspace it belongs \
              to, can read uploaded files and batch results. An admin key manages the organisation: \
              members, workspaces and API keys.\n\n\
              ## Fix\n\n\
              In the Anthropic Console (<https://console.anthropic.com>), **Settings** → **API keys** (or \
              **Admin keys**), disable and delete the key, then check usage. Remove it from the file and \
              supply it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC101",
        name: "huggingface-token",
        title: "Hugging Face access token",
        severity: Severity::High,
        keywords: &["hf_", "api_org_"],
        pattern: r"\b(?P<secret>(?:hf_|api_org_)[A-Za-z0-9]{34})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[r"(?i)x{10,}"],
        aliases: &[
            "huggingface-access-token",
            "huggingface-organization-api-token",
        ],
        examples: &[
            "HF_TOKEN=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",
            "RUN huggingface-cli login --token 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",
            r#"api = HfApi(token="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")"#,
        ],
        near_misses: &[
            "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "HF_HUB_ENABLE_HF_TRANSFER=1",
            "from huggingface_hub import hf_hub_download",
            "HF_TOKEN=hf_...",
        ],
        doc: "## What it finds\n\n\
              A Hugging Face user access token (`hf_`) or legacy organization API token (`api_org_`).\n\n\
              ## Why it matters\n\n\
              Read tokens download the user's and organisation's private and gated models and datasets; \
              write tokens push to them, which means replacing model weights that downstream services load \
              (a supply-chain attack). Tokens can also run paid Inference Endpoints.\n\n\
              ## Fix\n\n\
              At <https://huggingface.co/settings/tokens>, invalidate the token (or delete it) and create a \
              fine-grained replacement. Remove it from the file; for model downloads during a build, pass \
              it as a BuildKit secret (`RUN --mount=type=secret,id=hf_token`).",
    },
    SecretRule {
        id: "SC102",
        name: "groq-api-key",
        title: "Groq API key",
        severity: Severity::High,
        keywords: &["gsk_"],
        pattern: r"\b(?P<secret>gsk_[A-Za-z0-9]{52})\b",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[],
        aliases: &[],
        examples: &[
            "GROQ_API_KEY=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",
            r#"client = Groq(api_key="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")"#,
        ],
        near_misses: &[
            "GROQ_API_KEY=gsk_...",
            "GROQ_API_KEY=gsk_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        doc: "## What it finds\n\n\
              A Groq API key (`gsk_`).\n\n\
              ## Why it matters\n\n\
              The key runs inference billed to your organisation and counts against its rate limits, so \
              abuse costs money and can starve your own service.\n\n\
              ## Fix\n\n\
              At <https://console.groq.com/keys>, delete the key and create a new one. Remove it from the \
              file and supply it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC103",
        name: "perplexity-api-key",
        title: "Perplexity API key",
        severity: Severity::High,
        keywords: &["pplx-"],
        pattern: r"\b(?P<secret>pplx-[A-Za-z0-9]{48})\b",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[],
        aliases: &["perplexity-api-key"],
        examples: &[
            "PERPLEXITY_API_KEY=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",
            r#"headers = {"Authorization": "Bearer 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"}"#,
        ],
        near_misses: &[
            "PERPLEXITY_API_KEY=pplx-...",
            "PERPLEXITY_API_KEY=pplx-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        doc: "## What it finds\n\n\
              A Perplexity API key (`pplx-`).\n\n\
              ## Why it matters\n\n\
              The key spends the account's prepaid credits and is abused like any other model-API key.\n\n\
              ## Fix\n\n\
              In Perplexity, **Settings** → **API**, revoke the key and generate a new one. Remove it from \
              the file and supply it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC104",
        name: "replicate-api-token",
        title: "Replicate API token",
        severity: Severity::High,
        keywords: &["r8_"],
        pattern: r"\b(?P<secret>r8_[A-Za-z0-9]{37})\b",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[],
        aliases: &[],
        examples: &[
            "REPLICATE_API_TOKEN=r8_UpDGErOMWVgGeY2x1Q5zdWOTzpWw2TsZ30b4d",
            r#"client = replicate.Client(api_token="r8_UpDGErOMWVgGeY2x1Q5zdWOTzpWw2TsZ30b4d")"#,
        ],
        near_misses: &[
            "REPLICATE_API_TOKEN=r8_...",
            "REPLICATE_API_TOKEN=r8_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        doc: "## What it finds\n\n\
              A Replicate API token (`r8_`).\n\n\
              ## Why it matters\n\n\
              The token runs models and deployments billed to the account (GPU time is expensive), reads \
              prediction inputs and outputs, and can push new versions of your private models.\n\n\
              ## Fix\n\n\
              At <https://replicate.com/account/api-tokens>, revoke the token and create a new one. Remove \
              it from the file and supply it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC105",
        name: "cohere-api-key",
        title: "Cohere API key",
        severity: Severity::High,
        keywords: &["cohere", "co_api_key"],
        pattern: r#"(?:(?i:cohere[\w.-]{0,20}?(?:api[_.-]?)?(?:key|token)|\bco_api_key)["'`]?(?:[ \t]*(?:=|:=|:|=>)[ \t]*|[ \t]+)["'`]?|cohere\.(?:Async)?Client(?:V2)?\([ \t]*(?:api_key[ \t]*=[ \t]*)?["'])(?P<secret>[A-Za-z0-9]{40})\b"#,
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[],
        aliases: &["cohere-api-token"],
        examples: &[
            "COHERE_API_KEY=HBGmft9bC4ayZXpWgHxnBqnGBxlqmdbsEsoEzNX9",
            r#"co = cohere.ClientV2(api_key="HBGmft9bC4ayZXpWgHxnBqnGBxlqmdbsEsoEzNX9")"#,
            "CO_API_KEY=HBGmft9bC4ayZXpWgHxnBqnGBxlqmdbsEsoEzNX9",
        ],
        near_misses: &[
            "COHERE_API_KEY=${COHERE_API_KEY}",
            "co = cohere.ClientV2(api_key=os.environ[\"CO_API_KEY\"])",
            "COHERE_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        doc: "## What it finds\n\n\
              A Cohere API key (40 characters) assigned to a Cohere setting (`COHERE_API_KEY`, \
              `CO_API_KEY`) or passed to the Cohere client.\n\n\
              ## Why it matters\n\n\
              Production keys run models billed to your organisation; any key reads fine-tuned models, \
              datasets and connectors of the organisation.\n\n\
              ## Fix\n\n\
              In the Cohere dashboard (<https://dashboard.cohere.com/api-keys>), delete the key and create \
              a new one. Remove it from the file and supply it at run time from a secret store or mounted \
              secret file.",
    },
    SecretRule {
        id: "SC106",
        name: "mistral-api-key",
        title: "Mistral AI API key",
        severity: Severity::High,
        keywords: &["mistral"],
        pattern: r#"(?:(?i:mistral[\w.-]{0,20}?(?:api[_.-]?)?key)["'`]?(?:[ \t]*(?:=|:=|:|=>)[ \t]*|[ \t]+)["'`]?|Mistral(?:Client)?\([ \t]*api_key[ \t]*=[ \t]*["'])(?P<secret>[A-Za-z0-9]{32})\b"#,
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[],
        aliases: &[],
        examples: &[
            "MISTRAL_API_KEY=Xq6uybGYQPdeiJMytSNOFv3ZRlXgbXB4",
            r#"client = Mistral(api_key="Xq6uybGYQPdeiJMytSNOFv3ZRlXgbXB4")"#,
        ],
        near_misses: &[
            "MISTRAL_API_KEY=${MISTRAL_API_KEY}",
            "MISTRAL_MODEL=mistral-large-latest",
            "MISTRAL_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        doc: "## What it finds\n\n\
              A Mistral AI (La Plateforme) API key, 32 characters, assigned to a Mistral setting or passed \
              to the Mistral client.\n\n\
              ## Why it matters\n\n\
              The key runs models billed to the workspace and reads its files, fine-tuning jobs and \
              agents.\n\n\
              ## Fix\n\n\
              In the Mistral console (<https://console.mistral.ai>), **API keys**, delete the key and \
              create a new one. Remove it from the file and supply it at run time from a secret store or \
              mounted secret file.",
    },
    SecretRule {
        id: "SC107",
        name: "together-api-key",
        title: "Together AI API key",
        severity: Severity::High,
        keywords: &["together"],
        pattern: r#"(?:(?i:together[\w.-]{0,20}?(?:api[_.-]?)?key)["'`]?(?:[ \t]*(?:=|:=|:|=>)[ \t]*|[ \t]+)["'`]?|Together\([ \t]*api_key[ \t]*=[ \t]*["'])(?P<secret>tgp_v1_[A-Za-z0-9_-]{40,50}|[a-f0-9]{64})(?:[^A-Za-z0-9_-]|$)"#,
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[],
        aliases: &[],
        examples: &[
            "TOGETHER_API_KEY=tgp_v1__q8vSpMqDknbqzJoIrGckaHtQnmrGKEEF6PAJJc9C9N",
            r#"client = Together(api_key="390ea09339be06933435974e97eccab1866a394081395003ee3fef104240258d")"#,
        ],
        near_misses: &[
            "TOGETHER_API_KEY=${TOGETHER_API_KEY}",
            "TOGETHER_API_KEY=tgp_v1_<your key>",
            "together_model: meta-llama/Llama-3.3-70B-Instruct-Turbo",
        ],
        doc: "## What it finds\n\n\
              A Together AI API key (`tgp_v1_…`, or the older 64-hex form) assigned to a Together setting \
              or passed to the Together client.\n\n\
              ## Why it matters\n\n\
              The key runs inference, fine-tuning and dedicated endpoints billed to the account and reads \
              uploaded training files.\n\n\
              ## Fix\n\n\
              At <https://api.together.ai/settings/api-keys>, rotate or delete the key. Remove it from the \
              file and supply it at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC108",
        name: "deepseek-api-key",
        title: "DeepSeek API key",
        severity: Severity::High,
        keywords: &["deepseek"],
        pattern: r#"(?:(?i:deepseek[\w.-]{0,20}?(?:api[_.-]?)?key)["'`]?(?:[ \t]*(?:=|:=|:|=>)[ \t]*|[ \t]+)["'`]?|\bapi_key[ \t]*=[ \t]*["'])(?P<secret>sk-[a-f0-9]{32})\b"#,
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[r"^sk-0+$"],
        aliases: &[],
        examples: &[
            "DEEPSEEK_API_KEY=sk-f6a1605cf032e6b79a73180a427c2dd6",
            r#"client = OpenAI(api_key="sk-f6a1605cf032e6b79a73180a427c2dd6", base_url="https://api.deepseek.com")"#,
        ],
        near_misses: &[
            "DEEPSEEK_API_KEY=${DEEPSEEK_API_KEY}",
            "DEEPSEEK_API_KEY=sk-00000000000000000000000000000000",
            "DEEPSEEK_BASE_URL=https://api.deepseek.com",
        ],
        doc: "## What it finds\n\n\
              A DeepSeek API key (`sk-` + 32 hex) assigned to a DeepSeek setting or passed as `api_key` on a \
              line that targets the DeepSeek API.\n\n\
              ## Why it matters\n\n\
              The key spends the account's balance on model calls; abuse drains it quickly and blocks your \
              own service.\n\n\
              ## Fix\n\n\
              At <https://platform.deepseek.com/api_keys>, delete the key and create a new one. Remove it \
              from the file and supply it at run time from a secret store or mounted secret file.",
    },
];
