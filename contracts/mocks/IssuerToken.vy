# pragma version 0.4.3
"""
@title IssuerToken
@custom:contract-name IssuerToken
@license GNU Affero General Public License v3.0 only
@notice A stablecoin whose issuer uses its powers as Tether's TetherToken does: it may
        blacklist an address and destroy its balance (`destroyBlackFunds`), which emits
        `DestroyedBlackFunds` and no `Transfer`. Tests only: what the monitor must see
        although the pool's events never show it.
"""


from ethereum.ercs import IERC20
implements: IERC20

from snekmate.auth import ownable
initializes: ownable

from snekmate.tokens import erc20
initializes: erc20[ownable := ownable]


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


event AddedBlackList:
    user: address

event DestroyedBlackFunds:
    blacklisted_user: address
    balance: uint256


is_blacklisted: public(HashMap[address, bool])


@deploy
def __init__(decimals_: uint8):
    """
    @param decimals_ The token's decimals.
    """
    ownable.__init__()
    erc20.__init__("Issuer Token", "iUSD", decimals_, "Issuer Token", "1")


@external
def mint(to: address, amount: uint256):
    """
    @notice Faucet, open to anyone (tests only).
    """
    erc20._mint(to, amount)


@external
def addBlackList(user: address):
    """
    @notice The issuer blacklists `user` (TetherToken's name).
    """
    ownable._check_owner()
    self.is_blacklisted[user] = True
    log AddedBlackList(user=user)


@external
def destroyBlackFunds(user: address):
    """
    @notice The issuer destroys a blacklisted address's balance, with no `Transfer`
            (TetherToken's name and behaviour).
    """
    ownable._check_owner()
    assert self.is_blacklisted[user], "issuer: not blacklisted"
    amount: uint256 = erc20.balanceOf[user]
    erc20.balanceOf[user] = 0
    erc20.totalSupply -= amount
    log DestroyedBlackFunds(blacklisted_user=user, balance=amount)
