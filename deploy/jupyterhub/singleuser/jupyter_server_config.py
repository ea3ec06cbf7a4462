"""A student's Jupyter server under the hub (or on Kubernetes): the kit's voila.json, applied to the
Voila server extension and to the server's kernels (stripped sources, hidden tracebacks, the
executor's time-outs, idle kernels culled). Found through JUPYTER_CONFIG_PATH, set by the hub."""

from widgets.serve import server_config

server_config(get_config())  # noqa: F821 (the config loader defines get_config)
