"""Behind a proxy that appends the peer's address to X-Forwarded-For, a client can put anything in front of
it. With FORWARDED_ALLOW_IPS naming only the proxy, `python -m api` takes the right-most address the proxy
did not vouch for, so a client that rotates a spoofed left-most address is still limited as itself.
Trusting every peer ("*") hands the left-most, client-chosen address to the rate limits."""
from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CONFIGMAP = REPO / "deploy" / "kubernetes" / "configmap.yaml"
ADMIN_TOKEN = "forwarded-for-test-token-0123456789abcdef"
WRONG = {"Authorization": "Bearer " + "x" * 40}
REAL_CLIENT = "198.51.100.7"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_shipped_config_trusts_address_ranges_not_everyone():
    value = yaml.safe_load(CONFIGMAP.read_text())["data"]["FORWARDED_ALLOW_IPS"]
    entries = [entry.strip() for entry in value.split(",")]
    assert "*" not in entries and entries
    networks = [ipaddress.ip_network(entry) for entry in entries]  # raises on anything but addresses/CIDRs
    assert all(network.is_private for network in networks), "the ingress controller's pods, not the internet"
    assert all(network.prefixlen >= 8 for network in networks)


@pytest.mark.parametrize("trusted, spoof_works", [("127.0.0.1/32", False), ("*", True)], ids=["proxy-only", "star"])
def test_a_spoofed_forwarded_for_does_not_escape_rate_limits(tmp_path, trusted, spoof_works):
    port = free_port()
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", ADMIN_TOKEN=ADMIN_TOKEN,
               FORWARDED_ALLOW_IPS=trusted, MODEL_PATH=str(tmp_path / "no-model"), LOG_LEVEL="WARNING")
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-m", "api"], cwd=REPO, env=env, stdout=out, stderr=out)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            deadline = time.monotonic() + 180
            while True:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                try:
                    if c.get("/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.3)
            # The test client plays the proxy on 127.0.0.1: spoofed address first, the real one appended.
            statuses = [
                c.post("/model/parse", json={"text": "hi"},
                       headers={**WRONG, "X-Forwarded-For": f"203.0.113.{i}, {REAL_CLIENT}"}).status_code
                for i in range(1, 13)
            ]
            other = c.post("/model/parse", json={"text": "hi"},
                           headers={**WRONG, "X-Forwarded-For": "203.0.113.99, 198.51.100.8"}).status_code
    finally:
        server.terminate()
        server.wait(30)
    if spoof_works:
        assert statuses == [401] * 12, "every spoofed address counts as a new client"
    else:
        assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
        assert other == 401, "another real client has its own allowance"
