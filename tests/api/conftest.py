import pytest

from tests.personas import _fresh_throttles_and_roles, api_as, personas  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    # The test settings' SECRET_KEY (which signs test JWTs) is short on purpose; production
    # requires a 50-character JWT_SIGNING_KEY.
    config.addinivalue_line("filterwarnings", "ignore::jwt.warnings.InsecureKeyLengthWarning")
