"""The SeaweedFS launcher: free ports for everything, no credentials when none are given,
stop by pid, and no unix sockets left behind."""

from __future__ import annotations

import dataclasses
import os
import socket
from pathlib import Path

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from webbscope.devstack import seaweed as seaweed_module
from webbscope.devstack.seaweed import ProcessStartError, SeaweedProcess, start_seaweed

pytestmark = pytest.mark.integration


def test_second_instance_runs_beside_the_first(seaweed: SeaweedProcess, tmp_path: Path) -> None:
    before = set(Path("/tmp").glob("seaweedfs-*.sock"))
    with start_seaweed(tmp_path / "second") as other:
        assert set(other.ports.all()).isdisjoint(seaweed.ports.all())
        assert len(set(other.ports.all())) == len(other.ports.all())
        assert other.endpoint_url == f"http://127.0.0.1:{other.ports.s3}"
        # No credentials given: the gateway accepts anonymous requests.
        anon = boto3.client(
            "s3",
            endpoint_url=other.endpoint_url,
            region_name="us-east-1",
            config=Config(signature_version=UNSIGNED, s3={"addressing_style": "path"}),
        )
        anon.create_bucket(Bucket="open")
        anon.put_object(Bucket="open", Key="k", Body=b"v")
        assert anon.get_object(Bucket="open", Key="k")["Body"].read() == b"v"
        pid = other.pid
        ours = {str(p) for p in other.ports.all()}
        assert any(p.stem.rsplit("-", 1)[-1] in ours for p in Path("/tmp").glob("seaweedfs-*.sock"))
    assert not other.alive()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    left = {p for p in set(Path("/tmp").glob("seaweedfs-*.sock")) - before}
    assert not {p for p in left if p.stem.rsplit("-", 1)[-1] in ours}
    # The session instance is untouched.
    assert seaweed.alive() and seaweed.s3_ready()
    other.stop()  # idempotent


def test_a_port_taken_meanwhile_is_re_picked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process grabs one of the chosen ports before weed binds it: start again."""
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy = int(blocker.getsockname()[1])
        real_pick = seaweed_module._pick_ports
        picked: list[seaweed_module.SeaweedPorts] = []

        def pick(host: str, s3_port: int | None) -> seaweed_module.SeaweedPorts:
            ports = real_pick(host, s3_port)
            if not picked:
                ports = dataclasses.replace(ports, filer=busy)
            picked.append(ports)
            return ports

        monkeypatch.setattr(seaweed_module, "_pick_ports", pick)
        with start_seaweed(tmp_path / "retry") as server:
            assert len(picked) == 2
            assert server.ports == picked[1]
            assert server.s3_ready()

        with pytest.raises(ProcessStartError, match="already in use"):
            start_seaweed(tmp_path / "fixed", s3_port=busy)
