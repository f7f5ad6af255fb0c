//! Secret rules: source-code hosting. GitHub, GitLab, Atlassian (Jira/Confluence/Bitbucket) tokens.
//!
//! All of these carry a vendor prefix, so they are reported wherever they appear; the length and alphabet after
//! the prefix are checked exactly, so documentation stubs (`ghp_xxxx`, `glpat-<token>`) are not.

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC029",
        name: "github-pat",
        title: "GitHub personal access token (classic)",
        severity: Severity::Critical,
        keywords: &["ghp_"],
        pattern: r"\b(?P<secret>ghp_[A-Za-z0-9]{36})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["github-pat"],
        examples: &[
            "ENV GITHUB_TOKEN=ghp_Bu1kHeadvtu6KGSiZfagrQRIIeSMaTK4UKWI",
            "RUN git clone https://ghp_5cXuMVZOUFflJssQO2OrJoXyBV7ZfAmStxw8@github.com/bulkhead/private-lib.git /src/lib",
            "echo ghp_cF7tdeMoJX7YwtsYqEYawatoUdOIKVdQddIb | docker login ghcr.io -u release-bot --password-stdin",
        ],
        near_misses: &[
            "GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "GITHUB_TOKEN=ghp_Abq4cA6wZ6akJIa5HW1nyhG4RjPMIu",
            "GITHUB_TOKEN=ghp_ppBCnx9torE7J2d2UrTP8Roj1jcPXHqYJ1pKRpIG",
            "GITHUB_TOKEN=ghp_<your-token>",
            "GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
        ],
        doc: "## What it finds
A classic GitHub personal access token, `ghp_` followed by 36 letters and digits, in any file, variable or URL.

## Why it matters
A classic PAT acts as its user on every repository and organisation the user can reach, with the scopes chosen when
it was created (commonly `repo`, `workflow`, `write:packages`, sometimes `admin:org`), and often without an expiry.
It can push code, change workflows to exfiltrate Actions secrets, and publish packages and images.

## Fix
Revoke the token at GitHub → Settings → Developer settings → Personal access tokens (organisation owners can also
revoke it from the organisation's settings, and GitHub revokes tokens it finds in public content); review the
security log for its use. Remove it from the source and image history. Use `GITHUB_TOKEN` in Actions, a GitHub App or
a fine-grained token with the least scope, passed at build time with `RUN --mount=type=secret` and at run time from a
secret store.",
    },
    SecretRule {
        id: "SC030",
        name: "github-fine-grained-pat",
        title: "GitHub fine-grained personal access token",
        severity: Severity::High,
        keywords: &["github_pat_"],
        pattern: r"\b(?P<secret>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["github-fine-grained-pat"],
        examples: &[
            "GH_TOKEN=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",
            "git config --global url.\"https://x-access-token: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@github.com/\".insteadOf \"https://github.com/\"",
        ],
        near_misses: &[
            "GH_TOKEN=github_pat_8ue8C223eH0smdmaw7ocYR_id0Pvt3mKrD6MpgPnodSv3A4OGEXCHUsX2vqVT3T",
            "GH_TOKEN=github_pat_<token>",
            "GH_TOKEN=github_pat_11AAAAAAAAAAAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ],
        doc: "## What it finds
A fine-grained GitHub personal access token: `github_pat_`, 22 characters, an underscore and 59 more.

## Why it matters
Fine-grained tokens are limited to the repositories and permissions chosen at creation and always expire, so they
are less dangerous than classic tokens, but they commonly carry `contents: write` or `packages: write` on the very
repositories an image is built from: enough to push malicious code or images.

## Fix
Revoke the token at GitHub → Settings → Developer settings → Personal access tokens → Fine-grained tokens
(organisation owners can revoke tokens with access to their organisation); check the security and audit logs.
Remove it from the source and image history, and pass tokens at build time with `RUN --mount=type=secret` and at run
time from a secret store.",
    },
    SecretRule {
        id: "SC031",
        name: "github-app-token",
        title: "GitHub OAuth, GitHub App or refresh token",
        severity: Severity::High,
        keywords: &["gho_", "ghu_", "ghs_", "ghr_"],
        pattern: r"\b(?P<secret>gh[ousr]_[A-Za-z0-9]{36,251})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["github-oauth", "github-app-token", "github-refresh-token"],
        examples: &[
            "oauth_token: gho_AQ61Ac2aIXjwP5YZBAdejRjhkUEJjmw8HFo6",
            "GITHUB_TOKEN=ghs_HXhPPxEiLfwViVtT2QczIOEIVDBTI0phkZay",
            r#"{"access_token":"ghu_W64N8tNpy6TqgJGUDqKCVZYfRjFuIWSIzsEO","expires_in":28800,"refresh_token":"ghr_lbRQ0w2ovF6TQlyHdhmmZXbMRSopHIxxfhM4USabqujEGlIztcEJWOqlgwxRsHMF6jK6pE98RTOp","token_type":"bearer"}"#,
        ],
        near_misses: &[
            "GITHUB_TOKEN=ghs_aBY8pd4msygOxyt4iqmQ",
            "oauth_token: gho_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "GITHUB_TOKEN=ght_13sMaHihpNZisi2DJD19iSt6vo9XgE2pMP2q",
            "prefixes = [\"gho_\", \"ghu_\", \"ghs_\", \"ghr_\"]",
        ],
        doc: "## What it finds
GitHub tokens issued to applications: OAuth app tokens (`gho_`, e.g. in `~/.config/gh/hosts.yml`), GitHub App
user-to-server tokens (`ghu_`), installation (server-to-server) tokens (`ghs_`, what `GITHUB_TOKEN` in Actions is) and
refresh tokens (`ghr_`).

## Why it matters
They act with the permissions of the app installation or of the user who authorised the app. Installation and
user-to-server tokens expire after one to eight hours, but refresh tokens last six months and `gho_` tokens do not
expire; a token captured in an image can be replayed from anywhere until then.

## Fix
Revoke the user's authorisation at GitHub → Settings → Applications (or call the OAuth app's
`DELETE /applications/{client_id}/token`), and for `ghs_` tokens let them expire or suspend the installation. Remove
the token from the source and image; mint installation tokens at run time from the app's private key kept in a secret
store.",
    },
    SecretRule {
        id: "SC032",
        name: "gitlab-pat",
        title: "GitLab personal, project or group access token",
        severity: Severity::Critical,
        keywords: &["glpat-"],
        pattern: r"\b(?P<secret>glpat-[A-Za-z0-9_-]{20,300}(?:\.[0-9a-z]{2}[0-9a-z]{7})?)(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["gitlab-pat", "gitlab-pat-routable"],
        examples: &[
            "GITLAB_TOKEN=glpat-L1uHgG7LIAhBuYg-mDnb",
            "git remote add origin https://oauth2:glpat-yMqIspuvSsBd_Vct7ApO@gitlab.bulkhead.invalid/platform/app.git",
            "PRIVATE_TOKEN=glpat-L1QLyg5FwReCcHH6pWgcDIGs3Tb0OzD63L0dRY.01zv135we",
        ],
        near_misses: &[
            "GITLAB_TOKEN=glpat-xxxxxxxxxxxxxxxxxxxx",
            "GITLAB_TOKEN=glpat-m5dr7pNHrdjB",
            "GITLAB_TOKEN=glpat-<your-token>",
            "GITLAB_TOKEN: $CI_JOB_TOKEN",
        ],
        doc: "## What it finds
A GitLab access token with the `glpat-` prefix: personal, project and group access tokens, in the classic
20-character form and the newer routable form (`glpat-...` with a `.xx...` suffix).

## Why it matters
A personal access token acts as its user with the scopes it was given; with `api` that is everything the user can do
on the instance, including reading CI/CD variables and pushing code that pipelines deploy. Project and group tokens
are bot users with the role they were created with, often Maintainer.

## Fix
Revoke the token in GitLab: User settings → Access tokens for personal tokens, Settings → Access tokens of the
project or group for bot tokens (administrators can revoke any token, and GitLab.com revokes tokens found in public
repositories). Check the audit events. Remove the token from the source and image, use `CI_JOB_TOKEN` inside pipelines,
and pass tokens at build time with `RUN --mount=type=secret`.",
    },
    SecretRule {
        id: "SC033",
        name: "gitlab-runner-token",
        title: "GitLab runner registration or authentication token",
        severity: Severity::High,
        keywords: &["gr1348941", "glrt-"],
        pattern: r"\b(?P<secret>GR1348941[A-Za-z0-9_-]{20}|glrt-[A-Za-z0-9_-]{20,300}(?:\.[0-9a-z]{2}[0-9a-z]{7})?)(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[
            "gitlab-rrt",
            "gitlab-runner-authentication-token",
            "gitlab-runner-authentication-token-routable",
        ],
        examples: &[
            "RUN gitlab-runner register --non-interactive --url https://gitlab.bulkhead.invalid --registration-token GR1348941-5CjhzNjxDrMQGGMDp9O --executor docker",
            "  token = \"glrt-hbMVWZcUvPqDfVFWi_Rt\"",
            "CI_SERVER_TOKEN=glrt-t1_mzI9QnkzAi4Maqni_eNn6GeobH2.01s4j8pmh",
        ],
        near_misses: &[
            "gitlab-runner register --registration-token \"$RUNNER_TOKEN\"",
            "gitlab-runner register --registration-token GR1348941_JT3lkfC",
            "  token = \"glrt-<runner token>\"",
        ],
        doc: "## What it finds
GitLab runner credentials: the legacy registration token (`GR1348941` prefix) used by `gitlab-runner register`, and
runner authentication tokens (`glrt-`, classic and routable) as stored in the runner's `config.toml`.

## Why it matters
A registration token lets anyone attach their own runner to the project, group or instance and receive its CI jobs,
with their source code, `CI_JOB_TOKEN` and masked variables. An authentication token impersonates an existing runner
to the same effect. Runner images and `config.toml` files are common places for both.

## Fix
Reset the token in GitLab: for a runner, delete it (or reset its authentication token) under Settings → CI/CD →
Runners; for the legacy registration token, use *Reset registration token* on the same page, or disable registration
tokens in favour of runner creation with authentication tokens. Remove the token from the source and image, and
provide `config.toml` to the runner container as a mounted secret.",
    },
    SecretRule {
        id: "SC034",
        name: "gitlab-deploy-token",
        title: "GitLab deploy token",
        severity: Severity::High,
        keywords: &["gldt-"],
        pattern: r"\b(?P<secret>gldt-[A-Za-z0-9_-]{20,300})(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["gitlab-deploy-token"],
        examples: &[
            "docker login registry.gitlab.bulkhead.invalid -u gitlab+deploy-token-12 -p gldt-4BdQ3ZuDQEYpWDTLipj2",
            "CI_DEPLOY_PASSWORD=gldt-i_rbhCkzkIhyyABmCS69",
        ],
        near_misses: &[
            "CI_DEPLOY_PASSWORD=gldt-hCNe1NnK2S",
            "docker login registry.gitlab.bulkhead.invalid -u $CI_DEPLOY_USER -p $CI_DEPLOY_PASSWORD",
            "CI_DEPLOY_PASSWORD=gldt-<token>",
        ],
        doc: "## What it finds
A GitLab deploy token, `gldt-` followed by at least 20 characters: the password half of a `gitlab+deploy-token-N`
login used to pull (or push) repositories, container images and packages.

## Why it matters
Deploy tokens bypass user accounts: with `read_repository` and `read_registry` they give the holder the source and
images of the project or group; with `write_registry` or `write_package_registry` they can replace images and
packages that production pulls.

## Fix
Revoke it in GitLab under the project's or group's Settings → Repository → Deploy tokens, and create a new one with
the fewest scopes and an expiry. Remove it from the source and image, and give it to the environment that pulls
images as a registry credential secret (for example a Kubernetes `imagePullSecret`).",
    },
    SecretRule {
        id: "SC035",
        name: "gitlab-token",
        title: "GitLab pipeline trigger, feed, mail, SCIM, agent, OAuth app or job token",
        severity: Severity::High,
        keywords: &["glptt-", "glsoat-", "glft-", "glffct-", "glimt-", "glagent-", "gloas-", "glcbt-"],
        pattern: r"\b(?P<secret>glptt-[0-9a-f]{40}|(?:glsoat|glft|glffct|glimt|glagent|gloas|glcbt)-[A-Za-z0-9_-]{20,300}(?:\.[0-9a-z]{2}[0-9a-z]{7})?)(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[
            "gitlab-ptt",
            "gitlab-scim-token",
            "gitlab-feed-token",
            "gitlab-feature-flag-client-token",
            "gitlab-incoming-mail-token",
            "gitlab-kubernetes-agent-token",
            "gitlab-oauth-app-secret",
            "gitlab-cicd-job-token",
        ],
        examples: &[
            "curl -X POST -F token=glptt-a1c4ed2adf9819655aebebabc5ba8117c4f4c73c -F ref=main https://gitlab.bulkhead.invalid/api/v4/projects/7/trigger/pipeline",
            "helm upgrade --install agent gitlab/gitlab-agent --set config.token=glagent-NTPYU2pIVFneoFUMu6IJQcq0sbet7cQHHW8Uf8WyjUL2XKojh0",
            "GITLAB_OAUTH_SECRET=gloas-1MZ3QwPozrpoCefheAOEYeBiXotKcG7vIMmzxyl62bU37mDEuEK4mCsOLF_xas4U",
            "https://gitlab.bulkhead.invalid/dashboard/projects.atom?feed_token=glft-qzQkIIbc_oi73wUnQhW-",
        ],
        near_misses: &[
            "curl -X POST -F token=glptt-245712D854573AAB199672CF19A41A9A302E0BE4 https://gitlab.bulkhead.invalid/api/v4/projects/7/trigger/pipeline",
            "curl -X POST -F token=$TRIGGER_TOKEN -F ref=main https://gitlab.bulkhead.invalid/api/v4/projects/7/trigger/pipeline",
            "--set config.token=glagent-sWEhaCfutw",
            "GITLAB_OAUTH_SECRET=gloas-<secret>",
        ],
        doc: "## What it finds
The other prefixed GitLab tokens: pipeline trigger tokens (`glptt-`), SCIM tokens (`glsoat-`), feed tokens (`glft-`),
feature-flag client tokens (`glffct-`), incoming-mail tokens (`glimt-`), Kubernetes agent tokens (`glagent-`), OAuth
application secrets (`gloas-`) and CI/CD job tokens (`glcbt-`). Personal, deploy and runner tokens have their own
rules.

## Why it matters
Each is a credential of its own: a trigger token runs pipelines (with the trigger owner's permissions and
variables), an agent token connects a rogue agent to the cluster integration, an OAuth application secret lets an
attacker act as an app users sign in with, a SCIM token manages group membership, and feed or mail tokens leak
private activity or inject issues. Job tokens are short-lived but still grant the job's access while it runs.

## Fix
Revoke or reset it where it was created in GitLab: project Settings → CI/CD → Pipeline trigger tokens; Operate →
Kubernetes clusters for agent tokens; Applications for OAuth secrets (*Renew secret*); the group's SAML/SCIM
settings; the user's Access tokens page for feed and incoming-mail tokens (*Reset*). Remove it from the source and
image and inject it at run time from a secret store.",
    },
    SecretRule {
        id: "SC036",
        name: "atlassian-token",
        title: "Atlassian API token or Bitbucket app password",
        severity: Severity::High,
        keywords: &["atatt3", "atbb"],
        pattern: r"\b(?P<secret>ATATT3[A-Za-z0-9_=-]{186}|ATBB[A-Za-z0-9_=.-]{20,100}[A-Z0-9]{8})(?:[^A-Za-z0-9_=-]|$)",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["atlassian-api-token"],
        examples: &[
            "JIRA_API_TOKEN=ATATT3xFfGF0QjwiLxWLeR3UrXiPGEHd9BUKtgtJb-ufLsefRJUlc4eh5D4SewA5TCwajDGwZ4eEVy9Qnul8yDXnc8IEVb_54agsTJA9vFGnOvJInVWua3eoZK242W0inYe6bq4uToHgVifSoASXwzP6YEb8OHhLjGtQXSf9jUIgsSJKYBZGYZFdZzZ5kQmg",
            "curl -u ci@bulkhead.invalid:ATATT3xFfGF0sD51z2XnGDA5Aw0WOdNbbmE7MFDDnktreZSJ-90q8v0htRSgD-I-iYzrrW7jwMPm1twBsqZ_TlLYbGzs1JBUZmRIvHYNRrTWmoSjzMqwZyBLtOe748Q-4VwK2kv2zg5Gf3GVsnZT7ezD8ykxr_4k3tMVhTDyb8I7f7bDVRFYuOPDRFXcYiBI https://bulkhead.atlassian.net/rest/api/3/myself",
            "BITBUCKET_APP_PASSWORD=ATBBIyNyBUeVs2gzEDnARw6zLJw9F275521E",
            "RUN git clone https://ci-bot:ATBBXiZ49WzsABxX234HjzMn8Ftz224DA481@bitbucket.org/bulkhead/app.git",
        ],
        near_misses: &[
            "JIRA_API_TOKEN=ATATT3xFfGF06myZGOTiU0Nlqieb-0Bw-EQ22C3FOlaVXu4prGjVMn5YbslfLD",
            "JIRA_API_TOKEN=${JIRA_API_TOKEN}",
            "CONFLUENCE_TOKEN=ATATT3<token>",
            "BITBUCKET_APP_PASSWORD=ATBBUbrzBL",
            "BITBUCKET_APP_PASSWORD=ATBBXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "BITBUCKET_APP_PASSWORD=$BB_APP_PASSWORD",
        ],
        doc: "## What it finds
Credentials of an Atlassian account: Atlassian Cloud API tokens (`ATATT3` followed by 186 characters), used with the
account e-mail for basic authentication to Jira, Confluence and Bitbucket Cloud, and Bitbucket app passwords in
their prefixed form (`ATBB`, a random body and an 8-character uppercase check suffix), typically the password half of
`https://user:PASSWORD@bitbucket.org/...` or a `BITBUCKET_APP_PASSWORD` variable.

## Why it matters
An API token carries all the permissions of its account on every Atlassian Cloud site it can reach: reading and
editing issues and pages (which often hold credentials and customer data) and, on Bitbucket, repositories. An app
password authenticates Git and the Bitbucket API with the permissions chosen at creation (commonly repository
read/write, pull requests and pipelines) for every workspace the user belongs to. Neither expires by default.

## Fix
Revoke API tokens at id.atlassian.com → Security → API tokens (organisation admins can revoke users' tokens from
Atlassian Administration) and app passwords at Bitbucket → Personal settings → App passwords; check the site and
workspace audit logs. Remove the credential from the source and image history, and supply a scoped token (or a
repository/workspace access token) at build time with `RUN --mount=type=secret` or at run time from a secret
store.",
    },
];
