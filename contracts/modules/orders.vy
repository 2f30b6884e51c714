# pragma version 0.4.3
"""
@title orders
@custom:contract-name orders
@license GNU Affero General Public License v3.0 only
@notice Every purchase recorded, by merchant and order id, in two slots: what
        `reverse_purchase(order_id)` needs to undo it exactly, and the proof
        that the id is used for good (each (merchant, order_id) issues once,
        ever); and every green action's id, which issues once, ever. Layout:
          who: consumer (bits 0..159) | issued_at (160..199) | issue_bps
            (200..213) | reversed (214) | co2e (215..255, grams, SPEC 8.2;
            a consumer's carbon takes 36 bits, so it always fits)
          amounts: points (0..127) | contribution (128..255)
        Two slots are the floor under SPEC 4.3's `reverse_purchase(order_id)`
        (docs/gas.md): consumer, time, rate, points and contribution of one
        purchase do not fit in 256 bits at the amounts the pool accepts.
"""


# @dev Order amounts and points are packed in 128 bits each.
MAX_U128: constant(uint256) = 2**128 - 1

_MASK40: constant(uint256) = 2**40 - 1
_MASK14: constant(uint256) = 2**14 - 1
_REVERSED: constant(uint256) = 1 << 214
_CO2E: constant(uint256) = 215


# @dev A recorded purchase, packed as the module's notice describes.
struct Order:
    who: uint256
    amounts: uint256


# @dev What `order_of` returns.
struct OrderView:
    consumer: address
    issued_at: uint256
    points: uint256
    contribution: uint256
    issued_value: uint256
    co2e: uint256
    reversed: bool


# @dev Every purchase recorded, by merchant and order id.
_orders: HashMap[address, HashMap[bytes32, Order]]
# @dev Every green action recorded, by sponsor and action id (SPEC 8.3: each issues once, ever).
action_recorded: public(HashMap[address, HashMap[bytes32, bool]])


@internal
@view
def _is_used(merchant: address, order_id: bytes32) -> bool:
    return self._orders[merchant][order_id].who != 0


@internal
def _record(
    merchant: address,
    order_id: bytes32,
    consumer: address,
    issue_bps: uint256,
    points: uint256,
    contribution: uint256,
    co2e: uint256,
):
    """
    @dev Stores a purchase issued now (points and contribution already checked below 2**128, co2e
         below the consumer's carbon bound of 2**36).
    """
    self._orders[merchant][order_id] = Order(
        who=convert(consumer, uint256) | (block.timestamp << 160) | (issue_bps << 200) | (co2e << _CO2E),
        amounts=points | (contribution << 128),
    )


@internal
@view
def _load(merchant: address, order_id: bytes32) -> OrderView:
    """
    @dev The purchase `merchant` recorded under `order_id`; reverts if there is none.
    """
    order: Order = self._orders[merchant][order_id]
    assert order.who != 0, "pool: unknown order"
    return self._unpack(order)


@internal
def _use_action(sponsor: address, action_id: bytes32):
    """
    @dev Marks (sponsor, action_id) as recorded; reverts if it already was.
    """
    assert not self.action_recorded[sponsor][action_id], "pool: action id already recorded"
    self.action_recorded[sponsor][action_id] = True


@internal
def _mark_reversed(merchant: address, order_id: bytes32):
    self._orders[merchant][order_id].who |= _REVERSED


@internal
@pure
def _unpack(order: Order) -> OrderView:
    contribution: uint256 = order.amounts >> 128
    return OrderView(
        consumer=convert(convert(order.who & convert(max_value(uint160), uint256), uint160), address),
        issued_at=(order.who >> 160) & _MASK40,
        points=order.amounts & MAX_U128,
        contribution=contribution,
        issued_value=contribution * ((order.who >> 200) & _MASK14) // 10_000,
        co2e=order.who >> _CO2E,
        reversed=order.who & _REVERSED != 0,
    )


@external
@view
def order_of(merchant: address, order_id: bytes32) -> OrderView:
    """
    @notice The purchase `merchant` recorded under `order_id` (all zero when none).
    """
    return self._unpack(self._orders[merchant][order_id])
