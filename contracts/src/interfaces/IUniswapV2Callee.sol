// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title The flash-swap callback of Uniswap-V2-style pairs
interface IUniswapV2Callee {
    /// @notice Called by a pair during `swap` on the recipient of the output when `data` is not empty.
    /// @param sender The account that called `swap` on the pair.
    /// @param amount0 The amount of token0 the pair sent out.
    /// @param amount1 The amount of token1 the pair sent out.
    /// @param data The bytes passed to `swap`, unchanged.
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external;
}
