"""Shapes of Kubernetes-generated names that must not leak into public or root-cause text."""

from __future__ import annotations

import re

# Kubernetes builds pod-template hashes and pod suffixes from this vowel-free alphabet
# (apimachinery rand.SafeEncodeString), so ordinary words almost never look like them.
_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"
_DNS_LABEL = "[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"

DEPLOYMENT_POD_NAME = re.compile(
    rf"(?<![A-Za-z0-9_.-]){_DNS_LABEL}-{_SAFE}{{6,10}}-{_SAFE}{{5}}(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)
"""A Deployment's pod name: ``<deployment>-<pod-template-hash>-<suffix>``."""

CLUSTER_HOST = re.compile(
    r"(?<![A-Za-z0-9_.-])(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?\.)+svc(?:\.cluster\.local)?\b",
    re.IGNORECASE,
)
"""An in-cluster DNS name such as ``payments.shop.svc.cluster.local`` (or ``….svc``)."""
