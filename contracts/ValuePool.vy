# pragma version 0.4.3
# pragma optimize codesize
"""
@title ValuePool
@custom:contract-name ValuePool
@license GNU Affero General Public License v3.0 only
@notice Green consumption points: the points token, the escrowed value pool,
        the capped exit and the rules, in one contract (as an ERC-4626 vault
        is its own share token). The alliance's whitelist and the roles live
        beside it in `Registry`, which this contract creates and which writes
        each member's standing and terms, the rules and the green catalog here
        through `update_member`, `set_config` and `set_class`;
        the reasons for the split and the storage layout are in docs/design.md.
        Whitelisted merchants record purchases of certified green product
        classes, and sponsors attested green actions; in the same call each
        pays its contribution into the pool and the CO2e avoided is booked.
        Part of the contribution is issued to the consumer as points at the
        current value per point, the rest raises that value.
        Points move only from consumers to active merchants (spend) and
        registered charities (donate); merchants and charities settle them to
        assets for a fee; consumers whose holding is worth the exit trigger
        may exit within the cap. No function moves the pool's assets except
        exit, settle and reverse_purchase, each paying at most the points'
        value. There is no sweep, no admin withdrawal and no upgrade path.
"""


from .interfaces import IRegistry
from .interfaces import ISettlementToken
from ethereum.ercs import IERC20


interface IExitQueue:
    def max_exit(account: address) -> uint256: view


from snekmate.auth import ownable
initializes: ownable

from snekmate.tokens import erc20
initializes: erc20[ownable := ownable]

from .modules import rules

from .modules import config
initializes: config

from .modules import accounts
initializes: accounts

from .modules import members
initializes: members[accounts := accounts]

from .modules import ledger
initializes: ledger[erc20 := erc20, accounts := accounts]

from .modules import exit_rule
initializes: exit_rule[erc20 := erc20, config := config, accounts := accounts, ledger := ledger]

from .modules import orders
initializes: orders

from .modules import catalog
initializes: catalog


# @dev What this contract exports, and why:
# - erc20: the read side of ERC-20 and `approve` (a merchant may pull points at its till
#   with `transferFrom`). NOT exported: `transfer`/`transferFrom` (ours below, which allow
#   only consumer -> active merchant or registered charity), `mint`, `burn`, `burn_from`,
#   `set_minter`, `permit`, `transfer_ownership`, `renounce_ownership`, `owner`: points are
#   minted only against a recorded purchase and burned only by exit, settle and reversal.
# - config, accounts, members, ledger, exit_rule, orders: their getters.
# The rules' getters, the roles, the registrar's functions, rule changes, pause and shutdown live
# in `Registry` (docs/design.md), which writes here only through `update_member` and `set_config`.
exports: (
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.totalSupply,
    erc20.balanceOf,
    erc20.allowance,
    erc20.approve,
    config.paused,
    config.config_word,
    config.is_shutdown,
    accounts.standing_of,
    members.merchant_terms,
    members.reward_per_kg,
    ledger.total_assets,
    ledger.basis_of,
    ledger.earned_of,
    ledger.paid_out_of,
    ledger.last_issued_at,
    ledger.convert_to_points,
    ledger.convert_to_assets,
    ledger.price_per_point,
    ledger.value_of,
    ledger.carbon_of,
    ledger.total_carbon,
    exit_rule.current_epoch,
    exit_rule.epoch_start_assets,
    exit_rule.epoch_exited,
    exit_rule.exit_budget_left,
    orders.order_word,
    orders.action_recorded,
)


# @dev Most purchases in one `record_purchases` call.
MAX_BATCH: public(constant(uint256)) = 100
# @dev Type bound of the batch arrays: longer than MAX_BATCH, so 101 to 128 entries get a clear reason.
_BATCH_BOUND: constant(uint256) = 128
# @dev Gas kept back from the asset's `transferFrom` to find out why it failed (Registry.explain_pull).
_DIAGNOSIS_GAS: constant(uint256) = 15_000

# @dev The settlement asset (a stablecoin; a mock on a local chain).
asset: public(immutable(address))
# @dev The governor: a timelock. Changes rules, unpauses and shuts down, through the registry.
governor: public(immutable(address))
# @dev The registry (members, roles, rules, pause, shutdown), created by this contract's constructor.
registry: public(immutable(address))
# @dev The exit queue (SPEC 11) the registry attached (`attach_exit_queue`); empty until then.
_exit_queue: address


event PurchaseRecorded:
    merchant: indexed(address)
    consumer: indexed(address)
    order_id: indexed(bytes32)
    class_id: uint32
    amount: uint256
    contribution: uint256
    points: uint256
    co2e: uint256
    total_assets: uint256
    total_supply: uint256

event PurchaseReversed:
    merchant: indexed(address)
    consumer: indexed(address)
    order_id: indexed(bytes32)
    points: uint256
    refund: uint256
    co2e: uint256
    total_assets: uint256
    total_supply: uint256

event ActionRecorded:
    sponsor: indexed(address)
    consumer: indexed(address)
    class_id: uint32
    action_id: indexed(bytes32)
    quantity: uint256
    co2e: uint256
    contribution: uint256
    points: uint256
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

@deploy
def __init__(
    asset_: address,
    governor_: address,
    registrar_: address,
    guardian_: address,
    certifier_: address,
    initial_rules: rules.Rules,
    registry_blueprint: address,
):
    """
    @notice Deploys the pool and creates its registry, which checks and logs the initial rules.
            The deployer keeps no role.
    @param asset_ The settlement token (ERC-20 with at most 18 decimals).
    @param governor_ The governor (a timelock); holds the registry's DEFAULT_ADMIN_ROLE.
    @param registrar_ The registrar (industry association).
    @param guardian_ The guardian (may pause).
    @param certifier_ The certifier (green certification body: keeps the catalog of classes).
    @param initial_rules Every rule, each within its hard bounds.
    @param registry_blueprint The `Registry` blueprint (EIP-5202) the registry is created from.
    """
    assert asset_.is_contract, "pool: asset is not a contract"
    asset = asset_
    governor = governor_
    ownable.__init__()
    erc20.__init__("Green Consumption Points", "GCP", 18, "greenpoints", "1")
    # snekmate's constructors make the deployer the token's owner and a minter; neither power is
    # exported, and neither is left to it: both renounced, with their events.
    ownable._transfer_ownership(empty(address))
    erc20.is_minter[msg.sender] = False
    log erc20.RoleMinterChanged(minter=msg.sender, status=False)
    ledger.__init__(staticcall ISettlementToken(asset_).decimals())
    registry = create_from_blueprint(
        registry_blueprint, governor_, registrar_, guardian_, certifier_, initial_rules
    )
    word: uint256 = staticcall IRegistry(registry).config()
    config._store(word)
    # What `ledger._copy_rules` and `exit_rule._sync_epoch` would write, written directly (the
    # blueprint the association launches pools from has no room for their copies): a new registry
    # is neither paused nor shut down and the pool holds nothing yet, so the pool word is the issue
    # rate, the epoch length and the current epoch, whose starting assets are zero.
    length: uint256 = (word >> rules.EPOCH_LENGTH) & rules.MASK32
    epoch: uint256 = block.timestamp // length
    ledger._totals = (
        (((word >> rules.ISSUE) & rules.MASK16) << ledger.ISSUE)
        | (length << ledger.EPOCH_LENGTH)
        | (epoch << ledger.EPOCH)
    )
    log exit_rule.EpochStarted(epoch=epoch, start_assets=0)


# ---------------------------------------------------------------- issuance


@external
@nonreentrant
def record_purchase(consumer: address, amount: uint256, order_id: bytes32, class_id: uint32) -> uint256:
    """
    @notice Records a purchase of a certified green product class by `consumer` at the
            calling merchant and pulls the merchant's contribution into the pool; issues
            points to the consumer and books the purchase's co2e (SPEC 4.3, 8.2).
    @param consumer The buyer: a consumer (not a merchant, charity, sponsor, the pool or zero).
    @param amount The value of the receipt's items of that class, in asset units.
    @param order_id The merchant's order id, used once ever per merchant.
    @param class_id A certified product class of the catalog.
    @return The points issued.
    """
    merchant: uint256 = 0
    totals: uint256 = 0
    merchant, totals = self._begin_issue(False)
    points: uint256 = 0
    contribution: uint256 = 0
    co2e: uint256 = 0
    assets: uint256 = 0
    points, contribution, co2e, assets = self._record(
        (merchant >> members.BPS) & rules.MASK16,
        (totals >> ledger.ISSUE) & ledger.MASK14,
        consumer,
        amount,
        order_id,
        class_id,
        totals & ledger.MASK120,
    )
    self._finish_issue(merchant, totals, assets, contribution, co2e, False)
    return points


@external
@nonreentrant
def record_purchases(
    consumers: DynArray[address, _BATCH_BOUND],
    amounts: DynArray[uint256, _BATCH_BOUND],
    order_ids: DynArray[bytes32, _BATCH_BOUND],
    class_ids: DynArray[uint32, _BATCH_BOUND],
) -> uint256:
    """
    @notice Records up to MAX_BATCH purchases at the calling merchant with one asset
            transfer for their total contribution; all or nothing. Each purchase is
            priced at the value per point after the ones before it.
    @param consumers The buyers.
    @param amounts The sale amounts.
    @param order_ids The order ids.
    @param class_ids The certified product class of each purchase.
    @return The total points issued.
    """
    count: uint256 = len(consumers)
    assert len(amounts) == count and len(order_ids) == count and len(class_ids) == count, (
        "pool: batch lengths differ"
    )
    assert count != 0, "pool: batch is empty"
    assert count <= MAX_BATCH, "pool: batch too large"
    merchant: uint256 = 0
    totals: uint256 = 0
    merchant, totals = self._begin_issue(False)
    bps: uint256 = (merchant >> members.BPS) & rules.MASK16
    issue_bps: uint256 = (totals >> ledger.ISSUE) & ledger.MASK14
    assets: uint256 = totals & ledger.MASK120
    total_points: uint256 = 0
    total_contribution: uint256 = 0
    total_co2e: uint256 = 0
    for i: uint256 in range(count, bound=_BATCH_BOUND):
        points: uint256 = 0
        contribution: uint256 = 0
        co2e: uint256 = 0
        points, contribution, co2e, assets = self._record(
            bps, issue_bps, consumers[i], amounts[i], order_ids[i], class_ids[i], assets
        )
        total_points += points
        total_contribution += contribution
        total_co2e += co2e
    self._finish_issue(merchant, totals, assets, total_contribution, total_co2e, False)
    return total_points


@external
@nonreentrant
def record_action(consumer: address, class_id: uint32, quantity: uint256, action_id: bytes32) -> uint256:
    """
    @notice Records a green action by `consumer`, attested and paid for by the calling sponsor
            (SPEC 8.3): co2e = quantity * the class's factor; the sponsor pays co2e *
            reward_per_kg // 1_000 into the pool in the same call, and points are issued on it
            exactly as on a purchase's contribution. Not reversible.
    @param consumer The consumer who took the action (not a member, the pool or zero).
    @param class_id A certified action class of the catalog.
    @param quantity How many of the class's units (e.g. kilometres, refills).
    @param action_id The sponsor's id of the attestation, used once ever per sponsor.
    @return The points issued.
    """
    sponsor: uint256 = 0
    totals: uint256 = 0
    sponsor, totals = self._begin_issue(True)
    book: uint256 = self._consumer_book(consumer)
    assert quantity != 0, "pool: quantity is zero"
    assert quantity <= orders.MAX_U128, "pool: quantity too large"
    assert not orders.action_recorded[msg.sender][action_id], "pool: action id already recorded"
    orders.action_recorded[msg.sender][action_id] = True
    co2e: uint256 = quantity * catalog._factor(convert(class_id, uint256), catalog.ACTION)
    assert co2e <= ledger.MAX_CARBON, "ledger: carbon too large"
    # the reward per kg is in the sponsor's slot, read with its standing (members.vy)
    contribution: uint256 = co2e * ((sponsor >> members.REWARD) & members.MAX_DAILY_CAP) // 1_000
    assets: uint256 = totals & ledger.MASK120
    supply: uint256 = erc20.totalSupply
    points: uint256 = self._issue_points(
        consumer, book, contribution, (totals >> ledger.ISSUE) & ledger.MASK14, assets, co2e, supply
    )
    assert points != 0, "pool: action issues no points"
    assets += contribution
    log ActionRecorded(
        sponsor=msg.sender,
        consumer=consumer,
        class_id=class_id,
        action_id=action_id,
        quantity=quantity,
        co2e=co2e,
        contribution=contribution,
        points=points,
        total_assets=assets,
        total_supply=supply + points,
    )
    self._finish_issue(sponsor, totals, assets, contribution, co2e, True)
    return points


@external
@nonreentrant
def reverse_purchase(order_id: bytes32, purchase: orders.Purchase) -> uint256:
    """
    @notice Reverses a purchase the caller recorded, within `lock_period` and while the
            consumer still holds its points: burns them and refunds the merchant the
            lesser of its contribution and the points' current value.
    @param order_id The order to reverse.
    @param purchase The purchase as its `PurchaseRecorded` event and block recorded it
           (consumer, class_id, amount, contribution, points, co2e, the block's timestamp):
           checked against the order's word (SPEC 4.3).
    @return The refund, in assets.
    """
    # the record's keccak256 against the order's word (orders.vy): a record that differs in any field
    # (or the rate the word holds) is refused before anything below reads it
    issue_bps: uint256 = orders._reverse(msg.sender, order_id, keccak256(abi_encode(purchase)))
    assert block.timestamp < purchase.recorded_at + ((config._word >> rules.LOCK) & rules.MASK32), (
        "pool: reversal window over"
    )
    assert erc20.balanceOf[purchase.consumer] >= purchase.points, "pool: consumer no longer holds the points"
    exit_rule._sync_epoch(ledger._totals)
    refund: uint256 = min(purchase.contribution, ledger._value(purchase.points))
    ledger._pay_refund(
        purchase.consumer, purchase.points, purchase.contribution * issue_bps // rules.BPS, purchase.co2e, refund
    )
    log PurchaseReversed(
        merchant=msg.sender,
        consumer=purchase.consumer,
        order_id=order_id,
        points=purchase.points,
        refund=refund,
        co2e=purchase.co2e,
        total_assets=ledger._totals & ledger.MASK120,
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
    self._check_not_paused()
    assert accounts._slots[merchant] & accounts.STANDING_MASK == accounts.ACTIVE_MERCHANT, "pool: merchant not active"
    self._spend(msg.sender, merchant, points, order_id)


@external
@nonreentrant
def donate(charity: address, points: uint256):
    """
    @notice Donates points to a registered charity.
    @param charity The charity.
    @param points The points donated.
    """
    assert accounts._slots[charity] & accounts.STANDING_MASK == accounts.REGISTERED_CHARITY, "pool: charity not registered"
    self._donate(msg.sender, charity, points)


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
    assert accounts._slots[msg.sender] & (accounts.KIND_MASK ^ convert(accounts.Standing.SPONSOR, uint256)) != 0, (
        "pool: only merchants and charities settle"
    )
    assert points != 0, "pool: points is zero"
    assert points <= erc20.balanceOf[msg.sender], "pool: amount exceeds balance"
    cfg: uint256 = config._word
    exit_rule._sync_epoch(ledger._totals)
    worth: uint256 = ledger._value(points)
    paid: uint256 = worth * (rules.BPS - ((cfg >> rules.FEE) & rules.MASK16)) // rules.BPS
    assert paid != 0, "pool: settlement pays nothing"
    ledger._pay_settlement(msg.sender, points, paid)
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
    # SPEC 11: while the exit queue (the registry's balance) holds points, an exit would overtake it
    assert erc20.balanceOf[registry] == 0, "exit_rule: requests wait in the exit queue"
    assert points <= erc20.balanceOf[msg.sender], "exit_rule: amount exceeds balance"
    cfg: uint256 = config._word
    exit_rule._sync_epoch(ledger._totals)
    book: uint256 = accounts._slots[msg.sender]
    worth: uint256 = 0
    payout: uint256 = 0
    worth, payout = exit_rule._check_exit(msg.sender, book, points, cfg)
    assert payout != 0, "exit_rule: exit pays nothing"
    ledger._pay_exit(msg.sender, book, points, payout)
    log PointsExited(account=msg.sender, points=points, payout=payout, retained=worth - payout)
    self._pay(msg.sender, payout)
    return payout


@external
@view
def max_exit(account: address) -> uint256:
    """
    @notice Points `account` could exit right now (0 when any condition fails). Worked out by the
            exit queue the registry attached, from this contract's views (`ExitQueue.max_exit`: the
            pool's blueprint has no room for the arithmetic, docs/design.md); 0 while none is.
    """
    queue: address = self._exit_queue
    if queue == empty(address):
        return 0
    return staticcall IExitQueue(queue).max_exit(account)


# ---------------------------------------------------------------- the registry's hooks


@external
@nonreentrant
def update_member(account: address, standing: accounts.Standing, rate: uint256, daily_cap: uint256):
    """
    @notice The registry's hook for members: writes a member's standing and, for a merchant or
            sponsor, its terms (registry only; the registry logs the change). A merchant or
            sponsor keeps its running daily total.
    @param account The member.
    @param standing Its kind and whether it is active.
    @param rate A merchant's contribution_bps or a sponsor's reward_per_kg (0 for a charity).
    @param daily_cap A merchant's or sponsor's daily cap (0 for a charity).
    """
    self._only_registry()
    members._update(account, standing, rate, daily_cap)


@external
@nonreentrant
def set_class(class_id: uint32, word: uint256):
    """
    @notice The registry's hook for the catalog: writes a class's kind, certification and factor
            (registry only; the registry checks them and logs the change). Layout in `catalog`.
    @param class_id The class.
    @param word Its packed word.
    """
    self._only_registry()
    catalog._classes[convert(class_id, uint256)] = word


@external
@nonreentrant
def set_config(word: uint256):
    """
    @notice The registry's other hook: the rules' slot with the pause and shutdown switches, after a
            rule change, a pause, an unpause or the shutdown (registry only; the registry checks the
            bounds and logs the change). The epoch is synced first, under the old rules.
    @param word The new slot (layout in `rules`).
    """
    self._only_registry()
    exit_rule._sync_epoch(ledger._totals)
    config._store(word)
    ledger._copy_rules(word)



@external
@nonreentrant
def attach_exit_queue(queue: address):
    """
    @notice The registry's hook when it attaches the pool's exit queue (SPEC 11; registry only: the
            registry takes one queue, once, and only the release's code): from then on that queue
            alone may call `move_queued`, and it pays claims from this pool's asset balance (the
            payouts its fills booked out of `total_assets`), which this approves it to move.
    @param queue The queue.
    """
    self._only_registry()
    self._exit_queue = queue
    # (a token that refuses reverts the attach; one answering false leaves claims to fail with
    # "pool: asset transfer failed", which the queue checks)
    raw_call(asset, abi_encode(queue, max_value(uint256), method_id=method_id("approve(address,uint256)")))


@external
@nonreentrant
def move_queued(action: uint256, account: address, points: uint256, amount: uint256):
    """
    @notice The exit queue's hook (SPEC 11; the attached queue only, which keeps the line, checks
            every request and fill and logs its event: it calls here directly, not through the
            registry, docs/gas.md). The queue's points are the registry's balance: they still
            count in `totalSupply`. `action`:
            0 a request: `points` and `amount` of basis move from consumer `account` into the queue;
            1 a give-back (a cancel, or points beyond the return cap): `points` and `amount` of basis
              move from the queue back to `account`;
            2 a fill: `points` of the queue are burned and `amount`, their payout, leaves the books as
              `account`'s exit (its lifetime payouts and, before the shutdown, the epoch's exits),
              held in the pool until claimed (the queue then moves it, as this pool approved).
    """
    assert msg.sender == self._exit_queue, "pool: caller is not the exit queue"
    if action == 0:
        erc20._transfer(account, registry, points)
        accounts._slots[account] -= amount << ledger.BASIS
    elif action == 1:
        erc20._transfer(registry, account, points)
        accounts._slots[account] += amount << ledger.BASIS
    elif action == 2:
        exit_rule._sync_epoch(ledger._totals)
        erc20._burn(registry, points)
        ledger._debit(amount)
        ledger._payouts[account] += amount
        if config._word & rules.SHUTDOWN_BIT == 0:
            exit_rule._epoch_word += amount << 128


# ---------------------------------------------------------------- internals


@internal
@view
def _check_not_paused():
    """
    @dev The pause's refusal of a spend, written once (a purchase checks the pool word it holds).
    """
    assert ledger._totals & ledger.PAUSED_BIT == 0, "pausable: contract is paused"


@internal
@view
def _only_registry():
    """
    @dev The hooks' guard, written once (each copy of the reason costs the pool's blueprint ~80 bytes).
    """
    assert msg.sender == registry, "pool: caller is not the registry"


@internal
def _begin_issue(by_sponsor: bool) -> (uint256, uint256):
    """
    @dev The checks before any purchase (or action) of a call, then the epoch's sync (which refuses
         nothing, so syncing before the purchases' own checks changes no outcome); returns the
         calling merchant's (or sponsor's) slot and the pool word (which carries the rules a
         purchase reads).
    """
    totals: uint256 = ledger._totals
    assert totals & ledger.PAUSED_BIT == 0, "pausable: contract is paused"
    assert totals & ledger.SHUTDOWN_BIT == 0, "pool: shut down"
    member: uint256 = accounts._slots[msg.sender]
    if by_sponsor:
        assert member & accounts.STANDING_MASK == accounts.ACTIVE_SPONSOR, "registry: sponsor not active"
    else:
        assert member & accounts.STANDING_MASK == accounts.ACTIVE_MERCHANT, "registry: caller not an active merchant"
    # the epoch's sync, called only when the epoch has changed (the call costs ~50 gas)
    if block.timestamp // ((totals >> ledger.EPOCH_LENGTH) & ledger.MASK22) != (totals >> ledger.EPOCH) & rules.MASK32:
        totals = exit_rule._sync_epoch(totals)
    return member, totals


@internal
def _finish_issue(
    member: uint256, totals: uint256, assets: uint256, contribution: uint256, co2e: uint256, by_sponsor: bool
):
    """
    @dev After the purchases (or the action) of a call: the new total_assets and total carbon in
         the pool word `totals` (as synced: its epoch is the current one), the merchant's (or
         sponsor's) daily total in its slot `member`, checked against its cap, then the
         contribution pulled from it: the asset refused names its reason (`Registry.explain_pull`,
         after the call, so a successful pull pays nothing for it) and a token that delivers less
         is refused. Written out, not through the modules' helpers: a call per step costs ~50 gas
         (docs/gas.md); the layouts are those of `ledger` and `members`.
    """
    assert assets <= ledger.MASK120, "ledger: total assets too large"
    carbon: uint256 = ((totals >> ledger.TOTAL_CARBON) & ledger.MASK64) + co2e
    assert carbon <= ledger.MASK64, "ledger: total carbon too large"
    ledger._totals = (
        (totals & (max_value(uint256) ^ ledger.MASK120 ^ (ledger.MASK64 << ledger.TOTAL_CARBON)))
        | assets
        | (carbon << ledger.TOTAL_CARBON)
    )
    epoch: uint256 = (totals >> ledger.EPOCH) & rules.MASK32
    used: uint256 = contribution
    if (member >> members.EPOCH) & members.MASK32 == epoch:
        used += member >> members.USED
    accounts._slots[msg.sender] = (
        (member & ((1 << members.EPOCH) - 1))
        | (epoch << members.EPOCH)
        | (member & (members.MAX_DAILY_CAP << members.CAP))
        | (used << members.USED)
    )
    if by_sponsor:
        # at or below the cap's hint the total is within the cap; above it, the exact cap decides
        if used > ((member >> members.BPS) & members.HINT_MANTISSA) << (
            (member >> members.HINT_SHIFT) & members.HINT_SHIFT_MASK
        ):
            assert used <= members._sponsor_caps[msg.sender], "registry: sponsor daily cap exceeded"
    else:
        assert used <= (member >> members.CAP) & members.MAX_DAILY_CAP, "registry: daily cap exceeded"
    before: uint256 = staticcall ISettlementToken(asset).balanceOf(self)
    ok: bool = False
    answer: Bytes[32] = b""
    ok, answer = raw_call(
        asset,
        abi_encode(msg.sender, self, contribution, method_id=method_id("transferFrom(address,address,uint256)")),
        max_outsize=32,
        gas=msg.gas - _DIAGNOSIS_GAS,
        revert_on_failure=False,
    )
    if not (ok and (len(answer) == 0 or convert(answer, uint256) == 1)):
        extcall IRegistry(registry).explain_pull(msg.sender, contribution)
    assert staticcall ISettlementToken(asset).balanceOf(self) == before + contribution, (
        "pool: asset delivered less than sent"
    )


@internal
def _issue_points(
    consumer: address,
    book: uint256,
    contribution: uint256,
    issue_bps: uint256,
    assets: uint256,
    co2e: uint256,
    supply: uint256,
) -> uint256:
    """
    @dev Issues the points `contribution` buys at the value per point when the pool holds `assets`
         against `supply` points (its `issue_bps` share, rounded down) to `consumer`, whose slot is
         `book`, with `co2e` grams; returns the points (0 issues nothing: the caller refuses it,
         naming what it records). Books the issuance in the consumer's slot (the issued value to
         its basis and lifetime earnings, the carbon, the lock restarted) and mints, written out
         (`ledger`'s layout; the same expression as `ledger._points_at`, which tests/unit/lens
         holds to the same figures; snekmate's `_mint` without its hooks and zero-address check,
         the consumer already checked).
    """
    issued_value: uint256 = contribution * issue_bps // rules.BPS
    points: uint256 = 0
    if supply == 0:
        points = issued_value * ledger.PAR_SCALE
    else:
        # While points exist the pool holds assets, so this never divides by zero.
        points = issued_value * supply // assets
    if points == 0:
        return 0
    assert points <= orders.MAX_U128, "pool: amount too large"
    earned: uint256 = ((book >> ledger.EARNED) & ledger.MASK88) + issued_value
    assert earned <= ledger.MASK88, "ledger: issued value too large"
    carbon: uint256 = (book >> ledger.CARBON) + co2e
    assert carbon <= ledger.MASK36, "ledger: carbon too large"
    basis: uint256 = ((book >> ledger.BASIS) & ledger.MASK88) + issued_value
    accounts._slots[consumer] = (
        (block.timestamp << ledger.LAST)
        | (basis << ledger.BASIS)
        | (earned << ledger.EARNED)
        | (carbon << ledger.CARBON)
    )
    erc20.totalSupply = supply + points
    erc20.balanceOf[consumer] = unsafe_add(erc20.balanceOf[consumer], points)
    log IERC20.Transfer(sender=empty(address), receiver=consumer, value=points)
    return points


@internal
@view
def _consumer_book(consumer: address) -> uint256:
    """
    @dev The `accounts` slot of the consumer about to be issued points; reverts for the zero
         address, the pool and any member.
    """
    assert consumer != empty(address), "pool: consumer is the zero address"
    assert consumer != self, "pool: consumer is the pool"
    book: uint256 = accounts._slots[consumer]
    if book & accounts.KIND_MASK != 0:
        # refused: name the kind (one test when the address is a consumer)
        assert book & convert(accounts.Standing.MERCHANT, uint256) == 0, "pool: consumer is a merchant"
        assert book & convert(accounts.Standing.CHARITY, uint256) == 0, "pool: consumer is a charity"
        raise "pool: consumer is a sponsor"
    return book


@internal
def _record(
    bps: uint256,
    issue_bps: uint256,
    consumer: address,
    amount: uint256,
    order_id: bytes32,
    class_id: uint32,
    assets: uint256,
) -> (uint256, uint256, uint256, uint256):
    """
    @dev Checks and books one purchase at the calling merchant, whose contribution rate is
         `bps`, when the pool holds `assets`; returns (points, contribution, co2e, assets after it).
    """
    book: uint256 = self._consumer_book(consumer)
    assert amount != 0, "pool: amount is zero"
    assert amount <= orders.MAX_U128, "pool: amount too large"
    assert orders.order_word[msg.sender][order_id] == 0, "pool: order id already recorded"
    co2e: uint256 = ledger._co2e_of_sale(amount, catalog._factor(convert(class_id, uint256), catalog.PRODUCT))
    contribution: uint256 = amount * bps // rules.BPS
    supply: uint256 = erc20.totalSupply
    points: uint256 = self._issue_points(consumer, book, contribution, issue_bps, assets, co2e, supply)
    assert points != 0, "pool: purchase issues no points"
    # the order's one word (orders.vy): the record's keccak256, abi_encode of the fields in
    # `orders.Purchase`'s order (all static: the same bytes as the struct's encoding, which
    # `reverse_purchase` hashes), and the issue rate; written here, not through an internal call
    # (the pool's code size, docs/gas.md)
    orders.order_word[msg.sender][order_id] = (
        convert(keccak256(abi_encode(consumer, class_id, amount, contribution, points, co2e, block.timestamp)), uint256)
        & orders.HASH_MASK
    ) | (issue_bps << orders.RATE)
    new_assets: uint256 = assets + contribution
    log PurchaseRecorded(
        merchant=msg.sender,
        consumer=consumer,
        order_id=order_id,
        class_id=class_id,
        amount=amount,
        contribution=contribution,
        points=points,
        co2e=co2e,
        total_assets=new_assets,
        total_supply=supply + points,
    )
    return points, contribution, co2e, new_assets


@internal
def _move(owner: address, to: address, points: uint256):
    """
    @dev Moves points from a consumer to a merchant or charity, reducing the basis pro rata.
    """
    assert accounts._is_consumer(owner), "pool: only consumers move points"
    assert points != 0, "pool: points is zero"
    ledger._reduce_basis(owner, accounts._slots[owner], points)
    erc20._transfer(owner, to, points)


@internal
def _spend(owner: address, merchant: address, points: uint256, order_id: bytes32):
    """
    @dev A spend (the merchant's standing and the pause already checked).
    """
    self._move(owner, merchant, points)
    log PointsSpent(consumer=owner, merchant=merchant, points=points, order_id=order_id)


@internal
def _donate(owner: address, charity: address, points: uint256):
    """
    @dev A donation (the charity's standing already checked).
    """
    self._move(owner, charity, points)
    log PointsDonated(consumer=owner, charity=charity, points=points)


@internal
def _route(owner: address, to: address, amount: uint256):
    """
    @dev ERC-20 transfers: to an active merchant a spend, to a registered charity a donation.
    """
    standing: uint256 = accounts._slots[to] & accounts.STANDING_MASK
    if standing == accounts.ACTIVE_MERCHANT:
        self._check_not_paused()
        self._spend(owner, to, amount, empty(bytes32))
    elif standing == accounts.REGISTERED_CHARITY:
        self._donate(owner, to, amount)
    else:
        raise "pool: points go only to an active merchant or a registered charity"


@internal
def _pay(to: address, amount: uint256):
    """
    @dev Transfers `amount` of the asset to `to`; accepts a token that returns true or nothing
         (Tether returns nothing). `_DIAGNOSIS_GAS` is kept back, as a failing token may burn all
         the gas it is given (Tether's SafeMath `assert`), so that the refusal keeps its reason.
         (`_finish_issue` calls `transferFrom` the same way.)
    """
    ok: bool = False
    answer: Bytes[32] = b""
    ok, answer = raw_call(
        asset,
        abi_encode(to, amount, method_id=method_id("transfer(address,uint256)")),
        max_outsize=32,
        gas=msg.gas - _DIAGNOSIS_GAS,
        revert_on_failure=False,
    )
    assert ok and (len(answer) == 0 or convert(answer, uint256) == 1), "pool: asset transfer failed"
