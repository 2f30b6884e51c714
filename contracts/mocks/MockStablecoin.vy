# pragma version 0.4.3
"""
@title MockStablecoin
@custom:contract-name MockStablecoin
@license GNU Affero General Public License v3.0 only
@notice The settlement asset on a local chain: snekmate's ERC-20 with chosen
        decimals and an open `mint` faucet. Local chains and tests only.
"""


from ethereum.ercs import IERC20
implements: IERC20

from snekmate.auth import ownable
initializes: ownable

from snekmate.tokens import erc20
initializes: erc20[ownable := ownable]


# @dev The ERC-20 surface; the module's minter-gated `mint` is replaced by the open faucet below.
exports: (
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.totalSupply,
    erc20.balanceOf,
    erc20.allowance,
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
)


@deploy
def __init__(decimals_: uint8):
    """
    @param decimals_ The token's decimals (6 and 18 are what the pool is tested with).
    """
    ownable.__init__()
    erc20.__init__("Mock Stablecoin", "mUSD", decimals_, "Mock Stablecoin", "1")


@external
def mint(to: address, amount: uint256):
    """
    @notice Faucet: mints `amount` to `to`, open to anyone.
    """
    erc20._mint(to, amount)
