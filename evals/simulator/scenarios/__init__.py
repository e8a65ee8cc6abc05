"""The registered scenarios. Adding one = one module here exporting ``SCENARIO``, listed below."""

from evals.simulator.scenario import Scenario
from evals.simulator.scenarios import checkout_errors, frontend_latency, gateway_errors

SCENARIOS: tuple[Scenario, ...] = (
    checkout_errors.SCENARIO,
    gateway_errors.SCENARIO,
    frontend_latency.SCENARIO,
)
