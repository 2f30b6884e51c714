"""greenpoints.formatting: figures and times as the reports, the monitor and the page write them."""

from greenpoints.formatting import fmt_units, utc


def test_utc__a_chain_timestamp__seconds_in_utc():
    assert utc(1_800_000_000) == "2027-01-15 08:00:00 UTC"
    assert utc(1_800_000_000, "%Y-%m-%dT%H:%M:%SZ") == "2027-01-15T08:00:00Z"


def test_utc__past_the_calendar__written_not_raised():
    # a governor delay or a certificate's end of 2**256 - 1 seconds, as a broken chain may log one
    assert utc(2**256 - 1) == f"after 9999-12-31 (timestamp {2**256 - 1})"
    assert utc(253_402_300_800) == "after 9999-12-31 (timestamp 253402300800)"  # 10000-01-01
    assert utc(253_402_300_799) == "9999-12-31 23:59:59 UTC"


def test_fmt_units__six_decimals__truncated_never_rounded():
    assert fmt_units(1_234_567_891, 6, 2) == "1,234.56"
    assert fmt_units(-5, 6) == "-0.000005"
