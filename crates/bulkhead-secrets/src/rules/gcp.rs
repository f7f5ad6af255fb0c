//! Secret rules: Google Cloud and Firebase. Service-account key files, API keys, OAuth client secrets and
//! tokens, legacy Firebase Cloud Messaging server keys.

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC016",
        name: "gcp-service-account-key",
        title: "Google Cloud service-account key file",
        severity: Severity::Critical,
        keywords: &[
            "service_account",
            "\"type\": \"service_account\"",
            "\"type\":\"service_account\"",
        ],
        pattern: r#""type"\s*:\s*"service_account"(?s:.){0,800}?"private_key"\s*:\s*"-----BEGIN (?:RSA )?PRIVATE KEY-----(?:\\[rn]|\s)*(?P<secret>[A-Za-z0-9+/][A-Za-z0-9+/=\s\\]{59,})"#,
        scope: Scope::Text,
        entropy: Some(4.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["gcp-service-account"],
        examples: &[
            r#"{
  "type": "service_account",
  "project_id": "bulkhead-build-4821",
  "private_key_id": "5b1135e20408838ba05b49ad7694c11504d1a5e0",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQyKHUOONom/oyyD\nlDg3dvPi9cFX5D7w4Cr1zipZU/elpCzvPHl7bqM+AnB342U5oDLmc8HxY/SQ1Spr\ngV+57OniLKi2gED8SaI3+kgJakSTnqfgGm7E8yBwCe4sVvBNrB3Oe96qgq7OVgrS\nJDsFC92xbtCB8RU2d8gVnIwkFeyTujOQw5H+qkG6rDzN2Zpic4YqwG01m53nmE4y\n26G1ncvBC7qt/GvVJE9JGBeMWY2m1dudZJT4DY8cZ4mvvbI0HtszZs8P8Wqb3FWq\n-----END PRIVATE KEY-----\n",
  "client_email": "image-builder@bulkhead-build-4821.iam.gserviceaccount.com",
  "client_id": "13c95f3b4e13b7d9a8a07",
  "token_uri": "https://oauth2.googleapis.com/token"
}"#,
            r#"ENV GOOGLE_CREDENTIALS='{"type":"service_account","project_id":"bulkhead-ci","private_key_id":"215460f0e1177ee55d61e83e05602ae2c7a308dc","private_key":"-----BEGIN PRIVATE KEY-----\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQ8HkUgAgdQyo9Gw\n62wNrNZmDWIBE+mJJfn6KkpF4TFJ6uFxpYC94xwP2TbZlfvRzbanLuiFVlp8PVex\nnT+z/uwPkfKAYPUPl0yFMy21zttopQvcYy9uTYsD+ATadpPJuJkXOK+og96DPKbw\n-----END PRIVATE KEY-----\n","client_email":"ci@bulkhead-ci.iam.gserviceaccount.com"}'"#,
        ],
        near_misses: &[
            r#"{"type": "service_account", "project_id": "bulkhead-ci", "private_key_id": "", "private_key": "", "client_email": "ci@bulkhead-ci.iam.gserviceaccount.com"}"#,
            r#"{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n"}"#,
            r#"{"type": "external_account", "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/providers/gh", "credential_source": {"file": "/var/run/token"}}"#,
            "gcloud iam service-accounts keys create key.json --iam-account=builder@bulkhead-ci.iam.gserviceaccount.com  # type service_account",
        ],
        doc: "## What it finds
A Google Cloud service-account key file (the JSON downloaded from IAM or created with
`gcloud iam service-accounts keys create`): `\"type\": \"service_account\"` followed by a `private_key` that holds a
PEM key body. It is reported whether pretty-printed or squeezed onto one line in an env variable such as
`GOOGLE_CREDENTIALS`; files with an empty or elided key, and keyless `external_account` (workload identity
federation) files, are not.

## Why it matters
The key authenticates as the service account until the key is deleted (user-managed keys do not expire by
default), with every IAM role the account holds: often editor or owner on a project, or write access to Artifact
Registry and Cloud Storage. `client_email` in the same file tells an attacker exactly which account they hold.

## Fix
In the Cloud console open IAM & Admin → Service accounts → the account → Keys and delete the key id shown in
`private_key_id` (or `gcloud iam service-accounts keys delete`); review Cloud Audit Logs for its use. Remove the file
from the source and image history. Prefer keyless authentication (attached service accounts, GKE Workload Identity,
workload identity federation for CI); if a key is unavoidable, mount it at run time and point
`GOOGLE_APPLICATION_CREDENTIALS` at the mount.",
    },
    SecretRule {
        id: "SC017",
        name: "gcp-api-key",
        title: "Google API key",
        severity: Severity::High,
        keywords: &["aiza"],
        // Not inside a TOML multi-line literal string (`'''AIza…'''`): secret scanners' configs
        // (gitleaks' `[[rules.allowlists]] regexes = ['''…''']`) list documented example keys that
        // way, as regexes to ignore; credentials in configuration are written `"…"` or `'…'`.
        pattern: r"(?:^|[^'\w]|(?:^|[^'])'{1,2})(?P<secret>AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        // Google's own public keys shipped in the Google Cloud SDK source (crash and error reporting,
        // anonymous gsutil access): present in every image that installs the SDK, not the user's keys.
        allow: &[super::keys::ASCENDING_RUN,
            r"^AIzaSyAp4DSI_Z3-mK-B8U0t7GE34n74OWDJmak$",
            r"^AIzaSyCUuWyME_r4XylltWNeydEjKSkgXkvpVyU$",
            r"^AIzaSyDnacJHrKma0048b13sh8cgxNUwulubmJM$",
        ],
        aliases: &["gcp-api-key"],
        examples: &[
            "GOOGLE_API_KEY=AIzaSyPv2V7t2ySQqmA37VR_6HehU86INu-QXLN",
            r#"curl "https://generativelanguage.googleapis.com/v1beta/models?key=AIzaSyo6ZyYhCsqUwaEJ0wWiq_Go0UvatZ89b1b""#,
            r#"  apiKey: "AIzaSyAU2rjRKVaYGVnjGHw8OueX4njmw-RdKf2","#,
            "api_key = 'AIzaSyAU2rjRKVaYGVnjGHw8OueX4njmw-RdKf2'",
            "AIzaSyPv2V7t2ySQqmA37VR_6HehU86INu-QXLN",
            "export MAPS_KEY=''AIzaSyPv2V7t2ySQqmA37VR_6HehU86INu-QXLN''",
        ],
        near_misses: &[
            "GOOGLE_API_KEY=AIzaSyabcdefghijklmnopqrstuvwxyz0123456",
            "GOOGLE_API_KEY=AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "GOOGLE_API_KEY=AIza1oyDgpyahM0MFIikAR2qM4zwgyBpY0",
            "GOOGLE_API_KEY=AIza2N6-loLsv8QuzCHPRnsreMR7K4aqtrM1dyUz",
            "GOOGLE_API_KEY=${GOOGLE_API_KEY}",
            "CRASH_REPORTING_PARAM = 'AIzaSyAp4DSI_Z3-mK-B8U0t7GE34n74OWDJmak'",
            // A secret scanner's allowlist entry (TOML literal string holding a regex).
            "    '''AIzaSyPv2V7t2ySQqmA37VR_6HehU86INu-QXLN''',",
            "xAIzaSyPv2V7t2ySQqmA37VR_6HehU86INu-QXLN",
        ],
        doc: "## What it finds
A Google API key, `AIza` followed by 35 characters: Maps, Gemini (Generative Language), YouTube, Firebase and other
Google APIs accept it as `?key=` or `x-goog-api-key`.

## Why it matters
An API key is not tied to a user, so anyone holding it spends your quota and money on every API the project has
enabled. Firebase web-config keys are meant to be public, but the same key also works for any other API enabled in
the project unless it is restricted, and keys for paid APIs such as Gemini are abused quickly. The public keys
that Google ships inside the Cloud SDK itself are not reported, nor are keys written as TOML multi-line literal
strings (`'''AIza…'''`): that is how secret scanners' configurations (gitleaks' `[[rules.allowlists]]`) list
documented example keys as regexes to ignore, while configuration files quote credentials as `\"…\"` or `'…'`.

## Fix
In the Cloud console open APIs & Services → Credentials, regenerate or delete the key, and add API and
application restrictions (HTTP referrers, IP addresses, Android/iOS apps) to its replacement. Remove the key from
the source and image; server-side code should read it at run time from Secret Manager or a mounted secret.",
    },
    SecretRule {
        id: "SC018",
        name: "gcp-oauth-client-secret",
        title: "Google OAuth client secret",
        severity: Severity::High,
        keywords: &["gocspx-"],
        pattern: r"\b(?P<secret>GOCSPX-[A-Za-z0-9_-]{28})(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            r#"{"web":{"client_id":"151f6f8868ed-x2knz061zotm6kp7rboz933byqbxp7xl.apps.googleusercontent.com","client_secret":"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","redirect_uris":["https://app.bulkhead.invalid/callback"]}}"#,
            "GOOGLE_CLIENT_SECRET=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",
        ],
        near_misses: &[
            "GOOGLE_CLIENT_SECRET=GOCSPX-8J-SFNRwOfB4BbE-KATU",
            "GOOGLE_CLIENT_SECRET=GOCSPX-<client-secret>",
            "GOOGLE_CLIENT_SECRET=GOCSPX-xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        doc: "## What it finds
The client secret of a Google OAuth 2.0 client, `GOCSPX-` followed by 28 characters, as found in
`client_secret_*.json` downloads or `GOOGLE_CLIENT_SECRET` variables.

## Why it matters
With the client id (public) and this secret an attacker can run the authorisation-code flow as your application:
phish users with your app's name and consent screen, exchange stolen codes and refresh tokens, and call Google APIs
with the scopes users granted to your app.

## Fix
In the Cloud console open APIs & Services → Credentials → the OAuth client, add a new secret, deploy it, then
disable and delete the old one. Remove the secret from the source and image and load it at run time from Secret
Manager or a mounted secret.",
    },
    SecretRule {
        id: "SC019",
        name: "gcp-oauth-token",
        title: "Google OAuth access or refresh token",
        severity: Severity::High,
        keywords: &["ya29.", "1//0"],
        pattern: r"\b(?P<secret>ya29\.[0-9A-Za-z_-]{50,}|1//0[0-9A-Za-z_-]{60,})",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            r#"{"type": "authorized_user", "client_id": "764086051850-48n7k6xxg30qqlrr6565ax648obz3qw6.apps.googleusercontent.com", "refresh_token": "1//0jP1b8kA4TSr2pNo1-h-KsmToHFHYNhtbTEHCf6S9erBbzhSUwUObxPcL0Pi-Bn-ZiE-Rbw6Xurxu3QiAZgAApYzSIHEX-O4iRo3"}"#,
            "curl -H \"Authorization: Bearer ya29.a0ZsdTsjnX9OoNbv8IpyRjSYCf8EMXx5KTHEDICm50xp3x3ac81C8vDaqX85oU_hkzn44p-PmE75Xym4a9FdW-fLWCdtaa-fo_QMbz22ToSVDDDfX-U2HT0AEw7vyKxM53JKZVWBOQhWKwKNTBVIuQVoTRiN0iMSCm\" https://storage.googleapis.com/storage/v1/b/bulkhead-artifacts/o",
        ],
        near_misses: &[
            "Authorization: Bearer ya29.xxxxx",
            "Authorization: Bearer ya29.<access-token>",
            "ENDPOINT=http://10.0.0.1//0/metrics",
            r#""refresh_token": "1//0""#,
        ],
        doc: "## What it finds
Google OAuth 2.0 tokens: access tokens (`ya29.` followed by a long token) and refresh tokens (`1//0...`), as found in
`application_default_credentials.json` (`authorized_user`), gcloud or rclone configs, scripts and logged `curl`
commands.

## Why it matters
An access token works for about an hour with every scope it was granted. A refresh token does not expire on its own
and keeps minting new access tokens for the user or service it belongs to, often with broad `cloud-platform` scope
from `gcloud auth application-default login`.

## Fix
Revoke the token: `gcloud auth revoke` / `gcloud auth application-default revoke` on the machine it came from, or
POST it to `https://oauth2.googleapis.com/revoke`; for a user's grant to a third-party app, remove the app at
myaccount.google.com → Security → Third-party access. Remove it from the source and image, and use attached service
accounts or workload identity instead of copying user credentials into containers.",
    },
    SecretRule {
        id: "SC020",
        name: "firebase-cloud-messaging-server-key",
        title: "Firebase Cloud Messaging legacy server key",
        severity: Severity::Medium,
        keywords: &["apa91b"],
        pattern: r"\b(?P<secret>AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134})(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "FCM_SERVER_KEY=AAAA2ld7o8f:APA91bw0Z9OpzPqukeQhfjZHI5ANrmRAAxpf8hirn9HQWWh6Wxm0sO5CjuLGhAh-kdYfXjp4grbuvruAYf8bZyUWvxdAAviCPfFBaQ57hrNJQOmvr1on-AMA8EguRxYYPvLiI3P5-iAW",
            "curl -H \"Authorization: key=AAAAUp_wP4n:APA91bHSnr5gsQMwk7xfe7ogTfj5oglqyExoqrsjKJQ9JGk0-R3kImGpXns0rXYXKmK-NxgxQPXyG-kPtIm2p2TmzJZ4vNum_cuRvkAsUYzEZstCyuO17udQMFgMhTmrztC4I-RqiW75\" https://fcm.googleapis.com/fcm/send",
        ],
        near_misses: &[
            r#"registration_token = "fKvySQPjP7Q:APA91buiHaSaeAOrPI4GOQKLNuI4FyzdJE-xv4k5Za0NESfW7GQJuIkxz222SGnQEvbUD7o769oxcF-0DqrwfcG1EYPpLrVIg1zlvsAFS8As46C7tZOdfJj_d9hcwxAGFg3QdIr79bq2""#,
            "FCM_SERVER_KEY=AAAAUxNCNVE:APA91bVdeYCnDYuT7Yz0Vr2pfmLs_TWZwFdEKfb7KFwwZg",
            "FCM_SERVER_KEY=${FCM_SERVER_KEY}",
        ],
        doc: "## What it finds
A legacy Firebase Cloud Messaging server key: `AAAA` plus 7 characters, a colon, and `APA91b` followed by 134
characters. Device registration tokens, which also contain `:APA91b`, start differently and are not reported.

## Why it matters
The key authorised the legacy FCM HTTP API for the whole project: sending arbitrary push notifications to every
installed app, to topics and device groups. Google shut the legacy API down in 2024, which lowers the impact, but the
key still identifies the project and a live one in old configuration means forgotten infrastructure.

## Fix
In the Firebase console open Project settings → Cloud Messaging and disable the Cloud Messaging API (Legacy) and its
server key, or delete the key in the Cloud console under APIs & Services → Credentials; migrate senders to the HTTP v1
API with service-account credentials. Remove the key from the source and image.",
    },
];
