"""Markdown tables from bench/results/*.json, for docs/benchmarks.md.

python bench/render_results.py
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    builds = sorted(
        (json.loads(p.read_text()) for p in RESULTS.glob("build_[0-9]*.json")),
        key=lambda r: r["invoices"],
    )
    print(
        "| invoices | rows, all tables | generate | full `dbt build` | ledger core | KPI marts "
        "(share of core) | operations marts (share of core) | audit trail | peak memory | database "
        "| data tests | raw-scan floor |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in builds:
        steps = r.get("step_seconds", {})
        # Older results timed each layer as its own step.
        layers = r.get("layer_seconds", steps)
        shares = r.get("share_of_ledger_core", {})

        def step(name, layers=layers, shares=shares):
            if name not in layers:
                return "-"
            return f"{layers[name]} s ({shares[name] * 100:.0f} %)"

        print(
            f"| {r['invoices'] / 1e6:.2f} M | {r['rows_all_tables'] / 1e6:.1f} M | "
            f"{r['seconds']} s | "
            f"{r['build_seconds']} s | {steps.get('ledger core', '-')} s | "
            f"{step('kpis')} | {step('operations')} | "
            f"{steps.get('audit trail', '-')}{' s' if 'audit trail' in steps else ''} | "
            f"{r['build_peak_rss_gb']} GB | {r['database_mb'] / 1024:.1f} GB | "
            f"{r.get('data_tests_seconds', '')} s | {r['raw_scan_floor_seconds']} s |"
        )
    incremental = [r for r in builds if "incremental" in r or "incremental_days" in r]
    if incremental:
        print(
            "\nIncremental build of the ledger core after one more day of events "
            "(receivables-next-day), on the database of the full build:\n"
        )
        print(
            "| invoices | full ledger core | incremental | command | share | raw rows removed / "
            "added | restated documents | models / data tests (summed) | peak memory |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for r in incremental:
            # Later measurements (incremental_days) supersede the build's own.
            for inc in r.get("incremental_days") or [r["incremental"]]:
                changed = inc["raw_rows_changed"]
                print(
                    f"| {r['invoices'] / 1e6:.2f} M | {r['step_seconds']['ledger core']} s | "
                    f"{inc['seconds']} s | `{inc.get('command', 'dbt build')}` | "
                    f"{inc['share_of_ledger_core'] * 100:.1f} % | "
                    f"{changed.get('removed', 0):,} / {changed.get('added', 0):,} | "
                    f"{inc['restated_keys'].get('document', 0):,} | "
                    f"{inc['models_seconds']} s / {inc['tests_seconds']} s | "
                    f"{inc['peak_rss_gb']} GB |"
                )
    compared = sorted(
        (json.loads(p.read_text()) for p in RESULTS.glob("compare_*.json")),
        key=lambda r: r["invoices"],
    )
    if compared:
        print("\nThe project beside a pandas computation and the DuckDB floor, same extract:\n")
        print(
            "| invoices | load + ledger core | + KPI and operations marts | full build "
            "| pandas (a) | DuckDB floor (b) | core + KPIs / pandas | core / floor "
            "| peak memory |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for r in compared:
            project, baselines, ratios = r["project_seconds"], r["baselines"], r["ratios"]
            print(
                f"| {r['invoices'] / 1e6:.2f} M | {project['load and ledger core']} s | "
                f"{project['plus KPI and operations marts']} s | {project['full build']} s | "
                f"{baselines['pandas']['wall_seconds']} s | "
                f"{baselines['duckdb']['wall_seconds']} s | "
                f"{ratios['ledger core and KPI marts / pandas']} | "
                f"{ratios['ledger core / DuckDB floor']} | {r['project_peak_rss_gb']} GB |"
            )
        timed = [r for r in compared if "incremental_day" in r]
        if timed:
            print(
                "\nWhere the full build's time goes (dbt's execution time summed by"
                " kind; two threads share two cores) and the next day's incremental"
                " build (load, every model and test):\n"
            )
            print(
                "| invoices | models | data tests | unit tests | hooks | nodes "
                "| slowest models | next day | next day / full build |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            for r in timed:
                kinds = r["full_build_time_goes_to"]["seconds_by_kind"]
                slowest = ", ".join(
                    f"{name} {seconds} s"
                    for name, seconds in r["full_build_time_goes_to"]["slowest_models"][:3]
                )
                day = r["incremental_day"]
                next_day = (
                    f"{day['seconds']} s | {day['share_of_full_build']}"
                    if "seconds" in day
                    else "failed | -"
                )
                print(
                    f"| {r['invoices'] / 1e6:.2f} M | {kinds.get('model', 0)} s | "
                    f"{kinds.get('test', 0)} s | {kinds.get('unit_test', 0)} s | "
                    f"{kinds.get('operation', 0)} s | {r['full_build_time_goes_to']['nodes']} | "
                    f"{slowest} | {next_day} |"
                )
    postgres = sorted(
        (json.loads(p.read_text()) for p in RESULTS.glob("postgres_*.json")),
        key=lambda r: r["invoices"],
    )
    if postgres:
        print("\nPostgres 15 (throwaway cluster, same machine), full project:\n")
        print(
            "| invoices | raw load | full `dbt build` | data tests (summed) | database "
            "| next day (load + build, restates all) | slowest models |"
        )
        print("|---|---|---|---|---|---|---|")
        for r in postgres:
            slowest = ", ".join(f"{m['model']} {m['seconds']} s" for m in r["models"][:3])
            print(
                f"| {r['invoices'] / 1e6:.2f} M | {r['load_seconds']} s | {r['build_seconds']} s | "
                f"{r['data_tests_seconds']} s | {r['database_mb'] / 1024:.2f} GB | "
                f"{r['next_day_seconds']} s | {slowest} |"
            )
    spark = sorted(
        (json.loads(p.read_text()) for p in RESULTS.glob("spark_*.json")),
        key=lambda r: r["invoices"],
    )
    if spark:
        print("\nSpark (local session inside dbt, threads 1, same machine), full project:\n")
        print(
            "| invoices | full `dbt build` (with raw load) | data tests (summed) "
            "| peak memory (JVM / dbt) | warehouse (Parquet) | next day (restates all) "
            "| slowest models |"
        )
        print("|---|---|---|---|---|---|---|")
        for r in spark:
            slowest = ", ".join(f"{m['model']} {m['seconds']} s" for m in r["models"][:3])
            memory = (
                f"{r['jvm_peak_rss_gb']} GB / {r['dbt_peak_rss_gb']} GB"
                if "jvm_peak_rss_gb" in r
                else "not measured"
            )
            print(
                f"| {r['invoices'] / 1e6:.2f} M | {r['build_seconds']} s | "
                f"{r['data_tests_seconds']} s | {memory} | {r['database_mb'] / 1024:.2f} GB | "
                f"{r['next_day_seconds']} s | {slowest} |"
            )
    if builds and "models" in builds[-1]:
        largest = builds[-1]
        print(
            f"\nPer model at {largest['invoices'] / 1e6:.2f} M invoices (seconds, rows), "
            "slowest first:\n"
        )
        print("| model | step | seconds | rows |")
        print("|---|---|---|---|")
        for m in largest["models"]:
            rows = f"{m['rows']:,}" if m["rows"] is not None else "(view)"
            print(f"| {m['model']} | {m.get('step', '')} | {m['seconds']} | {rows} |")


if __name__ == "__main__":
    main()
