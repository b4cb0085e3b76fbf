// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IArbitrageExecutor} from "./interfaces/IArbitrageExecutor.sol";
import {IERC20Minimal} from "./interfaces/IERC20Minimal.sol";
import {IUniswapV2Callee} from "./interfaces/IUniswapV2Callee.sol";
import {IUniswapV2Pair} from "./interfaces/IUniswapV2Pair.sol";
import {ConstantProduct} from "./libraries/ConstantProduct.sol";

/// @title ArbitrageX Plus atomic cycle executor
/// @notice See IArbitrageExecutor. Security model, in short:
///         - only the owner or an allowed executor starts an execution; only the owner withdraws;
///         - the flash-swap callback is accepted only from the pair the running execution called, and only for a
///           swap this contract started (transient storage, cleared on first use);
///         - one execution or withdrawal at a time (transient reentrancy lock);
///         - the contract never approves anyone, so no pair or token can pull its funds;
///         - every amount is measured from balances, never assumed, and the result is checked against the
///           start-token balance before and after: a cycle either gains at least `minProfit` or reverts whole.
contract ArbitrageExecutor is IArbitrageExecutor {
    /// @inheritdoc IArbitrageExecutor
    uint256 public constant MAX_HOPS = 8;

    /// @inheritdoc IArbitrageExecutor
    uint256 public constant FEE_DENOMINATOR = ConstantProduct.FEE_DENOMINATOR;

    /// @inheritdoc IArbitrageExecutor
    address public owner;

    /// @inheritdoc IArbitrageExecutor
    address public pendingOwner;

    /// @inheritdoc IArbitrageExecutor
    mapping(address account => bool allowed) public isExecutor;

    /// @dev Set during `execute` and `withdraw*`.
    bool private transient _locked;

    /// @dev The pair whose flash-swap callback the running execution waits for; zero otherwise.
    address private transient _expectedPair;

    /// @dev Measured by `execute` right before the flash swap, read by `uniswapV2Call`.
    address private transient _borrowedToken;
    uint256 private transient _borrowedBalanceBefore;
    uint256 private transient _startBalanceBefore;
    uint256 private transient _firstReserveIn;

    /// @dev The arguments of `execute` in their ABI order. `execute`'s `msg.data[4:]` is exactly this struct's
    ///      encoding; it is what the first pair hands back to `uniswapV2Call` as `data`, and both functions read
    ///      it in place (no copy into memory), which keeps the per-execution overhead low.
    struct CycleArgs {
        address[] pairs;
        bool[] zeroForOne;
        uint24[] feesPpm;
        address startToken;
        uint256 amountIn;
        uint256 minProfit;
        uint256 deadlineBlock;
    }

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert Unauthorized(msg.sender);
        _;
    }

    /// @param initialOwner The account that administers the contract and withdraws the profits.
    constructor(address initialOwner) {
        if (initialOwner == address(0)) revert ZeroAddress();
        owner = initialOwner;
        emit OwnershipTransferred(address(0), initialOwner);
    }

    // ---------------------------------------------------------------- execution

    /// @inheritdoc IArbitrageExecutor
    function execute(
        address[] calldata pairs,
        bool[] calldata zeroForOne,
        uint24[] calldata feesPpm,
        address startToken,
        uint256 amountIn,
        uint256 minProfit,
        uint256 deadlineBlock
    ) external nonReentrant returns (uint256 profit) {
        if (msg.sender != owner && !isExecutor[msg.sender]) revert Unauthorized(msg.sender);
        if (block.number > deadlineBlock) revert DeadlinePassed(deadlineBlock, block.number);
        uint256 hops = pairs.length;
        if (hops < 2 || hops > MAX_HOPS) revert InvalidCycleLength(hops);
        if (zeroForOne.length != hops || feesPpm.length != hops) revert HopLengthMismatch();
        if (amountIn == 0) revert ZeroAmountIn();
        for (uint256 i; i < hops; ++i) {
            if (feesPpm[i] >= FEE_DENOMINATOR) revert InvalidFee(i, feesPpm[i]);
        }

        profit = _run(_cycleArgs(msg.data[4:]));
        emit CycleExecuted(msg.sender, startToken, pairs[0], hops, amountIn, profit);
    }

    /// @dev Measures the starting balances, takes the loan (the cycle runs in `uniswapV2Call`), checks the result.
    ///      Called only by `execute`, whose arguments (`msg.data[4:]`, viewed as `args`) become the swap's data.
    function _run(CycleArgs calldata args) private returns (uint256 profit) {
        address firstPair = args.pairs[0];
        bool firstZeroForOne = args.zeroForOne[0];
        address startToken = args.startToken;
        (uint256 reserveIn, uint256 reserveOut) = _reserves(firstPair, firstZeroForOne);
        address firstTokenIn = _tokenIn(firstPair, firstZeroForOne);
        if (firstTokenIn != startToken) revert StartTokenMismatch(startToken, firstTokenIn);
        uint256 borrowed = ConstantProduct.getAmountOut(args.amountIn, reserveIn, reserveOut, args.feesPpm[0]);
        if (borrowed == 0) revert ZeroAmountOut(0);

        // The borrowed token is the second hop's input; measuring our balance of it before and after the flash
        // swap tells what really arrived (fee-on-transfer tokens) and that the first pair sent that token.
        address borrowedToken = _tokenIn(args.pairs[1], args.zeroForOne[1]);
        _borrowedToken = borrowedToken;
        _borrowedBalanceBefore = IERC20Minimal(borrowedToken).balanceOf(address(this));
        uint256 startBalanceBefore = IERC20Minimal(startToken).balanceOf(address(this));
        _startBalanceBefore = startBalanceBefore;
        _firstReserveIn = reserveIn;

        _expectedPair = firstPair;
        if (firstZeroForOne) IUniswapV2Pair(firstPair).swap(0, borrowed, address(this), msg.data[4:]);
        else IUniswapV2Pair(firstPair).swap(borrowed, 0, address(this), msg.data[4:]);
        if (_expectedPair != address(0)) revert CallbackNotReceived(firstPair);

        // The decisive check, on balances alone: whatever the tokens did, the start token grew by minProfit.
        uint256 startBalanceAfter = IERC20Minimal(startToken).balanceOf(address(this));
        if (startBalanceAfter < startBalanceBefore + args.minProfit) {
            revert InsufficientProfit(_signedDifference(startBalanceAfter, startBalanceBefore), args.minProfit);
        }
        profit = startBalanceAfter - startBalanceBefore;
    }

    /// @inheritdoc IUniswapV2Callee
    /// @dev Hop 0's output (the loan) is here; forwards it to hop 1, lets each pair pay the next one directly,
    ///      takes the last hop's output, checks the gain and repays the first pair with `amountIn`.
    ///      `data` is trusted only once the caller is known to be the pair this execution called.
    function uniswapV2Call(address sender, uint256, uint256, bytes calldata data) external {
        if (sender != address(this)) revert UntrustedInitiator(sender);
        if (msg.sender != _expectedPair) revert UnexpectedCallback(msg.sender);
        _expectedPair = address(0); // one callback per execution

        CycleArgs calldata args = _cycleArgs(data);
        uint256 hops = args.pairs.length;

        address tokenIn = _borrowedToken;
        uint256 received = _balanceIncrease(tokenIn, _borrowedBalanceBefore);
        if (received == 0) revert ZeroAmountOut(0);
        address pair = args.pairs[1];
        _safeTransfer(tokenIn, pair, received);

        for (uint256 hop = 1; hop < hops; ++hop) {
            bool zeroForOne = args.zeroForOne[hop];
            (uint256 reserveIn, uint256 reserveOut) = _reserves(pair, zeroForOne);
            if (hop > 1) tokenIn = _tokenIn(pair, zeroForOne);
            // What the pair really holds above its reserve is this hop's input (net of any transfer fee).
            uint256 pairBalance = IERC20Minimal(tokenIn).balanceOf(pair);
            uint256 amountIn = pairBalance > reserveIn ? pairBalance - reserveIn : 0;
            uint256 amountOut = ConstantProduct.getAmountOut(amountIn, reserveIn, reserveOut, args.feesPpm[hop]);
            if (amountOut == 0) revert ZeroAmountOut(hop);

            address next = hop + 1 < hops ? args.pairs[hop + 1] : address(this);
            if (zeroForOne) IUniswapV2Pair(pair).swap(0, amountOut, next, "");
            else IUniswapV2Pair(pair).swap(amountOut, 0, next, "");
            pair = next;
        }

        address startToken = args.startToken;
        uint256 repayment = args.amountIn;
        uint256 amountOutTotal = _balanceIncrease(startToken, _startBalanceBefore);
        if (amountOutTotal < repayment + args.minProfit) {
            revert InsufficientProfit(_signedDifference(amountOutTotal, repayment), args.minProfit);
        }

        address firstPair = args.pairs[0];
        _safeTransfer(startToken, firstPair, repayment);
        // A short repayment would fail the pair's own invariant check with an opaque "UniswapV2: K".
        uint256 firstPairBalance = IERC20Minimal(startToken).balanceOf(firstPair);
        uint256 firstReserveIn = _firstReserveIn;
        uint256 repaid = firstPairBalance > firstReserveIn ? firstPairBalance - firstReserveIn : 0;
        if (repaid < repayment) revert RepaymentShortfall(firstPair, repayment, repaid);
    }

    // ---------------------------------------------------------------- administration

    /// @inheritdoc IArbitrageExecutor
    function setExecutor(address account, bool allowed) external onlyOwner {
        if (account == address(0)) revert ZeroAddress();
        isExecutor[account] = allowed;
        emit ExecutorSet(account, allowed);
    }

    /// @inheritdoc IArbitrageExecutor
    function withdraw(address token, address to, uint256 amount) external onlyOwner nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        _safeTransfer(token, to, amount);
        emit Withdrawn(token, to, amount);
    }

    /// @inheritdoc IArbitrageExecutor
    function withdrawNative(address payable to, uint256 amount) external onlyOwner nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert NativeTransferFailed(to, amount);
        emit Withdrawn(address(0), to, amount);
    }

    /// @inheritdoc IArbitrageExecutor
    function transferOwnership(address newOwner) external onlyOwner {
        pendingOwner = newOwner;
        emit OwnershipTransferStarted(msg.sender, newOwner);
    }

    /// @inheritdoc IArbitrageExecutor
    function acceptOwnership() external {
        if (msg.sender != pendingOwner) revert Unauthorized(msg.sender);
        emit OwnershipTransferred(owner, msg.sender);
        owner = msg.sender;
        pendingOwner = address(0);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Views ABI-encoded `execute` arguments in place (Solidity still bounds-checks every access).
    function _cycleArgs(bytes calldata encoded) private pure returns (CycleArgs calldata args) {
        assembly ("memory-safe") {
            args := encoded.offset
        }
    }

    function _reserves(address pair, bool zeroForOne) private view returns (uint256 reserveIn, uint256 reserveOut) {
        (uint112 reserve0, uint112 reserve1,) = IUniswapV2Pair(pair).getReserves();
        (reserveIn, reserveOut) = zeroForOne ? (uint256(reserve0), uint256(reserve1)) : (reserve1, reserve0);
    }

    function _tokenIn(address pair, bool zeroForOne) private view returns (address) {
        return zeroForOne ? IUniswapV2Pair(pair).token0() : IUniswapV2Pair(pair).token1();
    }

    /// @dev Our balance of `token` above `balanceBefore`; zero if it did not grow.
    function _balanceIncrease(address token, uint256 balanceBefore) private view returns (uint256) {
        uint256 balance = IERC20Minimal(token).balanceOf(address(this));
        return balance > balanceBefore ? balance - balanceBefore : 0;
    }

    function _signedDifference(uint256 a, uint256 b) private pure returns (int256) {
        // Only for error data; balances of real tokens stay far below 2**255.
        // forge-lint: disable-next-line(unsafe-typecast)
        return int256(a) - int256(b);
    }

    /// @dev Accepts tokens that return true or nothing (e.g. USDT); rejects a false return, a revert and an
    ///      address without code (where a call would succeed and move nothing).
    function _safeTransfer(address token, address to, uint256 amount) private {
        bool ok;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, shl(224, 0xa9059cbb)) // transfer(address,uint256)
            mstore(add(ptr, 4), to)
            mstore(add(ptr, 36), amount)
            ok := call(gas(), token, 0, ptr, 68, 0, 32)
            let returnedTrue := and(gt(returndatasize(), 31), eq(mload(0), 1))
            let returnedNothing := and(iszero(returndatasize()), gt(extcodesize(token), 0))
            ok := and(ok, or(returnedTrue, returnedNothing))
        }
        if (!ok) revert TransferFailed(token, to, amount);
    }
}
