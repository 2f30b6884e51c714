"""The monitoring platform (SPEC 10): a read-only web page over one deployment or a whole association.

    store = Store("sqlite:///results/dashboard.sqlite")         # or postgresql+psycopg://...
    supervisor = Supervisor.for_association(association, web3, store)   # or .for_system(system, ...)
    supervisor.start()                                           # fold the history (or resume from the store)
    app = create_app(supervisor)                                 # Starlette; served by uvicorn

The supervisor follows the chain with the monitor (`greenpoints.audit.monitor`): every page of blocks
it folds goes into the store (the events, the alerts, each platform's assets and points after every
event that changed them), so a restart folds the stored events again without asking the node for
them. The page and its JSON endpoints read the folded state (the audit's `Ledger` of each platform)
and the store; the page updates itself from a server-sent event stream.
"""

from .app import create_app
from .store import Store
from .supervisor import Supervisor

__all__ = ["Store", "Supervisor", "create_app"]
