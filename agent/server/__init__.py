"""``agent serve``: authenticated alert webhooks, durable investigations and the HTTP API.

Modules: ``payloads`` (parse and normalise), ``auth`` (credentials), ``intake`` (store first,
answer second), ``store`` (SQLite), ``workers`` (the pool), ``runner`` (live investigations),
``approvals`` (the gate over HTTP), ``metrics``, ``deps`` (what routes share: the server,
the caller), ``bodies`` (capped request bodies), ``routes`` (the API), ``app`` (the ASGI app) and
``build`` (wiring).
"""
