# pragma version 0.4.3
"""
@title members
@custom:contract-name members
@license GNU Affero General Public License v3.0 only
@notice The pool's copy of what the alliance registry decides and a purchase
        or an action must read: each member's standing, and a merchant's or
        sponsor's rate, daily cap and the contribution it recorded in the
        current epoch, all in the member's `accounts` slot:
          merchant: standing (bits 0..7) | contribution_bps (8..23) | epoch
            (24..55) | daily_cap (56..155) | epoch_contribution (156..255)
          sponsor (SPEC 8.3): the same, contribution_bps 0; its reward per kg
            of CO2e in a slot of its own (`reward_per_kg`), read by actions only
          charity: standing only.
        `Registry` (its own contract, docs/design.md) keeps the rest
        (statuses, categories, licences) and writes here through the pool's
        hook for members, `update_member`, which calls `_update`. The refusals that
        enforce the registry's rules on the hot path keep the registry's
        prefix ("registry: ..."), the reasons merchants already know.
"""


from . import accounts
uses: accounts


# @dev Bit offsets of the merchant fields.
BPS: constant(uint256) = 8
_EPOCH: constant(uint256) = 24
_CAP: constant(uint256) = 56
_USED: constant(uint256) = 156
_MASK16: constant(uint256) = 2**16 - 1
_MASK32: constant(uint256) = 2**32 - 1
# @dev The bits of the running daily total: epoch and epoch_contribution.
_RUNNING_TOTAL: constant(uint256) = (_MASK32 << _EPOCH) | (max_value(uint256) - (2**_USED - 1))
# @dev A daily cap takes 100 bits.
MAX_DAILY_CAP: constant(uint256) = 2**100 - 1


# @dev A sponsor's reward per 1,000 g of CO2e, in asset base units (SPEC 8.3); zero for others.
reward_per_kg: public(HashMap[address, uint256])


# @dev What `merchant_terms` returns.
struct Terms:
    contribution_bps: uint256
    daily_cap: uint256
    epoch: uint256
    epoch_contribution: uint256


@internal
@view
def _active_merchant(merchant: address) -> uint256:
    """
    @dev The slot of `merchant`; reverts unless it is an active merchant.
    """
    word: uint256 = accounts._slots[merchant]
    assert word & accounts.STANDING_MASK == accounts.ACTIVE_MERCHANT, "registry: caller not an active merchant"
    return word


@internal
@view
def _active_sponsor(sponsor: address) -> uint256:
    """
    @dev The slot of `sponsor`; reverts unless it is an active sponsor.
    """
    word: uint256 = accounts._slots[sponsor]
    assert word & accounts.STANDING_MASK == accounts.ACTIVE_SPONSOR, "registry: sponsor not active"
    return word


@internal
def _use_daily_cap(member: address, word: uint256, contribution: uint256, epoch: uint256) -> bool:
    """
    @dev Adds `contribution` to the merchant's or sponsor's total for `epoch` (its slot is
         `word`); returns False past its daily cap (the caller reverts, naming whose cap).
    """
    used: uint256 = contribution
    if (word >> _EPOCH) & _MASK32 == epoch:
        used += word >> _USED
    accounts._store(
        member, (word & ((1 << _EPOCH) - 1)) | ((epoch & _MASK32) << _EPOCH) | (word & (MAX_DAILY_CAP << _CAP)) | (used << _USED)
    )
    return used <= (word >> _CAP) & MAX_DAILY_CAP


@internal
def _update(account: address, standing: accounts.Standing, rate: uint256, daily_cap: uint256):
    """
    @dev Writes what the registry decided about `account`. A merchant or sponsor keeps its running
         daily total across changes of status and terms. Refuses to turn an address that was ever
         issued points into a member (the registry refuses it first, with its own reason).
    @param standing The member's kind and whether it is active.
    @param rate A merchant's contribution_bps or a sponsor's reward_per_kg (0 for a charity).
    @param daily_cap A merchant's or sponsor's daily cap (0 for a charity).
    """
    word: uint256 = accounts._slots[account]
    assert word & accounts.KIND_MASK != 0 or word == 0, "members: address was issued points"
    new: uint256 = convert(standing, uint256)
    if standing in accounts.Standing.MERCHANT | accounts.Standing.SPONSOR:
        assert daily_cap <= MAX_DAILY_CAP, "members: terms out of range"
        new |= daily_cap << _CAP
        if standing in accounts.Standing.MERCHANT:
            assert rate <= _MASK16, "members: terms out of range"
            new |= rate << BPS
        else:
            self.reward_per_kg[account] = rate
        if word & convert(accounts.Standing.MERCHANT | accounts.Standing.SPONSOR, uint256) != 0:
            new |= word & _RUNNING_TOTAL
    accounts._store(account, new)


@external
@view
def merchant_terms(merchant: address) -> Terms:
    """
    @notice A merchant's contribution rate, daily cap, and the epoch and contribution of its
            running daily total; for a sponsor, the same with a contribution rate of 0 (all zero
            for others).
    """
    word: uint256 = accounts._slots[merchant]
    if word & convert(accounts.Standing.MERCHANT | accounts.Standing.SPONSOR, uint256) == 0:
        return empty(Terms)
    return Terms(
        contribution_bps=(word >> BPS) & _MASK16,
        daily_cap=(word >> _CAP) & MAX_DAILY_CAP,
        epoch=(word >> _EPOCH) & _MASK32,
        epoch_contribution=word >> _USED,
    )
