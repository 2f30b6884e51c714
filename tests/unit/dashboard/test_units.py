"""How the page writes a figure (`greenpoints.dashboard.units`): exact, with its unit."""

import pytest

from greenpoints.dashboard import units


@pytest.mark.parametrize(
    "value, decimals, symbol, text",
    [
        (494_319_755_098_771_875, 18, "GCP", "0.494319755098771875 GCP"),
        (10_356_900_000, 6, "USDC", "10,356.90 USDC"),
        (10_356_000_000, 6, "USDC", "10,356.00 USDC"),
        (1, 6, "mUSD", "0.000001 mUSD"),
        (-1_500_000, 6, "mUSD", "-1.50 mUSD"),
        (7, 0, "T", "7 T"),
        (2**256 - 1, 18, "GCP", f"{(2**256 - 1) // 10**18:,}.{(2**256 - 1) % 10**18:018d} GCP"),
    ],
)
def test_amount__integer_in_smallest_units__every_digit_and_the_symbol(value, decimals, symbol, text):
    assert units.amount(value, decimals, symbol) == text


def test_kg__grams__three_decimals_and_thousands_separators():
    assert [units.kg(g) for g in (84_927_128, 30, 0, -1_250)] == ["84,927.128", "0.030", "0.000", "-1.250"]


@pytest.mark.parametrize(
    "name, value, text",
    [
        ("issue_bps", 7_000, "70.00% (7000 bps)"),
        ("settlement_fee_bps", 5, "0.05% (5 bps)"),
        ("exit_trigger_bps", 20_000, "200.00% (20000 bps)"),
        ("lock_period", 604_800, "7 days (604800 s)"),
        ("epoch_length", 86_400, "1 day (86400 s)"),
        ("epoch_length", 5_400, "1 h 30 min (5400 s)"),
        ("a_rule_from_a_later_release", 3, "3"),
    ],
)
def test_rule__value__human_units_with_the_raw_value_beside(name, value, text):
    shown = units.rule(name, value)
    assert shown["value"] == text and shown["raw"] == str(value)


def test_rule_meanings__every_rule_of_the_model__one_line_from_its_docstring():
    from greenpoints.model.rules import Rules

    assert set(units.RULE_MEANINGS) == set(Rules().as_dict())
    assert all(text and "\n" not in text for text in units.RULE_MEANINGS.values())
