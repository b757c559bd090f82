"""Benchmarks that measure TrustMart served by a real application server.

Each benchmark is a module ``bench/<name>.py`` with a ``run(args) -> dict`` function; ``python -m
bench NAME`` runs it and prints its result as one JSON line. The shared pieces are
:mod:`bench.server` (starts the app server the way production does) and :mod:`bench.load` (a load
generator that runs as its own process, so the client never shares an interpreter with the
server it measures).
"""
