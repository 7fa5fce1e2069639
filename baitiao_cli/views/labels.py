"""The one label table: every word a statement, a notice or the collectors' worklist shows, in
English and Chinese (``--lang en|zh``, ``[display] lang``; docs/printing.md).

``label(lang)`` gives a function from a key to its text; a key with ``{}`` fields is a template
(``tr("total_due_by").format(...)``). JSON keys and values never go through this table: only
what people read does. The English texts are the words the outputs used before ``--lang``, so
``--lang en`` output is unchanged. Pure data: no imports beyond the standard library.
"""

from __future__ import annotations

from typing import Callable, Optional

LANGS = ("zh", "en")

# key: (English, Chinese)
LABELS: dict[str, tuple[str, str]] = {
    # --- the statement: heading and lead --------------------------------------------------------
    "title": ("Baitiao statement {date} (no. {number})", "白条账单 {date}（第 {number} 期）"),
    "customer": ("Customer:        ", "客户：      "),
    "phone": ("phone", "手机"),
    "statement_date": ("Statement date:  ", "账单日：    "),
    "due_date": ("Due date:        ", "到期还款日："),
    "deferred_to": ("  (deferred to {date})", "（已延期至 {date}）"),
    "credit_limit": ("Credit limit:    {limit}   available on the statement date: {available}",
                     "信用额度：  {limit}   账单日可用额度：{available}"),
    "incentive_more": ("连续按时还款 {n} 期 · {n} on-time statement(s) in a row: {k} more on time and the next "
                       "credit-line review may raise your limit",
                       "连续按时还款 {n} 期：再按时还款 {k} 期，下次额度评估可能提升您的额度"),
    "incentive_due": ("连续按时还款 {n} 期 · {n} on-time statement(s) in a row: the next credit-line review may "
                      "raise your limit",
                      "连续按时还款 {n} 期：下次额度评估可能提升您的额度"),
    # --- the statement: item tables -------------------------------------------------------------
    "h_kind": ("kind", "类型"), "h_txn": ("txn", "交易号"), "h_period": ("period", "期数"),
    "h_principal": ("principal", "本金"), "h_fee": ("fee", "手续费"), "h_amount": ("amount", "金额"),
    "h_unpaid": ("unpaid", "未还"), "h_due": ("due", "到期还款日"), "h_status": ("status", "状态"),
    "h_statement": ("statement", "账单日"), "h_date": ("date", "日期"), "h_what": ("what", "项目"),
    "h_ref": ("ref", "流水号"), "h_detail": ("detail", "说明"), "h_total_due": ("total due", "应还总额"),
    "h_minimum_due": ("minimum due", "最低还款额"), "h_payment": ("payment", "还款"),
    "st_new": ("new", "本期"), "st_carried": ("carried", "往期"),
    "new_items": ("New purchases and installments billed on this statement", "本期新增消费及分期"),
    "carried_items": ("Unpaid items carried from earlier statements", "往期未还款项"),
    "none": ("  (none)", "  （无）"),
    "nothing": ("  (nothing)", "  （无）"),
    "late_fee_line": ("Late fee posted on this statement: {posted}   late fee unpaid: {unpaid}",
                      "本期计入违约金：{posted}   未还违约金：{unpaid}"),
    "revolving_line": ("Revolving fee posted on this statement: {posted}   revolving fee unpaid: {unpaid}",
                       "本期计入日服务费：{posted}   未还日服务费：{unpaid}"),
    "since": ("Since the previous statement", "上期账单以来"),
    "since_totals": ("  payments {payments} · refunds {refunds} · credit balance used {used} · credit balance "
                     "left {left}",
                     "  还款 {payments} · 退款 {refunds} · 使用溢缴款 {used} · 溢缴款余额 {left}"),
    "total_due_by": ("TOTAL DUE: {amount}   by {date}", "应还总额：{amount}   到期还款日 {date}"),
    "minimum_due_by": ("最低还款额 MINIMUM DUE: {amount}   by {date}", "最低还款额：{amount}   到期还款日 {date}"),
    "upcoming": ("Scheduled installments, next three months", "未来三个月分期计划"),
    "per_statement": ("  per statement: ", "  各期合计："),
    "minimum_only_title": ("If you pay only the minimum (最低还款) for {n} months", "若未来 {n} 个月只还最低还款额"),
    "minimum_only_sum": ("  you pay {paid} and still owe {after}: {cost} more than the {now} owed now",
                         "  共还款 {paid}，仍欠 {after}：比现在应还的 {now} 多付 {cost}"),
    # --- the statement on a terminal (bill --customer) ------------------------------------------
    "t_lead": ("Statement {date} (no. {number}) · {who}", "账单 {date}（第 {number} 期）· {who}"),
    "t_phone": (" · phone {phone}", " · 手机 {phone}"),
    "t_total": ("TOTAL DUE {amount} by {date}", "应还总额 {amount}，到期还款日 {date}"),
    "t_deferred_from": (" (deferred from {date})", "（原到期日 {date}）"),
    "t_minimum": (" · minimum due {amount}", " · 最低还款额 {amount}"),
    "t_limit": ("Credit limit {limit} · available {available}", "信用额度 {limit} · 可用额度 {available}"),
    "t_items": ("Items", "账单明细"),
    "t_footer_late": ("Late fee posted on this statement {posted} · late fee unpaid {unpaid} · ",
                      "本期计入违约金 {posted} · 未还违约金 {unpaid} · "),
    "t_footer_revolving": ("revolving fee posted {posted} · revolving fee unpaid {unpaid} · ",
                           "本期计入日服务费 {posted} · 未还日服务费 {unpaid} · "),
    "t_footer_credit": ("credit balance {amount}", "溢缴款 {amount}"),
    "t_minimum_only": ("Paying only the minimum (最低还款) for {n} months", "未来 {n} 个月只还最低还款额"),
    "t_minimum_only_footer": ("paid {paid} · still owed after {after} · owed now {now} · cost {cost}",
                              "共还款 {paid} · 之后仍欠 {after} · 现在应还 {now} · 多付 {cost}"),
    # --- kinds of items and of activity ---------------------------------------------------------
    "kind.purchase": ("purchase", "消费"), "kind.installment": ("installment", "分期"),
    "kind.deferral_fee": ("deferral fee", "延期手续费"), "kind.conversion": ("statement installment", "账单分期"),
    "act.payment": ("payment", "还款"), "act.settlement": ("early settlement", "提前结清"),
    "act.refund": ("refund", "退款"), "act.credit_applied": ("credit balance used", "使用溢缴款"),
    "act.late_fee_posted": ("late fee posted", "计入违约金"), "act.deferral": ("deferral fee", "延期手续费"),
    "act.conversion": ("statement installment (账单分期)", "账单分期"),
    "act.revolving_fee_posted": ("revolving fee posted", "计入日服务费"),
    "act.waiver": ("waiver (减免)", "减免"), "act.write_off": ("written off (核销)", "核销"),
    "act.recovery": ("recovery", "核销后回收"),
    "detail.deferral": ("statement {statement} due {due}", "账单 {statement} 延期至 {due}"),
    "detail.conversion": ("statement {statement} into {terms} periods", "账单 {statement} 分 {terms} 期"),
    "detail.refund": ("{ref}", "退货对应消费 {ref}"),
    "detail.waiver": ("{component}{rest}", "减免{component}{rest}"),
    "component.late_fee": ("late_fee", "违约金"), "component.revolving_fee": ("revolving_fee", "日服务费"),
    "component.fee": ("fee", "手续费"),
    # --- the HTML statement ----------------------------------------------------------------------
    "html_title": ("Baitiao statement {date}", "白条账单 {date}"),
    "html_customer": ("Customer", "客户"), "html_number": ("Statement no.", "账单期号"),
    "html_credit_limit": ("Credit limit", "信用额度"), "html_available": ("Available credit", "可用额度"),
    "html_total_due": ("Total due", "应还总额"), "html_minimum_due": ("Minimum due", "最低还款额"),
    "html_pay_by": ("Pay by", "到期还款日"), "html_late_fee": ("Late fee unpaid", "未还违约金"),
    "html_revolving_fee": ("Revolving fee unpaid", "未还日服务费"), "html_credit_balance": ("Credit balance", "溢缴款余额"),
    "html_payments": ("Payments", "还款"), "html_refunds": ("Refunds", "退款"),
    "html_footer": ("Amounts in yuan (CNY). Please pay the total due by the due date.",
                    "金额单位：人民币元。请于到期还款日前还清应还总额。"),
    "html_footer_revolving": (" Paying only the minimum accrues a daily revolving fee.",
                              "仅还最低还款额的，未还部分按日计收日服务费。"),
    "html_minimum_only": ("Paying only the minimum for {n} months: you pay {paid} and still owe {after}",
                          "若未来 {n} 个月只还最低还款额：共还款 {paid}，仍欠 {after}"),
    # --- the collectors' worklist (overdue-report --out) ----------------------------------------
    "w.priority": ("priority", "优先级"), "w.customer_id": ("customer_id", "客户号"), "w.name": ("name", "姓名"),
    "w.phone": ("phone", "手机"), "w.action": ("action", "催收动作"), "w.action_since": ("action_since", "动作开始日"),
    "w.dpd": ("dpd", "逾期天数"), "w.bucket": ("bucket", "逾期阶段"), "w.oldest_due_date": ("oldest_due_date", "最早到期日"),
    "w.overdue_amount": ("overdue_amount", "逾期金额"), "w.late_fee": ("late_fee", "违约金"),
    "w.to_cure": ("to_cure", "恢复正常需还"), "w.total_owed": ("total_owed", "欠款总额"),
    "w.frozen": ("frozen", "额度冻结"), "w.regulatory_class": ("regulatory_class", "五级分类代码"),
    "w.class_label": ("class_label", "五级分类"), "w.stage": ("stage", "减值阶段"),
    "yes": ("true", "是"), "no": ("false", "否"),
    "action.sms_reminder": ("sms_reminder", "短信提醒"), "action.phone_call": ("phone_call", "电话催收"),
    "action.inhouse_collector": ("inhouse_collector", "内部催收"),
    "action.external_agency": ("external_agency", "委外催收"), "action.legal": ("legal", "法务催收"),
    "action.write_off_review": ("write_off_review", "核销审查"),
    # --- the overdue accounts table (overdue-report --lang zh) ------------------------------------
    "o_title": ("Overdue accounts on {date}, in collection priority order", "{date} 逾期账户（按催收优先级）"),
    "o_lead": ("OVERDUE REPORT {date} · {overdue} overdue of {accounts} account(s) with a balance · overdue "
               "{amount} · late fee {late_fee} · receivables {receivables} · ECL {ecl}",
               "逾期报告 {date} · 有欠款账户 {accounts} 户，其中逾期 {overdue} 户 · 逾期金额 {amount} · 违约金 "
               "{late_fee} · 应收余额 {receivables} · 预期信用损失 {ecl}"),
    "o_customer": ("customer", "客户号"), "o_name": ("name", "姓名"), "o_phone": ("phone", "手机"),
    "o_dpd": ("DPD", "逾期天数"), "o_bucket": ("bucket", "逾期阶段"), "o_overdue": ("overdue", "逾期金额"),
    "o_late_fee": ("late fee", "违约金"), "o_total_owed": ("total owed", "欠款总额"), "o_class": ("class", "五级分类"),
    "o_stage": ("stage", "减值阶段"), "o_ecl": ("ECL", "预期损失"), "o_action": ("action", "催收动作"),
    "o_since": ("since", "动作开始日"), "o_frozen": ("frozen", "额度冻结"),
    "o_yes": ("yes", "是"), "o_no": ("no", "否"),
    "o_legend": ("class: {labels}", "五级分类：{labels}"),
    # --- the collection notice (催收通知, overdue-report --letters) -------------------------------
    "n_title": ("Collection notice", "催收通知"),
    "n_to": ("To {name} (customer {customer_id}, phone {phone}, ID {id_number})",
             "致 {name}（客户号 {customer_id}，手机 {phone}，身份证号 {id_number}）"),
    "n_body": ("As of {as_of}, your Baitiao account is {dpd} days past due: the oldest unpaid amount was due on "
               "{oldest}. Your account has been passed to our legal department.",
               "截至 {as_of}，您的白条账户已逾期 {dpd} 天，最早一笔未还款项的到期还款日为 {oldest}。"
               "您的账户已转入法务催收阶段。"),
    "n_overdue": ("Overdue amount", "逾期金额"), "n_late_fee": ("Late fee", "违约金"),
    "n_to_cure": ("To pay to bring the account current", "恢复正常需还金额"),
    "n_total_owed": ("Total owed", "欠款总额"), "n_dpd": ("Days past due", "逾期天数"),
    "n_action": ("Collection action", "催收动作"),
    "n_ask": ("Please pay at least {to_cure} within 7 days of this notice, or contact us to agree a repayment "
              "plan. If nothing is paid, we may take legal action to recover the total owed.",
              "请于本通知送达之日起 7 日内至少偿还 {to_cure}，或与我们联系协商还款计划。"
              "逾期仍未还款的，我们将依法追究并追偿全部欠款。"),
    "n_sign": ("Baitiao collections, {as_of}", "白条贷后管理部  {as_of}"),
    "n_none_legal": ("no action \"legal\" in overdue.actions: no collection notice written",
                     "overdue.actions 中没有 legal 动作：未生成催收通知"),
}


def resolve(option: Optional[str], configured: Optional[str], customer_facing: bool) -> str:
    """The language of one output: ``--lang``, else ``[display] lang``, else ``zh`` for what goes to
    customers (statement files, notices) and ``en`` for what operators read (tables, worklist)."""
    if option is not None:
        return option
    if configured is not None:
        return configured
    return "zh" if customer_facing else "en"


def label(lang: str) -> Callable[[str], str]:
    """The text of a key in ``lang`` (``zh`` or ``en``)."""
    k = 1 if lang == "zh" else 0

    def tr(key: str) -> str:
        return LABELS[key][k]
    return tr


def kind_label(lang: str, prefix: str, value: str) -> str:
    """The label of an item kind / activity kind / action, or the value itself when it has none."""
    entry = LABELS.get(f"{prefix}.{value}")
    return value if entry is None else entry[1 if lang == "zh" else 0]
