// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title The two ERC20 functions the executor uses
/// @dev `transfer` is called at low level (see ArbitrageExecutor._safeTransfer) so that tokens which
///      return nothing are accepted and tokens which return false are rejected.
interface IERC20Minimal {
    /// @notice The token balance of `account`.
    function balanceOf(address account) external view returns (uint256);

    /// @notice Moves `amount` tokens from the caller to `to`.
    function transfer(address to, uint256 amount) external returns (bool);
}
