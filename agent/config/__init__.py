"""Settings of one agent process, and the one place that reads them.

``load`` is the only module that reads environment variables and configuration files;
everything else receives settings (``settings.Settings`` and its sections) as arguments.
Modules: ``backends`` (how to reach each telemetry backend), ``server`` (``agent serve`` and its
console), ``settings`` (the root and the other sections) and ``load`` (file and environment).
"""
