"""Shapes of the merchants API: parsing only, no rules (those live in the services)."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class ApplicationIn(Schema):
    company_name: str
    credit_code: str
    legal_representative: str
    contact_name: str
    contact_mobile: str
    brand_name: str
    main_category_ids: list[int]


class CategoryRef(Schema):
    id: int
    name: str


class DecisionOut(Schema):
    decision: str
    reason: str
    decided_at: datetime
    operator_nickname: str


class ApplicationOut(Schema):
    id: int
    applicant_id: int
    company_name: str
    credit_code: str
    legal_representative: str
    contact_name: str
    contact_mobile: str
    brand_name: str
    main_categories: list[CategoryRef]
    status: str
    submitted_at: datetime
    decided_at: datetime | None
    decisions: list[DecisionOut]
    business_licence_url: str
    brand_authorisation_url: str
    merchant_id: int | None


class ReasonIn(Schema):
    reason: str = ""


class StaffOut(Schema):
    user_id: int
    nickname: str
    role: str
    added_at: datetime


class MerchantBrief(Schema):
    id: int
    name: str
    status: str
    deposit_ok: bool
    is_selling: bool


class MerchantOut(MerchantBrief):
    """What the merchant's own staff see: status, reason and the deposit in the ledger."""

    company_name: str
    credit_code: str
    status_reason: str
    suspension_kind: str
    deposit_required_fen: int
    deposit_balance_fen: int
    deposit_missing_fen: int
    pay_deposit_url: str
    my_role: str | None
    staff: list[StaffOut]


class MerchantPublicOut(Schema):
    id: int
    name: str
    logo_url: str | None
    introduction: str
    status: str
    genuine_guarantee: bool


class OpsMerchantOut(MerchantBrief):
    company_name: str
    credit_code: str
    owner_id: int
    status_reason: str
    deposit_required_fen: int
    created_at: datetime


class ProfileIn(Schema):
    introduction: str | None = None


class InvitationIn(Schema):
    mobile: str


class InvitationOut(Schema):
    id: int
    merchant_id: int
    merchant_name: str
    mobile: str
    status: str
    created_at: datetime
    answered_at: datetime | None
