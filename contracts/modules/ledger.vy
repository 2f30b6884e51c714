# pragma version 0.4.3
"""
@title ledger
@custom:contract-name ledger
@license GNU Affero General Public License v3.0 only
@notice The pool's books: the assets held for point holders
        (`total_assets`, accounted internally, so tokens sent to the pool
        directly do not move the value per point), the conversions between
        assets and points, and each consumer's cost basis, lifetime issued
        value, lifetime exit payouts and last issuance time. Every movement
        of money out of the books goes through a helper here; what comes in
        (an issuance: the contribution, the consumer's books, the mint) is
        written by the pool's `_issue_points` and `_finish_issue` with the
        offsets below (an internal call per step costs an action or a
        purchase ~50 gas: docs/gas.md).
        Every conversion rounds down, in the pool's favour: points issued
        and assets paid are never more than their exact value, so the value
        per point never decreases while points exist.
        Storage, packed (docs/design.md):
          the pool word, which every purchase reads and writes and which
          holds everything else a purchase needs, so that it reads no other
          pool-wide slot: total_assets (bits 0..119) | current_epoch
          (120..151, `exit_rule`'s snapshot epoch) | total carbon (152..215,
          grams, SPEC 8.4) | issue_bps (216..229) | epoch_length (230..251)
          | paused (252) | shut down (253), the last four copied from the
          rules by `_copy_rules` whenever the registry pushes them
          a consumer's books, in its `accounts` slot: last_issued_at
            (8..43) | basis (44..131) | earned (132..219) | carbon (220..255,
            grams of CO2e credited over its lifetime, SPEC 8.4)
          a consumer's lifetime exit payouts, in a slot of their own
        Bounds: total_assets below 2**120, a consumer's lifetime issued value
        below 2**88, its carbon below 2**36 grams (68,719 tonnes) and the
        total carbon below 2**64 grams (refused beyond, naming the bound).
"""


from snekmate.tokens import erc20
uses: erc20

from . import accounts
uses: accounts

from . import rules


# @dev Bit offsets and masks of the packed fields.
EPOCH: constant(uint256) = 120
ISSUE: constant(uint256) = 216
EPOCH_LENGTH: constant(uint256) = 230
PAUSED_BIT: constant(uint256) = 1 << 252
SHUTDOWN_BIT: constant(uint256) = 1 << 253
MASK120: constant(uint256) = 2**120 - 1
_RULES_MASK: constant(uint256) = (2**38 - 1) << ISSUE
MASK14: constant(uint256) = 2**14 - 1
MASK22: constant(uint256) = 2**22 - 1
LAST: constant(uint256) = 8
BASIS: constant(uint256) = 44
EARNED: constant(uint256) = 132
CARBON: constant(uint256) = 220
TOTAL_CARBON: constant(uint256) = 152
_MASK32: constant(uint256) = 2**32 - 1
MASK36: constant(uint256) = 2**36 - 1
MASK64: constant(uint256) = 2**64 - 1
MASK88: constant(uint256) = 2**88 - 1
_MASK128: constant(uint256) = 2**128 - 1
# @dev A consumer's carbon takes 36 bits: at most 68,719 tonnes of CO2e in its lifetime.
MAX_CARBON: constant(uint256) = MASK36

# @dev Points per asset unit at par is 10**(18 - asset decimals).
PAR_SCALE: immutable(uint256)
# @dev One whole asset unit, 10**asset decimals: a product class's factor is per whole unit of sale.
_UNIT: immutable(uint256)

# @dev The pool word: total_assets | current_epoch | total carbon | a purchase's rules (see the notice).
_totals: uint256
# @dev Each consumer's lifetime exit payouts.
_payouts: HashMap[address, uint256]


@deploy
def __init__(asset_decimals: uint8):
    """
    @param asset_decimals Decimals of the settlement asset, at most 18.
    """
    assert asset_decimals <= 18, "ledger: asset has more than 18 decimals"
    PAR_SCALE = pow_mod256(10, 18 - convert(asset_decimals, uint256))
    _UNIT = pow_mod256(10, convert(asset_decimals, uint256))


# ---------------------------------------------------------------- totals


@internal
@view
def _epoch_now(totals: uint256) -> uint256:
    """
    @dev The current epoch under the epoch_length copied into the pool word `totals`.
    """
    return block.timestamp // ((totals >> EPOCH_LENGTH) & MASK22)


@internal
@view
def _co2e_of_sale(amount: uint256, co2e_per_unit: uint256) -> uint256:
    """
    @dev Grams of CO2e a sale of `amount` (asset base units) of a product class avoids, rounded down.
    """
    return amount * co2e_per_unit // _UNIT


@internal
def _start_epoch(totals: uint256, epoch: uint256) -> uint256:
    """
    @dev Writes `epoch` as the current epoch and returns the new pool word.
    """
    new: uint256 = (totals & (max_value(uint256) ^ (_MASK32 << EPOCH))) | ((epoch & _MASK32) << EPOCH)
    self._totals = new
    return new


@internal
def _copy_rules(cfg: uint256):
    """
    @dev Copies what a purchase reads of the rules' slot `cfg` (layout in `rules`): issue_bps,
         epoch_length and the two switches, into the pool word.
    """
    word: uint256 = (((cfg >> rules.ISSUE) & rules.MASK16) << ISSUE) | (
        ((cfg >> rules.EPOCH_LENGTH) & rules.MASK32) << EPOCH_LENGTH
    )
    if cfg & rules.PAUSED_BIT != 0:
        word |= PAUSED_BIT
    if cfg & rules.SHUTDOWN_BIT != 0:
        word |= SHUTDOWN_BIT
    self._totals = (self._totals & (max_value(uint256) ^ _RULES_MASK)) | word


@internal
def _debit(amount: uint256):
    """
    @dev Takes `amount` paid out of the books (exit payout, settlement, refund). Money out
         never exceeds the value of the points burned, so this cannot underflow.
    """
    totals: uint256 = self._totals
    self._totals = totals - amount


# ---------------------------------------------------------------- conversions


@internal
@view
def _to_assets(points: uint256, total_assets: uint256, supply: uint256) -> uint256:
    """
    @dev Assets that `points` are worth when the pool holds `total_assets` against `supply`
         points, rounded down.
    """
    # As `_assets_at`, written out: a call costs the pool's blueprint room (docs/design.md,
    # "Code size"); tests/unit/lens holds the two to the same figures.
    if supply == 0:
        return points // PAR_SCALE
    return points * total_assets // supply


@internal
@pure
def _points_at(assets: uint256, total_assets: uint256, supply: uint256, par_scale: uint256) -> uint256:
    """
    @dev Points worth `assets` when the pool holds `total_assets` against `supply` points, for an
         asset whose par is `par_scale` points per smallest unit, rounded down; par when no points
         exist (pure: the pool's `Lens` runs it on the pool's figures; the pool's issuance writes
         the same expression out, `ValuePool._issue_points`).
    """
    if supply == 0:
        return assets * par_scale
    # While points exist the pool holds assets (every issuance adds a non-zero contribution and
    # every payout leaves the value of the remaining points), so this never divides by zero.
    return assets * supply // total_assets


@internal
@pure
def _assets_at(points: uint256, total_assets: uint256, supply: uint256, par_scale: uint256) -> uint256:
    """
    @dev `_to_assets` for an asset whose par is `par_scale` points per smallest unit (pure: the
         pool's `Lens` runs it on the pool's figures).
    """
    if supply == 0:
        return points // par_scale
    return points * total_assets // supply


@internal
@view
def _value(points: uint256) -> uint256:
    """
    @dev Assets that `points` are worth now, rounded down.
    """
    return self._to_assets(points, self._totals & MASK120, erc20.totalSupply)


# ---------------------------------------------------------------- consumer books


@internal
@pure
def _basis(book: uint256) -> uint256:
    return (book >> BASIS) & MASK88


@internal
@pure
def _earned(book: uint256) -> uint256:
    return (book >> EARNED) & MASK88


@internal
@pure
def _last_issued(book: uint256) -> uint256:
    return (book >> LAST) & MASK36


@internal
@view
def _paid_out(account: address) -> uint256:
    return self._payouts[account]


@internal
def _reduce_basis(account: address, book: uint256, points: uint256) -> uint256:
    """
    @dev Reduces the basis of consumer `account` (slot `book`) pro rata for `points` about to
         leave it, and returns the new slot. The cut rounds down (the basis stays in the pool's
         favour); all points leaving takes the whole basis. Members carry no basis: their slot is
         returned unchanged. Call before the balance changes.
    """
    if book & accounts.KIND_MASK != 0:
        return book
    basis: uint256 = (book >> BASIS) & MASK88
    if basis == 0:
        return book
    balance: uint256 = erc20.balanceOf[account]
    assert points <= balance, "ledger: amount exceeds balance"
    new: uint256 = (book & (max_value(uint256) ^ (MASK88 << BASIS))) | (
        (basis - basis * points // balance) << BASIS
    )
    accounts._store(account, new)
    return new


@internal
def _pay_exit(account: address, book: uint256, points: uint256, payout: uint256):
    """
    @dev Books an exit: the basis follows the points out, the points are burned, the payout
         leaves the books and counts towards the account's lifetime payouts.
    """
    self._reduce_basis(account, book, points)
    erc20._burn(account, points)
    self._debit(payout)
    paid: uint256 = self._payouts[account] + payout
    assert paid <= _MASK128, "ledger: payouts too large"
    self._payouts[account] = paid


@internal
def _pay_settlement(account: address, points: uint256, paid: uint256):
    """
    @dev Books a settlement: the points are burned and `paid` leaves the books.
    """
    erc20._burn(account, points)
    self._debit(paid)


@internal
def _pay_refund(consumer: address, points: uint256, issued_value: uint256, co2e: uint256, refund: uint256):
    """
    @dev Books a reversed purchase: the basis follows the points out, the purchase's issued value
         leaves the lifetime earnings (it must not keep raising the return cap) and its co2e the
         consumer's carbon and the total, the points are burned and `refund` leaves the books.
    """
    book: uint256 = self._reduce_basis(consumer, accounts._slots[consumer], points)
    earned: uint256 = ((book >> EARNED) & MASK88) - issued_value
    carbon: uint256 = (book >> CARBON) - co2e
    accounts._store(
        consumer, (book & (max_value(uint256) >> (256 - EARNED))) | (earned << EARNED) | (carbon << CARBON)
    )
    erc20._burn(consumer, points)
    totals: uint256 = self._totals
    self._totals = totals - refund - (co2e << TOTAL_CARBON)


# ---------------------------------------------------------------- views


@external
@view
def total_assets() -> uint256:
    """
    @notice Assets the pool holds for point holders: contributions minus payouts, settlements and refunds.
    """
    return self._totals & MASK120


@internal
@view
def _book_of(account: address) -> uint256:
    """
    @dev The consumer books of `account`: its slot, or 0 for a member (which has none).
    """
    book: uint256 = accounts._slots[account]
    if book & accounts.KIND_MASK != 0:
        return 0
    return book


@external
@view
def basis_of(account: address) -> uint256:
    """
    @notice A consumer's cost basis: the issued value of the points it holds (reduced pro rata on outflows).
    """
    return self._basis(self._book_of(account))


@external
@view
def earned_of(account: address) -> uint256:
    """
    @notice A consumer's lifetime issued value (reduced only when a purchase is reversed).
    """
    return self._earned(self._book_of(account))


@external
@view
def last_issued_at(account: address) -> uint256:
    """
    @notice When points were last issued to `account` (the exit lock runs from here); 0 if never.
    """
    return self._last_issued(self._book_of(account))


@external
@view
def paid_out_of(account: address) -> uint256:
    """
    @notice An account's lifetime exit payouts.
    """
    return self._payouts[account]


@external
@view
def carbon_of(account: address) -> uint256:
    """
    @notice Grams of CO2e credited to a consumer over its lifetime, from purchases and actions, less
            reversed purchases (SPEC 8.4). Spending, donating, settling or exiting does not move it.
    """
    return self._book_of(account) >> CARBON


@external
@view
def total_carbon() -> uint256:
    """
    @notice Grams of CO2e of every recorded purchase and action, less reversed purchases (SPEC 8.4).
    """
    return (self._totals >> TOTAL_CARBON) & MASK64


@external
@view
def convert_to_points(assets: uint256) -> uint256:
    """
    @notice Points that `assets` would buy at the current value per point (rounded down).
    """
    return self._points_at(assets, self._totals & MASK120, erc20.totalSupply, PAR_SCALE)


@external
@view
def convert_to_assets(points: uint256) -> uint256:
    """
    @notice Assets that `points` are worth at the current value per point (rounded down).
    """
    return self._value(points)


@external
@view
def price_per_point() -> uint256:
    """
    @notice Assets one whole point (10**18) is worth, rounded down.
    """
    return self._value(10**18)


@external
@view
def value_of(account: address) -> uint256:
    """
    @notice The current value, in assets, of the points `account` holds.
    """
    return self._value(erc20.balanceOf[account])
