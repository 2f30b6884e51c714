# pragma version 0.4.3
"""
@title registry
@custom:contract-name registry
@license GNU Affero General Public License v3.0 only
@notice The alliance's whitelist: merchants (admitted, suspended,
        reinstated, revoked for good) and registered charities, kept by the
        registrar (the industry association). Also each merchant's daily cap:
        the contribution it may record per epoch.
        Everyone who was never admitted as a merchant nor registered as a
        charity is a consumer. An address that holds points cannot be
        admitted or registered, so points a merchant or charity holds were
        always paid to it, never issued to it.
"""


from snekmate.auth import access_control
uses: access_control

from snekmate.tokens import erc20
uses: erc20

from . import rules
uses: rules


# @dev The registrar role (the industry association).
REGISTRAR_ROLE: public(constant(bytes32)) = keccak256("REGISTRAR_ROLE")

# @dev Merchant statuses. NONE: never admitted. REVOKED is final.
STATUS_NONE: constant(uint8) = 0
STATUS_ACTIVE: constant(uint8) = 1
STATUS_SUSPENDED: constant(uint8) = 2
STATUS_REVOKED: constant(uint8) = 3

# @dev Charity statuses. REMOVED charities may still settle what they were given.
CHARITY_NONE: constant(uint8) = 0
CHARITY_REGISTERED: constant(uint8) = 1
CHARITY_REMOVED: constant(uint8) = 2


# @dev A merchant's terms and its running daily (epoch) total.
struct Merchant:
    status: uint8
    category: uint8
    contribution_bps: uint256
    daily_cap: uint256
    license_hash: bytes32
    epoch: uint256
    epoch_contribution: uint256


# @dev A charity's registration.
struct Charity:
    status: uint8
    license_hash: bytes32


# @dev Every merchant ever admitted, by address.
merchants: public(HashMap[address, Merchant])
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


@external
def admit(merchant: address, contribution_bps: uint256, daily_cap: uint256, license_hash: bytes32, category: uint8):
    """
    @notice Admits `merchant` to the alliance (registrar only).
    @param merchant The merchant's address; never admitted before, not a charity, holding no points.
    @param contribution_bps Share of each sale paid into the pool, within the rules' contribution bounds.
    @param daily_cap Most contribution (asset units) the merchant may record per epoch; above zero.
    @param license_hash Hash of the merchant's licence documents; not empty.
    @param category The merchant's category (free code kept for reporting).
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    assert merchant != empty(address), "registry: merchant is the zero address"
    assert merchant != self, "registry: merchant is the pool"
    status: uint8 = self.merchants[merchant].status
    assert status != STATUS_REVOKED, "registry: merchant revoked for good"
    assert status == STATUS_NONE, "registry: merchant already admitted"
    assert self.charities[merchant].status == CHARITY_NONE, "registry: address is a charity"
    assert erc20.balanceOf[merchant] == 0, "registry: address holds points"
    self._check_terms(contribution_bps, daily_cap)
    assert license_hash != empty(bytes32), "registry: license hash is empty"
    self.merchants[merchant] = Merchant(
        status=STATUS_ACTIVE,
        category=category,
        contribution_bps=contribution_bps,
        daily_cap=daily_cap,
        license_hash=license_hash,
        epoch=0,
        epoch_contribution=0,
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
    @notice Changes an active or suspended merchant's contribution rate and daily cap (registrar only).
    @param merchant The merchant.
    @param contribution_bps The new contribution rate, within the rules' bounds.
    @param daily_cap The new daily cap, above zero.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    status: uint8 = self.merchants[merchant].status
    assert status == STATUS_ACTIVE or status == STATUS_SUSPENDED, "registry: not a current merchant"
    self._check_terms(contribution_bps, daily_cap)
    old_bps: uint256 = self.merchants[merchant].contribution_bps
    old_cap: uint256 = self.merchants[merchant].daily_cap
    self.merchants[merchant].contribution_bps = contribution_bps
    self.merchants[merchant].daily_cap = daily_cap
    log MerchantTermsUpdated(
        merchant=merchant,
        old_contribution_bps=old_bps,
        new_contribution_bps=contribution_bps,
        old_daily_cap=old_cap,
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
    assert self.merchants[merchant].status == STATUS_ACTIVE, "registry: merchant not active"
    self.merchants[merchant].status = STATUS_SUSPENDED
    log MerchantSuspended(merchant=merchant, reason=reason, registrar=msg.sender)


@external
def reinstate(merchant: address):
    """
    @notice Reinstates a suspended merchant (registrar only).
    @param merchant The merchant.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    assert self.merchants[merchant].status == STATUS_SUSPENDED, "registry: merchant not suspended"
    self.merchants[merchant].status = STATUS_ACTIVE
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
    status: uint8 = self.merchants[merchant].status
    assert status == STATUS_ACTIVE or status == STATUS_SUSPENDED, "registry: not a current merchant"
    self.merchants[merchant].status = STATUS_REVOKED
    log MerchantRevoked(merchant=merchant, reason=reason, registrar=msg.sender)


@external
def register_charity(charity: address, license_hash: bytes32):
    """
    @notice Registers `charity` (registrar only); a removed charity may be registered again.
    @param charity The charity's address; not a merchant; holding no points if new.
    @param license_hash Hash of the charity's registration documents; not empty.
    """
    access_control._check_role(REGISTRAR_ROLE, msg.sender)
    assert charity != empty(address), "registry: charity is the zero address"
    assert charity != self, "registry: charity is the pool"
    assert self.merchants[charity].status == STATUS_NONE, "registry: address is a merchant"
    status: uint8 = self.charities[charity].status
    assert status != CHARITY_REGISTERED, "registry: charity already registered"
    if status == CHARITY_NONE:
        assert erc20.balanceOf[charity] == 0, "registry: address holds points"
    assert license_hash != empty(bytes32), "registry: license hash is empty"
    self.charities[charity] = Charity(status=CHARITY_REGISTERED, license_hash=license_hash)
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
    assert self.charities[charity].status == CHARITY_REGISTERED, "registry: charity not registered"
    self.charities[charity].status = CHARITY_REMOVED
    log CharityRemoved(charity=charity, reason=reason, registrar=msg.sender)


@external
@view
def is_active(account: address) -> bool:
    """
    @notice True when `account` is an admitted merchant that is neither suspended nor revoked.
    """
    return self.merchants[account].status == STATUS_ACTIVE


@external
@view
def is_charity(account: address) -> bool:
    """
    @notice True when `account` is a registered (not removed) charity.
    """
    return self.charities[account].status == CHARITY_REGISTERED


@external
@view
def is_merchant(account: address) -> bool:
    """
    @notice True when `account` was ever admitted as a merchant (any status).
    """
    return self.merchants[account].status != STATUS_NONE


@external
@view
def is_consumer(account: address) -> bool:
    """
    @notice True when `account` is a consumer: never a merchant, never a charity, not the pool.
    """
    return self._is_consumer(account)


@internal
@view
def _is_consumer(account: address) -> bool:
    return (
        account != empty(address)
        and account != self
        and self.merchants[account].status == STATUS_NONE
        and self.charities[account].status == CHARITY_NONE
    )


@internal
@view
def _is_merchant_or_charity(account: address) -> bool:
    return self.merchants[account].status != STATUS_NONE or self.charities[account].status != CHARITY_NONE


@internal
@view
def _check_terms(contribution_bps: uint256, daily_cap: uint256):
    assert contribution_bps >= rules.min_contribution_bps, "registry: contribution below bounds"
    assert contribution_bps <= rules.max_contribution_bps, "registry: contribution above bounds"
    assert daily_cap != 0, "registry: daily cap is zero"


@internal
@view
def _active_contribution_bps(merchant: address) -> uint256:
    """
    @dev The contribution rate of `merchant`; reverts unless it is active.
    """
    assert self.merchants[merchant].status == STATUS_ACTIVE, "registry: caller not an active merchant"
    return self.merchants[merchant].contribution_bps


@internal
def _use_daily_cap(merchant: address, contribution: uint256):
    """
    @dev Adds `contribution` to the merchant's total for the current epoch,
         reverting past its daily cap.
    """
    epoch: uint256 = block.timestamp // rules.epoch_length
    used: uint256 = 0
    if self.merchants[merchant].epoch == epoch:
        used = self.merchants[merchant].epoch_contribution
    else:
        self.merchants[merchant].epoch = epoch
    used += contribution
    assert used <= self.merchants[merchant].daily_cap, "registry: daily cap exceeded"
    self.merchants[merchant].epoch_contribution = used
