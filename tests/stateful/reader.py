"""Read many view figures in one `eth_call` through the test-only MulticallMock (snekmate multicall).

An Ape view call costs about 10 ms on the embedded chain; the stateful invariants read about 70
figures per step, so they go through one multicall instead (same block for all, one round trip).
"""

from __future__ import annotations

from eth_abi import decode


class Reader:
    """Reads a fixed list of (name, contract, method, args) in one call; returns {name: value}."""

    def __init__(self, multicall, queries):
        self.multicall = multicall
        self.names = []
        self.batch = []
        self.types = []
        for name, contract, method, args in queries:
            handler = getattr(contract, method)
            self.names.append(name)
            self.batch.append((contract.address, False, bytes(handler.encode_input(*args))))
            self.types.append([o.canonical_type for o in handler.abis[0].outputs])

    def read(self) -> dict:
        results = self.multicall.aggregate.call(self.batch)
        out = {}
        for name, types, result in zip(self.names, self.types, results, strict=True):
            values = decode(types, bytes(result.return_data))
            out[name] = values[0] if len(values) == 1 else values
        return out
