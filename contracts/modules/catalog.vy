# pragma version 0.4.3
"""
@title catalog
@custom:contract-name catalog
@license GNU Affero General Public License v3.0 only
@notice The pool's copy of the green catalog (SPEC 8.1): for each class a
        purchase or an action may name, its kind, whether it is certified now
        and its factor (grams of CO2e avoided per unit), in one slot:
          kind (bits 0..7: 1 product, 2 action) | certified (8) | co2e per
          unit (16..79)
        `Registry` keeps the authoritative catalog (standards, labels, the
        certifier's role and events) and writes each class here through the
        pool's `set_class` hook. A purchase reads its class with one SLOAD.
"""


# @dev The kinds of class (SPEC 8.1).
PRODUCT: constant(uint256) = 1
ACTION: constant(uint256) = 2
# @dev A factor takes 64 bits (18 million tonnes per unit: far beyond any certified class).
MAX_FACTOR: constant(uint256) = 2**64 - 1

_CERTIFIED: constant(uint256) = 1 << 8
_FACTOR: constant(uint256) = 16


# @dev Every class's word, by class id, as the registry last wrote it.
_classes: HashMap[uint256, uint256]


@internal
@pure
def _pack(kind: uint256, certified: bool, co2e_per_unit: uint256) -> uint256:
    """
    @dev The word of a class (the factor already checked against MAX_FACTOR by the registry).
    """
    word: uint256 = kind | (co2e_per_unit << _FACTOR)
    if certified:
        word |= _CERTIFIED
    return word


@internal
@view
def _factor(class_id: uint256, kind: uint256) -> uint256:
    """
    @dev The factor of class `class_id`; reverts unless it is certified now and of `kind`.
    """
    # The same checks as `_factor_of`, written out: a call costs the pool's blueprint room
    # (docs/design.md, "Code size"); tests/unit/lens holds the two to the same answers.
    word: uint256 = self._classes[class_id]
    if word & (_CERTIFIED | 255) != _CERTIFIED | kind:
        # refused: name the rule (one comparison when the class is right)
        assert word & _CERTIFIED != 0, "catalog: class not certified"
        if kind == PRODUCT:
            raise "catalog: not a product class"
        raise "catalog: not an action class"
    return word >> _FACTOR


@internal
@pure
def _factor_of(word: uint256, kind: uint256) -> uint256:
    """
    @dev The factor of a class whose word is `word`; reverts unless it is certified and of `kind`.
         Pure, so the pool's `Lens` runs the same checks on the registry's record of the class.
    """
    if word & (_CERTIFIED | 255) != _CERTIFIED | kind:
        # refused: name the rule (one comparison when the class is right)
        assert word & _CERTIFIED != 0, "catalog: class not certified"
        if kind == PRODUCT:
            raise "catalog: not a product class"
        raise "catalog: not an action class"
    return word >> _FACTOR
