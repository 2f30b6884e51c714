# pragma version 0.4.3
"""
@title FiatToken
@custom:contract-name FiatToken
@license GNU Affero General Public License v3.0 only
@notice A stablecoin that behaves as Circle's FiatTokenV2_2 (USDC) does, for the tests: returns
        true, reverts with a reason, and its issuer may pause (`Pause`/`Unpause`) and blacklist
        (`Blacklisted`/`UnBlacklisted`, the account indexed), after which a blacklisted account
        can neither send nor receive. Event names and argument types are Circle's.
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

event Blacklisted:
    _account: indexed(address)

event UnBlacklisted:
    _account: indexed(address)


paused: public(bool)
isBlacklisted: public(HashMap[address, bool])


@deploy
def __init__(decimals_: uint8):
    """
    @param decimals_ The token's decimals (USDC's are 6).
    """
    ownable.__init__()
    erc20.__init__("Fiat Token", "fUSD", decimals_, "Fiat Token", "2")


@external
def mint(to: address, amount: uint256):
    """
    @notice Faucet, open to anyone (tests only).
    """
    erc20._mint(to, amount)


@external
def transfer(to: address, amount: uint256) -> bool:
    self._check(msg.sender, to)
    erc20._transfer(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    self._check(owner, to)
    assert not self.isBlacklisted[msg.sender], "Blacklistable: account is blacklisted"
    assert erc20.allowance[owner][msg.sender] >= amount, "ERC20: transfer amount exceeds allowance"
    erc20._spend_allowance(owner, msg.sender, amount)
    erc20._transfer(owner, to, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    assert not self.paused, "Pausable: paused"
    erc20._approve(msg.sender, spender, amount)
    return True


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
def blacklist(account: address):
    ownable._check_owner()
    self.isBlacklisted[account] = True
    log Blacklisted(_account=account)


@external
def unBlacklist(account: address):
    ownable._check_owner()
    self.isBlacklisted[account] = False
    log UnBlacklisted(_account=account)


@internal
def _check(sender: address, to: address):
    assert not self.paused, "Pausable: paused"
    assert not self.isBlacklisted[sender], "Blacklistable: account is blacklisted"
    assert not self.isBlacklisted[to], "Blacklistable: account is blacklisted"
