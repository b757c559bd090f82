"""Local fake WeChat Pay, WeChat (official account) and Alipay servers over HTTPS.

Each is a threaded ``http.server`` behind TLS with a certificate made for the test by a CA made
for the test; our code trusts that CA through ``PAYMENT_CA_BUNDLE`` and calls them with its real
HTTPS transport. They check our requests the way the providers do (WeChat:
``WECHATPAY2-SHA256-RSA2048`` over ``METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n`` with the
merchant's public key, ``Wechatpay-Serial`` naming their key, names encrypted for them; Alipay:
RSA2 over the sorted parameters) and sign their answers with their own keys, so a request we
sign wrongly is refused and an answer they did not sign is one our code refuses.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import ipaddress
import json
import re
import secrets
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from trustmart.payments.providers import rsa as rsa_keys
from trustmart.payments.providers.alipay import request_content
from trustmart.payments.providers.wechatpay import request_message, response_message

AUTH = re.compile(r'WECHATPAY2-SHA256-RSA2048 (?P<params>.+)')


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def pem_public(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclass(frozen=True)
class Tls:
    ca_file: Path
    context: ssl.SSLContext


def make_tls(directory: Path) -> Tls:
    """A CA and a server certificate for 127.0.0.1 signed by it: the CA goes in the bundle our
    client trusts, the certificate in the server's context."""
    ca_key, server_key = new_key(), new_key()
    now = datetime.now(UTC)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TrustMart test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
              .issuer_name(ca_name).public_key(server_key.public_key())
              .serial_number(x509.random_serial_number())
              .not_valid_before(now - timedelta(minutes=5))
              .not_valid_after(now + timedelta(days=1))
              .add_extension(x509.SubjectAlternativeName([
                  x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                  critical=False)
              .sign(ca_key, hashes.SHA256()))
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file, key_file = directory / "server.pem", directory / "server.key"
    cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_file.write_text(pem_private(server_key))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return Tls(ca_file=ca_file, context=context)


Answer = tuple[int, dict[str, str], bytes]
# Alipay's success envelope fields.
OK = {"code": "10000", "msg": "Success"}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            status, answer_headers, answer = self.server.app(self.command, self.path, headers,
                                                             body)
        except Exception as exc:  # a bug in the fake: say so loudly
            status, answer_headers, answer = 500, {}, repr(exc).encode()
        self.send_response(status)
        for name, value in answer_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: Callable[[str, str, dict[str, str], bytes], Answer]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app


@contextmanager
def serving(app: Callable[[str, str, dict[str, str], bytes], Answer], tls: Tls
            ) -> Iterator[str]:
    """Serve ``app`` over HTTPS on a free loopback port; yields the base URL."""
    server = _Server(app)
    server.socket = tls.context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _json(status: int, data: Any) -> tuple[int, bytes]:
    return status, json.dumps(data, ensure_ascii=False).encode()


# --- WeChat Pay ------------------------------------------------------------------------------
@dataclass
class FakeWechatPay:
    """WeChat Pay's API as far as we use it. ``orders``, ``transfers`` and ``bills`` are its
    books; ``calls`` every request it accepted (method, path); ``refused`` why it refused one."""

    mchid: str
    merchant_public: rsa.RSAPublicKey
    platform_key: rsa.RSAPrivateKey
    # What WeChat writes in Wechatpay-Serial: a certificate serial with a leading zero, or a
    # public key id.
    platform_serial: str
    appids: set[str]
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    transfers: dict[str, dict[str, Any]] = field(default_factory=dict)
    bills: dict[str, bytes] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    transfer_state: str = "SUCCESS"
    # Names the receiver really has (openid → name): a wrong name is refused, like WeChat.
    real_names: dict[str, str] = field(default_factory=dict)
    base_url: str = ""
    # Seconds a transfer takes to answer (a slow provider widens a race).
    transfer_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def signed(self, status: int, body: bytes, *, sign: bool = True) -> Answer:
        headers = {"Content-Type": "application/json", "Request-ID": secrets.token_hex(8)}
        if sign:
            stamp, nonce = str(int(datetime.now(UTC).timestamp())), secrets.token_hex(16)
            headers.update({
                "Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce,
                "Wechatpay-Serial": self.platform_serial,
                "Wechatpay-Signature": rsa_keys.sign(self.platform_key, response_message(
                    timestamp=stamp, nonce=nonce, body=body))})
        return status, headers, body

    def error(self, status: int, code: str, message: str = "") -> Answer:
        return self.signed(*_json(status, {"code": code, "message": message or code}))

    def authorised(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        match = AUTH.fullmatch(headers.get("authorization", ""))
        if not match:
            self.refused.append("no authorization")
            return False
        params = dict(re.findall(r'(\w+)="([^"]*)"', match.group("params")))
        message = request_message(method=method, path=path, timestamp=params.get("timestamp", ""),
                                  nonce=params.get("nonce_str", ""), body=body)
        if params.get("mchid") != self.mchid or not rsa_keys.verify(
                self.merchant_public, message, params.get("signature", "")):
            self.refused.append(f"bad signature on {method} {path}")
            return False
        return True

    def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if not self.authorised(method, path, headers, body):
            return self.error(401, "SIGN_ERROR")
        if headers.get("wechatpay-serial") not in (None, "", self.platform_serial) \
                and headers.get("wechatpay-serial", "").lstrip("0") != \
                self.platform_serial.lstrip("0"):
            self.refused.append("Wechatpay-Serial names another key")
            return self.error(400, "PARAM_ERROR", "Wechatpay-Serial")
        with self.lock:
            self.calls.append((method, path.split("?")[0]))
        url = urlsplit(path)
        data = json.loads(body) if body else {}
        if method == "POST" and url.path in ("/v3/pay/transactions/jsapi",
                                             "/v3/pay/transactions/h5",
                                             "/v3/pay/transactions/native"):
            return self.place(url.path.rsplit("/", 1)[1], data)
        order_match = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)(/close)?",
                                   url.path)
        if order_match:
            return self.order(method, order_match.group(1), bool(order_match.group(2)), url.query)
        if url.path == "/v3/bill/tradebill":
            day = parse_qs(url.query)["bill_date"][0]
            if day not in self.bills:
                return self.error(400, "NO_STATEMENT_EXIST")
            raw = self.bills[day]
            token = secrets.token_hex(8)
            self.bills[f"token:{token}"] = raw
            return self.signed(*_json(200, {
                "hash_type": "SHA1", "hash_value": hashlib.sha1(raw).hexdigest(),  # noqa: S324
                "download_url": f"{self.base_url}/v3/billdownload/file?token={token}"}))
        if url.path == "/v3/billdownload/file":
            file = self.bills.get(f"token:{parse_qs(url.query)['token'][0]}")
            if file is None:
                return self.error(404, "RESOURCE_NOT_EXISTS")
            return 200, {"Content-Type": "application/octet-stream"}, gzip.compress(file)
        if method == "POST" and url.path == "/v3/fund-app/mch-transfer/transfer-bills":
            return self.transfer(data, headers)
        transfer_match = re.fullmatch(
            r"/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/([^/]+)", url.path)
        if transfer_match:
            bill = self.transfers.get(transfer_match.group(1))
            if bill is None:
                return self.error(404, "NOT_FOUND")
            return self.signed(*_json(200, bill))
        return self.error(404, "NOT_FOUND")

    def place(self, kind: str, data: dict[str, Any]) -> Answer:
        if data.get("mchid") != self.mchid or data.get("appid") not in self.appids:
            return self.error(400, "APPID_MCHID_NOT_MATCH")
        if kind == "jsapi" and not data.get("payer", {}).get("openid"):
            return self.error(400, "PARAM_ERROR", "payer.openid")
        no = data["out_trade_no"]
        with self.lock:
            self.orders.setdefault(no, {**data, "trade_state": "NOTPAY", "kind": kind})
        if kind == "jsapi":
            return self.signed(*_json(200, {"prepay_id": f"wx{no}"}))
        if kind == "native":
            return self.signed(*_json(200, {"code_url": f"weixin://wxpay/bizpayurl?pr={no}"}))
        return self.signed(*_json(200, {"h5_url": f"https://wx.tenpay.test/h5?prepay={no}"}))

    def pay(self, no: str, *, txn: str | None = None) -> dict[str, Any]:
        """The payer pays (WeChat's side only: no notification is sent)."""
        with self.lock:
            order = self.orders[no]
            if order["trade_state"] == "NOTPAY":
                order.update(trade_state="SUCCESS", transaction_id=txn or f"42{no}")
            return order

    def order(self, method: str, no: str, close: bool, query: str) -> Answer:
        order = self.orders.get(no)
        if close:
            if order is None:
                return self.error(400, "ORDER_NOT_EXIST")
            with self.lock:
                if order["trade_state"] == "SUCCESS":
                    return self.error(400, "ORDERPAID", "the order has been paid")
                order["trade_state"] = "CLOSED"
            return self.signed(204, b"")
        if parse_qs(query).get("mchid") != [self.mchid]:
            return self.error(400, "PARAM_ERROR", "mchid")
        if order is None:
            return self.error(404, "ORDER_NOT_EXIST")
        answer = {"appid": order["appid"], "mchid": self.mchid, "out_trade_no": no,
                  "trade_state": order["trade_state"], "trade_type": order["kind"].upper(),
                  "amount": {"total": order["amount"]["total"], "currency": "CNY"}}
        if "transaction_id" in order:
            answer["transaction_id"] = order["transaction_id"]
        return self.signed(*_json(200, answer))

    def transfer(self, data: dict[str, Any], headers: dict[str, str]) -> Answer:
        no, amount = data["out_bill_no"], data["transfer_amount"]
        if self.transfer_delay:
            time.sleep(self.transfer_delay)
        if "user_name" in data:
            if headers.get("wechatpay-serial", "").lstrip("0") != self.platform_serial.lstrip("0"):
                return self.error(400, "PARAM_ERROR", "Wechatpay-Serial is required")
            try:
                name = self.platform_key.decrypt(
                    base64.b64decode(data["user_name"]),
                    padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(),  # noqa: S303
                                 label=None)).decode()
            except ValueError:
                return self.error(400, "PARAM_ERROR", "user_name could not be decrypted")
            if self.real_names.get(data["openid"], name) != name:
                return self.error(400, "NAME_NOT_CORRECT")
        elif amount >= 2_000_00:
            return self.error(400, "PARAM_ERROR", "user_name is required from 2000 yuan")
        if not data.get("transfer_scene_report_infos"):
            return self.error(400, "PARAM_ERROR", "transfer_scene_report_infos")
        with self.lock:
            bill = self.transfers.setdefault(no, {
                "out_bill_no": no, "transfer_bill_no": f"1330{len(self.transfers):08d}",
                "create_time": datetime.now(UTC).isoformat(), "state": self.transfer_state,
                "amount": amount, "openid": data["openid"], "calls": 0})
            bill["calls"] += 1
        shown = {k: v for k, v in bill.items() if k not in ("amount", "openid", "calls")}
        if self.transfer_state == "WAIT_USER_CONFIRM":
            shown["package_info"] = f"pkg-{no}"
        return self.signed(*_json(200, shown))


# --- WeChat's own APIs (official account, mini-program) --------------------------------------
@dataclass
class FakeWechatApi:
    appid: str
    secret: str
    mini_appid: str
    mini_secret: str
    # code → openid, for each app
    codes: dict[str, str] = field(default_factory=dict)
    mini_codes: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    token_seconds: int = 7200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self.lock:
            self.calls.append(url.path)
            count = self.calls.count(url.path)
        ok = {"Content-Type": "application/json"}
        if url.path == "/sns/oauth2/access_token":
            if (query.get("appid"), query.get("secret")) != (self.appid, self.secret) \
                    or query.get("grant_type") != "authorization_code":
                return 200, ok, b'{"errcode":40125,"errmsg":"invalid appsecret"}'
            openid = self.codes.pop(query.get("code", ""), None)
            if openid is None:
                return 200, ok, b'{"errcode":40029,"errmsg":"invalid code"}'
            return 200, ok, json.dumps({"access_token": "web-token", "expires_in": 7200,
                                        "openid": openid, "scope": "snsapi_base"}).encode()
        if url.path == "/sns/jscode2session":
            if (query.get("appid"), query.get("secret")) != (self.mini_appid, self.mini_secret):
                return 200, ok, b'{"errcode":40125,"errmsg":"invalid appsecret"}'
            openid = self.mini_codes.pop(query.get("js_code", ""), None)
            if openid is None:
                return 200, ok, b'{"errcode":40029,"errmsg":"invalid code"}'
            return 200, ok, json.dumps({"openid": openid, "session_key": "sk"}).encode()
        if url.path == "/cgi-bin/token":
            if (query.get("appid"), query.get("secret")) != (self.appid, self.secret):
                return 200, ok, b'{"errcode":40125,"errmsg":"invalid appsecret"}'
            return 200, ok, json.dumps({"access_token": f"token-{count}",
                                        "expires_in": self.token_seconds}).encode()
        if url.path == "/cgi-bin/ticket/getticket":
            if not query.get("access_token", "").startswith("token-"):
                return 200, ok, b'{"errcode":40001,"errmsg":"invalid credential"}'
            return 200, ok, json.dumps({"errcode": 0, "errmsg": "ok",
                                        "ticket": f"ticket-{count}-{query['access_token']}",
                                        "expires_in": self.token_seconds}).encode()
        return 404, ok, b'{"errcode":404}'


# --- Alipay ----------------------------------------------------------------------------------
@dataclass
class FakeAlipay:
    app_id: str
    app_public: rsa.RSAPublicKey
    alipay_key: rsa.RSAPrivateKey
    trades: dict[str, dict[str, Any]] = field(default_factory=dict)
    transfers: dict[str, dict[str, Any]] = field(default_factory=dict)
    bills: dict[str, bytes] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    # login id → real name (Alipay checks the payee's name)
    accounts: dict[str, str] = field(default_factory=dict)
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, method: str, data: dict[str, Any]) -> Answer:
        key = method.replace(".", "_") + "_response"
        inner = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        sign = rsa_keys.sign(self.alipay_key, inner.encode())
        body = f'{{"{key}":{inner},"sign":"{sign}"}}'.encode()
        return 200, {"Content-Type": "text/html;charset=utf-8"}, body

    def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(path)
        if method == "GET" and url.path.startswith("/bill/"):
            raw = self.bills.get(url.path.removeprefix("/bill/"))
            return (200, {"Content-Type": "application/zip"}, raw) if raw else (404, {}, b"")
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        if params.get("app_id") != self.app_id or not rsa_keys.verify(
                self.app_public, request_content(params), params.get("sign", "")):
            self.refused.append(f"bad signature on {params.get('method')}")
            return self.answer(params.get("method", "unknown"), {
                "code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"})
        api = params["method"]
        with self.lock:
            self.calls.append(api)
        biz = json.loads(params.get("biz_content") or "{}")
        handler = self._methods().get(api)
        if handler is None:
            return self.answer(api, {"code": "40004", "sub_code": "isv.unknown-method"})
        return handler(api, biz)

    def _methods(self) -> dict[str, Callable[[str, dict[str, Any]], Answer]]:
        return {"alipay.trade.query": self._trade_query,
                "alipay.trade.close": self._trade_close,
                "alipay.data.dataservice.bill.downloadurl.query": self._bill_url,
                "alipay.fund.trans.uni.transfer": self._transfer,
                "alipay.fund.trans.common.query": self._transfer_query}

    def _trade_query(self, api: str, biz: dict[str, Any]) -> Answer:
        trade = self.trades.get(biz["out_trade_no"])
        if trade is None:
            return self.answer(api, {"code": "40004", "msg": "Business Failed",
                                     "sub_code": "ACQ.TRADE_NOT_EXIST"})
        return self.answer(api, {**OK, **trade})

    def _trade_close(self, api: str, biz: dict[str, Any]) -> Answer:
        trade = self.trades.get(biz["out_trade_no"])
        if trade is None:
            return self.answer(api, {"code": "40004", "sub_code": "ACQ.TRADE_NOT_EXIST"})
        with self.lock:
            if trade["trade_status"] != "WAIT_BUYER_PAY":
                return self.answer(api, {"code": "40004",
                                         "sub_code": "ACQ.TRADE_STATUS_ERROR"})
            trade["trade_status"] = "TRADE_CLOSED"
        return self.answer(api, {**OK, "out_trade_no": biz["out_trade_no"]})

    def _bill_url(self, api: str, biz: dict[str, Any]) -> Answer:
        if biz.get("bill_type") != "trade" or biz.get("bill_date") not in self.bills:
            return self.answer(api, {"code": "40004", "sub_code": "isp.bill_not_exist"})
        return self.answer(api, {**OK, "bill_download_url":
                                 f"{self.base_url}/bill/{biz['bill_date']}"})

    def _transfer(self, api: str, biz: dict[str, Any]) -> Answer:
        payee = biz["payee_info"]
        if biz.get("product_code") != "TRANS_ACCOUNT_NO_PWD" \
                or biz.get("biz_scene") != "DIRECT_TRANSFER":
            return self.answer(api, {"code": "40004", "sub_code": "INVALID_PARAMETER"})
        if self.accounts.get(payee["identity"]) != payee.get("name"):
            return self.answer(api, {"code": "40004", "msg": "Business Failed",
                                     "sub_code": "PAYEE_USER_INFO_ERROR",
                                     "sub_msg": "收款方姓名与账户不一致"})
        with self.lock:
            transfer = self.transfers.setdefault(biz["out_biz_no"], {
                "out_biz_no": biz["out_biz_no"], "order_id": f"2026{len(self.transfers):010d}",
                "pay_fund_order_id": f"2026F{len(self.transfers):08d}", "status": "SUCCESS",
                "trans_date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                "calls": 0, "amount": biz["trans_amount"]})
            transfer["calls"] += 1
        return self.answer(api, {**OK, **{k: v for k, v in transfer.items()
                                          if k not in ("calls", "amount")}})

    def _transfer_query(self, api: str, biz: dict[str, Any]) -> Answer:
        found = self.transfers.get(biz["out_biz_no"])
        if found is None:
            return self.answer(api, {"code": "40004", "sub_code": "ORDER_NOT_EXIST"})
        return self.answer(api, {**OK, **{k: v for k, v in found.items()
                                          if k not in ("calls", "amount")}})
