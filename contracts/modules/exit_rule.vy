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
        in the pool. After the shutdown every holder exits at full value with
        no condition. The epoch snapshot is taken by `_sync_epoch`, which the
        pool calls before any operation that changes `total_assets`, so the
        snapshot is exactly the assets at the epoch's boundary.
        Storage: the epoch's start assets (bits 0..127) and exits (128..255)
        in one slot; the epoch number itself sits in the ledger's totals, which
        every operation reads anyway.
"""


from snekmate.tokens import erc20
uses: erc20

from . import rules

from . import config
uses: config

from . import accounts
uses: accounts

from . import ledger
uses: ledger


_MASK128: constant(uint256) = 2**128 - 1

# @dev The current epoch's start assets | exits, packed.
_epoch_word: uint256


# @dev Emitted when the first operation of a new epoch takes the snapshot.
event EpochStarted:
    epoch: indexed(uint256)
    start_assets: uint256


@internal
def _sync_epoch(totals: uint256) -> uint256:
    """
    @dev Starts a new epoch when the clock has moved into one: snapshots the pool's assets and
         resets the epoch's exits. Call before `total_assets` changes.
    @param totals The ledger's pool word, as just read.
    @return The pool word, as it is after the sync.
    """
    # `ledger._epoch_now`, written out: this runs on every issuance (docs/gas.md)
    epoch: uint256 = block.timestamp // ((totals >> ledger.EPOCH_LENGTH) & ledger.MASK22)
    if epoch != ((totals >> ledger.EPOCH) & rules.MASK32):
        new: uint256 = ledger._start_epoch(totals, epoch)
        start: uint256 = new & ledger.MASK120
        self._epoch_word = start
        log EpochStarted(epoch=epoch, start_assets=start)
        return new
    return totals


@internal
@view
def _budget_left(cfg: uint256) -> uint256:
    """
    @dev Payouts still allowed in the current epoch (also before it has been synced).
    """
    totals: uint256 = ledger._totals
    start: uint256 = totals & ledger.MASK120
    exited: uint256 = 0
    if ledger._epoch_now(totals) == ((totals >> ledger.EPOCH) & rules.MASK32):
        word: uint256 = self._epoch_word
        start = word & _MASK128
        exited = word >> 128
    limit: uint256 = start * ((cfg >> rules.LIMIT) & rules.MASK16) // rules.BPS
    if exited >= limit:
        return 0
    return limit - exited


@internal
@view
def _triggered(account: address, book: uint256, cfg: uint256) -> bool:
    return ledger._value(erc20.balanceOf[account]) * rules.BPS >= ledger._basis(book) * ((cfg >> rules.TRIGGER) & rules.MASK16)


@internal
@view
def _unlocked(book: uint256, cfg: uint256) -> bool:
    return block.timestamp >= ledger._last_issued(book) + ((cfg >> rules.LOCK) & rules.MASK32)


@internal
def _check_exit(account: address, book: uint256, points: uint256, cfg: uint256) -> (uint256, uint256):
    """
    @dev Checks the four conditions in order, each refusal naming its condition, and books the
         payout against the epoch's budget; after the shutdown, full value with no condition.
         Call after `_sync_epoch`. Returns (value, payout).
    """
    worth: uint256 = ledger._value(points)
    if cfg & rules.SHUTDOWN_BIT != 0:
        return worth, worth
    assert accounts._is_consumer(account), "exit_rule: merchants and charities settle instead"
    assert self._triggered(account, book, cfg), "exit_rule: holding not worth the exit trigger"
    assert self._unlocked(book, cfg), "exit_rule: points still locked"
    payout: uint256 = worth * ((cfg >> rules.PAYOUT) & rules.MASK16) // rules.BPS
    assert ledger._paid_out(account) + payout <= ledger._earned(book) * ((cfg >> rules.CAP) & rules.MASK16) // rules.BPS, "exit_rule: return cap reached"
    word: uint256 = self._epoch_word
    exited: uint256 = (word >> 128) + payout
    assert exited <= (word & _MASK128) * ((cfg >> rules.LIMIT) & rules.MASK16) // rules.BPS, (
        "exit_rule: epoch exit limit reached"
    )
    self._epoch_word = (word & _MASK128) | (exited << 128)
    return worth, payout


@external
@view
def exit_budget_left() -> uint256:
    """
    @notice Exit payouts (in assets) still allowed in the current epoch.
    """
    return self._budget_left(config._word)


@external
@view
def current_epoch() -> uint256:
    """
    @notice The epoch (block.timestamp // epoch_length) of the last snapshot.
    """
    return ((ledger._totals >> ledger.EPOCH) & rules.MASK32)


@external
@view
def epoch_start_assets() -> uint256:
    """
    @notice The pool's assets when the last snapshotted epoch started.
    """
    return self._epoch_word & _MASK128


@external
@view
def epoch_exited() -> uint256:
    """
    @notice Exit payouts made in the last snapshotted epoch.
    """
    return self._epoch_word >> 128
