"""Every environment variable the settings read is documented in .env.example."""

from __future__ import annotations

import re

from tests.conftest import ROOT

READ = re.compile(r"env\.(?:str|int|bool|list|db|path|float)\(\s*\"([A-Z0-9_]+)\"")


def test_every_variable_read_by_the_settings_is_in_env_example():
    documented = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    read = {
        name for path in (ROOT / "config").rglob("*.py") for name in READ.findall(path.read_text())
    }
    assert read, "the pattern found no variables: it is out of date"
    assert read - documented == set()
