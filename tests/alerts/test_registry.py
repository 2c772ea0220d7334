"""The department registry: complete, in step with the contracts and seeds; contacts from env."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.contacts import contacts_for, redirect
from alerts.registry import DATA_TEAM, load_registry, registry_problems
from ingestion.contracts import all_contracts, department_name, indicators


def test_registry_agrees_with_contracts_and_plan_seeds() -> None:
    assert registry_problems(load_registry()) == []


def test_every_source_and_indicator_has_an_owner() -> None:
    registry = load_registry()
    for contract in all_contracts():
        owner = registry.owner_of_source(contract.name)
        assert owner is not None and owner.code == contract.department_code
        assert owner.name_zh == department_name(contract.department_code)
        duty = registry.source_duty(contract.name)
        assert duty is not None and duty.cadence_days == contract.cadence_days
        assert duty.quarantine_alert_share == contract.quarantine_alert_share
    for code in indicators():
        assert registry.owners_of_indicator(code), code


def test_quality_office_is_the_market_regulator() -> None:
    registry = load_registry()
    assert registry.department(registry.quality_office).name_zh == "市市场监管局"


def test_no_real_contact_sits_in_the_repository() -> None:
    for dept in load_registry().everyone():
        assert dept.email == () and dept.webhook is None, dept.code


def test_drift_is_reported() -> None:
    registry = load_registry()
    housing = registry.departments["YC_HOUSING_CONSTRUCTION"]
    changed = housing.model_copy(update={"indicators": housing.indicators[1:]})
    departments = {**registry.departments, "YC_HOUSING_CONSTRUCTION": changed}
    del departments["YC_AGRICULTURE_RURAL"]
    drifted = registry.model_copy(update={"departments": departments})
    problems = " | ".join(registry_problems(drifted))
    assert "source agri_testing belongs to YC_AGRICULTURE_RURAL" in problems
    assert "QUAL_PROJECT_FIRST_ACCEPTANCE_RATE" in problems


def test_the_registry_copies_no_source_fact() -> None:
    """Cadence, alert share and ownership are the contracts'; names are the seed's."""
    text = Path("alerts/departments.yaml").read_text(encoding="utf-8")
    body = text.split("\ndepartments:\n", 1)[1]
    for word in ("cadence_days:", "quarantine_alert_share:", "sources:", "name_zh:"):
        assert word not in body, word
    for contract in all_contracts():
        assert contract.name not in body, contract.name


def test_contacts_come_from_the_environment() -> None:
    dept = load_registry().departments["YC_AGRICULTURE_RURAL"]
    env = {
        "QCITY_ALERT_YC_AGRICULTURE_RURAL_EMAIL": "a@x.test, b@x.test;not-an-address",
        "QCITY_ALERT_YC_AGRICULTURE_RURAL_WEBHOOK": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
    }
    got = contacts_for(dept, env)
    assert got.emails == ("a@x.test", "b@x.test")
    assert got.webhook.kind == "wecom" and got.webhook.host == "https://qyapi.weixin.qq.com"
    assert contacts_for(dept, {}).emails == () and contacts_for(dept, {}).webhook is None


def test_contacts_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    path = tmp_path / "contacts.yaml"
    path.write_text(
        "YC_HOUSING_CONSTRUCTION:\n"
        "  email: [file@x.test]\n"
        "  webhook: {url: 'https://oapi.dingtalk.com/robot/send?access_token=t', secret: SEC1}\n"
        f"{DATA_TEAM}:\n  email: [data@x.test]\n",
        encoding="utf-8",
    )
    registry = load_registry()
    env = {"QCITY_ALERT_CONTACTS_FILE": str(path)}
    housing = contacts_for(registry.departments["YC_HOUSING_CONSTRUCTION"], env)
    assert housing.emails == ("file@x.test",)
    assert (housing.webhook.kind, housing.webhook.secret) == ("dingtalk", "SEC1")
    assert contacts_for(registry.data_team, env).emails == ("data@x.test",)
    env["QCITY_ALERT_YC_HOUSING_CONSTRUCTION_EMAIL"] = "env@x.test"
    assert contacts_for(registry.departments["YC_HOUSING_CONSTRUCTION"], env).emails == (
        "env@x.test",
    )


def test_malformed_webhook_is_dropped_not_raised() -> None:
    dept = load_registry().departments["YC_HEALTH"]
    assert contacts_for(dept, {"QCITY_ALERT_YC_HEALTH_WEBHOOK": "ftp://nope"}).webhook is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"QCITY_ALERT_REDIRECT": "stage@x.test"}, ("stage@x.test", None)),
        (
            {
                "QCITY_ALERT_REDIRECT": "stage@x.test",
                "QCITY_ALERT_REDIRECT_WEBHOOK": "http://127.0.0.1:1/r",
            },
            ("stage@x.test", "http://127.0.0.1:1"),
        ),
    ],
)
def test_redirect(env: dict[str, str], expected: tuple | None) -> None:
    got = redirect(env)
    if expected is None:
        assert got is None
    else:
        assert (got.email, got.webhook.host if got.webhook else None) == expected
