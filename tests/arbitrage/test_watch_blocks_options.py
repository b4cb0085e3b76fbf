"""The block watcher's fast lane follows ARBX_FAST_LANE unless the command line says."""

from __future__ import annotations

from arbitrage.management.commands.watch_blocks import Command


def _fast_lane(*argv: str) -> bool:
    parser = Command().create_parser("manage.py", "watch_blocks")
    return bool(parser.parse_args(["--chain-id", "31337", *argv]).fast_lane)


def test_the_fast_lane_is_off_by_default(settings):
    settings.ARBX_FAST_LANE = False
    assert _fast_lane() is False
    assert _fast_lane("--fast-lane") is True


def test_the_setting_turns_it_on_and_the_command_line_off(settings):
    settings.ARBX_FAST_LANE = True
    assert _fast_lane() is True
    assert _fast_lane("--no-fast-lane") is False
