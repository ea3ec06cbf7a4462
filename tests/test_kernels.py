"""The culler and Voila's warm pools, without starting kernels: jupyter_server's culling code and
Voila's pooling class run for real on kernel records whose last activity we set."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Unicode
from traitlets.config import Configurable
from voila.voila_kernel_manager import voila_kernel_manager_factory

from widgets.kernels import PoolAwareKernelManager

HOUR = timedelta(hours=1)


def run(coroutine):
    """``asyncio.run`` in a thread of its own: the browser tests' Playwright keeps a loop running in
    this one."""
    out = {}
    thread = threading.Thread(target=lambda: out.update(result=asyncio.run(coroutine)))
    thread.start()
    thread.join(60)
    return out["result"]


class FakeVoila(Configurable):
    """What Voila's pooling manager reads from its parent (no notebooks, so no pool is filled)."""

    root_dir = Unicode()
    notebook_path = Unicode(None, allow_none=True)


def record(idle: timedelta) -> SimpleNamespace:
    return SimpleNamespace(execution_state="idle", kernel_name="python3", last_activity=utcnow() - idle,
                           kernel_spec=SimpleNamespace(metadata={}))


def pooled(kernel_id: str) -> asyncio.Future:
    done = asyncio.get_running_loop().create_future()
    done.set_result({"kernel_id": kernel_id})
    return done


def manager(base, tmp_path, preheat=True):
    cls = voila_kernel_manager_factory(base, preheat_kernel=preheat, default_pool_size=0)
    mgr = cls(parent=FakeVoila(root_dir=str(tmp_path)), cull_idle_timeout=600, cull_interval=60)
    mgr.culled = []

    async def shutdown_kernel(kernel_id, *args, **kwargs):
        mgr.culled.append(kernel_id)
        del mgr._kernels[kernel_id]

    mgr.shutdown_kernel = shutdown_kernel
    return mgr


async def hand_out_a_pooled_kernel(base, tmp_path):
    """A lesson's kernel waited an hour in its pool, a request takes it, then the culler passes
    before the browser connects. An ordinary kernel idle for an hour is the control."""
    mgr = manager(base, tmp_path)
    mgr._kernels.update(pooled_kernel=record(HOUR), idle_kernel=record(HOUR))
    mgr._pools["lesson.ipynb"] = [pooled("pooled_kernel")]
    await mgr.cull_kernels()
    first = list(mgr.culled)
    mgr._pools["lesson.ipynb"].pop(0)  # Voila's get_rendered_notebook: the page was requested
    await mgr.cull_kernels()
    return mgr, first


@pytest.mark.parametrize("base", [AsyncMappingKernelManager, PoolAwareKernelManager])
def test_kernels_waiting_in_a_pool_are_never_culled(base, tmp_path):
    async def scenario():
        _, first = await hand_out_a_pooled_kernel(base, tmp_path)
        return first

    assert run(scenario()) == ["idle_kernel"]


def test_jupyter_servers_culler_alone_shuts_down_a_kernel_just_taken_from_its_pool(tmp_path):
    """The race this module exists for: the page has been requested, the browser is still loading."""
    mgr, _ = run(hand_out_a_pooled_kernel(AsyncMappingKernelManager, tmp_path))
    assert mgr.culled == ["idle_kernel", "pooled_kernel"]


def test_a_kernel_taken_from_its_pool_gets_a_whole_idle_timeout(tmp_path):
    mgr, _ = run(hand_out_a_pooled_kernel(PoolAwareKernelManager, tmp_path))
    assert mgr.culled == ["idle_kernel"]
    assert utcnow() - mgr._kernels["pooled_kernel"].last_activity < timedelta(seconds=5)


def test_a_kernel_no_browser_ever_used_is_culled_one_timeout_after_it_left_its_pool(tmp_path):
    async def scenario():
        mgr, _ = await hand_out_a_pooled_kernel(PoolAwareKernelManager, tmp_path)
        mgr.cull_idle_timeout = 1
        await asyncio.sleep(0.5)
        await mgr.cull_kernels()
        early = list(mgr.culled)
        await asyncio.sleep(0.7)
        await mgr.cull_kernels()
        return early, mgr.culled

    early, late = run(scenario())
    assert early == ["idle_kernel"]
    assert late == ["idle_kernel", "pooled_kernel"]


def test_without_preheating_it_culls_like_jupyter_server(tmp_path):
    mgr = manager(PoolAwareKernelManager, tmp_path, preheat=False)
    mgr._kernels.update(old=record(HOUR), recent=record(timedelta(seconds=10)))
    run(mgr.cull_kernels())
    assert mgr.culled == ["old"]
