"""Spec v2 on a ledger with the shapes real ERPs produce (fixture v2_ledger:
the worked example plus the rows listed in conftest.V2_LEDGER_ROWS). Every
expected figure is computed by hand below, from the extract rows; each test
names the defect of issue 16 it pins (each failed before its fix).

Balances at 2026-03-31 (extract date), reporting currency USD:
  INV1 1000 - 800 (R1) - 200 (J1 write-off 03-31)              =    0
  INV2  500 EUR at 1.1 (quote 01-16)                            =  550   10 days past due
  INV3 1000 - 100 (CM1) - 60 (A5, 03-05) + 60 (R5 reversed 03-20;
       A6 dated 03-25, after the reversal, never counts)        =  900   24 days
  INV4  500 - 200 (A7 dated 02-05, effective on INV4's 02-10)   =  300   59 days (due 01-31)
  INV5  300 - 350 (A3)                                          =  -50   49 days (due 02-10)
  INV6  400 - 400 (J2 write-off 02-20) - 150 (A4, 03-18)
       = raw -150, written off 400: recovered 150               =    0
  INV7  100 - 130 (A8)                                          =  -30   26 days
  INV8  100 - 100 (A9, 01-20)                                   =    0
  AR = 1670: 1-30 = 550 + 900 - 30 = 1420, 31-60 = 300 - 50 = 250;
  credit balances -80. At 2026-02-28: INV1 200, INV2 550, INV3 900, INV4
  300: AR 1950, current 1450.
March: credit sales 400 (INV5, INV7); write-offs 200 (J1); recoveries 150
(INV6): net write-offs 50.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

pytestmark = pytest.mark.integration


def rows(build, sql: str) -> list[tuple]:
    """Exact values (DECIMAL as Decimal), unlike Build.query's DataFrame."""
    with duckdb.connect(str(build.database), read_only=True) as con:
        return con.sql(sql).fetchall()


def one(build, sql: str):
    (row,) = rows(build, sql)
    return row[0] if len(row) == 1 else row


def kpi(build, column: str, segment=("ledger", "all"), month="2026-03-01"):
    return one(
        build,
        f"select {column} from marts.rpt_kpis_monthly where period_start_date = date "
        f"'{month}' and segment_type = '{segment[0]}' and segment_value = '{segment[1]}'",
    )


@pytest.fixture(scope="module")
def built(v2_ledger):
    build, rebuild = v2_ledger
    assert build.returncode == 0, build.output[-3000:]
    assert rebuild.returncode == 0, rebuild.output[-3000:]
    return build


def test_money_is_exact_decimal_in_the_marts(built):
    types = dict(
        rows(
            built,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'rpt_kpis_monthly'",
        )
    )
    for column in ("ar_begin", "ar_end", "credit_sales", "write_offs", "recoveries"):
        assert types[column] == "DECIMAL(38,6)", column
    assert types["dso_days"] == "DOUBLE"
    # Exact, not approximately: the March AR, its buckets and credit balances.
    assert kpi(built, "ar_end, bucket_2_ar_end, bucket_3_ar_end, credit_balances_end") == (
        Decimal("1670"),
        Decimal("1420"),
        Decimal("250"),
        Decimal("-80"),
    )


def test_march_roll_forward_with_a_reversal_by_date_and_a_recovery(built):
    # Defect: a cleared receipt with a reversal_date (R5) was not reversed in
    # AR (INV3 would be 800: A5 and A6 both counting; AR 1570).
    assert one(
        built,
        "select open_amount_reporting from marts.fct_ar_documents where document_id = 'INV3'",
    ) == Decimal("900")
    march = one(
        built,
        "select ar_begin_reporting, credit_sales_reporting, cash_applied_reporting, "
        "write_offs_reporting, reversals_reporting, recoveries_reporting, ar_end_reporting "
        "from marts.rpt_ar_rollforward_monthly "
        "where company_code = 'US01' and period_start_date = date '2026-03-01'",
    )
    # 1950 + 400 - (60 + 130 + 350 + 150) - 200 + 60 + 150 = 1670
    assert march == tuple(Decimal(v) for v in ("1950", "400", "690", "200", "60", "150", "1670"))


def test_recoveries_and_the_net_bad_debt_ratio(built):
    assert kpi(built, "write_offs, recoveries, net_write_offs, net_credit_sales") == (
        Decimal("200"),
        Decimal("150"),
        Decimal("50"),
        Decimal("400"),
    )
    assert kpi(built, "bad_debt_ratio_pct") == pytest.approx(12.5)  # 50 / 400
    # February: write-off 400 (J2), no recovery, net credit sales 1500 - 100.
    assert kpi(built, "bad_debt_ratio_pct", month="2026-02-01") == pytest.approx(400 / 1400 * 100)
    quarter = one(
        built,
        "select net_write_offs, net_credit_sales, bad_debt_ratio_pct from marts.rpt_kpis_quarterly "
        "where segment_type = 'ledger' and period_start_date = date '2026-01-01'",
    )
    # Q1: write-offs 600, recoveries 150; net credit sales 2050 + 1400 + 400.
    assert quarter[:2] == (Decimal("450"), Decimal("3850"))
    assert quarter[2] == pytest.approx(450 / 3850 * 100)
    assert one(
        built,
        "select open_amount_reporting, is_open from marts.fct_ar_documents "
        "where document_id = 'INV6'",
    ) == (Decimal("0"), False)


def test_cei_and_dso_from_exact_sums(built):
    assert kpi(built, "cei_pct") == pytest.approx(680 / 2350 * 100)  # (1950+400-1670)/(1950+400-0)
    assert kpi(built, "dso_days") == pytest.approx(1670 / 400 * 31)


def test_settlement_mix_nets_reversals_and_recoveries(built):
    # March (D76): cash 350 (A3, over-applying INV5) + 150 (A4, after INV6's
    # write-off) + 60 (A5) + 130 (A8) - 60 (R5's reversal of A5) = 630; net
    # write-offs 200 (J1) - 150 (INV6's recovery) = 50: 680 = 1950 + 400 - 1670.
    mix = "settled_cash, settled_credit_memos, settled_discounts, net_write_offs, settled_other"
    assert kpi(built, mix) == tuple(Decimal(v) for v in ("630", "0", "0", "50", "0"))
    # Cash-only CEI: 630 / (1950 + 400 - 0).
    assert kpi(built, "cash_only_cei_pct") == pytest.approx(630 / 2350 * 100)
    # February: R1 800 (INV1) + A7 200 (INV4); CM1 100; J2 400 written off.
    assert kpi(built, mix, month="2026-02-01") == tuple(
        Decimal(v) for v in ("1000", "100", "0", "400", "0")
    )


def test_days_beyond_terms_over_documents_paid_with_cash(built):
    # D77. January: INV8 paid 100 (A9) on 01-20, due 02-14: -25 days, within
    # terms, 5 days to pay. February: nothing paid (INV1 ended in a
    # write-off). March: INV5 350 on 03-12 (due 02-10, issued 03-02: +30, 10
    # days to pay) and INV7 130 on 03-03 (due 03-05, issued 03-03: -2, 0).
    columns = (
        "paid_document_count, paid_applied_amount, days_beyond_terms_days, "
        "within_terms_share_pct, days_to_pay_days"
    )
    january = kpi(built, columns, month="2026-01-01")
    assert january[:2] == (1, Decimal("100"))
    assert january[2:] == (pytest.approx(-25), pytest.approx(100), pytest.approx(5))
    assert kpi(built, columns, month="2026-02-01") == (0, Decimal("0"), None, None, None)
    march = kpi(built, columns)
    assert march[:2] == (2, Decimal("480"))
    assert march[2:] == (
        pytest.approx((350 * 30 - 130 * 2) / 480),  # 21.33
        pytest.approx(130 / 480 * 100),  # 27.08
        pytest.approx(350 * 10 / 480),  # 7.29
    )
    quarter = one(
        built,
        f"select {columns} from marts.rpt_kpis_quarterly "
        "where segment_type = 'ledger' and period_start_date = date '2026-01-01'",
    )
    assert quarter[:2] == (3, Decimal("580"))
    assert quarter[2:] == (
        pytest.approx(7740 / 580),  # 13.34
        pytest.approx(230 / 580 * 100),  # 39.66
        pytest.approx(4000 / 580),  # 6.90
    )


def test_suspicious_rows_are_staged_flagged_and_counted(built):
    # Defect: a due date before the document date was quarantined.
    assert one(built, "select count(*) from quarantine.quarantined_rows") == 0
    flagged = dict(
        ((table, flag), (count, key))
        for table, flag, count, key in rows(
            built,
            "select table_name, flag, flagged_rows, example_record_key from marts.rpt_row_flags",
        )
    )
    assert flagged[("ar_documents", "due_before_document_date")] == (2, "INV4")
    assert flagged[("ar_documents", "over_applied")] == (2, "INV5")
    assert flagged[("ar_documents", "lines_do_not_add_up")] == (0, None)
    assert flagged[("cash_applications", "dated_before_document")] == (1, "A7")
    assert flagged[("cash_receipts", "without_customer")] == (0, None)
    # INV4 is aged by its due date: 59 days past due at the extract date.
    assert one(
        built,
        "select days_past_due, aging_bucket from marts.fct_ar_aging_snapshots "
        "where document_id = 'INV4' and as_of_date = date '2026-03-31'",
    ) == (59, "31-60")


def test_blank_industry_and_country_are_segments_of_their_own(built):
    # Defect: C2 (blank industry and country) fell out of both segment types.
    for segment_type in ("industry", "country"):
        assert kpi(built, "ar_end, credit_sales", (segment_type, "(none)")) == (
            Decimal("250"),
            Decimal("300"),
        )


def test_active_accounts_counted_over_every_customer(built):
    # Defect: C4 (idle in March, active through INV8 of January) was missed.
    assert kpi(built, "active_account_count") == 4
    assert kpi(built, "active_account_count", ("industry", "Retail")) == 2
    # v2: company segments count customers active in that company; DE01 has
    # only R9's unapplied cash.
    assert kpi(built, "active_account_count", ("company", "US01")) == 4
    assert kpi(built, "active_account_count", ("company", "DE01")) == 0


def test_concentration_on_positive_group_balances(built):
    # C1 1450, C2 250, C3 -30 (left out): positive total 1700.
    share, hhi, groups = kpi(built, "largest_customer_share_pct, hhi, customer_group_count")
    assert share == pytest.approx(1450 / 1700 * 100)
    assert hhi == pytest.approx((1450**2 + 250**2) / 1700**2 * 10000)
    assert groups == 2


def test_cash_application_lag_counts_only_counted_applications(built):
    # March receipt applications: A5 0, A8 0, A3 2, A4 3 days; A6 (20 days,
    # dated after R5's reversal) never counted: median 1, not 2.
    assert kpi(built, "receipt_application_count, cash_application_lag_median_days") == (4, 1.0)


def test_over_applied_documents_trigger_nothing(built):
    first_calls = rows(
        built,
        "select customer_id, strftime(trigger_date, '%Y-%m-%d') from "
        "marts.fct_first_call_actions order by 1, 2",
    )
    # INV4 and INV5, issued already past due + 5, trigger on their document
    # dates; INV7 (C3) is over-applied on its trigger day 03-10: no call.
    assert first_calls == [
        ("C1", "2026-02-09"),
        ("C1", "2026-02-14"),
        ("C1", "2026-03-12"),
        ("C1", "2026-03-26"),
        ("C2", "2026-02-10"),
        ("C2", "2026-03-02"),
    ]
    holds = rows(
        built,
        "select document_id, strftime(hold_start_date, '%Y-%m-%d'), "
        "strftime(hold_end_date, '%Y-%m-%d') from intermediate.int_credit_hold_intervals "
        "order by 1",
    )
    # INV5 is 45 days past due from 03-27 but over-applied: no hold.
    assert holds == [("INV1", "2026-03-26", "2026-03-31"), ("INV4", "2026-03-17", "2026-04-01")]
    statements = rows(
        built,
        "select customer_id from marts.fct_statement_actions "
        "where month_end_date = date '2026-03-31' order by 1",
    )
    assert statements == [("C1",), ("C2",)]  # C3 holds only the over-applied INV7


def test_over_applied_documents_carry_no_allowance(built):
    buckets = dict(
        rows(
            built,
            "select aging_bucket, ar_in_bucket from marts.rpt_allowance_by_bucket "
            "where period_grain = 'month' and period_start_date = date '2026-03-01' "
            "and segment_type = 'ledger'",
        )
    )
    # Positive balances only: 1-30 = 550 + 900 (not INV7's -30), 31-60 = 300.
    assert buckets["1-30"] == Decimal("1450")
    assert buckets["31-60"] == Decimal("300")


def test_a_cross_currency_promise_keeps_its_receipt(built):
    # P1: 80 EUR promised for 03-10; R9 (110 USD, 03-09) is 88 EUR at the
    # 03-06 quote 1.25. Defect: no EUR rate at 03-09 was resolved (no EUR
    # document or receipt that day), so P1 counted as broken.
    assert one(
        built,
        "select promise_status, received_amount from marts.fct_promises_to_pay "
        "where promise_id = 'P1'",
    ) == ("kept", Decimal("80"))


def test_ledger_forecast_accuracy_compares_like_with_like(built):
    # Treasury forecast US01 only (500); US01 cash in March: 350 + 150 + 100
    # + 130 - 100 (R5 reversed) = 630. Defect: compared with 740 (with DE01).
    actual, accuracy = one(
        built,
        "select actual_cash_received_reporting, forecast_accuracy "
        "from marts.rpt_cash_forecast_accuracy where forecast_source = 'treasury' "
        "and segment_type = 'ledger' and period_start_date = date '2026-03-01'",
    )
    assert actual == Decimal("630")
    assert accuracy == pytest.approx(1 - 130 / 630)


def test_the_same_extract_gives_identical_marts(v2_ledger):
    build, rebuild = v2_ledger
    tables = [
        name
        for (name,) in rows(
            build,
            "select table_name from information_schema.tables where table_schema = 'marts' "
            # rpt_build_info names the run: it differs by design.
            "and table_type = 'BASE TABLE' and table_name <> 'rpt_build_info' order by 1",
        )
    ]
    assert len(tables) > 20
    for table in tables:
        sql = f"select * from marts.{table} order by all"
        assert rows(build, sql) == rows(rebuild, sql), table


def test_over_applied_documents_count_zero_in_the_risk_exposure(built):
    exposure = dict(
        rows(
            built,
            "select customer_id, ar_reporting from marts.fct_customer_risk_scores "
            "where month_end_date = date '2026-03-31' and customer_id in ('C2', 'C3')",
        )
    )
    # C2: INV4 300 (INV5's -50 does not offset it); C3: only INV7's -30.
    assert exposure == {"C2": Decimal("300"), "C3": Decimal("0")}


def test_nothing_dated_after_the_extract_date_exists(v2_ledger_mid_march):
    """Defect: events dated after the extract date reached disputes, calls,
    feedback and promises. With extract_date 2026-03-15: J1 (03-31), A4
    (03-18), A6 (03-25) do not exist yet; R5's reversal (03-20) and DP1's
    resolution (03-25) are not known yet. AR at 03-15: INV1 200 + INV2 550 +
    INV3 840 (1000 - 100 - 60) + INV4 300 + INV5 -50 + INV7 -30 = 1810."""
    build = v2_ledger_mid_march
    assert build.returncode == 0, build.output[-3000:]
    assert one(
        build, "select extract_date, extract_date_source from intermediate.util_extract_date"
    ) == (
        dt.date(2026, 3, 15),
        "var extract_date",
    )
    assert kpi(build, "ar_end, write_offs, recoveries, days_in_period") == (
        Decimal("1810"),
        Decimal("0"),
        Decimal("0"),
        15,
    )
    assert one(
        build,
        "select open_amount_reporting, has_open_dispute from marts.fct_ar_documents "
        "where document_id = 'INV3'",
    ) == (Decimal("840"), True)
    assert one(
        build,
        "select is_reversed, reversal_date from marts.fct_cash_receipts where receipt_id = 'R5'",
    ) == (False, None)
    assert (
        rows(
            build,
            "select application_id from marts.fct_cash_applications "
            "where application_id in ('A4', 'A6') order by 1",
        )
        == []
    )
    # INV7 reached its customer on 03-16: at 03-15 it is issued but not yet
    # delivered (its channel is known). March's delivery KPIs count INV5
    # alone: 1 day to send, by email.
    assert rows(
        build,
        "select document_id, sent_date, delivery_channel from marts.fct_ar_documents "
        "where document_id in ('INV5', 'INV7') order by 1",
    ) == [("INV5", dt.date(2026, 3, 3), "email"), ("INV7", None, "paper")]
    assert kpi(
        build,
        "delivered_document_count, invoice_delivery_median_days, "
        "electronic_delivery_share_count_pct",
    ) == (1, 1.0, 100.0)
