"""Mirror of contracts/ExitQueue.vy (and the pool's `move_queued` hook): the exit queue (SPEC 11).

A consumer whose exit satisfies the exit rule's conditions 1-3 now requests it; its points and
their share of the basis move into the line (held in the registry's balance, so they still count in
the supply). `process_exits` fills the oldest requests in order from the epoch's budget left, as an
exit would be paid at that moment, up to the owner's return cap (the rest goes back); payouts stay in
the pool until `claim_exit`. Every check in the contract's order, with its reason.
"""

from __future__ import annotations

from typing import NamedTuple

from . import pool_math as pm
from .receipts import ExitCancelled, ExitClaimed, ExitFilled, ExitRequested, ExitsProcessed
from .state import State, atomic

# A request's points take 108 bits in the queue's word (ExitQueue.vy): at most 3.2e14 points of 18 decimals.
MAX_QUEUED_POINTS = 2**108 - 1

MAX_PROCESS = 256
"""`ExitQueue.MAX_PROCESS`: most requests one `process_exits` call touches."""


def epochs_to_fill(payout: int, budget_per_epoch: int) -> int | None:
    """The estimated epochs until a line of `payout` (asset units, what its points would pay now) is
    filled at `budget_per_epoch` (the epoch's exit limit now): whole epochs, rounded up; None when
    the budget is zero. An estimate: the value per point, the pool's assets, exits and the owners'
    return caps all move it."""
    if payout == 0:
        return 0
    if budget_per_epoch == 0:
        return None
    return -(-payout // budget_per_epoch)


class ExitRequest(NamedTuple):
    """One request, as the queue stores it (`ExitQueue.exit_request` shows all but `basis`)."""

    owner: str
    points: int
    """The request's points; a cancel, or the return cap, lowers it to `filled` (nothing waits)."""
    filled: int
    basis: int
    """The basis of the unfilled points."""
    claimable: int
    claimed: int
    requested_at: int

    @property
    def unfilled(self) -> int:
        return self.points - self.filled


class ExitQueue:
    state: State
    queue_holder: str
    """Whose balance holds the line's points: the registry's address (the pool's trusted party)."""

    # ------------------------------------------------------------ views

    def exit_request(self, request_id: int) -> ExitRequest:
        if not 0 <= request_id < self.state.queue_next:  # nothing to follow, even for an audit
            self.refuse("exit_queue: no such request", final=True)
        return self.state.exit_requests[request_id]

    def queue_length(self) -> int:
        return self.state.queue_waiting

    def next_request_id(self) -> int:
        return self.state.queue_next

    def queued_points(self) -> int:
        return self.balance_of(self.queue_holder)

    def queue_head(self) -> int:
        """The oldest request with unfilled points; the next id when none waits."""
        st = self.state
        if st.queue_waiting == 0:
            return st.queue_next
        for i in range(st.queue_head, st.queue_next):
            if st.exit_requests[i].unfilled:
                return i
        return st.queue_next

    def points_ahead(self, request_id: int) -> int:
        self.exit_request(request_id)
        requests = self.state.exit_requests
        return sum(requests[i].unfilled for i in range(self.state.queue_head, request_id))

    def waiting_requests(self) -> list[tuple[int, ExitRequest]]:
        """Every request with unfilled points, oldest first."""
        requests = self.state.exit_requests
        return [
            (i, requests[i])
            for i in range(self.state.queue_head, self.state.queue_next)
            if requests[i].unfilled
        ]

    # ------------------------------------------------------------ actions

    @atomic
    def request_exit(self, sender: str, points: int, now: int) -> ExitRequested:
        self.require(points != 0, "exit_queue: points is zero")
        self.require(points <= MAX_QUEUED_POINTS, "exit_queue: points too large")
        self.require(not self.state.shutdown, "exit_queue: shut down, exit instead")
        self.require(self.is_consumer(sender), "exit_queue: only consumers request exits")
        balance = self.balance_of(sender)
        self.require(points <= balance, "exit_rule: amount exceeds balance")
        self.require(self._triggered(sender), "exit_rule: holding not worth the exit trigger")
        self.require(self._unlocked(sender, now), "exit_rule: points still locked")
        payout = pm.exit_payout(self.to_assets(points), self.rule("exit_payout_bps"))
        cap = self.earned_of(sender) * self.rule("return_cap_bps") // pm.BPS
        self.require(self.paid_out_of(sender) + payout <= cap, "exit_rule: return cap reached")
        basis = self.basis_of(sender)
        moved = self.observe("basis", basis * points // balance if balance else 0)
        st = self.state
        request_id = st.queue_next
        st.queue_next += 1
        st.queue_waiting += 1
        st.exit_requests[request_id] = ExitRequest(sender, points, 0, moved, 0, 0, now)
        self._transfer(sender, self.queue_holder, points)
        st.basis[sender] = basis - moved
        return ExitRequested(request_id, sender, points, moved)

    @atomic
    def process_exits(self, sender: str, max_requests: int, now: int) -> ExitsProcessed:
        self.require(max_requests != 0, "exit_queue: max_requests is zero")
        st = self.state
        shut = st.shutdown
        budget = self.exit_budget_left(now)
        payout_bps = self.rule("exit_payout_bps")
        touched = 0
        events: list = []
        for _ in range(min(max_requests, MAX_PROCESS)):
            head = st.queue_head
            if head == st.queue_next:
                break
            request = st.exit_requests[head]
            unfilled = request.unfilled
            if unfilled == 0:
                st.queue_head = head + 1
                touched += 1
                continue
            fill, give_back = unfilled, 0
            if not shut:
                if budget == 0:
                    break
                cap_left = self.cap_left(request.owner)
                most = pm.max_points_for_payout(
                    min(budget, cap_left), st.total_assets, st.total_supply, payout_bps
                )
                fill = min(unfilled, most)
                if fill < unfilled and cap_left <= budget:
                    give_back = unfilled - fill
                elif fill == 0:
                    break
            touched += 1
            if fill:
                filled = self._fill(head, fill, now)
                events.append(filled)
                budget -= filled.payout
            if give_back:
                events.append(self._give_back(head, give_back))
            request = st.exit_requests[head]
            if request.unfilled:
                break  # filled in part: the rest keeps its place, the budget is spent
            st.queue_head = head + 1
            st.queue_waiting -= 1
        return ExitsProcessed(touched, tuple(events))

    def _fill(self, request_id: int, points: int, now: int) -> ExitFilled:
        """Fills `points` of the request: burned from the line and paid as an exit now (full value
        after the shutdown), booked against the owner's payouts and (before the shutdown) the epoch."""
        st = self.state
        request = st.exit_requests[request_id]
        if not request.unfilled:  # the contract divides the basis by what is unfilled: no fill to follow
            self.refuse("exit_queue: fill over the request", final=True)
        self.require(points <= request.unfilled, "exit_queue: fill over the request")
        value = self.to_assets(points)
        if st.shutdown:
            payout = self.observe("payout", value)
        else:
            payout = self.observe("payout", pm.exit_payout(value, self.rule("exit_payout_bps")))
        retained = self.observe("retained", value - payout)
        basis = request.basis - request.basis * points // request.unfilled
        self._sync_epoch(now)
        self._burn(self.queue_holder, points)
        st.total_assets -= payout
        st.paid_out[request.owner] = self.paid_out_of(request.owner) + payout
        if not st.shutdown:
            st.epoch_exited += payout
        st.exit_requests[request_id] = request._replace(
            filled=request.filled + points, basis=basis, claimable=request.claimable + payout
        )
        return ExitFilled(request_id, request.owner, points, payout, retained)

    def _give_back(self, request_id: int, points: int) -> ExitCancelled:
        """The request's unfilled `points` (all of them) go back to its owner with their basis."""
        st = self.state
        request = st.exit_requests[request_id]
        self.require(points == request.unfilled, "exit_queue: give-back is not the request's rest")
        self._transfer(self.queue_holder, request.owner, points)
        st.basis[request.owner] = self.basis_of(request.owner) + request.basis
        st.exit_requests[request_id] = request._replace(points=request.filled, basis=0)
        return ExitCancelled(request_id, request.owner, points, request.basis)

    @atomic
    def claim_exit(self, sender: str, request_id: int, now: int = 0) -> ExitClaimed:
        request = self.exit_request(request_id)
        self.require(request.owner == sender, "exit_queue: caller does not own the request")
        amount = request.claimable
        self.require(amount != 0, "exit_queue: nothing to claim")
        amount = self.observe("amount", amount)
        self.state.exit_requests[request_id] = request._replace(claimable=0, claimed=request.claimed + amount)
        self._pay(sender, amount)
        return ExitClaimed(request_id, sender, amount)

    @atomic
    def cancel_exit(self, sender: str, request_id: int, now: int = 0) -> ExitCancelled:
        request = self.exit_request(request_id)
        self.require(request.owner == sender, "exit_queue: caller does not own the request")
        self.require(request.unfilled != 0, "exit_queue: nothing waits to cancel")
        self.state.queue_waiting -= 1
        return self._give_back(request_id, request.unfilled)

    # ------------------------------------------------------------ the audit's replay of a process_exits

    @atomic
    def replay_fill(self, request_id: int, points: int, now: int) -> ExitFilled:
        """An `ExitFilled` the chain logged, checked against SPEC 11's rules: first come, first served
        (no earlier request waits), the epoch's limit and the owner's return cap (before the
        shutdown); the payout as an exit's."""
        st = self.state
        self.exit_request(request_id)  # an unknown request stops the replay
        earlier = next((i for i, r in self.waiting_requests() if i < request_id), None)
        self.require(earlier is None, "exit_queue: an earlier request waits")
        self._sync_epoch(now)
        filled = self._fill(request_id, points, now)
        if not st.exit_requests[request_id].unfilled:
            st.queue_waiting -= 1
        if not st.shutdown:
            self.require(st.epoch_exited <= self.epoch_exit_limit(), "exit_rule: epoch exit limit reached")
            cap = self.earned_of(filled.account) * self.rule("return_cap_bps") // pm.BPS
            self.require(self.paid_out_of(filled.account) <= cap, "exit_rule: return cap reached")
        self._close_if_done(request_id)
        return filled

    @atomic
    def replay_give_back(self, request_id: int, points: int, now: int = 0) -> ExitCancelled:
        """An `ExitCancelled` the chain logged (a cancel, or the rest beyond the return cap)."""
        request = self.exit_request(request_id)
        self.require(request.unfilled != 0, "exit_queue: nothing waits to cancel")
        self.state.queue_waiting -= 1
        returned = self._give_back(request_id, points)
        self._close_if_done(request_id)
        return returned

    def _close_if_done(self, request_id: int) -> None:
        """After a replayed fill or give-back: a request with nothing left stops waiting, and the head
        moves past closed requests (the chain's `process_exits` does both as it goes)."""
        st = self.state
        requests = st.exit_requests
        while st.queue_head < st.queue_next and not requests[st.queue_head].unfilled:
            st.queue_head += 1
