"""Qualified practitioners (SPEC 12): the association's whitelist of people.

The association admin accredits compliance trainers; a trainer qualifies a practitioner for a role
(1 operator, 2 registrar, 3 certifier, 4 guardian) until a date, under a certificate's hash; a
platform is launched only when its operator, registrar and certifier are qualified for their role.

    accredit_trainer(association, trainer, "Guangdong compliance academy")
    qualify(association, trainer, holder, "operator", days=365, certificate=b"...pdf bytes")
    people(association)        # every platform's current role holders with their qualification

`People` folds the association's trainer and qualification events and each platform's role events
(registry: REGISTRAR_ROLE, CERTIFIER_ROLE, GUARDIAN_ROLE; governor: PROPOSER_ROLE, the operator's)
without I/O: the audit replays it to check every launch at its block, the monitor to raise
`unqualified_role_holder` and `qualification_expiring`, the page to show each platform's people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ape import accounts, chain
from eth_utils import keccak

from .deploy import DeployError, _address, is_local_network, parse_address
from .statuses import ROLE_IDS, ROLES

LAUNCH_ROLES = ("operator", "registrar", "certifier")
"""The roles `launch_platform` requires qualified."""
MAX_VALIDITY_DAYS = 1_095
"""A qualification runs at most this many days from its issue (3 years)."""
EXPIRING_NOTICE = 30 * 86_400
"""`qualification_expiring` is raised this long (30 days) before `valid_until`."""
ZERO = "0x" + "00" * 20

# The platform roles that need a person's qualification: (the contract's source name, role hash).
PLATFORM_ROLES = {
    ("registry", keccak(text="REGISTRAR_ROLE")): "registrar",
    ("registry", keccak(text="CERTIFIER_ROLE")): "certifier",
    ("registry", keccak(text="GUARDIAN_ROLE")): "guardian",
    ("governor", keccak(text="PROPOSER_ROLE")): "operator",
}
STATUSES = ("valid", "expiring", "expired", "disqualified", "unqualified")
"""A role holder's standing: qualified (`expiring` within 30 days of its end), or not."""


SAMPLE_TRAINER = 9
"""On a local chain, the test account `deploy --association` accredits as the sample trainer."""
SAMPLE_TRAINER_NAME = "greenpoints sample compliance trainer"
SAMPLE_DAYS = 365
"""How long the sample trainer qualifies the local accounts for."""


def role_number(role: str | int) -> int:
    """1 to 4 from a role's name or number."""
    if isinstance(role, int) or str(role).isdigit():
        number = int(role)
        if number in ROLES:
            return number
    elif str(role).lower() in ROLE_IDS:
        return ROLE_IDS[str(role).lower()]
    raise DeployError(f"unknown role {role!r}: one of {', '.join(ROLE_IDS)} (or 1 to 4)")


@dataclass(frozen=True)
class Qualification:
    """One practitioner's qualification for one role, as the association holds it."""

    holder: str
    role: str
    trainer: str
    valid_until: int
    certificate_hash: bytes
    revoked: bool = False
    issued_block: int = 0

    def status(self, now: int) -> str:
        """`valid`, `expiring` (its last 30 days), `expired` or `disqualified` at time `now`."""
        if self.revoked:
            return "disqualified"
        if now > self.valid_until:
            return "expired"
        return "expiring" if now >= self.valid_until - EXPIRING_NOTICE else "valid"


def is_valid(qualification: Qualification | None, now: int) -> bool:
    """As the contract's `is_qualified`: issued, not disqualified, `now` not past `valid_until`."""
    return qualification is not None and qualification.status(now) in ("valid", "expiring")


def standing(qualification: Qualification | None, now: int) -> str:
    """A role holder's standing (one of STATUSES)."""
    return "unqualified" if qualification is None else qualification.status(now)


@dataclass
class Trainer:
    address: str
    name: str
    accredited_block: int
    revoked_block: int | None = None
    reason: str = ""

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_block is not None else "accredited"


@dataclass
class People:
    """The association's trainers and qualifications, and each platform's role holders, folded
    from events (`greenpoints.audit.events.Event`: name, args, block, log_index, source) in chain
    order. Platform events are fed with the platform's id (`feed(events, platform=id)`)."""

    association: str = ""
    """The association's address (lower case): its own guardian role needs no qualification."""
    trainers: dict[str, Trainer] = field(default_factory=dict)
    qualifications: dict[tuple[str, str], Qualification] = field(default_factory=dict)
    holders: dict[int, dict[tuple[str, str], int]] = field(default_factory=dict)
    """Platform id -> {(holder, role): the block it was granted in}."""
    first_holders: dict[int, dict[str, str]] = field(default_factory=dict)
    """Platform id -> {role: its first holder}: the registrar and certifier it was launched with."""
    launches: list[dict] = field(default_factory=list)
    """Every PlatformLaunched, with the qualifications as they stood at that moment."""
    time_of: object = None
    """block -> timestamp (the launch check needs its block's time)."""

    def apply(self, event, platform: int | None = None) -> list[tuple[int, str, str]]:
        """Fold one event; returns the (platform, holder, role) pairs whose standing it may change."""
        a, name, kind = event.args, event.name, event.source
        if platform is None and "#" in kind:  # `read_people`'s sources: registry#<id>, governor#<id>
            kind, number = kind.split("#")
            platform = int(number)
        if platform is not None:
            role = PLATFORM_ROLES.get((kind, bytes(a.get("role", b""))))
            account = str(a.get("account", "")).lower()
            if role is None or account in (ZERO, self.association):
                return []
            granted = self.holders.setdefault(platform, {})
            if name == "RoleGranted":
                granted.setdefault((account, role), event.block)
                self.first_holders.setdefault(platform, {}).setdefault(role, account)
                return [(platform, account, role)]
            if name == "RoleRevoked":
                granted.pop((account, role), None)
            return []
        if name == "TrainerAccredited":
            trainer = str(a["trainer"]).lower()
            self.trainers[trainer] = Trainer(trainer, a["name"], event.block)
        elif name == "TrainerRevoked":
            known = self.trainers.get(str(a["trainer"]).lower())
            if known is not None:
                known.revoked_block, known.reason = event.block, a["reason"]
        elif name == "Qualified":
            holder, role = str(a["holder"]).lower(), _role_name(a["role"])
            self.qualifications[(holder, role)] = Qualification(
                holder,
                role,
                str(a["trainer"]).lower(),
                int(a["valid_until"]),
                bytes(a["certificate_hash"]),
                False,
                event.block,
            )
            return self._holding(holder, role)
        elif name == "Disqualified":
            key = (str(a["holder"]).lower(), _role_name(a["role"]))
            if key in self.qualifications:
                self.qualifications[key] = _revoked(self.qualifications[key])
            return self._holding(*key)
        elif name == "PlatformLaunched":
            self._launched(event)
        return []

    def _holding(self, holder: str, role: str) -> list[tuple[int, str, str]]:
        return [(pid, holder, role) for pid, held in self.holders.items() if (holder, role) in held]

    def _launched(self, event) -> None:
        a = event.args
        now = self.time_of(event.block) if self.time_of is not None else 0
        self.launches.append(
            {
                "id": int(a["id"]),
                "name": a["name"],
                "block": event.block,
                "time": now,
                "operator": str(a["operator"]).lower(),
                "qualifications": dict(self.qualifications),
            }
        )

    def launch_failures(self) -> list[str]:
        """Every launch whose operator, registrar or certifier was not qualified at its block."""
        failures = []
        for launch in self.launches:
            pid = launch["id"]
            holders = {**self.first_holders.get(pid, {}), "operator": launch["operator"]}
            for role in LAUNCH_ROLES:
                holder = holders.get(role)
                q = launch["qualifications"].get((holder, role))
                if not is_valid(q, launch["time"]):
                    failures.append(
                        f"platform {pid} ({launch['name']}) was launched at block {launch['block']} with "
                        f"its {role} {holder} {standing(q, launch['time'])} for the role"
                    )
        return failures

    def qualification(self, holder: str, role: str) -> Qualification | None:
        return self.qualifications.get((holder.lower(), role))

    def rows(self, now: int, names: dict[int, str] | None = None) -> list[dict]:
        """Every platform's current role holders, each with its qualification's standing at `now`."""
        out = []
        for pid in sorted(self.holders):
            for (holder, role), since in sorted(self.holders[pid].items(), key=lambda kv: (kv[1], kv[0])):
                q = self.qualification(holder, role)
                trainer = self.trainers.get(q.trainer) if q else None
                out.append(
                    {
                        "platform": pid,
                        "platform_name": (names or {}).get(pid, f"platform {pid}"),
                        "holder": holder,
                        "role": role,
                        "since_block": since,
                        "trainer": q.trainer if q else "",
                        "trainer_name": trainer.name if trainer else "",
                        "valid_until": q.valid_until if q else None,
                        "certificate_hash": "0x" + q.certificate_hash.hex() if q else "",
                        "status": standing(q, now),
                    }
                )
        return out

    def trainer_rows(self) -> list[dict]:
        """The trainers, in accreditation order, with what each issued (still held)."""
        issued: dict[str, int] = {}
        for q in self.qualifications.values():
            issued[q.trainer] = issued.get(q.trainer, 0) + 1
        return [
            {
                "trainer": t.address,
                "name": t.name,
                "accredited_block": t.accredited_block,
                "status": t.status,
                "revoked_block": t.revoked_block,
                "reason": t.reason,
                "qualifications": issued.get(t.address, 0),
            }
            for t in sorted(self.trainers.values(), key=lambda t: t.accredited_block)
        ]


def _role_name(number: int) -> str:
    """A logged role number's name; one the release does not know (a broken association's) is named
    by its number, shown and never a role anyone holds on a platform."""
    return ROLES.get(int(number), f"unknown role {number}")


def _revoked(q: Qualification) -> Qualification:
    return Qualification(q.holder, q.role, q.trainer, q.valid_until, q.certificate_hash, True, q.issued_block)


# ---------------------------------------------------------------- on chain


def _admin(association):
    if isinstance(association.admin, str):
        raise DeployError("the association admin is not an account we hold: pass --account ALIAS")
    return association.admin


def _target(value, what: str) -> str:
    return parse_address(value, what) if isinstance(value, str) else _address(value)


def _reason(reason: str) -> str:
    if not 0 < len(reason.encode()) <= 100:
        raise DeployError("the reason must have 1 to 100 bytes")
    return reason


def accredit_trainer(association, trainer, name: str):
    """Accredit `trainer` (an account or address) as a compliance trainer, as the association admin."""
    address = _target(trainer, "trainer")
    if not 0 < len(name.encode()) <= 64:
        raise DeployError(f"trainer name {name!r} must have 1 to 64 bytes")
    if association.contract.is_trainer(address):
        raise DeployError(f"{address} is already an accredited trainer")
    return association.contract.accredit_trainer(address, name, sender=_admin(association))


def revoke_trainer(association, trainer, reason: str):
    """Revoke a trainer's accreditation, as the association admin (what it issued stays)."""
    address = _target(trainer, "trainer")
    if not association.contract.is_trainer(address):
        raise DeployError(f"{address} is not an accredited trainer")
    return association.contract.revoke_trainer(address, _reason(reason), sender=_admin(association))


def certificate_digest(certificate: bytes | str | None = None, certificate_hash: str | None = None) -> bytes:
    """The certificate's hash: keccak-256 of its bytes (a file's content), or given as 0x + 64 hex."""
    if (certificate is None) == (certificate_hash is None):
        raise DeployError("give the certificate (its file) or its hash, one of them")
    if certificate_hash is not None:
        text = certificate_hash.lower().removeprefix("0x")
        if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
            raise DeployError(f"certificate hash {certificate_hash!r} is not 0x and 64 hex digits")
        digest = bytes.fromhex(text)
    else:
        digest = keccak(certificate.encode() if isinstance(certificate, str) else certificate)
    if digest == bytes(32):
        raise DeployError("the certificate hash is zero")
    return digest


def qualify(
    association,
    trainer,
    holder,
    role,
    *,
    days: int | None = None,
    valid_until: int | None = None,
    certificate: bytes | str | None = None,
    certificate_hash: str | None = None,
):
    """Qualify `holder` for `role` as `trainer` (an accredited trainer's account) for `days` from the
    next block (or until the unix time `valid_until`), under the certificate's hash. Renews."""
    number = role_number(role)
    address = _target(holder, "holder")
    if isinstance(trainer, str):
        raise DeployError("the trainer must be an account we hold to sign the qualification")
    if not association.contract.is_trainer(trainer.address):
        raise DeployError(f"{trainer.address} is not an accredited trainer")
    digest = certificate_digest(certificate, certificate_hash)
    now = int(chain.pending_timestamp)
    if (days is None) == (valid_until is None):
        raise DeployError("give the qualification's days or its valid_until, one of them")
    until = now + int(days) * 86_400 if days is not None else int(valid_until)
    if until <= now:
        raise DeployError("valid_until must be later than now")
    if until > now + MAX_VALIDITY_DAYS * 86_400:
        raise DeployError(f"a qualification runs at most {MAX_VALIDITY_DAYS:,} days")
    return association.contract.qualify(address, number, until, digest, sender=trainer)


def disqualify(association, holder, role, reason: str, *, sender=None):
    """Disqualify `holder` for `role`, as the association admin (default) or the issuing trainer."""
    number = role_number(role)
    address = _target(holder, "holder")
    held = association.contract.qualification(address, number)
    if str(held.trainer) == ZERO:
        raise DeployError(f"{address} holds no {ROLES[number]} qualification")
    if held.revoked:
        raise DeployError(f"{address}'s {ROLES[number]} qualification is already disqualified")
    signer = sender if sender is not None else _admin(association)
    return association.contract.disqualify(address, number, _reason(reason), sender=signer)


def qualification_of(association, holder, role) -> Qualification | None:
    """The association's record of `holder`'s qualification for `role`, or None if none was issued."""
    number = role_number(role)
    held = association.contract.qualification(_address(holder), number)
    if str(held.trainer) == ZERO:
        return None
    return Qualification(
        str(_address(holder)).lower(),
        ROLES[number],
        str(held.trainer).lower(),
        int(held.valid_until),
        bytes(held.certificate_hash),
        bool(held.revoked),
    )


def sample_trainer():
    """The local chain's sample trainer (test account SAMPLE_TRAINER)."""
    return accounts.test_accounts[SAMPLE_TRAINER]


def qualify_sample_people(association, **holders) -> list[str]:
    """On a local chain only: accredit the sample trainer (unless it is) and have it qualify each
    `role=holder` not qualified now for SAMPLE_DAYS; returns what it did, one line each."""
    if not is_local_network():
        raise DeployError("sample qualifications are for a local chain; a trainer qualifies people elsewhere")
    done = []
    trainer = sample_trainer()
    if not association.contract.is_trainer(trainer.address):
        accredit_trainer(association, trainer, SAMPLE_TRAINER_NAME)
        done.append(f"trainer    {trainer.address} accredited ({SAMPLE_TRAINER_NAME})")
    for role, holder in holders.items():
        if holder is None or association.contract.is_qualified(_address(holder), role_number(role)):
            continue
        qualify(
            association,
            trainer,
            holder,
            role,
            days=SAMPLE_DAYS,
            certificate=f"greenpoints sample certificate: {role} {_address(holder)}",
        )
        done.append(f"qualified  {_address(holder)} as {role} for {SAMPLE_DAYS} days")
    return done


def people_sources(association) -> list[tuple]:
    """What `read_people` reads: the association's events, and each platform's registry and governor
    role events (sources `registry#<id>`, `governor#<id>`)."""
    from ape import project

    from .audit.events import Decoder

    roles = {"RoleGranted", "RoleRevoked"}
    out = [(association.address.lower(), Decoder(project.Association.contract_type, "association"), None)]
    for system in association.platforms:
        pid = system.platform_id
        out.append(
            (
                str(system.registry.address).lower(),
                Decoder(project.Registry.contract_type, f"registry#{pid}", only=roles),
                None,
            )
        )
        out.append(
            (
                str(system.governor.address).lower(),
                Decoder(project.Governor.contract_type, f"governor#{pid}", only=roles),
                None,
            )
        )
    return out


def read_people(association, *, end_block: int | None = None) -> People:
    """The association's trainers, qualifications and every platform's role holders, folded from the
    chain's events (from the association's deployment block to `end_block`, default the head)."""
    from .audit import BlockTimes
    from .audit.events import fetch

    association.refresh()
    web3 = chain.provider.web3
    end = chain.blocks.head.number if end_block is None else end_block
    events, _ = fetch(web3, people_sources(association), association.deployment_block, end)
    times = BlockTimes(web3)
    times.learn(events)
    people = People(association=association.address.lower(), time_of=times)
    for event in events:
        people.apply(event)
    return people
