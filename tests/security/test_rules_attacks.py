"""Rule changes that try to skip the timelock, leave the hard bounds, or be applied twice."""

import pytest
from ape import chain

from greenpoints import governance
from greenpoints.governance import EMPTY_BYTES32


def _schedule(system, rule, value, delay=None, salt=b"\x01" * 32):
    registry, governor = system.registry, system.governor
    payload = bytes(registry.set_rule.encode_input(rule, value))
    delay = system.timelock_delay if delay is None else delay
    governor.schedule(registry.address, 0, payload, EMPTY_BYTES32, salt, delay, sender=system.proposer)
    return payload, salt, delay


def test_schedule__delay_below_the_minimum__refused(system):
    with pytest.raises(Exception, match="timelock_controller: insufficient delay"):
        _schedule(system, "issue_bps", 6_000, delay=system.timelock_delay - 1)


def test_execute__before_the_delay__refused_then_applies_once(system, stranger):
    registry, governor = system.registry, system.governor
    payload, salt, delay = _schedule(system, "issue_bps", 6_000)
    with pytest.raises(Exception, match="timelock_controller: operation is not ready"):
        governor.execute(registry.address, 0, payload, EMPTY_BYTES32, salt, sender=stranger)
    assert registry.issue_bps() == 7_000
    chain.pending_timestamp = chain.pending_timestamp + delay
    governor.execute(
        registry.address, 0, payload, EMPTY_BYTES32, salt, sender=stranger
    )  # anyone may apply it
    assert registry.issue_bps() == 6_000
    with pytest.raises(Exception, match="timelock_controller: operation is not ready"):  # done: not again
        governor.execute(registry.address, 0, payload, EMPTY_BYTES32, salt, sender=stranger)


def test_schedule__same_operation_twice__refused(system):
    _schedule(system, "issue_bps", 6_000)
    with pytest.raises(Exception, match="timelock_controller: operation already scheduled"):
        _schedule(system, "issue_bps", 6_000)


@pytest.mark.parametrize(
    "rule, value",
    [("issue_bps", 9_001), ("issue_bps", 999), ("exit_trigger_bps", 9_999), ("exit_payout_bps", 9_001),
     ("settlement_fee_bps", 501), ("lock_period", 90 * 86_400 + 1), ("epoch_exit_limit_bps", 0),
     ("issue_bps", 2**256 - 1)],
)  # fmt: skip
def test_set_rule__through_the_governor_out_of_bounds__refused_when_applied(system, stranger, rule, value):
    registry, governor = system.registry, system.governor
    before = getattr(registry, rule)()
    payload, salt, delay = _schedule(system, rule, value)
    chain.pending_timestamp = chain.pending_timestamp + delay
    with pytest.raises(Exception, match="rules: value out of bounds"):
        governor.execute(registry.address, 0, payload, EMPTY_BYTES32, salt, sender=stranger)
    assert getattr(registry, rule)() == before


def test_set_rule__unknown_rule__refused(system):
    with pytest.raises(Exception, match="rules: unknown rule"):
        _apply_raw(system, "owner", 1)
    with pytest.raises(ValueError, match="unknown rule"):  # the Python helper refuses before scheduling
        governance.propose_rule(system, "owner", 1)


def _apply_raw(system, rule, value):
    payload, salt, delay = _schedule(system, rule, value, salt=b"\x02" * 32)
    chain.pending_timestamp = chain.pending_timestamp + delay
    system.governor.execute(system.registry.address, 0, payload, EMPTY_BYTES32, salt, sender=system.proposer)


def test_update_delay__by_anyone_but_the_timelock__refused(system, stranger):
    with pytest.raises(Exception, match="timelock_controller: caller must be timelock"):
        system.governor.update_delay(0, sender=stranger)
    with pytest.raises(Exception, match="timelock_controller: caller must be timelock"):
        system.governor.update_delay(0, sender=system.proposer)
