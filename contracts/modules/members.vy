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
          sponsor (SPEC 8.3): standing (bits 0..7) | cap hint (8..23) | epoch
            (24..55) | reward_per_kg (56..155) | epoch_contribution (156..255),
            and its exact daily cap in a slot of its own (`_sponsor_caps`)
          charity: standing only.
        A sponsor's action reads its reward with the one SLOAD of its slot.
        Its daily cap does not fit beside it (reward, cap and running total
        take 100 bits each), so the slot keeps a lower bound of the cap, the
        hint: a 9-bit mantissa m and a 7-bit shift e, cap hint = m << e, the
        cap with all but its top 9 significant bits cleared. A running total
        at or below the hint is within the cap; only above it (the last
        0.4% of the cap at most) does the action read the exact cap. The
        bounds stay those of the registry (reward and cap below 2**100).
        The pool's issuance reads and writes these slots itself, with the
        offsets below (`ValuePool._begin_issue`, `_finish_issue`: a call per
        step costs ~50 gas, docs/gas.md); this module writes the terms.
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
EPOCH: constant(uint256) = 24
CAP: constant(uint256) = 56
USED: constant(uint256) = 156
_MASK16: constant(uint256) = 2**16 - 1
MASK32: constant(uint256) = 2**32 - 1
# @dev The bits of the running daily total: epoch and epoch_contribution.
_RUNNING_TOTAL: constant(uint256) = (MASK32 << EPOCH) | (max_value(uint256) - (2**USED - 1))
# @dev A daily cap takes 100 bits; so does a sponsor's reward, in the merchant's cap field.
MAX_DAILY_CAP: constant(uint256) = 2**100 - 1
REWARD: constant(uint256) = CAP
# @dev A sponsor's cap hint: mantissa (bits 8..16) and shift (17..23) of the cap's lower bound.
HINT_MANTISSA: constant(uint256) = 2**9 - 1
HINT_SHIFT: constant(uint256) = 17
HINT_SHIFT_MASK: constant(uint256) = 2**7 - 1


# @dev A sponsor's exact daily cap (its slot keeps the hint); zero for others.
_sponsor_caps: HashMap[address, uint256]


# @dev What `merchant_terms` returns.
struct Terms:
    contribution_bps: uint256
    daily_cap: uint256
    epoch: uint256
    epoch_contribution: uint256


@internal
@pure
def _cap_hint(daily_cap: uint256) -> uint256:
    """
    @dev The hint of a sponsor's `daily_cap` (below 2**100): its top 9 significant bits as the
         mantissa and the shift that puts them back, so that mantissa << shift <= daily_cap.
    """
    mantissa: uint256 = daily_cap
    bits: uint256 = 0
    for i: uint256 in range(91):
        if mantissa <= HINT_MANTISSA:
            break
        mantissa >>= 1
        bits += 1
    return mantissa | (bits << (HINT_SHIFT - BPS))


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
        most: uint256 = _MASK16
        if standing in accounts.Standing.SPONSOR:
            most = MAX_DAILY_CAP
        assert daily_cap <= MAX_DAILY_CAP and rate <= most, "members: terms out of range"
        if most == _MASK16:
            new |= (rate << BPS) | (daily_cap << CAP)
        else:
            new |= (self._cap_hint(daily_cap) << BPS) | (rate << REWARD)
            self._sponsor_caps[account] = daily_cap
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
    bps: uint256 = (word >> BPS) & _MASK16
    cap: uint256 = (word >> CAP) & MAX_DAILY_CAP
    if word & convert(accounts.Standing.SPONSOR, uint256) != 0:
        bps = 0
        cap = self._sponsor_caps[merchant]
    return Terms(contribution_bps=bps, daily_cap=cap, epoch=(word >> EPOCH) & MASK32, epoch_contribution=word >> USED)


@external
@view
def reward_per_kg(sponsor: address) -> uint256:
    """
    @notice A sponsor's reward per 1,000 g of CO2e, in asset base units (SPEC 8.3); zero for others.
    """
    word: uint256 = accounts._slots[sponsor]
    if word & convert(accounts.Standing.SPONSOR, uint256) == 0:
        return 0
    return (word >> REWARD) & MAX_DAILY_CAP
