//! Secret rules: credentials in well-known configuration files (`.npmrc`, `.pypirc`, `.netrc`,
//! `.git-credentials`, `.htpasswd`, Docker `config.json`, Composer `auth.json`, kubeconfig,
//! `wp-config.php`). Maven `settings.xml` is covered with the registry rules.

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

/// Placeholders and references that configuration files commonly hold instead of credentials.
const CONFIG_PLACEHOLDERS: &[&str] = &[
    r"^\$[A-Za-z_][A-Za-z0-9_]*$",
    r"^%[A-Za-z_][\w.]*%$",
    r"(?i)^(?:password|passwd|pass|pwd|secret|token|changeme|changeit|none|null|redacted|placeholder|example|sample|dummy|test|admin|root|user|username|guest)$",
    r"(?i)^(?:x+|\*+|\.+|0+)$",
    r"(?i)(?:your[-_]?(?:own[-_]?)?(?:password|pass|secret|token|key)|(?:password|secret|token)[-_]?here|replace[-_]?me|change[-_]?me)",
    r"^[a-z]+(?:[-_.][a-z]+)+$",
    r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$",
];

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC115",
        name: "npmrc-auth",
        title: "npm registry credential in .npmrc or .yarnrc.yml",
        severity: Severity::High,
        keywords: &["_auth", "_password", "npmauthtoken", "npmauthident"],
        pattern: r#"(?:^|[\s:"'])(?:_authToken|_auth|_password|npmAuthToken|npmAuthIdent)["']?[ \t]*[=:][ \t]*["']?(?P<secret>[A-Za-z0-9+/=._~-]{8,})(?:["'\s]|$)"#,
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: CONFIG_PLACEHOLDERS,
        aliases: &["npm-access-token"],
        examples: &[
            "//npm.northwind.internal/:_authToken=NbB0q3hY7tPz1KcX9mR2vL6wQ8sJ4dFg",
            "_auth=Y2ktcHVibGlzaGVyOnJoTzZBbEwxNFBHODNTY2ZuVA==",
            "//nexus.northwind.internal/repository/npm-private/:_password=VFVrbDFKWW5ydzh0ZFZJSWZI",
            "    npmAuthToken: \"NbB0q3hY7tPz1KcX9mR2vL6wQ8sJ4dFg\"",
        ],
        near_misses: &[
            "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
            r#"RUN echo "//registry.npmjs.org/:_authToken=$NPM_TOKEN" > .npmrc"#,
            "always-auth=true",
            "_auth=",
            r#"  npmAuthToken: "${NPM_AUTH_TOKEN}""#,
            "//npm.northwind.internal/:_authToken=NPM_TOKEN_PLACEHOLDER",
        ],
        doc: "## What it finds\n\n\
              A literal registry credential in npm or Yarn configuration: `_authToken=`, `_auth=` \
              (base64 `user:password`), `_password=` (base64 password) in `.npmrc`, or `npmAuthToken`/ \
              `npmAuthIdent` in `.yarnrc.yml`. `${NPM_TOKEN}` references are the safe form and are not \
              reported.\n\n\
              ## Why it matters\n\n\
              `.npmrc` is copied into images by `COPY . .` or written during builds and left in a layer. \
              The token reads private packages and, if it has publish rights, lets an attacker publish a \
              malicious version of your packages: a supply-chain compromise of everyone who installs them.\n\n\
              ## Fix\n\n\
              Revoke the token at the registry (npmjs.com → **Access Tokens**, or `npm token revoke`; for \
              Artifactory, Nexus, GitHub Packages or Verdaccio, in their token settings) and change the \
              password if `_auth`/`_password` was used. Then keep `${NPM_TOKEN}` in `.npmrc` and provide \
              it during the build with `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`.",
    },
    SecretRule {
        id: "SC116",
        name: "pypirc-password",
        title: "Package index password in .pypirc",
        severity: Severity::High,
        keywords: &["[distutils]", "[pypi]", "[testpypi]", "index-servers"],
        // Runs over the whole file when it looks like a .pypirc, and reports every `password =` line.
        pattern: r"(?m)^[ \t]*password[ \t]*[=:][ \t]*(?P<secret>[^\s$%{<(][^\s()]{5,})[ \t]*\r?$",
        scope: Scope::Text,
        entropy: Some(3.0),
        validate: None,
        allow: CONFIG_PLACEHOLDERS,
        aliases: &[],
        examples: &[
            "[distutils]\nindex-servers =\n    internal\n\n[internal]\nrepository = https://pypi.northwind.internal/simple/\nusername = deploy\npassword = yU59Fo95X07mVvp%\n",
            "[pypi]\nusername = ci-publisher\npassword = DK*OHQ9UODdfdFd2\n",
        ],
        near_misses: &[
            "[pypi]\nusername = __token__\n",
            "[pypi]\nusername = ci-publisher\npassword = <your password>\n",
            "[pypi]\nusername = ci-publisher\npassword = ${PYPI_PASSWORD}\n",
            "[distutils]\nindex-servers = pypi\n\n[pypi]\npassword =\n",
            // Python code that handles .pypirc files.
            "    if '[pypi]' in config:\n        password = unquote(password)\n",
        ],
        doc: "## What it finds\n\n\
              A `password =` entry in a `.pypirc` file (any section of a file that has `[distutils]`, \
              `[pypi]`, `[testpypi]` or `index-servers`). PyPI API tokens (`pypi-…`) are also reported by \
              the PyPI token rule.\n\n\
              ## Why it matters\n\n\
              `.pypirc` holds upload credentials: whoever has them can publish new versions of your \
              packages to PyPI or to your internal index, reaching every system that installs them.\n\n\
              ## Fix\n\n\
              Revoke the token (pypi.org → **Account settings** → **API tokens**) or change the index \
              password. Then keep `.pypirc` out of the build context (`.dockerignore`), prefer trusted \
              publishing from CI, or pass credentials as `TWINE_PASSWORD` from a secret store, or with \
              `RUN --mount=type=secret,id=pypirc,target=/root/.pypirc` during builds.",
    },
    SecretRule {
        id: "SC117",
        name: "netrc-password",
        title: "Password in a .netrc file",
        severity: Severity::High,
        keywords: &["machine", "default login", "default password"],
        pattern: r#"(?:\bmachine\s+[^\s]+|\bdefault)(?:\s+(?:login|account|port)\s+[^\s]+)*\s+password\s+(?P<secret>[^\s$"'{<\[][^\s"']{3,})"#,
        scope: Scope::Text,
        entropy: Some(3.0),
        validate: None,
        allow: CONFIG_PLACEHOLDERS,
        aliases: &[],
        examples: &[
            "machine git.northwind.internal login deploy password Vq7pLm2xR9sKt4wB",
            "machine artifacts.northwind.internal\n  login ci-publisher\n  password 8Hq2nV5xKp7LmR3w\n\nmachine api.heroku.com\n  login ops@northwind.io\n  password 5f0c6c9e-2b7d-4b8e-9a31-7c2f1d9e8a44\n",
        ],
        near_misses: &[
            r#"RUN echo "machine github.com login x-access-token password ${GITHUB_TOKEN}" > ~/.netrc"#,
            "machine example.com login user password secret",
            "# this machine needs a password reset after the upgrade",
            "machine ftp.northwind.internal login anonymous password $FTP_PASSWORD",
            "usage: machine HOST password [path/]filename",
        ],
        doc: "## What it finds\n\n\
              A `password` in `.netrc`/`_netrc` syntax (`machine <host> login <user> password <secret>`, \
              on one line or several, and `default` entries).\n\n\
              ## Why it matters\n\n\
              curl, Git, pip, Poetry, ftp and many other tools read `~/.netrc` automatically, so one left in \
              an image hands out the credentials of every listed host (Git forges, artifact repositories, \
              Heroku's API key).\n\n\
              ## Fix\n\n\
              Change the password or revoke the token at each host named by `machine`. Then create the \
              file only for the step that needs it, with \
              `RUN --mount=type=secret,id=netrc,target=/root/.netrc`, and never copy it into a layer.",
    },
    SecretRule {
        id: "SC118",
        name: "url-credentials",
        title: "Credentials embedded in a URL (.git-credentials, proxies, package indexes)",
        severity: Severity::High,
        keywords: &["://"],
        pattern: r#"\b(?i:https?|ftps?|sftp|ssh|git|svn(?:\+ssh)?|ldaps?|smtps?|imaps?|pop3s?|socks5h?|socks4a?|wss?|webdavs?)://(?P<user>[A-Za-z0-9._~%!*+-]+):(?P<secret>[^\s:@/?#'"`<>{}\\]{6,256})@[A-Za-z0-9\[]"#,
        scope: Scope::Line,
        entropy: Some(2.5),
        validate: None,
        allow: &[
            r"^\$[A-Za-z_][A-Za-z0-9_]*$",
            r"^%[A-Za-z_][\w.]*%$",
            r"(?i)^(?:password|passwd|pass|pwd|secret|token|changeme|changeit|none|null|redacted|placeholder|example|sample|dummy|test|admin|root|user|username|guest)$",
            r"(?i)^(?:x+|\*+|\.+|0+)$",
            r"(?i)(?:your[-_]?(?:own[-_]?)?(?:password|pass|secret|token|key)|(?:password|secret|token)[-_]?here|replace[-_]?me|change[-_]?me)",
            r"^[a-z]+(?:[-_.][a-z]+)+$",
            r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$",
            // Azure DevOps PATs (52 base32 characters) in clone URLs are reported by
            // `azure-devops-pat-legacy`.
            r"^[a-z2-7]{52}$",
        ],
        aliases: &["curl-auth-user"],
        examples: &[
            "https://deploy-bot:Nd8kQ2pLx7Vm4RtZ@git.northwind.internal",
            "RUN git clone https://ci:Hf6tW9qZp2Lk8xVb@gitea.northwind.io/platform/api.git",
            "RUN pip install --index-url https://pypi-reader:Kx9mQ2vLp4Rz7Wtn@nexus.northwind.internal/repository/pypi/simple app",
            "ENV http_proxy=http://proxyuser:Tq3!mZ8pLw5v@proxy.corp.northwind.io:3128",
        ],
        near_misses: &[
            "https://user:${TOKEN}@github.com/org/repo.git",
            "https://user:password@example.com/",
            "RUN git clone https://oauth2:$CI_JOB_TOKEN@gitlab.northwind.io/group/repo.git",
            "http://localhost:8080/health",
            "git@github.com:org/repo.git",
            "https://deploy@bitbucket.org/org/repo.git",
            "http://[2001:db8::1]:8443/",
            "ssh://git@git.northwind.io:2222/platform/api.git",
            "https://user:<token>@git.northwind.io/repo.git",
        ],
        doc: "## What it finds\n\n\
              A URL with a literal password or token in its user-info part \
              (`https://user:secret@host`), as stored one per line in `.git-credentials` and written into \
              `git clone`, `pip --index-url`, `http_proxy`, `ftp`, LDAP and SMTP URLs. Database URLs have \
              their own rules. References (`$TOKEN`, `${TOKEN}`) and placeholders are ignored.\n\n\
              ## Why it matters\n\n\
              URLs are logged, echoed in error messages, stored in `.git/config` of cloned repositories and \
              in image history when used in `RUN`. Git hosting tokens give access to source code; proxy and \
              index credentials to the network and to internal packages.\n\n\
              ## Fix\n\n\
              Revoke the token or change the password at the host (for Git forges: the user's or project's \
              access tokens page). Then use a credential helper or a BuildKit secret \
              (`RUN --mount=type=secret,id=git-credentials,target=/root/.git-credentials`), `PIP_INDEX_URL` \
              from a secret store, or an SSH agent mount (`RUN --mount=type=ssh`).",
    },
    SecretRule {
        id: "SC119",
        name: "htpasswd-hash",
        title: "Password hash in htpasswd format",
        severity: Severity::Medium,
        keywords: &["$apr1$", "{sha}", "$2y$", "$2a$", "$2b$", "$5$", "$6$"],
        pattern: r#"(?:^|[\s"'=,])(?P<user>[A-Za-z0-9._@-]{1,64}):(?P<secret>\${1,2}apr1\${1,2}[./0-9A-Za-z]{1,8}\${1,2}[./0-9A-Za-z]{22}|\{SHA\}[A-Za-z0-9+/]{27}=|\${1,2}2[aby]\${1,2}[0-9]{2}\${1,2}[./A-Za-z0-9]{53}|\${1,2}[56]\${1,2}(?:rounds=[0-9]+\${1,2})?[./0-9A-Za-z]{1,16}\${1,2}[./0-9A-Za-z]{43,86})(?:[\s"',]|$)"#,
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[
            // The hash in Traefik's basic-auth documentation.
            r"H6uskkkW\${1,2}IgXLP6ewTrSuBkTrqE8wj/$",
        ],
        aliases: &[],
        examples: &[
            "admin:$apr1$ENxCwmJ6$Cq.Hb9uwVvONnjF6yAwhix",
            "ops:{SHA}BWQEswv5/dKp2klD/s9YNjSyFPs=",
            "deploy:$2y$10$zOjk5ilG2nQfXDA6XpV/ce9dR1nE8f6kqKja8RZ.f7qb/Cj5mV6lp",
            r#"      - "traefik.http.middlewares.auth.basicauth.users=admin:$$apr1$$ENxCwmJ6$$Cq.Hb9uwVvONnjF6yAwhix""#,
        ],
        near_misses: &[
            // /etc/shadow entries are not htpasswd lines (and are judged by the image rules).
            "root:$6$CFyjstrbeBUZ8Gl6$ZJHI4wa8hcaq/jlyi0tlVI48Xw0EIjNMwHT7WXEULiHlqpSezfanoGsPfUjKiS4.e3r9Xh1.mcUocFEujgdVhu:19700:0:99999:7:::",
            "traefik.http.middlewares.auth.basicauth.users=test:$$apr1$$H6uskkkW$$IgXLP6ewTrSuBkTrqE8wj/",
            r#"password_hash = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW""#,
            "admin:{SHA}<base64 digest>",
        ],
        doc: "## What it finds\n\n\
              An htpasswd entry, `user:<hash>`, with an Apache MD5 (`$apr1$`), SHA-1 (`{SHA}`), bcrypt \
              (`$2y$`) or SHA-crypt (`$5$`/`$6$`) hash, in `.htpasswd` files and in places that embed them \
              (Traefik and ingress basic-auth labels, with `$$` escaping). Bare hashes under a \
              `password_hash` name are not reported.\n\n\
              ## Why it matters\n\n\
              A hash is not the password, hence medium severity, but it can be attacked offline without \
              limits: `{SHA}` is unsalted SHA-1 and `$apr1$` is fast MD5, both cracked quickly for human \
              passwords. The file also names valid users of a protected endpoint.\n\n\
              ## Fix\n\n\
              Treat the passwords as exposed and change them (`htpasswd -B` to use bcrypt). Then mount the \
              htpasswd file at run time as a secret (Docker/Kubernetes secret, Traefik `usersFile`) instead \
              of copying it into the image or writing it into labels.",
    },
    SecretRule {
        id: "SC120",
        name: "docker-config-auth",
        title: "Registry credential in Docker config.json or .dockercfg",
        severity: Severity::High,
        keywords: &["\"auth\"", "\"identitytoken\"", "\"registrytoken\""],
        pattern: r#""(?i:auth|identitytoken|registrytoken)"\s*:\s*"(?P<secret>[A-Za-z0-9+/=._-]{12,})""#,
        scope: Scope::Text,
        entropy: Some(3.0),
        validate: Some(crate::validate::docker_auth),
        allow: &[
            // base64 of `user:password` and `username:password`.
            r"^dXNlcjpwYXNzd29yZA==$",
            r"^dXNlcm5hbWU6cGFzc3dvcmQ=$",
        ],
        aliases: &["dockerconfig-secret"],
        examples: &[
            "{\n  \"auths\": {\n    \"registry.northwind.io\": {\n      \"auth\": \"bm9ydGh3aW5kLWNpOmlSRURNb1JlOURVZVd1NGI5bVg2\"\n    }\n  }\n}\n",
            r#"{"https://index.docker.io/v1/":{"auth":"Y2ktcHVibGlzaGVyOnJoTzZBbEwxNFBHODNTY2ZuVA==","email":"ci@northwind.io"}}"#,
            // Written by hand with `echo ci:… | base64`: the trailing newline is part of the value.
            r#"{"auths": {"registry.northwind.io": {"auth": "Y2k6V20zeFE4dkxwMgo="}}}"#,
            "{\n  \"auths\": {\n    \"northwind.azurecr.io\": {\n      \"auth\": \"MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg==\",\n      \"identitytoken\": \"3y7X6Qd4VKW0y1tpQP3JTkLoaz48FcB9.Q88zxNWtfcbIU3oyG3s6apzxDR91GvVzW1WHLbA6\"\n    }\n  }\n}\n",
        ],
        near_misses: &[
            r#"{"auths": {"ghcr.io": {}}, "credsStore": "desktop"}"#,
            r#"{"auths": {"registry.northwind.io": {"auth": ""}}}"#,
            r#"{"auths": {"registry.northwind.io": {"auth": "${DOCKER_AUTH}"}}}"#,
            r#"{"auth": "oauth2", "provider": "github"}"#,
            r#"{"auths": {"registry.northwind.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}}"#,
            // Base64, but not of `user:password`: random bytes, a user without password, no colon.
            r#"{"auths": {"registry.northwind.io": {"auth": "zq21/+8AAQIDBAUGBwgJCgsMDQ4PEBESExQV"}}}"#,
            r#"{"auths": {"registry.northwind.io": {"auth": "bm9ydGh3aW5kLWNpOg=="}}}"#,
            r#"{"auths": {"registry.northwind.io": {"auth": "bm9ydGh3aW5kLWNpLWJ1aWxkZXI="}}}"#,
        ],
        doc: "## What it finds\n\n\
              Credentials stored in Docker client configuration: the `auth` field (base64 of \
              `user:password`) of `~/.docker/config.json` `auths` entries or of the legacy `.dockercfg`, \
              and `identitytoken`/`registrytoken` (OAuth refresh tokens, e.g. for Azure Container \
              Registry). Entries that defer to a credential store (`credsStore`, empty `auth`) are not \
              reported, nor is an `auth` in base64 that does not decode to `user:password` with both parts \
              non-empty (random bytes, a test value, the `<guid>:` of registries that put the real token \
              in `identitytoken`).\n\n\
              ## Why it matters\n\n\
              `auth` is only base64, not encryption. A config file copied into an image or build context \
              gives pull and usually push access to your registries: an attacker can replace images you \
              deploy.\n\n\
              ## Fix\n\n\
              Change the registry password or revoke the access token (Docker Hub: **Account settings** → \
              **Personal access tokens**; cloud registries: rotate the service principal or token) and \
              run `docker logout`. Use a credential helper, keep `.docker/` out of the build context, and \
              in Kubernetes use an `imagePullSecret` created from a secret store.",
    },
    SecretRule {
        id: "SC121",
        name: "composer-auth",
        title: "Composer repository credential (auth.json, COMPOSER_AUTH)",
        severity: Severity::High,
        keywords: &["http-basic", "gitlab-token", "\"bearer\""],
        pattern: r#"(?:"password"|"(?:bearer|gitlab-token)"\s*:\s*\{\s*"[^"]+")\s*:\s*"(?P<secret>[^"\s$%{<]{6,})""#,
        scope: Scope::Text,
        entropy: Some(3.0),
        validate: None,
        allow: CONFIG_PLACEHOLDERS,
        aliases: &[],
        examples: &[
            "{\n    \"http-basic\": {\n        \"repo.packagist.com\": {\n            \"username\": \"token\",\n            \"password\": \"9f2c7e1a4b8d3f6e0a5c9b2d7e4f1a8c3b6d0e9f\"\n        }\n    }\n}\n",
            r#"ENV COMPOSER_AUTH='{"http-basic":{"satis.northwind.io":{"username":"ci","password":"0txdegvcU!G7+lJ2"}}}'"#,
            "{\n    \"bearer\": {\n        \"packages.northwind.io\": \"Q88zxNWtfcbIU3oyG3s6apzxDR91GvVzW1WHLbA6\"\n    }\n}\n",
        ],
        near_misses: &[
            r#"{"http-basic": {"repo.packagist.com": {"username": "token", "password": "${PACKAGIST_TOKEN}"}}}"#,
            r#"{"http-basic": {}}"#,
            r#"{"config": {"http-basic": {"repo.northwind.io": {"username": "ci", "password": "<token>"}}}}"#,
        ],
        doc: "## What it finds\n\n\
              Credentials for private Composer repositories: `http-basic` passwords, `bearer` tokens and \
              `gitlab-token` entries in `auth.json`, `composer.json` `config`, or the `COMPOSER_AUTH` \
              environment variable. (GitHub OAuth tokens are reported by the GitHub token rules.)\n\n\
              ## Why it matters\n\n\
              These tokens read your private packages (Private Packagist, Satis, GitLab, Nexus) and, \
              depending on the token, publish to them. `auth.json` next to `composer.json` is easily \
              swept into an image by `COPY . .`, and `ENV COMPOSER_AUTH` persists in the image config.\n\n\
              ## Fix\n\n\
              Revoke the token or change the password at the repository (Private Packagist: \
              **Settings** → **Authentication tokens**; GitLab: access tokens). Then provide it only to \
              the install step: `RUN --mount=type=secret,id=composer_auth,env=COMPOSER_AUTH composer \
              install` (or mount `auth.json`), and add `auth.json` to `.dockerignore`.",
    },
    SecretRule {
        id: "SC122",
        name: "kubeconfig-credential",
        title: "Static token, password or OIDC token in a kubeconfig",
        severity: Severity::High,
        keywords: &["current-context", "kind: config"],
        pattern: r#"(?m)^[ \t]+(?:token|password|id-token|refresh-token):[ \t]*["']?(?P<secret>[A-Za-z0-9._~+/=:-]{16,})["']?[ \t]*\r?$"#,
        scope: Scope::Text,
        entropy: Some(3.5),
        validate: None,
        allow: &[
            // Service-account JWTs and bootstrap tokens are reported by `kubeconfig-user-token` and
            // `jwt`; base64 private keys (`client-key-data`) by `base64-private-key`.
            r"^eyJ[A-Za-z0-9_-]*\.eyJ",
            r"^[a-z0-9]{6}\.[a-z0-9]{16}$",
        ],
        aliases: &[],
        examples: &[
            "apiVersion: v1\nkind: Config\nclusters:\n- name: okd\n  cluster:\n    server: https://api.okd.northwind.internal:6443\ncurrent-context: okd\nusers:\n- name: deployer\n  user:\n    token: sha256~q8vSpMqDknbqzJoIrGckaHtQnmrGKEEF6PAJJc9C9N4\n",
            "current-context: legacy\nusers:\n- name: admin\n  user:\n    username: admin\n    password: kQ8v2LmZp7Rx4Wt9Nc3Bh6Jd\n",
            "current-context: oidc\nusers:\n- name: ops\n  user:\n    auth-provider:\n      name: oidc\n      config:\n        client-id: kubernetes\n        idp-issuer-url: https://sso.northwind.io/realms/ops\n        refresh-token: 4RstbtSPrwfm74O5bFGEhS2v.Q88zxNWtfcbIU3oyG3s6apzxDR91\n",
        ],
        near_misses: &[
            "current-context: eks\nusers:\n- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [eks, get-token, --cluster-name, prod]\n",
            "current-context: dev\nusers:\n- name: dev\n  user:\n    client-certificate: /home/ci/.kube/dev.crt\n    client-key: /home/ci/.kube/dev.key\n",
            "current-context: ci\nusers:\n- name: ci\n  user:\n    token: ${KUBE_TOKEN}\n",
            "current-context: ci\nusers:\n- name: ci\n  user:\n    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n",
            // Bootstrap tokens and service-account JWTs have rules of their own.
            "apiVersion: v1\nkind: Config\nusers:\n- name: kubelet-bootstrap\n  user:\n    token: e7bap2.rvh2vmhh4jagnx7u\n",
        ],
        doc: "## What it finds\n\n\
              Credentials of a user in a kubeconfig (a file with `kind: Config` or `current-context`): a \
              static bearer `token` in another form than a service-account JWT or a bootstrap token \
              (OpenShift `sha256~…` tokens, static token-file entries, Rancher tokens), a basic-auth \
              `password`, and OIDC `id-token`/`refresh-token` values of an `auth-provider`. Service-account \
              JWTs and bootstrap tokens are reported by `kubeconfig-user-token` and `jwt`, client keys \
              (`client-key-data`) by `base64-private-key`. File references (`tokenFile:`, `client-key:`) \
              and `exec` plugins are not credentials.\n\n\
              ## Why it matters\n\n\
              A kubeconfig from a CI runner or an admin workstation is frequently cluster-admin: reading \
              every Secret, running privileged pods, pivoting to nodes. OIDC refresh tokens keep minting \
              new ID tokens until the identity provider revokes them.\n\n\
              ## Fix\n\n\
              Revoke the credential: delete the OpenShift/Rancher token (`oc delete oauthaccesstoken`, the \
              Rancher API keys page), remove the user from the static token or password file of the API \
              server, or revoke the refresh token (end the session) at the identity provider; then review \
              RBAC bindings and the audit log. Mount kubeconfigs at run time as secrets, or use workload \
              identity, in-cluster service accounts or `exec` plugins with short-lived tokens.",
    },
    SecretRule {
        id: "SC123",
        name: "wordpress-config",
        title: "WordPress database password or authentication key in wp-config.php",
        severity: Severity::High,
        keywords: &[
            "db_password",
            "auth_key",
            "secure_auth",
            "logged_in_key",
            "nonce_key",
            "_salt",
        ],
        pattern: r#"\bdefine\([ \t]*['"](?:DB_PASSWORD|AUTH_KEY|SECURE_AUTH_KEY|LOGGED_IN_KEY|NONCE_KEY|AUTH_SALT|SECURE_AUTH_SALT|LOGGED_IN_SALT|NONCE_SALT)['"][ \t]*,[ \t]*['"](?P<secret>[^'"]{6,128})['"]"#,
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: &[
            // Defaults of wp-config-sample.php.
            r"(?i)^put your unique phrase here$",
            r"(?i)^password_here$",
            r"(?i)^(?:password|changeme|root|wordpress)$",
        ],
        aliases: &[],
        examples: &[
            "define( 'DB_PASSWORD', 'Wp8!kQz3Lm6Rx2Vt' );",
            "define('AUTH_KEY',         'G|ORmmFa`HSARu3Q{w8/}X21k14no1z`JJq1}dq~[p4?eMCijIb8/GU6+gi^#iTy');",
            "define('NONCE_SALT',       'ALMXz7w:6BOqFHt]uuPzXe%VkhBKB6R$S,uns3fV;pq?+C8?])ISioq.3d=^nz8%');",
        ],
        near_misses: &[
            "define( 'DB_PASSWORD', getenv_docker('WORDPRESS_DB_PASSWORD', 'example password') );",
            "define( 'AUTH_KEY',         'put your unique phrase here' );",
            "define( 'DB_PASSWORD', 'password_here' );",
            "define( 'DB_PASSWORD', '' );",
        ],
        doc: "## What it finds\n\n\
              A literal `DB_PASSWORD` or authentication key/salt (`AUTH_KEY` … `NONCE_SALT`) defined in \
              `wp-config.php`. The sample file's defaults and the official image's \
              `getenv_docker(...)` form are not reported.\n\n\
              ## Why it matters\n\n\
              The database password opens the whole site database (user accounts, password hashes, \
              content). The keys and salts sign login cookies: whoever has them can forge a session for \
              any user, administrators included, without a password.\n\n\
              ## Fix\n\n\
              Change the database user's password (`ALTER USER … IDENTIFIED BY …`) and generate new keys \
              and salts (<https://api.wordpress.org/secret-key/1.1/salt/>), which logs every user out. Then \
              read them from the environment as the official image does (`getenv_docker`, \
              `WORDPRESS_DB_PASSWORD_FILE` pointing at a mounted secret).",
    },
];
