# pragma version 0.4.3
"""
@title HookRegistry
@custom:contract-name HookRegistry
@license GNU Affero General Public License v3.0 only
@notice Tests only: a registry the pool can be created from (the same constructor and `config`)
        that forwards any member's terms to the pool's `update_member` hook unchecked. The real
        registry refuses bad terms first, so the pool's own checks of its hook (`members`) are a
        second line that only a registry with a bug would reach; this one reaches them.
"""

from ..modules import accounts
from ..modules import catalog
from ..modules import rules
initializes: rules


interface IPoolHooks:
    def update_member(account: address, standing: accounts.Standing, rate: uint256, daily_cap: uint256): nonpayable
    def set_class(class_id: uint32, word: uint256): nonpayable


# @dev The pool that created this registry from its blueprint.
pool: public(address)


@deploy
def __init__(governor_: address, registrar_: address, guardian_: address, certifier_: address, initial_rules: rules.Rules):
    """
    @dev The real registry's constructor arguments; only the rules are kept.
    """
    rules.__init__(initial_rules)
    self.pool = msg.sender


@external
@view
def config() -> uint256:
    """
    @notice The rules' slot, as the pool reads it once at its construction.
    """
    return rules._load()


@external
def update_member(account: address, standing: accounts.Standing, rate: uint256, daily_cap: uint256):
    """
    @notice Calls the pool's member hook with whatever it is given (no check: a registry with a bug).
    """
    extcall IPoolHooks(self.pool).update_member(account, standing, rate, daily_cap)


@external
def certify_class(class_id: uint32, kind: uint256, co2e_per_unit: uint256):
    """
    @notice Certifies a class in the pool's catalog (as the real registry packs it).
    """
    extcall IPoolHooks(self.pool).set_class(class_id, catalog._pack(kind, True, co2e_per_unit))
