"""The demo's settings keep every file of the filesystem broker under the run folder (kombu
put its exchange table in ./control, at the project's root, unless told otherwise)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PRINT_BROKER = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps([settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS]))"
)


def test_the_filesystem_broker_lives_under_the_run_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", ARBX_RUN_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", PRINT_BROKER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    url, options = json.loads(result.stdout.strip().splitlines()[-1])
    assert url == "filesystem://"
    folders = {key: Path(value) for key, value in options.items() if key.endswith("_folder")}
    folders["data_folder_in"] = Path(options["data_folder_in"])
    folders["data_folder_out"] = Path(options["data_folder_out"])
    assert set(folders) >= {"control_folder", "processed_folder", "data_folder_in"}
    for key, folder in folders.items():
        assert folder.is_relative_to(tmp_path), (key, folder)
        assert folder.is_dir(), key
