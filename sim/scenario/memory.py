"""How much memory a run will need, estimated before anything is allocated.

The scenario check refuses a market that would not fit in this machine's available memory
(:func:`estimate_bytes` against :func:`available_memory`), with the message at
``market.customers``. The per-customer figures come from ``benchmarks/memory.py``; the
network's from :func:`sim.network.network_bytes_estimate`.
"""

from __future__ import annotations

import os

from sim.network import network_bytes_estimate

__all__ = ["BYTES_PER_CUSTOMER", "BYTES_PER_CUSTOMER_FIRM", "available_memory", "estimate_bytes"]

BYTES_PER_CUSTOMER_FIRM = 80
"""Bytes per customer and firm slot: state, persistent draws and per-period transients
(benchmarks/memory.py measured about 62 held plus transients; this keeps a margin)."""
BYTES_PER_CUSTOMER = 280
"""Per-customer parameter, work-buffer and transient bytes, excluding the network
(benchmarks/memory.py measured about 150 held plus per-period transients)."""


def estimate_bytes(customers: int, firms: int, network_kind: str, degree: int) -> int:
    """Upper estimate of a run's peak memory (bytes), computed before anything is allocated."""
    state = customers * (BYTES_PER_CUSTOMER + BYTES_PER_CUSTOMER_FIRM * firms)
    return int(state + network_bytes_estimate(network_kind, customers, degree)) + 150 * 2**20


def available_memory() -> int | None:
    """Bytes of memory this process may use (MemAvailable, else physical), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None

