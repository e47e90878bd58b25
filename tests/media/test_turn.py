"""TURN REST credentials against Debian's real coturn, run with deploy/turnserver.conf.

The test's own override only moves coturn onto loopback (ports, no TLS, the secret) and
allows relaying to 127.0.0.1 — the one address the deployed config must never reach.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from aioice import stun
from aioice.turn import TurnClientUdpProtocol

from ciasom.media.ice import turn_credentials

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "turnserver.conf"
SECRET = "a-test-secret-never-deployed"
# The deployment's addresses, certificates and logs give way to loopback ones.
REPLACED = (
    "listening-port",
    "tls-listening-port",
    "listening-ip",
    "external-ip",
    "cert",
    "pkey",
    "log-file",
    "min-port",
    "max-port",
)
DENIED = [
    "10.1.2.3",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",
    "127.0.0.2",
    "169.254.169.254",
    "0.0.0.1",
    "::1",
    "::ffff:10.0.0.1",
    "fd00:ec2::254",
    "fe80::1",
    "64:ff9b::a00:1",
]


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def options(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs.append((name.strip(), value.strip()))
    return pairs


def in_ranges(address: str, ranges: list[str]) -> bool:
    ip = ipaddress.ip_address(address)
    for spec in ranges:
        low, _, high = spec.partition("-")
        low_ip, high_ip = ipaddress.ip_address(low), ipaddress.ip_address(high or low)
        if low_ip.version == ip.version and low_ip <= ip <= high_ip:
            return True
    return False


def test_the_deployed_config_uses_rest_credentials_and_denies_internal_peers():
    pairs = options(CONFIG.read_text())
    names = [name for name, _ in pairs]
    assert "use-auth-secret" in names
    assert "static-auth-secret" not in names  # the secret comes from a file at start
    assert "lt-cred-mech" not in names and "user" not in names  # no static password
    assert "allowed-peer-ip" not in names and "allow-loopback-peers" not in names
    denied = [value for name, value in pairs if name == "denied-peer-ip"]
    for address in DENIED:
        assert in_ranges(address, denied), address
    assert not in_ranges("203.0.113.10", denied) and not in_ranges("2001:db8::1", denied)
    ports = dict(pairs)
    assert int(ports["max-port"]) - int(ports["min-port"]) + 1 >= 2 * 200  # the session cap


@pytest.fixture(scope="module")
def coturn(tmp_path_factory):
    if shutil.which("turnserver") is None:
        pytest.fail("coturn is not installed: make coturn (apt-get install coturn)")
    folder = tmp_path_factory.mktemp("coturn")
    port = free_port()
    relay = free_port()
    kept = [
        line
        for line in CONFIG.read_text().splitlines()
        if line.partition("=")[0].strip() not in REPLACED
    ]
    overrides = [
        "listening-ip=127.0.0.1",
        "relay-ip=127.0.0.1",
        f"listening-port={port}",
        f"min-port={relay}",
        f"max-port={relay + 20}",
        "no-tls",
        "no-dtls",
        f"static-auth-secret={SECRET}",
        f"pidfile={folder / 'turn.pid'}",
        f"userdb={folder / 'turndb'}",
        "log-file=stdout",
        # The test's own peer; the deployed config denies it (coturn also needs the switch).
        "allow-loopback-peers",
        "allowed-peer-ip=127.0.0.1",
    ]
    (folder / "turnserver.conf").write_text("\n".join(kept + overrides) + "\n")
    log = open(folder / "turn.log", "wb")  # noqa: SIM115 — closed below
    process = subprocess.Popen(
        ["turnserver", "-c", str(folder / "turnserver.conf")], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 10
        while b"Total General servers" not in (folder / "turn.log").read_bytes():
            assert process.poll() is None, (folder / "turn.log").read_text()[-2000:]
            assert time.monotonic() < deadline, (folder / "turn.log").read_text()[-2000:]
            time.sleep(0.1)
        yield ("127.0.0.1", port)
    finally:
        process.terminate()
        process.wait(10)
        log.close()


async def allocate(server, username: str, password: str) -> TurnClientUdpProtocol:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_datagram_endpoint(
        lambda: TurnClientUdpProtocol(
            server, username=username, password=password, lifetime=60, channel_refresh_time=60
        ),
        remote_addr=server,
    )
    try:
        await protocol.connect()
    except BaseException:
        protocol.transport.close()
        raise
    return protocol


async def test_minted_credentials_allocate_and_wrong_or_expired_ones_do_not(coturn):
    username, password = turn_credentials(SECRET, "viewer", ttl=600)
    protocol = await allocate(coturn, username, password)
    assert protocol.relayed_address[0] == "127.0.0.1"
    await protocol.delete()

    refused = [
        (username, turn_credentials("another secret", "viewer", ttl=600)[1]),
        turn_credentials(SECRET, "viewer", ttl=600, now=time.time() - 1200),  # expired
    ]
    for bad_username, bad_password in refused:
        with pytest.raises(stun.TransactionFailed) as failure:
            await allocate(coturn, bad_username, bad_password)
        assert failure.value.response.error_code == 401


async def test_coturn_refuses_to_relay_to_internal_addresses(coturn):
    protocol = await allocate(coturn, *turn_credentials(SECRET, "host", ttl=600))
    try:
        await protocol.channel_bind(0x4000, ("127.0.0.1", 9))  # allowed by the test only
        for number, address in enumerate(
            ["10.0.0.1", "169.254.169.254", "100.64.0.1", "192.168.1.1", "127.0.0.2"], start=0x4001
        ):
            with pytest.raises(stun.TransactionFailed) as failure:
                await protocol.channel_bind(number, (address, 9))
            assert failure.value.response.error_code == 403, address
    finally:
        await protocol.delete()


def test_the_makefile_installs_coturn():
    makefile = (CONFIG.parents[1] / "Makefile").read_text()
    assert re.search(r"^coturn:", makefile, re.M) and "apt-get install" in makefile
