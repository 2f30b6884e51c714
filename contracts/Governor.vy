# pragma version 0.4.3
"""
@title Governor
@custom:contract-name Governor
@license GNU Affero General Public License v3.0 only
@notice The pool's governor: snekmate's timelock controller, unchanged. Every rule
        change, unpause, shutdown and role rotation of the pool is scheduled here
        by a proposer and can be executed by anyone (open executor role) only
        after `get_minimum_delay`, so consumers see every change coming. The
        timelock administers itself; the deploy grants no admin.
"""


from snekmate.auth import access_control as ac
initializes: ac

from snekmate.governance import timelock_controller as tc
initializes: tc[access_control := ac]


# @dev Everything the timelock controller offers (schedule, execute, cancel, views,
# role administration through itself, token receiver hooks).
exports: tc.__interface__


@deploy
@payable
def __init__(
    minimum_delay_: uint256,
    proposers_: DynArray[address, tc._DYNARRAY_BOUND],
    executors_: DynArray[address, tc._DYNARRAY_BOUND],
    admin_: address,
):
    """
    @param minimum_delay_ The minimum delay of every operation, in seconds.
    @param proposers_ Accounts that may schedule (and cancel) operations.
    @param executors_ Accounts that may execute ready operations; [empty(address)] opens it to anyone.
    @param admin_ Optional bootstrap admin; the deploy passes the zero address.
    """
    ac.__init__()
    tc.__init__(minimum_delay_, proposers_, executors_, admin_)
