# pragma version 0.4.3
"""
@title rules
@custom:contract-name rules
@license GNU Affero General Public License v3.0 only
@notice The pool's rules and their hard bounds. Every rule has a public
        getter; a change goes through `_set_rule`, which refuses any value
        outside the bounds fixed here as constants (no role can move them)
        and logs `RuleChanged` with the old and the new value. Who may call
        `_set_rule` is decided by the contract that initialises this module
        (the governor, a timelock, in `ValuePool`).
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


# @dev Share of a contribution issued to the consumer as points (the rest raises the value per point).
issue_bps: public(uint256)
# @dev Holding value over basis, in bps, from which a consumer may exit.
exit_trigger_bps: public(uint256)
# @dev Share of the exited points' value paid out; the rest stays in the pool.
exit_payout_bps: public(uint256)
# @dev Lifetime exit payouts at most this share of lifetime issued value.
return_cap_bps: public(uint256)
# @dev Exits per epoch at most this share of the pool's assets at the epoch's start.
epoch_exit_limit_bps: public(uint256)
# @dev Length of an epoch (the exit-limit window and the merchants' daily-cap day), in seconds.
epoch_length: public(uint256)
# @dev Time after the last issuance before a consumer may exit, and window for reversals, in seconds.
lock_period: public(uint256)
# @dev Share of the value kept by the pool when a merchant or charity settles points.
settlement_fee_bps: public(uint256)
# @dev Lowest contribution rate the registrar may grant a merchant.
min_contribution_bps: public(uint256)
# @dev Highest contribution rate the registrar may grant a merchant.
max_contribution_bps: public(uint256)


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


@internal
def _check_range(new_value: uint256, lo: uint256, hi: uint256):
    """
    @dev Reverts unless `lo <= new_value <= hi`.
    """
    assert new_value >= lo and new_value <= hi, "rules: value out of bounds"


@internal
def _set_rule(rule: String[32], new_value: uint256):
    """
    @dev Sets `rule` to `new_value` within its hard bounds and logs the change.
    @param rule The rule's name, as its getter is named.
    @param new_value The new value.
    """
    key: bytes32 = keccak256(rule)
    old: uint256 = 0
    if key == keccak256("issue_bps"):
        self._check_range(new_value, ISSUE_BPS_MIN, ISSUE_BPS_MAX)
        old = self.issue_bps
        self.issue_bps = new_value
    elif key == keccak256("exit_trigger_bps"):
        self._check_range(new_value, EXIT_TRIGGER_BPS_MIN, EXIT_TRIGGER_BPS_MAX)
        old = self.exit_trigger_bps
        self.exit_trigger_bps = new_value
    elif key == keccak256("exit_payout_bps"):
        self._check_range(new_value, EXIT_PAYOUT_BPS_MIN, EXIT_PAYOUT_BPS_MAX)
        old = self.exit_payout_bps
        self.exit_payout_bps = new_value
    elif key == keccak256("return_cap_bps"):
        self._check_range(new_value, RETURN_CAP_BPS_MIN, RETURN_CAP_BPS_MAX)
        old = self.return_cap_bps
        self.return_cap_bps = new_value
    elif key == keccak256("epoch_exit_limit_bps"):
        self._check_range(new_value, EPOCH_EXIT_LIMIT_BPS_MIN, EPOCH_EXIT_LIMIT_BPS_MAX)
        old = self.epoch_exit_limit_bps
        self.epoch_exit_limit_bps = new_value
    elif key == keccak256("epoch_length"):
        self._check_range(new_value, EPOCH_LENGTH_MIN, EPOCH_LENGTH_MAX)
        old = self.epoch_length
        self.epoch_length = new_value
    elif key == keccak256("lock_period"):
        self._check_range(new_value, LOCK_PERIOD_MIN, LOCK_PERIOD_MAX)
        old = self.lock_period
        self.lock_period = new_value
    elif key == keccak256("settlement_fee_bps"):
        self._check_range(new_value, 0, SETTLEMENT_FEE_BPS_MAX)
        old = self.settlement_fee_bps
        self.settlement_fee_bps = new_value
    elif key == keccak256("min_contribution_bps"):
        self._check_range(new_value, CONTRIBUTION_BPS_MIN, CONTRIBUTION_BPS_MAX)
        assert new_value <= self.max_contribution_bps, "rules: min contribution above max"
        old = self.min_contribution_bps
        self.min_contribution_bps = new_value
    elif key == keccak256("max_contribution_bps"):
        self._check_range(new_value, CONTRIBUTION_BPS_MIN, CONTRIBUTION_BPS_MAX)
        assert new_value >= self.min_contribution_bps, "rules: max contribution below min"
        old = self.max_contribution_bps
        self.max_contribution_bps = new_value
    else:
        raise "rules: unknown rule"
    log RuleChanged(rule=rule, old_value=old, new_value=new_value)
