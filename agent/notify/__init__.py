"""Delivering results where on-call engineers work: Slack, PagerDuty, issues, email, webhooks."""
