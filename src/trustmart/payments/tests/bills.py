"""Provider bills in their real formats, built from our own payments and refunds (plus whatever
a test injects), for the reconciliation tests and the demo's fixtures.

* WeChat Pay's trade bill (bill_type ALL): UTF-8 CSV, a header line, one line per transaction
  with every field prefixed by a backtick, refunds as their own REFUND lines, then the summary
  header (总交易单数,…) and its line.
* Alipay's trade bill: a zip holding two GBK CSV files (业务明细 and 业务明细(汇总)), comment
  lines starting with ``#`` around the detail lines, amounts in yuan, refunds negative.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

WECHAT_HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,"
                 "交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,"
                 "商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
                 "手续费,费率,订单金额,申请退款金额,费率备注")
WECHAT_SUMMARY = ("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,"
                  "申请退款总金额")
RULE = "-" * 41
ALIPAY_HEADER = ("支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,"
                 "操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,"
                 "支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,"
                 "卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注")


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"


@dataclass(frozen=True)
class Line:
    """One transaction of a bill: a payment (``refund_no`` empty) or a refund of it."""

    payment_no: str
    txn_id: str
    amount_fen: int
    at: datetime
    state: str = "SUCCESS"  # WeChat's 交易状态 (SUCCESS, REVOKED…); refunds: REFUND
    refund_no: str = ""
    refund_id: str = ""
    description: str = "龙井 250g"


def wechat_trade_bill(lines: list[Line], *, appid: str, mchid: str) -> bytes:
    rows = [WECHAT_HEADER]
    total = refunds = 0
    for line in lines:
        refund = bool(line.refund_no)
        fee = max(line.amount_fen * 6 // 1000, 0)
        fields = [
            line.at.strftime("%Y-%m-%d %H:%M:%S"), appid, mchid, "0", "", line.txn_id,
            line.payment_no, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "JSAPI",
            "REFUND" if refund else line.state, "OTHERS", "CNY",
            "0.00" if refund else yuan(line.amount_fen), "0.00", line.refund_id, line.refund_no,
            yuan(line.amount_fen) if refund else "0.00", "0.00",
            "ORIGINAL" if refund else "", "SUCCESS" if refund else "", line.description, "",
            yuan(-fee if refund else fee), "0.60%", yuan(line.amount_fen),
            yuan(line.amount_fen) if refund else "0.00", ""]
        rows.append(",".join(f"`{value}" for value in fields))
        if refund:
            refunds += line.amount_fen
        else:
            total += line.amount_fen
    rows.append(WECHAT_SUMMARY)
    rows.append(",".join(f"`{value}" for value in (
        str(len(lines)), yuan(total), yuan(refunds), "0.00", "0.00", yuan(total),
        yuan(refunds))))
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def alipay_bill_zip(lines: list[Line], *, bill_date: date, account: str = "20880000000000000156"
                    ) -> bytes:
    day = bill_date.strftime("%Y%m%d")
    detail = ["#支付宝业务明细查询", f"#账号：[{account}]",
              f"#起始日期：[{bill_date:%Y年%m月%d日} 00:00:00]   "
              f"终止日期：[{bill_date:%Y年%m月%d日} 23:59:59]",
              f"#{RULE}业务明细列表{RULE}",
              ALIPAY_HEADER]
    paid = refunded = 0
    for line in lines:
        refund = bool(line.refund_no)
        amount = -line.amount_fen if refund else line.amount_fen
        fields = [line.txn_id, line.payment_no, "退款" if refund else "交易", line.description,
                  line.at.strftime("%Y-%m-%d %H:%M:%S"), line.at.strftime("%Y-%m-%d %H:%M:%S"),
                  "", "", "", "", "buy***@example.com", yuan(amount), yuan(amount), "0.00",
                  "0.00", "0.00", "0.00", "0.00", "", "0.00", "0.00", line.refund_no,
                  yuan(-(abs(amount) * 6 // 1000)), "0.00", ""]
        detail.append(",".join(f"{value}\t" for value in fields))
        if refund:
            refunded += line.amount_fen
        else:
            paid += line.amount_fen
    paid_count = sum(1 for x in lines if not x.refund_no)
    refund_count = len(lines) - paid_count
    detail += [f"#{RULE}业务明细列表结束{RULE}",
               f"#交易合计：{paid_count}笔，商家实收共{yuan(paid)}元",
               f"#退款合计：{refund_count}笔，商家实收退款共{yuan(-refunded)}元",
               f"#导出时间：[{bill_date:%Y年%m月%d日} 09:00:12]"]
    summary = ["#支付宝业务汇总查询", f"#账号：[{account}]",
               "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）",
               f",,{sum(1 for x in lines if not x.refund_no)},"
               f"{sum(1 for x in lines if x.refund_no)},{yuan(paid - refunded)},"
               f"{yuan(paid - refunded)}"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{account}_{day}_业务明细.csv", "\r\n".join(detail).encode("gbk"))
        archive.writestr(f"{account}_{day}_业务明细(汇总).csv",
                         "\r\n".join(summary).encode("gbk"))
    return buffer.getvalue()
