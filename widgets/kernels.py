"""Server side: the kernel manager Voila runs with (``voila.json``), so that a kernel taken from a
warm pool is not culled before its page has connected, and a closed tab's kernel is freed soon.

Voila never culls a kernel that waits in its pool. Once a request takes it, jupyter_server's culler
judges it by its last activity, which for a notebook that finished in the pool can be hours ago;
a cull pass in the seconds between the request and the browser's websocket shut it down, and the
page stayed on "Loading widget...". Here each cull pass notes the kernels waiting in a pool, and a
kernel noted there that has since left is given fresh activity instead of being judged: it is
culled only if no browser uses it for a whole idle time-out after its page was requested.

A closed tab: Voila's front ends ask ``/voila/api/shutdown/<kernel>`` on leaving, which standalone
Voila refuses (403, it sets no ``_xsrf`` cookie), so the kernel waited for the culler. Here a kernel
whose last browser connection closes is shut down ``disconnect_timeout`` seconds later unless a
browser connects again (a dropped connection that the page re-opens in time keeps its kernel).

It also bounds every wait on a kernel's channels in the server (``compat.bound_channel_waits``): a
notebook that prints into an ``ipywidgets.Output`` while Voila runs it could otherwise stop the page
for the cell's whole time-out.
"""

from __future__ import annotations

import asyncio

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float

from .compat import bound_channel_waits, kernel_connections, pooled_kernel_ids, utcnow


class PoolAwareKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager whose culler counts a pooled kernel's idle time from when it
    leaves its pool. Voila wraps it with its pooling (``VoilaConfiguration.multi_kernel_manager_class``);
    without preheating it culls exactly like its base class."""

    disconnect_timeout = Float(0, config=True, help=(
        "Shut a kernel down this many seconds after the last browser connection to it closed, "
        "unless one connects again. 0: leave it to the idle culler."))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Voila runs each notebook through jupyter_client channels in this process: a cell's reply
        # whose wake-up is lost costs a fraction of a second, not the cell's time-out (compat.py)
        bound_channel_waits()
        self._seen_in_pool: set[str] = set()
        self._left: dict[str, asyncio.TimerHandle] = {}

    def notify_connect(self, kernel_id):
        super().notify_connect(kernel_id)
        timer = self._left.pop(kernel_id, None)
        if timer is not None:
            timer.cancel()

    def notify_disconnect(self, kernel_id):
        super().notify_disconnect(kernel_id)
        if self.disconnect_timeout > 0 and kernel_connections(self, kernel_id) == 0:
            if kernel_id in self._left:
                self._left.pop(kernel_id).cancel()
            self._left[kernel_id] = asyncio.get_running_loop().call_later(
                self.disconnect_timeout, lambda: asyncio.ensure_future(self._shutdown_if_left(kernel_id)))

    async def _shutdown_if_left(self, kernel_id):
        self._left.pop(kernel_id, None)
        if kernel_id in self._kernels and kernel_connections(self, kernel_id, 0) == 0:
            self.log.info("Kernel %s: no browser for %.0f s, shutting it down", kernel_id,
                          self.disconnect_timeout)
            await self.shutdown_kernel(kernel_id)

    def pooled_kernel_ids(self) -> set[str]:
        """The kernels waiting in a Voila pool now (their notebook has run)."""
        return pooled_kernel_ids(self)

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
