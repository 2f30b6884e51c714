# pragma version 0.4.3
"""
@title ExitQueue
@custom:contract-name ExitQueue
@license GNU Affero General Public License v3.0 only
@notice The exit queue (SPEC 11): a place in line when the epoch's exit budget
        is spent. A consumer whose exit satisfies the exit rule's conditions
        1-3 now (trigger, lock, return cap) requests it; its points and their
        share of the basis leave its balance into the line (the registry's
        balance in the pool: they still count in `totalSupply`, so the value
        per point does not move). Anyone processes the line: the oldest
        requests are filled in order from what is left of the epoch's budget,
        each filled point burned and paid exactly as an exit would be (after
        the shutdown: full value, no limit), up to the owner's return cap
        (points beyond it go back with their basis). Payouts stay in the pool
        until the owner claims them, so a receiver the asset refuses cannot
        block the line. While any request waits the pool's `exit` gives way.
        The registry attaches this queue once, checking its code, and tells
        the pool, whose hook `move_queued` then takes this queue's moves and
        payments directly (one hop: docs/gas.md); the line's points are held
        in the registry's balance (docs/design.md, "The exit queue"). The
        rules are read from the pool's copy (`config_word()`). The queue keeps no
        immutables, so every queue has the same code, the one the registry
        checks.
        Storage, per request id (counting from 0), three words, each written
        at the request and never zero after it, so a fill, a claim or a
        cancel changes words and creates none (docs/gas.md, "The exit
        queue"): the owner and the basis of the unfilled points; the points,
        the points filled (a cancel, or points given back beyond the cap,
        lower `points` to `filled`: nothing waits) and the time of the
        request; the payout not yet claimed and the payout claimed. The line:
        the oldest request that may wait, the next id, the requests waiting.
"""


from .interfaces import IValuePool


interface IQueueRegistry:
    def pool() -> address: view


# @dev Most requests one `process_exits` call touches (a call asking for more touches this many).
MAX_PROCESS: public(constant(uint256)) = 256
# @dev Most requests `points_ahead` and `queue_head` read (views only: `points_ahead` of a request with
# more requests ahead of it reverts with a reason; `queue_head` steps over that many cancelled ones).
_MAX_SCAN: constant(uint256) = 10_000
_BPS: constant(uint256) = 10_000
_MASK16: constant(uint256) = 2**16 - 1
_MASK64: constant(uint256) = 2**64 - 1
# @dev A request's points (and points filled) take 108 bits: at most 3.2e14 points of 18 decimals.
_MASK108: constant(uint256) = 2**108 - 1
_MASK128: constant(uint256) = 2**128 - 1
_MASK160: constant(uint256) = 2**160 - 1
_FILLED: constant(uint256) = 108
_TIME: constant(uint256) = 216
_CLAIMED: constant(uint256) = 128
# @dev Set in every request's payouts word, so the word is never zero (a fill or a claim changes it).
_WRITTEN: constant(uint256) = 1 << 255
# @dev Rule offsets in the rules' slot (`rules.vy`), as the pool reads them.
_TRIGGER: constant(uint256) = 16
_PAYOUT: constant(uint256) = 32
_CAP: constant(uint256) = 48
_LOCK: constant(uint256) = 160
_MASK32: constant(uint256) = 2**32 - 1
_SHUTDOWN_BIT: constant(uint256) = 1 << 193
# @dev `move_queued`'s actions (ValuePool.vy).
_TAKE: constant(uint256) = 0
_GIVE_BACK: constant(uint256) = 1
_FILL: constant(uint256) = 2

# @dev The pool whose line this is, its registry (which attaches this queue) and the pool's asset:
# immutables, which Vyper appends to the runtime code in this order, one 32-byte word each; the
# registry checks the code before them and these three words (`Registry.attach_exit_queue`).
pool: public(immutable(address))
registry: public(immutable(address))
_asset: immutable(address)

# @dev Per request: owner (bits 0..159) | basis of the unfilled points (160..255; the pool keeps a
# consumer's basis in 88 bits, and a request takes a share of it). Never zero for a request made.
_owners: HashMap[uint256, uint256]
# @dev Per request: points (0..107) | filled (108..215) | requested_at (216..255).
_amounts: HashMap[uint256, uint256]
# @dev Per request: claimable payout (0..127) | payout claimed (128..254) | `_WRITTEN` (255). A
# request's payouts are each at most the pool's assets (120 bits), their sum far below 2**127.
_payouts: HashMap[uint256, uint256]
# @dev The line: no request below this id waits (0..63) | the next id (64..127) | requests waiting (128..191).
_line: uint256


event ExitRequested:
    id: indexed(uint256)
    account: indexed(address)
    points: uint256
    basis: uint256

event ExitFilled:
    id: indexed(uint256)
    account: indexed(address)
    points: uint256
    payout: uint256
    retained: uint256

event ExitClaimed:
    id: indexed(uint256)
    account: indexed(address)
    amount: uint256

event ExitCancelled:
    id: indexed(uint256)
    account: indexed(address)
    points: uint256
    basis: uint256


@deploy
def __init__(registry_: address):
    """
    @notice Deploys the queue of the pool `registry_` serves; the registry then attaches it
            (`attach_exit_queue`).
    @param registry_ The pool's registry.
    """
    registry = registry_
    pool = staticcall IQueueRegistry(registry_).pool()
    _asset = staticcall IValuePool(pool).asset()


# ---------------------------------------------------------------- actions


@external
@nonreentrant
def request_exit(points: uint256) -> uint256:
    """
    @notice Takes a place in the line for `points` (SPEC 11): their exit must satisfy the exit
            rule's conditions 1-3 now (trigger, lock, return cap; checked in that order, with the
            exit's reasons), whatever the epoch's budget. The points and their share of the basis
            leave the caller's balance into the line (they still count in `totalSupply`). Goes on
            while paused; refused after the shutdown (every holder then exits at full value).
    @param points The points to exit.
    @return The request's id (counting from 0).
    """
    account: address = msg.sender
    cfg: uint256 = staticcall IValuePool(pool).config_word()
    assert points != 0, "exit_queue: points is zero"
    assert points <= _MASK108, "exit_queue: points too large"
    assert cfg & _SHUTDOWN_BIT == 0, "exit_queue: shut down, exit instead"
    assert staticcall IValuePool(pool).standing_of(account) == empty(IValuePool.Standing), (
        "exit_queue: only consumers request exits"
    )
    balance: uint256 = staticcall IValuePool(pool).balanceOf(account)
    assert points <= balance, "exit_rule: amount exceeds balance"
    basis: uint256 = staticcall IValuePool(pool).basis_of(account)
    assert staticcall IValuePool(pool).value_of(account) * _BPS >= basis * ((cfg >> _TRIGGER) & _MASK16), (
        "exit_rule: holding not worth the exit trigger"
    )
    assert block.timestamp >= staticcall IValuePool(pool).last_issued_at(account) + ((cfg >> _LOCK) & _MASK32), (
        "exit_rule: points still locked"
    )
    payout: uint256 = staticcall IValuePool(pool).convert_to_assets(points) * ((cfg >> _PAYOUT) & _MASK16) // _BPS
    assert staticcall IValuePool(pool).paid_out_of(account) + payout <= staticcall IValuePool(pool).earned_of(
        account
    ) * ((cfg >> _CAP) & _MASK16) // _BPS, "exit_rule: return cap reached"
    # the basis leaves with the points pro rata, the cut rounded down (the pool's `_reduce_basis`)
    moved: uint256 = basis * points // balance
    line: uint256 = self._line
    id: uint256 = (line >> 64) & _MASK64
    self._line = line + (1 << 64) + (1 << 128)
    self._owners[id] = convert(account, uint256) | (moved << 160)
    self._amounts[id] = points | (block.timestamp << _TIME)
    self._payouts[id] = _WRITTEN
    extcall IValuePool(pool).move_queued(_TAKE, account, points, moved)
    log ExitRequested(id=id, account=account, points=points, basis=moved)
    return id


@external
@nonreentrant
def process_exits(max_requests: uint256) -> uint256:
    """
    @notice Anyone: fills the oldest waiting requests in order from what is left of the epoch's
            exit budget, each filled point burned and paid as an exit would be now (after the
            shutdown: every request at full value, no limit), up to the owner's return cap (points
            beyond it go back with their basis). A request the budget cannot fill in full is filled
            in part, keeps its place, and ends the call. Payouts wait in the pool for `claim_exit`.
    @param max_requests Most requests to touch (at most MAX_PROCESS are).
    @return The requests touched (filled, ended by the cap, or stepped over once cancelled).
    """
    cfg: uint256 = staticcall IValuePool(pool).config_word()
    assert max_requests != 0, "exit_queue: max_requests is zero"
    line: uint256 = self._line
    head: uint256 = line & _MASK64
    next: uint256 = (line >> 64) & _MASK64
    waiting: uint256 = line >> 128
    shut: bool = cfg & _SHUTDOWN_BIT != 0
    budget: uint256 = staticcall IValuePool(pool).exit_budget_left()
    assets: uint256 = staticcall IValuePool(pool).total_assets()
    supply: uint256 = staticcall IValuePool(pool).totalSupply()
    payout_bps: uint256 = (cfg >> _PAYOUT) & _MASK16
    touched: uint256 = 0
    for i: uint256 in range(min(max_requests, MAX_PROCESS), bound=MAX_PROCESS):
        if head == next:
            break
        amounts: uint256 = self._amounts[head]
        points: uint256 = amounts & _MASK108
        filled: uint256 = (amounts >> _FILLED) & _MASK108
        unfilled: uint256 = points - filled
        if unfilled == 0:
            # a cancelled (or cap-closed) request: step over it
            head += 1
            touched += 1
            continue
        owned: uint256 = self._owners[head]
        owner: address = convert(owned & _MASK160, address)
        fill: uint256 = unfilled
        give_back: uint256 = 0
        payout: uint256 = 0
        value: uint256 = 0
        if shut:
            value = fill * assets // supply
            payout = value
        else:
            if budget == 0:
                break
            cap: uint256 = staticcall IValuePool(pool).earned_of(owner) * ((cfg >> _CAP) & _MASK16) // _BPS
            paid: uint256 = staticcall IValuePool(pool).paid_out_of(owner)
            cap_left: uint256 = 0
            if paid < cap:
                cap_left = cap - paid
            fill = min(unfilled, self._max_points_for_payout(min(budget, cap_left), payout_bps, assets, supply))
            if fill < unfilled and cap_left <= budget:
                # the owner's return cap ends the request: the rest goes back (SPEC 11)
                give_back = unfilled - fill
            elif fill == 0:
                break
            value = fill * assets // supply
            payout = value * payout_bps // _BPS
            budget -= payout
        touched += 1
        basis: uint256 = owned >> 160
        # the filled points' share of the basis leaves with them, rounded down (the rest stays)
        basis -= basis * fill // unfilled
        if fill != 0:
            extcall IValuePool(pool).move_queued(_FILL, owner, fill, payout)
            assets -= payout
            supply -= fill
            self._payouts[head] += payout
            log ExitFilled(id=head, account=owner, points=fill, payout=payout, retained=value - payout)
        if give_back != 0:
            extcall IValuePool(pool).move_queued(_GIVE_BACK, owner, give_back, basis)
            log ExitCancelled(id=head, account=owner, points=give_back, basis=basis)
        # the time stays; a request with nothing left to fill keeps its basis word as it was (unread)
        self._amounts[head] = (amounts >> _TIME << _TIME) | (points - give_back) | ((filled + fill) << _FILLED)
        if filled + fill + give_back < points:
            # filled in part: the rest keeps its place, with the rest of its basis; the budget is spent
            self._owners[head] = (owned & _MASK160) | (basis << 160)
            break
        head += 1
        waiting -= 1
    self._line = head | (next << 64) | (waiting << 128)
    return touched


@external
@nonreentrant
def claim_exit(request_id: uint256) -> uint256:
    """
    @notice The request's owner: receives what its fills paid and it has not claimed (the payout
            waits in the pool, so a receiver the asset refuses blocks no one else).
    @param request_id The request.
    @return The assets paid.
    """
    id: uint256 = request_id
    owner: address = self._owner_of(id)
    assert owner == msg.sender, "exit_queue: caller does not own the request"
    payouts: uint256 = self._payouts[id]
    amount: uint256 = payouts & _MASK128
    assert amount != 0, "exit_queue: nothing to claim"
    self._payouts[id] = payouts - amount + (amount << _CLAIMED)
    log ExitClaimed(id=id, account=owner, amount=amount)
    # from the pool's balance, which approved this queue when the registry attached it: the fills
    # booked these payouts out of `total_assets`, so they wait there, counted, until claimed
    ok: bool = False
    answer: Bytes[32] = b""
    ok, answer = raw_call(
        _asset,
        abi_encode(pool, owner, amount, method_id=method_id("transferFrom(address,address,uint256)")),
        max_outsize=32,
        revert_on_failure=False,
    )
    assert ok and (len(answer) == 0 or convert(answer, uint256) == 1), "pool: asset transfer failed"
    return amount


@external
@nonreentrant
def cancel_exit(request_id: uint256):
    """
    @notice The request's owner: its unfilled points go back to its balance with their basis.
    @param request_id The request.
    """
    id: uint256 = request_id
    owned: uint256 = self._owners[id]
    assert owned != 0, "exit_queue: no such request"
    owner: address = convert(owned & _MASK160, address)
    assert owner == msg.sender, "exit_queue: caller does not own the request"
    amounts: uint256 = self._amounts[id]
    filled: uint256 = (amounts >> _FILLED) & _MASK108
    unfilled: uint256 = (amounts & _MASK108) - filled
    assert unfilled != 0, "exit_queue: nothing waits to cancel"
    basis: uint256 = owned >> 160
    # points lowered to filled: nothing waits, and the basis word is not read again
    self._amounts[id] = amounts - unfilled
    self._line -= 1 << 128
    extcall IValuePool(pool).move_queued(_GIVE_BACK, owner, unfilled, basis)
    log ExitCancelled(id=id, account=owner, points=unfilled, basis=basis)


# ---------------------------------------------------------------- internals


@internal
@view
def _owner_of(id: uint256) -> address:
    # every request made has a nonzero owner word (ids at and past the next id have none)
    owned: uint256 = self._owners[id]
    assert owned != 0, "exit_queue: no such request"
    return convert(owned & _MASK160, address)


@internal
@pure
def _max_points_for_payout(max_payout: uint256, payout_bps: uint256, assets: uint256, supply: uint256) -> uint256:
    """
    @dev The most points whose exit payout is at most `max_payout` when the pool holds `assets`
         against `supply` points: the exact inverse of payout(p) = (p * assets // supply) *
         payout_bps // BPS (the model's `pool_math.max_points_for_payout`).
    """
    if supply == 0 or assets == 0:
        return 0
    max_worth: uint256 = ((max_payout + 1) * _BPS - 1) // payout_bps
    return ((max_worth + 1) * supply - 1) // assets


# ---------------------------------------------------------------- views


@external
@view
def max_exit(account: address) -> uint256:
    """
    @notice `ValuePool.max_exit` (which asks here): the points `account` could exit right now, 0
            when any of the exit's conditions fails (after the shutdown its whole balance), worked
            out from the pool's views with the exit rule's expressions (`exit_rule._check_exit`), here
            because the pool's blueprint has no room for them. While requests wait `exit` gives
            way to the line, whatever this says.
    """
    cfg: uint256 = staticcall IValuePool(pool).config_word()
    balance: uint256 = staticcall IValuePool(pool).balanceOf(account)
    if cfg & _SHUTDOWN_BIT != 0:
        return balance
    if account == empty(address) or account == pool or balance == 0:
        return 0
    if staticcall IValuePool(pool).standing_of(account) != empty(IValuePool.Standing):
        return 0
    if staticcall IValuePool(pool).value_of(account) * _BPS < staticcall IValuePool(pool).basis_of(account) * (
        (cfg >> _TRIGGER) & _MASK16
    ):
        return 0
    if block.timestamp < staticcall IValuePool(pool).last_issued_at(account) + ((cfg >> _LOCK) & _MASK32):
        return 0
    cap: uint256 = staticcall IValuePool(pool).earned_of(account) * ((cfg >> _CAP) & _MASK16) // _BPS
    paid: uint256 = staticcall IValuePool(pool).paid_out_of(account)
    cap_left: uint256 = 0
    if paid < cap:
        cap_left = cap - paid
    limit: uint256 = min(cap_left, staticcall IValuePool(pool).exit_budget_left())
    return min(
        balance,
        self._max_points_for_payout(
            limit,
            (cfg >> _PAYOUT) & _MASK16,
            staticcall IValuePool(pool).total_assets(),
            staticcall IValuePool(pool).totalSupply(),
        ),
    )


@external
@view
def exit_request(id: uint256) -> (address, uint256, uint256, uint256, uint256, uint256):
    """
    @notice Request `id`: (owner, points, filled, claimable, claimed, requested_at). `points` is
            lowered to `filled` by a cancel or when the return cap ends the request.
    """
    owner: address = self._owner_of(id)
    amounts: uint256 = self._amounts[id]
    payouts: uint256 = self._payouts[id]
    return (
        owner,
        amounts & _MASK108,
        (amounts >> _FILLED) & _MASK108,
        payouts & _MASK128,
        (payouts >> _CLAIMED) & (_MASK128 >> 1),
        amounts >> _TIME,
    )


@external
@view
def queue_head() -> uint256:
    """
    @notice The oldest request with unfilled points; the next request's id when none waits.
    """
    line: uint256 = self._line
    next: uint256 = (line >> 64) & _MASK64
    head: uint256 = line & _MASK64
    if line >> 128 == 0:
        return next
    # the stored head may sit on requests cancelled since the line was last processed: step over them
    for i: uint256 in range(_MAX_SCAN):
        if head == next:
            break
        amounts: uint256 = self._amounts[head]
        if amounts & _MASK108 != (amounts >> _FILLED) & _MASK108:
            return head
        head += 1
    assert head == next, "exit_queue: over 10,000 cancelled requests at the head, process the line"
    return next


@external
@view
def queue_length() -> uint256:
    """
    @notice Requests waiting (with unfilled points).
    """
    return self._line >> 128


@external
@view
def queued_points() -> uint256:
    """
    @notice Points waiting in the line, in all (the registry's balance in the pool).
    """
    return staticcall IValuePool(pool).balanceOf(registry)


@external
@view
def next_request_id() -> uint256:
    """
    @notice The id the next request will take (requests made so far).
    """
    return (self._line >> 64) & _MASK64


@external
@view
def points_ahead(id: uint256) -> uint256:
    """
    @notice Unfilled points of the requests before `id` (the points the line fills before it).
    """
    self._owner_of(id)
    head: uint256 = self._line & _MASK64
    if id <= head:
        return 0
    assert id - head <= _MAX_SCAN, "exit_queue: over 10,000 requests ahead, sum them from the events"
    ahead: uint256 = 0
    for i: uint256 in range(head, id, bound=_MAX_SCAN):
        amounts: uint256 = self._amounts[i]
        ahead += (amounts & _MASK108) - ((amounts >> _FILLED) & _MASK108)
    return ahead
