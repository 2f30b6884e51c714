"""Scenario files: every shipped one loads; every bad field is refused with a message naming it."""

import dataclasses

import pytest

from greenpoints.sim.scenario import (
    ScenarioError,
    known_scenarios,
    load_scenario,
    scenario_from_dict,
)

MINIMAL = {
    "days": 3,
    "consumers": 5,
    "merchants": 2,
    "purchase_rate": 0.5,
    "categories": [{"name": "grocery", "contribution_bps": 300, "ticket": 40, "daily_cap": 1000}],
}


def with_(**changes):
    return {**MINIMAL, **changes}


def test_load_scenario__shipped_files__all_load():
    names = known_scenarios()
    assert {"baseline", "growth-then-stall", "rogue-merchant"} <= set(names)
    for name in names:
        scenario = load_scenario(name)
        assert scenario.name == name
        assert scenario.days > 0 and scenario.categories


def test_scenario_from_dict__minimal__defaults_filled():
    scenario = scenario_from_dict(MINIMAL, "mini")
    assert scenario.name == "mini"
    assert scenario.phases[0].start_day == 0
    assert scenario.rogue is None
    assert scenario.categories[0].weight == 1.0


def test_scenario_from_dict__exit_request_share__default_none_request_given_share_kept():
    assert scenario_from_dict(MINIMAL, "mini").exit_request_share == 0.0  # the line stays unused
    assert scenario_from_dict(with_(exit_request_share=1), "all").exit_request_share == 1.0
    assert scenario_from_dict(with_(exit_request_share=0.25), "some").exit_request_share == 0.25
    # each shipped scenario says its own share (the why is in the file, beside it)
    shares = {name: load_scenario(name).exit_request_share for name in known_scenarios()}
    assert shares == {"baseline": 0.5, "green-city": 0.5, "growth-then-stall": 0.9, "rogue-merchant": 0.5}


@pytest.mark.parametrize(
    "data, message",
    [
        (with_(consumer=4), "unknown field 'consumer'"),
        (with_(days=0), "days: must be above 0, got 0"),
        (with_(days="ten"), "days: must be an integer, got 'ten'"),
        (with_(spend_fraction=1.5), "spend_fraction: must be between 0 and 1, got 1.5"),
        (with_(exit_request_share=1.5), "exit_request_share: must be between 0 and 1, got 1.5"),
        (with_(exit_request_share=-0.1), "exit_request_share: must be between 0 and 1, got -0.1"),
        (with_(exit_request_share=".nan"), "exit_request_share: must be a number, got '.nan'"),
        (with_(exit_request_share=float("nan")), "exit_request_share: must be between 0 and 1, got nan"),
        (with_(categories=[]), "categories: at least one category is needed"),
        (
            with_(categories=[{"name": "x", "contribution_bps": 9_000, "ticket": 1, "daily_cap": 1}]),
            "categories[x].contribution_bps: must be within 100..5000, got 9000",
        ),
        (
            with_(categories=[{"name": "x", "contribution_bps": 300, "ticket": 1}]),
            "missing field 'daily_cap'",
        ),
        (with_(phases=[{"start_day": 3}]), "phases: the first phase must start on day 0"),
        (with_(phases=[{"start_day": 0}, {"start_day": 0}]), "start days must increase"),
        (with_(rules={"epoch_length": 3600}), "rules.epoch_length: unknown or fixed rule"),
        (with_(rules={"exit_payout_bps": 9_500}), "rules.exit_payout_bps: must be an integer within"),
        (with_(rules={"lock_period": 90_000}), "lock_period: must be a whole number of days"),
        (with_(rules={"lock_period": 86_400}), "lock_period: at least 2 days"),
        (
            with_(rogue={"start_day": 5, "suspend_day": 5}),
            "rogue.suspend_day: must come after start_day (5), got 5",
        ),
        (with_(rogue={"start_day": 1, "suspend_day": 2, "category": "x"}), "unknown category 'x'"),
        (with_(adversaries={"trades_per_day": -1}), "adversaries.trades_per_day: must be 0 or more"),
        (with_(adversaries={"bribes_per_day": 1}), "unknown field 'bribes_per_day'"),
        (with_(asset_decimals=30), "asset_decimals: must be within 2..18"),
        (
            with_(
                product_classes=[
                    {"class_id": 1, "label": "x", "category": "bakery", "share": 1, "co2e_per_unit": 1}
                ]
            ),
            "product_classes[0].category: unknown category 'bakery' (known: grocery)",
        ),
        (
            with_(
                product_classes=[
                    {"class_id": 1, "label": "x", "category": "grocery", "share": 1, "co2e_per_unit": 2**64}
                ]
            ),
            "product_classes[0].co2e_per_unit: must be grams between 0 and 2**64 - 1",
        ),
        (
            with_(
                product_classes=[
                    {"class_id": 0, "label": "x", "category": "grocery", "share": 1, "co2e_per_unit": 1}
                ]
            ),
            "product_classes[0].class_id: must be between 1 and 2**32 - 1, got 0",
        ),
        (
            with_(
                product_classes=[
                    {"class_id": 1, "label": "a", "category": "grocery", "share": 0.7, "co2e_per_unit": 1},
                    {"class_id": 2, "label": "b", "category": "grocery", "share": 0.6, "co2e_per_unit": 1},
                ]
            ),
            "the shares of category 'grocery' add up to 1.3, over 1",
        ),
        (
            with_(
                action_classes=[
                    {"class_id": 9, "label": "metro", "sponsor": "fund", "co2e_per_unit": 150, "rate": 0.1}
                ]
            ),
            "action_classes[0].sponsor: unknown sponsor 'fund' (known: none)",
        ),
        (
            with_(
                sponsors=[{"name": "fund", "reward_per_kg": 0.2, "daily_cap": 10}],
                product_classes=[
                    {"class_id": 9, "label": "a", "category": "grocery", "share": 1, "co2e_per_unit": 1}
                ],
                action_classes=[
                    {"class_id": 9, "label": "b", "sponsor": "fund", "co2e_per_unit": 1, "rate": 1}
                ],
            ),
            "class ids must be distinct, got [9, 9]",
        ),
        (
            with_(sponsors=[{"name": "fund", "reward_per_kg": 0, "daily_cap": 10}]),
            "reward_per_kg: must be above 0",
        ),
        ([1, 2], "must be a mapping"),
    ],
)
def test_scenario_from_dict__bad_field__error_names_it(data, message):
    with pytest.raises(ScenarioError, match=None) as err:
        scenario_from_dict(data, "bad")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_load_scenario__unknown_name__lists_the_known_ones():
    with pytest.raises(ScenarioError, match="no scenario named 'nope' .*baseline"):
        load_scenario("nope")


def test_load_scenario__missing_file__names_the_path(tmp_path):
    with pytest.raises(ScenarioError, match="no scenario file at"):
        load_scenario(str(tmp_path / "missing.yaml"))


def test_load_scenario__broken_yaml__one_line_error(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("days: [1, 2\n")
    with pytest.raises(ScenarioError, match="not valid YAML") as err:
        load_scenario(str(path))
    assert "\n" not in str(err.value)


def test_with_overrides__bad_value__refused_good_value_applied():
    scenario = load_scenario("baseline")
    assert scenario.with_overrides(days=5, consumers=None).days == 5
    assert scenario.with_overrides() is scenario
    with pytest.raises(ScenarioError, match="days: must be above 0"):
        scenario.with_overrides(days=0)


def test_scenario__frozen__cannot_be_changed():
    scenario = load_scenario("baseline")
    with pytest.raises(dataclasses.FrozenInstanceError):
        scenario.days = 1
