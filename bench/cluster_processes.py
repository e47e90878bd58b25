"""A real cluster on this machine: PostgreSQL/Redis-backed `ciasom web` (gunicorn, uvicorn
workers), `ciasom media-node` processes and Debian's nginx in front — each run with its own
PostgreSQL database, Redis DB and key prefix, so parallel runs never collide."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

PG = "postgresql://postgres@127.0.0.1:5432"
REDIS_DB = 12  # this suite's own; keys under a per-run prefix besides
NGINX = "/usr/sbin/nginx"

NGINX_CONF = """
user root root;  # its temp files live in the test's private directory
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    upstream ciasom_web {{ server 127.0.0.1:{web}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 10m;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header Connection "";
        # As deploy/nginx.conf: the nodes' internal API is never reachable from outside.
        proxy_set_header X-Ciasom-Node-Secret "";
        location /internal/ {{ return 404; }}
        location ~ ^/(whip|whep|live)/ {{
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_pass http://ciasom_web;
        }}
        location / {{ proxy_pass http://ciasom_web; }}
    }}
}}
"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited: {log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=10).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} not up: {log.read_text()[-3000:]}") from None
            time.sleep(0.3)


@dataclass
class Node:
    name: str
    host: str
    port: int
    process: subprocess.Popen

    @property
    def address(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass
class Cluster:
    directory: Path
    run: str = field(default_factory=lambda: f"ciasom-test-{secrets.token_hex(4)}")
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    processes: list[subprocess.Popen] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)
    base: str = ""  # nginx in front of the web tier
    web_port: int = 0
    settings: dict[str, str] = field(default_factory=dict)  # more CIASOM_* for every process

    @property
    def database(self) -> str:
        return self.run.replace("-", "_")

    @property
    def prefix(self) -> str:
        return f"{self.run}:"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CIASOM_")}
        env.update(
            DATABASE_URL=f"{PG}/{self.database}",
            REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
            CIASOM_CLUSTER_PREFIX=f"{self.prefix}cluster:",
            CIASOM_TASK_QUEUE=f"{self.prefix}tasks",
            CIASOM_CACHE_PREFIX=f"{self.prefix}cache",
            CIASOM_NODE_SECRET=self.secret,
            CIASOM_DATA_DIR=str(self.directory / "data"),
            CIASOM_LANGUAGE="en",
            LOG_LEVEL="info",
        )
        env.update(self.settings)
        return env

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")

    def spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.directory / f"{name}.log", "wb")  # noqa: SIM115 — the child owns it
        process = subprocess.Popen(
            [sys.executable, "-m", "ciasom.cli", *args],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes.append(process)
        return process

    # -- starting -----------------------------------------------------------------------

    def start(self, nodes: dict[str, str], capacity: int = 1) -> None:
        """The web tier (2 workers), one node per ``{name: host address}``, nginx."""
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
        self.web_port = free_port()
        web = self.spawn("web", "web", "--port", str(self.web_port), "--workers", "2")
        wait_http(f"http://127.0.0.1:{self.web_port}/api/schema", web, self.log("web"))
        for name, host in nodes.items():
            port = free_port(host)
            process = self.spawn(
                name,
                "media-node",
                "--name",
                name,
                "--host",
                host,
                "--port",
                str(port),
                "--capacity",
                str(capacity),
            )
            self.nodes[name] = Node(name, host, port, process)
            wait_http(f"http://{host}:{port}/internal/node", process, self.log(name))
        self.base = self.start_nginx()

    def start_nginx(self) -> str:
        port = free_port()
        directory = self.directory / "nginx"
        directory.mkdir()
        conf = directory / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=directory, web=self.web_port, port=port))
        process = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(directory), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=open(directory / "stderr", "wb"),  # noqa: SIM115
            start_new_session=True,
        )
        self.processes.append(process)
        wait_http(f"http://127.0.0.1:{port}/api/schema", process, directory / "stderr")
        return f"http://127.0.0.1:{port}"

    def log(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    # -- looking and stopping -----------------------------------------------------------

    def list_nodes(self) -> list[dict]:
        """`ciasom nodes --json`, run as a user would."""
        out = subprocess.run(
            [sys.executable, "-m", "ciasom.cli", "nodes", "--json"],
            env=self.env(),
            capture_output=True,
            check=True,
            timeout=60,
        )
        return json.loads(out.stdout)

    def kill(self, name: str) -> None:
        process = self.nodes.pop(name).process
        process.kill()  # kill -9
        process.wait(10)

    def stop(self) -> None:
        """SIGTERM everything (nodes first: they end their streams and leave the registry)."""
        ordered = [n.process for n in self.nodes.values()]
        ordered += [p for p in self.processes if p not in ordered]
        for process in ordered:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def remove(self) -> None:
        """Drop the database and this run's cache keys (the cluster's must be gone already)."""
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        client = self.redis()
        for key in client.scan_iter(f"{self.prefix}*"):
            client.delete(key)
