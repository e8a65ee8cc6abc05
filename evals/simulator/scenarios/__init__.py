"""The registered scenarios. Adding one = one module here exporting ``SCENARIO``, listed below."""

from evals.simulator.scenario import Scenario
from evals.simulator.scenarios import (
    api_errors,
    checkout_config_edit,
    checkout_errors,
    checkout_latency,
    frontend_errors_resolution,
    frontend_latency,
    gateway_errors,
    inventory_tls_expiry,
    search_latency,
    storefront_errors,
)

SCENARIOS: tuple[Scenario, ...] = (
    checkout_errors.SCENARIO,
    gateway_errors.SCENARIO,
    frontend_latency.SCENARIO,
    checkout_latency.SCENARIO,
    checkout_config_edit.SCENARIO,
    inventory_tls_expiry.SCENARIO,
    frontend_errors_resolution.SCENARIO,
    storefront_errors.SCENARIO,
    search_latency.SCENARIO,
    api_errors.SCENARIO,
)
