// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "forge-std/interfaces/IERC20.sol";

import {IArbitrageExecutor} from "../src/interfaces/IArbitrageExecutor.sol";
import {NoReturnERC20, ReturnsFalseERC20} from "./mocks/WeirdERC20s.sol";
import {ExecutorFixture} from "./utils/ExecutorFixture.sol";
import {IUniswapV2PairFull} from "./utils/UniswapV2Interfaces.sol";

/// @notice Tokens that break naive accounting: one that returns nothing from `transfer` (USDT-style), the npm
///         v2-periphery DeflatingERC20 (burns 1 % of every transfer) and one that returns false.
contract WeirdTokensTest is ExecutorFixture {
    uint256 internal constant AMOUNT_IN = 10e18;

    IERC20 internal noReturn;
    IERC20 internal deflating;

    IUniswapV2PairFull internal pairNB1;
    IUniswapV2PairFull internal pairNB2;
    IUniswapV2PairFull internal pairDA1;
    IUniswapV2PairFull internal pairDA2;

    function setUp() public override {
        super.setUp();
        noReturn = IERC20(address(new NoReturnERC20("NoReturn", TOKEN_SUPPLY)));
        deflating = deployDeflatingToken("Deflating");

        pairNB1 = createPool(dex1, noReturn, tokenB, 1000e18, 2100e18);
        pairNB2 = createPool(dex2, noReturn, tokenB, 1000e18, 1900e18);
        pairDA1 = createPool(dex1, deflating, tokenA, 1000e18, 2100e18);
        pairDA2 = createPool(dex2, deflating, tokenA, 1000e18, 1900e18);
    }

    // ---------------------------------------------------------------- no boolean returned

    function test_execute_NoReturnTokenAsStartToken() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = cycle(pairNB1, pairNB2, noReturn, tokenB);
        uint256 expectedProfit = cycleOut(pairs, path, AMOUNT_IN) - AMOUNT_IN;

        uint256 profit = executeAs(bot, cycleOf(pairs, path), AMOUNT_IN, expectedProfit);

        assertEq(profit, expectedProfit);
        assertEq(noReturn.balanceOf(address(executor)), expectedProfit);
    }

    function test_execute_NoReturnTokenAsBorrowedToken() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = cycle(pairNB2, pairNB1, tokenB, noReturn);
        uint256 expectedProfit = cycleOut(pairs, path, AMOUNT_IN) - AMOUNT_IN;

        uint256 profit = executeAs(bot, cycleOf(pairs, path), AMOUNT_IN, expectedProfit);

        assertEq(profit, expectedProfit);
        assertEq(noReturn.balanceOf(address(executor)), 0);
    }

    function test_withdraw_NoReturnToken() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = cycle(pairNB1, pairNB2, noReturn, tokenB);
        uint256 profit = executeAs(bot, cycleOf(pairs, path), AMOUNT_IN, 1);

        vm.prank(owner);
        executor.withdraw(address(noReturn), owner, profit);

        assertEq(noReturn.balanceOf(owner), profit);
        assertEq(noReturn.balanceOf(address(executor)), 0);
    }

    // ---------------------------------------------------------------- fee on transfer

    /// @dev The loan arrives net of the 1 % burn and reaches the second pair net of another 1 %: the executor
    ///      forwards and prices what really arrived, so the cycle settles and the profit is exact.
    function test_execute_FeeOnTransferBorrowedTokenIsMeasuredNotAssumed() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = cycle(pairDA2, pairDA1, tokenA, deflating);
        (uint256 reserveIn0, uint256 reserveOut0) = reservesFor(pairDA2, tokenA);
        (uint256 reserveIn1, uint256 reserveOut1) = reservesFor(pairDA1, deflating);
        uint256 lent = v2AmountOut(AMOUNT_IN, reserveIn0, reserveOut0);
        uint256 receivedByExecutor = lent - lent / 100;
        uint256 receivedBySecondPair = receivedByExecutor - receivedByExecutor / 100;
        uint256 expectedProfit = v2AmountOut(receivedBySecondPair, reserveIn1, reserveOut1) - AMOUNT_IN;
        assertLt(expectedProfit, cycleOut(pairs, path, AMOUNT_IN) - AMOUNT_IN, "the burn costs something");

        uint256 profit = executeAs(bot, cycleOf(pairs, path), AMOUNT_IN, expectedProfit);

        assertEq(profit, expectedProfit);
        assertEq(tokenA.balanceOf(address(executor)), expectedProfit);
        assertEq(deflating.balanceOf(address(executor)), 0);
    }

    /// @dev A flash-swap loan in a fee-on-transfer token cannot be repaid in full: the clear error, not the
    ///      pair's opaque "UniswapV2: K".
    function test_RevertWhen_FeeOnTransferTokenIsStartToken() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = cycle(pairDA1, pairDA2, deflating, tokenA);
        CycleArgs memory args = cycleOf(pairs, path);

        vm.expectRevert(
            abi.encodeWithSelector(
                IArbitrageExecutor.RepaymentShortfall.selector, address(pairDA1), AMOUNT_IN, AMOUNT_IN - AMOUNT_IN / 100
            )
        );
        executeAs(bot, args, AMOUNT_IN, 0);
    }

    // ---------------------------------------------------------------- false returned

    function test_RevertWhen_WithdrawnTokenReturnsFalse() public {
        ReturnsFalseERC20 liar = new ReturnsFalseERC20(address(executor), 1e18);
        vm.expectRevert(
            abi.encodeWithSelector(IArbitrageExecutor.TransferFailed.selector, address(liar), owner, uint256(1e18))
        );
        vm.prank(owner);
        executor.withdraw(address(liar), owner, 1e18);
    }

    // ---------------------------------------------------------------- helpers

    /// @dev `first` -> `second` on `pairIn`, back to `first` on `pairBack`.
    function cycle(IUniswapV2PairFull pairIn, IUniswapV2PairFull pairBack, IERC20 first, IERC20 second)
        internal
        pure
        returns (IUniswapV2PairFull[] memory pairs, IERC20[] memory path)
    {
        pairs = new IUniswapV2PairFull[](2);
        (pairs[0], pairs[1]) = (pairIn, pairBack);
        path = new IERC20[](3);
        (path[0], path[1], path[2]) = (first, second, first);
    }
}
