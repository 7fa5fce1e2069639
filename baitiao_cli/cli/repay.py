"""``baitiao repay``: post a repayment or an early settlement to the journal and show its
allocation (SPEC 4.5, 5, 6; docs/posting.md).

Everything from reading the data to appending happens under ``journal_lock(data_dir)``:
torn-journal check, load and validate the data directory, idempotency check on
``--ref``, the allocation by ``engine.ledger.post_repayment`` (the same path for
``--dry-run`` and a real run), the settle check, then one fsynced append.

Exit status: 0 recorded, duplicate (the same ref with the same content: nothing written)
or dry run; 1 invalid data, unknown customer, a date before the account opened or after
``--as-of``, the same ref with different content, a settle short of the payoff (a dry run
still prints the payoff quote on stdout), a torn or unappendable journal; 2 a malformed
option value or a missing option.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Optional

import typer

from ..engine.account import CREDIT, Account, AllocationLine
from ..engine.money import fen_str, money_str
from ..errors import RefusedError
from ..render import Table, emit, warn
from . import posting
from .common import (
    customer_option,
    AsOfOpt,
    ConfigOpt,
    DataDirOpt,
    EncodingOpt,
    Format,
    FormatOpt,
    date_option,
    money_option,
    setup,
    today_in,
)

CSV_HEADERS = ("repayment_id", "status", "txn_id", "period", "component", "amount")
COMPONENT_TEXT = {"late_fee": "late fee", "fee": "fee", "principal": "principal", "credit": "credit balance"}


# --- reporting ----------------------------------------------------------------------------------

def _remaining(acct: Account) -> dict[str, Any]:
    od = acct.overdue
    return {
        "total_owed": fen_str(od.total_owed_fen),
        "total_due": fen_str(acct.total_due_fen),
        "billed_unpaid": fen_str(acct.billed_outstanding_fen),
        "late_fee_owed": fen_str(acct.late_fees.owed_fen),
        "unbilled_principal": fen_str(acct.unbilled_principal_fen),
        "unbilled_fee": fen_str(acct.unbilled_fee_fen),
        "overdue_amount": fen_str(od.overdue_amount_fen),
        "dpd": od.dpd,
    }


def build_report(status: str, request: dict[str, str], lines: tuple[AllocationLine, ...], acct: Account,
                 *, applied_as: Optional[str], payoff_fen: Optional[int], policy: str, journal: str,
                 back_dated: bool, refusal: Optional[str] = None) -> dict[str, Any]:
    """The SPEC 5 repay object (contract keys first), then the extras."""
    obj: dict[str, Any] = {
        "repayment_id": request["repayment_id"],
        "status": status,
        "allocations": [{"txn_id": ln.txn_id, "period": ln.period, "component": ln.component,
                         "amount": fen_str(ln.amount_fen)} for ln in lines],
        "credit_balance": fen_str(acct.credit_balance_fen),
        "customer_id": request["customer_id"],
        "date": request["date"],
        "amount": request["amount"],
        "kind": request["kind"],
        "channel": request["channel"],
        "applied_as": applied_as,
        "to_credit": fen_str(sum(ln.amount_fen for ln in lines if ln.component == CREDIT)),
        "as_of": acct.as_of.isoformat(),
        "remaining": _remaining(acct),
        "back_dated": back_dated,
        "journal": journal,
    }
    if request["kind"] == "settle":
        obj["payoff"] = fen_str(payoff_fen) if payoff_fen is not None else None
        obj["early_settlement_fees"] = policy
    if refusal is not None:
        obj["refused"] = refusal
    return obj


def _tables(obj: dict[str, Any], name: str) -> list[Table]:
    settle = obj["kind"] == "settle"
    head = (f"{posting.STATUS_TEXT[obj['status']]} · repayment {obj['repayment_id']} · customer {obj['customer_id']}"
            + (f" {name}" if name else ""))
    what = (f"{obj['date']} · {obj['amount']}" + (" · early settlement (提前结清)" if settle else "")
            + (f" · channel {obj['channel']}" if obj["channel"] else ""))
    lead = [head, what]
    if settle and obj.get("payoff") is not None:
        lead.append(f"Payoff on {obj['date']} (installments.early_settlement_fees = "
                    f"{obj['early_settlement_fees']}): {obj['payoff']}")
    if obj.get("refused"):
        lead.append(f"REFUSED: {obj['refused']}")
    rows = [[a["txn_id"] or "", "" if a["period"] is None else a["period"],
             COMPONENT_TEXT.get(a["component"], a["component"]), a["amount"]] for a in obj["allocations"]]
    r = obj["remaining"]
    footer = (f"Credit balance {obj['credit_balance']} · still owed {r['total_owed']} as of {obj['as_of']} "
              f"(billed unpaid {r['billed_unpaid']}, late fee {r['late_fee_owed']}, "
              f"not yet billed principal {r['unbilled_principal']})")
    if r["dpd"]:
        footer += f" · overdue {r['overdue_amount']}, {r['dpd']} days past due"
    return [Table(headers=("txn", "period", "component", "amount"), rows=rows, title="Allocation",
                  align_right=frozenset({"period", "amount"}), footer=footer, lead=tuple(lead))]


def _csv_table(obj: dict[str, Any]) -> Table:
    return Table(headers=CSV_HEADERS,
                 rows=[[obj["repayment_id"], obj["status"], a["txn_id"] or "",
                        "" if a["period"] is None else a["period"], a["component"], a["amount"]]
                       for a in obj["allocations"]])


# --- the command ---------------------------------------------------------------------------------

def command(
    customer: Annotated[str, typer.Option("--customer", metavar="ID", help="Customer id.", show_default=False)],
    amount: Annotated[str, typer.Option(
        "--amount", metavar="AMOUNT", help="Amount received, e.g. 106.00 (> 0, at most 2 decimals).", show_default=False)],
    value_date: Annotated[str, typer.Option(
        "--date", metavar="YYYY-MM-DD", help="Value date of the payment YYYY-MM-DD (not after --as-of).", show_default=False)],
    ref: Annotated[str, typer.Option(
        "--ref", metavar="REF", help="Repayment id, the idempotency key: 1-64 letters, digits, '_' or '-'. Re-sending the "
                      "same ref with the same content is answered 'duplicate' and writes nothing.",
        show_default=False)],
    settle: Annotated[bool, typer.Option(
        "--settle", help="Early settlement (提前结清): pays everything; refused if the amount is short of "
                         "the payoff. With --dry-run: quote the payoff.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Compute and show the allocation exactly as a real run would; write nothing.")] = False,
    channel: Annotated[Optional[str], typer.Option(
        "--channel", metavar="TEXT", help="Free text: where the money came from (app, bank, 支付宝 ...).",
        show_default=False)] = None,
    as_of: AsOfOpt = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
) -> None:
    """Post a repayment (or an early settlement) to the journal and show its allocation.

    Allocation (SPEC 4.5): late fee accrued to the date, posted late fees, then billed items
    oldest due first, fee before principal; the rest becomes credit balance.
    Exit status: 0 recorded, duplicate or dry run; 1 refused or invalid data; 2 usage error.
    """
    from ..engine.ledger import (
        STATEMENTS_NONE,
        post_repayment,
        replay,
    )
    from ..engine.model import NORMAL, SETTLE, Repayment
    from ..io.journal import journal_lock

    # malformed option values first (exit 2), then the config (exit 1)
    amt = money_option(amount, "--amount")
    when = date_option(value_date, "--date")
    rid = posting.ref_option(ref)
    cid = customer_option(customer)
    ch = posting.channel_option(channel)
    given_as_of = date_option(as_of, "--as-of")
    lc = setup(config, data_dir)
    cfg = lc.config
    today: date = given_as_of or today_in(cfg.billing.timezone)
    assert when is not None
    if when > today:
        raise RefusedError(f"--date {when.isoformat()} is after the business date {today.isoformat()} "
                           "(--as-of, default today in billing.timezone): a payment cannot be posted "
                           "before its value date")
    kind = SETTLE if settle else NORMAL
    policy = cfg.installments.early_settlement_fees
    request = {"repayment_id": rid, "customer_id": cid, "date": when.isoformat(), "amount": money_str(amt),
               "kind": kind, "channel": ch}
    ddir = posting.require_data_dir(lc.data_dir)
    refusal_after_output: Optional[str] = None

    with journal_lock(ddir):
        posting.refuse_torn_journals(ddir)
        result = posting.load(lc, encoding)
        ds = result.dataset
        path = posting.journal_path(ddir, "repayments", result)
        old = next((r for r in ds.repayments if r.repayment_id == rid), None)
        recorded = None if old is None else {
            "customer_id": old.customer_id, "date": old.date.isoformat(),
            "amount": money_str(old.amount), "kind": old.kind, "channel": old.channel}
        posting.check_ref("repayment_id", rid, path, recorded, request)
        cust, txns, reps, defs = posting.account_inputs(result, cid, when)

        if old is not None:                      # an idempotent retry: answer with the original
            acct = replay(cust, txns, reps, defs, cfg, today, statements=STATEMENTS_NONE)
            alloc = acct.allocation(rid)
            obj = build_report("duplicate", request, alloc.lines if alloc else (), acct,
                               applied_as=alloc.applied_as if alloc else None,
                               payoff_fen=alloc.payoff_fen if alloc else None, policy=policy,
                               journal=str(path), back_dated=False)
        else:
            later = [r for r in reps if r.date > when] + [d for d in defs if d.date > when]
            back = posting.warn_back_dated("repayment", when, later)
            new = Repayment(rid, cid, when, amt, kind, ch)
            post = post_repayment(cust, txns, reps, defs, cfg, new, today)
            alloc = post.allocation
            assert alloc is not None
            status = "dry_run" if dry_run else "recorded"
            if post.refusal is not None:         # a settle short of the payoff
                why = (f"{post.refusal} (installments.early_settlement_fees = {policy}); an early "
                       "settlement must cover the payoff: nothing written")
                if not dry_run:
                    raise RefusedError(why)
                # the operator's quote: the payoff on stdout, the refusal on stderr, exit 1
                base = replay(cust, txns, reps, defs, cfg, today, statements=STATEMENTS_NONE)
                obj = build_report(status, request, (), base, applied_as=None, payoff_fen=alloc.payoff_fen,
                                   policy=policy, journal=str(path), back_dated=back, refusal=post.refusal)
                refusal_after_output = why
            else:
                record = posting.fit_record(path, request, {"kind": NORMAL})
                posting.check_appendable(path, record, posting.REPAYMENT_COLUMNS)
                if back:
                    base = replay(cust, txns, reps, defs, cfg, today, statements=STATEMENTS_NONE)
                    for w in post.account.warnings:
                        if w not in base.warnings and w.record_id != rid:
                            warn(f"after this repayment: {w}")
                if all(ln.component == CREDIT for ln in alloc.lines):
                    warn(f"nothing was owed on {when.isoformat()}: the whole amount becomes credit balance")
                if not dry_run:
                    posting.append(path, record, posting.REPAYMENT_COLUMNS)
                obj = build_report(status, request, alloc.lines, post.account, applied_as=alloc.applied_as,
                                   payoff_fen=alloc.payoff_fen, policy=policy, journal=str(path),
                                   back_dated=back)

    emit(fmt.value, json_obj=obj, tables=_tables(obj, cust.name), csv_table=_csv_table(obj))
    if refusal_after_output is not None:
        raise RefusedError(refusal_after_output)
