"""Alerts reach the right mailbox and robot on real loopback servers, with their workbook."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from alerts import outbox
from alerts.sender import send_pending
from tests.alerts.conftest import DINGTALK_SECRET, address, configure_contacts, workbooks_for
from tests.alerts.test_outbox import quarantining_file


def problem_files(tmp_path: Path, loader, con) -> list:
    empty = tmp_path / "农残监测（空）.csv"
    empty.write_bytes(b"")
    results = [
        loader.ingest(quarantining_file(tmp_path, "第9期抽检.csv")),
        loader.ingest(empty, source="agri_testing"),
    ]
    workbooks_for(con, results, tmp_path / "corrections")
    return results


def test_email_reaches_the_department_with_its_workbook(
    tmp_path, loader, con, smtp, contacts
) -> None:
    problem_files(tmp_path, loader, con)
    report = send_pending(con)
    assert report.ok and len(report.delivered) == 4  # two files x (email + robot)
    [market] = smtp.to(address("YC_MARKET_REGULATION"))
    assert market.rcpt_tos == [address("YC_MARKET_REGULATION")]
    assert market.mail_from == "qcity-alerts@qcity.test"  # the connection's from_email
    assert market.subject == "【质量强市数据】第9期抽检.csv 有3行数据未入库，请整改"
    assert (
        "市市场监管局：" in market.text
        and "无法从“火星区”确定所属县（市、区）——共3行" in market.text
    )
    assert "第22行" in market.text and "EN (data team):" in market.text
    assert "<td>22</td>" in market.html
    [(name, data)] = market.attachments()
    assert name.endswith("_market_sampling_整改清单.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "汇总" and book["汇总"]["A2"].value == "第9期抽检.csv"
    [agri] = smtp.to(address("YC_AGRICULTURE_RURAL"))
    assert agri.subject == "【质量强市数据】文件被退回，请修改后重报：农残监测（空）.csv"
    assert "是空文件" in agri.text
    assert len(smtp.messages) == 2


def test_robots_get_markdown_in_their_own_shape(tmp_path, loader, con, smtp, contacts) -> None:
    problem_files(tmp_path, loader, con)
    send_pending(con)
    [ding] = contacts.to("YC_MARKET_REGULATION")
    assert ding.body["msgtype"] == "markdown" and set(ding.body["markdown"]) == {"title", "text"}
    assert "第9期抽检.csv" in ding.body["markdown"]["title"]
    assert "整改清单已随邮件发送" in ding.markdown
    timestamp, sign = ding.query["timestamp"][0], ding.query["sign"][0]
    expected = hmac.new(
        DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256
    ).digest()
    assert base64.b64decode(sign) == expected
    [wecom] = contacts.to("YC_AGRICULTURE_RURAL")
    assert set(wecom.body["markdown"]) == {"content"} and "是空文件" in wecom.markdown
    delivered = {(r.channel, r.delivered_to) for r in outbox.deliveries(con)}
    assert ("webhook", f"wecom http://127.0.0.1:{contacts.port}") in delivered
    assert not any("token" in (to or "") for _, to in delivered)  # robot tokens stay out


def test_robot_links_the_workbook_when_it_is_served(
    tmp_path, loader, con, smtp, contacts, monkeypatch
) -> None:
    monkeypatch.setenv("QCITY_ALERT_LINK_BASE", "http://127.0.0.1:8000/corrections/")
    problem_files(tmp_path, loader, con)
    send_pending(con)
    [ding] = contacts.to("YC_MARKET_REGULATION")
    assert "[点击下载](http://127.0.0.1:8000/corrections/" in ding.markdown
    assert "_market_sampling_%E6%95%B4" in ding.markdown  # the name, URL-quoted


def test_a_second_run_sends_nothing(tmp_path, loader, con, smtp, contacts) -> None:
    problem_files(tmp_path, loader, con)
    first = send_pending(con)
    second = send_pending(con, now=datetime.now() + timedelta(days=1))
    assert len(first.delivered) == 4 and second.delivered == [] and second.ok
    assert len(smtp.messages) == 2 and len(contacts.posts) == 2


def test_redirect_sends_everything_to_one_address(
    tmp_path, loader, con, smtp, contacts, monkeypatch
) -> None:
    monkeypatch.setenv("QCITY_ALERT_REDIRECT", "stage@qcity.test")
    problem_files(tmp_path, loader, con)
    assert send_pending(con).ok
    assert contacts.posts == []
    assert {tuple(m.rcpt_tos) for m in smtp.messages} == {("stage@qcity.test",)}
    assert len(smtp.messages) == 4
    texts = sorted(m.text for m in smtp.messages)
    assert (
        sum(
            "原应通过邮件发送给 市市场监管局（yc_market_regulation@qcity.test）" in t for t in texts
        )
        == 1
    )
    assert sum("原应通过钉钉群机器人发送给 市市场监管局" in t for t in texts) == 1
    assert sum("原应通过企业微信群机器人发送给 市农业农村局" in t for t in texts) == 1
    assert all(m.subject.startswith("[转发：原发") for m in smtp.messages)


def test_redirect_webhook_takes_the_robot_messages(
    tmp_path, loader, con, smtp, contacts, monkeypatch
) -> None:
    monkeypatch.setenv("QCITY_ALERT_REDIRECT", "stage@qcity.test")
    monkeypatch.setenv("QCITY_ALERT_REDIRECT_WEBHOOK", contacts.url("STAGING"))
    problem_files(tmp_path, loader, con)
    assert send_pending(con).ok
    staged = contacts.to("STAGING")
    assert len(staged) == 2 and len(smtp.messages) == 2
    assert all("原应通过" in p.markdown for p in staged)


def test_missing_address_keeps_the_alert_and_says_why(
    tmp_path, loader, con, smtp, monkeypatch
) -> None:
    problem_files(tmp_path, loader, con)
    report = send_pending(con)
    assert len(report.failed) == 2 and smtp.messages == []
    errors = {r.last_error for r in outbox.deliveries(con)}
    assert (
        "no email address configured for YC_MARKET_REGULATION (set QCITY_ALERT_YC_MARKET_REGULATION_EMAIL)"
        in errors
    )
    configure_contacts(monkeypatch, None)
    later = send_pending(con, now=datetime.now() + timedelta(minutes=2))
    assert len(later.delivered) == 2 and len(smtp.messages) == 2


def test_file_alert_waits_for_its_workbook_then_goes_without(
    tmp_path, loader, con, smtp, monkeypatch
) -> None:
    configure_contacts(monkeypatch, None)
    loader.ingest(quarantining_file(tmp_path))  # no workbook recorded (yet)
    assert send_pending(con).delivered == []
    [row] = outbox.deliveries(con)
    assert row.state(datetime.now(), timedelta(minutes=15)) == "waiting_for_workbook"
    late = send_pending(con, now=datetime.now() + timedelta(minutes=16))
    assert len(late.delivered) == 1
    [message] = smtp.messages
    assert message.attachments() == [] and "整改清单暂未附上" in message.text
    [row] = outbox.deliveries(con)
    assert row.last_error == "sent without its correction workbook"


@pytest.mark.parametrize("kind", ["dingtalk", "wecom"])
def test_long_robot_messages_are_cut_to_the_limit(kind: str) -> None:
    from alerts.contacts import Webhook
    from alerts.webhook import MAX_BYTES, payload

    body = payload(Webhook("http://127.0.0.1/r", kind), "t", "问题行\n" * 5000)
    text = body["markdown"].get("text") or body["markdown"]["content"]
    assert len(text.encode()) <= MAX_BYTES[kind] and text.endswith("完整内容见邮件）")
