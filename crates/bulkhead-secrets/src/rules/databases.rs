//! Secret rules: database and message-broker connection strings with a password.

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;

/// Passwords that are documentation placeholders or well-known defaults, and references.
///
/// Default credentials (`postgres:postgres`, `guest:guest`, `elastic:changeme`) are a configuration
/// weakness rather than a leaked secret; reporting them here would bury real leaks in local
/// development setups.
const DB_PLACEHOLDERS: &[&str] = &[
    r"^\$[A-Za-z_][A-Za-z0-9_]*$",
    r"^%(?:\(\w+\))?[sd]$",
    r"(?i)^(?:password|passwd|pass|pwd|pw|secret|changeme|change_me|changeit|postgres|postgresql|mysql|mariadb|root|admin|administrator|user|username|guest|default|redis|mongo|mongodb|rabbitmq|rabbit|elastic|kibana|clickhouse|couchdb|sa|db|database|dbpass|dbpassword|test|example|sample|dummy|demo|dev|local|localhost|secret123|password1|password123|pass123)$",
    r"(?i)^(?:x+|\*+|\.+)$",
    r"(?i)(?:your[-_]?(?:db[-_]?)?(?:password|pass|pwd|secret)|(?:password|secret)[-_]?here|replace[-_]?me|change[-_]?me)",
    r"^[a-z]+(?:[-_.][a-z]+)+$",
    r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$",
    // Microsoft's documented SQL Server sample passwords.
    r"(?i)^<?your_?strong(?:\(!\)|@|!)?passw(?:o|0)rd>?$",
];

pub const RULES: &[SecretRule] = &[
    SecretRule {
        id: "SC124",
        name: "sql-database-url",
        title: "SQL database URL with a password",
        severity: Severity::High,
        keywords: &[
            "postgres",
            "pgsql",
            "mysql",
            "mariadb",
            "mssql",
            "sqlserver",
            "clickhouse",
            "cockroach",
            "oracle",
            "tidb",
            "redshift",
        ],
        pattern: r#"\b(?i:postgres(?:ql)?|pgsql|mysqlx?|mariadb|mssql|sqlserver|clickhouse|cockroach(?:db)?|oracle|tidb|redshift)(?:\+[A-Za-z0-9_]+)*://(?P<user>[^\s:@/?#'"`<>{}]*):(?P<secret>[^\s:@/?#'"`<>{}\\]{1,256})@[A-Za-z0-9\[_-]"#,
        scope: Scope::Line,
        entropy: Some(2.5),
        validate: None,
        allow: DB_PLACEHOLDERS,
        aliases: &[],
        examples: &[
            "DATABASE_URL=postgres://app:Nq7vK2pXz9LmR4tW@db.prod.northwind.internal:5432/app",
            r#"SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://reporting:Hs5%40kP8wQz2Lx@10.20.0.15/analytics""#,
            "MYSQL_URL=mysql://root:Vd3kR8mNq2Lp7Xz@mysql:3306/shop",
            "  url: mariadb://svc:Rz6pL9wKq3Vm@mariadb.internal/app",
            "ConnectionStrings__Erp=sqlserver://sa:Kp4!Xq8mZv2L@mssql:1433?database=erp",
            "CLICKHOUSE_DSN=clickhouse://default:Cq8vN3xLm7Rk2Wz@ch.internal:9000/events",
        ],
        near_misses: &[
            "DATABASE_URL=postgres://user:${DB_PASSWORD}@db:5432/app",
            "DATABASE_URL=postgres://app@db:5432/app",
            "DATABASE_URL=postgresql://user:password@localhost/dbname",
            "DATABASE_URL=postgres://postgres:postgres@localhost:5432/postgres",
            "DSN = 'postgres://%(user)s:%(password)s@%(host)s/app'",
            "MYSQL_URL=mysql://root:@localhost/app",
            "DATABASE_URL=postgres://app:$DB_PASSWORD@db/app",
            "url: jdbc:postgresql://db:5432/app",
            "DATABASE_URL=postgres://<user>:<password>@<host>:5432/<db>",
        ],
        doc: "## What it finds\n\n\
              A connection URL for a SQL database with a literal password: PostgreSQL \
              (`postgres://`, `postgresql+psycopg2://`…), MySQL, MariaDB, SQL Server (`mssql://`, \
              `sqlserver://`), ClickHouse, CockroachDB, Oracle, TiDB and Redshift. URLs without a \
              password, variable references and documentation placeholders or default credentials \
              (`user:password`, `postgres:postgres`) are not reported.\n\n\
              ## Why it matters\n\n\
              `DATABASE_URL` values end up in Dockerfile `ENV`, compose files and `.env` files copied into \
              images. The password gives direct access to application data, usually with write \
              privileges, from anywhere the database is reachable.\n\n\
              ## Fix\n\n\
              Change the database user's password (`ALTER USER … PASSWORD` in PostgreSQL, \
              `ALTER USER … IDENTIFIED BY` in MySQL/MariaDB, `ALTER LOGIN … WITH PASSWORD` in SQL Server) \
              and review its recent sessions. Then build the URL at run time from a password read from a \
              secret store or mounted file (`POSTGRES_PASSWORD_FILE`, a Kubernetes Secret), or use \
              IAM/managed-identity authentication.",
    },
    SecretRule {
        id: "SC125",
        name: "mongodb-url",
        title: "MongoDB connection string with a password",
        severity: Severity::High,
        keywords: &["mongodb"],
        pattern: r#"\b(?i:mongodb(?:\+srv)?)://(?P<user>[^\s:@/?#'"`<>{}]*):(?P<secret>[^\s:@/?#'"`<>{}\\]{1,256})@[A-Za-z0-9\[_-]"#,
        scope: Scope::Line,
        entropy: Some(2.5),
        validate: None,
        allow: DB_PLACEHOLDERS,
        aliases: &[],
        examples: &[
            "MONGO_URL=mongodb+srv://api:Wm3xQ8vLp2Kz7RtN@cluster0.ab1cd.mongodb.net/prod?retryWrites=true&w=majority",
            r#"client = MongoClient("mongodb://admin:Bx9pN4qLw7Zk2Vm@mongo-0.mongo,mongo-1.mongo:27017/?replicaSet=rs0")"#,
        ],
        near_misses: &[
            "MONGO_URL=mongodb://localhost:27017/app",
            "MONGO_URL=mongodb://${MONGO_USER}:${MONGO_PASSWORD}@mongo:27017",
            "MONGO_URL=mongodb+srv://<username>:<password>@cluster0.mongodb.net/",
            "MONGO_URL=mongodb://admin:admin@localhost:27017",
        ],
        doc: "## What it finds\n\n\
              A MongoDB connection string (`mongodb://`, `mongodb+srv://`) with a literal password. \
              Atlas placeholders (`<password>`), references and default credentials are not \
              reported.\n\n\
              ## Why it matters\n\n\
              Atlas clusters are reachable from the internet when the IP access list is loose, so the \
              password alone can be enough to read, ransom or delete the data.\n\n\
              ## Fix\n\n\
              Change the user's password (Atlas: **Database Access** → edit user; self-hosted: \
              `db.changeUserPassword()`), and check the access list and logs. Then pass the connection \
              string at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC126",
        name: "redis-url",
        title: "Redis or Valkey URL with a password",
        severity: Severity::High,
        keywords: &["redis", "valkey", "keydb"],
        pattern: r#"\b(?i:rediss?|redis\+sentinel|redis-sentinel|valkeys?|keydb)://(?P<user>[^\s:@/?#'"`<>{}]*):(?P<secret>[^\s:@/?#'"`<>{}\\]{1,256})@[A-Za-z0-9\[_-]"#,
        scope: Scope::Line,
        entropy: Some(2.5),
        validate: None,
        allow: DB_PLACEHOLDERS,
        aliases: &[],
        examples: &[
            "REDIS_URL=redis://:Tk7pQ2xLm9Vz4RwN@redis.prod.internal:6379/0",
            "CACHE_URL=rediss://default:Jz5vK8qLp3Xm7WtR@cache-01.northwind.cache.amazonaws.com:6380",
        ],
        near_misses: &[
            "REDIS_URL=redis://:@redis:6379",
            "REDIS_URL=redis://redis:6379/0",
            "REDIS_URL=redis://:${REDIS_PASSWORD}@redis:6379",
            "REDIS_URL=redis://:password@localhost:6379",
        ],
        doc: "## What it finds\n\n\
              A Redis, Redis Sentinel, Valkey or KeyDB URL with a literal password \
              (`redis://:secret@host`, `rediss://user:secret@host`).\n\n\
              ## Why it matters\n\n\
              Redis often holds sessions, tokens and queues. With the password an attacker reads and \
              alters them (hijacking sessions, injecting jobs) and, where `CONFIG` is allowed, can turn \
              write access into code execution on the server.\n\n\
              ## Fix\n\n\
              Change the password (`ACL SETUSER` or `requirepass`; managed services: rotate the auth \
              token) and restart clients with the new value, read at run time from a secret store or \
              mounted secret file.",
    },
    SecretRule {
        id: "SC127",
        name: "message-broker-url",
        title: "Message broker URL with a password (AMQP, MQTT, NATS, STOMP)",
        severity: Severity::High,
        keywords: &["amqp", "mqtt", "nats", "stomp"],
        pattern: r#"\b(?i:amqps?|mqtts?|nats|tls|stomps?|stomp\+ssl)://(?P<user>[^\s:@/?#'"`<>{}]*):(?P<secret>[^\s:@/?#'"`<>{}\\]{1,256})@[A-Za-z0-9\[_-]"#,
        scope: Scope::Line,
        entropy: Some(2.5),
        validate: None,
        allow: DB_PLACEHOLDERS,
        aliases: &[],
        examples: &[
            "CELERY_BROKER_URL=amqp://celery:Qm4vX8pLz2Kw7RnT@rabbitmq:5672/prod",
            "BROKER_URL=amqps://svc-orders:Lr6kP9wQz3Xm5VtB@b-1234.mq.eu-west-1.amazonaws.com:5671",
            "MQTT_URL=mqtts://sensor-gw:Pz8nK3vLq7Wm2XrT@mqtt.northwind.io:8883",
        ],
        near_misses: &[
            "CELERY_BROKER_URL=amqp://guest:guest@localhost:5672//",
            "CELERY_BROKER_URL=amqp://rabbitmq:5672",
            "CELERY_BROKER_URL=amqp://${RABBIT_USER}:${RABBIT_PASS}@rabbitmq",
        ],
        doc: "## What it finds\n\n\
              A broker URL with a literal password: RabbitMQ/AMQP (`amqp://`, `amqps://`), MQTT, NATS and \
              STOMP. The RabbitMQ default `guest:guest` and references are not reported.\n\n\
              ## Why it matters\n\n\
              Broker credentials let an attacker read messages (orders, events, personal data), publish \
              forged ones that consumers act on, or purge queues.\n\n\
              ## Fix\n\n\
              Change the user's password (`rabbitmqctl change_password`, or the managed broker's console) \
              and review connections. Then build the URL at run time from a password in a secret store or \
              mounted secret file.",
    },
    SecretRule {
        id: "SC128",
        name: "http-database-url",
        title: "Elasticsearch, OpenSearch, CouchDB or ClickHouse HTTP URL with a password",
        severity: Severity::High,
        keywords: &[
            "elastic",
            "opensearch",
            "couch",
            "clickhouse",
            "kibana",
            "solr",
            ":9200",
            ":9243",
            ":5984",
            ":6984",
            ":8123",
            ".es.io",
            "found.io",
        ],
        pattern: r#"\b(?i:https?|elasticsearch|opensearch|couchdbs?)://(?P<user>[^\s:@/?#'"`<>{}]+):(?P<secret>[^\s:@/?#'"`<>{}\\]{1,256})@(?:[A-Za-z0-9._-]*(?i:elastic|opensearch|couch|clickhouse|kibana|solr|\.es\.io|found\.io)[A-Za-z0-9._-]*|[A-Za-z0-9._-]+:(?:9200|9243|5984|6984|8123)\b)"#,
        scope: Scope::Line,
        entropy: Some(2.5),
        validate: None,
        allow: DB_PLACEHOLDERS,
        aliases: &[],
        examples: &[
            "ELASTICSEARCH_URL=https://elastic:Xv7pK2qLm9Rz4WtN@es01.northwind.internal:9200",
            "COUCHDB_URL=http://admin:Hq3xN8vLp6Kz2RmW@db01:5984/orders",
            "CLICKHOUSE_URL=https://reader:Bw5kR9pLq2Xz7VmN@q7x2.eu-west-1.aws.clickhouse.cloud:8443",
            "output.elasticsearch.hosts: [\"https://filebeat:Tw4nK7pLq2Zx9Rm@logs-prod.es.eu-west-1.aws.found.io:9243\"]",
        ],
        near_misses: &[
            "ELASTICSEARCH_URL=http://elasticsearch:9200",
            "ELASTICSEARCH_URL=https://elastic:${ELASTIC_PASSWORD}@es01:9200",
            "COUCHDB_URL=http://admin:admin@couchdb:5984",
            "ELASTICSEARCH_URL=https://elastic:changeme@localhost:9200",
        ],
        doc: "## What it finds\n\n\
              An HTTP(S) URL with a literal password pointing at a search or document database: \
              recognised by the host (`elastic`, `opensearch`, `couch`, `clickhouse`, Elastic Cloud \
              `*.es.io`/`found.io`) or the port (9200, 9243, 5984, 6984, 8123). The old `elastic:changeme` \
              default and references are not reported.\n\n\
              ## Why it matters\n\n\
              The `elastic` superuser and CouchDB admin credentials read, rewrite and delete every \
              index or database; log clusters hold personal data and other secrets that were logged.\n\n\
              ## Fix\n\n\
              Change the password (Elasticsearch: `elasticsearch-reset-password` or the security API; \
              Elastic Cloud: deployment security settings; CouchDB: the `_users`/admins config; \
              ClickHouse: `ALTER USER`). Prefer API keys or service tokens with limited roles, and pass \
              them at run time from a secret store or mounted secret file.",
    },
    SecretRule {
        id: "SC129",
        name: "connection-string-password",
        title: "Password in a JDBC, ODBC, ADO.NET or libpq connection string",
        severity: Severity::High,
        keywords: &["jdbc:", "password", "pwd"],
        pattern: r#"(?i)(?:\bjdbc:[a-z0-9]+:[^\s'"]*?[?&;:]|\b(?:server|data source|host|hostname|address|addr|network address|uid|user id|userid|user|username|dsn|driver|database|initial catalog|dbname)[ \t]*=[^;'"\n]*;[^'"\n]*?|\bhost=[^\s'";]+[ \t]+(?:[a-z_]+=[^\s'";]+[ \t]+)*?)(?:password|passwd|userpass|pwd)[ \t]*=[ \t]*(?P<secret>[^;&\s'"{}$<>][^;&\s'"{}<>]*)"#,
        scope: Scope::Line,
        entropy: Some(2.5),
        validate: None,
        allow: DB_PLACEHOLDERS,
        aliases: &[],
        examples: &[
            r#"connectionURL="jdbc:mysql://db.northwind.internal/billing?user=billing&amp;userpass=Rz6pL9wKq3Vm""#,
            "spring.datasource.url=jdbc:postgresql://db.northwind.internal:5432/billing?user=billing&password=Qz8vK3mLp6Xw2RtN&ssl=true",
            "DB_URL=jdbc:sqlserver://mssql:1433;databaseName=erp;user=sa;password=Hm4!pX9qLz2Vk7Wt;encrypt=true",
            r#"    "DefaultConnection": "Server=tcp:sql-prod.database.windows.net,1433;Initial Catalog=erp;User ID=app;Password=Kx9!mQ2vLp4Rz;Encrypt=True;""#,
            "ODBC_CONN=DSN=reports;Uid=reporter;Pwd=Vb6nQ3xLk8Pz;",
            r#"PG_CONN="host=db.internal port=5432 dbname=app user=app password=Wn5xK8pLq2Rz7Vm sslmode=require""#,
        ],
        near_misses: &[
            "jdbc:mysql://db/billing?user=billing&userpass=${DB_PASSWORD}",
            "Server=db;Database=app;User Id=sa;Password=${SA_PASSWORD};",
            "spring.datasource.url=jdbc:postgresql://db:5432/app?user=app&password=",
            "Server=db;Database=app;Integrated Security=SSPI;",
            "Server=localhost,1433;Database=master;User Id=sa;Password=yourStrong(!)Password;",
            "jdbc:mysql://localhost:3306/shop?useSSL=false",
            "Server=db;Database=app;User Id=app;Password=$DB_PASSWORD;",
        ],
        doc: "## What it finds\n\n\
              A literal password in a keyword/value connection string: JDBC URLs \
              (`jdbc:…?user=…&password=…`, `jdbc:sqlserver://…;password=…`), ODBC and ADO.NET strings \
              (`Server=…;User ID=…;Password=…;`, `Pwd=`) and libpq conninfo (`host=… password=…`). \
              Integrated/managed-identity authentication, empty passwords, references and Microsoft's \
              sample SQL Server passwords are not reported.\n\n\
              ## Why it matters\n\n\
              Connection strings live in `appsettings.json`, `application.properties`, `web.config` and \
              environment variables that are copied into images; the password opens the database with \
              the application's privileges.\n\n\
              ## Fix\n\n\
              Change the database login's password (`ALTER LOGIN … WITH PASSWORD` for SQL Server, \
              `ALTER USER` elsewhere). Then keep the password out of the string: managed identity or \
              integrated authentication where available, otherwise a configuration provider or \
              environment variable filled from a secret store or mounted secret file.",
    },
];
