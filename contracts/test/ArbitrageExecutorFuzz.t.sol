// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "forge-std/interfaces/IERC20.sol";

import {IArbitrageExecutor} from "../src/interfaces/IArbitrageExecutor.sol";
import {ExecutorFixture} from "./utils/ExecutorFixture.sol";
import {IUniswapV2PairFull} from "./utils/UniswapV2Interfaces.sol";

/// @notice Over random reserves, inputs and profit floors: an execution either earns at least `minProfit` (and
///         exactly what the off-chain formula says) or reverts, and the executor never loses a token.
///         The outcome is also predicted: it succeeds exactly when the formula says the cycle pays `minProfit`.
contract ArbitrageExecutorFuzzTest is ExecutorFixture {
    uint256 internal constant MIN_RESERVE = 1e4; // the pair needs sqrt(x*y) > 1000 to mint
    uint256 internal constant MAX_RESERVE = 1e30;
    uint256 internal constant HOLDINGS = 3e18;

    IERC20 internal tokenX;
    IERC20 internal tokenY;
    IERC20 internal tokenZ;
    IUniswapV2PairFull internal pairXY1;
    IUniswapV2PairFull internal pairXY2;
    IUniswapV2PairFull internal pairYZ1;
    IUniswapV2PairFull internal pairZX1;

    function setUp() public override {
        super.setUp();
        tokenX = deployToken("X");
        tokenY = deployToken("Y");
        tokenZ = deployToken("Z");
        // Empty pairs; each fuzz run adds its own liquidity.
        pairXY1 = IUniswapV2PairFull(dex1.createPair(address(tokenX), address(tokenY)));
        pairXY2 = IUniswapV2PairFull(dex2.createPair(address(tokenX), address(tokenY)));
        pairYZ1 = IUniswapV2PairFull(dex1.createPair(address(tokenY), address(tokenZ)));
        pairZX1 = IUniswapV2PairFull(dex1.createPair(address(tokenZ), address(tokenX)));
        // Holdings from earlier trades, which a faulty execution could spend.
        give(tokenX, address(executor), HOLDINGS);
        give(tokenY, address(executor), HOLDINGS);
        give(tokenZ, address(executor), HOLDINGS);
    }

    function testFuzz_execute_TwoHopEarnsAtLeastMinProfitOrReverts(
        uint256[4] memory reserves,
        uint256 amountIn,
        uint256 minProfitSeed,
        bool startWithY
    ) public {
        addLiquidity(pairXY1, tokenX, tokenY, reserve(reserves[0]), reserve(reserves[1]));
        addLiquidity(pairXY2, tokenX, tokenY, reserve(reserves[2]), reserve(reserves[3]));
        IUniswapV2PairFull[] memory pairs = new IUniswapV2PairFull[](2);
        (pairs[0], pairs[1]) = (pairXY1, pairXY2);
        IERC20[] memory path = new IERC20[](3);
        (path[0], path[1], path[2]) = startWithY ? (tokenY, tokenX, tokenY) : (tokenX, tokenY, tokenX);

        checkEarnsOrReverts(pairs, path, amountIn, minProfitSeed);
    }

    function testFuzz_execute_ThreeHopEarnsAtLeastMinProfitOrReverts(
        uint256[6] memory reserves,
        uint256 amountIn,
        uint256 minProfitSeed,
        bool reverse
    ) public {
        addLiquidity(pairXY1, tokenX, tokenY, reserve(reserves[0]), reserve(reserves[1]));
        addLiquidity(pairYZ1, tokenY, tokenZ, reserve(reserves[2]), reserve(reserves[3]));
        addLiquidity(pairZX1, tokenZ, tokenX, reserve(reserves[4]), reserve(reserves[5]));
        IUniswapV2PairFull[] memory pairs = new IUniswapV2PairFull[](3);
        IERC20[] memory path = new IERC20[](4);
        if (reverse) {
            (pairs[0], pairs[1], pairs[2]) = (pairZX1, pairYZ1, pairXY1);
            (path[0], path[1], path[2], path[3]) = (tokenX, tokenZ, tokenY, tokenX);
        } else {
            (pairs[0], pairs[1], pairs[2]) = (pairXY1, pairYZ1, pairZX1);
            (path[0], path[1], path[2], path[3]) = (tokenX, tokenY, tokenZ, tokenX);
        }

        checkEarnsOrReverts(pairs, path, amountIn, minProfitSeed);
    }

    function checkEarnsOrReverts(
        IUniswapV2PairFull[] memory pairs,
        IERC20[] memory path,
        uint256 amountIn,
        uint256 minProfitSeed
    ) internal {
        // Inputs up to the first pair's whole reserve: past that no cycle pays, below it both outcomes occur.
        (uint256 firstReserveIn,) = reservesFor(pairs[0], path[0]);
        amountIn = bound(amountIn, 1, firstReserveIn);
        (bool everyHopPays, uint256 expectedOut) = predict(pairs, path, amountIn);
        uint256 expectedProfit = expectedOut > amountIn ? expectedOut - amountIn : 0;
        // Floors on both sides of the expected profit, so that both outcomes are exercised.
        uint256 minProfit = bound(minProfitSeed, 0, expectedProfit * 2 + 1);
        bool shouldSucceed = everyHopPays && expectedOut >= amountIn + minProfit;
        CycleArgs memory args = cycleOf(pairs, path);
        bytes memory callData = abi.encodeCall(
            IArbitrageExecutor.execute,
            (args.pairs, args.zeroForOne, args.feesPpm, args.startToken, amountIn, minProfit, block.number)
        );
        assertOutcome(callData, args.startToken, shouldSucceed, expectedProfit, minProfit);
    }

    function assertOutcome(
        bytes memory callData,
        address startToken,
        bool shouldSucceed,
        uint256 expectedProfit,
        uint256 minProfit
    ) internal {
        IERC20[3] memory tokens = heldTokens();
        uint256[3] memory before = holdings();

        vm.prank(bot);
        (bool ok, bytes memory returned) = address(executor).call(callData);

        assertEq(ok, shouldSucceed, "outcome differs from the exact formula");
        uint256[3] memory afterwards = holdings();
        if (ok) {
            uint256 profit = abi.decode(returned, (uint256));
            assertGe(profit, minProfit);
            assertEq(profit, expectedProfit, "profit differs from the exact formula");
            for (uint256 i; i < 3; ++i) {
                uint256 gain = address(tokens[i]) == startToken ? profit : 0;
                assertEq(afterwards[i], before[i] + gain, "holdings");
            }
        } else {
            // forge-lint: disable-next-line(unsafe-typecast)
            bytes4 selector = bytes4(returned); // the selector of the custom error (revert data >= 4 bytes)
            assertTrue(
                selector == IArbitrageExecutor.InsufficientProfit.selector
                    || selector == IArbitrageExecutor.ZeroAmountOut.selector,
                "unexpected revert"
            );
            for (uint256 i; i < 3; ++i) {
                assertEq(afterwards[i], before[i], "holdings after revert");
            }
        }
    }

    /// @dev Off-chain exact formula: whether every hop pays something, and the cycle's output.
    function predict(IUniswapV2PairFull[] memory pairs, IERC20[] memory path, uint256 amountIn)
        internal
        view
        returns (bool everyHopPays, uint256 amountOut)
    {
        everyHopPays = true;
        amountOut = amountIn;
        for (uint256 i; i < pairs.length; ++i) {
            (uint256 reserveIn, uint256 reserveOut) = reservesFor(pairs[i], path[i]);
            amountOut = v2AmountOut(amountOut, reserveIn, reserveOut);
            if (amountOut == 0) everyHopPays = false;
        }
    }

    function reserve(uint256 seed) internal pure returns (uint256) {
        return bound(seed, MIN_RESERVE, MAX_RESERVE);
    }

    function heldTokens() internal view returns (IERC20[3] memory) {
        return [tokenX, tokenY, tokenZ];
    }

    function holdings() internal view returns (uint256[3] memory balances) {
        IERC20[3] memory tokens = heldTokens();
        for (uint256 i; i < 3; ++i) {
            balances[i] = tokens[i].balanceOf(address(executor));
        }
    }
}
