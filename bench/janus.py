"""Debian's Janus run with ``deploy/janus``'s config, for the tests and ``bench/audience.py``.

Like ``tests/media/test_turn.py`` with coturn: the deployed files are used as they are, except
what ties them to a deployment (the config folder, the address and port, the CORS origin, the
admin key).
Janus gathers no loopback candidates, so whoever starts it runs in a network namespace with
127.0.1.1 on a veth link (DESIGN §5).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[1] / "deploy" / "janus"
ADMIN_KEY = "a-test-admin-key-never-deployed"


def janus_config(folder: Path, port: int, origin: str, address: str = "127.0.0.1") -> Path:
    """``deploy/janus`` copied into ``folder`` with the test's address, port, origin and
    admin key."""
    folder.mkdir(parents=True, exist_ok=True)
    replace = {
        "janus.jcfg": {"configs_folder": f'"{folder}"'},
        "janus.transport.http.jcfg": {
            "port": str(port),
            "ip": f'"{address}"',
            "allow_origin": f'"{origin}"',
        },
        "janus.plugin.streaming.jcfg": {"admin_key": f'"{ADMIN_KEY}"'},
    }
    for source in DEPLOY.glob("*.jcfg"):
        text = source.read_text()
        for name, value in replace.get(source.name, {}).items():
            text, count = re.subn(rf"(?m)^(\s*){name} = .*$", rf"\g<1>{name} = {value}", text)
            assert count == 1, (source.name, name)
        (folder / source.name).write_text(text)
    return folder / "janus.jcfg"


@contextmanager
def running_janus(folder: Path, port: int, origin: str = "*") -> Iterator[str]:
    """Yield the URL of a fresh Janus's HTTP API; its log is printed when a test fails."""
    config = janus_config(folder, port, origin)
    log_path = folder / "janus.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["janus", "-C", str(config), "-F", str(folder), "--disable-colors"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/janus"
        try:
            deadline = time.monotonic() + 20
            while True:
                assert process.poll() is None, log_path.read_text()[-3000:]
                try:
                    with urllib.request.urlopen(f"{url}/info", timeout=2) as response:
                        assert json.load(response)["janus"] == "server_info"
                    break
                except (urllib.error.URLError, ConnectionError):
                    assert time.monotonic() < deadline, "janus did not come up"
                    time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            print(log_path.read_text()[-4000:])
