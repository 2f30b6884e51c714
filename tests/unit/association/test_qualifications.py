"""Qualified practitioners (SPEC 12): accredited trainers, qualifications by role with an expiry and
a certificate's hash, and a launch refused unless its operator, registrar and certifier hold one."""

import ape
import pytest
from eth_utils import keccak

from greenpoints.deploy import DeployError, launch_platform
from greenpoints.qualifications import (
    accredit_trainer,
    certificate_digest,
    disqualify,
    qualification_of,
    qualify,
    revoke_trainer,
    role_number,
)
from tests.unit.association.conftest import CERTIFICATE, LONGEST

# Trainers, qualifications and the launches they allow do not depend on the asset's decimals: these
# tests run once, on the session's association at 18 decimals (test_supervision.py, whose figures
# do, runs at both; docs/testing.md, "The suite's time").
ONE_DECIMALS = 18

OPERATOR, REGISTRAR, CERTIFIER, GUARDIAN = 1, 2, 3, 4
DAY = 86_400
RENEWED = keccak(text="certificate no. 2027-0042")


@pytest.fixture
def other_trainer(accounts, association, association_admin):
    """A second accredited trainer (test account 9)."""
    association.contract.accredit_trainer(accounts[9], "Zhejiang training centre", sender=association_admin)
    return accounts[9]


@pytest.fixture
def newcomer(accounts):
    """An account no trainer has qualified (test account 6)."""
    return accounts[6]


def _held(association, holder, role) -> tuple:
    """The association's record of `holder`'s qualification for `role`, as a tuple."""
    held = association.contract.qualification(holder, role)
    return (held.trainer, held.valid_until, bytes(held.certificate_hash), held.revoked)


def _launch(association, admin, platform_asset, operator, registrar, certifier, **kw):
    return association.contract.launch_platform(
        "Guangzhou", platform_asset, operator, registrar, certifier, 3_600, sender=admin, **kw
    )


# ---------------------------------------------------------------- trainers


def test_accredit_trainer__by_admin__is_trainer_and_event(association, association_admin, newcomer):
    tx = association.contract.accredit_trainer(newcomer, "Hubei academy", sender=association_admin)
    assert association.contract.is_trainer(newcomer)
    assert tx.events.filter(association.contract.TrainerAccredited) == [
        association.contract.TrainerAccredited(trainer=newcomer, name="Hubei academy")
    ]


@pytest.mark.parametrize(
    ("who", "name", "reason"),
    [
        ("stranger", "x", "association: caller is not the admin"),
        ("zero", "x", "association: trainer is the zero address"),
        ("newcomer", "", "association: trainer name is empty"),
        ("trainer", "again", "association: already an accredited trainer"),
    ],
)
def test_accredit_trainer__bad_call__reverts_with_reason(
    association, association_admin, stranger, newcomer, trainer, who, name, reason
):
    target = {"zero": "0x" + "00" * 20, "newcomer": newcomer, "trainer": trainer, "stranger": newcomer}[who]
    sender = stranger if who == "stranger" else association_admin
    with ape.reverts(reason):
        association.contract.accredit_trainer(target, name, sender=sender)


def test_revoke_trainer__by_admin__qualifies_no_more_and_event(
    association, association_admin, trainer, newcomer, chain
):
    tx = association.contract.revoke_trainer(trainer, "exam papers leaked", sender=association_admin)
    assert not association.contract.is_trainer(trainer)
    assert tx.events.filter(association.contract.TrainerRevoked) == [
        association.contract.TrainerRevoked(trainer=trainer, reason="exam papers leaked")
    ]
    with ape.reverts("association: caller is not an accredited trainer"):
        association.contract.qualify(
            newcomer, OPERATOR, chain.pending_timestamp + DAY, CERTIFICATE, sender=trainer
        )


def test_revoke_trainer__earlier_certificates__stay_valid_until_admin_disqualifies(
    platform, association, association_admin, trainer, operator, registrar, certifier
):
    association.contract.revoke_trainer(trainer, "exam papers leaked", sender=association_admin)
    assert association.contract.is_qualified(operator, OPERATOR)
    launched = launch_platform(
        association, operator=operator, registrar=registrar, certifier=certifier, timelock_delay=3_600
    )
    assert launched.platform_id == 1
    association.contract.disqualify(
        operator, OPERATOR, "trained by a revoked trainer", sender=association_admin
    )
    assert not association.contract.is_qualified(operator, OPERATOR)
    with ape.reverts("association: operator is not qualified"):
        _launch(association, association_admin, platform.asset, operator, registrar, certifier)


def test_revoke_trainer__revoked_trainer__may_still_withdraw_what_it_issued(
    association, association_admin, trainer, operator
):
    association.contract.revoke_trainer(trainer, "closed", sender=association_admin)
    association.contract.disqualify(operator, OPERATOR, "withdrawn by its trainer", sender=trainer)
    assert association.contract.qualification(operator, OPERATOR).revoked


@pytest.mark.parametrize(
    ("who", "target", "text", "reason"),
    [
        ("stranger", "trainer", "x", "association: caller is not the admin"),
        ("admin", "newcomer", "x", "association: not an accredited trainer"),
        ("admin", "trainer", "", "association: reason is empty"),
    ],
)
def test_revoke_trainer__bad_call__reverts_with_reason(
    association, association_admin, stranger, trainer, newcomer, who, target, text, reason
):
    sender = stranger if who == "stranger" else association_admin
    with ape.reverts(reason):
        association.contract.revoke_trainer(
            {"trainer": trainer, "newcomer": newcomer}[target], text, sender=sender
        )


# ---------------------------------------------------------------- qualify


def test_qualify__by_trainer__recorded_and_event(association, trainer, newcomer, chain):
    until = chain.pending_timestamp + 365 * DAY
    tx = association.contract.qualify(newcomer, CERTIFIER, until, CERTIFICATE, sender=trainer)
    assert _held(association, newcomer, CERTIFIER) == (trainer, until, CERTIFICATE, False)
    assert association.contract.is_qualified(newcomer, CERTIFIER)
    assert not association.contract.is_qualified(newcomer, REGISTRAR)  # by role
    assert tx.events.filter(association.contract.Qualified) == [
        association.contract.Qualified(
            holder=newcomer, role=CERTIFIER, trainer=trainer, valid_until=until, certificate_hash=CERTIFICATE
        )
    ]


def test_qualify__longest_period__accepted_one_second_more_reverts(association, trainer, newcomer, chain):
    now = chain.pending_timestamp
    chain.pending_timestamp = now
    with ape.reverts("association: valid_until is more than 1,095 days ahead"):
        association.contract.qualify(newcomer, GUARDIAN, now + LONGEST + 1, CERTIFICATE, sender=trainer)
    chain.pending_timestamp = now + 1
    association.contract.qualify(newcomer, GUARDIAN, now + 1 + LONGEST, CERTIFICATE, sender=trainer)
    assert association.contract.qualification(newcomer, GUARDIAN).valid_until == now + 1 + LONGEST


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"sender": "stranger"}, "association: caller is not an accredited trainer"),
        ({"holder": "zero"}, "association: holder is the zero address"),
        ({"holder": "association"}, "association: a practitioner cannot be the association"),
        ({"role": 0}, "association: unknown role"),
        ({"role": 5}, "association: unknown role"),
        ({"until": 0}, "association: valid_until is not in the future"),
        ({"hash": bytes(32)}, "association: certificate hash is empty"),
    ],
)
def test_qualify__bad_input__reverts_with_reason(
    association, trainer, stranger, newcomer, chain, change, reason
):
    now = chain.pending_timestamp
    chain.pending_timestamp = now
    holder = {"zero": "0x" + "00" * 20, "association": association.address}.get(
        change.get("holder"), newcomer
    )
    sender = stranger if change.get("sender") == "stranger" else trainer
    until = now + change["until"] if "until" in change else now + DAY
    with ape.reverts(reason):
        association.contract.qualify(
            holder, change.get("role", OPERATOR), until, change.get("hash", CERTIFICATE), sender=sender
        )


def test_qualify__again_by_another_trainer__renews_and_lifts_disqualification(
    association, association_admin, trainer, other_trainer, operator, chain
):
    association.contract.disqualify(operator, OPERATOR, "expired first aid course", sender=association_admin)
    until = chain.pending_timestamp + 90 * DAY
    association.contract.qualify(operator, OPERATOR, until, RENEWED, sender=other_trainer)
    assert _held(association, operator, OPERATOR) == (other_trainer, until, RENEWED, False)
    assert association.contract.is_qualified(operator, OPERATOR)
    # Now the renewing trainer's: the first trainer may no longer withdraw it.
    with ape.reverts("association: caller is not the admin or the issuing trainer"):
        association.contract.disqualify(operator, OPERATOR, "x", sender=trainer)


# ---------------------------------------------------------------- expiry at the exact second


def test_is_qualified__at_valid_until__valid_one_second_later__expired(
    platform, association, association_admin, trainer, newcomer, registrar, certifier, chain
):
    until = chain.pending_timestamp + 10 * DAY
    association.contract.qualify(newcomer, OPERATOR, until, CERTIFICATE, sender=trainer)
    snapshot = chain.snapshot()
    chain.pending_timestamp = until
    _launch(association, association_admin, platform.asset, newcomer, registrar, certifier)
    assert association.contract.is_qualified(newcomer, OPERATOR)  # the block at valid_until
    chain.restore(snapshot)
    chain.pending_timestamp = until + 1
    with ape.reverts("association: operator is not qualified"):
        _launch(association, association_admin, platform.asset, newcomer, registrar, certifier)
    if chain.blocks.head.timestamp <= until:  # the refused transaction's block may be there already
        chain.mine(timestamp=until + 1)
    assert not association.contract.is_qualified(newcomer, OPERATOR)
    assert association.contract.qualification(newcomer, OPERATOR).valid_until == until  # kept, expired


# ---------------------------------------------------------------- disqualify


def test_disqualify__by_admin__not_qualified_and_event(association, association_admin, registrar):
    tx = association.contract.disqualify(registrar, REGISTRAR, "licence lapsed", sender=association_admin)
    assert not association.contract.is_qualified(registrar, REGISTRAR)
    assert association.contract.qualification(registrar, REGISTRAR).revoked
    assert tx.events.filter(association.contract.Disqualified) == [
        association.contract.Disqualified(
            holder=registrar, role=REGISTRAR, by=association_admin, reason="licence lapsed"
        )
    ]


def test_disqualify__by_issuing_trainer__not_qualified(association, trainer, certifier):
    association.contract.disqualify(certifier, CERTIFIER, "failed the re-examination", sender=trainer)
    assert not association.contract.is_qualified(certifier, CERTIFIER)


@pytest.mark.parametrize(
    ("who", "holder", "role", "text", "reason"),
    [
        (
            "other_trainer",
            "registrar",
            REGISTRAR,
            "x",
            "association: caller is not the admin or the issuing trainer",
        ),
        (
            "stranger",
            "registrar",
            REGISTRAR,
            "x",
            "association: caller is not the admin or the issuing trainer",
        ),
        ("admin", "newcomer", REGISTRAR, "x", "association: no qualification to disqualify"),
        ("admin", "registrar", 0, "x", "association: unknown role"),
        ("admin", "registrar", REGISTRAR, "", "association: reason is empty"),
    ],
)
def test_disqualify__bad_call__reverts_with_reason(
    association,
    association_admin,
    other_trainer,
    stranger,
    registrar,
    newcomer,
    who,
    holder,
    role,
    text,
    reason,
):
    sender = {"admin": association_admin, "other_trainer": other_trainer, "stranger": stranger}[who]
    with ape.reverts(reason):
        association.contract.disqualify(
            {"registrar": registrar, "newcomer": newcomer}[holder], role, text, sender=sender
        )


def test_disqualify__twice__reverts(association, association_admin, registrar):
    association.contract.disqualify(registrar, REGISTRAR, "x", sender=association_admin)
    with ape.reverts("association: qualification already disqualified"):
        association.contract.disqualify(registrar, REGISTRAR, "again", sender=association_admin)


def test_views__unknown_role__revert(association, registrar):
    with ape.reverts("association: unknown role"):
        association.contract.is_qualified(registrar, 5)
    with ape.reverts("association: unknown role"):
        association.contract.qualification(registrar, 0)


# ---------------------------------------------------------------- launch


@pytest.mark.parametrize("role", ["operator", "registrar", "certifier"])
def test_launch_platform__role_unqualified__reverts_naming_it_then_launches_once_qualified(
    platform, association, association_admin, trainer, operator, registrar, certifier, newcomer, chain, role
):
    people = {"operator": operator, "registrar": registrar, "certifier": certifier, role: newcomer}
    with ape.reverts(f"association: {role} is not qualified"):
        _launch(association, association_admin, platform.asset, *people.values())
    association.contract.qualify(
        newcomer, role_number(role), chain.pending_timestamp + DAY, CERTIFICATE, sender=trainer
    )
    _launch(association, association_admin, platform.asset, *people.values())
    assert association.contract.platform_count() == 2


def test_launch_platform__guardian_qualification__is_not_a_launch_role(
    platform, association, association_admin, trainer, newcomer, registrar, certifier, chain
):
    association.contract.qualify(
        newcomer, GUARDIAN, chain.pending_timestamp + DAY, CERTIFICATE, sender=trainer
    )
    with ape.reverts("association: operator is not qualified"):
        _launch(association, association_admin, platform.asset, newcomer, registrar, certifier)


def test_launch_platform__python__refuses_naming_each_unqualified_role(
    platform, association, newcomer, accounts, operator
):
    with pytest.raises(
        DeployError, match=f"the registrar {newcomer.address}, the certifier {accounts[5].address}"
    ):
        launch_platform(
            association, operator=operator, registrar=newcomer, certifier=accounts[5], timelock_delay=3_600
        )


# ---------------------------------------------------------------- the role matrix

FUNCTIONS = (
    "accredit_trainer",
    "revoke_trainer",
    "qualify",
    "disqualify",
    "launch_platform",
    "suspend_platform",
    "reinstate_platform",
    "transfer_ownership",
)
ACTORS = ("association_admin", "trainer", "operator", "registrar", "certifier", "stranger")
ALLOWED = {
    "accredit_trainer": {"association_admin"},
    "revoke_trainer": {"association_admin"},
    "qualify": {"trainer"},
    "disqualify": {"association_admin", "trainer"},  # the issuing trainer
    "launch_platform": {"association_admin"},
    "suspend_platform": {"association_admin"},
    "reinstate_platform": {"association_admin"},
    "transfer_ownership": {"association_admin"},
}
REFUSAL = {
    "qualify": "association: caller is not an accredited trainer",
    "disqualify": "association: caller is not the admin or the issuing trainer",
    "transfer_ownership": "ownable: caller is not the owner",
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_role_matrix__function_by_actor__allowed_or_refused_by_its_rule(
    platform, association, newcomer, registrar, certifier, operator, chain, request, function, actor
):
    sender = request.getfixturevalue(actor)
    contract = association.contract
    args = {
        "accredit_trainer": (newcomer, "Hubei academy"),
        "revoke_trainer": (request.getfixturevalue("trainer"), "closed"),
        "qualify": (newcomer, OPERATOR, chain.pending_timestamp + DAY, CERTIFICATE),
        "disqualify": (registrar, REGISTRAR, "licence lapsed"),
        "launch_platform": ("Guangzhou", platform.asset, operator, registrar, certifier, 3_600),
        "suspend_platform": (0, "audit"),
        "reinstate_platform": (0,),
        "transfer_ownership": (newcomer,),
    }[function]
    if function == "reinstate_platform":
        contract.suspend_platform(0, "audit", sender=request.getfixturevalue("association_admin"))
    if actor in ALLOWED[function]:
        getattr(contract, function)(*args, sender=sender)
    else:
        with ape.reverts(REFUSAL.get(function, "association: caller is not the admin")):
            getattr(contract, function)(*args, sender=sender)


# ---------------------------------------------------------------- Python


def test_python_actions__trainer_to_certificate__recorded(
    association, association_admin, newcomer, accounts, operator
):
    school = accounts[5]
    association.admin = association_admin
    accredit_trainer(association, school, "Hubei academy")
    qualify(association, school, newcomer, "registrar", days=30, certificate=b"%PDF certificate")
    held = qualification_of(association, newcomer, "registrar")
    assert held.trainer == school.address.lower() and held.certificate_hash == keccak(b"%PDF certificate")
    assert held.status(held.valid_until - 31 * DAY) == "valid" and held.status(held.valid_until) == "expiring"
    disqualify(association, newcomer, "registrar", "withdrawn", sender=school)
    assert qualification_of(association, newcomer, "registrar").revoked
    revoke_trainer(association, school, "closed")
    assert not association.contract.is_trainer(school)
    assert qualification_of(association, newcomer, "certifier") is None


def test_python_actions__bad_input__refused_before_sending(association, trainer, newcomer):
    with pytest.raises(DeployError, match="unknown role"):
        role_number("treasurer")
    with pytest.raises(DeployError, match="at most 1,095 days"):
        qualify(association, trainer, newcomer, "operator", days=1_096, certificate=b"x")
    with pytest.raises(DeployError, match="already an accredited trainer"):
        accredit_trainer(association, trainer, "again")
    with pytest.raises(DeployError, match="holds no operator qualification"):
        disqualify(association, newcomer, "operator", "x")
    with pytest.raises(DeployError, match="not 0x and 64 hex digits"):
        certificate_digest(certificate_hash="0x1234")


def test_platform_launcher__local_chain__sample_trainer_qualifies_the_simulation_roles(
    platform, association, association_admin, accounts
):
    from greenpoints.deploy import platform_launcher
    from greenpoints.model.rules import DEFAULT_RULES
    from greenpoints.qualifications import SAMPLE_TRAINER, SAMPLE_TRAINER_NAME

    association.admin = association_admin
    registrar, certifier = accounts[7], accounts[8]
    launch = platform_launcher(association, name="simulation (seed 1)")
    system = launch(registrar=registrar, certifier=certifier, asset_decimals=18, rules=DEFAULT_RULES)
    assert system.platform_id == 1
    trainer = accounts[SAMPLE_TRAINER]
    assert association.contract.is_trainer(trainer)
    for holder, role in ((association_admin, OPERATOR), (registrar, REGISTRAR), (certifier, CERTIFIER)):
        assert association.contract.qualification(holder, role).trainer == trainer
    accredited = association.contract.TrainerAccredited.query("*")
    assert SAMPLE_TRAINER_NAME in set(accredited["event_arguments"].map(lambda a: a["name"]))
