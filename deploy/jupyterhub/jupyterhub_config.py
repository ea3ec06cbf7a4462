"""JupyterHub for a class on one machine: every student gets a Jupyter server of their own that opens
the kit's gallery in Voila, with the kit's Voila settings (voila.json, applied by
``singleuser/jupyter_server_config.py``).

    KIT_HUB_PASSWORD=<class password, 8+ characters> .venv/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

then students open http://<this machine>:8000/ and log in with any name and the class password.
Tested by tests/browser/test_hub.py; the same setup on Kubernetes is in values.yaml beside this file.
"""

import os
import sys
from pathlib import Path

import widgets

HERE = Path(__file__).resolve().parent
c = get_config()  # noqa: F821 (JupyterHub's config loader defines it)

# Loopback unless the teacher opens it to the room (--ip=0.0.0.0, behind HTTPS on an untrusted network).
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = 8000
state = Path(os.environ.get("KIT_HUB_STATE", Path.cwd()))
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")

# One class password; a student picks a name. Insecure by design: students can open each other's
# servers with it. For a longer course use a real authenticator (OAuth, LDAP).
password = os.environ.get("KIT_HUB_PASSWORD", "")
if len(password) < 8:
    sys.exit("Set KIT_HUB_PASSWORD to a class password of 8 or more characters.")
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = password
c.Authenticator.allow_all = True

# Single-user servers as the hub's own Unix user, each with a home of its own.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = os.environ.get("KIT_HUB_HOMES", "/tmp/kit-hub") + "/{username}"
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = str(widgets.NOTEBOOKS)
c.Spawner.default_url = "/voila/render/index.ipynb"
runtime = os.environ.get("KIT_HUB_RUNTIME", "/tmp/kit-hub-run")
c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": str(HERE / "singleuser"),
    # voila.json reaches kernels over Unix sockets, whose paths must stay under 107 characters:
    # a short runtime directory rather than one deep in the student's home.
    "JUPYTER_RUNTIME_DIR": lambda spawner: f"{runtime}/{spawner.user.name}",
}
c.Spawner.args = ["--ServerApp.allow_root=True"] if os.getuid() == 0 else []
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120
# Stopping a server: SIGINT, then SIGTERM, then SIGKILL. A server killed before it has shut its
# kernels down leaves them running as orphans (seen in CI on a loaded 2-core machine with the
# defaults, 10 s and 5 s): give it time to stop them.
c.LocalProcessSpawner.interrupt_timeout = 30
c.LocalProcessSpawner.term_timeout = 30
