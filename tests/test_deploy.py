"""The deployment files agree with each other and with voila.json: the tested hub
(deploy/jupyterhub/jupyterhub_config.py), the Kubernetes values written beside it (never deployed),
Binder's postBuild, and the configuration each student's Jupyter server loads."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config, PyFileConfigLoader

from widgets import NOTEBOOKS, ROOT
from widgets.serve import server_config

HUB = ROOT / "deploy" / "jupyterhub"
IMAGE_ROOT = Path("/srv/kit")  # where repo2docker --target-repo-dir puts the repository in the image


def _load(path: Path, **env: str) -> Config:
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def hub():
    return _load(HUB / "jupyterhub_config.py", KIT_HUB_PASSWORD="a-class-password")


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load((HUB / "values.yaml").read_text())


def test_each_students_server_gets_voila_json():
    voila = json.loads((ROOT / "voila.json").read_text())
    c = _load(HUB / "singleuser" / "jupyter_server_config.py")
    assert c.VoilaConfiguration.strip_sources is True
    assert c.VoilaConfiguration.show_tracebacks is False
    assert c.VoilaConfiguration.template == voila["VoilaConfiguration"]["template"]
    assert c.MappingKernelManager.cull_idle_timeout == voila["MappingKernelManager"]["cull_idle_timeout"] > 0
    assert c.MappingKernelManager.cull_interval == voila["MappingKernelManager"]["cull_interval"]
    assert c.VoilaExecutor.timeout == voila["VoilaExecutor"]["timeout"]
    assert "Reload the page" in c.VoilaExecutor.cell_error_instruction
    assert c.KernelManager.transport == voila["KernelManager"]["transport"]
    # the standalone app's address and its warm pools are not a Jupyter server's business
    assert "Voila" not in c and "preheat_kernel" not in c.VoilaConfiguration
    assert "multi_kernel_manager_class" not in c.VoilaConfiguration


def test_server_config_reads_the_file_it_is_given(tmp_path):
    path = tmp_path / "voila.json"
    path.write_text(json.dumps({"Voila": {"port": 1}, "MappingKernelManager": {"cull_idle_timeout": 7}}))
    c = Config()
    server_config(c, path)
    assert c.MappingKernelManager.cull_idle_timeout == 7 and "Voila" not in c


def test_the_hub_opens_the_gallery_through_voila_with_voila_json(hub):
    assert hub.Spawner.default_url == "/voila/render/index.ipynb"
    assert hub.Spawner.notebook_dir == str(NOTEBOOKS)
    assert (NOTEBOOKS / "index.ipynb").is_file()
    assert hub.Spawner.environment["JUPYTER_CONFIG_PATH"] == str(HUB / "singleuser")
    assert hub.JupyterHub.spawner_class == "simple"
    assert hub.JupyterHub.authenticator_class == "shared-password"
    assert hub.JupyterHub.ip == "127.0.0.1"


def test_the_hub_refuses_to_start_without_a_class_password():
    with pytest.raises(SystemExit):
        _load(HUB / "jupyterhub_config.py", KIT_HUB_PASSWORD="")


def test_kubernetes_values_mirror_the_tested_hub(hub, values):
    single = values["singleuser"]
    assert single["defaultUrl"] == hub.Spawner.default_url
    assert single["cmd"] == "jupyterhub-singleuser"
    image_path = lambda p: str(IMAGE_ROOT / Path(p).relative_to(ROOT))  # noqa: E731
    assert values["hub"]["config"]["Spawner"]["notebook_dir"] == image_path(hub.Spawner.notebook_dir)
    assert single["extraEnv"]["JUPYTER_CONFIG_PATH"] == image_path(hub.Spawner.environment["JUPYTER_CONFIG_PATH"])
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == hub.JupyterHub.authenticator_class
    assert values["cull"]["enabled"] is True
    assert f"--target-repo-dir {IMAGE_ROOT}" in (HUB / "values.yaml").read_text()


def test_binder_and_repo2docker_install_the_package_in_postbuild():
    """repo2docker installs environment.yml before it copies the repository in, so `-e .` cannot be
    in environment.yml (jupyterhub/repo2docker#1265); postBuild installs the package, which installs
    the Voila templates."""
    post_build = (ROOT / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post_build
    assert "cp " not in post_build  # the templates come with the package now
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert not any(entry.startswith("-e") for entry in pip)
