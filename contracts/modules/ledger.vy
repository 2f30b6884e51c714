# pragma version 0.4.3
"""
@title ledger
@custom:contract-name ledger
@license GNU Affero General Public License v3.0 only
@notice The pool's books: the assets held for point holders
        (`total_assets`, accounted internally, so tokens sent to the pool
        directly do not move the value per point), the conversions between
        assets and points, and each consumer's cost basis, lifetime issued
        value and lifetime exit payouts.
        Every conversion rounds down, in the pool's favour: points issued
        and assets paid are never more than their exact value, so the value
        per point never decreases while points exist.
"""


from snekmate.tokens import erc20
uses: erc20


# @dev Points per asset unit at par is 10**(18 - asset decimals).
_PAR_SCALE: immutable(uint256)

# @dev Assets the pool holds for point holders: contributions minus payouts, settlements and refunds.
total_assets: public(uint256)
# @dev A consumer's cost basis: the issued value of the points they hold (reduced pro rata on outflows).
basis_of: public(HashMap[address, uint256])
# @dev A consumer's lifetime issued value (reduced only when a purchase is reversed).
earned_of: public(HashMap[address, uint256])
# @dev A consumer's lifetime exit payouts.
paid_out_of: public(HashMap[address, uint256])
# @dev When points were last issued to an account (the exit lock runs from here).
last_issued_at: public(HashMap[address, uint256])


@deploy
def __init__(asset_decimals: uint8):
    """
    @param asset_decimals Decimals of the settlement asset, at most 18.
    """
    assert asset_decimals <= 18, "ledger: asset has more than 18 decimals"
    _PAR_SCALE = pow_mod256(10, 18 - convert(asset_decimals, uint256))


@internal
@view
def _to_points(assets: uint256) -> uint256:
    """
    @dev Points worth `assets` at the current value per point, rounded down; par when no points exist.
    """
    supply: uint256 = erc20.totalSupply
    if supply == 0:
        return assets * _PAR_SCALE
    # While points exist the pool holds assets (every issuance adds a non-zero contribution and
    # every payout leaves the value of the remaining points), so this never divides by zero.
    return assets * supply // self.total_assets


@internal
@view
def _to_assets(points: uint256) -> uint256:
    """
    @dev Assets that `points` are worth at the current value per point, rounded down.
    """
    supply: uint256 = erc20.totalSupply
    if supply == 0:
        return points // _PAR_SCALE
    return points * self.total_assets // supply


@internal
def _credit_issue(consumer: address, points: uint256, issued_value: uint256, contribution: uint256):
    """
    @dev Books an issuance: mints `points`, adds `contribution` to the pool and
         `issued_value` to the consumer's basis and lifetime earnings, restarts the lock.
    """
    self.total_assets += contribution
    self.basis_of[consumer] += issued_value
    self.earned_of[consumer] += issued_value
    self.last_issued_at[consumer] = block.timestamp
    erc20._mint(consumer, points)


@internal
def _reduce_basis(account: address, points: uint256):
    """
    @dev Reduces the basis of `account` pro rata for `points` about to leave it.
         The cut rounds down (the basis stays in the pool's favour); all points
         leaving takes the whole basis. Call before the balance changes.
    """
    basis: uint256 = self.basis_of[account]
    if basis == 0:
        return
    balance: uint256 = erc20.balanceOf[account]
    assert points <= balance, "ledger: amount exceeds balance"
    self.basis_of[account] = basis - basis * points // balance


@internal
@view
def _value_of(account: address) -> uint256:
    return self._to_assets(erc20.balanceOf[account])


@external
@view
def convert_to_points(assets: uint256) -> uint256:
    """
    @notice Points that `assets` would buy at the current value per point (rounded down).
    """
    return self._to_points(assets)


@external
@view
def convert_to_assets(points: uint256) -> uint256:
    """
    @notice Assets that `points` are worth at the current value per point (rounded down).
    """
    return self._to_assets(points)


@external
@view
def price_per_point() -> uint256:
    """
    @notice Assets one whole point (10**18) is worth, rounded down.
    """
    return self._to_assets(10**18)


@external
@view
def value_of(account: address) -> uint256:
    """
    @notice The current value, in assets, of the points `account` holds.
    """
    return self._value_of(account)
