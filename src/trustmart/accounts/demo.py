"""Demo users: one log-in per role plus a crowd of buyers with Chinese names and avatars.

Deterministic: the same seed builds the same people, follows and avatars.
"""

from __future__ import annotations

import hashlib
import io
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageDraw

from .models import Follow, Role, RoleGrant, User

DEMO_PASSWORD = "trustmart2026"  # noqa: S105  (printed on purpose: it is the demo's)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    role_label: str | Promise
    mobile: str
    nickname: str
    bio: str


DEMO_ACCOUNTS = [
    DemoAccount(Role.BUYER, _("Buyer"), "13900000001", "林小雨", "爱逛街的上班族，只买正品。"),
    DemoAccount(Role.STORE_OWNER, _("Store owner"), "13900000002", "陈美丽",
                "宝妈一枚，分享我用过的好东西。"),
    DemoAccount(Role.INFLUENCER, _("Influencer"), "13900000003", "吃货阿杰",
                "美食博主，专挑好吃不贵的。"),
    DemoAccount(Role.MERCHANT_STAFF, _("Merchant"), "13900000004", "王建国",
                "山水茶业品牌负责人。"),
    DemoAccount(Role.OPERATOR, _("Operator"), "13900000005", "平台运营小周", "TrustMart 运营。"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = ["晓明", "丽娜", "子轩", "欣怡", "浩然", "思雨", "宇航", "梓涵", "佳怡", "俊杰", "雨桐",
         "嘉怡", "一诺", "诗涵", "博文", "梦琪", "天佑", "若曦", "家豪", "静怡", "明轩", "语嫣"]
BIOS = ["", "喜欢分享好物", "理性消费，认真评价", "宝妈，关注母婴好物", "健身达人", "数码控",
        "咖啡与茶都爱", "家居收纳爱好者", "学生党，预算有限", "在杭州上班的设计师"]
PALETTE = [(232, 70, 58), (240, 122, 60), (31, 157, 85), (52, 120, 246), (142, 68, 173),
           (0, 150, 136), (233, 30, 99), (96, 125, 139)]


def identicon(seed: str, size: int = 256) -> bytes:
    """A symmetric 5x5 pattern in one colour, made from the hash of ``seed`` (a JPEG)."""
    digest = hashlib.sha256(seed.encode()).digest()
    colour = PALETTE[digest[0] % len(PALETTE)]
    image = Image.new("RGB", (size, size), (245, 246, 248))
    draw = ImageDraw.Draw(image)
    cell, margin = size // 6, size // 12
    for row in range(5):
        for col in range(3):
            if digest[1 + row * 3 + col] % 2:
                for c in {col, 4 - col}:
                    x, y = margin + c * cell, margin + row * cell
                    draw.rectangle([x, y, x + cell - 1, y + cell - 1], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _save_avatar(user: User) -> None:
    user.avatar.save("avatar.jpg", ContentFile(identicon(user.mobile)), save=True)


def build(rng: random.Random, *, crowd: int = 60) -> dict[str, User]:
    """Create the demo accounts and ``crowd`` other users; return the demo accounts by role."""
    password = make_password(DEMO_PASSWORD)  # hash once: hashing is slow on purpose
    by_role: dict[str, User] = {}
    for account in DEMO_ACCOUNTS:
        user = User.objects.create(mobile=account.mobile, nickname=account.nickname,
                                   bio=account.bio, password=password)
        _save_avatar(user)
        if account.role != Role.BUYER:
            RoleGrant.objects.create(user=user, role=account.role)
        if account.role == Role.INFLUENCER:
            RoleGrant.objects.create(user=user, role=Role.STORE_OWNER)
        if account.role == Role.OPERATOR:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        by_role[account.role] = user

    crowd_users = []
    used: set[str] = {u.nickname for u in by_role.values()}
    for i in range(crowd):
        nickname = rng.choice(SURNAMES) + rng.choice(GIVEN)
        while nickname in used:
            nickname = rng.choice(SURNAMES) + rng.choice(GIVEN)
        used.add(nickname)
        crowd_users.append(User(mobile=f"137{10000000 + i * 7919:08d}"[:11], nickname=nickname,
                                bio=rng.choice(BIOS), password=password))
    User.objects.bulk_create(crowd_users)
    for user in User.objects.filter(mobile__startswith="137").order_by("pk"):
        _save_avatar(user)

    everyone = list(User.objects.filter(is_staff=False).order_by("pk"))
    follows = set()
    for user in everyone:
        for followee in rng.sample(everyone, k=rng.randint(0, 8)):
            if followee.pk != user.pk:
                follows.add((user.pk, followee.pk))
    # Everybody likes the influencer a little more.
    influencer = by_role[Role.INFLUENCER]
    follows.update((u.pk, influencer.pk) for u in everyone[::2] if u.pk != influencer.pk)
    Follow.objects.bulk_create([Follow(follower_id=a, followee_id=b) for a, b in sorted(follows)])
    return by_role
