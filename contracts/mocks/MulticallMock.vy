# pragma version 0.4.3
"""
@title MulticallMock
@custom:contract-name MulticallMock
@license GNU Affero General Public License v3.0 only
@notice Tests only: snekmate's `multicall` module behind one external function, so a test
        reads many view figures of the pool in a single `eth_call` (one block, one round trip).
"""


from snekmate.utils import multicall
initializes: multicall


@deploy
def __init__():
    multicall.__init__()


@external
def aggregate(
    data: DynArray[multicall.Batch, multicall._DYNARRAY_BOUND],
) -> DynArray[multicall.Result, multicall._DYNARRAY_BOUND]:
    """
    @notice Calls each `data[i].target` with `data[i].calldata`; meant for `eth_call` reads.
    """
    return multicall._multicall(data)
