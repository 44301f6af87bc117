"""Ports handed to test servers: below the kernel's ephemeral range, distinct, and free."""

from __future__ import annotations

import socket

from tests.support.stack import free_offset
from webbscope.devstack.process import (
    ProcessStartError,
    ephemeral_floor,
    free_port,
    port_bindable,
    port_clash,
)
from webbscope.devstack.stack import BASE_PORTS


def test_free_ports_are_distinct_bindable_and_below_the_ephemeral_range() -> None:
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert all(1024 < p < ephemeral_floor() for p in ports)
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports[0]))  # free when handed out


def test_a_held_port_is_not_bindable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert not port_bindable("127.0.0.1", s.getsockname()[1])
    assert port_bindable("127.0.0.1", free_port())


def test_every_stack_port_stays_below_the_ephemeral_range_and_apart_from_free_ports() -> None:
    for _ in range(50):
        offset = free_offset()
        ports = [p + offset for p in BASE_PORTS.values()]
        assert all(1024 < p < ephemeral_floor() for p in ports)
        assert not any(14_000 <= p < 28_000 for p in ports)


def test_a_port_taken_before_the_server_bound_is_recognised() -> None:
    log = "engine exited with code 3 while starting:\n[Errno 98] error while attempting to bind"
    assert port_clash(ProcessStartError(log + " on address: address already in use"))
    assert not port_clash(ProcessStartError("engine exited with code 3: ImportError: numpy"))
