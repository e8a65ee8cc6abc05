"""``agent serve``: authenticated alert webhooks, durable investigations and the HTTP API.

Modules: ``payloads`` (parse and normalise), ``auth`` (credentials), ``intake`` (store first,
answer second), ``store`` (SQLite), ``workers`` (the pool), ``runner`` (live investigations),
``approvals`` (the gate over HTTP), ``metrics``, ``app`` (routes) and ``build`` (wiring).
"""
