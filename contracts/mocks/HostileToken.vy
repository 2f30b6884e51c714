# pragma version 0.4.3
"""
@title HostileToken
@custom:contract-name HostileToken
@license GNU Affero General Public License v3.0 only
@notice A settlement token that attacks the pool: armed with a call, it makes that call
        into the pool from inside its own `transfer` / `transferFrom` (reentrancy), and
        records whether it got through and what the pool answered. It can also keep a fee
        on every transfer (a fee-on-transfer token). Tests only.
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
    erc20.approve,
)

# @dev The call made from inside the next transfer (empty: none).
attack_target: public(address)
attack_data: public(Bytes[4096])
# @dev Whether the last reentrant call succeeded, and what it returned or reverted with.
reentered: public(bool)
attempts: public(uint256)
last_answer: public(Bytes[1024])
# @dev Whether the last direct call (`call_now`) succeeded.
direct_ok: public(bool)
# @dev Basis points kept from every transfer (a fee-on-transfer token); 0: none.
fee_bps: public(uint256)


event ReentryTried:
    target: indexed(address)
    succeeded: bool
    answer: Bytes[1024]


@deploy
def __init__(decimals_: uint8):
    ownable.__init__()
    erc20.__init__("Hostile", "EVIL", decimals_, "Hostile", "1")


@external
def mint(to: address, amount: uint256):
    erc20._mint(to, amount)


@external
def arm(target: address, data: Bytes[4096]):
    """
    @notice The next transfer or transferFrom calls `target` with `data` first.
    """
    self.attack_target = target
    self.attack_data = data


@external
def set_fee(fee_bps: uint256):
    self.fee_bps = fee_bps


@external
def call_now(target: address, data: Bytes[4096]):
    """
    @notice The same call made directly (not from inside a transfer), for comparison.
    """
    ok: bool = False
    answer: Bytes[1024] = b""
    ok, answer = raw_call(target, data, max_outsize=1024, revert_on_failure=False)
    self.direct_ok = ok
    self.last_answer = answer


@internal
def _attack():
    target: address = self.attack_target
    if target == empty(address):
        return
    self.attack_target = empty(address)  # once
    ok: bool = False
    answer: Bytes[1024] = b""
    ok, answer = raw_call(target, self.attack_data, max_outsize=1024, revert_on_failure=False)
    self.attempts += 1
    self.reentered = ok
    self.last_answer = answer
    log ReentryTried(target=target, succeeded=ok, answer=answer)


@internal
def _move(owner: address, to: address, amount: uint256):
    fee: uint256 = amount * self.fee_bps // 10_000
    erc20._transfer(owner, to, amount - fee)
    if fee != 0:
        erc20._burn(owner, fee)


@external
def transfer(to: address, amount: uint256) -> bool:
    self._attack()
    self._move(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    self._attack()
    erc20._spend_allowance(owner, msg.sender, amount)
    self._move(owner, to, amount)
    return True
