"""Small random ledgers with the shapes real ERPs produce (issue 16, item 4),
one per seed, written as a contract-conforming extract folder.

Each ledger draws, from its seed: one to six customers (blank industry,
country or region sometimes; a parent group sometimes); USD and EUR
documents (EUR quoted directly, inversely, or stale); invoices, debit and
credit memos, some on the same day, some due before their date, some dated
on the extract date or due on it, one on a leap day when the range has one;
payments in full, in part or too much (over-applied), the same day as the
invoice or later; receipts reversed, some on their application date; a
write-off followed by a payment (a recovery); an empty month; optional
tables present or absent; and an extract date mid-month (the latest date in
the extract); a survey answered before the first document. Every row is
valid under the contract, so nothing is quarantined and a build must be
green.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HEADERS = {
    "customers": [
        "customer_id", "customer_name", "parent_customer_id", "industry", "country_code",
        "region", "customer_since", "credit_limit", "credit_currency", "payment_terms_days",
        "collector_id", "billing_contact_name", "billing_contact_email", "billing_contact_phone",
    ],
    "ar_documents": [
        "document_id", "document_number", "document_type", "customer_id", "company_code",
        "document_date", "posting_date", "due_date", "currency_code", "amount", "tax_amount",
        "reference_document_id", "po_number", "source_updated_at",
    ],
    "cash_receipts": [
        "receipt_id", "customer_id", "company_code", "receipt_date", "currency_code", "amount",
        "payment_method", "status", "reversal_date",
    ],
    "cash_applications": [
        "application_id", "document_id", "source_type", "source_id", "application_date",
        "applied_amount", "discount_amount",
    ],
    "adjustments": [
        "adjustment_id", "document_id", "adjustment_date", "adjustment_type", "amount",
        "reason_code", "approved_by",
    ],
    "fx_rates": ["rate_date", "from_currency", "to_currency", "rate"],
    "disputes": [
        "dispute_id", "document_id", "customer_id", "dispute_type", "disputed_amount",
        "opened_date", "resolved_date", "resolution",
    ],
    "customer_feedback": ["response_id", "customer_id", "responded_at", "csat_score", "channel"],
}  # fmt: skip

INDUSTRIES = ["Manufacturing", "Wholesale", "Professional Services", "Export", ""]


def money(value: float) -> str:
    return f"{value:.2f}"


class RandomLedger:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.rows: dict[str, list[list[str]]] = {name: [] for name in HEADERS}
        # A few months around a leap day half the time, else a plain year.
        start = self.rng.choice([dt.date(2023, 11, 1), dt.date(2024, 11, 1)])
        self.start = start
        self.months = self.rng.randint(3, 6)
        # A month with no document issued (never the last: the extract date's
        # invoice is there).
        self.empty_month = self.rng.randrange(1, self.months - 1)
        last_month = self._month(self.months - 1)
        self.extract_date = last_month + dt.timedelta(days=self.rng.randint(9, 20))
        self.counter = 0

    def _month(self, index: int) -> dt.date:
        year, month = divmod(self.start.month - 1 + index, 12)
        return dt.date(self.start.year + year, month + 1, 1)

    def _id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def _day(self, month: int) -> dt.date:
        first = self._month(month)
        following = self._month(month + 1)
        last = min(following - dt.timedelta(days=1), self.extract_date)
        return first + dt.timedelta(days=self.rng.randint(0, (last - first).days))

    def _later(self, day: dt.date, most: int) -> dt.date:
        return min(day + dt.timedelta(days=self.rng.randint(0, most)), self.extract_date)

    def customers(self) -> list[str]:
        count = self.rng.choice([1, 2, 3, 4, 6])
        ids = [f"C{i}" for i in range(1, count + 1)]
        for customer in ids:
            parent = ids[0] if customer != ids[0] and self.rng.random() < 0.2 else ""
            self.rows["customers"].append(
                [
                    customer, f"Customer {customer}", parent, self.rng.choice(INDUSTRIES),
                    self.rng.choice(["DE", "US", "FR", ""]), self.rng.choice(["EMEA", "AMER", ""]),
                    "2020-01-01", self.rng.choice(["", "5000", "20000"]), "USD",
                    str(self.rng.choice([15, 30, 45])), "", "", "", "",
                ]
            )  # fmt: skip
        for row in self.rows["customers"]:
            if row[7] == "":
                row[8] = ""
        return ids

    def fx_rates(self) -> None:
        """EUR quotes every few days, direct or inverse; a gap of more than a
        week sometimes (stale: EUR documents then would have no rate, so the
        ledger issues EUR only where a fresh quote exists)."""
        day = self.start - dt.timedelta(days=10)
        self.eur_days: list[dt.date] = []
        while day <= self.extract_date:
            if self.rng.random() < 0.5:
                rate = round(self.rng.uniform(1.05, 1.2), 6)
                self.rows["fx_rates"].append([day.isoformat(), "EUR", "USD", f"{rate}"])
            else:
                rate = round(self.rng.uniform(0.83, 0.95), 6)
                self.rows["fx_rates"].append([day.isoformat(), "USD", "EUR", f"{rate}"])
            self.eur_days.append(day)
            day += dt.timedelta(days=self.rng.choice([1, 3, 5, 12]))

    def _has_eur_rate(self, day: dt.date) -> bool:
        return any(0 <= (day - quote).days <= 7 for quote in self.eur_days)

    def documents(self, customers: list[str]) -> None:
        for customer in customers:
            for month in range(self.months):
                if month == self.empty_month:
                    continue
                for _ in range(self.rng.randint(0, 3)):
                    self._invoice(customer, self._day(month))
        # Shapes that must appear whatever the draw.
        self._invoice(customers[0], self.extract_date, due=self.extract_date)
        leap = dt.date(2024, 2, 29)
        if self._month(0) <= leap <= self.extract_date and self._month(self.empty_month).month != 2:
            self._invoice(customers[-1], leap)

    def _invoice(self, customer: str, day: dt.date, due: dt.date | None = None) -> None:
        currency = "EUR" if self.rng.random() < 0.3 and self._has_eur_rate(day) else "USD"
        kind = self.rng.choices(["INV", "DM"], [9, 1])[0]
        amount = round(self.rng.uniform(50, 5000), 2)
        if due is None:
            shift = self.rng.choice([30, 30, 45, 0, -10])  # -10: due before its date
            due = day + dt.timedelta(days=shift)
        document = self._id("D")
        company = self.rng.choice(["US01", "US01", "DE01"])
        self.rows["ar_documents"].append(
            [
                document, document, kind, customer, company,
                day.isoformat(), day.isoformat(), due.isoformat(), currency, money(amount), "0",
                "", "", f"{day.isoformat()}T00:00:00",
            ]
        )  # fmt: skip
        self._settle(document, customer, company, day, currency, amount)

    def _settle(self, document, customer, company, day, currency, amount) -> None:
        shape = self.rng.choices(
            ["open", "full", "part", "over", "write_off_then_pay", "reversed", "credit"],
            [3, 4, 2, 1, 1, 1, 1],
        )[0]
        if shape == "open":
            return
        paid = {
            "full": amount,
            "part": round(amount * self.rng.uniform(0.2, 0.8), 2),
            "over": round(amount + self.rng.uniform(1, 100), 2),
            "write_off_then_pay": round(amount * self.rng.uniform(0.1, 0.5), 2),
            "reversed": amount,
            "credit": amount,
        }[shape]
        pay_day = self._later(day, 40)
        if currency == "EUR" and not self._has_eur_rate(pay_day):
            return
        if shape == "write_off_then_pay":
            self.rows["adjustments"].append(
                [self._id("J"), document, pay_day.isoformat(), "write_off", money(amount),
                 "insolvency", ""]
            )  # fmt: skip
            pay_day = self._later(pay_day, 30)
            if currency == "EUR" and not self._has_eur_rate(pay_day):
                return
        if shape == "credit":
            memo = self._id("M")
            self.rows["ar_documents"].append(
                [
                    memo, memo, "CM", customer, company, pay_day.isoformat(), pay_day.isoformat(),
                    pay_day.isoformat(), currency, money(-paid), "0", document, "",
                    f"{pay_day.isoformat()}T00:00:00",
                ]
            )  # fmt: skip
            self.rows["cash_applications"].append(
                [
                    self._id("A"),
                    document,
                    "credit_memo",
                    memo,
                    pay_day.isoformat(),
                    money(paid),
                    "0",
                ]
            )
            return
        receipt = self._id("R")
        reversal = ""
        if shape == "reversed":
            # Reversed on its application date, or later.
            reversal = self._later(pay_day, self.rng.choice([0, 10])).isoformat()
        self.rows["cash_receipts"].append(
            [receipt, customer, company, pay_day.isoformat(), currency, money(paid),
             "wire", "reversed" if reversal and self.rng.random() < 0.5 else "cleared", reversal]
        )  # fmt: skip
        self.rows["cash_applications"].append(
            [self._id("A"), document, "receipt", receipt, pay_day.isoformat(), money(paid), "0"]
        )
        if self.rng.random() < 0.3:  # the same day, a second small payment
            extra = self._id("R")
            self.rows["cash_receipts"].append(
                [extra, customer, company, pay_day.isoformat(), currency, "10.00", "ach",
                 "cleared", ""]
            )  # fmt: skip
            self.rows["cash_applications"].append(
                [self._id("A"), document, "receipt", extra, pay_day.isoformat(), "10.00", "0"]
            )

    def optional_tables(self, customers: list[str]) -> list[str]:
        """Disputes and feedback, each present half the time; with feedback,
        one survey answered before the first document (the ledger's first
        quarter and year count it, its month is no KPI month)."""
        present = []
        if self.rng.random() < 0.5:
            present.append("disputes")
            invoices = [r for r in self.rows["ar_documents"] if r[2] == "INV"]
            for row in self.rng.sample(invoices, min(3, len(invoices))):
                opened = dt.date.fromisoformat(row[5])
                resolved = self._later(opened, 20)
                self.rows["disputes"].append(
                    [self._id("P"), row[0], row[3], self.rng.choice(["pricing", "quality"]),
                     row[9], opened.isoformat(), resolved.isoformat(), "rejected"]
                )  # fmt: skip
        if self.rng.random() < 0.5:
            present.append("customer_feedback")
            early = self.start - dt.timedelta(days=self.rng.randint(1, 20))
            self.rows["customer_feedback"].append(
                [self._id("F"), customers[0], f"{early.isoformat()}T09:00:00", "4", "email"]
            )
            for customer in customers:
                day = self._day(self.rng.randrange(self.months))
                self.rows["customer_feedback"].append(
                    [self._id("F"), customer, f"{day.isoformat()}T10:00:00",
                     str(self.rng.randint(1, 5)), "email"]
                )  # fmt: skip
        return present

    def write(self, folder: Path) -> dict:
        customers = self.customers()
        self.fx_rates()
        self.documents(customers)
        present = self.optional_tables(customers)
        folder.mkdir(parents=True, exist_ok=True)
        for name, header in HEADERS.items():
            if name in ("disputes", "customer_feedback") and name not in present:
                continue
            with open(folder / f"{name}.csv", "w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(header)
                writer.writerows(self.rows[name])
        return {
            "customers": len(customers),
            "documents": len(self.rows["ar_documents"]),
            "months": self.months,
            "empty_month": self._month(self.empty_month).isoformat(),
            "extract_date": self.extract_date.isoformat(),
            "optional_tables": present,
        }


def random_ledger(seed: int, folder: Path) -> dict:
    """Writes the ledger of `seed` to `folder`; returns what it drew."""
    return RandomLedger(seed).write(folder)
