"""The audit of an association (SPEC 9): every platform audited as one deployment, and the code
each one runs checked against the release.

    report = audit_association(association)
    report.ok, report.failures, report.platforms[i], report.write(Path("out"))

`write` puts association.json, association.md and association.html (the release's verdict and one row
per platform, through the audit's one renderer, `greenpoints.audit.render`) in `out`, and each
platform's own audit in `out`/platform-<id>/.

The release is what this checkout compiles (`ape compile`, vyper 0.4.3): the association's three
blueprints must hold exactly the release's initcode (EIP-5202: `0xFE7100` then the initcode) and
have the code hashes the association published; every platform's pool, registry and governor must
run the release's runtime code (what follows it is the pool's immutables) and be wired to each other
as launched, with the association still its guardian; the association itself must run the release's
`Association` code.

The people check (SPEC 12) replays the association's trainer and qualification events and every
platform's role events (`greenpoints.qualifications.read_people`): every launch must have had its
operator, registrar and certifier qualified at its block, and the report lists each platform's
current role holders with their qualification (a holder not qualified now is shown, not failed:
the association cannot stop a governor granting a role; the monitor alerts on it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ape import chain, project
from eth_utils import keccak, to_checksum_address

from ..formatting import utc
from ..interfaces import runs
from ..qualifications import read_people
from . import audit, render
from .report import Report, verdict_lines
from .tables import Bullets, Column, Page, Paragraph, Table, thousands

RELEASE_CHECK = "release"
"""The name of the association's own check in the report."""
PEOPLE_CHECK = "people"
"""The name of the association's check of its launches' qualified roles."""


def _code(web3, address: str) -> bytes:
    return bytes(web3.eth.get_code(to_checksum_address(str(address))))


def _release_initcode(name: str) -> bytes:
    return bytes(getattr(project, name).contract_type.deployment_bytecode.to_bytes())


@dataclass
class AssociationReport:
    """The association's checks and one `Report` per platform."""

    address: str
    platforms: list[tuple[dict, Report]] = field(default_factory=list)
    """(the platform's entry: id, name, status, pool, ...; its audit), by id."""
    release_failures: list[str] = field(default_factory=list)
    release_checked: int = 0
    people: list[dict] = field(default_factory=list)
    """Every platform's current role holders with their qualification (`People.rows`)."""
    trainers: list[dict] = field(default_factory=list)
    """The association's trainers (`People.trainer_rows`)."""
    people_failures: list[str] = field(default_factory=list)
    """Launches whose roles were not qualified at their block."""
    launches_checked: int = 0

    @property
    def failures(self) -> list[str]:
        out = [f"[{RELEASE_CHECK}] {f}" for f in self.release_failures]
        out += [f"[{PEOPLE_CHECK}] {f}" for f in self.people_failures]
        for entry, report in self.platforms:
            out += [f"platform {entry['id']} ({entry['name']}): {f}" for f in report.failures]
        return out

    @property
    def ok(self) -> bool:
        return not self.release_failures and not self.people_failures and all(r.ok for _, r in self.platforms)

    def describe(self) -> str:
        lines = [
            f"audit of association {self.address}: {len(self.platforms)} platforms, "
            f"release checked on {self.release_checked} contracts "
            + ("ok" if not self.release_failures else f"FAILED x{len(self.release_failures)}"),
            f"  people: {len(self.trainers)} trainers, {self.launches_checked} launches checked "
            + ("ok" if not self.people_failures else f"FAILED x{len(self.people_failures)}")
            + f", {len(self.people)} role holders, {self.unqualified_holders} not qualified now",
        ]
        for entry, report in self.platforms:
            events = report.stats.get("events", 0)
            verdict = "PASSED" if report.ok else f"FAILED ({len(report.failures)} failures)"
            lines.append(
                f"  platform {entry['id']:>3} {entry['name'][:28]:<28} {entry['status']:<9} "
                f"pool {entry['pool']}  {events:>8,} events  {verdict}"
            )
        for row in self.people:
            lines.append(
                f"  people   {row['platform']:>3} {row['role']:<9} {row['holder']}  {row['status']:<12} "
                f"until {_day(row['valid_until'])}  trainer {row['trainer_name'] or row['trainer'] or '-'}"
            )
        return "\n".join(lines + verdict_lines(self.failures, self.ok))

    @property
    def unqualified_holders(self) -> int:
        return sum(1 for row in self.people if row["status"] not in ("valid", "expiring"))

    def to_dict(self) -> dict:
        return {
            "association": self.address,
            "ok": self.ok,
            "release": {"checked": self.release_checked, "failures": self.release_failures},
            "people": {
                "launches_checked": self.launches_checked,
                "failures": self.people_failures,
                "holders": self.people,
                "trainers": self.trainers,
            },
            "platforms": [
                {
                    **entry,
                    "ok": report.ok,
                    "failures": report.failures,
                    "events": report.stats.get("events", 0),
                }
                for entry, report in self.platforms
            ],
        }

    def page(self) -> Page:
        """The association's verdict, the release check and one row per platform, for markdown and HTML."""
        verdict = "ok" if not self.release_failures else f"FAILED x{len(self.release_failures)}"
        platforms = Table(
            "Platforms",
            (
                Column("id", numeric=True),
                Column("name"),
                Column("status", description="the platform's standing with the association"),
                Column("pool"),
                Column("events", thousands, numeric=True),
                Column("audit", description="the platform's own audit: platform-<id>/audit.md"),
            ),
            [
                (
                    entry["id"],
                    entry["name"],
                    entry["status"],
                    entry["pool"],
                    report.stats.get("events", 0),
                    "PASSED" if report.ok else f"FAILED ({len(report.failures)} failures)",
                )
                for entry, report in self.platforms
            ],
        )
        people = Table(
            "People (SPEC 12): each platform's role holders",
            (
                Column("platform", numeric=True),
                Column("role"),
                Column("holder"),
                Column(
                    "status", description="valid, expiring (30 days left), expired, disqualified, unqualified"
                ),
                Column("valid until", description="UTC"),
                Column("trainer"),
                Column("certificate", description="the hash the trainer recorded"),
            ),
            [
                (
                    r["platform"],
                    r["role"],
                    r["holder"],
                    r["status"],
                    _day(r["valid_until"]),
                    r["trainer_name"] or r["trainer"] or "-",
                    r["certificate_hash"] or "-",
                )
                for r in self.people
            ],
        )
        trainers = Table(
            "Trainers",
            (
                Column("trainer"),
                Column("name"),
                Column("status"),
                Column("issued", numeric=True),
                Column("revoked because"),
            ),
            [
                (t["trainer"], t["name"], t["status"], t["qualifications"], t["reason"] or "-")
                for t in self.trainers
            ],
        )
        people_verdict = "ok" if not self.people_failures else f"FAILED x{len(self.people_failures)}"
        return Page(
            "greenpoints association audit",
            [
                Paragraph(
                    f"Association {self.address}, {len(self.platforms)} platforms, release checked on "
                    f"{self.release_checked} contracts: {verdict}. Qualified roles at launch, "
                    f"{self.launches_checked} launches: {people_verdict}; {len(self.people)} role holders, "
                    f"{self.unqualified_holders} not qualified now."
                ),
                platforms,
                people,
                trainers,
                Bullets("Failures", self.failures[:200]),
            ],
            passed=self.ok,
        )

    def write(self, out: Path) -> list[Path]:
        """association.json, .md and .html in `out`, and each platform's audit in `out`/platform-<id>/."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        summary = out / "association.json"
        summary.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        page = self.page()
        (out / "association.md").write_text(render.markdown(page))
        (out / "association.html").write_text(render.html(page))
        written = [summary, out / "association.md", out / "association.html"]
        for entry, report in self.platforms:
            report.write(out / f"platform-{entry['id']}")
            written.append(out / f"platform-{entry['id']}")
        return written


def _day(timestamp) -> str:
    return utc(timestamp, "%Y-%m-%d %H:%M:%S") if timestamp else "-"


def check_release(association, web3) -> tuple[int, list[str]]:
    """The association's blueprints against the release, and every platform's code and wiring."""
    failures: list[str] = []
    checked = 0
    contract = association.contract
    checked += 1
    if not runs(_code(web3, contract.address), project.Association.contract_type):
        failures.append(f"the association at {contract.address} does not run this release's Association code")
    published = {
        "ValuePool": bytes(contract.pool_blueprint_codehash()),
        "Registry": bytes(contract.registry_blueprint_codehash()),
        "Governor": bytes(contract.governor_blueprint_codehash()),
    }
    for name, address in association.blueprints.items():
        checked += 1
        code = _code(web3, address)
        if code != b"\xfe\x71\x00" + _release_initcode(name):
            failures.append(f"the {name} blueprint at {address} does not hold this release's initcode")
        if keccak(code) != published[name]:
            failures.append(
                f"the {name} blueprint's code hash differs from the one the association published"
            )
    for system in association.platforms:
        for name, handle in (
            ("ValuePool", system.pool),
            ("Registry", system.registry),
            ("Governor", system.governor),
        ):
            checked += 1
            if not runs(_code(web3, handle.address), getattr(project, name).contract_type):
                failures.append(f"platform {system.platform_id}: its {name} does not run this release's code")
        registry, pid = system.registry, system.platform_id
        if str(system.pool.registry()) != str(registry.address):
            failures.append(f"platform {pid}: its pool names another registry")
        if str(system.pool.governor()) != str(system.governor.address):
            failures.append(f"platform {pid}: its pool names another governor")
        # The guardian role read from the pool's own registry, through the release's interface.
        own_registry = project.Registry.at(system.pool.registry())
        if not own_registry.hasRole(own_registry.GUARDIAN_ROLE(), contract.address):
            failures.append(f"platform {pid}: the association is no longer its guardian")
    return checked, failures


def platform_entry(association, system) -> dict:
    """What the association says of one platform, for the report and the dashboard."""
    return {
        "id": system.platform_id,
        "name": system.name,
        "status": association.status_of(system.platform_id),
        "pool": str(system.pool.address),
        "registry": str(system.registry.address),
        "governor": str(system.governor.address),
        "asset": str(system.asset.address),
        "launched_block": system.deployment_block,
    }


def audit_association(association, **kwargs) -> AssociationReport:
    """Audit every platform of `association` (from its launch block) and check the release;
    `kwargs` go to each platform's `audit` (e.g. `end_block`)."""
    association.refresh()
    web3 = chain.provider.web3
    checked, failures = check_release(association, web3)
    end = kwargs.get("end_block")
    people = read_people(association, end_block=end)
    now = int(chain.blocks.head.timestamp if end is None else chain.blocks[end].timestamp)
    report = AssociationReport(
        address=association.address, release_checked=checked, release_failures=failures,
        people=people.rows(now, {p.platform_id: p.name for p in association.platforms}),
        trainers=people.trainer_rows(), people_failures=people.launch_failures(),
        launches_checked=len(people.launches),
    )  # fmt: skip
    for system in association.platforms:
        platform_report = audit(system, start_block=system.deployment_block, **kwargs)
        report.platforms.append((platform_entry(association, system), platform_report))
    return report
