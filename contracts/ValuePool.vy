# pragma version 0.4.3
# pragma optimize codesize
"""
@title ValuePool
@custom:contract-name ValuePool
@license GNU Affero General Public License v3.0 only
@notice Green consumption points: the points token, the escrowed value pool,
        the merchant and charity registry, the capped exit and the rules, in
        one contract (as an ERC-4626 vault is its own share token; the reasons
        are in docs/design.md).
        Whitelisted merchants record purchases and, in the same call, pay
        their contribution into the pool; part of it is issued to the consumer
        as points at the current value per point, the rest raises that value.
        Points move only from consumers to active merchants (spend) and
        registered charities (donate); merchants and charities settle them to
        assets for a fee; consumers whose holding is worth the exit trigger
        may exit within the cap. No function moves the pool's assets except
        exit, settle and reverse_purchase, each paying at most the points'
        value. There is no sweep, no admin withdrawal and no upgrade path.
"""


from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed


from snekmate.auth import ownable
initializes: ownable

from snekmate.tokens import erc20
initializes: erc20[ownable := ownable]

from snekmate.auth import access_control
initializes: access_control

from snekmate.utils import pausable
initializes: pausable

from .modules import rules
initializes: rules

from .modules import registry as merchant_registry
initializes: merchant_registry[access_control := access_control, erc20 := erc20, rules := rules]

from .modules import ledger
initializes: ledger[erc20 := erc20]

from .modules import exit_rule
initializes: exit_rule[erc20 := erc20, rules := rules, ledger := ledger]


# @dev What this contract exports, and why:
# - erc20: the read side of ERC-20 and `approve` (a merchant may pull points at its till
#   with `transferFrom`). NOT exported: `transfer`/`transferFrom` (ours below, which allow
#   only consumer -> active merchant or registered charity), `mint`, `burn`, `burn_from`,
#   `set_minter`, `permit`, `transfer_ownership`, `renounce_ownership`, `owner`: points are
#   minted only against a recorded purchase and burned only by exit, settle and reversal.
# - access_control: role reads and role administration by the governor (who holds
#   DEFAULT_ADMIN_ROLE) to rotate the registrar and guardian through the timelock.
#   NOT exported: `set_role_admin` (the role tree is fixed).
# - pausable: `paused` only; pause and unpause are ours (guardian or governor / governor).
# - rules, merchant_registry, ledger, exit_rule: every getter and the registrar's functions.
exports: (
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.totalSupply,
    erc20.balanceOf,
    erc20.allowance,
    erc20.approve,
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.supportsInterface,
    pausable.paused,
    rules.issue_bps,
    rules.exit_trigger_bps,
    rules.exit_payout_bps,
    rules.return_cap_bps,
    rules.epoch_exit_limit_bps,
    rules.epoch_length,
    rules.lock_period,
    rules.settlement_fee_bps,
    rules.min_contribution_bps,
    rules.max_contribution_bps,
    merchant_registry.REGISTRAR_ROLE,
    merchant_registry.merchants,
    merchant_registry.charities,
    merchant_registry.admit,
    merchant_registry.update_terms,
    merchant_registry.suspend,
    merchant_registry.reinstate,
    merchant_registry.revoke,
    merchant_registry.register_charity,
    merchant_registry.remove_charity,
    merchant_registry.is_active,
    merchant_registry.is_charity,
    merchant_registry.is_merchant,
    merchant_registry.is_consumer,
    ledger.total_assets,
    ledger.basis_of,
    ledger.earned_of,
    ledger.paid_out_of,
    ledger.last_issued_at,
    ledger.convert_to_points,
    ledger.convert_to_assets,
    ledger.price_per_point,
    ledger.value_of,
    exit_rule.current_epoch,
    exit_rule.epoch_start_assets,
    exit_rule.epoch_exited,
    exit_rule.exit_budget_left,
)


# @dev The guardian role: may pause, nothing else.
GUARDIAN_ROLE: public(constant(bytes32)) = keccak256("GUARDIAN_ROLE")
# @dev Most purchases in one `record_purchases` call.
MAX_BATCH: public(constant(uint256)) = 100
# @dev Type bound of the batch arrays: longer than MAX_BATCH, so 101 to 128 entries get a clear reason.
_BATCH_BOUND: constant(uint256) = 128
# @dev Order amounts and points are packed in 128 bits each.
_MAX_U128: constant(uint256) = 2**128 - 1

# @dev The settlement asset (a stablecoin; a mock on a local chain).
asset: public(immutable(address))
# @dev The governor: a timelock. Changes rules, unpauses, shuts down.
governor: public(immutable(address))
# @dev True once the governor has shut the pool down (irreversible).
is_shutdown: public(bool)


# @dev A recorded purchase, packed in two slots:
# consumer_time = consumer | issued_at << 160 | issue_bps << 224 | reversed << 240;
# amounts = points | contribution << 128. An order id with a record is used for good.
struct Order:
    consumer_time: uint256
    amounts: uint256


# @dev What `order_of` returns.
struct OrderView:
    consumer: address
    issued_at: uint256
    points: uint256
    contribution: uint256
    issued_value: uint256
    reversed: bool


# @dev Every purchase recorded, by merchant and order id.
_orders: HashMap[address, HashMap[bytes32, Order]]


event PurchaseRecorded:
    merchant: indexed(address)
    consumer: indexed(address)
    order_id: indexed(bytes32)
    amount: uint256
    contribution: uint256
    points: uint256
    total_assets: uint256
    total_supply: uint256

event PurchaseReversed:
    merchant: indexed(address)
    consumer: indexed(address)
    order_id: indexed(bytes32)
    points: uint256
    refund: uint256
    total_assets: uint256
    total_supply: uint256

event PointsSpent:
    consumer: indexed(address)
    merchant: indexed(address)
    points: uint256
    order_id: bytes32

event PointsDonated:
    consumer: indexed(address)
    charity: indexed(address)
    points: uint256

event PointsSettled:
    account: indexed(address)
    points: uint256
    assets: uint256
    fee: uint256

event PointsExited:
    account: indexed(address)
    points: uint256
    payout: uint256
    retained: uint256

event PoolShutDown:
    governor: indexed(address)
    total_assets: uint256
    total_supply: uint256


@deploy
def __init__(
    asset_: address,
    governor_: address,
    registrar_: address,
    guardian_: address,
    initial_rules: rules.Rules,
):
    """
    @notice Deploys the pool. The deployer keeps no role.
    @param asset_ The settlement token (ERC-20 with at most 18 decimals).
    @param governor_ The governor (a timelock); holds DEFAULT_ADMIN_ROLE.
    @param registrar_ The registrar (industry association).
    @param guardian_ The guardian (may pause).
    @param initial_rules Every rule, each within its hard bounds.
    """
    assert asset_.is_contract, "pool: asset is not a contract"
    assert governor_ != empty(address), "pool: governor is the zero address"
    assert registrar_ != empty(address), "pool: registrar is the zero address"
    assert guardian_ != empty(address), "pool: guardian is the zero address"
    asset = asset_
    governor = governor_
    ownable.__init__()
    erc20.__init__("Green Consumption Points", "GCP", 18, "greenpoints", "1")
    access_control.__init__()
    pausable.__init__()
    rules.__init__(initial_rules)
    ledger.__init__(staticcall IERC20Detailed(asset_).decimals())
    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, governor_)
    access_control._grant_role(merchant_registry.REGISTRAR_ROLE, registrar_)
    access_control._grant_role(GUARDIAN_ROLE, guardian_)
    if msg.sender != governor_:
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    exit_rule._sync_epoch()


# ---------------------------------------------------------------- issuance


@external
@nonreentrant
def record_purchase(consumer: address, amount: uint256, order_id: bytes32) -> uint256:
    """
    @notice Records a purchase by `consumer` at the calling merchant and pulls the
            merchant's contribution into the pool; issues points to the consumer.
    @param consumer The buyer: a consumer (not a merchant, charity, the pool or zero).
    @param amount The sale amount, in asset units.
    @param order_id The merchant's order id, used once ever per merchant.
    @return The points issued.
    """
    contribution_bps: uint256 = self._check_can_issue()
    points: uint256 = 0
    contribution: uint256 = 0
    points, contribution = self._record(msg.sender, contribution_bps, consumer, amount, order_id)
    merchant_registry._use_daily_cap(msg.sender, contribution)
    self._pull(msg.sender, contribution)
    return points


@external
@nonreentrant
def record_purchases(
    consumers: DynArray[address, _BATCH_BOUND],
    amounts: DynArray[uint256, _BATCH_BOUND],
    order_ids: DynArray[bytes32, _BATCH_BOUND],
) -> uint256:
    """
    @notice Records up to MAX_BATCH purchases at the calling merchant with one asset
            transfer for their total contribution; all or nothing. Each purchase is
            priced at the value per point after the ones before it.
    @param consumers The buyers.
    @param amounts The sale amounts.
    @param order_ids The order ids.
    @return The total points issued.
    """
    count: uint256 = len(consumers)
    assert len(amounts) == count and len(order_ids) == count, "pool: batch lengths differ"
    assert count != 0, "pool: batch is empty"
    assert count <= MAX_BATCH, "pool: batch too large"
    contribution_bps: uint256 = self._check_can_issue()
    total_points: uint256 = 0
    total_contribution: uint256 = 0
    for i: uint256 in range(count, bound=_BATCH_BOUND):
        points: uint256 = 0
        contribution: uint256 = 0
        points, contribution = self._record(msg.sender, contribution_bps, consumers[i], amounts[i], order_ids[i])
        total_points += points
        total_contribution += contribution
    merchant_registry._use_daily_cap(msg.sender, total_contribution)
    self._pull(msg.sender, total_contribution)
    return total_points


@external
@nonreentrant
def reverse_purchase(order_id: bytes32) -> uint256:
    """
    @notice Reverses a purchase the caller recorded, within `lock_period` and while the
            consumer still holds its points: burns them and refunds the merchant the
            lesser of its contribution and the points' current value.
    @param order_id The order to reverse.
    @return The refund, in assets.
    """
    order: Order = self._orders[msg.sender][order_id]
    assert order.consumer_time != 0, "pool: unknown order"
    o: OrderView = self._unpack(order)
    assert not o.reversed, "pool: order already reversed"
    assert block.timestamp < o.issued_at + rules.lock_period, "pool: reversal window over"
    assert erc20.balanceOf[o.consumer] >= o.points, "pool: consumer no longer holds the points"
    exit_rule._sync_epoch()
    refund: uint256 = min(o.contribution, ledger._to_assets(o.points))
    ledger._reduce_basis(o.consumer, o.points)
    ledger.earned_of[o.consumer] -= o.issued_value
    erc20._burn(o.consumer, o.points)
    ledger.total_assets -= refund
    self._orders[msg.sender][order_id].consumer_time = order.consumer_time | (1 << 240)
    log PurchaseReversed(
        merchant=msg.sender,
        consumer=o.consumer,
        order_id=order_id,
        points=o.points,
        refund=refund,
        total_assets=ledger.total_assets,
        total_supply=erc20.totalSupply,
    )
    self._pay(msg.sender, refund)
    return refund


# ---------------------------------------------------------------- circulation


@external
@nonreentrant
def spend(merchant: address, points: uint256, order_id: bytes32):
    """
    @notice Pays an active merchant with points.
    @param merchant The merchant paid.
    @param points The points paid.
    @param order_id The merchant's order the points pay for (free reference).
    """
    pausable._require_not_paused()
    assert merchant_registry.merchants[merchant].status == merchant_registry.STATUS_ACTIVE, "pool: merchant not active"
    self._move(msg.sender, merchant, points)
    log PointsSpent(consumer=msg.sender, merchant=merchant, points=points, order_id=order_id)


@external
@nonreentrant
def donate(charity: address, points: uint256):
    """
    @notice Donates points to a registered charity.
    @param charity The charity.
    @param points The points donated.
    """
    assert merchant_registry.charities[charity].status == merchant_registry.CHARITY_REGISTERED, "pool: charity not registered"
    self._move(msg.sender, charity, points)
    log PointsDonated(consumer=msg.sender, charity=charity, points=points)


@external
@nonreentrant
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice ERC-20 transfer, allowed only from a consumer to an active merchant (a spend
            without an order id) or to a registered charity (a donation).
    """
    self._route(msg.sender, to, amount)
    return True


@external
@nonreentrant
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice ERC-20 transferFrom, with the same destinations as `transfer`.
    """
    erc20._spend_allowance(owner, msg.sender, amount)
    self._route(owner, to, amount)
    return True


@external
@nonreentrant
def settle(points: uint256) -> uint256:
    """
    @notice A merchant or charity (also a suspended, revoked or removed one: what it
            was paid is still owed) burns points for their value minus the settlement fee.
    @param points The points to settle.
    @return The assets paid.
    """
    assert merchant_registry._is_merchant_or_charity(msg.sender), "pool: only merchants and charities settle"
    assert points != 0, "pool: points is zero"
    assert points <= erc20.balanceOf[msg.sender], "pool: amount exceeds balance"
    exit_rule._sync_epoch()
    worth: uint256 = ledger._to_assets(points)
    paid: uint256 = worth * (rules.BPS - rules.settlement_fee_bps) // rules.BPS
    assert paid != 0, "pool: settlement pays nothing"
    erc20._burn(msg.sender, points)
    ledger.total_assets -= paid
    log PointsSettled(account=msg.sender, points=points, assets=paid, fee=worth - paid)
    self._pay(msg.sender, paid)
    return paid


# ---------------------------------------------------------------- exit


@external
@nonreentrant
def exit(points: uint256) -> uint256:
    """
    @notice Cashes out points under the capped exit rule (SPEC 4.5); after shutdown, any
            holder cashes out at full value with no condition.
    @param points The points to exit.
    @return The payout, in assets.
    """
    assert points != 0, "exit_rule: points is zero"
    assert points <= erc20.balanceOf[msg.sender], "exit_rule: amount exceeds balance"
    exit_rule._sync_epoch()
    worth: uint256 = 0
    payout: uint256 = 0
    if self.is_shutdown:
        worth = ledger._to_assets(points)
        payout = worth
    else:
        assert merchant_registry._is_consumer(msg.sender), "exit_rule: merchants and charities settle instead"
        worth, payout = exit_rule._check_exit(msg.sender, points)
    assert payout != 0, "exit_rule: exit pays nothing"
    ledger._reduce_basis(msg.sender, points)
    erc20._burn(msg.sender, points)
    ledger.total_assets -= payout
    ledger.paid_out_of[msg.sender] += payout
    log PointsExited(account=msg.sender, points=points, payout=payout, retained=worth - payout)
    self._pay(msg.sender, payout)
    return payout


@external
@view
def max_exit(account: address) -> uint256:
    """
    @notice Points `account` could exit right now (0 when any condition fails).
    """
    balance: uint256 = erc20.balanceOf[account]
    if self.is_shutdown:
        return balance
    if not merchant_registry._is_consumer(account) or balance == 0:
        return 0
    if not exit_rule._triggered(account) or not exit_rule._unlocked(account):
        return 0
    limit: uint256 = min(exit_rule._cap_left(account), exit_rule._budget_left())
    return min(balance, exit_rule._max_points_for_payout(limit))


# ---------------------------------------------------------------- governance


@external
@nonreentrant
def set_rule(rule: String[32], new_value: uint256):
    """
    @notice Changes a rule within its hard bounds (governor only, i.e. through the timelock).
    @param rule The rule's name, as its getter is named.
    @param new_value The new value.
    """
    assert msg.sender == governor, "pool: caller is not the governor"
    exit_rule._sync_epoch()
    rules._set_rule(rule, new_value)


@external
@nonreentrant
def pause():
    """
    @notice Stops recording purchases and spending (guardian or governor). Exits,
            settlements, donations and reversals go on.
    """
    assert msg.sender == governor or access_control.hasRole[GUARDIAN_ROLE][msg.sender], (
        "pool: caller is not the guardian or governor"
    )
    pausable._pause()


@external
@nonreentrant
def unpause():
    """
    @notice Lifts a pause (governor only).
    """
    assert msg.sender == governor, "pool: caller is not the governor"
    pausable._unpause()


@external
@nonreentrant
def shutdown():
    """
    @notice Shuts the pool down for good (governor only): issuance stops forever and
            every holder may exit at full value with no trigger, haircut, cap, lock or limit.
    """
    assert msg.sender == governor, "pool: caller is not the governor"
    assert not self.is_shutdown, "pool: already shut down"
    self.is_shutdown = True
    log PoolShutDown(governor=msg.sender, total_assets=ledger.total_assets, total_supply=erc20.totalSupply)


# ---------------------------------------------------------------- views


@external
@view
def order_of(merchant: address, order_id: bytes32) -> OrderView:
    """
    @notice The purchase `merchant` recorded under `order_id` (all zero when none).
    """
    return self._unpack(self._orders[merchant][order_id])


@external
@view
def registry() -> address:
    """
    @notice The contract serving as merchant registry: this one.
    """
    return self


# ---------------------------------------------------------------- internals


@internal
def _check_can_issue() -> uint256:
    pausable._require_not_paused()
    assert not self.is_shutdown, "pool: shut down"
    return merchant_registry._active_contribution_bps(msg.sender)


@internal
def _record(
    merchant: address, contribution_bps: uint256, consumer: address, amount: uint256, order_id: bytes32
) -> (uint256, uint256):
    """
    @dev Checks and books one purchase; returns (points, contribution).
    """
    assert consumer != empty(address), "pool: consumer is the zero address"
    assert consumer != self, "pool: consumer is the pool"
    assert merchant_registry.merchants[consumer].status == merchant_registry.STATUS_NONE, "pool: consumer is a merchant"
    assert merchant_registry.charities[consumer].status == merchant_registry.CHARITY_NONE, "pool: consumer is a charity"
    assert amount != 0, "pool: amount is zero"
    assert amount <= _MAX_U128, "pool: amount too large"
    assert self._orders[merchant][order_id].consumer_time == 0, "pool: order id already recorded"
    exit_rule._sync_epoch()
    contribution: uint256 = amount * contribution_bps // rules.BPS
    issue_bps: uint256 = rules.issue_bps
    issued_value: uint256 = contribution * issue_bps // rules.BPS
    points: uint256 = ledger._to_points(issued_value)
    assert points != 0, "pool: purchase issues no points"
    assert points <= _MAX_U128, "pool: amount too large"
    ledger._credit_issue(consumer, points, issued_value, contribution)
    self._orders[merchant][order_id] = Order(
        consumer_time=convert(consumer, uint256) | (block.timestamp << 160) | (issue_bps << 224),
        amounts=points | (contribution << 128),
    )
    log PurchaseRecorded(
        merchant=merchant,
        consumer=consumer,
        order_id=order_id,
        amount=amount,
        contribution=contribution,
        points=points,
        total_assets=ledger.total_assets,
        total_supply=erc20.totalSupply,
    )
    return points, contribution


@internal
@pure
def _unpack(order: Order) -> OrderView:
    contribution: uint256 = order.amounts >> 128
    issue_bps: uint256 = (order.consumer_time >> 224) & 65535
    return OrderView(
        consumer=convert(convert(order.consumer_time & convert(max_value(uint160), uint256), uint160), address),
        issued_at=(order.consumer_time >> 160) & convert(max_value(uint64), uint256),
        points=order.amounts & _MAX_U128,
        contribution=contribution,
        issued_value=contribution * issue_bps // rules.BPS,
        reversed=(order.consumer_time >> 240) & 1 == 1,
    )


@internal
def _move(owner: address, to: address, points: uint256):
    """
    @dev Moves points from a consumer to a merchant or charity, reducing the basis pro rata.
    """
    assert merchant_registry._is_consumer(owner), "pool: only consumers move points"
    assert points != 0, "pool: points is zero"
    ledger._reduce_basis(owner, points)
    erc20._transfer(owner, to, points)


@internal
def _route(owner: address, to: address, amount: uint256):
    """
    @dev ERC-20 transfers: to an active merchant a spend, to a registered charity a donation.
    """
    if merchant_registry.merchants[to].status == merchant_registry.STATUS_ACTIVE:
        pausable._require_not_paused()
        self._move(owner, to, amount)
        log PointsSpent(consumer=owner, merchant=to, points=amount, order_id=empty(bytes32))
    elif merchant_registry.charities[to].status == merchant_registry.CHARITY_REGISTERED:
        self._move(owner, to, amount)
        log PointsDonated(consumer=owner, charity=to, points=amount)
    else:
        raise "pool: points go only to an active merchant or a registered charity"


@internal
def _pull(merchant: address, amount: uint256):
    """
    @dev Pulls `amount` of the asset from `merchant`; refuses a token that delivers less.
    """
    before: uint256 = staticcall IERC20(asset).balanceOf(self)
    assert extcall IERC20(asset).transferFrom(merchant, self, amount, default_return_value=True), (
        "pool: asset transfer failed"
    )
    assert staticcall IERC20(asset).balanceOf(self) == before + amount, "pool: asset delivered less than sent"


@internal
def _pay(to: address, amount: uint256):
    assert extcall IERC20(asset).transfer(to, amount, default_return_value=True), "pool: asset transfer failed"
