// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Exact constant-product swap arithmetic
/// @notice The integer formula every Uniswap-V2-style pair enforces, with the fee in parts per million so that
///         pools with other fees use the same code. With `feePpm == 3000` it equals UniswapV2Library.getAmountOut
///         to the wei (numerator and denominator are both scaled by 1000).
library ConstantProduct {
    /// @notice Fees are expressed in parts per million.
    uint256 internal constant FEE_DENOMINATOR = 1_000_000;

    /// @notice The largest output a pair pays for `amountIn`, rounded down as the pair's invariant check requires.
    /// @dev Reverts (checked arithmetic) only for inputs no real pair could hold; a zero reserve gives zero.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut, uint256 feePpm)
        internal
        pure
        returns (uint256)
    {
        uint256 amountInWithFee = amountIn * (FEE_DENOMINATOR - feePpm);
        uint256 denominator = reserveIn * FEE_DENOMINATOR + amountInWithFee;
        if (denominator == 0) return 0;
        return (amountInWithFee * reserveOut) / denominator;
    }
}
