"""Compiled contracts: the real Uniswap V2 artifacts from npm and our executor from forge.

Nothing here is a hand-written copy of an ABI: the executor's comes from `forge build`
(contracts/out), Uniswap's from the npm packages the build installs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str  # 0x-prefixed creation code


class ArtifactMissingError(FileNotFoundError):
    pass


def _contracts_dir() -> Path:
    return Path(settings.ARBX_CONTRACTS_DIR)


def _load(path: Path, name: str) -> Artifact:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ArtifactMissingError(
            f"{path} is missing: run `make contracts` (npm packages) and `forge build`"
        ) from None
    bytecode = data.get("bytecode")
    if isinstance(bytecode, dict):  # forge: {"object": "0x..."}
        bytecode = bytecode.get("object", "")
    if not bytecode:
        bytecode = data.get("evm", {}).get("bytecode", {}).get("object", "")
    bytecode = str(bytecode)
    if bytecode and not bytecode.startswith("0x"):
        bytecode = "0x" + bytecode
    return Artifact(name=name, abi=list(data["abi"]), bytecode=bytecode)


@cache
def uniswap(name: str) -> Artifact:
    """UniswapV2Factory, UniswapV2Pair, ERC20 (core); UniswapV2Router02, WETH9, DeflatingERC20."""
    node_modules = _contracts_dir() / "node_modules" / "@uniswap"
    for package in ("v2-core", "v2-periphery"):
        path = node_modules / package / "build" / f"{name}.json"
        if path.is_file():
            return _load(path, name)
    raise ArtifactMissingError(
        f"no Uniswap artifact {name} under {node_modules}: run `make contracts`"
    )


@cache
def forge(name: str) -> Artifact:
    """A contract of ours, as `forge build` wrote it to contracts/out."""
    return _load(_contracts_dir() / "out" / f"{name}.sol" / f"{name}.json", name)


def executor() -> Artifact:
    return forge("ArbitrageExecutor")


@cache
def runtime_code(name: str) -> str:
    """The deployed (runtime) bytecode of one of our contracts, for eth_call state overrides."""
    path = _contracts_dir() / "out" / f"{name}.sol" / f"{name}.json"
    data = json.loads(path.read_text())
    code = str(data["deployedBytecode"]["object"])
    return code if code.startswith("0x") else "0x" + code


def anvil_binary() -> Path:
    return _contracts_dir() / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
