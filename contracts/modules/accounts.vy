# pragma version 0.4.3
"""
@title accounts
@custom:contract-name accounts
@license GNU Affero General Public License v3.0 only
@notice One storage slot per address, so that an operation learns who an
        address is and reads its books with a single SLOAD. The low byte is
        the address's standing (a `Standing` flag: which kind of member it
        is, and whether it is active now); the other 248 bits depend on the
        kind:
          consumer (standing empty), owned by `ledger`:
            last_issued_at (bits 8..43) | basis (44..131) | earned (132..219)
            | carbon (220..255)
          merchant, owned by `members`:
            contribution_bps (8..23) | epoch (24..55) | daily_cap (56..155)
            | epoch_contribution (156..255)
          charity: nothing besides the standing.
          sponsor, owned by `members`: the merchant's layout with a hint of
            its daily cap for contribution_bps and its reward per kg for the
            daily cap (the exact cap in a slot of its own).
        An address becomes a member only while this slot is empty (never
        issued points), so consumer books and member terms never share a slot.
"""


# @dev Who an address is. No flag: a consumer. The kind flags are never cleared once set;
# ACTIVE is set while a merchant or sponsor is active or a charity registered.
flag Standing:
    MERCHANT
    CHARITY
    SPONSOR
    ACTIVE


# @dev The mask of the standing byte.
STANDING_MASK: constant(uint256) = 255
# @dev Standings tested on the hot path, as plain words.
ACTIVE_MERCHANT: constant(uint256) = 9  # MERCHANT | ACTIVE
REGISTERED_CHARITY: constant(uint256) = 10  # CHARITY | ACTIVE
ACTIVE_SPONSOR: constant(uint256) = 12  # SPONSOR | ACTIVE
KIND_MASK: constant(uint256) = 7  # MERCHANT | CHARITY | SPONSOR


# @dev The one slot of every address, laid out as the module's notice describes.
_slots: HashMap[address, uint256]


@internal
@view
def _load(account: address) -> uint256:
    """
    @dev The slot of `account`.
    """
    return self._slots[account]


@internal
def _store(account: address, word: uint256):
    """
    @dev Writes the slot of `account` (callers keep the layout of its kind).
    """
    self._slots[account] = word


@internal
@view
def _is_consumer(account: address) -> bool:
    """
    @dev True when `account` is a consumer: no member kind, not the zero address, not the pool.
    """
    return account != empty(address) and account != self and self._slots[account] & KIND_MASK == 0


@external
@view
def standing_of(account: address) -> Standing:
    """
    @notice Who `account` is: its member kinds and whether it is active (empty for a consumer).
    """
    return convert(self._slots[account] & STANDING_MASK, Standing)
