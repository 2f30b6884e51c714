# pragma version 0.4.3
"""
@title orders
@custom:contract-name orders
@license GNU Affero General Public License v3.0 only
@notice Every purchase recorded, by merchant and order id, in one 32-byte word
        that commits to the purchase's record (SPEC 4.3), and every green
        action's id, which issues once, ever. A purchase's record is what its
        `PurchaseRecorded` event and block say (`Purchase` below); the word is
          bits 15..255: the top 241 bits of keccak256(abi_encode(record))
          bits 1..14:   the issue rate in force at the purchase (issue_bps,
                        which the event does not carry and a reversal needs)
          bit 0:        reversed
        Zero means the id was never used; a word is never cleared, so each
        (merchant, order_id) issues once, ever. The pool writes a purchase's
        word in its `_record` (no internal call: code size, docs/gas.md) and
        reverses through `_reverse` here. `reverse_purchase` takes the
        record back and refuses one whose hash is not the word's
        ("orders: record does not match"); anyone can recompute every word
        from the events (`order_word`), which is what the audit does.
"""


# @dev Order amounts and points are kept below 2**128 (as the pool's other books).
MAX_U128: constant(uint256) = 2**128 - 1

# @dev The word's fields (the module's notice).
REVERSED: constant(uint256) = 1
RATE: constant(uint256) = 1
_MASK14: constant(uint256) = 2**14 - 1
HASH_MASK: constant(uint256) = max_value(uint256) - (2**15 - 1)


# @dev A purchase as its `PurchaseRecorded` event and block recorded it: what
#      `reverse_purchase` is given back (abi: a tuple of these fields, in this order).
struct Purchase:
    consumer: address
    class_id: uint32
    amount: uint256
    contribution: uint256
    points: uint256
    co2e: uint256
    recorded_at: uint256


# @dev Every purchase recorded, by merchant and order id: its word (zero: the id is unused).
order_word: public(HashMap[address, HashMap[bytes32, uint256]])
# @dev Every green action recorded, by sponsor and action id (SPEC 8.3: each issues once, ever;
#      the pool's `record_action` checks and sets it).
action_recorded: public(HashMap[address, HashMap[bytes32, bool]])


@internal
def _reverse(merchant: address, order_id: bytes32, record_hash: bytes32) -> uint256:
    """
    @dev Checks the record whose keccak256 is `record_hash` against the word of (merchant,
         order_id), marks the order reversed and returns the issue rate it was recorded at.
         Reverts for an unknown order, a record that does not match, and an order already reversed.
    """
    word: uint256 = self.order_word[merchant][order_id]
    assert word != 0, "pool: unknown order"
    issue_bps: uint256 = (word >> RATE) & _MASK14
    assert word & ~REVERSED == (convert(record_hash, uint256) & HASH_MASK) | (issue_bps << RATE), (
        "orders: record does not match"
    )
    assert word & REVERSED == 0, "pool: order already reversed"
    self.order_word[merchant][order_id] = word | REVERSED
    return issue_bps
