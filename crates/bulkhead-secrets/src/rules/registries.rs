//! Secret rules: package and image registries. npm, PyPI, RubyGems, NuGet, Docker Hub, crates.io, JFrog
//! Artifactory, Clojars tokens; Maven `settings.xml` and Gradle registry passwords; passwords on registry login
//! command lines.
//!
//! Registry credential *files* (`.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.htpasswd`, Docker
//! `config.json`) are covered by the config-file rules; these rules find the tokens themselves wherever they are.

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC037",
        name: "npm-access-token",
        title: "npm access token",
        severity: Severity::High,
        keywords: &["npm_"],
        pattern: r"\b(?P<secret>npm_[A-Za-z0-9]{36})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["npm-access-token"],
        examples: &[
            "ENV NPM_TOKEN=npm_Bu1kHeadxKvlUShcKOmEetJBDrr3v5Z9iyaP",
            "YARN_NPM_AUTH_TOKEN=npm_YalqUBJrDLQWMSOclZix970UNjrxedOG8W07",
            "npm config set //registry.npmjs.org/:_authToken npm_F9cOY9Ga4twfv3pvUdcJTs4xYhIulkIVduTF",
        ],
        near_misses: &[
            "NPM_TOKEN=npm_1234567890abcdefghijklmnopqrstuvwxyz",
            "npm_config_cache=/tmp/.npm",
            "NPM_TOKEN=npm_ZJeUh1fnu8snTpZmXkfE",
            "NPM_TOKEN=${NPM_TOKEN}",
            "echo $npm_package_version",
        ],
        doc: "## What it finds
An npm access token (`npm_` followed by 36 characters): granular, automation or publish tokens of the npm registry,
whether in an env variable, a script or an `npm config set` line.

## Why it matters
A token with publish rights lets an attacker release a malicious version of every package the account or team
maintains, reaching all their users on the next install. Read-only tokens still expose private packages.

## Fix
Revoke it on npmjs.com → Access Tokens (or `npm token revoke`), check the packages' recent versions, and create a new
granular token with the least packages, permissions and lifetime (or use trusted publishing from CI, which needs no
token). Remove it from the source and image; pass it at build time with `RUN --mount=type=secret` and a `.npmrc` that
reads `${NPM_TOKEN}`.",
    },
    SecretRule {
        id: "SC038",
        name: "pypi-upload-token",
        title: "PyPI API token",
        severity: Severity::High,
        keywords: &["pypi-ageichlwas5vcmc", "pypi-agendgvzdc5wexbplm9yzw"],
        pattern: r"\b(?P<secret>pypi-Ag(?:EIcHlwaS5vcmc|ENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,})",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["pypi-upload-token"],
        examples: &[
            "ENV TWINE_PASSWORD=pypi-AgEIcHlwaS5vcmc8rFLHy7ND6C00ItginHmXoCkvaai29aVOlbmORPUbhGWh9zv2G83I84pFCkd-_GgIbxiWDMf_BVLWJG7VrXMFld0HgIxu7neyLG5MxnigNITnJgmTa63Mdb4AIJ6SDHukb4BQWg9Pej0FZkb5lw9lQ",
            "UV_PUBLISH_TOKEN=pypi-AgENdGVzdC5weXBpLm9yZwOwPkVhQa-Q8I83l8FQn6AzVblhpYJ3k1KHOGH3pvKjxUqw8hWN16K3DvP8jMWHDSZaMiIz2IpI_M6ke4K0BaczUYuSBawkDCWb8r8qxz2sjf2lKG5G3tNm34wChB7VVrOQ-C6Lo4m5twJoVgWLBe1b",
            "twine upload -u __token__ -p pypi-AgEIcHlwaS5vcmcCJYPjCsd31gyAlYEJHldlQplzVBBKMwtE_6egpCZashMUq_DVg0LWpnbrJxFghUZe00zohdJKAeAucDGbnVU4jylsQcsiGQVsXzgdeckfwcrbDo1UMaRGiw-7LM_L6S0ZFyXYc3GZqB0gV dist/*",
        ],
        near_misses: &[
            "TWINE_PASSWORD=pypi-AgEIcHlwaS5vcmc",
            "TWINE_PASSWORD=pypi-AgEIcHlwaS5vcmcL8W5V4cxu-3cBl5UYD1I",
            "TWINE_PASSWORD=${PYPI_API_TOKEN}",
        ],
        doc: "## What it finds
A PyPI or TestPyPI API token: `pypi-` followed by a macaroon whose encoded header names `pypi.org`
(`AgEIcHlwaS5vcmc`) or `test.pypi.org`, in `TWINE_PASSWORD`, `UV_PUBLISH_TOKEN`, `POETRY_PYPI_TOKEN_*` or a
`twine upload` line.

## Why it matters
An upload token publishes new releases of the projects it is scoped to, or of every project the account owns when it
is account-wide, so a leaked token is a direct supply-chain compromise of every user who installs them.

## Fix
Delete the token at pypi.org → Account settings → API tokens (PyPI also revokes tokens reported by GitHub secret
scanning) and review the projects' release history. Prefer trusted publishing (OIDC from CI, no long-lived token);
otherwise create a project-scoped token. Remove it from the source and image and provide it only to the publishing
step, for example with `RUN --mount=type=secret`.",
    },
    SecretRule {
        id: "SC039",
        name: "rubygems-api-key",
        title: "RubyGems API key",
        severity: Severity::High,
        keywords: &["rubygems_"],
        pattern: r"\b(?P<secret>rubygems_[0-9a-f]{48})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["rubygems-api-token"],
        examples: &[
            "ENV GEM_HOST_API_KEY=rubygems_b2e4aa9b413f5fbc950676d3ac04f472dc4f5e0132f3c23b",
            "---\n:rubygems_api_key: rubygems_a2a9410b3caff25f69d7080c22b7062246cdbf2788a58680",
        ],
        near_misses: &[
            "GEM_HOST_API_KEY=rubygems_d69fd2501f81a9e9eff28b958cf63b7739dd254e",
            "rubygems_version: 3.5.11",
            "GEM_HOST_API_KEY: ${{ secrets.RUBYGEMS_API_KEY }}",
        ],
        doc: "## What it finds
A RubyGems.org API key (`rubygems_` followed by 48 hex digits), as kept in `~/.gem/credentials` or
`GEM_HOST_API_KEY`.

## Why it matters
Depending on its scopes the key pushes new gem versions, yanks releases or manages owners for the account's gems: a
supply-chain path into every application that bundles them.

## Fix
Delete the key at rubygems.org → Settings → API keys and review recent releases of the affected gems; create a new
key with the smallest scope and a gem restriction, or use trusted publishing from CI. Remove the key from the source
and image, and give it only to the release step, for example with `RUN --mount=type=secret`.",
    },
    SecretRule {
        id: "SC040",
        name: "nuget-api-key",
        title: "NuGet.org API key",
        severity: Severity::High,
        keywords: &["oy2"],
        pattern: r"\b(?P<secret>oy2[a-z0-9]{43})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "RUN dotnet nuget push bin/Release/Bulkhead.Client.1.4.0.nupkg --api-key oy2gdnxy4lm8kouxhp69cy6p1drxfql78b8tu8t8ugoanp --source https://api.nuget.org/v3/index.json",
            "NUGET_API_KEY=oy2a2ihrs7fcn5qcs3vnfmi9oq3thmdqemds7qukualh5o",
        ],
        near_misses: &[
            "NUGET_API_KEY=oy2n9vfub3tb5m42crwyivk",
            "dotnet nuget push *.nupkg --api-key $NUGET_API_KEY --source https://api.nuget.org/v3/index.json",
            "NUGET_API_KEY=OY2RYW5ERTUM51IP4E49268LBPIM9JM5GIWE7E84JYKI6C",
        ],
        doc: "## What it finds
A NuGet.org API key: `oy2` followed by 43 lowercase letters and digits, typically on a `dotnet nuget push` /
`nuget push` line or in `NUGET_API_KEY`.

## Why it matters
The key pushes (and possibly unlists) packages matching its glob pattern for the owning account or organisation,
letting an attacker publish a malicious version that .NET projects restore automatically.

## Fix
Regenerate or delete the key at nuget.org → API Keys and check the packages' version history; create a replacement
scoped to specific packages with a short expiry, or use trusted publishing. Remove it from the source and image and
pass it only to the publishing step, for example with `RUN --mount=type=secret`.",
    },
    SecretRule {
        id: "SC041",
        name: "docker-hub-token",
        title: "Docker Hub personal or organization access token",
        severity: Severity::High,
        keywords: &["dckr_pat_", "dckr_oat_"],
        pattern: r"\b(?P<secret>dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,32})(?:[^A-Za-z0-9_-]|$)",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "echo dckr_pat_vXjvRqiv2fO2rQdAN6sSJOwtxvg | docker login -u release-bot --password-stdin",
            "DOCKERHUB_TOKEN=dckr_oat_91h2J7eWeXJ1gxhRSSigNApqcvT4b8SZ",
        ],
        near_misses: &[
            "DOCKERHUB_TOKEN=dckr_pat_xxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "DOCKERHUB_TOKEN=dckr_pat_UaV1o2q_Qf",
            "DOCKERHUB_TOKEN: ${{ secrets.DOCKERHUB_TOKEN }}",
        ],
        doc: "## What it finds
A Docker Hub access token: personal (`dckr_pat_`) or organization (`dckr_oat_`), usually piped to `docker login` or
stored in a CI variable.

## Why it matters
With read-write or admin scope the token pushes images under the account's or organisation's repositories,
replacing tags that other builds and clusters pull; read-only tokens still expose private images. Tokens do not
expire unless an expiry was set.

## Fix
Delete the token in Docker Hub under Account settings → Personal access tokens, or for organisation tokens in the
organisation's settings → Access tokens; review the repositories' recent pushes. Remove it from the source and image,
and log in at build time with `RUN --mount=type=secret` or from the CI secret store, never with the token in `ENV`,
`ARG` or a script.",
    },
    SecretRule {
        id: "SC042",
        name: "crates-io-token",
        title: "crates.io API token",
        severity: Severity::High,
        keywords: &["cio"],
        pattern: r"\b(?P<secret>cio[A-Za-z0-9]{32})\b",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "ENV CARGO_REGISTRY_TOKEN=cio6rJfyBKtqWC5SlRVfmH2uK7Oepo5vWeH",
            "[registry]\ntoken = \"cioyBZKOotNyGUCn8js03ctcHVWSzG0C517\"",
            "RUN cargo login cioCBWDruNX6jHEtFyrNjDc8euMRDcb7VrI && cargo publish",
        ],
        near_misses: &[
            "CARGO_REGISTRY_TOKEN=cioRKX44FrFxT69s91Ohh1q",
            "CARGO_REGISTRY_TOKEN=${CARGO_REGISTRY_TOKEN}",
            "description = \"cioccolatapasticceriaartigianalexyz\"",
            "social_links = [\"precious\"]",
        ],
        doc: "## What it finds
A crates.io API token (`cio` followed by 32 letters and digits), as written by `cargo login` to
`~/.cargo/credentials.toml` or passed in `CARGO_REGISTRY_TOKEN`.

## Why it matters
Depending on its scopes the token publishes new versions, yanks releases or changes owners of the user's crates, so
a leak lets an attacker ship malicious code to everyone depending on them.

## Fix
Revoke it at crates.io → Account Settings → API Tokens and check the crates' version history; create a new token with
only the scopes and crates it needs and an expiry, or use trusted publishing from CI. Remove it from the source and
image, and provide it only to the publishing step, for example with `RUN --mount=type=secret`.",
    },
    SecretRule {
        id: "SC043",
        name: "jfrog-token",
        title: "JFrog Artifactory API key or reference token",
        severity: Severity::High,
        keywords: &["akcp", "cmvmdgtu"],
        pattern: r"\b(?P<secret>AKCp[A-Za-z0-9]{69}|cmVmdGtu[A-Za-z0-9]{56})\b",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[
            "artifactory-api-key",
            "artifactory-reference-token",
            "jfrog-api-key",
            "jfrog-identity-token",
        ],
        examples: &[
            "ARTIFACTORY_API_KEY=AKCp86PDEbT2BlrKl3feMXAihA6ltsUJdG7xfAyQYiDibtQBUYGoc65TQkAB4p618Rsh87715",
            "curl -H \"X-JFrog-Art-Api: AKCp5TgRXA1GeXcjoMUWAsXGj7Fa1onJzlOyXrA8kQDi2t23huGbXAqmz8sJLB7IvGCThF3Xz\" -T app.tgz https://bulkhead.jfrog.io/artifactory/generic-local/app.tgz",
            "JFROG_ACCESS_TOKEN=cmVmdGtuOjAxOjE3k6K2TgQsnoOntyeFjM5DD9jwqaqpW3TtxZRmUj7LCavP5Rc3",
        ],
        near_misses: &[
            "ARTIFACTORY_API_KEY=AKCpIsq03uCD9CxtfxtdatCdfdEeIQtF4HhQYVPfMDGL",
            "JFROG_ACCESS_TOKEN=cmVmdGtu8RlRLIwReGDjaof8lAGE",
            "curl -H \"X-JFrog-Art-Api: ${ARTIFACTORY_API_KEY}\" https://bulkhead.jfrog.io/artifactory/api/system/ping",
        ],
        doc: "## What it finds
JFrog Platform credentials with a recognisable shape: Artifactory API keys (`AKCp` followed by 69 characters) and
reference tokens (`cmVmdGtu...`, 64 characters), as used in `X-JFrog-Art-Api` headers, `jf config` and CI variables.

## Why it matters
Both authenticate as their user or service account: downloading proprietary artifacts and images, and with deploy
permissions replacing them in the repositories that builds and clusters pull from.

## Fix
Revoke the token in the JFrog Platform under Administration → User Management → Access Tokens (or the user's profile
for API keys, which JFrog has deprecated) and check the access logs. Remove it from the source and image; use
short-lived scoped access tokens or OIDC integration from CI, passed at build time with `RUN --mount=type=secret`.",
    },
    SecretRule {
        id: "SC044",
        name: "clojars-token",
        title: "Clojars deploy token",
        severity: Severity::High,
        keywords: &["clojars_"],
        pattern: r"\b(?P<secret>CLOJARS_[A-Za-z0-9]{60})\b",
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &["clojars-api-token"],
        examples: &[
            "CLOJARS_PASSWORD=CLOJARS_17ddf8c187df6f5502c85fbe13f527d7728834cdde3a88bb7b94de860142",
            ":repositories [[\"clojars\" {:url \"https://repo.clojars.org\" :username \"bulkhead\" :password \"CLOJARS_91e73179d9ff7c13b1aecd106026534afcac9cc3f7d29be332828e272044\"}]]",
        ],
        near_misses: &[
            "CLOJARS_USERNAME=bulkhead",
            "CLOJARS_PASSWORD=${CLOJARS_TOKEN}",
            "CLOJARS_PASSWORD=CLOJARS_57009ea7ed8337b68020f817e2b070032d85bf3e",
        ],
        doc: "## What it finds
A Clojars deploy token (`CLOJARS_` followed by 60 characters), as used with Leiningen or deps-deploy, typically in
`CLOJARS_PASSWORD` or a `:repositories` entry.

## Why it matters
The token deploys artifacts to the Clojars groups its user can publish to (or to the ones it is scoped to): a
malicious release reaches every project that depends on them.

## Fix
Disable the token at clojars.org → Deploy Tokens and review the groups' recent deployments; create a new token scoped
to a single group or artifact. Remove it from the source and image and give it only to the deploy step, for example
with `RUN --mount=type=secret`.",
    },
    SecretRule {
        id: "SC045",
        name: "maven-settings-password",
        title: "Password in a Maven settings.xml server entry",
        severity: Severity::High,
        keywords: &["<server>", "</password>"],
        pattern: r"(?s)<server>.{0,400}?<password>\s*(?P<secret>[^<\s${][^<\s]{3,255})\s*</password>",
        scope: Scope::Text,
        entropy: Some(2.5),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN, r"(?i)^(?:password|passwd|secret|changeit|repopwd)$"],
        aliases: &[],
        examples: &[
            "<settings>
  <servers>
    <server>
      <id>bulkhead-releases</id>
      <username>deployer</username>
      <password>P9Til2dL7iK7t27RQFdP</password>
    </server>
  </servers>
</settings>",
            "RUN mkdir -p /root/.m2 && echo '<settings><servers><server><id>nexus</id><username>ci</username><password>Nx7-IcTWrwDBjCxFeh</password></server></servers></settings>' > /root/.m2/settings.xml",
        ],
        near_misses: &[
            "<server>\n  <id>nexus</id>\n  <username>${env.NEXUS_USER}</username>\n  <password>${env.NEXUS_PASSWORD}</password>\n</server>",
            "<server>\n  <id>nexus</id>\n  <username>ci</username>\n  <password>{COQLCE6DU6GtcS5P=}</password>\n</server>",
            "<server>\n  <id>nexus</id>\n  <password></password>\n</server>",
            "<server>\n  <id>nexus</id>\n  <username>ci</username>\n  <password>password</password>\n</server>",
            "    <server>\n      <id>deploymentRepo</id>\n      <username>repouser</username>\n      <password>repopwd</password>\n    </server>",
            "<datasource>\n  <user>app</user>\n  <password>OAJWp1pmwT4JB0p5</password>\n</datasource>",
        ],
        doc: "## What it finds
A literal password inside a `<server>` entry of a Maven `settings.xml`: the credentials Maven uses for repository
managers (Nexus, Artifactory, GitHub Packages, Maven Central). Property references such as `${env.NEXUS_PASSWORD}`
and Maven-encrypted values (`{...}`) are not reported, nor the commented-out sample (`repopwd`) of the stock
`conf/settings.xml` that every Maven installation ships.

## Why it matters
These credentials usually have deploy rights on the organisation's repository manager: whoever has them can read
private artifacts and publish releases that other builds consume. A `settings.xml` written into an image during the
build stays in its layer.

## Fix
Change the password (or revoke the token) in the repository manager the `<id>` points to, and check its audit log.
Remove the value from the file and the image history; reference an environment variable (`${env.MAVEN_PASSWORD}`)
and provide it at build time with `RUN --mount=type=secret`, or mount the whole `settings.xml` as a secret.",
    },
    SecretRule {
        id: "SC046",
        name: "gradle-registry-password",
        title: "Package-registry password in Gradle properties",
        severity: Severity::High,
        keywords: &[
            "ossrh",
            "sonatype",
            "mavencentral",
            "maven_central",
            "maven-central",
            "maven.central",
            "nexus",
            "artifactory",
            "jfrog",
            "cloudsmith",
            "repsy",
            "gpr",
            "githubpackages",
            "github_packages",
            "github.packages",
            "signing.password",
            "gradle.publish.secret",
            "ossrhpassword",
            "ossrhtoken",
            "sonatypepassword",
            "sonatypetoken",
            "mavencentralpassword",
            "mavencentraltoken",
            "nexuspassword",
            "artifactorypassword",
            "artifactorytoken",
        ],
        pattern: r#"(?i)(?:^|[\s"'_.])(?:(?:ossrh|sonatype|maven[_.-]?central|nexus|artifactory|jfrog|cloudsmith|repsy|gpr|github[_.-]?packages)[\w.-]{0,20}?(?:password|token|api[_.-]?key|secret)|signing\.password|gradle\.publish\.secret)\s*[=:]\s*(?P<secret>[^\s"'$#()]{6,})(?:\s|$)"#,
        scope: Scope::Line,
        entropy: Some(2.8),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN, r"^(?:project|rootProject|properties|providers|System|env|extra)\."],
        aliases: &[],
        examples: &[
            "ossrhUsername=bulkhead\nossrhPassword=Zq8i17n0Psl89qdNHM3q",
            "ENV ORG_GRADLE_PROJECT_mavenCentralPassword=hb9OMeeFcDXi0x9NFRLmKbch",
            "signing.keyId=4EF450AB\nsigning.password=1p6OF0fbQL1fflsE",
            "gradle.publish.key=eNZYlv8q49biZaofg3SgsEUE1iDN49eM\ngradle.publish.secret=I21MoT2b9uepXe8V1xACzZRMI6y7F7oZ",
        ],
        near_misses: &[
            "ossrhPassword=${OSSRH_PASSWORD}",
            "password = findProperty(\"ossrhPassword\")",
            "ossrhUsername=bulkhead",
            "signing.keyId=4ECF9236",
            "nexusUrl=https://nexus.bulkhead.invalid/repository/maven-releases/",
            "sonatypePassword=project.sonatypePassword",
        ],
        doc: "## What it finds
A registry credential in Gradle properties (`gradle.properties`, `-P`/`ORG_GRADLE_PROJECT_*` variables): passwords
and tokens named after a repository manager or publishing target (`ossrhPassword`, `sonatypePassword`,
`mavenCentralPassword`, `nexusPassword`, `artifactoryToken`, `gpr.token`), the signing key passphrase
(`signing.password`) and the Gradle Plugin Portal secret (`gradle.publish.secret`). Generic `password=` keys are left
to the generic rules; references such as `${...}` or `project.x` are ignored.

## Why it matters
These are publishing credentials: with them an attacker can release artifacts under the organisation's coordinates
on Maven Central, the Plugin Portal or the internal repository, and with the signing passphrase sign them as genuine.

## Fix
Rotate the credential where it was issued: the Sonatype Central Portal or OSSRH user token page, the repository
manager's user or token settings, the Plugin Portal API keys page, or a new signing subkey (revoking the old one) if
the passphrase leaked with the key. Remove it from the file and the image history, keep it in
`~/.gradle/gradle.properties` outside the build context, and provide it at build time with
`RUN --mount=type=secret` or CI secret variables.",
    },
    SecretRule {
        id: "SC047",
        name: "registry-login-password",
        title: "Password on a registry login command line",
        severity: Severity::High,
        keywords: &[
            "login",
            "repo add",
            "docker login",
            "podman login",
            "registry login",
            "acr login",
            "helm repo add",
        ],
        pattern: r#"(?i)\b(?:(?:docker|podman|buildah|nerdctl|skopeo|oras|helm\s+registry|az\s+acr|crane\s+auth|regctl\s+registry)\s+login|helm\s+repo\s+add)\b[^\r\n]*?\s(?:-p|--password)(?:=|\s+)["']?(?P<secret>[^\s"'$`;|&<>]{6,})"#,
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[super::keys::ASCENDING_RUN],
        aliases: &[],
        examples: &[
            "RUN docker login -u builder -p Tr0ub4dorz2C9Gu8MPh registry.bulkhead.invalid",
            "podman login quay.io --username bulkhead+ci --password 8RDWH6D0I9D9KM532VNQA6VXARMQXB8WQMG2PRYNNA5H0GOR3QNJ6XC8572PNVTG",
            "helm registry login registry.bulkhead.invalid --username admin --password=4hqyw0ZEykO2byq0zvRu",
            "az acr login --name bulkheadacr --username bulkheadacr --password D3UAyYNge8/xJ8ClAcQDHBY3EL7pL/rd",
            "helm repo add internal https://charts.bulkhead.invalid --username ci --password nH7Id1VIUZ81MQqoc6",
        ],
        near_misses: &[
            "docker login -u builder --password-stdin registry.bulkhead.invalid < /run/secrets/registry",
            "docker login -u builder -p \"$REGISTRY_PASSWORD\" registry.bulkhead.invalid",
            "docker login -u builder -p password registry.bulkhead.invalid",
            "docker login registry.bulkhead.invalid",
            "ssh -p 2222 ci@login.bulkhead.invalid",
            "aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin 1234.dkr.ecr.eu-west-1.amazonaws.com",
        ],
        doc: "## What it finds
A literal password or token passed with `-p`/`--password` to a registry login: `docker`, `podman`, `buildah`,
`nerdctl`, `skopeo`, `oras`, `crane auth`, `regctl registry`, `helm registry` and `az acr` login, and
`helm repo add`. Values taken from variables or command substitutions (`$REGISTRY_PASSWORD`, `$(...)`) and
`--password-stdin` are not reported.

## Why it matters
A `RUN docker login -p ...` line is stored verbatim in the image history (`docker history --no-trunc`), and the
command line is visible to other users of the host in `ps` and shell history. The credential usually allows pushing
images that production pulls.

## Fix
Change the password or revoke the token at the registry (Docker Hub, Quay, Harbor, ACR → Access keys or token
settings, the repository manager) and review recent pushes. Remove the line from the source and rebuild; log in with
`--password-stdin` reading from a build secret (`RUN --mount=type=secret`) or the CI secret store, or use a credential
helper.",
    },
];
