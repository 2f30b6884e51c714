# pragma version 0.4.3
"""
@title rules
@custom:contract-name rules
@license GNU Affero General Public License v3.0 only
@notice The pool's rules and their hard bounds, packed in one storage slot,
        so an operation reads every rule with one SLOAD. `Registry`
        initialises this module and holds the authoritative slot: every rule
        has a public getter there, and a change goes through `_set_rule`, which
        refuses any value outside the bounds fixed here as constants (no role
        can move them) and logs `RuleChanged` with the old and the new value.
        Who may call `_set_rule` is decided by the contract that initialises
        this module (the governor, a timelock, in `Registry`). The pool keeps a
        copy of the slot with its two switches added (`config`), and reads its
        fields with the pure helpers here.
        Rule names, defaults and bounds (SPEC 4.6, docs/design.md):
          issue_bps             7_000   [1_000, 9_000]
          exit_trigger_bps     20_000   [10_000, 50_000]
          exit_payout_bps       8_000   [1_000, 9_000]
          return_cap_bps       30_000   [10_000, 50_000]
          epoch_exit_limit_bps  1_000   [10, 5_000]
          epoch_length         1 day    [1 hour, 30 days]
          lock_period          7 days   [1 hour, 90 days]
          settlement_fee_bps      100   [0, 500]
          min_contribution_bps    100   [10, 5_000] and <= max_contribution_bps
          max_contribution_bps  5_000   [10, 5_000] and >= min_contribution_bps
        Layout of the slot (bit offsets): the eight bps rules take 16 bits
        each from bit 0 (in the order of `_OFFSETS` below), epoch_length and
        lock_period 32 bits each from bits 128 and 160. In the pool's copy,
        bit 192 is the pause switch and bit 193 the shutdown switch. Every
        bound is far inside its field, so no value can spill into another.
"""


# @dev One basis point scale: 10_000 = 100%.
BPS: constant(uint256) = 10_000

# @dev Hard bounds, fixed in the code: no role can exceed them.
ISSUE_BPS_MIN: constant(uint256) = 1_000
ISSUE_BPS_MAX: constant(uint256) = 9_000
EXIT_TRIGGER_BPS_MIN: constant(uint256) = 10_000
EXIT_TRIGGER_BPS_MAX: constant(uint256) = 50_000
EXIT_PAYOUT_BPS_MIN: constant(uint256) = 1_000
EXIT_PAYOUT_BPS_MAX: constant(uint256) = 9_000
RETURN_CAP_BPS_MIN: constant(uint256) = 10_000
RETURN_CAP_BPS_MAX: constant(uint256) = 50_000
EPOCH_EXIT_LIMIT_BPS_MIN: constant(uint256) = 10
EPOCH_EXIT_LIMIT_BPS_MAX: constant(uint256) = 5_000
EPOCH_LENGTH_MIN: constant(uint256) = 3_600
EPOCH_LENGTH_MAX: constant(uint256) = 30 * 86_400
LOCK_PERIOD_MIN: constant(uint256) = 3_600
LOCK_PERIOD_MAX: constant(uint256) = 90 * 86_400
SETTLEMENT_FEE_BPS_MAX: constant(uint256) = 500
CONTRIBUTION_BPS_MIN: constant(uint256) = 10
CONTRIBUTION_BPS_MAX: constant(uint256) = 5_000

# @dev Bit offsets of the fields in the packed slot.
ISSUE: constant(uint256) = 0
TRIGGER: constant(uint256) = 16
PAYOUT: constant(uint256) = 32
CAP: constant(uint256) = 48
LIMIT: constant(uint256) = 64
FEE: constant(uint256) = 80
MIN_CONTRIBUTION: constant(uint256) = 96
MAX_CONTRIBUTION: constant(uint256) = 112
EPOCH_LENGTH: constant(uint256) = 128
LOCK: constant(uint256) = 160
# @dev The switches' bits in the pool's copy of the slot (`config`): paused, shut down.
PAUSED_BIT: constant(uint256) = 1 << 192
SHUTDOWN_BIT: constant(uint256) = 1 << 193

MASK16: constant(uint256) = 2**16 - 1
MASK32: constant(uint256) = 2**32 - 1


# @dev The full set of rules, as passed to the constructor.
struct Rules:
    issue_bps: uint256
    exit_trigger_bps: uint256
    exit_payout_bps: uint256
    return_cap_bps: uint256
    epoch_exit_limit_bps: uint256
    epoch_length: uint256
    lock_period: uint256
    settlement_fee_bps: uint256
    min_contribution_bps: uint256
    max_contribution_bps: uint256


# @dev Every rule and the two switches, packed as the module's notice describes.
_word: uint256


# @dev Emitted for every rule set, at deployment (old value 0) and on every change.
event RuleChanged:
    rule: String[32]
    old_value: uint256
    new_value: uint256


@deploy
def __init__(initial: Rules):
    """
    @dev Sets every rule, each checked against its bounds and logged.
    @param initial The rules to start with.
    """
    self._set_rule("issue_bps", initial.issue_bps)
    self._set_rule("exit_trigger_bps", initial.exit_trigger_bps)
    self._set_rule("exit_payout_bps", initial.exit_payout_bps)
    self._set_rule("return_cap_bps", initial.return_cap_bps)
    self._set_rule("epoch_exit_limit_bps", initial.epoch_exit_limit_bps)
    self._set_rule("epoch_length", initial.epoch_length)
    self._set_rule("lock_period", initial.lock_period)
    self._set_rule("settlement_fee_bps", initial.settlement_fee_bps)
    # The contribution bounds check each other: set max first from its empty default.
    self._set_rule("max_contribution_bps", initial.max_contribution_bps)
    self._set_rule("min_contribution_bps", initial.min_contribution_bps)


# ---------------------------------------------------------------- reading


@internal
@view
def _load() -> uint256:
    """
    @dev The packed slot: read it once, then take fields with `_bps` and `_seconds`.
    """
    return self._word


@internal
@pure
def _bps(word: uint256, offset: uint256) -> uint256:
    """
    @dev The 16-bit rule at `offset` of a packed slot.
    """
    return (word >> offset) & MASK16


@internal
@pure
def _seconds(word: uint256, offset: uint256) -> uint256:
    """
    @dev The 32-bit duration (epoch_length or lock_period) at `offset` of a packed slot.
    """
    return (word >> offset) & MASK32


@internal
@view
def _epoch(word: uint256) -> uint256:
    """
    @dev The current epoch under the rules of `word`: block.timestamp // epoch_length.
    """
    return block.timestamp // ((word >> EPOCH_LENGTH) & MASK32)


@external
@view
def issue_bps() -> uint256:
    """
    @notice Share of a contribution issued to the consumer as points (the rest raises the value per point).
    """
    return self._bps(self._word, ISSUE)


@external
@view
def exit_trigger_bps() -> uint256:
    """
    @notice Holding value over basis, in bps, from which a consumer may exit.
    """
    return self._bps(self._word, TRIGGER)


@external
@view
def exit_payout_bps() -> uint256:
    """
    @notice Share of the exited points' value paid out; the rest stays in the pool.
    """
    return self._bps(self._word, PAYOUT)


@external
@view
def return_cap_bps() -> uint256:
    """
    @notice Lifetime exit payouts at most this share of lifetime issued value.
    """
    return self._bps(self._word, CAP)


@external
@view
def epoch_exit_limit_bps() -> uint256:
    """
    @notice Exits per epoch at most this share of the pool's assets at the epoch's start.
    """
    return self._bps(self._word, LIMIT)


@external
@view
def epoch_length() -> uint256:
    """
    @notice Length of an epoch (the exit-limit window and the merchants' daily-cap day), in seconds.
    """
    return self._seconds(self._word, EPOCH_LENGTH)


@external
@view
def lock_period() -> uint256:
    """
    @notice Time after the last issuance before a consumer may exit, and window for reversals, in seconds.
    """
    return self._seconds(self._word, LOCK)


@external
@view
def settlement_fee_bps() -> uint256:
    """
    @notice Share of the value kept by the pool when a merchant or charity settles points.
    """
    return self._bps(self._word, FEE)


@external
@view
def min_contribution_bps() -> uint256:
    """
    @notice Lowest contribution rate the registrar may grant a merchant.
    """
    return self._bps(self._word, MIN_CONTRIBUTION)


@external
@view
def max_contribution_bps() -> uint256:
    """
    @notice Highest contribution rate the registrar may grant a merchant.
    """
    return self._bps(self._word, MAX_CONTRIBUTION)


# ---------------------------------------------------------------- writing


@internal
@pure
def _field(key: bytes32) -> (uint256, uint256, uint256, uint256):
    """
    @dev The offset, mask and hard bounds of the rule whose name hashes to `key`.
    """
    if key == keccak256("issue_bps"):
        return ISSUE, MASK16, ISSUE_BPS_MIN, ISSUE_BPS_MAX
    if key == keccak256("exit_trigger_bps"):
        return TRIGGER, MASK16, EXIT_TRIGGER_BPS_MIN, EXIT_TRIGGER_BPS_MAX
    if key == keccak256("exit_payout_bps"):
        return PAYOUT, MASK16, EXIT_PAYOUT_BPS_MIN, EXIT_PAYOUT_BPS_MAX
    if key == keccak256("return_cap_bps"):
        return CAP, MASK16, RETURN_CAP_BPS_MIN, RETURN_CAP_BPS_MAX
    if key == keccak256("epoch_exit_limit_bps"):
        return LIMIT, MASK16, EPOCH_EXIT_LIMIT_BPS_MIN, EPOCH_EXIT_LIMIT_BPS_MAX
    if key == keccak256("epoch_length"):
        return EPOCH_LENGTH, MASK32, EPOCH_LENGTH_MIN, EPOCH_LENGTH_MAX
    if key == keccak256("lock_period"):
        return LOCK, MASK32, LOCK_PERIOD_MIN, LOCK_PERIOD_MAX
    if key == keccak256("settlement_fee_bps"):
        return FEE, MASK16, 0, SETTLEMENT_FEE_BPS_MAX
    if key == keccak256("min_contribution_bps"):
        return MIN_CONTRIBUTION, MASK16, CONTRIBUTION_BPS_MIN, CONTRIBUTION_BPS_MAX
    if key == keccak256("max_contribution_bps"):
        return MAX_CONTRIBUTION, MASK16, CONTRIBUTION_BPS_MIN, CONTRIBUTION_BPS_MAX
    raise "rules: unknown rule"


@internal
def _set_rule(rule: String[32], new_value: uint256):
    """
    @dev Sets `rule` to `new_value` within its hard bounds and logs the change.
    @param rule The rule's name, as its getter is named.
    @param new_value The new value.
    """
    word: uint256 = self._word
    offset: uint256 = 0
    mask: uint256 = 0
    lo: uint256 = 0
    hi: uint256 = 0
    offset, mask, lo, hi = self._field(keccak256(rule))
    assert new_value >= lo and new_value <= hi, "rules: value out of bounds"
    if offset == MIN_CONTRIBUTION:
        assert new_value <= self._bps(word, MAX_CONTRIBUTION), "rules: min contribution above max"
    elif offset == MAX_CONTRIBUTION:
        assert new_value >= self._bps(word, MIN_CONTRIBUTION), "rules: max contribution below min"
    old: uint256 = (word >> offset) & mask
    self._word = (word & (max_value(uint256) ^ (mask << offset))) | (new_value << offset)
    log RuleChanged(rule=rule, old_value=old, new_value=new_value)
