"""Payout accounts: set up by their owner, with ownership proven per kind.

* **WeChat 零钱**: only the signed-in user's own openid, learned from WeChat (web authorisation
  inside WeChat): nobody can type someone else's openid in. In a sandbox site without a
  configured official account, a sandbox openid stands in for it.
* **Alipay**: the owner types the login id twice and the real name and confirms the account is
  theirs; Alipay checks the name against the account on every transfer and refuses a mismatch.
* **Bank** (merchants): waits for an operator to verify it against the merchant's papers.

One active account per owner and kind (a new one replaces the old). Owners are a user
(``user``, the signed-in user only) or a merchant (``merchant``, its owner only).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import require_operator
from trustmart.core.errors import Conflict, NotAuthenticated, NotFound, invalid
from trustmart.merchants.selectors import merchant_for_owner

from ..models import PayoutAccount, WechatOpenid
from .payments import WechatOpenidRequired

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

OWNER_USER, OWNER_MERCHANT = "user", "merchant"
SANDBOX_APPID = "sandbox"
_NAME = re.compile(r"[\w·・. ()（）-]{2,60}")
_LOGIN = re.compile(r"(1[3-9][0-9]{9})|([^@\s]{1,64}@[^@\s]{1,64}\.[A-Za-z]{2,})")
_BANK_NO = re.compile(r"[0-9]{10,30}")


def payout_owner(*, user: User | AnonymousUser, owner_type: str, owner_id: int | None) -> int:
    """Who the acting user may set up or withdraw for: themselves, or a merchant they own.
    Anyone else's account does not exist for them (NotFound)."""
    if not user.is_authenticated:
        raise NotAuthenticated()
    if owner_type == OWNER_USER and owner_id in (None, user.pk):
        return int(user.pk)
    if owner_type == OWNER_MERCHANT and owner_id is not None:
        return merchant_for_owner(user=user, merchant_id=owner_id).pk
    raise NotFound(_("This payout account does not exist."), code="payout_account_not_found")


def _replace(*, owner_type: str, owner_id: int, kind: str, **fields: object) -> PayoutAccount:
    """The new account of this kind; the old one (if any) is removed in the same transaction."""
    with transaction.atomic():
        PayoutAccount.objects.filter(owner_type=owner_type, owner_id=owner_id, kind=kind,
                                     status__in=PayoutAccount.ACTIVE_STATUSES) \
            .update(status=PayoutAccount.Status.REMOVED)
        return PayoutAccount.objects.create(owner_type=owner_type, owner_id=owner_id, kind=kind,
                                            **fields)


def payout_account_wechat_bind(*, user: User | AnonymousUser, owner_type: str = OWNER_USER,
                               owner_id: int | None = None,
                               real_name: str = "") -> PayoutAccount:
    """The acting user's own WeChat 零钱, by the openid WeChat told us (official account).
    ``wechat_openid_required`` when we do not know it yet. ``real_name`` is needed for
    transfers from ¥2,000 (WeChat checks it)."""
    owner = payout_owner(user=user, owner_type=owner_type, owner_id=owner_id)
    real_name = real_name.strip()
    if real_name and not _NAME.fullmatch(real_name):
        raise invalid("real_name", _("Enter the real name on the account."),
                      code="invalid_real_name")
    appid = str(getattr(settings, "WECHAT_OA_APPID", "") or "")
    openid = (WechatOpenid.objects.filter(user_id=int(user.pk or 0), appid=appid)
              .values_list("openid", flat=True).first() if appid else None)
    if openid is None:
        if appid or not settings.PAYMENT_SANDBOX_ENABLED:
            raise WechatOpenidRequired()
        appid, openid = SANDBOX_APPID, f"sandbox-openid-{user.pk}"
    return _replace(owner_type=owner_type, owner_id=owner, kind=PayoutAccount.Kind.WECHAT,
                    created_by=user, appid=appid, openid=openid, real_name=real_name,
                    status=PayoutAccount.Status.VERIFIED, verified_at=timezone.now())


def payout_account_alipay_set(*, user: User | AnonymousUser, login_id: str, login_id_again: str,
                              real_name: str, confirmed: bool, owner_type: str = OWNER_USER,
                              owner_id: int | None = None) -> PayoutAccount:
    """An Alipay account, confirmed by its owner: the login id (mobile or e-mail) typed twice,
    the real name on it, and "this account is mine". Verified on confirmation; Alipay refuses
    a transfer whose name does not match the account."""
    owner = payout_owner(user=user, owner_type=owner_type, owner_id=owner_id)
    login_id, real_name = login_id.strip(), real_name.strip()
    if not _LOGIN.fullmatch(login_id):
        raise invalid("login_id", _("Enter the Alipay account: its mobile number or e-mail."),
                      code="invalid_alipay_login")
    if login_id != login_id_again.strip():
        raise invalid("login_id_again", _("The two accounts you typed differ."),
                      code="alipay_login_mismatch")
    if not _NAME.fullmatch(real_name):
        raise invalid("real_name", _("Enter the real name on the account."),
                      code="invalid_real_name")
    if not confirmed:
        raise invalid("confirmed", _("Confirm that the account is yours and the name is its "
                                     "owner's."), code="confirmation_required")
    return _replace(owner_type=owner_type, owner_id=owner, kind=PayoutAccount.Kind.ALIPAY,
                    created_by=user, alipay_login_id=login_id, real_name=real_name,
                    status=PayoutAccount.Status.VERIFIED, verified_at=timezone.now())


def payout_account_bank_set(*, user: User | AnonymousUser, owner_id: int, real_name: str,
                            bank_name: str, bank_branch: str, bank_account_no: str
                            ) -> PayoutAccount:
    """A merchant's bank account (the company's): pending until an operator verifies it."""
    owner = payout_owner(user=user, owner_type=OWNER_MERCHANT, owner_id=owner_id)
    account_no = re.sub(r"\s+", "", bank_account_no)
    if not _NAME.fullmatch(real_name.strip()):
        raise invalid("real_name", _("Enter the account holder's name."),
                      code="invalid_real_name")
    if not bank_name.strip() or len(bank_name.strip()) > 60:
        raise invalid("bank_name", _("Enter the bank."), code="invalid_bank")
    if not _BANK_NO.fullmatch(account_no):
        raise invalid("bank_account_no", _("Enter the account number (digits only)."),
                      code="invalid_bank_account")
    return _replace(owner_type=OWNER_MERCHANT, owner_id=owner, kind=PayoutAccount.Kind.BANK,
                    created_by=user, real_name=real_name.strip(), bank_name=bank_name.strip(),
                    bank_branch=bank_branch.strip()[:100], bank_account_no=account_no,
                    status=PayoutAccount.Status.PENDING)


def payout_account_review(*, user: User | AnonymousUser, account_id: int, approve: bool,
                          note: str = "") -> PayoutAccount:
    """An operator verifies (or rejects, saying why) a pending bank account."""
    operator = require_operator(user)
    with transaction.atomic():
        account = PayoutAccount.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            raise NotFound(_("This payout account does not exist."),
                           code="payout_account_not_found")
        if account.status != PayoutAccount.Status.PENDING:
            raise Conflict(_("This account is not waiting for verification."),
                           code="payout_account_not_pending")
        if not approve and not note.strip():
            raise invalid("note", _("Say why the account is rejected."), code="note_required")
        account.status = (PayoutAccount.Status.VERIFIED if approve
                          else PayoutAccount.Status.REJECTED)
        account.verified_at = timezone.now() if approve else None
        account.verified_by = operator
        account.note = note.strip()[:200]
        account.save(update_fields=["status", "verified_at", "verified_by", "note"])
    return account


def payout_account_for_withdrawal(*, owner_type: str, owner_id: int,
                                  account_id: int | None = None) -> PayoutAccount:
    """The verified account a withdrawal goes to: the one named, or the owner's verified one
    (WeChat first, then Alipay, then bank). ``payout_account_required`` when there is none."""
    accounts = PayoutAccount.objects.filter(owner_type=owner_type, owner_id=owner_id,
                                            status=PayoutAccount.Status.VERIFIED)
    if account_id is not None:
        found = accounts.filter(pk=account_id).first()
        if found is None:
            raise NotFound(_("This payout account does not exist."),
                           code="payout_account_not_found")
        return found
    order: dict[str, int] = {PayoutAccount.Kind.WECHAT: 0, PayoutAccount.Kind.ALIPAY: 1,
                             PayoutAccount.Kind.BANK: 2}
    found_list = sorted(accounts, key=lambda account: order.get(account.kind, 9))
    if not found_list:
        raise Conflict(_("Set up where your money goes (WeChat, Alipay or a bank account) "
                         "before you withdraw."), code="payout_account_required")
    return found_list[0]
