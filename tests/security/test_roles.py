"""Every role-gated function called by every role that does not hold it, and by a stranger: each is
refused with the reason that names the missing role, and changes nothing."""

import pytest
from eth_utils import keccak

from tests.chain_states import built_once
from tests.conftest import ACTION_CLASS, GREEN, LICENSE, order

from .conftest import POINT

# Who may call what does not depend on the asset's decimals (every refusal here comes before any
# amount is read): the matrix runs once, on the session's system at 18 decimals. The figures that do
# depend on them are the other tests' subject, at both (docs/testing.md, "The suite's time").
ONE_DECIMALS = 18

REGISTRAR_ROLE = keccak(text="REGISTRAR_ROLE")
GUARDIAN_ROLE = keccak(text="GUARDIAN_ROLE")
MISSING_ROLE = "access_control: account is missing role"
NOT_GOVERNOR = "pool: caller is not the governor"

# function, arguments (by name of fixture), who may call it, the refusal for anyone else
GATED = [
    ("admit", lambda f: (f["stranger"], 3_000, 10**24, LICENSE, 1), {"registrar"}, MISSING_ROLE),
    ("update_terms", lambda f: (f["merchant"], 2_000, 10**24), {"registrar"}, MISSING_ROLE),
    ("suspend", lambda f: (f["merchant"], "audit"), {"registrar"}, MISSING_ROLE),
    ("reinstate", lambda f: (f["merchant"],), {"registrar"}, MISSING_ROLE),
    ("revoke", lambda f: (f["merchant"], "fraud"), {"registrar"}, MISSING_ROLE),
    ("register_charity", lambda f: (f["stranger"], LICENSE), {"registrar"}, MISSING_ROLE),
    ("remove_charity", lambda f: (f["charity"], "closed"), {"registrar"}, MISSING_ROLE),
    ("pause", lambda f: (), {"guardian"}, "pool: caller is not the guardian or governor"),
    ("unpause", lambda f: (), set(), NOT_GOVERNOR),
    ("shutdown", lambda f: (), set(), NOT_GOVERNOR),
    ("set_rule", lambda f: ("issue_bps", 6_000), set(), NOT_GOVERNOR),
    ("grantRole", lambda f: (REGISTRAR_ROLE, f["stranger"]), set(), MISSING_ROLE),
    ("revokeRole", lambda f: (GUARDIAN_ROLE, f["guardian"]), set(), MISSING_ROLE),
    ("record_purchase", lambda f: (f["consumer"], 10**6, order("r"), GREEN), {"merchant", "other_merchant"},
     "registry: caller not an active merchant"),
    ("record_purchases", lambda f: ([f["consumer"]], [10**6], [order("r")], [GREEN]),
     {"merchant", "other_merchant"}, "registry: caller not an active merchant"),
    ("record_action", lambda f: (f["consumer"], ACTION_CLASS, 10, order("a")), {"sponsor"},
     "registry: sponsor not active"),
    ("certify_class", lambda f: (77, 1, 100, LICENSE, "x"), {"certifier"}, MISSING_ROLE),
    ("withdraw_class", lambda f: (GREEN, "x"), {"certifier"}, MISSING_ROLE),
    ("admit_sponsor", lambda f: (f["stranger"], 10**6, 10**24, LICENSE), {"registrar"}, MISSING_ROLE),
    ("update_sponsor_terms", lambda f: (f["sponsor"], 10**6, 10**24), {"registrar"}, MISSING_ROLE),
    ("set_class", lambda f: (GREEN, 0), set(), "pool: caller is not the registry"),
    # any record: no one but the merchant has an order "held", and that is refused before the record
    ("reverse_purchase", lambda f: (order("held"), (f["consumer"], GREEN, 1, 1, 1, 0, 1)), {"merchant"},
     "pool: unknown order"),
    ("settle", lambda f: (POINT,), {"merchant", "other_merchant", "charity"},
     "pool: only merchants and charities settle"),
    ("update_member", lambda f: (f["attacker"], 9, 5_000, 10**24), set(), "pool: caller is not the registry"),
    ("set_config", lambda f: (0,), set(), "pool: caller is not the registry"),
    ("move_queued", lambda f: (3, f["attacker"], 0, 1), set(), "pool: caller is not the exit queue"),
    ("attach_exit_queue", lambda f: (f["attacker"],), set(), "pool: caller is not the registry"),
]  # fmt: skip
# Gated functions of the pool; the others are the registry's.
POOL_FUNCTIONS = {
    "record_purchase",
    "record_purchases",
    "record_action",
    "set_class",
    "reverse_purchase",
    "settle",
    "update_member",
    "set_config",
    "move_queued",
    "attach_exit_queue",
}
CALLERS = ["deployer", "registrar", "guardian", "certifier", "proposer", "merchant", "other_merchant",
           "charity", "sponsor", "consumer", "attacker"]  # fmt: skip
CASES = [(name, args, caller, reason) for name, args, allowed, reason in GATED for caller in CALLERS
         if caller not in allowed]  # fmt: skip


@pytest.fixture
@built_once
def actors(live, pool, deployer, registrar, guardian, certifier, proposer, merchant, other_merchant, charity,
           sponsor, consumer, attacker, stranger, buy, admit_sponsor):  # fmt: skip
    admit_sponsor(sponsor)
    buy(merchant, consumer, 1_000, order("held"))
    pool.spend(merchant, 10 * POINT, order("till"), sender=consumer)  # merchant and charity hold points
    pool.donate(charity, 5 * POINT, sender=consumer)
    return {"deployer": deployer, "registrar": registrar, "guardian": guardian, "certifier": certifier,
            "proposer": proposer, "merchant": merchant, "other_merchant": other_merchant, "charity": charity,
            "sponsor": sponsor, "consumer": consumer, "attacker": attacker, "stranger": stranger}  # fmt: skip


@pytest.mark.parametrize("name, make_args, caller, reason", CASES,
                         ids=[f"{c[0]}-by-{c[2]}" for c in CASES])  # fmt: skip
def test_gated_function__called_without_the_role__refused_naming_it(
    registry, pool, actors, name, make_args, caller, reason
):
    carbon = pool.total_carbon()
    figures = (
        pool.total_assets(),
        pool.totalSupply(),
        pool.paused(),
        pool.is_shutdown(),
        registry.issue_bps(),
    )
    contract = pool if name in POOL_FUNCTIONS else registry
    with pytest.raises(Exception, match=reason):
        getattr(contract, name)(*make_args(actors), sender=actors[caller])
    assert (
        pool.total_assets(),
        pool.totalSupply(),
        pool.paused(),
        pool.is_shutdown(),
        registry.issue_bps(),
    ) == figures
    assert pool.total_carbon() == carbon and registry.is_certified(GREEN)


def test_roles__nobody_holds_admin_but_the_governor(registry, pool, governor, actors):
    admin = registry.DEFAULT_ADMIN_ROLE()
    assert registry.hasRole(admin, governor)
    for who in actors.values():
        assert not registry.hasRole(admin, who)


@pytest.mark.parametrize("caller", ["merchant", "charity"])
def test_exit__merchant_or_charity__refused_they_settle_instead(pool, actors, caller):
    with pytest.raises(Exception, match="exit_rule: merchants and charities settle instead"):
        pool.exit(1, sender=actors[caller])
