"""The ledger: double-entry accounts, journals, entries and two-phase holds.

The only code in TrustMart that writes balances. See ``docs/ledger.md``.
"""
