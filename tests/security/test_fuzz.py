"""schemathesis over the OpenAPI document, anonymous and with a staff token: no 5xx, data outside
the schema refused, authentication never ignored. Bounded in examples (FUZZ_EXAMPLES per operation
and mode, 4 by default) so that it stays quick; the count of 5xx is printed per 10,000 requests."""

from __future__ import annotations

import os
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import ignored_auth, negative_data_rejection, not_a_server_error

from tests.helpers import token_for

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, negative_data_rejection, ignored_auth]


def _fuzz(app, savepoint, headers: dict) -> tuple[Counter, list[str]]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    counts: Counter = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, "the API's operations are found"
    counts["operations"] = len(operations)

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(operation.as_strategy(generation_mode=mode))
            def one(case):
                with savepoint():
                    response = case.call(headers=headers)
                    counts["requests"] += 1
                    counts[f"{mode.value} {response.status_code // 100}xx"] += 1
                    counts["5xx"] += response.status_code >= 500
                    try:
                        case.validate_response(response, checks=CHECKS, headers=headers)
                    except Exception as failure:  # noqa: BLE001 - every failed check is reported together
                        failures.append(f"{operation.label} [{mode.value}] {response.status_code}: "
                                        f"{str(failure).splitlines()[0][:300]}")

            try:
                one()
            except Unsatisfiable:
                counts["nothing to make negative"] += 1  # an operation without input: no invalid data exists
    return counts, failures


def _report(capsys, who: str, counts: Counter) -> None:
    per_10k = counts["5xx"] * 10_000 / max(counts["requests"], 1)
    with capsys.disabled():
        print(f"\nschemathesis {who}: {counts['operations']} operations, {counts['requests']} requests, "
              f"{counts['5xx']} answered 5xx ({per_10k:.1f} per 10,000); "
              + ", ".join(f"{key}: {value}" for key, value in sorted(counts.items()) if key[:1] in "np"))


def test_the_api_fuzzed_anonymously(app, client, people, savepoint, capsys):
    counts, failures = _fuzz(app, savepoint, {})
    _report(capsys, "anonymous", counts)
    assert counts["requests"] >= 2 * counts["operations"]
    assert counts["5xx"] == 0 and not failures, "\n".join(failures[:30])


def test_the_api_fuzzed_with_a_staff_token(app, client, people, savepoint, capsys):
    headers = {"Authorization": f"Bearer {token_for(client)}"}
    counts, failures = _fuzz(app, savepoint, headers)
    _report(capsys, "with a token", counts)
    assert counts["requests"] >= 2 * counts["operations"]
    assert counts["5xx"] == 0 and not failures, "\n".join(failures[:30])
