// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title The part of a Uniswap-V2-style pair that the executor uses
/// @notice Matches UniswapV2Pair 1.0.1 (and its forks that keep the same ABI).
interface IUniswapV2Pair {
    /// @notice The pair's lower-addressed token.
    function token0() external view returns (address);

    /// @notice The pair's higher-addressed token.
    function token1() external view returns (address);

    /// @notice The reserves as of the last `Sync`, and the timestamp of that update.
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);

    /// @notice Sends the requested amounts to `to`, calls `uniswapV2Call` on `to` when `data` is not empty,
    ///         then requires the balances to satisfy the constant-product check with the 0.3 % fee.
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}
