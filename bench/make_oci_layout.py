#!/usr/bin/env python3
"""Turn a `docker save` tarball (legacy or OCI shape) into an OCI image layout directory whose layers are
gzip- or zstd-compressed, as a registry would serve them.

    python3 bench/make_oci_layout.py IMAGE.tar OUT_DIR [--compression gzip|zstd] [--level N]
"""
import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tarfile


def blob(out, data_path=None, data=None):
    h = hashlib.sha256()
    if data is not None:
        h.update(data)
    else:
        with open(data_path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    digest = h.hexdigest()
    dst = os.path.join(out, "blobs", "sha256", digest)
    if data is not None:
        with open(dst, "wb") as f:
            f.write(data)
        size = len(data)
    else:
        os.replace(data_path, dst)
        size = os.path.getsize(dst)
    return f"sha256:{digest}", size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("archive")
    ap.add_argument("out")
    ap.add_argument("--compression", choices=["gzip", "zstd"], default="gzip")
    ap.add_argument("--level", type=int, default=6)
    a = ap.parse_args()
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(os.path.join(a.out, "blobs", "sha256"))
    with tarfile.open(a.archive) as t:
        manifest = json.load(t.extractfile("manifest.json"))[0]
        config = t.extractfile(manifest["Config"]).read()
        layers = []
        for name in manifest["Layers"]:
            tmp = os.path.join(a.out, "tmp-layer")
            src = t.extractfile(name)
            if a.compression == "gzip":
                with gzip.open(tmp, "wb", compresslevel=a.level) as g:
                    shutil.copyfileobj(src, g, 1 << 20)
                media = "application/vnd.oci.image.layer.v1.tar+gzip"
            else:
                p = subprocess.Popen(["zstd", f"-{a.level}", "-q", "-o", tmp], stdin=subprocess.PIPE)
                shutil.copyfileobj(src, p.stdin, 1 << 20)
                p.stdin.close()
                p.wait()
                media = "application/vnd.oci.image.layer.v1.tar+zstd"
            d, size = blob(a.out, data_path=tmp)
            layers.append({"mediaType": media, "digest": d, "size": size})
    cd, cs = blob(a.out, data=config)
    m = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
        "layers": layers,
    }).encode()
    md, ms = blob(a.out, data=m)
    with open(os.path.join(a.out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
                                  "size": ms, "platform": {"os": "linux", "architecture": "amd64"}}]}, f)
    with open(os.path.join(a.out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}')
    print(a.out)


if __name__ == "__main__":
    main()
