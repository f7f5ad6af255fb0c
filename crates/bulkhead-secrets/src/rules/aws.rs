//! Secret rules: Amazon Web Services. Access key ids, secret access keys and session tokens in context,
//! Marketplace Web Service tokens, Amazon Bedrock API keys.
//!
//! AWS's documented example credentials (`AKIAIOSFODNN7EXAMPLE`, `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`)
//! are allowlisted here as well as globally, so the rules stay quiet on SDK documentation and test fixtures.

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC011",
        name: "aws-access-key-id",
        title: "AWS access key id",
        severity: Severity::Medium,
        keywords: &["akia", "asia", "abia", "acca", "a3t"],
        pattern: r"\b(?P<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN, r"EXAMPLE$"],
        aliases: &["aws-access-token", "aws-access-key-id"],
        examples: &[
            "ENV AWS_ACCESS_KEY_ID=AKIAQ7BULKHEAD5ZR3MX",
            "[ci]\naws_access_key_id = ASIAVQJXXVBOTHD2WTFL\nregion = eu-west-1",
            r#"    "AccessKeyId": "AKIAHBMUAPTT2ZN5X2PD","#,
        ],
        near_misses: &[
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
            "AWS_ACCESS_KEY_ID=AKIAQXRYONJ3DYBVZXG",
            "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX",
            "AWS_ACCESS_KEY_ID=AKIA1234567890189018",
            "TZ=Asia/Kolkata",
        ],
        doc: "## What it finds
An AWS access key id: `AKIA` (long-term IAM user key), `ASIA` (temporary STS credentials), `ABIA`/`ACCA` or the
legacy `A3T` prefix, followed by 16 base32 characters. AWS's documentation key `AKIAIOSFODNN7EXAMPLE` is ignored.

## Why it matters
The id alone does not authenticate, which is why this is medium, but it is half of a credential pair: the secret
access key is usually in the same file, variable set or image. The id also reveals the AWS account
(`aws sts get-access-key-info`) and is a strong sign that a secret key was shipped too.

## Fix
Look for the matching secret (`aws-secret-access-key`). In the IAM console (Users → Security credentials) make the
key inactive, then delete it once nothing uses it; for `ASIA` keys revoke the role's active sessions. Remove both
halves from the source and image history, and use an IAM role instead (instance profile, ECS task role, EKS IRSA or
Pod Identity) or mount credentials at run time from a secret store.",
    },
    SecretRule {
        id: "SC012",
        name: "aws-secret-access-key",
        title: "AWS secret access key",
        severity: Severity::Critical,
        keywords: &[
            "secret_access_key",
            "secretaccesskey",
            "secret-access-key",
            "secret.access.key",
            "aws_secret",
            "aws-secret",
            "aws.secret",
            "awssecret",
        ],
        pattern: r#"(?i)(?:aws[_.-]?secret[_.-]?(?:access[_.-]?)?key|secret[_.-]?access[_.-]?key)["']?(?:\s*(?::=|=>|=|:)\s*|\s+)["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        scope: Scope::Line,
        entropy: Some(4.1),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN, r"EXAMPLEKEY$"],
        aliases: &["aws-secret-access-key"],
        examples: &[
            "[default]\naws_access_key_id = AKIA24VDHLDSUNAVBPPX\naws_secret_access_key = V2fsjGHb6HrlEOS47WgjKCu/0xxKhg5QjWV1mKaU",
            "ENV AWS_SECRET_ACCESS_KEY=yvBPs0jSO2Jkf08MMF1ulMMCw3XVy27dFanUrOSE",
            r#"    "SecretAccessKey": "62chn4xdeJg1Kza5KxxGWfvmaQtKnP/VSGVBrYSu","#,
            "RUN aws configure set aws_secret_access_key Ib9OZiFZ3HLKv797TPNbpjava1bMZwIMlvdp5gjT",
        ],
        near_misses: &[
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}",
            "aws_secret_access_key = 47fa42f93ceaf2ffbf3e0b6e9aba45ee6ebc57f4",
            "aws_secret_access_key = wLbAtf6e9cpCGybY9lMR4pAwBp3GVy1PixOqoRG",
            "ARG AWS_SECRET_ACCESS_KEY",
        ],
        doc: "## What it finds
A 40-character AWS secret access key assigned to a name that says what it is: `aws_secret_access_key` in
`~/.aws/credentials`, `AWS_SECRET_ACCESS_KEY` in env files and Dockerfiles, `SecretAccessKey` in JSON from
`aws iam create-access-key` or `aws sts assume-role`, `aws configure set aws_secret_access_key ...`. Values that are
hex (hashes), too short or AWS's documentation key are not reported.

## Why it matters
With the matching access key id it signs any API call the IAM user or role may make: reading S3 data, starting
instances for crypto-mining, creating new users for persistence. Keys in image layers are harvested by automated
scanners of public registries within minutes.

## Fix
In the IAM console (Users → Security credentials → Access keys) deactivate the key now and delete it after checking
CloudTrail for its use; create a new key only if a role cannot be used. Remove the key from the source and the image
history, and give workloads credentials through an IAM role (instance profile, ECS task role, EKS IRSA or Pod
Identity) or a mounted secret, never `ENV`/`ARG`.",
    },
    SecretRule {
        id: "SC013",
        name: "aws-session-token",
        title: "AWS session token",
        severity: Severity::High,
        keywords: &["session_token", "sessiontoken", "session-token", "security_token", "security-token"],
        pattern: r#"(?i)(?:aws[_.-]?session[_.-]?token|aws[_.-]?security[_.-]?token|x-amz-security-token|sessiontoken)["']?(?:\s*(?::=|=>|=|:)\s*|\s+)["']?(?P<secret>[A-Za-z0-9/+%]{100,}={0,2})"#,
        scope: Scope::Line,
        entropy: Some(4.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "aws_session_token = IQoJb3JpZ2luX2VjErB5Vpg5C6QsyHZytfqY6K1Qjah4dXd3eOa1Zcc/a4CgOFfqRgz7IhYePP2lny2pg17+dUM2jNKogorTAuRVpQ09oiVeZWJ9QyucS19AvMp2gUAeSsUfFgUl8oPK+HJN45P/ED75cNRqsKz5b70CO8W7RQHy2Yp+ptzsJqLOJqu3g9DYpQaxEN+cNljiRkV71kDRuIr2jhTxs+OHKDpnJh/rgiOaPq/N9RtlnnudSkpmKog0Qwp/vaQcT7xl2cwC6dT0ctPVnaawqrczLJWImKMG4hEbuUVDPDR/m0k5iqkwUONAIifEcLav+q5ZvQmLL",
            "export AWS_SESSION_TOKEN=\"FwoGZXIvYXdzE8ZrF8w50SR2Qugs4lIFVRdxtDyKUOtfZUTqr8aFvnKbnHFbDfj3u+ypO09RnKw1zW9/ohP46PbmT1TOkzfR1wKbPXTXx8TTx4XUMGmTtfc6y+xI25MTL3xzfMg5lJYj+loHI3Yhc1OxT/8QY4/3BMDogiSTRIiP9LJm7R04ZhbGSdGWoZ6axl7KBGgMVGOYn7B3+5SApYXfE/1ds3vbgqMMvFuz4\"",
            r#"        "SessionToken": "IQoJb3JpZ2luX2VjEzf3ATNeY2Pseh093Fj9fOptqCWCsuZrJZaVLaPeAU5moHH5F/grANC/aBcnwDDOOAZvw6d3eK3pxFkhJA5uFyeUhwksU8dSaNrFWv5SRclfFhhqCmzhp59yZk4d6/GlThw+ZqyC85Nn7Jf30xIOdZh+NRwhUTv3L+Smo927U2aT1yVPMm5nYtffRcvy0Dxo5pCJFz2B30M8KVM+w8MDaD3vSS1Mmn7qOiqh1yudML66YbgqaD7XBPgUbqr2RbwXOq43IedbtWe27WH77hBlyqz/9=","#,
        ],
        near_misses: &[
            "aws_session_token =",
            "AWS_SESSION_TOKEN=$AWS_SESSION_TOKEN",
            "aws_session_token = PNldsWhXK64VtGHZA2PQLUD/W1nW4kGeJ/ky88BV8/luteLKWMFmkkBTDijy",
            "--duration-seconds 3600 --query Credentials.SessionToken --output text",
        ],
        doc: "## What it finds
The session token of temporary AWS credentials (STS `AssumeRole`, SSO, `GetSessionToken`) in context:
`aws_session_token`/`AWS_SESSION_TOKEN`, the legacy `AWS_SECURITY_TOKEN`, `X-Amz-Security-Token` and the
`SessionToken` field of STS responses.

## Why it matters
Together with the `ASIA...` key id and secret next to it, the token works until it expires: up to 12 hours for role
sessions and 36 hours for `GetSessionToken`, long enough to copy data or create persistent credentials. Its presence
also means the long-term credentials or role that minted it were reachable from the build.

## Fix
Revoke the sessions: in the IAM console open the role and use *Revoke active sessions* (or attach a deny policy with
an `aws:TokenIssueTime` condition); if the token came from a user's long-term key, deactivate that key too. Remove the
token from the source and image, and let the runtime fetch credentials itself (instance metadata, task role, IRSA)
instead of copying them in.",
    },
    SecretRule {
        id: "SC014",
        name: "aws-mws-auth-token",
        title: "Amazon Marketplace Web Service auth token",
        severity: Severity::High,
        keywords: &["amzn.mws."],
        pattern: r"\b(?P<secret>amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
        scope: Scope::Line,
        entropy: Some(3.3),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "MWS_AUTH_TOKEN=amzn.mws.41b0e812-e927-476e-9205-1ccb9b2baee4",
            "mws:\n  seller_id: A2JLQ31XGZ3LQO\n  auth_token: amzn.mws.e4620fcd-39a4-4d82-b4ae-bf9c5ec6211d",
        ],
        near_misses: &[
            "MWS_AUTH_TOKEN=amzn.mws.00000000-0000-0000-0000-000000000000",
            "MWS_AUTH_TOKEN=amzn.mws.3d1d0915",
            "MWS_AUTH_TOKEN=amzn.mws.<token>",
        ],
        doc: "## What it finds
An Amazon Marketplace Web Service (MWS) authorisation token, `amzn.mws.` followed by a UUID, which a seller grants to
a developer application (typically next to a seller id and the developer's AWS keys).

## Why it matters
The token lets the holding developer account act for the seller: read orders and customer addresses, change
listings, prices and inventory. MWS has been replaced by the Selling Partner API, but tokens in old integrations and
images can outlive the code that used them.

## Fix
In Seller Central, open *User Permissions* → *Third-party developer and apps* and revoke the application's access,
then re-authorise to obtain a new token if it is still needed (migrating to SP-API). Remove the token from the
source and image; pass it at run time from a secret store.",
    },
    SecretRule {
        id: "SC015",
        name: "aws-bedrock-api-key",
        title: "Amazon Bedrock API key",
        severity: Severity::High,
        keywords: &["absk", "bedrock-api-key-"],
        pattern: r"\b(?P<secret>ABSK[A-Za-z0-9+/]{109,269}={0,2}|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%]{60,})(?:[^A-Za-z0-9+/=%]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[
            "aws-amazon-bedrock-api-key-long-lived",
            "aws-amazon-bedrock-api-key-short-lived",
        ],
        examples: &[
            "AWS_BEARER_TOKEN_BEDROCK=ABSKQmVkcm9ja0FQSUtleSx6fX1L3dd4u2dDGqt1NvVeIWmQmcVFzbjcoP95wL0rKA53zmg7srxirfu19Ac/kKd2Lq1D595WXjjOt6v3rzKE4RNo88yLVvlwEpgnR74KLO10=",
            "export AWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbiyZ2ChVIHNaQzlMKYdILjCZO4uEHrIxdNb9UixrXkOKKjOwTTozqvCnAKjsmvnwK24pD8eg5NwFD2D0wQS82YTyr+n/dryG4cBIRlNmbh+/3UHdgBDJppkFFEZciCQP00U87juJUBEoAXHmGRZ2XsTS5MivpF9k9jz89iLWeajzV6xuRXLAsfmhVwlva/byCSEsWAGU0g47kCxhG4rS2A5e7sAuPFJiN7UZpjxV2KKrgnfHCzbt5G7+eSeiOJcT/HHqodEvUF0f+UzpWcP1mLMwT3zWLA825gFKEOU0Ekm5h+",
        ],
        near_misses: &[
            "AWS_BEARER_TOKEN_BEDROCK=ABSKKt9sbg9bAjtbDV3J7Y59r5zFa1lykVg5kpYYrDYo",
            "AWS_BEARER_TOKEN_BEDROCK=${BEDROCK_API_KEY}",
            "prefix = \"bedrock-api-key-\"",
        ],
        doc: "## What it finds
An Amazon Bedrock API key: a long-term key (`ABSK` followed by base64, a service-specific credential of an IAM user)
or a short-term key (`bedrock-api-key-` followed by an encoded pre-signed request), usually in
`AWS_BEARER_TOKEN_BEDROCK`.

## Why it matters
The key calls Bedrock models with the permissions of the IAM identity behind it, billed to your account; long-term
keys last until they expire or are deleted. Leaked model keys are abused for resale of inference within hours.

## Fix
For long-term keys open the IAM user in the IAM console and delete the key under *API keys for Amazon Bedrock* (or
`aws iam delete-service-specific-credential`). Short-term keys expire within 12 hours, but rotate or deactivate the
credentials that generated them. Remove the key from the source and image; use an IAM role for workloads and mount
keys at run time when a key is unavoidable.",
    },
];
