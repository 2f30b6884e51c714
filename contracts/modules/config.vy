# pragma version 0.4.3
"""
@title config
@custom:contract-name config
@license GNU Affero General Public License v3.0 only
@notice The pool's copy of the rules' slot (layout in `rules`) with its two
        switches: bit 192 paused, bit 193 shut down. A purchase, a spend or an
        exit reads every rule and both switches with this one SLOAD. The slot
        is written only by the pool's `set_config` hook, which only `Registry`
        may call: the registry owns the rules (bounds, `RuleChanged`), the
        pause and the shutdown, and pushes the whole slot after each change.
"""


from . import rules


# @dev The rules and the switches, as `Registry` last pushed them.
_word: uint256


@internal
@view
def _load() -> uint256:
    return self._word


@internal
def _store(word: uint256):
    self._word = word


@external
@view
def config_word() -> uint256:
    """
    @notice The rules' slot with both switches, as the pool holds it (`Registry.config()` gives
            the same word; the exit queue reads it here, one slot instead of the registry's three).
    """
    return self._word


@external
@view
def paused() -> bool:
    """
    @notice True while purchases and spending are paused (the guardian's or governor's pause).
    """
    return self._word & rules.PAUSED_BIT != 0


@external
@view
def is_shutdown() -> bool:
    """
    @notice True once the governor has shut the pool down (irreversible).
    """
    return self._word & rules.SHUTDOWN_BIT != 0
