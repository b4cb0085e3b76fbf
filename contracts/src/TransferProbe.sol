// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Measures what a token transfer really delivers, without sending anything
/// @notice Never deployed: the sync service runs it with `eth_call`, placing this code at the
///         address of a pool that holds the token (a state override). The transfer then comes
///         from the pool's real balance, and nothing is written because it is only a call.
///         A token that delivers less than it was asked to move takes a fee on transfer.
contract TransferProbe {
    /// @notice Moves `amount` of `token` from this address to `to` and reports what arrived.
    /// @param token The token to probe.
    /// @param to Any address other than this one.
    /// @param amount How much to move (at most this address's balance).
    /// @return received The increase of `to`'s balance.
    function probe(address token, address to, uint256 amount) external returns (uint256 received) {
        uint256 before = _balanceOf(token, to);
        (bool ok, bytes memory data) = token.call(abi.encodeWithSelector(0xa9059cbb, to, amount));
        require(ok && (data.length == 0 || abi.decode(data, (bool))), "transfer failed");
        received = _balanceOf(token, to) - before;
    }

    function _balanceOf(address token, address owner) private view returns (uint256) {
        (bool ok, bytes memory data) = token.staticcall(abi.encodeWithSelector(0x70a08231, owner));
        require(ok && data.length >= 32, "balanceOf failed");
        return abi.decode(data, (uint256));
    }
}
