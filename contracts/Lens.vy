# pragma version 0.4.3
"""
@title Lens
@custom:contract-name Lens
@license GNU Affero General Public License v3.0 only
@notice Previews of a value pool's actions (SPEC 4.3-4.5, 8.3), as ERC-4626's
        `preview_deposit` and snekmate's `_preview_x`: a client about to act asks
        what the action will do, and gets the figures the action's event will
        carry, or the action's own revert reason.
          preview_purchase(merchant, amount, class_id) -> (contribution, points, co2e)
          preview_action(sponsor, class_id, quantity) -> (contribution, points, co2e)
          preview_exit(account, points) -> (payout, retained)
          preview_settle(account, points) -> (assets, fee)
        One lens per pool, beside it (as Uniswap's quoter or Aave's data providers):
        the pool's blueprint has no room for them (docs/design.md, "Code size").
        The lens holds nothing and changes nothing: it reads the pool's and its
        registry's existing views and runs the action's arithmetic on them, written
        with the same expressions as the pool's modules (whose constants it imports),
        rounding the same way, and checks in the action's order.
        Each preview makes every check of its action that depends only on its own
        arguments and the chain's state, and reverts with the action's reason. It
        does not make the checks on what it is not given: the consumer (zero
        address, the pool, a member; its lifetime issued value and carbon bounds),
        the order or action id (used before), nor the asset's pull of the
        contribution (the merchant's allowance and balance: `Registry.explain_pull`
        names them when the pull fails). A preview is computed at the block it is
        called on: an epoch that has begun but that no operation has synced yet is
        handled as the action would, which syncs first.
"""


from .interfaces import IPoolViews
from .interfaces import IRegistryViews
from .interfaces import ISettlementToken

from .modules import accounts
from .modules import catalog
from .modules import ledger
from .modules import orders
from .modules import rules


# @dev The value pool this lens previews.
pool: public(immutable(address))
# @dev The pool's registry (the rules' slot with the switches, the green catalog).
registry: public(immutable(address))
# @dev Points per smallest asset unit at par, 10**(18 - asset decimals), as the pool's `ledger`.
_PAR_SCALE: immutable(uint256)
# @dev One whole asset unit, 10**asset decimals, as the pool's `ledger`.
_UNIT: immutable(uint256)

# @dev Bounds of the pool's packed fields (`ledger`): total carbon, a consumer's lifetime payouts.
_MASK64: constant(uint256) = 2**64 - 1
_MASK128: constant(uint256) = 2**128 - 1


@deploy
def __init__(pool_: address):
    """
    @notice Deploys the lens of `pool_`; reads its registry and its asset's decimals once.
    @param pool_ The value pool.
    """
    assert pool_.is_contract, "lens: pool is not a contract"
    pool = pool_
    registry = staticcall IPoolViews(pool_).registry()
    decimals: uint256 = convert(staticcall ISettlementToken(staticcall IPoolViews(pool_).asset()).decimals(), uint256)
    assert decimals <= 18, "ledger: asset has more than 18 decimals"
    _PAR_SCALE = pow_mod256(10, 18 - decimals)
    _UNIT = pow_mod256(10, decimals)


# ---------------------------------------------------------------- issuance


@external
@view
def preview_purchase(merchant: address, amount: uint256, class_id: uint32) -> (uint256, uint256, uint256):
    """
    @notice What `record_purchase(consumer, amount, order_id, class_id)` called by `merchant`
            now would record: its contribution, the points issued and the co2e booked (the
            figures of its `PurchaseRecorded`). Reverts with the purchase's reason where it would
            (pause, shutdown, merchant not active, amount, class, no points, the pool's bounds,
            the merchant's daily cap, in that order). Not checked: the consumer, the order id and
            the merchant's allowance and balance of the asset.
    @param merchant The merchant that would record the purchase.
    @param amount The value of the receipt's items of that class, in asset units.
    @param class_id A certified product class.
    @return contribution Pulled from the merchant, in asset units.
    @return points Issued to the consumer.
    @return co2e Grams of CO2e booked.
    """
    cfg: uint256 = self._begin_issue()
    assert convert(staticcall IPoolViews(pool).standing_of(merchant), uint256) == accounts.ACTIVE_MERCHANT, (
        "registry: caller not an active merchant"
    )
    terms: IPoolViews.Terms = staticcall IPoolViews(pool).merchant_terms(merchant)
    assert amount != 0, "pool: amount is zero"
    assert amount <= orders.MAX_U128, "pool: amount too large"
    co2e: uint256 = amount * self._factor(class_id, catalog.PRODUCT) // _UNIT
    contribution: uint256 = amount * terms.contribution_bps // rules.BPS
    points: uint256 = self._issue_points(contribution, cfg)
    assert points != 0, "pool: purchase issues no points"
    self._check_bounds(points, contribution, co2e)
    assert self._within_cap(terms, contribution, cfg), "registry: daily cap exceeded"
    return contribution, points, co2e


@external
@view
def preview_action(sponsor: address, class_id: uint32, quantity: uint256) -> (uint256, uint256, uint256):
    """
    @notice What `record_action(consumer, class_id, quantity, action_id)` called by `sponsor`
            now would record: its contribution, the points issued and the co2e booked (the
            figures of its `ActionRecorded`). Reverts with the action's reason where it would
            (pause, shutdown, sponsor not active, quantity, class, carbon bound, no points, the
            pool's bounds, the sponsor's daily cap, in that order). Not checked: the consumer, the
            action id and the sponsor's allowance and balance of the asset.
    @param sponsor The sponsor that would record the action.
    @param class_id A certified action class.
    @param quantity How many of the class's units.
    @return contribution Pulled from the sponsor, in asset units.
    @return points Issued to the consumer.
    @return co2e Grams of CO2e booked.
    """
    cfg: uint256 = self._begin_issue()
    assert convert(staticcall IPoolViews(pool).standing_of(sponsor), uint256) == accounts.ACTIVE_SPONSOR, (
        "registry: sponsor not active"
    )
    terms: IPoolViews.Terms = staticcall IPoolViews(pool).merchant_terms(sponsor)
    assert quantity != 0, "pool: quantity is zero"
    assert quantity <= orders.MAX_U128, "pool: quantity too large"
    co2e: uint256 = quantity * self._factor(class_id, catalog.ACTION)
    assert co2e <= ledger.MAX_CARBON, "ledger: carbon too large"
    contribution: uint256 = co2e * staticcall IPoolViews(pool).reward_per_kg(sponsor) // 1_000
    points: uint256 = self._issue_points(contribution, cfg)
    assert points != 0, "pool: action issues no points"
    self._check_bounds(points, contribution, co2e)
    assert self._within_cap(terms, contribution, cfg), "registry: sponsor daily cap exceeded"
    return contribution, points, co2e


# ---------------------------------------------------------------- exit and settlement


@external
@view
def preview_exit(account: address, points: uint256) -> (uint256, uint256):
    """
    @notice What `exit(points)` called by `account` now would pay: the payout and the value
            retained by the pool (the figures of its `PointsExited`). Reverts with the exit's
            reason where it would: points zero, beyond the balance, then (before the shutdown)
            not a consumer and the four conditions in order (trigger, lock, return cap, epoch
            limit), then a payout of zero. After the shutdown: full value, nothing retained.
    @param account The holder that would exit.
    @param points The points it would exit.
    @return payout Paid to the holder, in asset units.
    @return retained The rest of the points' value, left in the pool.
    """
    assert points != 0, "exit_rule: points is zero"
    balance: uint256 = staticcall IPoolViews(pool).balanceOf(account)
    assert points <= balance, "exit_rule: amount exceeds balance"
    cfg: uint256 = staticcall IRegistryViews(registry).config()
    assets: uint256 = staticcall IPoolViews(pool).total_assets()
    supply: uint256 = staticcall IPoolViews(pool).totalSupply()
    worth: uint256 = self._to_assets(points, assets, supply)
    payout: uint256 = worth
    if cfg & rules.SHUTDOWN_BIT == 0:
        payout = self._check_exit(account, worth, balance, assets, supply, cfg)
    assert payout != 0, "exit_rule: exit pays nothing"
    assert staticcall IPoolViews(pool).paid_out_of(account) + payout <= _MASK128, "ledger: payouts too large"
    return payout, worth - payout


@external
@view
def preview_settle(account: address, points: uint256) -> (uint256, uint256):
    """
    @notice What `settle(points)` called by `account` now would pay: the assets paid and the
            fee kept by the pool (the figures of its `PointsSettled`). Reverts with the
            settlement's reason where it would: not a merchant or charity (of any status), points
            zero, beyond the balance, a payment of zero.
    @param account The merchant or charity that would settle.
    @param points The points it would settle.
    @return assets Paid to the account, in asset units.
    @return fee The rest of the points' value, left in the pool.
    """
    standing: uint256 = convert(staticcall IPoolViews(pool).standing_of(account), uint256)
    assert standing & (accounts.KIND_MASK ^ convert(accounts.Standing.SPONSOR, uint256)) != 0, (
        "pool: only merchants and charities settle"
    )
    assert points != 0, "pool: points is zero"
    assert points <= staticcall IPoolViews(pool).balanceOf(account), "pool: amount exceeds balance"
    cfg: uint256 = staticcall IRegistryViews(registry).config()
    worth: uint256 = self._to_assets(
        points, staticcall IPoolViews(pool).total_assets(), staticcall IPoolViews(pool).totalSupply()
    )
    paid: uint256 = worth * (rules.BPS - ((cfg >> rules.FEE) & rules.MASK16)) // rules.BPS
    assert paid != 0, "pool: settlement pays nothing"
    return paid, worth - paid


# ---------------------------------------------------------------- internals


@internal
@view
def _begin_issue() -> uint256:
    """
    @dev `ValuePool._begin_issue`'s switches, in its order; returns the rules' slot.
    """
    cfg: uint256 = staticcall IRegistryViews(registry).config()
    assert cfg & rules.PAUSED_BIT == 0, "pausable: contract is paused"
    assert cfg & rules.SHUTDOWN_BIT == 0, "pool: shut down"
    return cfg


@internal
@view
def _factor(class_id: uint32, kind: uint256) -> uint256:
    """
    @dev `catalog._factor` on the registry's record of the class (the pool's copy is written from
         it by `set_class` in the same transaction), through the module's own pure check: reverts
         unless the class is certified now and of `kind`.
    """
    class_kind: uint8 = 0
    certified: bool = False
    factor: uint256 = 0
    standard: bytes32 = empty(bytes32)
    class_kind, certified, factor, standard = staticcall IRegistryViews(registry).green_class(class_id)
    return catalog._factor_of(catalog._pack(convert(class_kind, uint256), certified, factor), kind)


@internal
@view
def _issue_points(contribution: uint256, cfg: uint256) -> uint256:
    """
    @dev `ValuePool._issue_points` without the consumer: the points `contribution` buys (its
         issue_bps share, rounded down, at the value per point now); 0 when they round to nothing.
    """
    issued_value: uint256 = contribution * ((cfg >> rules.ISSUE) & rules.MASK16) // rules.BPS
    points: uint256 = self._to_points(
        issued_value, staticcall IPoolViews(pool).total_assets(), staticcall IPoolViews(pool).totalSupply()
    )
    return points


@internal
@view
def _check_bounds(points: uint256, contribution: uint256, co2e: uint256):
    """
    @dev The bounds `ValuePool._issue_points` and `_finish_issue` check after the points:
         the points of one issuance, total_assets and the total carbon.
    """
    assert points <= orders.MAX_U128, "pool: amount too large"
    assert staticcall IPoolViews(pool).total_assets() + contribution <= ledger.MASK120, "ledger: total assets too large"
    assert staticcall IPoolViews(pool).total_carbon() + co2e <= _MASK64, "ledger: total carbon too large"


@internal
@view
def _within_cap(terms: IPoolViews.Terms, contribution: uint256, cfg: uint256) -> bool:
    """
    @dev `ValuePool._finish_issue`'s daily cap without the write: the member's running total
         restarts in a new epoch (block.timestamp // epoch_length), whether or not an operation has
         synced it yet.
    """
    used: uint256 = contribution
    if terms.epoch == block.timestamp // ((cfg >> rules.EPOCH_LENGTH) & rules.MASK32):
        used += terms.epoch_contribution
    return used <= terms.daily_cap


@internal
@view
def _check_exit(account: address, worth: uint256, balance: uint256, assets: uint256, supply: uint256, cfg: uint256) -> uint256:
    """
    @dev `exit_rule._check_exit` before the shutdown, without the write: the four conditions in
         order, each refusal naming its condition, against the epoch's figures as `_sync_epoch`
         would leave them. Returns the payout.
    """
    standing: uint256 = convert(staticcall IPoolViews(pool).standing_of(account), uint256)
    assert account != empty(address) and account != pool and standing & accounts.KIND_MASK == 0, (
        "exit_rule: merchants and charities settle instead"
    )
    assert self._to_assets(balance, assets, supply) * rules.BPS >= staticcall IPoolViews(pool).basis_of(account) * (
        (cfg >> rules.TRIGGER) & rules.MASK16
    ), "exit_rule: holding not worth the exit trigger"
    assert block.timestamp >= staticcall IPoolViews(pool).last_issued_at(account) + ((cfg >> rules.LOCK) & rules.MASK32), (
        "exit_rule: points still locked"
    )
    payout: uint256 = worth * ((cfg >> rules.PAYOUT) & rules.MASK16) // rules.BPS
    assert staticcall IPoolViews(pool).paid_out_of(account) + payout <= staticcall IPoolViews(pool).earned_of(account) * (
        (cfg >> rules.CAP) & rules.MASK16
    ) // rules.BPS, "exit_rule: return cap reached"
    start: uint256 = assets
    exited: uint256 = 0
    if block.timestamp // ((cfg >> rules.EPOCH_LENGTH) & rules.MASK32) == staticcall IPoolViews(pool).current_epoch():
        start = staticcall IPoolViews(pool).epoch_start_assets()
        exited = staticcall IPoolViews(pool).epoch_exited()
    assert exited + payout <= start * ((cfg >> rules.LIMIT) & rules.MASK16) // rules.BPS, (
        "exit_rule: epoch exit limit reached"
    )
    return payout


@internal
@view
def _to_points(assets: uint256, total_assets: uint256, supply: uint256) -> uint256:
    """
    @dev `ValuePool._issue_points`' conversion, through the module's own pure conversion, at this
         pool's par.
    """
    return ledger._points_at(assets, total_assets, supply, _PAR_SCALE)


@internal
@view
def _to_assets(points: uint256, total_assets: uint256, supply: uint256) -> uint256:
    """
    @dev `ledger._to_assets`, through the module's own pure conversion, at this pool's par.
    """
    return ledger._assets_at(points, total_assets, supply, _PAR_SCALE)
