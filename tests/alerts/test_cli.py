"""`qcity alerts list`, `send` and `preview`, as a user runs them."""

from __future__ import annotations

import email
import email.policy
import io
import json
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from qcity.cli import app
from tests.alerts.conftest import address, configure_contacts, workbooks_for
from tests.alerts.servers import SmtpSink
from tests.alerts.test_outbox import quarantining_file


def qcity(*args: str):
    return CliRunner().invoke(app, ["alerts", *args])


def test_list_shows_state_and_json(tmp_path, loader, con, monkeypatch) -> None:
    configure_contacts(monkeypatch, None)
    loader.ingest(quarantining_file(tmp_path))
    out = qcity("list")
    assert out.exit_code == 0, out.output
    assert "等待整改清单" in out.output and "rows_quarantined" in out.output
    [line] = qcity("list", "--json", "--pending").output.splitlines()
    record = json.loads(line)
    assert record["state"] == "waiting_for_workbook"
    assert record["department_code"] == "YC_MARKET_REGULATION"


def test_send_flushes_and_exits_1_while_smtp_is_down(tmp_path, loader, con, monkeypatch) -> None:
    configure_contacts(monkeypatch, None)
    result = loader.ingest(quarantining_file(tmp_path))
    workbooks_for(con, [result], tmp_path / "corrections")
    sink = SmtpSink()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", sink.uri)
    down = qcity("send")
    assert down.exit_code == 1 and "0 delivered, 1 failed" in down.output
    assert "重试中" in qcity("list").output
    con.execute(
        "update audit.alert_outbox set next_attempt_at = now() - interval 1 minute"
    )  # the backoff has passed
    sink.start()
    try:
        up = qcity("send")
    finally:
        sink.stop()
    assert up.exit_code == 0 and "1 delivered" in up.output
    assert [m.rcpt_tos for m in sink.messages] == [[address("YC_MARKET_REGULATION")]]
    assert (
        "已送达" in qcity("list").output and "nothing pending" in qcity("list", "--pending").output
    )


def test_preview_shows_what_the_department_gets_and_sends_nothing(
    tmp_path, warehouse_file, smtp, contacts
) -> None:
    out_dir = tmp_path / "preview"
    result = qcity("preview", str(quarantining_file(tmp_path)), "--out", str(out_dir))
    assert result.exit_code == 0, result.output
    assert f"收件人 / to: {address('YC_MARKET_REGULATION')}" in result.output
    assert "主题 / subject: 【质量强市数据】第9期抽检.csv 有3行数据未入库，请整改" in result.output
    assert "无法从“火星区”确定所属县（市、区）——共3行" in result.output
    assert "dingtalk robot http://127.0.0.1" in result.output
    assert smtp.messages == [] and contacts.posts == []
    assert not warehouse_file.exists()  # the real warehouse was never opened
    [eml] = sorted(out_dir.glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    [attachment] = list(message.iter_attachments())
    assert openpyxl.load_workbook(io.BytesIO(attachment.get_content())).sheetnames[0] == "汇总"
    [robot] = sorted(out_dir.glob("*.json"))
    assert json.loads(robot.read_text(encoding="utf-8"))["msgtype"] == "markdown"


def test_preview_of_a_clean_file(tmp_path: Path, monkeypatch) -> None:
    configure_contacts(monkeypatch, None)
    clean = quarantining_file(tmp_path, "干净.csv", bad=0)
    result = qcity("preview", str(clean))
    assert result.exit_code == 0 and "this file raises no alert" in result.output


def test_preview_without_contacts_says_where_it_would_wait(tmp_path: Path) -> None:
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    result = qcity("preview", str(empty), "--source", "construction_acceptance")
    assert result.exit_code == 0, result.output
    assert "市住建局 · email · file_rejected" in result.output
    assert "set QCITY_ALERT_YC_HOUSING_CONSTRUCTION_EMAIL" in result.output
