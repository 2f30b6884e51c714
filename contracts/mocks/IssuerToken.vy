# pragma version 0.4.3
"""
@title IssuerToken
@custom:contract-name IssuerToken
@license GNU Affero General Public License v3.0 only
@notice A stablecoin that behaves as Tether's TetherToken (Solidity 0.4.17) does, for the tests:
        - `transfer`, `transferFrom` and `approve` return nothing;
        - a paused token, a blacklisted sender and a non-zero allowance changed to another
          non-zero value revert with no reason (`require`);
        - an allowance or a balance too low hits SafeMath's `assert`: the INVALID opcode, which
          burns all the gas the call was given;
        - the issuer (owner) may pause (`Pause`/`Unpause`), blacklist (`AddedBlackList`/
          `RemovedBlackList`), destroy a blacklisted balance with no `Transfer`
          (`DestroyedBlackFunds`), and turn on a fee on every transfer later (`setParams`,
          `Params`), paid to the owner.
        Event names and argument types are Tether's, so the monitor's topics match the real token.
"""


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
    ownable.owner,
)


event Pause:
    pass

event Unpause:
    pass

event AddedBlackList:
    _user: address

event RemovedBlackList:
    _user: address

event DestroyedBlackFunds:
    _blackListedUser: address
    _balance: uint256

event Params:
    feeBasisPoints: uint256
    maxFee: uint256


paused: public(bool)
isBlackListed: public(HashMap[address, bool])
basisPointsRate: public(uint256)
maximumFee: public(uint256)


@deploy
def __init__(decimals_: uint8):
    """
    @param decimals_ The token's decimals (Tether's are 6).
    """
    ownable.__init__()
    erc20.__init__("Issuer Token", "iUSD", decimals_, "Issuer Token", "1")


@external
def mint(to: address, amount: uint256):
    """
    @notice Faucet, open to anyone (tests only; Tether's `issue` is the owner's).
    """
    erc20._mint(to, amount)


@external
def transfer(to: address, amount: uint256):
    """
    @notice Tether's `transfer`: no return value.
    """
    assert not self.paused
    assert not self.isBlackListed[msg.sender]
    self._move(msg.sender, to, amount)


@external
def transferFrom(owner: address, to: address, amount: uint256):
    """
    @notice Tether's `transferFrom`: no return value; an allowance or balance too low is an
            `assert` (all gas burned), as SafeMath's `sub` is.
    """
    assert not self.paused
    assert not self.isBlackListed[owner]
    allowed: uint256 = erc20.allowance[owner][msg.sender]
    if allowed < max_value(uint256):
        assert allowed >= amount, UNREACHABLE
        erc20.allowance[owner][msg.sender] = allowed - amount
    self._move(owner, to, amount)


@external
def approve(spender: address, amount: uint256):
    """
    @notice Tether's `approve`: no return value; a non-zero allowance may only be set to zero first.
    """
    assert amount == 0 or erc20.allowance[msg.sender][spender] == 0
    erc20.allowance[msg.sender][spender] = amount
    log erc20.IERC20.Approval(owner=msg.sender, spender=spender, value=amount)


@external
def pause():
    ownable._check_owner()
    self.paused = True
    log Pause()


@external
def unpause():
    ownable._check_owner()
    self.paused = False
    log Unpause()


@external
def addBlackList(user: address):
    ownable._check_owner()
    self.isBlackListed[user] = True
    log AddedBlackList(_user=user)


@external
def removeBlackList(user: address):
    ownable._check_owner()
    self.isBlackListed[user] = False
    log RemovedBlackList(_user=user)


@external
def destroyBlackFunds(user: address):
    """
    @notice Destroys a blacklisted address's balance, with no `Transfer` (Tether's behaviour).
    """
    ownable._check_owner()
    assert self.isBlackListed[user]
    amount: uint256 = erc20.balanceOf[user]
    erc20.balanceOf[user] = 0
    erc20.totalSupply -= amount
    log DestroyedBlackFunds(_blackListedUser=user, _balance=amount)


@external
def setParams(fee_bps: uint256, max_fee: uint256):
    """
    @notice Turns on (or changes) the fee every transfer pays the owner (Tether's `setParams`).
    """
    ownable._check_owner()
    self.basisPointsRate = fee_bps
    self.maximumFee = max_fee
    log Params(feeBasisPoints=fee_bps, maxFee=max_fee)


@internal
def _move(owner: address, to: address, amount: uint256):
    fee: uint256 = min(amount * self.basisPointsRate // 10_000, self.maximumFee)
    assert erc20.balanceOf[owner] >= amount, UNREACHABLE
    erc20.balanceOf[owner] -= amount
    erc20.balanceOf[to] += amount - fee
    if fee != 0:
        issuer: address = ownable.owner
        erc20.balanceOf[issuer] += fee
        log erc20.IERC20.Transfer(sender=owner, receiver=issuer, value=fee)
    log erc20.IERC20.Transfer(sender=owner, receiver=to, value=amount - fee)
