// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "forge-std/interfaces/IERC20.sol";

import {ArbitrageExecutor} from "../src/ArbitrageExecutor.sol";
import {IArbitrageExecutor} from "../src/interfaces/IArbitrageExecutor.sol";
import {IUniswapV2Callee} from "../src/interfaces/IUniswapV2Callee.sol";
import {MockPair} from "./mocks/MockPair.sol";
import {ExecutorFixture} from "./utils/ExecutorFixture.sol";
import {IUniswapV2PairFull} from "./utils/UniswapV2Interfaces.sol";

/// @notice Unit tests against the real Uniswap V2 factory and pair bytecode from npm.
contract ArbitrageExecutorTest is ExecutorFixture {
    uint256 internal constant AMOUNT_IN = 10e18;

    // ---------------------------------------------------------------- profitable cycles

    function test_execute_TwoPoolCycleEarnsExactFormulaProfit() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        uint256 expectedProfit = cycleOut(pairs, path, AMOUNT_IN) - AMOUNT_IN;
        assertGt(expectedProfit, 0);

        uint256 profit = executeAs(bot, cycleOf(pairs, path), AMOUNT_IN, expectedProfit);

        assertEq(profit, expectedProfit);
        assertEq(tokenA.balanceOf(address(executor)), expectedProfit);
        assertEq(tokenB.balanceOf(address(executor)), 0);
    }

    function test_execute_TwoPoolCycleStartingFromOtherTokenEarnsExactFormulaProfit() public {
        // B -> A on dex2, A -> B on dex1: the first hop runs in the other direction of its pair.
        IUniswapV2PairFull[] memory pairs = new IUniswapV2PairFull[](2);
        (pairs[0], pairs[1]) = (pairAB2, pairAB1);
        IERC20[] memory path = new IERC20[](3);
        (path[0], path[1], path[2]) = (tokenB, tokenA, tokenB);
        uint256 expectedProfit = cycleOut(pairs, path, AMOUNT_IN) - AMOUNT_IN;

        uint256 profit = executeAs(bot, cycleOf(pairs, path), AMOUNT_IN, 1);

        assertEq(profit, expectedProfit);
        assertEq(tokenB.balanceOf(address(executor)), expectedProfit);
    }

    function test_execute_TriangularCycleEarnsExactFormulaProfit() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = triangularCycle();
        uint256 expectedProfit = cycleOut(pairs, path, AMOUNT_IN) - AMOUNT_IN;
        assertGt(expectedProfit, 0);

        uint256 profit = executeAs(bot, cycleOf(pairs, path), AMOUNT_IN, expectedProfit);

        assertEq(profit, expectedProfit);
        assertEq(tokenA.balanceOf(address(executor)), expectedProfit);
        assertEq(tokenB.balanceOf(address(executor)), 0);
        assertEq(tokenC.balanceOf(address(executor)), 0);
    }

    function test_execute_EmitsCycleExecutedWithExactProfit() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = triangularCycle();
        uint256 expectedProfit = cycleOut(pairs, path, AMOUNT_IN) - AMOUNT_IN;

        vm.expectEmit(address(executor));
        emit IArbitrageExecutor.CycleExecuted(bot, address(tokenA), address(pairAB1), 3, AMOUNT_IN, expectedProfit);
        executeAs(bot, cycleOf(pairs, path), AMOUNT_IN, 0);
    }

    function test_execute_LeavesPairsWithExactFormulaReserves() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        (uint256 a1In, uint256 b1Out) = reservesFor(pairAB1, tokenA);
        uint256 bOut = v2AmountOut(AMOUNT_IN, a1In, b1Out);

        executeAs(bot, cycleOf(pairs, path), AMOUNT_IN, 0);

        (uint256 a1After, uint256 b1After) = reservesFor(pairAB1, tokenA);
        assertEq(a1After, a1In + AMOUNT_IN);
        assertEq(b1After, b1Out - bOut);
    }

    function test_execute_KeepsExistingHoldingsAndAddsProfit() public {
        give(tokenA, address(executor), 5e18);
        give(tokenB, address(executor), 7e18);
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        uint256 expectedProfit = cycleOut(pairs, path, AMOUNT_IN) - AMOUNT_IN;

        executeAs(bot, cycleOf(pairs, path), AMOUNT_IN, 0);

        assertEq(tokenA.balanceOf(address(executor)), 5e18 + expectedProfit);
        assertEq(tokenB.balanceOf(address(executor)), 7e18);
    }

    function test_execute_ByOwner() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        assertGt(executeAs(owner, cycleOf(pairs, path), AMOUNT_IN, 0), 0);
    }

    function test_execute_InTheDeadlineBlock() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        CycleArgs memory args = cycleOf(pairs, path);
        vm.roll(100);
        vm.prank(bot);
        executor.execute(args.pairs, args.zeroForOne, args.feesPpm, args.startToken, AMOUNT_IN, 0, 100);
    }

    function test_execute_WithAHigherFeeThanThePairTakesLessAndStillSettles() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        CycleArgs memory args = cycleOf(pairs, path);
        args.feesPpm[1] = 10_000; // 1 %: the pair enforces only 0.3 %, so it accepts the smaller output
        uint256 expectedProfit = cycleOut(pairs, path, AMOUNT_IN) - AMOUNT_IN;

        uint256 profit = executeAs(bot, args, AMOUNT_IN, 0);

        assertGt(profit, 0);
        assertLt(profit, expectedProfit);
    }

    // ---------------------------------------------------------------- reverts: economics and deadline

    function test_RevertWhen_CycleIsUnprofitable() public {
        // The profitable cycle backwards: A -> B on dex2, B -> A on dex1.
        IUniswapV2PairFull[] memory pairs = new IUniswapV2PairFull[](2);
        (pairs[0], pairs[1]) = (pairAB2, pairAB1);
        IERC20[] memory path = new IERC20[](3);
        (path[0], path[1], path[2]) = (tokenA, tokenB, tokenA);
        int256 expectedLoss = signed(cycleOut(pairs, path, AMOUNT_IN)) - signed(AMOUNT_IN);
        assertLt(expectedLoss, 0);
        bytes32 before = stateHash();

        CycleArgs memory args = cycleOf(pairs, path);
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.InsufficientProfit.selector, expectedLoss, 0));
        executeAs(bot, args, AMOUNT_IN, 0);

        assertEq(stateHash(), before);
    }

    function test_RevertWhen_ProfitIsBelowMinProfit() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        uint256 expectedProfit = cycleOut(pairs, path, AMOUNT_IN) - AMOUNT_IN;
        bytes32 before = stateHash();

        CycleArgs memory args = cycleOf(pairs, path);
        vm.expectRevert(
            abi.encodeWithSelector(
                IArbitrageExecutor.InsufficientProfit.selector, signed(expectedProfit), expectedProfit + 1
            )
        );
        executeAs(bot, args, AMOUNT_IN, expectedProfit + 1);

        assertEq(stateHash(), before);
    }

    function test_RevertWhen_DeadlineBlockHasPassed() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        CycleArgs memory args = cycleOf(pairs, path);
        vm.roll(100);
        bytes32 before = stateHash();

        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.DeadlinePassed.selector, 99, 100));
        vm.prank(bot);
        executor.execute(args.pairs, args.zeroForOne, args.feesPpm, args.startToken, AMOUNT_IN, 0, 99);

        assertEq(stateHash(), before);
    }

    function test_RevertWhen_HopPaysNothing() public {
        // Dust in against a deep reserve rounds down to zero out.
        IUniswapV2PairFull shallow = createPool(dex2, tokenA, tokenC, 1e24, 1e6);
        IUniswapV2PairFull[] memory pairs = new IUniswapV2PairFull[](2);
        (pairs[0], pairs[1]) = (shallow, pairCA1);
        IERC20[] memory path = new IERC20[](3);
        (path[0], path[1], path[2]) = (tokenA, tokenC, tokenA);

        CycleArgs memory args = cycleOf(pairs, path);
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.ZeroAmountOut.selector, 0));
        executeAs(bot, args, 1e6, 0);
    }

    // ---------------------------------------------------------------- reverts: access control and callback

    function test_RevertWhen_CallerIsUnknown() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        bytes32 before = stateHash();

        CycleArgs memory args = cycleOf(pairs, path);
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.Unauthorized.selector, outsider));
        executeAs(outsider, args, AMOUNT_IN, 0);

        assertEq(stateHash(), before);
    }

    function test_RevertWhen_ExecutorWasRevoked() public {
        vm.expectEmit(address(executor));
        emit IArbitrageExecutor.ExecutorSet(bot, false);
        vm.prank(owner);
        executor.setExecutor(bot, false);
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();

        CycleArgs memory args = cycleOf(pairs, path);
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.Unauthorized.selector, bot));
        executeAs(bot, args, AMOUNT_IN, 0);
    }

    function test_RevertWhen_AttackerCallsCallbackDirectly() public {
        give(tokenA, address(executor), 5e18);
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        bytes memory data = abi.encode(cycleOf(pairs, path));
        bytes32 before = stateHash();

        // Claiming to be the executor's own swap does not help: no execution waits for this caller.
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.UnexpectedCallback.selector, outsider));
        vm.prank(outsider);
        executor.uniswapV2Call(address(executor), 0, 1e18, data);

        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.UntrustedInitiator.selector, outsider));
        vm.prank(outsider);
        executor.uniswapV2Call(outsider, 0, 1e18, data);

        assertEq(stateHash(), before);
    }

    function test_RevertWhen_RealPairCallsBackForSwapExecutorDidNotStart() public {
        give(tokenA, address(executor), 5e18);
        bytes32 before = stateHash();
        (uint256 amount0Out, uint256 amount1Out) = isZeroForOne(pairAB1, tokenA) ? (uint256(0), 1e18) : (1e18, 0);

        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.UntrustedInitiator.selector, outsider));
        vm.prank(outsider);
        pairAB1.swap(amount0Out, amount1Out, address(executor), hex"01");

        assertEq(stateHash(), before);
    }

    function test_RevertWhen_CallbackComesFromPairExecutionDidNotStart() public {
        // A hostile "pair" in hop 2 replays the callback while the execution runs.
        MockPair hostile = new MockPair(address(tokenB), address(tokenA), 1, 1e18);
        hostile.setHook(
            address(executor),
            abi.encodeCall(IUniswapV2Callee.uniswapV2Call, (address(executor), 0, 1e18, abi.encode(uint256(1))))
        );
        CycleArgs memory args = hostileCycle(address(hostile), true);
        bytes32 before = stateHash();

        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.UnexpectedCallback.selector, address(hostile)));
        executeAs(bot, args, AMOUNT_IN, 0);

        assertEq(stateHash(), before);
    }

    function test_RevertWhen_FirstPairNeverCallsBack() public {
        MockPair silent = new MockPair(address(tokenA), address(tokenB), 1000e18, 1000e18);
        CycleArgs memory args;
        args.pairs = new address[](2);
        (args.pairs[0], args.pairs[1]) = (address(silent), address(pairAB2));
        args.zeroForOne = new bool[](2);
        (args.zeroForOne[0], args.zeroForOne[1]) = (true, isZeroForOne(pairAB2, tokenB));
        args.feesPpm = new uint24[](2);
        (args.feesPpm[0], args.feesPpm[1]) = (V2_FEE_PPM, V2_FEE_PPM);
        args.startToken = address(tokenA);

        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.CallbackNotReceived.selector, address(silent)));
        executeAs(bot, args, AMOUNT_IN, 0);
    }

    function test_RevertWhen_ExecuteIsReentered() public {
        MockPair hostile = new MockPair(address(tokenB), address(tokenA), 1, 1e18);
        CycleArgs memory inner = hostileCycle(address(hostile), true);
        hostile.setHook(
            address(executor),
            abi.encodeCall(
                IArbitrageExecutor.execute,
                (inner.pairs, inner.zeroForOne, inner.feesPpm, inner.startToken, AMOUNT_IN, 0, block.number)
            )
        );
        vm.prank(owner);
        executor.setExecutor(address(hostile), true); // even an allowed caller cannot re-enter

        vm.expectRevert(IArbitrageExecutor.Reentrancy.selector);
        executeAs(bot, inner, AMOUNT_IN, 0);
    }

    // ---------------------------------------------------------------- reverts: malformed cycles

    function test_RevertWhen_CycleHasOneHop() public {
        CycleArgs memory args = singleHop();
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.InvalidCycleLength.selector, 1));
        executeAs(bot, args, AMOUNT_IN, 0);
    }

    function test_RevertWhen_CycleHasTooManyHops() public {
        uint256 hops = executor.MAX_HOPS() + 1;
        CycleArgs memory args;
        args.pairs = new address[](hops);
        args.zeroForOne = new bool[](hops);
        args.feesPpm = new uint24[](hops);
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.InvalidCycleLength.selector, hops));
        executeAs(bot, args, AMOUNT_IN, 0);
    }

    function test_RevertWhen_HopArraysDifferInLength() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        CycleArgs memory args = cycleOf(pairs, path);
        args.feesPpm = new uint24[](3);
        vm.expectRevert(IArbitrageExecutor.HopLengthMismatch.selector);
        executeAs(bot, args, AMOUNT_IN, 0);
    }

    function test_RevertWhen_AmountInIsZero() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        CycleArgs memory args = cycleOf(pairs, path);
        vm.expectRevert(IArbitrageExecutor.ZeroAmountIn.selector);
        executeAs(bot, args, 0, 0);
    }

    function test_RevertWhen_FeeIsOneMillionPpm() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        CycleArgs memory args = cycleOf(pairs, path);
        args.feesPpm[1] = 1_000_000;
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.InvalidFee.selector, 1, 1_000_000));
        executeAs(bot, args, AMOUNT_IN, 0);
    }

    function test_RevertWhen_StartTokenIsNotFirstHopInput() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        CycleArgs memory args = cycleOf(pairs, path);
        args.startToken = address(tokenB);
        vm.expectRevert(
            abi.encodeWithSelector(IArbitrageExecutor.StartTokenMismatch.selector, address(tokenB), address(tokenA))
        );
        executeAs(bot, args, AMOUNT_IN, 0);
    }

    function test_RevertWhen_CycleDoesNotClose() public {
        // A -> B -> C: the last hop pays out C, so no start token comes back.
        IUniswapV2PairFull[] memory pairs = new IUniswapV2PairFull[](2);
        (pairs[0], pairs[1]) = (pairAB1, pairBC1);
        IERC20[] memory path = new IERC20[](3);
        (path[0], path[1], path[2]) = (tokenA, tokenB, tokenC);
        give(tokenA, address(executor), 100e18); // holdings must not pay the repayment
        bytes32 before = stateHash();

        CycleArgs memory args = cycleOf(pairs, path);
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.InsufficientProfit.selector, -signed(AMOUNT_IN), 0));
        executeAs(bot, args, AMOUNT_IN, 0);

        assertEq(stateHash(), before);
    }

    function test_RevertWhen_HopDirectionDoesNotMatchTheTokenReceived() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        CycleArgs memory args = cycleOf(pairs, path);
        args.zeroForOne[1] = !args.zeroForOne[1]; // hop 1 now claims to sell A, but the loan is in B
        give(tokenA, address(executor), 100e18);
        bytes32 before = stateHash();

        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.ZeroAmountOut.selector, 0));
        executeAs(bot, args, AMOUNT_IN, 0);

        assertEq(stateHash(), before);
    }

    // ---------------------------------------------------------------- administration

    function test_withdraw_SendsProfitToRecipient() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        uint256 profit = executeAs(bot, cycleOf(pairs, path), AMOUNT_IN, 0);
        address treasury = makeAddr("treasury");

        vm.expectEmit(address(executor));
        emit IArbitrageExecutor.Withdrawn(address(tokenA), treasury, profit);
        vm.prank(owner);
        executor.withdraw(address(tokenA), treasury, profit);

        assertEq(tokenA.balanceOf(treasury), profit);
        assertEq(tokenA.balanceOf(address(executor)), 0);
    }

    function test_RevertWhen_NonOwnerWithdraws() public {
        give(tokenA, address(executor), 1e18);
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.Unauthorized.selector, bot));
        vm.prank(bot);
        executor.withdraw(address(tokenA), bot, 1e18);
    }

    function test_RevertWhen_WithdrawingToZeroAddress() public {
        vm.expectRevert(IArbitrageExecutor.ZeroAddress.selector);
        vm.prank(owner);
        executor.withdraw(address(tokenA), address(0), 0);
    }

    function test_RevertWhen_WithdrawingTokenWithoutCode() public {
        address notAToken = makeAddr("notAToken");
        vm.expectRevert(
            abi.encodeWithSelector(IArbitrageExecutor.TransferFailed.selector, notAToken, owner, uint256(1))
        );
        vm.prank(owner);
        executor.withdraw(notAToken, owner, 1);
    }

    function test_withdrawNative_RescuesForcedCoins() public {
        vm.deal(address(executor), 1 ether);
        address payable treasury = payable(makeAddr("treasury"));

        vm.expectEmit(address(executor));
        emit IArbitrageExecutor.Withdrawn(address(0), treasury, 1 ether);
        vm.prank(owner);
        executor.withdrawNative(treasury, 1 ether);

        assertEq(treasury.balance, 1 ether);
    }

    function test_RevertWhen_NativeWithdrawalFails() public {
        vm.deal(address(executor), 1 ether);
        address payable refuser = payable(address(tokenA)); // a contract without a payable fallback
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.NativeTransferFailed.selector, refuser, 1 ether));
        vm.prank(owner);
        executor.withdrawNative(refuser, 1 ether);
    }

    function test_RevertWhen_NonOwnerWithdrawsNative() public {
        vm.deal(address(executor), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.Unauthorized.selector, outsider));
        vm.prank(outsider);
        executor.withdrawNative(payable(outsider), 1 ether);
    }

    function test_RevertWhen_NonOwnerSetsExecutor() public {
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.Unauthorized.selector, bot));
        vm.prank(bot);
        executor.setExecutor(outsider, true);
    }

    function test_RevertWhen_SettingZeroAddressAsExecutor() public {
        vm.expectRevert(IArbitrageExecutor.ZeroAddress.selector);
        vm.prank(owner);
        executor.setExecutor(address(0), true);
    }

    function test_transferOwnership_TakesEffectWhenAccepted() public {
        address successor = makeAddr("successor");
        vm.prank(owner);
        executor.transferOwnership(successor);
        assertEq(executor.owner(), owner);
        assertEq(executor.pendingOwner(), successor);

        vm.expectEmit(address(executor));
        emit IArbitrageExecutor.OwnershipTransferred(owner, successor);
        vm.prank(successor);
        executor.acceptOwnership();

        assertEq(executor.owner(), successor);
        assertEq(executor.pendingOwner(), address(0));
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.Unauthorized.selector, owner));
        vm.prank(owner);
        executor.withdraw(address(tokenA), owner, 0);
    }

    function test_RevertWhen_OwnershipIsAcceptedByOtherAccount() public {
        vm.prank(owner);
        executor.transferOwnership(makeAddr("successor"));
        vm.expectRevert(abi.encodeWithSelector(IArbitrageExecutor.Unauthorized.selector, outsider));
        vm.prank(outsider);
        executor.acceptOwnership();
    }

    function test_RevertWhen_DeployedWithZeroOwner() public {
        vm.expectRevert(IArbitrageExecutor.ZeroAddress.selector);
        new ArbitrageExecutor(address(0));
    }

    function test_constants() public view {
        assertEq(executor.MAX_HOPS(), 8);
        assertEq(executor.FEE_DENOMINATOR(), 1_000_000);
        assertTrue(executor.isExecutor(bot));
        assertFalse(executor.isExecutor(outsider));
    }

    // ---------------------------------------------------------------- helpers

    /// @dev A -> B on dex1 (real, lends B), then B -> A through `secondPair`.
    function hostileCycle(address secondPair, bool secondZeroForOne) internal view returns (CycleArgs memory args) {
        args.pairs = new address[](2);
        (args.pairs[0], args.pairs[1]) = (address(pairAB1), secondPair);
        args.zeroForOne = new bool[](2);
        (args.zeroForOne[0], args.zeroForOne[1]) = (isZeroForOne(pairAB1, tokenA), secondZeroForOne);
        args.feesPpm = new uint24[](2);
        (args.feesPpm[0], args.feesPpm[1]) = (V2_FEE_PPM, V2_FEE_PPM);
        args.startToken = address(tokenA);
    }

    function singleHop() internal view returns (CycleArgs memory args) {
        args.pairs = new address[](1);
        args.pairs[0] = address(pairAB1);
        args.zeroForOne = new bool[](1);
        args.feesPpm = new uint24[](1);
        args.startToken = address(tokenA);
    }

    /// @dev Every balance and reserve a cycle could touch, hashed: equal before and after means nothing moved.
    function stateHash() internal view returns (bytes32) {
        address[6] memory holders =
            [address(executor), address(pairAB1), address(pairAB2), address(pairBC1), address(pairCA1), bot];
        IERC20[3] memory tokens = [tokenA, tokenB, tokenC];
        bytes memory state;
        for (uint256 h; h < holders.length; ++h) {
            for (uint256 t; t < tokens.length; ++t) {
                state = bytes.concat(state, abi.encode(tokens[t].balanceOf(holders[h])));
            }
        }
        IUniswapV2PairFull[4] memory pairs = [pairAB1, pairAB2, pairBC1, pairCA1];
        for (uint256 p; p < pairs.length; ++p) {
            (uint112 reserve0, uint112 reserve1,) = pairs[p].getReserves();
            state = bytes.concat(state, abi.encode(reserve0, reserve1));
        }
        return keccak256(state);
    }
}
