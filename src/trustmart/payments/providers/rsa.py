"""RSA keys and SHA256withRSA signatures, shared by WeChat Pay and Alipay.

Both sign with RSA-SHA256 PKCS#1 v1.5 and carry the signature in base64. Keys come from
settings as PEM text or as a path to a PEM file (and, for Alipay, as the bare base64 DER the
Alipay console shows), so secrets can live in files outside the environment.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.exceptions import ImproperlyConfigured

PEM_MARK = "-----BEGIN"


def read_text(value: str) -> str:
    """PEM text as given, or the content of the file it names."""
    text = value.strip()
    if PEM_MARK in text:
        return text
    try:
        path = Path(text)
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        pass
    return text


def load_private_key(value: str) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM (PKCS#1 or PKCS#8), a path, or bare base64 PKCS#8 DER."""
    text = read_text(value)
    try:
        if PEM_MARK in text:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = serialization.load_der_private_key(base64.b64decode(text), password=None)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ImproperlyConfigured("a payment private key could not be read") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured("a payment private key must be an RSA key")
    return key


def load_public_key(value: str) -> rsa.RSAPublicKey:
    """An RSA public key from a PEM certificate, a PEM public key, a path to either, or bare
    base64 SubjectPublicKeyInfo DER (how Alipay shows its public key)."""
    text = read_text(value)
    key: object
    try:
        if "-----BEGIN CERTIFICATE" in text:
            key = x509.load_pem_x509_certificate(text.encode()).public_key()
        elif PEM_MARK in text:
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = serialization.load_der_public_key(base64.b64decode(text))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ImproperlyConfigured("a payment public key could not be read") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ImproperlyConfigured("a payment public key must be an RSA key")
    return key


def sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    """base64 of RSA-SHA256 PKCS#1 v1.5 over ``message``."""
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is ``key``'s RSA-SHA256 signature of ``message``."""
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
