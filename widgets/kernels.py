"""Server side: the kernel manager Voila runs with (``voila.json``), so that a kernel taken from a
warm pool is not culled before its page has connected.

Voila never culls a kernel that waits in its pool. Once a request takes it, jupyter_server's culler
judges it by its last activity, which for a notebook that finished in the pool can be hours ago;
a cull pass in the seconds between the request and the browser's websocket shut it down, and the
page stayed on "Loading widget...". Here each cull pass notes the kernels waiting in a pool, and a
kernel noted there that has since left is given fresh activity instead of being judged: it is
culled only if no browser uses it for a whole idle time-out after its page was requested.
"""

from __future__ import annotations

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager


class PoolAwareKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager whose culler counts a pooled kernel's idle time from when it
    leaves its pool. Voila wraps it with its pooling (``VoilaConfiguration.multi_kernel_manager_class``);
    without preheating it culls exactly like its base class."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._seen_in_pool: set[str] = set()

    def pooled_kernel_ids(self) -> set[str]:
        """The kernels waiting in a Voila pool now (their notebook has run)."""
        ids = set()
        for pool in getattr(self, "_pools", {}).values():  # set by Voila's VoilaKernelManager
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    ids.add(task.result()["kernel_id"])
        return ids

    async def cull_kernels(self):
        self._seen_in_pool = (self._seen_in_pool & set(self._kernels)) | self.pooled_kernel_ids()
        await super().cull_kernels()

    async def cull_kernel_if_idle(self, kernel_id):
        # Voila's subclass returns before calling this for a kernel still in a pool, so a kernel
        # seen in one at the start of the pass has left it since.
        if kernel_id in self._seen_in_pool:
            self._seen_in_pool.discard(kernel_id)
            self._kernels[kernel_id].last_activity = utcnow()
            self.log.info("Kernel %s has left its pool: its idle time starts now", kernel_id)
            return
        await super().cull_kernel_if_idle(kernel_id)
