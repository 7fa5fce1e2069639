"""One declarative spec per dataset: its columns, their parsers and the rules between them.

A :class:`DatasetSpec` lists, in the order the checks run (and so the order a row's problems
are worded in), the :class:`Field` s of a file -- each with its column name, whether the
column is required, and the name of its parser in ``io.fields.PARSERS`` -- and the
:class:`Rule` s that look at several fields of a row at once (named functions of
``io.rules``). The id column (first) and the ``customer_id`` column of the dependent files
are checked by the drivers themselves with the rules written once in ``io.rules``: an id of
the right form, not seen before in the file (``duplicate_id``), naming an accepted customer.

Two drivers run the same spec: the row driver (``io.rows``), which checks and words every
problem of every row, and the column driver (``io.columns``), which checks a clean chunk of
rows a whole column at a time and hands anything doubtful back to the row driver. Each rule
has a row form (``io.rules.ROW_RULES``) and a column form (``COLUMN_RULES``); a parser
without a column form (``column`` in ``io.fields``) is run value by value by the column
driver. Both are looked up by name, so another column driver (over pyarrow arrays, say) can
bring its own column forms for the same spec.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.model import Adjustment, Conversion, Customer, Deferral, LimitChange, Repayment, Reversal, Txn


@dataclass(frozen=True)
class Field:
    """One column: its name, whether the file must have it, its parser (``io.fields.PARSERS``)."""

    name: str
    parser: str
    required: bool = False


@dataclass(frozen=True)
class Rule:
    """A check over several fields of a row (``io.rules.ROW_RULES``; ``COLUMN_RULES`` for chunks)."""

    name: str


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: its record type, id column, checks in order, and how it is read."""

    name: str
    record: type                 # the engine record built from a row (fields by name, plus ``seq``)
    id_field: Field              # checked first: form, then duplicates (``rules.duplicate_id``)
    checks: tuple                # Field and Rule, in the order they run after the id (and customer)
    of_customers: bool = True    # has a customer_id checked against the accepted customers
    by_columns: bool = False     # clean chunks go through the column driver (the big files)
    split_by_jobs: bool = False  # a worker of ``--jobs`` checks only its customers' rows (``io.share_load``)
    journal: bool = False        # only ever appended whole lines: a missing final newline is a torn write

    @property
    def fields(self) -> tuple:
        head = (self.id_field, CUSTOMER_REF) if self.of_customers else (self.id_field,)
        return head + tuple(c for c in self.checks if isinstance(c, Field))

    @property
    def required(self) -> tuple:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def optional(self) -> tuple:
        return tuple(f.name for f in self.fields if not f.required)


CUSTOMER_REF = Field("customer_id", "customer_id", required=True)   # checked by the drivers (io.rules)

CUSTOMERS = DatasetSpec(
    "customers", Customer, Field("customer_id", "customer_id", required=True),
    (Field("opened_on", "date", required=True), Field("name", "plain_text"), Field("phone", "plain_text"),
     Field("id_number", "plain_text"), Rule("personal_numbers"), Field("statement_day", "statement_day"),
     Field("monthly_income", "optional_money"), Field("credit_limit", "optional_money")),
    of_customers=False, by_columns=True)

TRANSACTIONS = DatasetSpec(
    "transactions", Txn, Field("txn_id", "record_id", required=True),
    (Field("date", "date", required=True), Field("amount", "amount", required=True), Field("type", "txn_type"),
     Field("ref_txn_id", "ref_id"), Rule("refund_or_purchase"), Field("installments", "installments"),
     Field("fee_rate", "fee_rate"), Rule("high_fee_rate"), Field("merchant", "text"), Field("category", "text")),
    by_columns=True, split_by_jobs=True)

REPAYMENTS = DatasetSpec(
    "repayments", Repayment, Field("repayment_id", "record_id", required=True),
    (Field("date", "date", required=True), Rule("repayment_before_opening"), Field("amount", "amount", required=True),
     Field("kind", "repayment_kind"), Field("channel", "text")),
    by_columns=True, split_by_jobs=True, journal=True)

DEFERRALS = DatasetSpec(
    "deferrals", Deferral, Field("deferral_id", "record_id", required=True),
    (Field("statement_date", "date", required=True), Field("date", "date", required=True),
     Rule("deferral_before_opening"), Field("days", "deferral_days", required=True)),
    journal=True)

CONVERSIONS = DatasetSpec(
    "conversions", Conversion, Field("conversion_id", "record_id", required=True),
    (Field("statement_date", "date", required=True), Field("date", "date", required=True),
     Rule("conversion_before_opening"), Field("amount", "amount", required=True),
     Field("terms", "conversion_terms", required=True), Field("fee_rate", "fee_rate"), Rule("high_fee_rate"),
     Rule("conversion_priced")),
    journal=True)

ADJUSTMENTS = DatasetSpec(
    "adjustments", Adjustment, Field("adjustment_id", "record_id", required=True),
    (Field("date", "date", required=True), Rule("adjustment_before_opening"),
     Field("kind", "adjustment_kind", required=True), Field("amount", "optional_money"), Rule("waiver_amount"),
     Field("reason", "text")),
    journal=True)

REVERSALS = DatasetSpec(        # the target (and so the customer) is checked across journals: rules.check_reversals
    "reversals", Reversal, Field("reversal_id", "record_id", required=True),
    (Field("target_id", "record_id", required=True), Field("date", "date", required=True), Field("reason", "text")),
    of_customers=False, journal=True)

LIMITS = DatasetSpec(
    "limits", LimitChange, Field("change_id", "record_id", required=True),
    (Field("date", "date", required=True), Rule("limit_before_opening"),
     Field("credit_limit", "optional_money", required=True), Rule("limit_given"), Field("action", "limit_action"),
     Field("reason", "text")),
    journal=True)

SPECS = {s.name: s for s in (CUSTOMERS, TRANSACTIONS, REPAYMENTS, DEFERRALS, CONVERSIONS, ADJUSTMENTS, REVERSALS,
                             LIMITS)}
