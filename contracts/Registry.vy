# pragma version 0.4.3
"""
@title Registry
@custom:contract-name Registry
@license GNU Affero General Public License v3.0 only
@notice Everything the platform's administrators do, beside the value pool
        where consumers, merchants and charities act: the alliance's whitelist
        (the registrar admits, suspends, reinstates and revokes merchants, and
        registers and removes charities), the roles (the governor, a timelock,
        holds the admin role and rotates the registrar and the guardian), the
        rules and their hard bounds (changed by the governor only), the pause
        (guardian or governor; lifted by the governor) and the shutdown
        (governor). This contract keeps the records and the authoritative
        rules, and writes what the pool's hot path must read into the pool
        through its two hooks: `update_member` (a member's standing and terms)
        and `set_config` (the rules with the pause and shutdown switches), so
        a purchase never calls out. The pool creates this contract from a
        blueprint in its own constructor: `pool` is the contract that created
        it, and only this contract may write through those hooks.
        Everyone who was never admitted as a merchant nor registered as a
        charity is a consumer. An address that was ever issued points cannot
        become a member, so points a merchant or charity holds were always paid
        to it, never issued to it, and consumer books never mix with terms.
"""


from snekmate.auth import access_control
initializes: access_control

from snekmate.utils import pausable
initializes: pausable

from .modules import rules
initializes: rules

from .interfaces import IValuePool


# @dev What this contract exports, and why:
# - access_control: role reads and role administration by the governor (who holds
#   DEFAULT_ADMIN_ROLE) to rotate the registrar and the guardian through the timelock.
#   NOT exported: `set_role_admin` (the role tree is fixed).
# - pausable: `paused` only; pause and unpause are ours (guardian or governor / governor).
# - rules: every rule's getter; `set_rule` below is the only way to change one.
exports: (
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
)


# @dev The registrar role (the industry association).
REGISTRAR_ROLE: public(constant(bytes32)) = keccak256("REGISTRAR_ROLE")
# @dev The guardian role: may pause the pool, nothing else.
GUARDIAN_ROLE: public(constant(bytes32)) = keccak256("GUARDIAN_ROLE")
# @dev A merchant's daily cap takes 100 bits in the pool.
MAX_DAILY_CAP: public(constant(uint256)) = 2**100 - 1


# @dev A merchant's status. None: never admitted. REVOKED is final.
flag MerchantStatus:
    ACTIVE
    SUSPENDED
    REVOKED

# @dev A charity's status. None: never registered. A REMOVED charity may be registered again.
flag CharityStatus:
    REGISTERED
    REMOVED


# @dev What this contract keeps of a merchant (its terms are in the pool).
struct MerchantRecord:
    status: MerchantStatus
    category: uint8
    license_hash: bytes32


# @dev What `merchants` returns: the record and the pool's terms and running daily total.
struct Merchant:
    status: MerchantStatus
    category: uint8
    contribution_bps: uint256
    daily_cap: uint256
    license_hash: bytes32
    epoch: uint256
    epoch_contribution: uint256


# @dev A charity's registration.
struct Charity:
    status: CharityStatus
    license_hash: bytes32


# @dev The value pool this registry serves (the contract that created it).
pool: public(immutable(address))
# @dev The governor: a timelock. Changes rules, unpauses, shuts down.
governor: public(immutable(address))
# @dev True once the governor has shut the pool down (irreversible).
is_shutdown: public(bool)
# @dev Every merchant ever admitted, by address.
_merchants: HashMap[address, MerchantRecord]
# @dev Every charity ever registered, by address.
charities: public(HashMap[address, Charity])


event MerchantAdmitted:
    merchant: indexed(address)
    contribution_bps: uint256
    daily_cap: uint256
    license_hash: bytes32
    category: uint8
    registrar: address

event MerchantTermsUpdated:
    merchant: indexed(address)
    old_contribution_bps: uint256
    new_contribution_bps: uint256
    old_daily_cap: uint256
    new_daily_cap: uint256
    registrar: address

event MerchantSuspended:
    merchant: indexed(address)
    reason: String[100]
    registrar: address

event MerchantReinstated:
    merchant: indexed(address)
    registrar: address

event MerchantRevoked:
    merchant: indexed(address)
    reason: String[100]
    registrar: address

event CharityRegistered:
    charity: indexed(address)
    license_hash: bytes32
    registrar: address

event CharityRemoved:
    charity: indexed(address)
    reason: String[100]
    registrar: address

event PoolShutDown:
    governor: indexed(address)
    total_assets: uint256
    total_supply: uint256


@deploy
def __init__(governor_: address, registrar_: address, guardian_: address, initial_rules: rules.Rules):
    """
    @notice Created by the value pool's constructor (which then reads `config`); the creator keeps no role.
    @param governor_ The governor (a timelock); holds DEFAULT_ADMIN_ROLE.
    @param registrar_ The registrar (industry association).
    @param guardian_ The guardian (may pause the pool).
    @param initial_rules Every rule, each within its hard bounds (each logged as `RuleChanged`).
    """
    pool = msg.sender
    governor = governor_
    access_control.__init__()
    pausable.__init__()
    rules.__init__(initial_rules)
    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, governor_)
    access_control._grant_role(REGISTRAR_ROLE, registrar_)
    access_control._grant_role(GUARDIAN_ROLE, guardian_)
    access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)


# ---------------------------------------------------------------- merchants


@external
def admit(merchant: address, contribution_bps: uint256, daily_cap: uint256, license_hash: bytes32, category: uint8):
    """
    @notice Admits `merchant` to the alliance (registrar only).
    @param merchant The merchant's address; never admitted before, not a charity, never issued points.
    @param contribution_bps Share of each sale paid into the pool, within the rules' contribution bounds.
    @param daily_cap Most contribution (asset units) the merchant may record per epoch; above zero.
    @param license_hash Hash of the merchant's licence documents; not empty.
    @param category The merchant's category (free code kept for reporting).
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    assert merchant != empty(address), "registry: merchant is the zero address"
    assert merchant != pool, "registry: merchant is the pool"
    status: MerchantStatus = self._merchants[merchant].status
    assert status != MerchantStatus.REVOKED, "registry: merchant revoked for good"
    assert status == empty(MerchantStatus), "registry: merchant already admitted"
    assert self.charities[merchant].status == empty(CharityStatus), "registry: address is a charity"
    self._check_never_issued(merchant)
    self._check_terms(contribution_bps, daily_cap)
    assert license_hash != empty(bytes32), "registry: license hash is empty"
    self._merchants[merchant] = MerchantRecord(
        status=MerchantStatus.ACTIVE, category=category, license_hash=license_hash
    )
    extcall IValuePool(pool).update_member(
        merchant, IValuePool.Standing.MERCHANT | IValuePool.Standing.ACTIVE, contribution_bps, daily_cap
    )
    log MerchantAdmitted(
        merchant=merchant,
        contribution_bps=contribution_bps,
        daily_cap=daily_cap,
        license_hash=license_hash,
        category=category,
        registrar=msg.sender,
    )


@external
def update_terms(merchant: address, contribution_bps: uint256, daily_cap: uint256):
    """
    @notice Changes an active or suspended merchant's contribution rate and daily cap
            (registrar only). The day's running total is kept.
    @param merchant The merchant.
    @param contribution_bps The new contribution rate, within the rules' bounds.
    @param daily_cap The new daily cap, above zero.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    status: MerchantStatus = self._merchants[merchant].status
    assert status in (MerchantStatus.ACTIVE | MerchantStatus.SUSPENDED), "registry: not a current merchant"
    self._check_terms(contribution_bps, daily_cap)
    old: IValuePool.Terms = staticcall IValuePool(pool).merchant_terms(merchant)
    self._write_merchant(merchant, status, contribution_bps, daily_cap)
    log MerchantTermsUpdated(
        merchant=merchant,
        old_contribution_bps=old.contribution_bps,
        new_contribution_bps=contribution_bps,
        old_daily_cap=old.daily_cap,
        new_daily_cap=daily_cap,
        registrar=msg.sender,
    )


@external
def suspend(merchant: address, reason: String[100]):
    """
    @notice Suspends an active merchant (registrar only): it can no longer record
            purchases nor be paid in points, but may still settle and reverse.
    @param merchant The merchant.
    @param reason Why, for the record.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    assert self._merchants[merchant].status == MerchantStatus.ACTIVE, "registry: merchant not active"
    self._set_status(merchant, MerchantStatus.SUSPENDED)
    log MerchantSuspended(merchant=merchant, reason=reason, registrar=msg.sender)


@external
def reinstate(merchant: address):
    """
    @notice Reinstates a suspended merchant (registrar only).
    @param merchant The merchant.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    assert self._merchants[merchant].status == MerchantStatus.SUSPENDED, "registry: merchant not suspended"
    self._set_status(merchant, MerchantStatus.ACTIVE)
    log MerchantReinstated(merchant=merchant, registrar=msg.sender)


@external
def revoke(merchant: address, reason: String[100]):
    """
    @notice Revokes an active or suspended merchant for good (registrar only). It may
            still settle the points it was paid.
    @param merchant The merchant.
    @param reason Why, for the record.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    status: MerchantStatus = self._merchants[merchant].status
    assert status in (MerchantStatus.ACTIVE | MerchantStatus.SUSPENDED), "registry: not a current merchant"
    self._set_status(merchant, MerchantStatus.REVOKED)
    log MerchantRevoked(merchant=merchant, reason=reason, registrar=msg.sender)


# ---------------------------------------------------------------- charities


@external
def register_charity(charity: address, license_hash: bytes32):
    """
    @notice Registers `charity` (registrar only); a removed charity may be registered again.
    @param charity The charity's address; not a merchant; never issued points if new.
    @param license_hash Hash of the charity's registration documents; not empty.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    assert charity != empty(address), "registry: charity is the zero address"
    assert charity != pool, "registry: charity is the pool"
    assert self._merchants[charity].status == empty(MerchantStatus), "registry: address is a merchant"
    status: CharityStatus = self.charities[charity].status
    assert status != CharityStatus.REGISTERED, "registry: charity already registered"
    if status == empty(CharityStatus):
        self._check_never_issued(charity)
    assert license_hash != empty(bytes32), "registry: license hash is empty"
    self.charities[charity] = Charity(status=CharityStatus.REGISTERED, license_hash=license_hash)
    extcall IValuePool(pool).update_member(charity, IValuePool.Standing.CHARITY | IValuePool.Standing.ACTIVE, 0, 0)
    log CharityRegistered(charity=charity, license_hash=license_hash, registrar=msg.sender)


@external
def remove_charity(charity: address, reason: String[100]):
    """
    @notice Removes a registered charity (registrar only): it can no longer receive
            donations, but may still settle what it holds.
    @param charity The charity.
    @param reason Why, for the record.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    assert self.charities[charity].status == CharityStatus.REGISTERED, "registry: charity not registered"
    self.charities[charity].status = CharityStatus.REMOVED
    extcall IValuePool(pool).update_member(charity, IValuePool.Standing.CHARITY, 0, 0)
    log CharityRemoved(charity=charity, reason=reason, registrar=msg.sender)


# ---------------------------------------------------------------- rules, pause, shutdown


@external
@nonreentrant
def set_rule(rule: String[32], new_value: uint256):
    """
    @notice Changes a rule within its hard bounds (governor only, i.e. through the timelock).
    @param rule The rule's name, as its getter is named.
    @param new_value The new value.
    """
    assert msg.sender == governor, "pool: caller is not the governor"
    rules._set_rule(rule, new_value)
    self._push_config()


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
    self._push_config()


@external
@nonreentrant
def unpause():
    """
    @notice Lifts a pause (governor only).
    """
    assert msg.sender == governor, "pool: caller is not the governor"
    pausable._unpause()
    self._push_config()


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
    self._push_config()
    log PoolShutDown(
        governor=msg.sender,
        total_assets=staticcall IValuePool(pool).total_assets(),
        total_supply=staticcall IValuePool(pool).totalSupply(),
    )


# ---------------------------------------------------------------- views


@external
@view
def config() -> uint256:
    """
    @notice The pool's rules' slot as the pool holds it: every rule, and the pause (bit 192) and
            shutdown (bit 193) switches (layout in `contracts/modules/rules.vy`).
    """
    return self._config()



@external
@view
def merchants(merchant: address) -> Merchant:
    """
    @notice A merchant's record, with its terms and running daily total as the pool holds them
            (all zero for an address never admitted).
    """
    record: MerchantRecord = self._merchants[merchant]
    terms: IValuePool.Terms = staticcall IValuePool(pool).merchant_terms(merchant)
    return Merchant(
        status=record.status,
        category=record.category,
        contribution_bps=terms.contribution_bps,
        daily_cap=terms.daily_cap,
        license_hash=record.license_hash,
        epoch=terms.epoch,
        epoch_contribution=terms.epoch_contribution,
    )


@external
@view
def is_active(account: address) -> bool:
    """
    @notice True when `account` is an admitted merchant that is neither suspended nor revoked.
    """
    return self._merchants[account].status == MerchantStatus.ACTIVE


@external
@view
def is_charity(account: address) -> bool:
    """
    @notice True when `account` is a registered (not removed) charity.
    """
    return self.charities[account].status == CharityStatus.REGISTERED


@external
@view
def is_merchant(account: address) -> bool:
    """
    @notice True when `account` was ever admitted as a merchant (any status).
    """
    return self._merchants[account].status != empty(MerchantStatus)


@external
@view
def is_consumer(account: address) -> bool:
    """
    @notice True when `account` is a consumer: never a merchant, never a charity, not the pool.
    """
    return (
        account != empty(address)
        and account != pool
        and self._merchants[account].status == empty(MerchantStatus)
        and self.charities[account].status == empty(CharityStatus)
    )


# ---------------------------------------------------------------- internals


@internal
@view
def _config() -> uint256:
    word: uint256 = rules._load()
    if pausable.paused:
        word |= rules.PAUSED_BIT
    if self.is_shutdown:
        word |= rules.SHUTDOWN_BIT
    return word


@internal
def _push_config():
    extcall IValuePool(pool).set_config(self._config())


@internal
@view
def _check_never_issued(account: address):
    assert staticcall IValuePool(pool).balanceOf(account) == 0, "registry: address holds points"
    assert staticcall IValuePool(pool).last_issued_at(account) == 0, "registry: address was issued points"


@internal
@view
def _check_terms(contribution_bps: uint256, daily_cap: uint256):
    word: uint256 = rules._load()
    assert contribution_bps >= rules._bps(word, rules.MIN_CONTRIBUTION), "registry: contribution below bounds"
    assert contribution_bps <= rules._bps(word, rules.MAX_CONTRIBUTION), "registry: contribution above bounds"
    assert daily_cap != 0, "registry: daily cap is zero"
    assert daily_cap <= MAX_DAILY_CAP, "registry: daily cap too large"


@internal
def _set_status(merchant: address, status: MerchantStatus):
    self._merchants[merchant].status = status
    terms: IValuePool.Terms = staticcall IValuePool(pool).merchant_terms(merchant)
    self._write_merchant(merchant, status, terms.contribution_bps, terms.daily_cap)


@internal
def _write_merchant(merchant: address, status: MerchantStatus, contribution_bps: uint256, daily_cap: uint256):
    """
    @dev Writes the merchant's standing and terms into the pool (its running daily total is kept).
    """
    standing: IValuePool.Standing = IValuePool.Standing.MERCHANT
    if status == MerchantStatus.ACTIVE:
        standing |= IValuePool.Standing.ACTIVE
    extcall IValuePool(pool).update_member(merchant, standing, contribution_bps, daily_cap)
