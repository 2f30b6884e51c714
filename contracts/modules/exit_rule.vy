# pragma version 0.4.3
"""
@title exit_rule
@custom:contract-name exit_rule
@license GNU Affero General Public License v3.0 only
@notice The capped exit (SPEC 4.5). A consumer may cash out points only when
          1. the holding is worth `exit_trigger_bps` of its basis,
          2. `lock_period` has passed since points were last issued to them,
          3. lifetime payouts stay within `return_cap_bps` of lifetime issued value,
          4. the epoch's exits stay within `epoch_exit_limit_bps` of the pool's
             assets at the epoch's start (anti bank-run).
        The payout is `exit_payout_bps` of the points' value; the rest stays
        in the pool. The epoch snapshot is taken by `_sync_epoch`, which the
        pool calls before any operation that changes `total_assets`, so the
        snapshot is exactly the assets at the epoch's boundary.
"""


from snekmate.tokens import erc20
uses: erc20

from . import rules
uses: rules

from . import ledger
uses: ledger


# @dev The epoch (block.timestamp // epoch_length) the figures below belong to.
current_epoch: public(uint256)
# @dev The pool's assets when the current epoch started.
epoch_start_assets: public(uint256)
# @dev Exit payouts made in the current epoch.
epoch_exited: public(uint256)


# @dev Emitted when the first operation of a new epoch takes the snapshot.
event EpochStarted:
    epoch: indexed(uint256)
    start_assets: uint256


@internal
def _sync_epoch():
    """
    @dev Starts a new epoch when the clock has moved into one: snapshots the
         pool's assets and resets the epoch's exits. Call before `total_assets` changes.
    """
    epoch: uint256 = block.timestamp // rules.epoch_length
    if epoch != self.current_epoch:
        self.current_epoch = epoch
        start: uint256 = ledger.total_assets
        self.epoch_start_assets = start
        self.epoch_exited = 0
        log EpochStarted(epoch=epoch, start_assets=start)


@internal
@view
def _budget_left() -> uint256:
    """
    @dev Payouts still allowed in the current epoch (also before it has been synced).
    """
    start: uint256 = ledger.total_assets
    exited: uint256 = 0
    if block.timestamp // rules.epoch_length == self.current_epoch:
        start = self.epoch_start_assets
        exited = self.epoch_exited
    limit: uint256 = start * rules.epoch_exit_limit_bps // rules.BPS
    if exited >= limit:
        return 0
    return limit - exited


@internal
@view
def _cap_left(account: address) -> uint256:
    cap: uint256 = ledger.earned_of[account] * rules.return_cap_bps // rules.BPS
    paid: uint256 = ledger.paid_out_of[account]
    if paid >= cap:
        return 0
    return cap - paid


@internal
@view
def _triggered(account: address) -> bool:
    return ledger._value_of(account) * rules.BPS >= ledger.basis_of[account] * rules.exit_trigger_bps


@internal
@view
def _unlocked(account: address) -> bool:
    return block.timestamp >= ledger.last_issued_at[account] + rules.lock_period


@internal
def _check_exit(account: address, points: uint256) -> (uint256, uint256):
    """
    @dev Checks the four conditions in order, each refusal naming its
         condition, and books the payout against the epoch's budget.
         Call after `_sync_epoch`. Returns (value, payout).
    """
    assert self._triggered(account), "exit_rule: holding not worth the exit trigger"
    assert self._unlocked(account), "exit_rule: points still locked"
    worth: uint256 = ledger._to_assets(points)
    payout: uint256 = worth * rules.exit_payout_bps // rules.BPS
    assert ledger.paid_out_of[account] + payout <= ledger.earned_of[account] * rules.return_cap_bps // rules.BPS, (
        "exit_rule: return cap reached"
    )
    exited: uint256 = self.epoch_exited + payout
    assert exited <= self.epoch_start_assets * rules.epoch_exit_limit_bps // rules.BPS, (
        "exit_rule: epoch exit limit reached"
    )
    self.epoch_exited = exited
    return worth, payout


@internal
@view
def _max_points_for_payout(max_payout: uint256) -> uint256:
    """
    @dev The most points whose exit payout is at most `max_payout`: the exact
         inverse of payout(p) = (p * A // S) * exit_payout_bps // BPS.
    """
    supply: uint256 = erc20.totalSupply
    assets: uint256 = ledger.total_assets
    if supply == 0 or assets == 0:
        return 0
    # largest value v with v * payout_bps // BPS <= max_payout
    max_worth: uint256 = ((max_payout + 1) * rules.BPS - 1) // rules.exit_payout_bps
    # largest p with p * assets // supply <= max_worth
    return ((max_worth + 1) * supply - 1) // assets


@external
@view
def exit_budget_left() -> uint256:
    """
    @notice Exit payouts (in assets) still allowed in the current epoch.
    """
    return self._budget_left()
