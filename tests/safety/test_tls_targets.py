"""TLS with certificates made at test time: HTTPS to the REST (the stand behind it), AMQP over TLS and the management
API over HTTPS (the production node's TLS listeners), trusted through FOCUS_CA_BUNDLE, or a self-signed certificate
with FOCUS_VERIFY_TLS=false (untrusted ones: test_down_or_wrong_target.py). The scenarios pass on the production node
and use every part: REST (metadata, sensors), AMQP (passive declares) and the management API (exchange listings).
"""

from __future__ import annotations

from pathlib import Path

from httpfake import FakeHttp, serve
from safety_parts import Certificates, Production, StandHandle, run_behave, run_preflight, target_env, tls_in_front

SCENARIOS = (
    "@case-prisma-only-custom-exchange",
    "@case-prisma-durable-topic",
    "@case-no-focus-server-queue",
    "@case-recorder-input-queue",
    "@case-live-metadata-quick",
    "@case-sensors-quick",
)


def _over_tls(production: Production, tls: FakeHttp, **trust: str) -> dict[str, str]:
    focus = {
        "FOCUS_BASE_URL": tls.url,
        "FOCUS_AMQP_URL": production.broker.amqps_url,
        "FOCUS_RABBITMQ_API_URL": production.broker.api_tls_url,
    }
    return target_env(focus | trust)


def test_scenarios_pass_over_https_amqps_and_management_tls_with_the_ca_bundle(
    production: Production, stand: StandHandle, certs: Certificates, tmp_path: Path
) -> None:
    with serve(tls_in_front(stand.port), certs.server_context()) as tls:
        env = _over_tls(production, tls, FOCUS_CA_BUNDLE=str(certs.ca))
        run = run_behave(env, tmp_path, "features", f"--tags={' or '.join(SCENARIOS)}")
    results = run.results()
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert len(results) == len(SCENARIOS)
    assert {r["status"] for r in results} == {"passed"}, [(r["name"], r["statusDetails"]) for r in results]


def test_a_self_signed_certificate_with_verification_switched_off(
    production: Production, stand: StandHandle, certs: Certificates, tmp_path: Path
) -> None:
    with serve(tls_in_front(stand.port), certs.server_context(rogue=True)) as tls:
        run, answer = run_preflight(_over_tls(production, tls, FOCUS_VERIFY_TLS="false"), tmp_path)
    assert (run.returncode, answer["line"]) == (0, None), run.stdout + run.stderr
    assert answer["broker"].startswith("RabbitMQ ")  # the management API answered over its HTTPS port
    assert "InsecureRequestWarning" not in run.stdout + run.stderr  # chosen by setting: no warning per request
