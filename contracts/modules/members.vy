# pragma version 0.4.3
"""
@title members
@custom:contract-name members
@license GNU Affero General Public License v3.0 only
@notice The pool's copy of what the alliance registry decides and a purchase
        must read: each member's standing, and a merchant's contribution rate,
        daily cap and the contribution it recorded in the current epoch, all
        in the member's `accounts` slot:
          merchant: standing (bits 0..7) | contribution_bps (8..23) | epoch
            (24..55) | daily_cap (56..155) | epoch_contribution (156..255)
          charity: standing only.
        `MerchantRegistry` (its own contract, docs/design.md) keeps the rest
        (statuses, categories, licences) and writes here through the pool's
        one hook, `update_member`, which calls `_update`. The refusals that
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
@pure
def _contribution_bps(word: uint256) -> uint256:
    return (word >> BPS) & _MASK16


@internal
def _use_daily_cap(merchant: address, word: uint256, contribution: uint256, epoch: uint256):
    """
    @dev Adds `contribution` to the merchant's total for `epoch` (its slot is `word`), reverting
         past its daily cap.
    """
    used: uint256 = contribution
    if (word >> _EPOCH) & _MASK32 == epoch:
        used += word >> _USED
    assert used <= (word >> _CAP) & MAX_DAILY_CAP, "registry: daily cap exceeded"
    accounts._store(
        merchant, (word & ((1 << _EPOCH) - 1)) | ((epoch & _MASK32) << _EPOCH) | (word & (MAX_DAILY_CAP << _CAP)) | (used << _USED)
    )


@internal
def _update(account: address, standing: accounts.Standing, contribution_bps: uint256, daily_cap: uint256):
    """
    @dev Writes what the registry decided about `account`. A merchant keeps its running daily
         total across changes of status and terms. Refuses to turn an address that was ever
         issued points into a member (the registry refuses it first, with its own reason).
    @param standing The member's kind and whether it is active.
    @param contribution_bps, daily_cap A merchant's terms (ignored for other kinds).
    """
    word: uint256 = accounts._slots[account]
    assert word & accounts.KIND_MASK != 0 or word == 0, "members: address was issued points"
    new: uint256 = convert(standing, uint256)
    if standing in accounts.Standing.MERCHANT:
        assert contribution_bps <= _MASK16 and daily_cap <= MAX_DAILY_CAP, "members: terms out of range"
        new |= (contribution_bps << BPS) | (daily_cap << _CAP)
        if word & convert(accounts.Standing.MERCHANT, uint256) != 0:
            new |= word & _RUNNING_TOTAL
    accounts._store(account, new)


@external
@view
def merchant_terms(merchant: address) -> Terms:
    """
    @notice A merchant's contribution rate, daily cap, and the epoch and contribution of its
            running daily total (all zero for a non-merchant).
    """
    word: uint256 = accounts._slots[merchant]
    if word & convert(accounts.Standing.MERCHANT, uint256) == 0:
        return empty(Terms)
    return Terms(
        contribution_bps=(word >> BPS) & _MASK16,
        daily_cap=(word >> _CAP) & MAX_DAILY_CAP,
        epoch=(word >> _EPOCH) & _MASK32,
        epoch_contribution=word >> _USED,
    )
