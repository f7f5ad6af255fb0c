//! Secret rules: generic forms (JWTs, password and token assignments, XML credentials, command-line
//! passwords, authorization headers). These are the noisy ones; every rule here pairs a narrow shape
//! with an entropy minimum and an allowlist for references, code and placeholders.

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

/// One identifier segment (`[a-z0-9]+`, case-insensitive under `(?i)`) other than `hash`, `hashed`,
/// `encrypted`, `public`, `publishable` and `search`. The segment right before the keyword of a key
/// must match it, so `hashed_secret`, `hashedPassword`, `encrypted_token` (digests and ciphertexts)
/// and `public_api_key`, `publishable_key`, `search_api_key` (keys meant to be public) are not keys.
/// It is the complement of those words: every other length, plus, for the lengths of the words, a
/// trie of the strings that differ from each of them at some position.
macro_rules! not_excluded_segment {
    () => {
        r"(?:[a-z0-9]{1,3}|[a-z0-9]{5}|[a-z0-9]{7,8}|[a-z0-9]{10}|[a-z0-9]{12,}|[a-gi-z0-9][a-z0-9]{3}|h(?:[b-z0-9][a-z0-9]{2}|a(?:[a-rt-z0-9][a-z0-9]|s[a-gi-z0-9]))|[a-gi-oqrt-z0-9][a-z0-9]{5}|h(?:[b-z0-9][a-z0-9]{4}|a(?:[a-rt-z0-9][a-z0-9]{3}|s(?:[a-gi-z0-9][a-z0-9]{2}|h(?:[a-df-z0-9][a-z0-9]|e[a-ce-z0-9]))))|p(?:[a-tv-z0-9][a-z0-9]{4}|u(?:[ac-z0-9][a-z0-9]{3}|b(?:[a-km-z0-9][a-z0-9]{2}|l(?:[a-hj-z0-9][a-z0-9]|i[abd-z0-9]))))|s(?:[a-df-z0-9][a-z0-9]{4}|e(?:[b-z0-9][a-z0-9]{3}|a(?:[a-qs-z0-9][a-z0-9]{2}|r(?:[abd-z0-9][a-z0-9]|c[a-gi-z0-9]))))|[a-df-z0-9][a-z0-9]{8}|e(?:[a-mo-z0-9][a-z0-9]{7}|n(?:[abd-z0-9][a-z0-9]{6}|c(?:[a-qs-z0-9][a-z0-9]{5}|r(?:[a-xz0-9][a-z0-9]{4}|y(?:[a-oq-z0-9][a-z0-9]{3}|p(?:[a-su-z0-9][a-z0-9]{2}|t(?:[a-df-z0-9][a-z0-9]|e[a-ce-z0-9])))))))|[a-oq-z0-9][a-z0-9]{10}|p(?:[a-tv-z0-9][a-z0-9]{9}|u(?:[ac-z0-9][a-z0-9]{8}|b(?:[a-km-z0-9][a-z0-9]{7}|l(?:[a-hj-z0-9][a-z0-9]{6}|i(?:[a-rt-z0-9][a-z0-9]{5}|s(?:[a-gi-z0-9][a-z0-9]{4}|h(?:[b-z0-9][a-z0-9]{3}|a(?:[ac-z0-9][a-z0-9]{2}|b(?:[a-km-z0-9][a-z0-9]|l[a-df-z0-9]))))))))))"
    };
}

/// Values that are references or code rather than literals, shared by the generic rules.
macro_rules! not_literal {
    ($($extra:expr),*) => {
        &[
            // Shell, Compose and Make variable references: `$DB_PASSWORD`.
            r"^\$[A-Za-z_][A-Za-z0-9_]*$",
            // Windows and templating references: `%DB_PASSWORD%`.
            r"^%[A-Za-z_][\w.]*%$",
            // printf-style formats: `%s`, `%(password)s`.
            r"^%(?:\(\w+\))?[sdr]$",
            // Dotted names: `self.password`, `process.env.API_KEY`, `settings.SECRET_KEY`.
            r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$",
            // Paths of Rust/C++ items (`windows_sys::core::PCWSTR`) and variables used as path roots
            // (`$dir/private/cakey.pem`).
            r"::",
            r"^\$[A-Za-z_]\w*/",
            // Single lower-case words and upper-case constant or type names: variables (`credentials`),
            // `DBPROPENUM`.
            r"^[a-z]+$",
            // Vim script scoped variables (`g:netrw_passwd`, `a:dict.x`).
            r"^[gbwtslav]:[A-Za-z_]",
            r"^[A-Z]+[0-9]*$",
            r"(?i)^(?:true|false|yes|no|on|off)(?:[/|](?:true|false|yes|no|on|off))+$",
            // Expressions in (minified) code: `t.password||""`, `a&&a.token`.
            r"\|\||&&|\?\?",
            // YAML tags: `!vault`, `!Ref`, `!GetAtt`.
            r"^![A-Za-z]",
            // Paths and URLs: a path to a secret file is not the secret.
            r"^(?:/|\./|\.\./|~/)",
            r"^[A-Za-z][A-Za-z0-9+.-]*://",
            // Lower-case words joined by separators (`my-app-secret`, `your_password_here`), CamelCase
            // and SCREAMING_SNAKE identifiers (`MyAppSecret`, `DB_PASSWORD`).
            r"^[a-z]+(?:[-_.][a-z]+)+$",
            r"^_?[A-Z]?[a-z]+(?:[A-Z][a-z]+)+$",
            r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$",
            // Placeholders, masks and language keywords.
            r"(?i)^(?:password|passwd|passw0rd|pass|secret|token|changeme|change_me|changeit|none|null|nil|undefined|true|false|yes|no|required|optional|string|str|bool|boolean|int|integer|number|object|any|empty|unset|default|hidden|redacted|masked|sensitive|placeholder|example|sample|dummy|test|admin|root|guest|demo|qwerty|letmein|foobar|secret123|password123|admin123)$",
            r"(?i)^(?:x+|\*+|\.+|-+|_+|#+|0+|1234567890?|12345678?)$",
            r"(?i)(?:placeholder|redacted|your[-_]?(?:own[-_]?)?(?:api[-_]?)?(?:password|passwd|pass|pwd|secret|token|key)|(?:password|secret|token|key)[-_]?here|replace[-_]?me|insert[-_]|change[-_]?me|fill[-_]?me)",
            // Password hashes (bcrypt, crypt, LDAP, Django, PostgreSQL md5/SCRAM): verifiers, not
            // credentials. `htpasswd-hash` reports htpasswd lines on their own.
            r"^\$(?:2[abxy]?|1|5|6|7|y|gy|apr1|argon2(?:id|i|d)|pbkdf2(?:-sha\d+)?|scrypt|sha1|md5)\$",
            r"(?i)^\{(?:s?sha(?:256|384|512)?|s?md5|crypt|pbkdf2[\w-]*|argon2\w*|bcrypt|ssha)\}",
            r"^(?:pbkdf2_sha\d+|bcrypt(?:_sha256)?|argon2|sha1|md5|scrypt)\$",
            r"^md5[0-9a-f]{32}$",
            r"^SCRAM-SHA-256\$",
            // Sample tokens of RFC 6749 (OAuth 2.0).
            r"^(?:2YotnFZFEjr1zCsicMWpAA|tGzv3JOkF0XG5Qx2TlKWIA|SplxlOBeZQQYbYS6WxSbIA)$",
            // Elided and sequential documentation values: `sk-...`, `123456789`, `ABCdefGH`.
            r"\.\.\.",
            r"123456789",
            r"(?i)abcdefgh",
            // Formats that are public or test-mode by design, which provider rules deliberately skip:
            // Stripe publishable keys, Mapbox public tokens, Datadog client tokens, Adyen client keys,
            // Flutterwave public and test keys, Braintree sandbox tokens, New Relic browser keys,
            // Razorpay key ids, Twilio account SIDs, Okta client ids, Mailgun public keys and the key in
            // Mailgun's documentation, unsigned JWTs.
            r"^pk_(?:live|test)_",
            r"^pk\.eyJ",
            r"^pub[0-9a-f]{32}$",
            r"^(?:live|test)_[A-Z0-9]{32}$",
            r"^FLW(?:PUBK|PUBK_TEST|SECK_TEST)-",
            r"^access_token\$sandbox\$",
            r"^NRJS-",
            r"^rzp_(?:live|test)_[A-Za-z0-9]{14}$",
            r"^AC[0-9a-f]{32}$",
            r"^0oa[A-Za-z0-9]{17}$",
            r"^pubkey-[0-9a-z]{32}$",
            r"^key-3ax6xnjp29jd6fds4gc373sgvjxteol0$",
            r"^eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.?$",
            // Encrypted values (jasypt `ENC(...)`, Ansible Vault headers).
            r"(?i)^(?:enc|encrypted|cipher)\(",
            $($extra),*
        ]
    };
}

const NOT_LITERAL: &[&str] = not_literal!();

/// The generic allowlist plus UUIDs (identifiers far more often than tokens under these names).
const NOT_LITERAL_OR_UUID: &[&str] =
    not_literal!(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC109",
        name: "jwt",
        title: "JSON Web Token",
        severity: Severity::Medium,
        keywords: &["eyj"],
        // Header and payload are base64url JSON objects (`eyJ` = `{"`); a signature of at least 16
        // characters is required, so unsigned `alg: none` tokens are not reported.
        pattern: r"\b(?P<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})(?:[^A-Za-z0-9_.-]|$)",
        scope: Scope::Line,
        entropy: Some(4.0),
        validate: Some(crate::validate::jwt),
        allow: &[
            // The sample tokens of jwt.io and of the PyJWT documentation.
            r"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c$",
            r"\.eyJzb21lIjoicGF5bG9hZCJ9\.4twFt5NiznN84AWoo1d7KO1T_yoc0Z6XOpOVswacPZg$",
            // Supabase-style anonymous keys (`"role":"anon"`) are public by design.
            r"InJvbGUiOiJhbm9u|b2xlIjoiYW5vbi|cm9sZSI6ImFub24",
        ],
        aliases: &["jwt"],
        examples: &[
            "API_TOKEN=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtYmlsbGluZyIsImlzcyI6Imh0dHBzOi8vYXV0aC5ub3J0aHdpbmQuaW50ZXJuYWwiLCJhdWQiOiJiaWxsaW5nLWFwaSIsImlhdCI6MTcxODAzMDExMiwiZXhwIjoxNzQ5NTY2MTEyfQ.zNSxB8j5TPdAXEtNCDIjN-PvYAuhoxti0vBJjEuknhj",
            r#"curl -H "Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6Ijg4MWIxMTUwIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxYzZmMGUiLCJzY29wZSI6ImFkbWluIiwiZXhwIjoxNzY3MjI1NjAwfQ.36xGR-RnqTFAwi_FEVlslxO1Rb0KGxoT9fhK2aWQeebTyQb4TWiDOwR4VyJpoBkivKAM7_kTSo_aMETPyh5Kw6vrm6ZOGYhLFfAhv5bLcVmbDQC8Ro3gds" https://api.northwind.internal/v1/invoices"#,
        ],
        near_misses: &[
            // Unsigned (`alg: none`): no signature, not a credential any sane verifier accepts.
            "token: eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJzdmMtYmlsbGluZyIsImlzcyI6Imh0dHBzOi8vYXV0aC5ub3J0aHdpbmQuaW50ZXJuYWwiLCJhdWQiOiJiaWxsaW5nLWFwaSIsImlhdCI6MTcxODAzMDExMiwiZXhwIjoxNzQ5NTY2MTEyfQ.",
            // The jwt.io sample token.
            "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "SUPABASE_ANON_KEY=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6Imdpb3l4cW5sbHR4Z213anFvdWN2Iiwicm9sZSI6ImFub24iLCJpYXQiOjE3MTgwMzAxMTIsImV4cCI6MjAzMzYwNjExMn0.8Fu6waJ9Qz0lrB-fqWH4XTqUGxiPLn1oMOZKPDwgXn2",
            "const header = 'eyJhbGciOiJIUzI1NiJ9'; // base64 of {\"alg\":\"HS256\"}",
            // Header without `"alg"` (`{"typ":"JWT","kid":"k1"}`), and a header that is not base64 JSON.
            "token: eyJ0eXAiOiJKV1QiLCJraWQiOiJrMSJ9.eyJzdWIiOiJzdmMtYmlsbGluZyIsImlzcyI6Imh0dHBzOi8vYXV0aCJ9.zNSxB8j5TPdAXEtNCDIjN-PvYAuhoxti0vBJjEuknhj",
            "token: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ.eyJzdWIiOiJzdmMtYmlsbGluZyIsImlzcyI6Imh0dHBzOi8vYXV0aCJ9.zNSxB8j5TPdAXEtNCDIjN-PvYAuhoxti0vBJjEuknhj",
            ">>> jwt.decode(\"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzb21lIjoicGF5bG9hZCJ9.4twFt5NiznN84AWoo1d7KO1T_yoc0Z6XOpOVswacPZg\", key, algorithms=[\"HS256\"])",
        ],
        doc: "## What it finds\n\n\
              A signed JSON Web Token: three base64url parts, header and payload both JSON objects \
              (`eyJ…`, checked by decoding them: the header must name its `\"alg\"`), and a signature of \
              at least 16 characters. Unsigned tokens (`alg: none`, empty \
              signature), the jwt.io sample and Supabase-style anonymous keys (`\"role\":\"anon\"`, public \
              by design) are not reported.\n\n\
              ## Why it matters\n\n\
              A JWT is a bearer credential: whoever presents it is treated as its subject until it \
              expires. Tokens baked into images are usually long-lived service or CI tokens, and their \
              payload often discloses internal issuers, audiences and scopes. Medium severity because \
              many expire quickly; check the `exp` claim.\n\n\
              ## Fix\n\n\
              Revoke it at the issuer (identity provider, Kubernetes service-account token Secret, API \
              gateway) or rotate the signing key if the token cannot be revoked individually. Remove it \
              from the file and obtain tokens at run time (workload identity, a token file mounted by the \
              orchestrator).",
    },
    SecretRule {
        id: "SC110",
        name: "generic-password",
        title: "Hard-coded password",
        severity: Severity::Medium,
        keywords: &["pass", "pwd"],
        pattern: concat!(
            r"(?i)(?:^|[^a-z0-9_.-])(?:(?:[a-z0-9]+[_.-])*",
            not_excluded_segment!(),
            r"(?:[_.-](?:password|passwd|passphrase|pwd|pass)|password|passwd|passphrase|pwd)|password|passwd|passphrase|pwd|pass)",
            r#"["'`]?[ \t]*(?:=|:=|:|=>)[ \t]*["'`]?(?P<secret>[^\s"'`;,()\[\]{}<>\\=:-][^\s"'`;,()\[\]{}<>\\]{5,199})(?:["'`;]|\s*$|[ \t]+[^=\s])"#
        ),
        scope: Scope::Line,
        entropy: Some(2.5),
        validate: Some(crate::validate::password_literal),
        allow: NOT_LITERAL,
        aliases: &["generic-api-key"],
        examples: &[
            "DB_PASSWORD=yU59Fo95X07mVvp%",
            "spring.datasource.password=DK*OHQ9UODdfdFd2",
            "  password: \"lA2D!FNQEoQ!%xZ9\"",
            r#"{"username": "svc_reports", "password": "0txdegvcU!G7+lJ2"}"#,
            r#"conn = psycopg2.connect(host="db", user="app", password="m7erV7xnuILoV-Gb")"#,
            "$db_pass = 'uLI4C0GRwa9xed3X';",
            r#"<datasource url="jdbc:h2:mem:app" password="BYqpNnRNB7FIYnqd"/>"#,
            "MYSQL_ROOT_PASSWORD: o+drN1o5JqE_t%lR",
            r#"password := "Summer2024!""#,
            "ENV PGPASSWORD=h_mMLm43B3OjdK2O",
            r#"const config = { dbPassword: "Ls_D6c060ZGUfpDN" };"#,
            // Weak but real passwords (2.5 to 3 bits per character): letters mixed with digits.
            "DB_PASS=Summer2024",
            r#"    "password": "bluebird77","#,
            "spring.datasource.password=kestrel2019",
        ],
        near_misses: &[
            r#"password = os.environ["DB_PASSWORD"]"#,
            "password: ${DB_PASSWORD}",
            r#"password_hash = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW""#,
            r#"password: "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW""#,
            r#"password="""#,
            "PASSWORD_FILE=/run/secrets/db_password",
            "password: /run/secrets/db_password",
            "password_min_length = 12",
            "password = None",
            "password: null",
            "password: str = Field(..., min_length=8)",
            "password = self.password",
            "DB_PASSWORD=$DB_PASSWORD_FROM_VAULT",
            "db_password: !vault |",
            "password: $ANSIBLE_VAULT;1.1;AES256",
            r#"password: "{{ vault_db_password }}""#,
            "PGPASSWORD=changeme",
            "password: your-password-here",
            r#"password: "********""#,
            r#"e.exports={password:t.password||"",pass:n&&n.pass,pwd:r.pwd}"#,
            "ENV PWD=/home/app",
            r#"<input type="password" name="password" autocomplete="current-password">"#,
            r#""password": "Password","#,
            r#"if password == "":"#,
            "password = getpass.getpass()",
            "passwordless: true",
            "bypass: enabled-for-admins",
            // Digests and ciphertexts under hash/encrypted names are not credentials.
            "hashed_password: 5f4dcc3b5aa765d61d8327deb882cf99",
            // Type annotations and paths in code.
            "    pub szPassword: windows_sys::core::PCWSTR,",
            "fn connect(host: &str, password: SecretString) -> Result<Conn>",
            "pub const DBPROP_AUTH_PASSWORD: DBPROPENUM = 9i32;",
            "pub const WSManFlagCredUsernamePassword: WSManSessionFlags = 4096i32;",
            "let password: SecretBox<str> = SecretBox::new(read_secret()?);",
            "/// [`Password::normalize`] function.",
            "let password = a:dict.istemp",
            r#"$pass = "-anonymous@" unless defined $pass;"#,
            "self.username, self.password = credentials",
            r#"const user = { hashedPassword: "9c1185a5c5e9fc54612808977ee8f548b2258d31" };"#,
            "encrypted_password: AQICAHh2Kq9vXv1sN0eP8yT3mW4rB6dL5jC7fG1hS2aZ0oUxEQ",
            // Below 3 bits per character: defaults dressed with digits, single words, numbers, short.
            "DB_PASSWORD=P@ssw0rd",
            "password: welcome1",
            "MYSQL_PASSWORD=Admin!!11",
            "pwd = 20242024",
            "passphrase: correcthorse",
            "password: bird77x",
        ],
        doc: "## What it finds\n\n\
              A literal password assigned to a password-like name (`password`, `passwd`, `pwd`, \
              `passphrase`, `*_pass`) in env files, YAML, JSON, INI/properties, XML attributes and code. \
              The value must be a literal with enough entropy: at least 3 bits per character, or 2.5 for \
              a value of at least 8 characters that mixes letters with digits or symbols and is not a \
              default word dressed with digits (`Summer2024` and `bluebird77` are reported; `P@ssw0rd`, \
              `welcome1`, `admin123`, single words and numbers are not). The lower floor applies only here, \
              where the key is explicitly a password (`password`, `passwd`, `pwd`, `passphrase`, `*_pass`): \
              measured on the labelled fixtures it finds 15 more weak passwords, with no new finding on \
              the clean projects (awesome-compose, docker-library) or on `/usr/share/doc`, `/etc` and the \
              Python standard library. References \
              and code (`$VAR`, `${VAR}`, `{{ … }}`, `os.environ[…]`, `self.password`, calls), paths to \
              secret files, placeholders, masks, language keywords, YAML tags (`!vault`) and encrypted \
              values (`ENC(…)`, Ansible Vault) are ignored. Password *hashes* (bcrypt `$2b$…`, crypt, \
              LDAP `{SSHA}`), and values under `hashed_*`/`encrypted_*` names, are not reported here: they \
              are verifiers or ciphertexts, not credentials; htpasswd files have their own rule.\n\n\
              ## Why it matters\n\n\
              A password in a file or layer is readable by everyone who can pull the image or read the \
              repository, and it stays in image history and Git history after it is \"removed\". Weak \
              passwords also reveal patterns reused elsewhere.\n\n\
              ## Fix\n\n\
              Change the password on the system it protects (database, service account, admin console) \
              first. Then remove it from the file and read it at run time from a secret store or a \
              mounted secret file (Docker/Kubernetes secrets, the `*_FILE` convention of official images, \
              BuildKit `RUN --mount=type=secret` during builds).",
    },
    SecretRule {
        id: "SC111",
        name: "generic-secret",
        title: "Hard-coded API key, token or secret",
        severity: Severity::Medium,
        keywords: &[
            "secret",
            "token",
            "api_key",
            "apikey",
            "api-key",
            "api.key",
            "access_key",
            "accesskey",
            "access-key",
            "auth_key",
            "authkey",
            "signing_key",
            "signingkey",
            "encryption_key",
            "encryptionkey",
            "master_key",
            "masterkey",
            "private_key",
            "privatekey",
            "app_key",
            "appkey",
            "client_key",
            "clientkey",
        ],
        pattern: concat!(
            r"(?i)(?:^|[^a-z0-9_.-])(?:(?:[a-z0-9]+[_.-])*",
            not_excluded_segment!(),
            r"[_.-]?)?(?:secret|token|api[_.-]?key|(?:access|auth|secret|signing|encryption|master|private|app|client)[_.-]?key|secret[_.-]?key[_.-]?base)",
            r#"["'`]?[ \t]*(?:=|:=|:|=>)[ \t]*["'`]?(?P<secret>[^\s"'`;,()\[\]{}<>\\=:&][^\s"'`;,()\[\]{}<>\\&]{15,299})(?:["'`;&]|\s*$|[ \t]+[^=\s])"#
        ),
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: NOT_LITERAL_OR_UUID,
        aliases: &["generic-api-key"],
        examples: &[
            "API_KEY=6EebQ1HuHv9sUznSc5mIZRrajMYObvOR",
            r#"  client_secret: "8d303b71e882b79887d53e602d24ce935a44f966""#,
            "secret_key_base: 94d19edf62303613a2ccff5ddcc06f860ff0591b0a2b12c30d5898b9adfb089ed238706fdd057c3d79b9f1cd467a24b01f149a13cde82673edb36c77a488363d",
            r#"{"accessToken": "4RstbtSPrwfm74O5bFGEhS2v", "region": "eu"}"#,
            r#"JWT_SECRET = "3y7X6Qd4VKW0y1tpQP3JTkLoaz48FcB9""#,
            "ENV INTERNAL_API_TOKEN=Q88zxNWtfcbIU3oyG3s6apzxDR91GvVzW1WHLbA6",
            r#"this.clientSecret = "6EebQ1HuHv9sUznSc5mIZRrajMYObvOR";"#,
            "RUN curl -fsSL https://downloads.northwind.io/agent.tgz?access_token=Q88zxNWtfcbIU3oyG3s6apzxDR91GvVzW1WHLbA6&arch=amd64 -o agent.tgz",
        ],
        near_misses: &[
            "token = get_token()",
            r#"secret_key_base = <%= ENV["SECRET_KEY_BASE"] %>"#,
            "api_key: !vault |",
            "sha256: 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
            r#""integrity": "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+5hU8a/n5aUBYtwTUqDGh3XCDTa3I+sE1p4g5vw==","#,
            "api_token: 5f0c6c9e-2b7d-4b8e-9a31-7c2f1d9e8a44",
            "token_type: bearer",
            "apiKey: process.env.REACT_APP_MAPS_API_KEY",
            "token: ${{ secrets.GITHUB_TOKEN }}",
            "client_secret = settings.OAUTH_CLIENT_SECRET",
            "secret: my-application-secret-name",
            r#"SECRET_KEY = os.getenv("SECRET_KEY")"#,
            r#"const ACCESS_TOKEN_KEY = "app.auth.accessToken";"#,
            r#"n.token=e.token||t.accessToken,n.apiKey=o.apiKey"#,
            r#"private_key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC""#,
            "token: 0000000000000000000000000000000000000000",
            "secretName: registry-credentials",
            "tokenizer: bert-base-multilingual-cased",
            "api_key: YOUR_API_KEY_HERE",
            "csrf_token = request.form['csrf_token']",
            "secret: MyApplicationClientSecret",
            // detect-secrets baselines store SHA-1 digests of findings.
            r#"        "hashed_secret": "b5ce0843584425c0b608d91cb07a50d634282d5d","#,
            "encrypted_token: AQICAHh2Kq9vXv1sN0eP8yT3mW4rB6dL5jC7fG1hS2aZ0oUxEQ",
            // Keys meant to be public, and public or test-mode formats that provider rules skip.
            "ALGOLIA_SEARCH_API_KEY=628f939bacc97486b54ad4bd87b63d09",
            r#"const STRIPE_PUBLISHABLE_KEY = "pk_live_51PKs1pOSriGQTcxDN4R2DRNfHMGymprwg1Gb8vq";"#,
            "DD_CLIENT_TOKEN=pub4f8e2d1c0b9a8f7e6d5c4b3a2f1e0d9c",
            "FLW_SECRET_KEY=FLWSECK_TEST-7fe09f8a1c58c627c7590afeca344672-X",
            "token: eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJzdmMtYmlsbGluZyJ9.",
            "TELEGRAM_BOT_TOKEN=123456789:ABCdefGhIJKlmNoPQRsTUVwxyZ",
            "OPENAI_API_KEY=sk-proj-...T3BlbkFJ...",
            "    h_token: super::super::Foundation::HANDLE,",
            "private_key = $dir/private/cakey.pem# The private key",
            "pub fn verify(token: AuthenticationToken, key: &VerifyingKey) -> bool",
            "pub const InheritPrivateKey: X509RequestInheritOptions = 3i32;",
            "        private_key = _EllipticCurvePrivateKey",
            r#"        "access_token": "2YotnFZFEjr1zCsicMWpAA","#,
        ],
        doc: "## What it finds\n\n\
              A literal value of at least 16 characters and 3.5 bits of entropy per character assigned to \
              a secret-like name: `secret`, `client_secret`, `*_token`, `api_key`/`apiKey`, `access_key`, \
              `signing_key`, `secret_key_base`… in env files, YAML, JSON, properties and code. Provider \
              rules report the same value more precisely when they recognise it. References and code, \
              file paths, URLs, UUIDs (identifiers far more often than tokens under these names), \
              digests and ciphertexts under `hashed_*`/`encrypted_*` names (detect-secrets baselines), \
              identifiers such as `GITHUB_TOKEN` or `my-app-secret`, placeholders and checksums under \
              other names are ignored.\n\n\
              ## Why it matters\n\n\
              High-entropy values under these names are almost always real credentials for some API, \
              signing keys for sessions and tokens (`secret_key_base`, `JWT_SECRET`: whoever has them can \
              forge sessions as any user) or encryption keys.\n\n\
              ## Fix\n\n\
              Identify the service the value belongs to and rotate it there first (for signing keys: \
              generate a new key, which logs everyone out). Then remove it from the file and read it at \
              run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC112",
        name: "xml-credential",
        title: "Password or token in an XML element or setting",
        severity: Severity::Medium,
        keywords: &[
            "password",
            "passwd",
            "pwd",
            "secret",
            "token",
            "apikey",
            "api_key",
            "api-key",
            "api.key",
            "accesskey",
            "access_key",
            "access-key",
        ],
        pattern: r#"(?i)(?:<(?:[\w.-]+:)?[\w.-]*(?:password|passwd|pwd|secret|token|api[_.-]?key|access[_.-]?key)>[ \t]*|\b(?:key|name)[ \t]*=[ \t]*"[^"]*(?:password|passwd|pwd|secret|token|api[_.-]?key|access[_.-]?key)[^"]*"[ \t]+value[ \t]*=[ \t]*"|<entry[ \t]+key[ \t]*=[ \t]*"[^"]*(?:password|passwd|pwd|secret|token|api[_.-]?key)[^"]*"[ \t]*>[ \t]*)(?P<secret>[^\s"<>{}$@][^\s"<>{}]{5,199})(?:[ \t]*<|")"#,
        scope: Scope::Line,
        entropy: Some(3.0),
        validate: None,
        allow: NOT_LITERAL,
        aliases: &["generic-api-key"],
        examples: &[
            "    <password>Ls_D6c060ZGUfpDN</password>",
            r#"  <add key="PaymentApiToken" value="h_mMLm43B3OjdK2O" />"#,
            r#"<property name="jdbc.password" value="-C3ZWYdzAeAY2omt"/>"#,
            r#"<entry key="smtp.password">_T*-tvM5riija1IY</entry>"#,
            "<ns2:clientSecret>Q88zxNWtfcbIU3oyG3s6apzxDR91GvVzW1WHLbA6</ns2:clientSecret>",
        ],
        near_misses: &[
            "<password>${db.password}</password>",
            "<password></password>",
            // Maven-encrypted (settings-security.xml master key) and jasypt-encrypted values.
            "<password>{COQLCE6DU6GtcS5P=}</password>",
            "<password>ENC(G6N718UuyPE5bHyWKyuLQSm02auQPUtm)</password>",
            r#"    proxy_url="socks5h://<username>:<password>@proxy-host""#,
            r#"<property name="password" value="${DB_PASSWORD}"/>"#,
            r#"<add key="ApiToken" value="" />"#,
            "<token-validity-seconds>3600</token-validity-seconds>",
            "<password>********</password>",
            r#"<password encrypted="true">a9Ae3kq7Zp2Lx8Vw</password>"#,
        ],
        doc: "## What it finds\n\n\
              A literal password, secret or token in XML: an element named for it \
              (`<password>…</password>`, `<clientSecret>`), a .NET `appSettings` entry \
              (`<add key=\"…Password\" value=\"…\"/>`), a Spring bean property \
              (`<property name=\"…password\" value=\"…\"/>`) or a Java properties-XML entry. Property \
              placeholders (`${…}`), Maven-encrypted (`{…}`) and jasypt (`ENC(…)`) values, empty values \
              and masks are ignored.\n\n\
              ## Why it matters\n\n\
              `web.config`, `app.config`, Tomcat `context.xml`/`server.xml`, Spring and Jenkins XML hold \
              database and service credentials that end up in images with the application.\n\n\
              ## Fix\n\n\
              Rotate the credential on the system it protects. Then replace the literal with a reference \
              resolved at run time (environment variable, `${…}` placeholder, .NET user secrets or a \
              configuration provider reading a mounted secret file).",
    },
    SecretRule {
        id: "SC113",
        name: "cli-password-flag",
        title: "Password or token passed on a command line",
        severity: Severity::Medium,
        keywords: &[
            "password",
            "passwd",
            "passphrase",
            "--pass",
            "token",
            "api-key",
            "apikey",
            "secret",
            "mysql",
            "mariadb",
            "sshpass",
            "curl",
        ],
        pattern: r#"(?:(?i:--(?:(?:[a-z0-9]+-)*(?:password|passwd|passphrase|pass|token|api-key|apikey|auth-token|access-token|tlspassword)|(?:[a-z0-9]+-)+secret))(?:=|[ \t]+)|\bcurl\b[^\n|;&]*?[ \t](?:-u|-U|--user|--proxy-user)(?:=|[ \t]*)["']?[A-Za-z0-9._%+~!@-]+:|\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlsh|mariadb|mariadb-dump|mariadb-admin)\b[^\n|;&]*?[ \t]-p|\bsshpass[ \t]+-p[ \t]*)["']?(?P<secret>[^\s"'`;|&<>()$\\\[@-][^\s"'`;|&<>()\\]{5,127})"#,
        scope: Scope::Line,
        entropy: Some(2.5),
        validate: None,
        allow: NOT_LITERAL,
        aliases: &["curl-auth-user"],
        examples: &[
            "RUN mysql -uroot -pNq7vK2pXz9Lm -h db < /schema.sql",
            "RUN ./bootstrap.sh --admin-password=Hf6tW9qZp2Lk8xVb --db-host db",
            "vault login -method=userpass username=ops --password=Wm3xQ8vLp2Kz7RtN",
            "sshpass -p 'Tz7!mQ4pLx9s' ssh deploy@10.0.0.12",
            "RUN ./configure-agent --api-key 3y7X6Qd4VKW0y1tpQP3JTkLoaz48FcB9 --region eu",
            "mysqldump --single-transaction -u backup -pRz6pL9wKq3Vm shop > shop.sql",
            "RUN curl -fsSL -u deploy:Hf6tW9qZp2Lk8xVb https://nexus.northwind.io/repository/raw/agent.tgz -o /tmp/agent.tgz",
            r#"curl --user "ci-bot:Wm3xQ8vLp2Kz7RtN" https://artifacts.northwind.io/api/upload"#,
            "curl -x http://proxy:3128 --proxy-user ops:Tz7mQ4pLx9s https://example.org",
            "curl --cert client.pem --tlspassword Rz6pL9wKq3Vm https://mtls.northwind.io",
        ],
        near_misses: &[
            r#"RUN echo "$REGISTRY_TOKEN" | docker login -u ci-bot --password-stdin registry.northwind.io"#,
            "mysql -u root -p mydb",
            r#"mysql -u root -p"$MYSQL_ROOT_PASSWORD""#,
            "mysql -h db -P 3306 -u app",
            "app --password-file /run/secrets/db_password",
            "cli --token=$(cat /run/secrets/api_token)",
            "cli --token ${API_TOKEN}",
            "deploy --password=password",
            "helm registry login -u ci -p $HELM_PASSWORD ghcr.io",
            "cmd --token --verbose",
            // `@file` arguments name a file holding the value.
            "RUN ibmcloud login --apikey @/run/secrets/ibmcloud.json -r us-south",
            "docker build --secret id=npm_token,env=NPM_TOKEN .",
            "'--password=[Password]' '--token=[Token]'",
            // curl: a user without password (curl prompts), variables, a netrc file.
            "curl -u deploy https://nexus.northwind.io/repository/raw/",
            r#"curl -u "$NEXUS_USER:$NEXUS_PASSWORD" https://nexus.northwind.io/"#,
            "curl -u ${NEXUS_USER}:${NEXUS_PASSWORD} https://nexus.northwind.io/",
            "curl --netrc-file /run/secrets/netrc -u deploy: https://nexus.northwind.io/",
        ],
        doc: "## What it finds\n\n\
              A literal password or token given on a command line: `--password=…`, `--token …`, \
              `--api-key …` (and `--db-password`-style variants), MySQL/MariaDB clients' `-p<password>`, \
              `sshpass -p`, and curl's `-u`/`--user`/`--proxy-user user:password` (not `-u user` alone, \
              which makes curl prompt) and `--tlspassword`. (Registry logins, `docker login -p …`, are reported by \
              `registry-login-password`.) Variables, command substitutions, `--password-stdin` and \
              `--*-file` options are not reported.\n\n\
              ## Why it matters\n\n\
              In a Dockerfile `RUN` line the command, password included, is stored in the image history \
              (`docker history` shows it) and in build logs. At run time, arguments are visible to every \
              process on the host through `/proc/<pid>/cmdline` and `ps`.\n\n\
              ## Fix\n\n\
              Rotate the password or token. Then pass it through a file or standard input instead: \
              `--password-stdin`, `--password-file`, `MYSQL_PWD` read from a mounted secret, and in \
              builds `RUN --mount=type=secret,id=…` so it never reaches a layer or the history.",
    },
    SecretRule {
        id: "SC114",
        name: "authorization-header",
        title: "Credential in an HTTP authorization header",
        severity: Severity::Medium,
        keywords: &[
            "authorization",
            "x-api-key",
            "x-auth-token",
            "x-access-token",
            "x-apikey",
            "x-api-token",
            "api-key",
            "private-token",
        ],
        pattern: r#"(?:(?i:authorization)["']?(?:[ \t]*[:=][ \t]*|[ \t]+)["']?(?i:bearer|token|basic|apikey|api-key|sso-key|key)[ \t]+|(?i:x-api-key|x-auth-token|x-access-token|x-apikey|x-api-token|api-key|private-token)["']?[ \t]*[:=][ \t]*["']?)(?P<secret>[A-Za-z0-9._~+/-][A-Za-z0-9._~+/=-]{15,})(?:[^A-Za-z0-9._~+/=-]|$)"#,
        scope: Scope::Line,
        entropy: Some(3.5),
        validate: None,
        allow: &[
            // RFC 7617 and RFC 2617 examples, and base64 of `user:password`/`username:password`.
            r"^QWxhZGRpbjpvcGVuIHNlc2FtZQ==$",
            r"^dXNlcjpwYXNzd29yZA==$",
            r"^dXNlcm5hbWU6cGFzc3dvcmQ=$",
            // The bot token in Slack's API documentation.
            r"^xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy$",
            // RFC 6749 sample client credentials and tokens.
            r"^czZCaGRSa3F0MzpnWDFmQmF0M2JW$",
            r"^(?:2YotnFZFEjr1zCsicMWpAA|tGzv3JOkF0XG5Qx2TlKWIA|mF_9\.B5f-4\.1JqM)$",
            r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$",
            r"^[a-z]+(?:[-_.][a-z]+)+$",
            r"(?i)x{8,}",
        ],
        aliases: &["curl-auth-header"],
        examples: &[
            r#"RUN curl -fsSL -H "Authorization: Bearer 3y7X6Qd4VKW0y1tpQP3JTkLoaz48FcB9" https://artifacts.northwind.io/agent.tgz | tar xz"#,
            "proxy_set_header Authorization \"Basic Y2ktcHVibGlzaGVyOnJoTzZBbEwxNFBHODNTY2ZuVA==\";",
            r#"headers = {"X-API-Key": "6EebQ1HuHv9sUznSc5mIZRrajMYObvOR"}"#,
            "wget --header='PRIVATE-TOKEN: Q88zxNWtfcbIU3oyG3s6apzxDR91GvVzW1WHLbA6' https://git.northwind.io/api/v4/projects",
        ],
        near_misses: &[
            r#"curl -H "Authorization: Bearer $TOKEN" https://api.northwind.io"#,
            "Authorization: Bearer ${API_TOKEN}",
            "Authorization: Bearer <token>",
            "proxy_set_header Authorization $http_authorization;",
            "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
            "Authorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW",
            r#"headers["Authorization"] = "Bearer " + token"#,
            "Authorization: Bearer YOUR_ACCESS_TOKEN",
            r#"headers = {"Authorization": f"Bearer {token}"}"#,
        ],
        doc: "## What it finds\n\n\
              A literal credential in an HTTP header: `Authorization: Bearer|Token|Basic …` or API-key \
              headers (`X-API-Key`, `X-Auth-Token`, `PRIVATE-TOKEN`…) in `curl`/`wget` commands, proxy \
              configuration (nginx `proxy_set_header`) and code. Variables, placeholders and the RFC \
              sample credentials are ignored. `Basic` values are base64 of `user:password`, not \
              encryption.\n\n\
              ## Why it matters\n\n\
              The header value is the credential itself. In a Dockerfile it is kept in the image history; \
              in proxy configuration it grants every client of the proxy the upstream's access.\n\n\
              ## Fix\n\n\
              Revoke or rotate the token (or change the password) at the service it authenticates to. \
              Then read it at run time: `curl -H @/run/secrets/auth_header`, an environment variable \
              filled from a secret store, or in builds `RUN --mount=type=secret`.",
    },
];
