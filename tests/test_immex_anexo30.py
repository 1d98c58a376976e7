"""Anexo 30 files: byte for byte against hand-written expected files."""

from datetime import date

from immex import anexo30


def test_initial_inventory_file():
    rows = [
        {
            "pedimento": "26  24  3420  6000002",
            "sequence": 2,
            "fraction": "8536690399",
            "date": date(2026, 1, 15),
            "quantity_tariff": 1500,
            "uom_tariff": "6",
            "value": 2250.005,
            "fixed_asset": False,
        },
        {
            "pedimento": "26  24  3420  6000002",
            "sequence": 1,
            "fraction": "8544491299",
            "date": date(2026, 1, 15),
            "quantity_tariff": 12.3456,
            "uom_tariff": "1",
            "value": 1000,
            "fixed_asset": False,
        },
        {
            "pedimento": "25  24  3420  5000001",
            "sequence": 1,
            "fraction": "8479899999",
            "date": date(2025, 6, 1),
            "quantity_tariff": 1,
            "uom_tariff": "6",
            "value": 350000.4,
            "fixed_asset": True,
        },
    ]
    expected = (
        b"01|252434205000001|1|8479899999|20250601|1.000|6|350000.40|S|\r\n"
        b"01|262434206000002|1|8544491299|20260115|12.346|1|1000.00|N|\r\n"
        b"01|262434206000002|2|8536690399|20260115|1500.000|6|2250.01|N|\r\n"
    )
    assert anexo30.initial_inventory(rows) == expected


def test_discharge_report_file():
    rows = [
        # two RT exits in March discharge wire: one 03 with the total, two 04
        {
            "key": "RT",
            "date": date(2026, 3, 5),
            "fraction": "8544491299",
            "value": 100.004,
            "destination": "26  24  3420  6000100",
        },
        {
            "key": "rt",
            "date": date(2026, 3, 30),
            "fraction": "8544491299",
            "value": 50.002,
            "destination": "26  24  3420  6000101",
        },
        {
            "key": "RT",
            "date": date(2026, 3, 30),
            "fraction": "8536690399",
            "value": 10,
            "destination": "26  24  3420  6000101",
        },
        # a fixed asset returned in April under F5, and an RT of April
        {
            "key": "F5",
            "date": date(2026, 4, 2),
            "fraction": "8479899999",
            "value": 300000,
            "fixed_asset": True,
            "destination": "26  24  3420  6000200",
        },
        {"key": "RT", "date": date(2026, 4, 1), "fraction": "8544491299", "value": 1},
    ]
    expected = (
        b"02|F5|2026|04|\r\n"
        b"03|8479899999|300000.00|S|\r\n"
        b"04|262434206000200|\r\n"
        b"02|RT|2026|03|\r\n"
        b"03|8536690399|10.00|N|\r\n"
        b"04|262434206000101|\r\n"
        b"03|8544491299|150.01|N|\r\n"
        b"04|262434206000100|\r\n"
        b"04|262434206000101|\r\n"
        b"02|RT|2026|04|\r\n"
        b"03|8544491299|1.00|N|\r\n"
    )
    assert anexo30.discharge_report(rows) == expected


def test_fields_never_break_a_record():
    out = anexo30.discharge_report(
        [{"key": "R|T\r\n", "date": date(2026, 1, 1), "fraction": "85ñ44", "value": 0}]
    )
    assert out == b"02|RT|2026|01|\r\n03|8544|0.00|N|\r\n"
    assert anexo30.initial_inventory([]) == b""


def test_money_is_half_up():
    assert anexo30.money(0.125) == "0.13"
    assert anexo30.money(2.675) == "2.68"  # the float's decimal text, not its binary value
    assert anexo30.quantity(1.0005) == "1.001"
