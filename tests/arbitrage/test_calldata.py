"""The executor's calldata, encoded directly with eth_abi, is byte for byte what web3.py's
contract object encodes from the same ABI."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from web3 import Web3

from arbitrage.chain.artifacts import executor
from arbitrage.chain.contracts import CycleCall, execute_calldata

addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())


@st.composite
def cycle_calls(draw: st.DrawFn) -> CycleCall:
    hops = draw(st.integers(min_value=2, max_value=4))
    return CycleCall(
        pairs=draw(st.lists(addresses, min_size=hops, max_size=hops)),
        zero_for_one=draw(st.lists(st.booleans(), min_size=hops, max_size=hops)),
        fees_ppm=draw(st.lists(st.integers(0, 999_999), min_size=hops, max_size=hops)),
        start_token=draw(addresses),
        amount_in=draw(st.integers(1, 2**112 - 1)),
        min_profit=draw(st.integers(1, 2**128)),
        deadline_block=draw(st.integers(0, 2**63)),
    )


@settings(max_examples=200, deadline=None)
@given(cycle_calls())
def test_direct_encoding_matches_web3(call: CycleCall) -> None:
    reference = Web3().eth.contract(abi=executor().abi).encode_abi("execute", args=call.args())
    assert execute_calldata(call) == reference
