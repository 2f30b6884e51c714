"""The monitor watches the settlement token's issuer (Tether's and Circle's event names): a pause, a
blacklist of the pool or of an account the pool knows, destroyed funds; and, given a guardian account,
pauses the pool itself (docs/audit.md)."""

import pytest
from ape import project

from greenpoints.audit.monitor import Monitor
from greenpoints.catalog import SAMPLE_CATALOG
from greenpoints.deploy import deploy_system
from tests.conftest import GREEN, LICENSE, order
from tests.monitoring import split

UNIT = 10**6


def kinds(alerts) -> list[str]:
    return [a.kind for a in alerts]


@pytest.fixture(params=["tether", "circle"])
def on_token(request, deployer, registrar, guardian, certifier, merchant, consumer):
    """A system on a real-behaving token (the deployer is its issuer), one purchase recorded."""
    kind = request.param
    token = (project.IssuerToken if kind == "tether" else project.FiatToken).deploy(6, sender=deployer)
    system = deploy_system(deployer, asset=token, registrar=registrar, guardian=guardian,
                           certifier=certifier, catalog=SAMPLE_CATALOG)  # fmt: skip
    system.registry.admit(merchant, 3_000, 10**6 * UNIT, LICENSE, 1, sender=registrar)
    token.mint(merchant, 10**6 * UNIT, sender=merchant)
    token.approve(system.pool, 2**256 - 1, sender=merchant)
    system.pool.record_purchase(consumer, 1_000 * UNIT, order("first"), GREEN, sender=merchant)
    return kind, system, token


def _watch(system, chain, **options):
    monitor = Monitor(
        system, chain.provider.web3, emit=lambda a: None, sleep=lambda s: None, **split(options)
    )
    monitor.start()
    return monitor


def _blacklist(kind, token, who, issuer):
    (token.addBlackList if kind == "tether" else token.blacklist)(who, sender=issuer)


def _unblacklist(kind, token, who, issuer):
    (token.removeBlackList if kind == "tether" else token.unBlacklist)(who, sender=issuer)


def test_poll__token_paused_then_unpaused__critical_then_notice(on_token, deployer, chain):
    kind, system, token = on_token
    monitor = _watch(system, chain)
    token.pause(sender=deployer)
    (paused,) = monitor.poll()
    assert (paused.kind, paused.severity) == ("token_paused", "critical")
    token.unpause(sender=deployer)
    (unpaused,) = monitor.poll()
    assert (unpaused.kind, unpaused.severity) == ("token_unpaused", "notice")


def test_poll__pool_blacklisted__critical_and_lifted_notice(on_token, deployer, chain):
    kind, system, token = on_token
    monitor = _watch(system, chain)
    _blacklist(kind, token, system.pool, deployer)
    (alert,) = monitor.poll()
    assert (alert.kind, alert.severity) == ("pool_blacklisted", "critical")
    assert alert.details["account"] == str(system.pool.address).lower()
    _unblacklist(kind, token, system.pool, deployer)
    assert kinds(monitor.poll()) == ["unblacklisted"]


@pytest.mark.parametrize("role", ["merchant", "consumer"])
def test_poll__known_member_blacklisted__warning_naming_the_role(
    on_token, deployer, merchant, consumer, chain, role
):
    kind, system, token = on_token
    monitor = _watch(system, chain)
    who = merchant if role == "merchant" else consumer
    _blacklist(kind, token, who, deployer)
    (alert,) = monitor.poll()
    assert (alert.kind, alert.severity, alert.details["role"]) == ("member_blacklisted", "warning", role)


def test_poll__stranger_blacklisted__no_alert(on_token, deployer, stranger, chain):
    kind, system, token = on_token
    monitor = _watch(system, chain)
    _blacklist(kind, token, stranger, deployer)
    assert monitor.poll() == []


@pytest.mark.parametrize("on_token", ["tether"], indirect=True)  # Tether's own behaviour
def test_poll__tether_destroys_a_merchants_funds__warning_with_the_amount(
    on_token, deployer, merchant, chain
):
    kind, system, token = on_token
    monitor = _watch(system, chain)
    held = token.balanceOf(merchant)
    token.addBlackList(merchant, sender=deployer)
    token.destroyBlackFunds(merchant, sender=deployer)
    alerts = monitor.poll()
    assert kinds(alerts) == ["member_blacklisted", "member_funds_destroyed"]
    assert alerts[1].details["balance"] == held


def test_poll__guardian_account_and_token_paused__pool_paused_and_said(
    on_token, deployer, guardian, merchant, consumer, chain
):
    import ape

    kind, system, token = on_token
    monitor = _watch(system, chain, guardian=guardian)
    token.pause(sender=deployer)
    alerts = monitor.poll()
    assert kinds(alerts) == ["token_paused", "guardian_paused"]
    assert alerts[1].details["cause"] == "token_paused" and alerts[1].tx
    assert system.registry.paused()
    token.unpause(sender=deployer)
    with ape.reverts("pausable: contract is paused"):  # no purchase into a pool that could not pay out
        system.pool.record_purchase(consumer, 10 * UNIT, order("after"), GREEN, sender=merchant)
    # the pool's own pause is seen on the next look; a second trigger does not pause again
    token.pause(sender=deployer)
    assert kinds(monitor.poll()) == ["paused", "token_unpaused", "token_paused"]


def test_poll__guardian_account_without_the_role__pause_failed_alert(on_token, deployer, stranger, chain):
    kind, system, token = on_token
    monitor = _watch(system, chain, guardian=stranger)
    token.pause(sender=deployer)
    alerts = monitor.poll()
    assert kinds(alerts) == ["token_paused", "guardian_pause_failed"]
    assert "guardian" in alerts[1].details["reason"]
    assert not system.registry.paused()


def test_poll__no_guardian_account__alerts_only(on_token, deployer, chain):
    kind, system, token = on_token
    monitor = _watch(system, chain)
    token.pause(sender=deployer)
    assert kinds(monitor.poll()) == ["token_paused"]
    assert not system.registry.paused()
