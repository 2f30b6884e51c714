# pragma version 0.4.3
"""
@title Association
@custom:contract-name Association
@license GNU Affero General Public License v3.0 only
@notice The industry association that supervises many platforms (SPEC 9): one
        alliance and escrow pool each, e.g. one per settlement centre. It holds
        the EIP-5202 blueprints of the certified release (pool, registry,
        governor) and their code hashes, and launches every platform from them
        with `create_from_blueprint`, so every platform runs the same, publicly
        hashed code and starts with the default rules. Each platform's governor
        (a timelock whose only proposer is the platform's operator) holds its
        rules, unpause and shutdown; the association is the platform's guardian:
        it may pause a platform (`suspend_platform`) and nothing else. It holds
        no power over rules or funds: no function here calls anything of a
        platform but `pause`, and the pool has no path to its escrow for any role.
        The association admin (`owner`) launches, suspends and reinstates; on a
        real network it should be the association's own timelock or multisig.
        It also keeps the industry's whitelist of people (SPEC 12): the admin
        accredits compliance trainers, a trainer qualifies practitioners for a
        role until a date under a certificate's hash, and a platform is launched
        only when its operator, registrar and certifier are each qualified for
        their role at that block. After the launch, the association cannot stop a
        platform's governor from granting a role to someone unqualified (it holds
        no power over platforms' roles): the audit and the monitor show it.
"""


from snekmate.auth import ownable
initializes: ownable

from snekmate.auth import ownable_2step
initializes: ownable_2step[ownable := ownable]

from .interfaces import IPlatform
from .modules import rules


# @dev The admin's handover takes two steps (transfer, then accept by the new admin).
# Not exported: `renounce_ownership`, which would leave every platform without
# a supervisor able to suspend it.
exports: (
    ownable_2step.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
)


# @dev A platform's standing in the association.
flag PlatformStatus:
    ACTIVE
    SUSPENDED


# @dev Everything the association keeps of one platform.
struct Platform:
    pool: address
    registry: address
    governor: address
    operator: address
    asset: address
    name: String[64]
    status: PlatformStatus
    launched_block: uint256


# @dev One practitioner's qualification for one role (SPEC 12): who issued it, the last second
# it is valid in (inclusive), the hash of its certificate, and whether it was disqualified.
struct Qualification:
    trainer: address
    valid_until: uint64
    certificate_hash: bytes32
    revoked: bool


# @dev The roles a practitioner is qualified for (SPEC 12).
ROLE_OPERATOR: constant(uint8) = 1
ROLE_REGISTRAR: constant(uint8) = 2
ROLE_CERTIFIER: constant(uint8) = 3
ROLE_GUARDIAN: constant(uint8) = 4
# @dev The longest a qualification may run from its issue: 1,095 days (3 years).
MAX_QUALIFICATION_PERIOD: constant(uint256) = 1_095 * 86_400


# @dev The default rules every platform starts with (SPEC 4.6; `greenpoints.rules.DEFAULT_RULES`).
DEFAULT_ISSUE_BPS: constant(uint256) = 7_000
DEFAULT_EXIT_TRIGGER_BPS: constant(uint256) = 20_000
DEFAULT_EXIT_PAYOUT_BPS: constant(uint256) = 8_000
DEFAULT_RETURN_CAP_BPS: constant(uint256) = 30_000
DEFAULT_EPOCH_EXIT_LIMIT_BPS: constant(uint256) = 1_000
DEFAULT_EPOCH_LENGTH: constant(uint256) = 86_400
DEFAULT_LOCK_PERIOD: constant(uint256) = 7 * 86_400
DEFAULT_SETTLEMENT_FEE_BPS: constant(uint256) = 100
DEFAULT_MIN_CONTRIBUTION_BPS: constant(uint256) = 100
DEFAULT_MAX_CONTRIBUTION_BPS: constant(uint256) = 5_000

# @dev The blueprint of the pool (`ValuePool`), which creates its registry from `registry_blueprint`.
pool_blueprint: public(immutable(address))
# @dev The blueprint of the registry (`Registry`).
registry_blueprint: public(immutable(address))
# @dev The blueprint of the governor (`Governor`, snekmate's timelock controller).
governor_blueprint: public(immutable(address))
# @dev The code hashes of the three blueprints (EXTCODEHASH at construction): the release.
pool_blueprint_codehash: public(immutable(bytes32))
registry_blueprint_codehash: public(immutable(bytes32))
governor_blueprint_codehash: public(immutable(bytes32))
# @dev The shortest governor delay a platform may be launched with, in seconds (2 days outside
# local demos; the deploy refuses less on a real network).
min_timelock_delay: public(immutable(uint256))

# @dev Platforms by id; ids count from 0 in launch order.
_platforms: HashMap[uint256, Platform]
# @dev How many platforms were launched.
platform_count: public(uint256)
# @dev Accredited compliance trainers (true while accredited).
_trainers: HashMap[address, bool]
# @dev Qualifications by holder, then role.
_qualifications: HashMap[address, HashMap[uint8, Qualification]]


# @dev Emitted once per platform launched.
event PlatformLaunched:
    id: indexed(uint256)
    pool: address
    registry: address
    governor: address
    operator: address
    asset: address
    name: String[64]


# @dev Emitted when the association suspends a platform (and pauses its pool).
event PlatformSuspended:
    id: indexed(uint256)
    reason: String[100]


# @dev Emitted when the association reinstates a suspended platform.
event PlatformReinstated:
    id: indexed(uint256)


# @dev Emitted when the admin accredits a compliance trainer.
event TrainerAccredited:
    trainer: indexed(address)
    name: String[64]


# @dev Emitted when the admin revokes a trainer's accreditation (what it issued stays).
event TrainerRevoked:
    trainer: indexed(address)
    reason: String[100]


# @dev Emitted when a trainer qualifies (or requalifies: renews) a practitioner for a role.
event Qualified:
    holder: indexed(address)
    role: indexed(uint8)
    trainer: indexed(address)
    valid_until: uint64
    certificate_hash: bytes32


# @dev Emitted when the admin or the issuing trainer disqualifies a practitioner for a role.
event Disqualified:
    holder: indexed(address)
    role: indexed(uint8)
    by: indexed(address)
    reason: String[100]


@deploy
def __init__(
    admin_: address,
    pool_blueprint_: address,
    registry_blueprint_: address,
    governor_blueprint_: address,
    min_timelock_delay_: uint256,
):
    """
    @notice Deploys the association over the blueprints of one release.
    @param admin_ The association admin (launches, suspends, reinstates).
    @param pool_blueprint_ The `ValuePool` blueprint (EIP-5202).
    @param registry_blueprint_ The `Registry` blueprint (EIP-5202).
    @param governor_blueprint_ The `Governor` blueprint (EIP-5202).
    @param min_timelock_delay_ The shortest governor delay a platform may have, in seconds.
    """
    assert admin_ != empty(address), "association: admin is the zero address"
    assert pool_blueprint_.is_contract, "association: pool blueprint is not a contract"
    assert registry_blueprint_.is_contract, "association: registry blueprint is not a contract"
    assert governor_blueprint_.is_contract, "association: governor blueprint is not a contract"
    ownable.__init__()
    ownable_2step.__init__()
    ownable_2step._transfer_ownership(admin_)
    pool_blueprint = pool_blueprint_
    registry_blueprint = registry_blueprint_
    governor_blueprint = governor_blueprint_
    pool_blueprint_codehash = pool_blueprint_.codehash
    registry_blueprint_codehash = registry_blueprint_.codehash
    governor_blueprint_codehash = governor_blueprint_.codehash
    min_timelock_delay = min_timelock_delay_


@external
def launch_platform(
    name: String[64],
    asset: address,
    operator: address,
    registrar: address,
    certifier: address,
    timelock_delay: uint256,
) -> uint256:
    """
    @notice Launches a platform from the release's blueprints (association admin): its
            governor (a timelock; `operator` its only proposer, anyone may execute a ready
            operation, no admin), and its pool, which creates its registry; the platform
            starts with the default rules, and the association is its guardian. Its operator,
            registrar and certifier must each be qualified for their role at this block.
    @param name The platform's name (e.g. its settlement centre), 1 to 64 characters.
    @param asset The settlement token of its escrow.
    @param operator Who proposes rule changes to the platform's governor.
    @param registrar Who admits the platform's merchants, charities and sponsors.
    @param certifier Who keeps the platform's catalog of green classes.
    @param timelock_delay The governor's minimum delay in seconds (at least `min_timelock_delay`).
    @return The platform's id.
    """
    assert msg.sender == ownable.owner, "association: caller is not the admin"
    assert len(name) > 0, "association: name is empty"
    assert operator != empty(address), "association: operator is the zero address"
    assert registrar != certifier, "association: registrar and certifier must differ"
    assert self not in [operator, registrar, certifier], "association: a platform role cannot be the association"
    assert timelock_delay >= min_timelock_delay, "association: timelock delay below the minimum"
    assert self._is_qualified(operator, ROLE_OPERATOR), "association: operator is not qualified"
    assert self._is_qualified(registrar, ROLE_REGISTRAR), "association: registrar is not qualified"
    assert self._is_qualified(certifier, ROLE_CERTIFIER), "association: certifier is not qualified"
    proposers: DynArray[address, 1] = [operator]
    # An open executor role: anyone may execute a ready operation.
    executors: DynArray[address, 1] = [empty(address)]
    governor: address = create_from_blueprint(
        governor_blueprint, timelock_delay, proposers, executors, empty(address)
    )
    defaults: rules.Rules = rules.Rules(
        issue_bps=DEFAULT_ISSUE_BPS,
        exit_trigger_bps=DEFAULT_EXIT_TRIGGER_BPS,
        exit_payout_bps=DEFAULT_EXIT_PAYOUT_BPS,
        return_cap_bps=DEFAULT_RETURN_CAP_BPS,
        epoch_exit_limit_bps=DEFAULT_EPOCH_EXIT_LIMIT_BPS,
        epoch_length=DEFAULT_EPOCH_LENGTH,
        lock_period=DEFAULT_LOCK_PERIOD,
        settlement_fee_bps=DEFAULT_SETTLEMENT_FEE_BPS,
        min_contribution_bps=DEFAULT_MIN_CONTRIBUTION_BPS,
        max_contribution_bps=DEFAULT_MAX_CONTRIBUTION_BPS,
    )
    pool: address = create_from_blueprint(
        pool_blueprint, asset, governor, registrar, self, certifier, defaults, registry_blueprint
    )
    registry: address = staticcall IPlatform(pool).registry()
    id: uint256 = self.platform_count
    self._platforms[id] = Platform(
        pool=pool,
        registry=registry,
        governor=governor,
        operator=operator,
        asset=asset,
        name=name,
        status=PlatformStatus.ACTIVE,
        launched_block=block.number,
    )
    self.platform_count = id + 1
    log PlatformLaunched(
        id=id, pool=pool, registry=registry, governor=governor, operator=operator, asset=asset, name=name
    )
    return id


@external
def suspend_platform(id: uint256, reason: String[100]):
    """
    @notice Suspends an active platform (association admin): pauses its pool, as its guardian,
            unless its governor already has, and marks it suspended. Its consumers keep every
            way out (exits, settlements, donations and reversals go on while paused).
    @param id The platform's id.
    @param reason Why, for the record (1 to 100 characters).
    """
    assert msg.sender == ownable.owner, "association: caller is not the admin"
    assert id < self.platform_count, "association: unknown platform"
    assert len(reason) > 0, "association: reason is empty"
    assert self._platforms[id].status == PlatformStatus.ACTIVE, "association: platform is not active"
    registry: address = self._platforms[id].registry
    if not staticcall IPlatform(registry).paused():
        extcall IPlatform(registry).pause()
    self._platforms[id].status = PlatformStatus.SUSPENDED
    log PlatformSuspended(id=id, reason=reason)


@external
def reinstate_platform(id: uint256):
    """
    @notice Marks a suspended platform active again (association admin). Unpausing its pool
            stays with its governor (SPEC 4.7), through the timelock.
    @param id The platform's id.
    """
    assert msg.sender == ownable.owner, "association: caller is not the admin"
    assert id < self.platform_count, "association: unknown platform"
    assert self._platforms[id].status == PlatformStatus.SUSPENDED, "association: platform is not suspended"
    self._platforms[id].status = PlatformStatus.ACTIVE
    log PlatformReinstated(id=id)


@external
@view
def platforms(id: uint256) -> Platform:
    """
    @notice One platform: its pool, registry, governor, operator, asset, name, status and
            the block it was launched in.
    @param id The platform's id.
    """
    assert id < self.platform_count, "association: unknown platform"
    return self._platforms[id]


# ---------------------------------------------------------------- qualified practitioners (SPEC 12)


@external
def accredit_trainer(trainer: address, name: String[64]):
    """
    @notice Accredits a compliance trainer (association admin): it may then qualify practitioners.
    @param trainer The trainer's address.
    @param name The trainer's name, for the record (1 to 64 characters).
    """
    assert msg.sender == ownable.owner, "association: caller is not the admin"
    assert trainer != empty(address), "association: trainer is the zero address"
    assert len(name) > 0, "association: trainer name is empty"
    assert not self._trainers[trainer], "association: already an accredited trainer"
    self._trainers[trainer] = True
    log TrainerAccredited(trainer=trainer, name=name)


@external
def revoke_trainer(trainer: address, reason: String[100]):
    """
    @notice Revokes a trainer's accreditation (association admin): it qualifies no one from now
            on. What it issued before stays valid until it expires; the admin disqualifies
            where needed.
    @param trainer The trainer's address.
    @param reason Why, for the record (1 to 100 characters).
    """
    assert msg.sender == ownable.owner, "association: caller is not the admin"
    assert self._trainers[trainer], "association: not an accredited trainer"
    assert len(reason) > 0, "association: reason is empty"
    self._trainers[trainer] = False
    log TrainerRevoked(trainer=trainer, reason=reason)


@external
def qualify(holder: address, role: uint8, valid_until: uint64, certificate_hash: bytes32):
    """
    @notice Qualifies a practitioner for a role until `valid_until` (an accredited trainer).
            Qualifying again renews: the new trainer, date and certificate replace the old,
            and a disqualification is lifted.
    @param holder The practitioner's address.
    @param role 1 operator, 2 registrar, 3 certifier, 4 guardian.
    @param valid_until The last second (unix time) it is valid in: later than now, at most
           1,095 days ahead.
    @param certificate_hash The hash of the certificate the trainer issued (not zero).
    """
    assert self._trainers[msg.sender], "association: caller is not an accredited trainer"
    assert holder != empty(address), "association: holder is the zero address"
    assert holder != self, "association: a practitioner cannot be the association"
    self._check_role(role)
    assert convert(valid_until, uint256) > block.timestamp, "association: valid_until is not in the future"
    assert (
        convert(valid_until, uint256) <= block.timestamp + MAX_QUALIFICATION_PERIOD
    ), "association: valid_until is more than 1,095 days ahead"
    assert certificate_hash != empty(bytes32), "association: certificate hash is empty"
    self._qualifications[holder][role] = Qualification(
        trainer=msg.sender, valid_until=valid_until, certificate_hash=certificate_hash, revoked=False
    )
    log Qualified(
        holder=holder,
        role=role,
        trainer=msg.sender,
        valid_until=valid_until,
        certificate_hash=certificate_hash,
    )


@external
def disqualify(holder: address, role: uint8, reason: String[100]):
    """
    @notice Disqualifies a practitioner for a role (the association admin, or the trainer that
            issued the qualification).
    @param holder The practitioner's address.
    @param role 1 operator, 2 registrar, 3 certifier, 4 guardian.
    @param reason Why, for the record (1 to 100 characters).
    """
    self._check_role(role)
    issued: Qualification = self._qualifications[holder][role]
    assert issued.trainer != empty(address), "association: no qualification to disqualify"
    assert msg.sender in [
        ownable.owner, issued.trainer
    ], "association: caller is not the admin or the issuing trainer"
    assert not issued.revoked, "association: qualification already disqualified"
    assert len(reason) > 0, "association: reason is empty"
    self._qualifications[holder][role].revoked = True
    log Disqualified(holder=holder, role=role, by=msg.sender, reason=reason)


@external
@view
def qualification(holder: address, role: uint8) -> Qualification:
    """
    @notice A practitioner's qualification for a role: its trainer (zero if none was issued),
            the last second it is valid in, its certificate's hash, and whether it was disqualified.
    @param holder The practitioner's address.
    @param role 1 operator, 2 registrar, 3 certifier, 4 guardian.
    """
    self._check_role(role)
    return self._qualifications[holder][role]


@external
@view
def is_qualified(holder: address, role: uint8) -> bool:
    """
    @notice Whether a practitioner is qualified for a role now: issued, not disqualified, and
            `valid_until` not past (valid through its last second).
    @param holder The practitioner's address.
    @param role 1 operator, 2 registrar, 3 certifier, 4 guardian.
    """
    self._check_role(role)
    return self._is_qualified(holder, role)


@external
@view
def is_trainer(addr: address) -> bool:
    """
    @notice Whether an address is an accredited trainer now.
    @param addr The address.
    """
    return self._trainers[addr]


@internal
@pure
def _check_role(role: uint8):
    assert role >= ROLE_OPERATOR and role <= ROLE_GUARDIAN, "association: unknown role"


@internal
@view
def _is_qualified(holder: address, role: uint8) -> bool:
    # Three of the struct's four slots (the certificate's hash is not needed): a launch reads them
    # for three roles.
    return (
        self._qualifications[holder][role].trainer != empty(address)
        and not self._qualifications[holder][role].revoked
        and block.timestamp <= convert(self._qualifications[holder][role].valid_until, uint256)
    )
