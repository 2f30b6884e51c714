# pragma version 0.4.3
"""
@title Registry
@custom:contract-name Registry
@license GNU Affero General Public License v3.0 only
@notice Everything the platform's administrators do, beside the value pool
        where consumers, merchants, sponsors and charities act: the alliance's
        whitelist (the registrar admits, suspends, reinstates and revokes
        merchants and sponsors, and registers and removes charities), the
        green catalog (the certifier certifies and withdraws product and
        action classes, SPEC 8.1), the roles (the governor, a timelock,
        holds the admin role and rotates the registrar and the guardian), the
        rules and their hard bounds (changed by the governor only), the pause
        (guardian or governor; lifted by the governor) and the shutdown
        (governor). This contract keeps the records and the authoritative
        rules, and writes what the pool's hot path must read into the pool
        through its three hooks: `update_member` (a member's standing and
        terms), `set_config` (the rules with the pause and shutdown switches)
        and `set_class` (a class's kind, certification and factor), so a
        purchase never calls out. The pool creates this contract from a
        blueprint in its own constructor: `pool` is the contract that created
        it, and only this contract may write through those hooks.
        Everyone who was never admitted as a merchant or sponsor nor
        registered as a charity is a consumer. An address that was ever issued points cannot
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
from .interfaces import ISettlementToken


interface IExitQueue:
    def registry() -> address: view

from .modules import catalog


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
# @dev The certifier role (green certification body): keeps the catalog of classes.
CERTIFIER_ROLE: public(constant(bytes32)) = keccak256("CERTIFIER_ROLE")
# @dev A merchant's or sponsor's daily cap takes 100 bits in the pool; so does nothing else, but a
# sponsor's reward per kg is bounded by the same figure (one kg may not pay more than a day's cap).
MAX_DAILY_CAP: public(constant(uint256)) = 2**100 - 1
# @dev The keccak256 and length of the release's `ExitQueue` runtime code, before the immutables Vyper
# appends (its pool, registry and asset): `attach_exit_queue` takes no other code, and checks those
# three words too (tests/unit/exit_queue check both constants against the compiled queue).
EXIT_QUEUE_CODEHASH: public(constant(bytes32)) = 0x3e06bd717a84517103a68ee54379dc290b6a7867b75a6bfb486a075f4142c8d2
EXIT_QUEUE_CODE_SIZE: public(constant(uint256)) = 9_067
# @dev A class's factor takes 64 bits in the pool (grams of CO2e per unit).
MAX_FACTOR: public(constant(uint256)) = catalog.MAX_FACTOR


# @dev A merchant's status. None: never admitted. REVOKED is final.
flag MerchantStatus:
    ACTIVE
    SUSPENDED
    REVOKED

# @dev A charity's status. None: never registered. A REMOVED charity may be registered again.
flag CharityStatus:
    REGISTERED
    REMOVED


# @dev What this contract keeps of a merchant or a sponsor (its terms are in the pool).
struct MerchantRecord:
    status: MerchantStatus
    category: uint8
    license_hash: bytes32
    sponsor: bool


# @dev What `merchants` returns: the record and the pool's terms and running daily total.
struct Merchant:
    status: MerchantStatus
    category: uint8
    contribution_bps: uint256
    daily_cap: uint256
    license_hash: bytes32
    epoch: uint256
    epoch_contribution: uint256


# @dev What `sponsors` returns: the record and the pool's terms and running daily total.
struct Sponsor:
    status: MerchantStatus
    reward_per_kg: uint256
    daily_cap: uint256
    license_hash: bytes32
    epoch: uint256
    epoch_contribution: uint256


# @dev A charity's registration.
struct Charity:
    status: CharityStatus
    license_hash: bytes32


# @dev A class of the green catalog (SPEC 8.1): kind 1 product, 2 action.
struct GreenClass:
    kind: uint8
    certified: bool
    co2e_per_unit: uint256
    standard_hash: bytes32


# @dev The value pool this registry serves (the contract that created it).
pool: public(immutable(address))
# @dev The governor: a timelock. Changes rules, unpauses, shuts down.
governor: public(immutable(address))
# @dev True once the governor has shut the pool down (irreversible).
is_shutdown: public(bool)
# @dev The pool's exit queue (SPEC 11), attached once by `attach_exit_queue`; empty until then.
exit_queue: public(address)
# @dev Every merchant ever admitted, by address.
_merchants: HashMap[address, MerchantRecord]
# @dev Every charity ever registered, by address.
charities: public(HashMap[address, Charity])
# @dev Every class ever certified, by class id.
_classes: HashMap[uint32, GreenClass]


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

event SponsorAdmitted:
    sponsor: indexed(address)
    reward_per_kg: uint256
    daily_cap: uint256
    license_hash: bytes32
    registrar: address

event SponsorTermsUpdated:
    sponsor: indexed(address)
    old_reward_per_kg: uint256
    new_reward_per_kg: uint256
    old_daily_cap: uint256
    new_daily_cap: uint256
    registrar: address

event ClassCertified:
    class_id: indexed(uint32)
    kind: uint8
    old_co2e_per_unit: uint256
    co2e_per_unit: uint256
    standard_hash: bytes32
    label: String[64]

event ClassWithdrawn:
    class_id: indexed(uint32)
    reason: String[100]

event CharityRegistered:
    charity: indexed(address)
    license_hash: bytes32
    registrar: address

event CharityRemoved:
    charity: indexed(address)
    reason: String[100]
    registrar: address

event ExitQueueAttached:
    queue: indexed(address)

event PoolShutDown:
    governor: indexed(address)
    total_assets: uint256
    total_supply: uint256


@deploy
def __init__(
    governor_: address, registrar_: address, guardian_: address, certifier_: address, initial_rules: rules.Rules
):
    """
    @notice Created by the value pool's constructor (which then reads `config`); the creator keeps no role.
    @param governor_ The governor (a timelock); holds DEFAULT_ADMIN_ROLE.
    @param registrar_ The registrar (industry association).
    @param guardian_ The guardian (may pause the pool).
    @param certifier_ The certifier (green certification body).
    @param initial_rules Every rule, each within its hard bounds (each logged as `RuleChanged`).
    """
    # the pool's constructor passes these on unchecked (its blueprint has no room for the checks):
    # the reasons keep the pool's prefix, as the deploy names them
    assert governor_ != empty(address), "pool: governor is the zero address"
    assert registrar_ != empty(address), "pool: registrar is the zero address"
    assert guardian_ != empty(address), "pool: guardian is the zero address"
    assert certifier_ != empty(address), "pool: certifier is the zero address"
    pool = msg.sender
    governor = governor_
    access_control.__init__()
    pausable.__init__()
    rules.__init__(initial_rules)
    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, governor_)
    access_control._grant_role(REGISTRAR_ROLE, registrar_)
    access_control._grant_role(GUARDIAN_ROLE, guardian_)
    access_control._grant_role(CERTIFIER_ROLE, certifier_)
    access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)


# ---------------------------------------------------------------- the pool's failed pulls


@external
def explain_pull(payer: address, amount: uint256):
    """
    @notice Says why the pool's asset refused to move `amount` from `payer` (a merchant or sponsor)
            into the pool: always reverts, with the first reason that holds. The pool calls it
            after the token's `transferFrom` failed, so a successful purchase pays nothing for it;
            tokens such as Tether revert with no reason of their own (docs/integration.md).
    @param payer The merchant or sponsor the pool pulled from.
    @param amount The contribution it pulled, in asset units.
    """
    asset: address = staticcall IValuePool(pool).asset()
    assert staticcall ISettlementToken(asset).allowance(payer, pool) >= amount, "pool: merchant allowance too low"
    assert staticcall ISettlementToken(asset).balanceOf(payer) >= amount, "pool: merchant balance too low"
    raise "pool: asset transfer failed"


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
    assert not self._merchants[merchant].sponsor, "registry: address is a sponsor"
    status: MerchantStatus = self._merchants[merchant].status
    assert status != MerchantStatus.REVOKED, "registry: merchant revoked for good"
    assert status == empty(MerchantStatus), "registry: merchant already admitted"
    assert self.charities[merchant].status == empty(CharityStatus), "registry: address is a charity"
    self._check_never_issued(merchant)
    self._check_terms(contribution_bps, daily_cap)
    assert license_hash != empty(bytes32), "registry: license hash is empty"
    self._merchants[merchant] = MerchantRecord(
        status=MerchantStatus.ACTIVE, category=category, license_hash=license_hash, sponsor=False
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
    assert not self._merchants[merchant].sponsor, "registry: address is a sponsor"
    self._check_terms(contribution_bps, daily_cap)
    old: IValuePool.Terms = staticcall IValuePool(pool).merchant_terms(merchant)
    self._write_member(merchant, self._merchants[merchant], contribution_bps, daily_cap)
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
    @notice Suspends an active merchant or sponsor (registrar only): a merchant can no longer
            record purchases nor be paid in points, but may still settle and reverse; a sponsor
            can no longer record actions.
    @param merchant The merchant or sponsor.
    @param reason Why, for the record.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    assert self._merchants[merchant].status == MerchantStatus.ACTIVE, "registry: merchant not active"
    self._set_status(merchant, MerchantStatus.SUSPENDED)
    log MerchantSuspended(merchant=merchant, reason=reason, registrar=msg.sender)


@external
def reinstate(merchant: address):
    """
    @notice Reinstates a suspended merchant or sponsor (registrar only).
    @param merchant The merchant or sponsor.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    assert self._merchants[merchant].status == MerchantStatus.SUSPENDED, "registry: merchant not suspended"
    self._set_status(merchant, MerchantStatus.ACTIVE)
    log MerchantReinstated(merchant=merchant, registrar=msg.sender)


@external
def revoke(merchant: address, reason: String[100]):
    """
    @notice Revokes an active or suspended merchant or sponsor for good (registrar only). A
            merchant may still settle the points it was paid.
    @param merchant The merchant or sponsor.
    @param reason Why, for the record.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    status: MerchantStatus = self._merchants[merchant].status
    assert status in (MerchantStatus.ACTIVE | MerchantStatus.SUSPENDED), "registry: not a current merchant"
    self._set_status(merchant, MerchantStatus.REVOKED)
    log MerchantRevoked(merchant=merchant, reason=reason, registrar=msg.sender)


# ---------------------------------------------------------------- sponsors


@external
def admit_sponsor(sponsor: address, reward_per_kg: uint256, daily_cap: uint256, license_hash: bytes32):
    """
    @notice Admits a sponsor of green actions (registrar only; SPEC 8.3). Sponsors are suspended,
            reinstated and revoked with the merchants' functions. A sponsor never holds points.
    @param sponsor The sponsor's address; never admitted before, not a merchant or charity, never
           issued points.
    @param reward_per_kg Asset base units the sponsor pays per 1,000 g of CO2e; above zero.
    @param daily_cap Most contribution (asset units) the sponsor may pay per epoch; above zero.
    @param license_hash Hash of the sponsor's documents; not empty.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    assert sponsor != empty(address), "registry: sponsor is the zero address"
    assert sponsor != pool, "registry: sponsor is the pool"
    record: MerchantRecord = self._merchants[sponsor]
    if record.sponsor:
        assert record.status != MerchantStatus.REVOKED, "registry: sponsor revoked for good"
        raise "registry: sponsor already admitted"
    assert record.status == empty(MerchantStatus), "registry: address is a merchant"
    assert self.charities[sponsor].status == empty(CharityStatus), "registry: address is a charity"
    self._check_never_issued(sponsor)
    self._check_sponsor_terms(reward_per_kg, daily_cap)
    assert license_hash != empty(bytes32), "registry: license hash is empty"
    self._merchants[sponsor] = MerchantRecord(
        status=MerchantStatus.ACTIVE, category=0, license_hash=license_hash, sponsor=True
    )
    extcall IValuePool(pool).update_member(
        sponsor, IValuePool.Standing.SPONSOR | IValuePool.Standing.ACTIVE, reward_per_kg, daily_cap
    )
    log SponsorAdmitted(
        sponsor=sponsor,
        reward_per_kg=reward_per_kg,
        daily_cap=daily_cap,
        license_hash=license_hash,
        registrar=msg.sender,
    )


@external
def update_sponsor_terms(sponsor: address, reward_per_kg: uint256, daily_cap: uint256):
    """
    @notice Changes an active or suspended sponsor's reward per kg and daily cap (registrar
            only). The day's running total is kept.
    @param sponsor The sponsor.
    @param reward_per_kg The new reward, above zero.
    @param daily_cap The new daily cap, above zero.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    record: MerchantRecord = self._merchants[sponsor]
    assert record.sponsor and record.status in (MerchantStatus.ACTIVE | MerchantStatus.SUSPENDED), (
        "registry: not a current sponsor"
    )
    self._check_sponsor_terms(reward_per_kg, daily_cap)
    old_reward: uint256 = staticcall IValuePool(pool).reward_per_kg(sponsor)
    old: IValuePool.Terms = staticcall IValuePool(pool).merchant_terms(sponsor)
    self._write_member(sponsor, record, reward_per_kg, daily_cap)
    log SponsorTermsUpdated(
        sponsor=sponsor,
        old_reward_per_kg=old_reward,
        new_reward_per_kg=reward_per_kg,
        old_daily_cap=old.daily_cap,
        new_daily_cap=daily_cap,
        registrar=msg.sender,
    )


# ---------------------------------------------------------------- the green catalog


@external
def certify_class(class_id: uint32, kind: uint8, co2e_per_unit: uint256, standard_hash: bytes32, label: String[64]):
    """
    @notice Certifies a green class, or certifies it again with a new factor and standard
            (certifier only; SPEC 8.1). A class keeps its kind for ever.
    @param class_id The class; not 0.
    @param kind 1: a product class (factor per whole asset unit of sale); 2: an action class
           (factor per unit of the action).
    @param co2e_per_unit Grams of CO2e avoided per unit, at most MAX_FACTOR.
    @param standard_hash Hash of the standard the class is certified under; not empty.
    @param label A readable name, for the record.
    """
    access_control._check_role(CERTIFIER_ROLE, msg.sender)
    assert class_id != 0, "registry: class id is zero"
    assert convert(kind, uint256) in [catalog.PRODUCT, catalog.ACTION], "registry: unknown class kind"
    assert co2e_per_unit <= catalog.MAX_FACTOR, "registry: factor too large"
    assert standard_hash != empty(bytes32), "registry: standard hash is empty"
    old: GreenClass = self._classes[class_id]
    assert old.kind == 0 or old.kind == kind, "registry: class kind cannot change"
    self._classes[class_id] = GreenClass(
        kind=kind, certified=True, co2e_per_unit=co2e_per_unit, standard_hash=standard_hash
    )
    extcall IValuePool(pool).set_class(class_id, catalog._pack(convert(kind, uint256), True, co2e_per_unit))
    log ClassCertified(
        class_id=class_id,
        kind=kind,
        old_co2e_per_unit=old.co2e_per_unit,
        co2e_per_unit=co2e_per_unit,
        standard_hash=standard_hash,
        label=label,
    )


@external
def withdraw_class(class_id: uint32, reason: String[100]):
    """
    @notice Withdraws a certified class (certifier only): from then on it earns nothing. It may
            be certified again later.
    @param class_id The class.
    @param reason Why, for the record.
    """
    access_control._check_role(CERTIFIER_ROLE, msg.sender)
    record: GreenClass = self._classes[class_id]
    assert record.certified, "registry: class not certified"
    self._classes[class_id].certified = False
    extcall IValuePool(pool).set_class(
        class_id, catalog._pack(convert(record.kind, uint256), False, record.co2e_per_unit)
    )
    log ClassWithdrawn(class_id=class_id, reason=reason)


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
    assert not self._merchants[charity].sponsor, "registry: address is a sponsor"
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


# ---------------------------------------------------------------- the exit queue (SPEC 11)


@external
@nonreentrant
def attach_exit_queue(queue: address):
    """
    @notice Attaches the pool's exit queue (`ExitQueue`, SPEC 11), once: anyone may, as only a
            contract with the release's code (`EXIT_QUEUE_CODEHASH`) serving this registry is taken.
            The pool learns it here (its hook `attach_exit_queue`), and from then on takes the
            queue's moves and payments (`move_queued`) from that queue alone, directly.
    @param queue The queue.
    """
    assert self.exit_queue == empty(address), "registry: exit queue already attached"
    # the release's code, then its immutables (pool, registry, asset: a word each)
    assert queue.codesize == EXIT_QUEUE_CODE_SIZE + 96, "registry: not the release's exit queue"
    assert keccak256(slice(queue.code, 0, EXIT_QUEUE_CODE_SIZE)) == EXIT_QUEUE_CODEHASH, (
        "registry: not the release's exit queue"
    )
    assert slice(queue.code, EXIT_QUEUE_CODE_SIZE, 96) == abi_encode(
        pool, self, staticcall IValuePool(pool).asset()
    ), "registry: exit queue serves another registry"
    self.exit_queue = queue
    extcall IValuePool(pool).attach_exit_queue(queue)
    log ExitQueueAttached(queue=queue)


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
            (all zero for an address never admitted as a merchant).
    """
    record: MerchantRecord = self._merchants[merchant]
    if record.sponsor:
        return empty(Merchant)
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
def sponsors(sponsor: address) -> Sponsor:
    """
    @notice A sponsor's record, with its terms and running daily total as the pool holds them
            (all zero for an address never admitted as a sponsor).
    """
    record: MerchantRecord = self._merchants[sponsor]
    if not record.sponsor:
        return empty(Sponsor)
    terms: IValuePool.Terms = staticcall IValuePool(pool).merchant_terms(sponsor)
    return Sponsor(
        status=record.status,
        reward_per_kg=staticcall IValuePool(pool).reward_per_kg(sponsor),
        daily_cap=terms.daily_cap,
        license_hash=record.license_hash,
        epoch=terms.epoch,
        epoch_contribution=terms.epoch_contribution,
    )


@external
@view
def is_sponsor(account: address) -> bool:
    """
    @notice True when `account` is an admitted sponsor that is neither suspended nor revoked.
    """
    record: MerchantRecord = self._merchants[account]
    return record.sponsor and record.status == MerchantStatus.ACTIVE


@external
@view
def green_class(class_id: uint32) -> (uint8, bool, uint256, bytes32):
    """
    @notice A class of the catalog: (kind, certified, co2e_per_unit, standard_hash); all zero
            for a class never certified.
    """
    record: GreenClass = self._classes[class_id]
    return record.kind, record.certified, record.co2e_per_unit, record.standard_hash


@external
@view
def is_certified(class_id: uint32) -> bool:
    """
    @notice True while `class_id` is certified (and not withdrawn).
    """
    return self._classes[class_id].certified


@external
@view
def is_active(account: address) -> bool:
    """
    @notice True when `account` is an admitted merchant that is neither suspended nor revoked.
    """
    record: MerchantRecord = self._merchants[account]
    return not record.sponsor and record.status == MerchantStatus.ACTIVE


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
    record: MerchantRecord = self._merchants[account]
    return not record.sponsor and record.status != empty(MerchantStatus)


@external
@view
def is_consumer(account: address) -> bool:
    """
    @notice True when `account` is a consumer: never a merchant, sponsor or charity, not the pool.
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
@view
def _check_sponsor_terms(reward_per_kg: uint256, daily_cap: uint256):
    assert reward_per_kg != 0, "registry: reward is zero"
    assert reward_per_kg <= MAX_DAILY_CAP, "registry: reward too large"
    assert daily_cap != 0, "registry: daily cap is zero"
    assert daily_cap <= MAX_DAILY_CAP, "registry: daily cap too large"


@internal
def _set_status(member: address, status: MerchantStatus):
    self._merchants[member].status = status
    record: MerchantRecord = self._merchants[member]
    terms: IValuePool.Terms = staticcall IValuePool(pool).merchant_terms(member)
    rate: uint256 = terms.contribution_bps
    if record.sponsor:
        rate = staticcall IValuePool(pool).reward_per_kg(member)
    self._write_member(member, record, rate, terms.daily_cap)


@internal
def _write_member(member: address, record: MerchantRecord, rate: uint256, daily_cap: uint256):
    """
    @dev Writes a merchant's or sponsor's standing and terms into the pool (its running daily total
         is kept).
    """
    standing: IValuePool.Standing = IValuePool.Standing.MERCHANT
    if record.sponsor:
        standing = IValuePool.Standing.SPONSOR
    if record.status == MerchantStatus.ACTIVE:
        standing |= IValuePool.Standing.ACTIVE
    extcall IValuePool(pool).update_member(member, standing, rate, daily_cap)
