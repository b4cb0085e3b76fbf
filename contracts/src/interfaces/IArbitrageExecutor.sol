// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IUniswapV2Callee} from "./IUniswapV2Callee.sol";

/// @title ArbitrageX Plus atomic cycle executor
/// @notice Runs a cycle of Uniswap-V2-style pairs in one transaction: it borrows the first hop's output with a
///         flash swap, swaps along the cycle, repays the first pair in the start token and keeps the rest.
///         The whole transaction reverts unless the contract's balance of the start token grew by at least
///         `minProfit`.
interface IArbitrageExecutor is IUniswapV2Callee {
    // ---------------------------------------------------------------- events

    /// @notice One successful execution.
    /// @param caller The owner or allowed executor that started it.
    /// @param startToken The token the cycle starts and ends in; the profit is denominated in it.
    /// @param firstPair The pair that lent the first hop's output (flash swap) and was repaid.
    /// @param hops The number of pairs in the cycle.
    /// @param amountIn The amount of `startToken` repaid to `firstPair`, i.e. the cycle's input.
    /// @param profit The exact increase of this contract's `startToken` balance.
    event CycleExecuted(
        address indexed caller,
        address indexed startToken,
        address indexed firstPair,
        uint256 hops,
        uint256 amountIn,
        uint256 profit
    );

    /// @notice `account` was allowed (`allowed` true) or disallowed to call `execute`.
    event ExecutorSet(address indexed account, bool allowed);

    /// @notice The owner proposed `newOwner`; it becomes the owner when it calls `acceptOwnership`.
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);

    /// @notice The owner changed.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The owner took `amount` of `token` (the zero address for the native coin) out to `to`.
    event Withdrawn(address indexed token, address indexed to, uint256 amount);

    // ---------------------------------------------------------------- errors

    /// @notice The caller is neither the owner nor an allowed executor (or not the owner, for owner functions).
    error Unauthorized(address caller);

    /// @notice The current block is past the deadline block.
    error DeadlinePassed(uint256 deadlineBlock, uint256 currentBlock);

    /// @notice A cycle needs between 2 and MAX_HOPS pairs.
    error InvalidCycleLength(uint256 hops);

    /// @notice `pairs`, `zeroForOne` and `feesPpm` must have the same length.
    error HopLengthMismatch();

    /// @notice The input amount is zero.
    error ZeroAmountIn();

    /// @notice A hop's fee must be below 1,000,000 parts per million.
    error InvalidFee(uint256 hop, uint256 feePpm);

    /// @notice The first pair's input token is not the declared start token.
    error StartTokenMismatch(address startToken, address firstPairTokenIn);

    /// @notice A hop would receive nothing or pay out nothing (empty pool, dust input, or a pair that sent a
    ///         token other than the next hop's input).
    error ZeroAmountOut(uint256 hop);

    /// @notice The cycle's gain in the start token is below `minProfit` (`profit` may be negative).
    error InsufficientProfit(int256 profit, uint256 minProfit);

    /// @notice The first pair received less than it lent against: the start token takes a fee on transfer,
    ///         which a flash-swap repayment cannot cover.
    error RepaymentShortfall(address pair, uint256 required, uint256 received);

    /// @notice `uniswapV2Call` came from a swap that this contract did not start.
    error UntrustedInitiator(address sender);

    /// @notice `uniswapV2Call` came from an address that is not the pair the current execution is waiting for.
    error UnexpectedCallback(address caller);

    /// @notice The first pair returned from `swap` without calling `uniswapV2Call`.
    error CallbackNotReceived(address pair);

    /// @notice A state-changing function was entered again during an execution or withdrawal.
    error Reentrancy();

    /// @notice A token transfer reverted, returned false, or the token has no code.
    error TransferFailed(address token, address to, uint256 amount);

    /// @notice A native-coin transfer failed.
    error NativeTransferFailed(address to, uint256 amount);

    /// @notice The zero address is not allowed here.
    error ZeroAddress();

    // ---------------------------------------------------------------- execution

    /// @notice Executes one arbitrage cycle atomically, with no inventory: the first pair's output is borrowed
    ///         (flash swap) and repaid with `amountIn` of `startToken` out of the cycle's final output.
    /// @dev Each hop's amount out is computed on-chain with the exact constant-product formula
    ///      `out = in*(1e6-fee)*rOut / (rIn*1e6 + in*(1e6-fee))` from the pair's current reserves, where `in` is
    ///      what the pair actually received (so fee-on-transfer intermediate tokens work). For a real Uniswap V2
    ///      pair pass 3000. Only the owner or an allowed executor may call it.
    /// @param pairs The cycle's pairs, in order; the last one pays out `startToken`.
    /// @param zeroForOne Per hop: true when the hop sells the pair's token0 for its token1.
    /// @param feesPpm Per hop: the pair's swap fee in parts per million (3000 = 0.3 %).
    /// @param startToken The input token of the first hop, in which the profit is made and kept.
    /// @param amountIn The first hop's input amount, repaid to the first pair.
    /// @param minProfit The least acceptable increase of this contract's `startToken` balance.
    /// @param deadlineBlock The last block number in which the execution may be included.
    /// @return profit The exact increase of this contract's `startToken` balance.
    function execute(
        address[] calldata pairs,
        bool[] calldata zeroForOne,
        uint24[] calldata feesPpm,
        address startToken,
        uint256 amountIn,
        uint256 minProfit,
        uint256 deadlineBlock
    ) external returns (uint256 profit);

    // ---------------------------------------------------------------- administration

    /// @notice Allows or disallows `account` to call `execute`. Owner only.
    /// @param account The executor account (a hot wallet of the execution service).
    /// @param allowed True to allow, false to revoke.
    function setExecutor(address account, bool allowed) external;

    /// @notice Sends `amount` of `token` held by this contract to `to`: withdraws profits and rescues any
    ///         token sent here by mistake. Owner only.
    /// @param token The ERC20 token.
    /// @param to The recipient.
    /// @param amount The amount to send.
    function withdraw(address token, address to, uint256 amount) external;

    /// @notice Sends `amount` of the native coin held by this contract (which can arrive only by force,
    ///         e.g. as a block reward) to `to`. Owner only.
    /// @param to The recipient.
    /// @param amount The amount in wei.
    function withdrawNative(address payable to, uint256 amount) external;

    /// @notice Proposes `newOwner` as owner; it takes over when it calls `acceptOwnership`. Owner only.
    ///         Proposing the zero address cancels a pending transfer.
    /// @param newOwner The proposed owner.
    function transferOwnership(address newOwner) external;

    /// @notice Completes an ownership transfer. Callable only by the pending owner.
    function acceptOwnership() external;

    // ---------------------------------------------------------------- views

    /// @notice The account that administers the contract and may withdraw.
    function owner() external view returns (address);

    /// @notice The account proposed by `transferOwnership`, or zero.
    function pendingOwner() external view returns (address);

    /// @notice Whether `account` may call `execute` (the owner always may).
    /// @param account The account to check.
    function isExecutor(address account) external view returns (bool);

    /// @notice The largest number of hops a cycle may have.
    function MAX_HOPS() external view returns (uint256);

    /// @notice The fee denominator: fees are in parts per million.
    function FEE_DENOMINATOR() external view returns (uint256);
}
