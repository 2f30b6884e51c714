"""A system with activity for the dashboard's tests, and a supervisor over it on an SQLite file."""

import pytest

from greenpoints.dashboard import Store, Supervisor
from greenpoints.dashboard.store import default_url
from tests.chain_states import built_once
from tests.conftest import order


@pytest.fixture
@built_once
def active(live, buy, merchant, other_merchant, charity, consumer, other_consumer, pool):
    """The live system after two purchases, a spend and a donation."""
    buy(merchant, consumer, 100, order("first"))
    buy(other_merchant, other_consumer, 40, order("second"))
    pool.spend(other_merchant, 10**18, order("spend-1"), sender=consumer)
    pool.donate(charity, 10**17, sender=consumer)
    return live


@pytest.fixture
def store(tmp_path):
    return Store(default_url(tmp_path / "dashboard.sqlite"))


@pytest.fixture
def supervisor(active, store, chain):
    supervisor = Supervisor.for_system(active, chain.provider.web3, store)
    supervisor.start()
    return supervisor
