"""The RPC client against anvil and against a node that refuses wide log ranges."""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from arbitrage.chain import abi
from arbitrage.chain.client import ChainClient, ChainMismatchError, ChainRpcError
from arbitrage.chain.registry import client_for_chain, client_for_chain_pk, clients_reset
from arbitrage.localnet.anvil import free_port
from arbitrage.services.market import chain_upsert

pytestmark = pytest.mark.integration

MAX_RANGE = 5


class _RangeLimitedProxy(BaseHTTPRequestHandler):
    """Forwards JSON-RPC to anvil but refuses eth_getLogs over more than MAX_RANGE blocks,
    as hosted nodes do."""

    upstream = ""
    refused = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = json.loads(body)
        if isinstance(request, dict) and request.get("method") == "eth_getLogs":
            params = request["params"][0]
            span = int(params["toBlock"], 16) - int(params["fromBlock"], 16) + 1
            if span > MAX_RANGE:
                type(self).refused += 1
                error = {"code": -32005, "message": f"query exceeds max block range {MAX_RANGE}"}
                self._reply({"jsonrpc": "2.0", "id": request["id"], "error": error})
                return
        forwarded = urllib.request.Request(  # noqa: S310 - loopback
            self.upstream, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(forwarded, timeout=10) as response:  # noqa: S310
            self._reply(json.loads(response.read()))

    def _reply(self, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def limited_node(anvil):
    _RangeLimitedProxy.upstream = anvil.url
    _RangeLimitedProxy.refused = 0
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _RangeLimitedProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_refused_log_range_is_halved_until_the_node_accepts(market, anvil, limited_node):
    direct = ChainClient(anvil.url)
    head = direct.block_number()
    expected = direct.get_logs(address=None, topics=[abi.SYNC], from_block=0, to_block=head)
    limited = ChainClient(limited_node)
    logs = limited.get_logs(
        address=None, topics=[abi.SYNC], from_block=0, to_block=head, max_range=2000
    )
    assert _RangeLimitedProxy.refused > 0
    assert [(log["blockNumber"], log["logIndex"]) for log in logs] == [
        (log["blockNumber"], log["logIndex"]) for log in expected
    ]
    assert len(logs) >= len(market.pairs)


def test_an_unreachable_node_is_a_clear_rpc_error():
    client = ChainClient(f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(ChainRpcError, match="RPC eth_blockNumber failed"):
        client.block_number()


@pytest.mark.django_db
def test_the_chain_id_is_checked_against_the_chain_row(anvil):
    clients_reset()
    wrong = chain_upsert(chain_id=1, name="mainnet?", rpc_urls=[anvil.url])
    with pytest.raises(ChainMismatchError, match="serves chain 31337, not chain 1"):
        client_for_chain(wrong)
    clients_reset()


@pytest.mark.django_db
def test_the_client_by_primary_key_is_the_chains_own(anvil, django_assert_num_queries):
    clients_reset()
    chain = chain_upsert(chain_id=31337, name="anvil", rpc_urls=[anvil.url])
    with django_assert_num_queries(1):  # the row, to make the client
        first = client_for_chain_pk(chain.pk)
    with django_assert_num_queries(0):  # then no query at all
        assert client_for_chain_pk(chain.pk) is first
    assert client_for_chain(chain) is first
    assert first.chain_id() == 31337
    clients_reset()


def test_token_text_is_read_from_strings_and_bytes32():
    from eth_abi.abi import encode

    assert abi.decode_text(encode(["string"], ["USDC"])) == "USDC"
    assert abi.decode_text(b"MKR".ljust(32, b"\0")) == "MKR"
    assert abi.decode_text(None) == ""
    assert abi.decode_text(b"\x01\x02") == ""


@pytest.mark.django_db
def test_the_chains_client_uses_every_rpc_url_in_order(anvil):
    clients_reset()
    dead = f"http://127.0.0.1:{free_port()}"
    chain = chain_upsert(chain_id=31337, name="anvil", rpc_urls=[dead, anvil.url])
    client = client_for_chain(chain)  # the dead one is not checked yet, the live one is
    assert [e.url for e in client.endpoints] == [dead, anvil.url]
    assert client.block_number() >= 0
    assert client.url == anvil.url
    clients_reset()


def test_an_endpoint_serving_another_chain_is_refused(anvil):
    from arbitrage.localnet.anvil import Anvil

    with Anvil(chain_id=4242) as other:
        client = ChainClient([anvil.url, other.url])
        with pytest.raises(ChainMismatchError, match="serves chain 4242, not chain 31337"):
            client.check_chain_id(31337)


def test_a_revert_in_a_batch_is_none_and_a_json_rpc_answer_is_not_retried(market, client):
    results, unknown = client.call_batch_partial(
        [(market.executor, bytes.fromhex("deadbeef")), (market.pairs[0].address, abi.GET_RESERVES)]
    )
    assert results[0] is None
    assert abi.decode_reserves(results[1]) is not None
    assert unknown == set()
    assert client.stats.batch_retries == 0


@pytest.mark.django_db
def test_a_configuration_change_keeps_the_client_unless_its_endpoints_changed(anvil):
    clients_reset(forget=True)
    chain = chain_upsert(chain_id=31337, name="anvil", rpc_urls=[anvil.url])
    first = client_for_chain(chain)
    clients_reset()  # what every configuration change runs
    assert client_for_chain_pk(chain.pk) is first  # circuits and heads kept, no new check
    clients_reset()
    chain.rpc_urls = [anvil.url, anvil.url.replace("127.0.0.1", "localhost")]
    chain.save(update_fields=["rpc_urls"])
    second = client_for_chain_pk(chain.pk)
    assert second is not first
    assert [e.url for e in second.endpoints] == chain.rpc_urls
    clients_reset(forget=True)
