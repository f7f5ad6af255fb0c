//! Network segmentation rules (`NW`) and the topology drawing on the real engine: a flat three-tier
//! application, a segmented one and a few single cases, each asserted finding by finding.

mod support;

use bulkhead_engine::graph::{Marks, to_dot, to_json, to_svg};
use support::{BASE_IMAGE, LABEL, cleanup, docker_ok, docker_run, engine, findings, snapshot};

const SUITE: &str = "nw";
/// The test image under a data-store name, so that the image-name heuristic applies.
const DB_IMAGE: &str = "bulkhead-test/postgres:15";

/// Removes everything labelled `bulkhead.test=nw` and the extra tag, also when a test panics.
struct Cleanup;
impl Drop for Cleanup {
    fn drop(&mut self) {
        cleanup(SUITE);
        let _ = docker_run(&["image", "rm", DB_IMAGE]);
    }
}

fn label() -> String {
    format!("{LABEL}={SUITE}")
}

fn net(args: &[&str]) {
    let l = label();
    let mut a = vec!["network", "create", "--label", &l];
    a.extend_from_slice(args);
    docker_ok(&a);
}

/// `docker run -d --label ... ARGS... IMAGE sleep 600`.
fn run(args: &[&str], image: &str) {
    let l = label();
    let mut a = vec!["run", "-d", "--label", &l];
    a.extend_from_slice(args);
    a.extend_from_slice(&[image, "sleep", "600"]);
    docker_ok(&a);
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn nw_only(v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.into_iter()
        .filter(|(id, _)| id.starts_with("NW"))
        .collect()
}

#[test]
fn flat_segmented_and_single_cases() {
    if !engine() {
        return;
    }
    let _guard = Cleanup;
    cleanup(SUITE);
    docker_ok(&["tag", BASE_IMAGE, DB_IMAGE]);

    // Flat: web published on every interface, api, db, all on one network.
    net(&["nw-flat-net"]);
    run(
        &[
            "--name",
            "nw-flat-web",
            "--network",
            "nw-flat-net",
            "-p",
            "0.0.0.0::80",
        ],
        BASE_IMAGE,
    );
    run(
        &["--name", "nw-flat-api", "--network", "nw-flat-net"],
        BASE_IMAGE,
    );
    run(
        &[
            "--name",
            "nw-flat-db",
            "--network",
            "nw-flat-net",
            "--expose",
            "5432",
        ],
        DB_IMAGE,
    );

    // Segmented: web (loopback) + api on the front end, api + db on an internal back end.
    net(&["nw-seg-front"]);
    net(&["--internal", "nw-seg-back"]);
    run(
        &[
            "--name",
            "nw-seg-web",
            "--network",
            "nw-seg-front",
            "-p",
            "127.0.0.1::80",
        ],
        BASE_IMAGE,
    );
    let l = label();
    docker_ok(&[
        "create",
        "--label",
        &l,
        "--name",
        "nw-seg-api",
        "--network",
        "nw-seg-front",
        BASE_IMAGE,
        "sleep",
        "600",
    ]);
    docker_ok(&["network", "connect", "nw-seg-back", "nw-seg-api"]);
    docker_ok(&["start", "nw-seg-api"]);
    run(
        &[
            "--name",
            "nw-seg-db",
            "--network",
            "nw-seg-back",
            "--expose",
            "5432",
        ],
        DB_IMAGE,
    );

    // Single cases: a database published on every interface from the default bridge; a back-end network
    // that is not internal (a worker exposing the Redis port, nothing published); a host-network
    // container that is no data tier.
    run(
        &["--name", "nw-misc-pubdb", "-p", "0.0.0.0::5432"],
        DB_IMAGE,
    );
    net(&["nw-misc-back"]);
    run(
        &["--name", "nw-misc-cache", "--network", "nw-misc-back"],
        BASE_IMAGE,
    );
    run(
        &[
            "--name",
            "nw-misc-worker",
            "--network",
            "nw-misc-back",
            "--expose",
            "6379",
        ],
        BASE_IMAGE,
    );
    run(
        &["--name", "nw-misc-hostnet", "--network", "host"],
        BASE_IMAGE,
    );

    let snap = snapshot();

    assert_eq!(
        nw_only(findings(&snap, "nw-flat")),
        pairs(&[
            (
                "NW002",
                "container nw-flat-db / NetworkSettings.Networks.nw-flat-net"
            ),
            ("NW005", "network nw-flat-net / Containers"),
        ])
    );
    assert_eq!(nw_only(findings(&snap, "nw-seg")), Vec::new());
    assert_eq!(
        nw_only(findings(&snap, "nw-misc")),
        pairs(&[
            ("NW001", "container nw-misc-pubdb / HostConfig.NetworkMode"),
            ("NW003", "container nw-misc-pubdb / NetworkSettings.Ports"),
            ("NW004", "network nw-misc-back / Internal"),
        ])
    );

    // The drawing marks the flat exposure and nothing of the segmented application.
    let marks = Marks::of(&snap);
    assert!(
        marks.data_on_public.contains(&(
            "nw-flat-db".to_string(),
            "nw-flat-net".to_string(),
            "nw-flat-web".to_string()
        )),
        "{:?}",
        marks.data_on_public
    );
    assert!(marks.public_data.contains(&"nw-misc-pubdb".to_string()));
    assert!(
        !marks
            .data_on_public
            .iter()
            .any(|(d, _, _)| d.starts_with("nw-seg"))
    );
    let svg = to_svg(&snap);
    assert!(
        svg.contains("<g class=\"container data-on-public\"><title>nw-flat-db (bulkhead-test/postgres:15)</title>"),
        "flat db not marked in the SVG"
    );
    assert!(
        svg.contains("<g class=\"container\"><title>nw-seg-db (bulkhead-test/postgres:15)</title>")
    );
    assert!(svg.contains("<g class=\"container public-data\"><title>nw-misc-pubdb ("));
    assert!(svg.contains("<g class=\"container hostnet\"><title>nw-misc-hostnet ("));
    assert!(svg.contains("<g class=\"network internal\"><title>network nw-seg-back ("));
    let dot = to_dot(&snap);
    assert!(
        dot.contains(
            "label=\"nw-flat-db\\nbulkhead-test/postgres:15\\ndata tier (image postgres)\""
        )
    );
    let json = to_json(&snap);
    let web = json["containers"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == "nw-seg-web"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(web["published"][0]["exposure"], "loopback", "{web}");
    assert_eq!(web["networks"], serde_json::json!(["nw-seg-front"]));
}
