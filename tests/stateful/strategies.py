"""Shared hypothesis strategies for the stateful machines."""

from hypothesis import strategies as st

# Purchase amounts in whole asset units, and raw amounts (dust and extremes) in smallest units.
whole_units = st.one_of(st.integers(1, 50), st.integers(50, 5_000), st.integers(5_000, 2_000_000))
raw_amounts = st.sampled_from([0, 1, 2, 3, 33, 334, 2**128 - 1, 2**128, 2**256 - 1])
amount_kind = st.sampled_from(["units", "units", "units", "units", "raw"])

# Share of a balance to move, in parts per million; 1_000_000 = all of it.
fractions = st.one_of(st.sampled_from([1_000_000, 500_000, 1]), st.integers(1, 1_000_000), st.just(1_000_001))

# A small pool of order ids, so replays happen often.
order_numbers = st.integers(0, 12)
# a reversal passes its order's record back: mostly the true one, sometimes with one field changed
# (the index of `greenpoints.model.Purchase`'s field: consumer, class_id, amount, contribution, points,
# co2e, recorded_at)
forged_fields = st.one_of(st.none(), st.none(), st.none(), st.integers(0, 6))

# Time jumps: a few seconds, hours, up to an epoch boundary, past a lock period.
time_jumps = st.one_of(
    st.integers(1, 120), st.integers(3_600, 86_400), st.integers(86_400, 8 * 86_400), st.just(7 * 86_400)
)

# Rule changes: mostly in bounds, sometimes out of bounds or unknown.
RULE_VALUES = {
    "issue_bps": [1_000, 5_000, 7_000, 9_000, 9_001, 999],
    "exit_trigger_bps": [10_000, 15_000, 20_000, 9_999],
    "exit_payout_bps": [1_000, 8_000, 9_000, 9_001],
    "return_cap_bps": [10_000, 30_000, 50_000, 50_001],
    "epoch_exit_limit_bps": [10, 1_000, 5_000, 5_001],
    "epoch_length": [3_600, 86_400, 2 * 86_400, 3_599],
    "lock_period": [3_600, 86_400, 7 * 86_400],
    "settlement_fee_bps": [0, 100, 500, 501],
    "min_contribution_bps": [10, 100, 6_000],
    "max_contribution_bps": [50, 3_000, 5_000],
    "free_money_bps": [1],
}
rule_changes = st.sampled_from(sorted(RULE_VALUES)).flatmap(
    lambda name: st.tuples(st.just(name), st.sampled_from(RULE_VALUES[name]))
)

batch_sizes = st.one_of(st.integers(1, 6), st.just(101))

# Who records a purchase: merchant 0, 1 (admitted), 2 (admitted only by a rule), 3 = a consumer.
purchase_senders = st.sampled_from([0, 0, 0, 1, 1, 2, 3])
# Whom for: consumers 0-4 mostly; 5 = a merchant, 6 = a charity, 7 = zero address, 8 = the pool.
purchase_targets = st.sampled_from([0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 7, 8])

# The class a purchase names: mostly the sample catalog's products (1 to 3); sometimes an action
# class (101: refused for a purchase), a class never certified (999), or the class the machine may
# certify (4) or withdraw.
purchase_classes = st.sampled_from([1, 1, 1, 1, 2, 3, 4, 101, 999])
# The class an action names: mostly the sample catalog's actions (101 to 103); sometimes a product
# class (refused) or one never certified.
action_classes = st.sampled_from([101, 101, 101, 101, 102, 102, 103, 104, 1, 999])
# Quantities of an action: a few units, none, and beyond the bounds.
action_quantities = st.one_of(
    st.integers(1, 40), st.integers(40, 100_000), st.sampled_from([0, 2**36, 2**128 - 1, 2**128])
)
action_numbers = st.integers(0, 10)
# Catalog changes: (action, class id, kind, factor); the certifier certifies again with a new
# factor (or certifies a withdrawn class back), certifies a new class, tries to change a class's
# kind, withdraws, or uses bad input.
catalog_changes = st.sampled_from(
    [
        ("certify", 1, 1, 250),
        ("certify", 2, 1, 0),
        ("certify", 4, 1, 1_000),
        ("certify", 101, 2, 180),
        ("certify", 104, 2, 2**40),
        ("certify", 1, 2, 10),  # a product class cannot become an action class
        ("certify", 0, 1, 10),
        ("certify", 5, 3, 10),
        ("certify", 6, 1, 2**64),
        ("certify", 101, 2, 150),  # back, after a withdrawal
        ("certify", 1, 1, 300),
        ("withdraw", 1, 0, 0),
        ("withdraw", 2, 0, 0),
        ("withdraw", 101, 0, 0),
        ("withdraw", 999, 0, 0),
    ]
)
