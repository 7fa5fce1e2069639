"""Masking of personal data. Every report shows phones and ID numbers only through here."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``; shorter or odd values keep at most their last 4."""
    p = (phone or "").strip()
    if not p:
        return ""
    if len(p) >= 11:
        return p[:3] + "*" * (len(p) - 7) + p[-4:]
    if len(p) > 4:
        return "*" * (len(p) - 4) + p[-4:]
    return "*" * len(p)


def mask_id(id_number: str) -> str:
    """National ID: first 3 + last 4 shown (``110***********1234``)."""
    s = (id_number or "").strip()
    if not s:
        return ""
    if len(s) <= 7:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]
