"""Reading the dashboard's HTML (as written, or as Chromium's DOM after the scripts ran).

A small html.parser walk, no third-party parser: it collects the indicator rows of every
table (the headline table and each county panel) with their `data-*` attributes and the
numbers shown, which panels are hidden, and how many Plotly SVGs each chart holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


@dataclass
class Cell:
    value: str | None  # data-value: the mart's number exactly, "" for null
    shown: str = ""  # the text of span.v: what a person reads


@dataclass
class Row:
    table: str  # the table's id or class
    county: str | None  # the county panel it sits in
    indicator: str
    status: str
    period: str
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass
class Dashboard:
    rows: list[Row] = field(default_factory=list)
    panels: dict[str, bool] = field(default_factory=dict)  # county -> hidden
    chart_svgs: dict[str, int] = field(default_factory=dict)  # chart div id -> main-svg count
    options: list[str] = field(default_factory=list)  # county selector values
    goals: list[tuple[str, str]] = field(default_factory=list)  # 2035 goals: (text, status)
    body: dict[str, str | None] = field(default_factory=dict)  # <body>'s attributes
    text: str = ""

    def headline(self) -> list[Row]:
        return [r for r in self.rows if r.table == "indicator-table"]

    def county_rows(self, county: str) -> list[Row]:
        return [r for r in self.rows if r.county == county and r.table == "county-table"]


class _Walker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = Dashboard()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.row: Row | None = None
        self.cell: Cell | None = None
        self.in_value = False
        self.texts: list[str] = []
        self.goal: list[str] | None = None
        self.goal_text: str | None = None

    def _enclosing(self, predicate) -> dict[str, str | None] | None:
        for tag, attrs in reversed(self.stack):
            if predicate(tag, attrs):
                return attrs
        return None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attrs_list)
        classes = (attrs.get("class") or "").split()
        if tag == "body":
            self.result.body = attrs
        if tag == "li" and "data-goal" in attrs:
            self.goal = [attrs.get("data-status") or ""]
        if tag == "b" and self.goal is not None and len(self.goal) == 1:
            self.goal_text = ""
        if tag == "div" and "county-panel" in classes:
            self.result.panels[attrs["data-county"]] = "hidden" in attrs
        if tag == "option" and self._enclosing(lambda t, a: a.get("id") == "county-select"):
            self.result.options.append(attrs.get("value") or "")
        if tag == "svg" and "main-svg" in classes:
            chart = self._enclosing(lambda t, a: "chart" in (a.get("class") or "").split())
            if chart is not None:
                self.result.chart_svgs[chart["id"]] = self.result.chart_svgs.get(chart["id"], 0) + 1
        if tag == "tr" and "data-indicator" in attrs:
            table = self._enclosing(lambda t, a: t == "table") or {}
            panel = self._enclosing(lambda t, a: "county-panel" in (a.get("class") or "").split())
            self.row = Row(
                table=table.get("id") or (table.get("class") or ""),
                county=panel["data-county"] if panel else None,
                indicator=attrs["data-indicator"] or "",
                status=attrs.get("data-status") or "",
                period=attrs.get("data-period") or "",
            )
        if tag == "td" and self.row is not None and "data-field" in attrs:
            self.cell = Cell(value=attrs.get("data-value"))
            self.row.cells[attrs["data-field"] or ""] = self.cell
        if tag == "span" and self.cell is not None and "v" in classes:
            self.in_value = True
        if tag not in _VOID:
            self.stack.append((tag, attrs))

    def handle_startendtag(self, tag, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "b" and self.goal is not None and self.goal_text is not None:
            self.result.goals.append((self.goal_text, self.goal[0]))
            self.goal.append(self.goal_text)
            self.goal_text = None
        if tag == "li":
            self.goal = None
        if tag == "span":
            self.in_value = False
        if tag == "td":
            self.cell = None
        if tag == "tr" and self.row is not None:
            self.result.rows.append(self.row)
            self.row = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self.goal_text is not None:
            self.goal_text += data
        if self.in_value and self.cell is not None:
            self.cell.shown += data
        if not self._enclosing(lambda t, a: t in ("script", "style")):
            self.texts.append(data)


def parse(html: str) -> Dashboard:
    walker = _Walker()
    walker.feed(html)
    walker.close()
    walker.result.text = " ".join(walker.texts)
    return walker.result
