"""The TLS certificate inventory serves expires; checkout can no longer reserve stock.

Timeline: cert-manager has failed to renew ``inventory-tls`` for 30 days (the CA issuer's key
pair secret is gone) and the certificate's notAfter passes at -21 minutes. As checkout's
keep-alive connections recycle, every new handshake fails certificate validation, inventory
stops receiving reservations, and every checkout fails; the 5xx-ratio alert fires. Evidence:
blackbox ``probe_ssl_earliest_cert_expiry`` at the expiry, ``probe_success`` 0, Warning Events
on the Certificate and Issuer, checkout's CertificateExpiredException, inventory's TLS handshake
errors and request rate collapsing. Red herring: a slow-query warning in checkout that predates
the incident.
"""

from __future__ import annotations

from evals.simulator.extras import Extras, TlsProbe, WarningEvent
from evals.simulator.scenario import Effect, NoiseLine, Scenario, TruthSpec
from evals.simulator.scenarios.common import BACKGROUND, at, error_ratio_alert, parse

NOW = parse("2025-12-02T10:00:00Z")
EXPIRY = parse("2025-12-02T09:39:17Z")
_CA_SECRET = "internal-ca-keypair"
_HANDSHAKE = (
    "javax.net.ssl.SSLHandshakeException: PKIX path validation failed: "
    "java.security.cert.CertPathValidatorException: validity check failed"
    "\n\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:130)"
    "\n\tat java.base/sun.security.ssl.CertificateMessage$T13CertificateConsumer.checkServerCerts"
    "(CertificateMessage.java:1341)"
    "\n\tat com.shop.checkout.inventory.InventoryClient.reserve(InventoryClient.java:64)"
    "\nCaused by: java.security.cert.CertificateExpiredException: NotAfter: "
    "Tue Dec 02 09:39:17 UTC 2025"
    "\n\tat java.base/sun.security.x509.X509CertImpl.checkValidity(X509CertImpl.java:617)",
)

SCENARIO = Scenario(
    id="checkout-5xx-0514",
    title="checkout 5xx error ratio above threshold",
    description="Orders cannot be placed; checkout answers HTTP 500 to most requests.",
    seed=514,
    now=NOW,
    effects=(
        # Pooled connections keep working until they are recycled, so the share grows.
        Effect("inventory", "refuse", EXPIRY, 1.0, ramp_s=150.0, templates=_HANDSHAKE),
    ),
    noise=(
        *BACKGROUND,
        NoiseLine(
            "inventory",
            "ERROR",
            "http: TLS handshake error from 10.244.2.{n}:3{ms}: remote error: tls: "
            "unknown certificate",
            2.5,
            start=EXPIRY,
        ),
        NoiseLine(
            "checkout",
            "WARN",
            "slow query ({ms} ms): SELECT * FROM order_lines WHERE order_id = ? FOR UPDATE",
            50.0,
        ),
    ),
    extras=Extras(
        tls_probes=(TlsProbe("https://inventory.shop.svc:8080/healthz", "inventory", EXPIRY),),
        warnings=(
            WarningEvent(
                "cert-manager.io/v1",
                "Certificate",
                "shop",
                "inventory-tls",
                "Failed",
                "The certificate request has failed to complete and will be retried: "
                f'issuer shop-internal-ca is not ready: secret "{_CA_SECRET}" not found',
                EXPIRY - 30 * 86400,
                at(NOW, 6),
                41,
                "cert-manager-certificates-issuing",
            ),
            WarningEvent(
                "cert-manager.io/v1",
                "Issuer",
                "shop",
                "shop-internal-ca",
                "ErrGetKeyPair",
                f'Error getting keypair for CA issuer: secret "{_CA_SECRET}" not found',
                EXPIRY - 31 * 86400,
                at(NOW, 11),
                212,
                "cert-manager-issuers",
            ),
        ),
    ),
    alerts=(error_ratio_alert("checkout", 0.05),),
    truth=TruthSpec(
        component="inventory",
        category="configuration",
        summary="The TLS certificate served by inventory (cert-manager Certificate "
        "inventory-tls) expired at 09:39:17 UTC: renewal had failed for 30 days because the CA "
        f'issuer shop-internal-ca lost its key pair secret "{_CA_SECRET}"; checkout\'s '
        "handshakes fail (CertificateExpiredException) and every order fails.",
        aliases=("inventory-tls", "inventory certificate", "shop-internal-ca", "inventory-service"),
        key_evidence=(
            "inventory-tls",
            "expired",
            "CertificateExpiredException",
            "probe_ssl_earliest_cert_expiry",
            _CA_SECRET,
        ),
        remediation=f'Restore the "{_CA_SECRET}" secret for issuer shop-internal-ca, renew '
        "inventory-tls (cmctl renew -n shop inventory-tls) and let inventory reload it; add an "
        "alert on probe_ssl_earliest_cert_expiry - time() < 14d.",
    ),
)
