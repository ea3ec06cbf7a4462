"""A closed tab's kernel: ``PoolAwareKernelManager`` shuts a kernel down ``disconnect_timeout`` seconds
after its last browser connection closed, inside Voila's pooling class, without starting kernels."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

from traitlets import Unicode
from traitlets.config import Configurable
from voila.voila_kernel_manager import voila_kernel_manager_factory

from widgets.kernels import PoolAwareKernelManager


class FakeVoila(Configurable):
    root_dir = Unicode()
    notebook_path = Unicode(None, allow_none=True)


def run(scenario, tmp_path, timeout=0.3):
    """Run ``scenario(manager)`` on a fresh loop in a thread (Playwright may hold this one); return
    the ids the manager shut down."""
    out = {}

    async def main():
        cls = voila_kernel_manager_factory(PoolAwareKernelManager, preheat_kernel=True, default_pool_size=0)
        mgr = cls(parent=FakeVoila(root_dir=str(tmp_path)), disconnect_timeout=timeout)
        mgr.shut = []

        async def shutdown_kernel(kernel_id, *args, **kwargs):
            mgr.shut.append(kernel_id)
            del mgr._kernels[kernel_id]

        mgr.shutdown_kernel = shutdown_kernel
        for kernel_id in ("a", "b"):
            mgr._kernels[kernel_id] = SimpleNamespace()
            mgr._kernel_connections[kernel_id] = 0
        await scenario(mgr)
        return mgr.shut

    thread = threading.Thread(target=lambda: out.update(shut=asyncio.run(main())))
    thread.start()
    thread.join(30)
    return out["shut"]


def test_a_kernel_whose_tab_closed_is_shut_down_after_the_timeout(tmp_path):
    async def scenario(mgr):
        mgr.notify_connect("a")
        mgr.notify_connect("b")
        mgr.notify_disconnect("a")
        await asyncio.sleep(0.15)
        assert mgr.shut == []  # not before the timeout
        await asyncio.sleep(0.3)

    assert run(scenario, tmp_path) == ["a"]


def test_a_connection_that_comes_back_in_time_keeps_the_kernel(tmp_path):
    async def scenario(mgr):
        mgr.notify_connect("a")
        mgr.notify_disconnect("a")
        await asyncio.sleep(0.1)
        mgr.notify_connect("a")  # the page re-opened its websocket
        await asyncio.sleep(0.4)

    assert run(scenario, tmp_path) == []


def test_one_of_two_tabs_closing_keeps_the_kernel(tmp_path):
    async def scenario(mgr):
        mgr.notify_connect("a")
        mgr.notify_connect("a")
        mgr.notify_disconnect("a")
        await asyncio.sleep(0.4)

    assert run(scenario, tmp_path) == []


def test_off_by_default_then_only_the_culler_frees_kernels(tmp_path):
    async def scenario(mgr):
        mgr.notify_connect("a")
        mgr.notify_disconnect("a")
        await asyncio.sleep(0.4)

    assert run(scenario, tmp_path, timeout=0) == []
