// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "forge-std/interfaces/IERC20.sol";

import {IUniswapV2Factory, IUniswapV2PairFull, IUniswapV2Router02} from "./UniswapV2Interfaces.sol";

/// @notice Deploys the real Uniswap V2 contracts from the compiled artifacts shipped in the npm packages.
/// @dev Never recompile them: Router02 hard-codes the init-code hash of exactly this UniswapV2Pair bytecode.
///      `vm.getCode` cannot read these files (they hold two `bytecode` fields), so the bytecode is read as JSON.
abstract contract UniswapV2Fixture is Test {
    string internal constant CORE = "node_modules/@uniswap/v2-core/build/";
    string internal constant PERIPHERY = "node_modules/@uniswap/v2-periphery/build/";

    uint256 internal constant TOKEN_SUPPLY = 1e36;

    function deployArtifact(string memory path, bytes memory constructorArgs) internal returns (address deployed) {
        string memory json = vm.readFile(path);
        bytes memory initCode = bytes.concat(vm.parseBytes(vm.parseJsonString(json, ".bytecode")), constructorArgs);
        assembly ("memory-safe") {
            deployed := create(0, add(initCode, 0x20), mload(initCode))
        }
        require(deployed != address(0), "artifact deployment failed");
    }

    /// @notice A UniswapV2Factory: one DEX. Deploy two for two pools of the same token pair.
    function deployFactory() internal returns (IUniswapV2Factory) {
        return
            IUniswapV2Factory(deployArtifact(string.concat(CORE, "UniswapV2Factory.json"), abi.encode(address(this))));
    }

    /// @notice v2-core's test ERC20; the whole supply goes to this test contract.
    function deployToken(string memory label) internal returns (IERC20 token) {
        token = IERC20(deployArtifact(string.concat(CORE, "ERC20.json"), abi.encode(TOKEN_SUPPLY)));
        vm.label(address(token), label);
    }

    /// @notice v2-periphery's DeflatingERC20: burns 1 % of every transfer.
    function deployDeflatingToken(string memory label) internal returns (IERC20 token) {
        token = IERC20(deployArtifact(string.concat(PERIPHERY, "DeflatingERC20.json"), abi.encode(TOKEN_SUPPLY)));
        vm.label(address(token), label);
    }

    function deployRouter(IUniswapV2Factory factory) internal returns (IUniswapV2Router02) {
        address weth = deployArtifact(string.concat(PERIPHERY, "WETH9.json"), "");
        return IUniswapV2Router02(
            deployArtifact(string.concat(PERIPHERY, "UniswapV2Router02.json"), abi.encode(address(factory), weth))
        );
    }

    /// @notice Creates the pair on `factory` and adds liquidity so that its reserves are exactly the amounts
    ///         (for ordinary tokens; a fee-on-transfer token's reserve ends up net of the fee).
    function createPool(IUniswapV2Factory factory, IERC20 tokenA, IERC20 tokenB, uint256 amountA, uint256 amountB)
        internal
        returns (IUniswapV2PairFull pair)
    {
        pair = IUniswapV2PairFull(factory.createPair(address(tokenA), address(tokenB)));
        addLiquidity(pair, tokenA, tokenB, amountA, amountB);
    }

    function addLiquidity(IUniswapV2PairFull pair, IERC20 tokenA, IERC20 tokenB, uint256 amountA, uint256 amountB)
        internal
    {
        give(tokenA, address(pair), amountA);
        give(tokenB, address(pair), amountB);
        pair.mint(address(this));
    }

    /// @notice Transfers from this test contract; accepts tokens that return true or nothing.
    function give(IERC20 token, address to, uint256 amount) internal {
        (bool ok, bytes memory returned) = address(token).call(abi.encodeCall(IERC20.transfer, (to, amount)));
        assertTrue(ok && (returned.length == 0 || abi.decode(returned, (bool))), "transfer");
    }

    /// @notice A token amount as a signed number (amounts here stay far below 2**255).
    function signed(uint256 amount) internal pure returns (int256) {
        assertLe(amount, uint256(type(int256).max));
        // forge-lint: disable-next-line(unsafe-typecast)
        return int256(amount);
    }

    /// @notice The exact UniswapV2Library.getAmountOut (0.3 % fee), written independently of the contract.
    function v2AmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        uint256 amountInWithFee = amountIn * 997;
        return (amountInWithFee * reserveOut) / (reserveIn * 1000 + amountInWithFee);
    }

    /// @notice The pair's reserves seen from `tokenIn`.
    function reservesFor(IUniswapV2PairFull pair, IERC20 tokenIn)
        internal
        view
        returns (uint256 reserveIn, uint256 reserveOut)
    {
        (uint112 reserve0, uint112 reserve1,) = pair.getReserves();
        (reserveIn, reserveOut) =
            pair.token0() == address(tokenIn) ? (uint256(reserve0), uint256(reserve1)) : (reserve1, reserve0);
    }

    /// @notice The output of a cycle starting with `amountIn` of `path[0]` through `pairs`, off-chain formula.
    function cycleOut(IUniswapV2PairFull[] memory pairs, IERC20[] memory path, uint256 amountIn)
        internal
        view
        returns (uint256 amount)
    {
        amount = amountIn;
        for (uint256 i; i < pairs.length; ++i) {
            (uint256 reserveIn, uint256 reserveOut) = reservesFor(pairs[i], path[i]);
            amount = v2AmountOut(amount, reserveIn, reserveOut);
        }
    }

    function isZeroForOne(IUniswapV2PairFull pair, IERC20 tokenIn) internal view returns (bool) {
        return pair.token0() == address(tokenIn);
    }
}
