"""The dashboard's charts as Plotly figures, returned as JSON-ready dicts.

Plotly draws them in the browser from the plotly.js bundle that ships inside the Python
package (inlined once into the page, so no CDN is needed). Text from the exports (test
items, product names) is HTML-escaped before it reaches Plotly, whose labels understand a
few HTML tags: an item named `<b>…` shows as typed, never as markup.
"""

from __future__ import annotations

import html
import json

import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

#: Status colours, shared with the page's CSS.
COLOURS = {
    "city": "#1f3b73",
    "target": "#c62828",
    "loaded": "#2e7d32",
    "duplicate": "#90a4ae",
    "rejected": "#c62828",
    "bar": "#d9822b",
}
_PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#86bcb6",
    "#d37295",
    "#8cd17d",
    "#499894",
]
_FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'


def _layout(**extra) -> dict:
    # The empty template keeps each figure's JSON small (Plotly's default one is ~10 kB).
    base = {
        "template": "none",
        "font": {"family": _FONT, "size": 12},
        "margin": {"l": 50, "r": 20, "t": 30, "b": 40},
        "height": 320,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hoverlabel": {"font": {"family": _FONT}},
    }
    base.update(extra)
    return base


def text(value: object) -> str:
    """A value from the data as Plotly label text (escaped, so never markup)."""
    return html.escape("" if value is None else str(value))


def trend_figure(rows: list[dict], counties: list[dict], city: str, target: float | None) -> dict:
    """Monthly pass rate: the whole city drawn, each county one click away in the legend."""
    names = {c["county_code"]: c["name_zh"] for c in counties}
    fig = go.Figure()
    codes = [
        c["county_code"]
        for c in counties
        if any(r["county_code"] == c["county_code"] for r in rows)
    ]
    colour = iter(_PALETTE * 2)
    for code in codes:
        series = [r for r in rows if r["county_code"] == code]
        is_city = code == city
        fig.add_trace(
            go.Scatter(
                x=[r["year_month"] for r in series],
                y=[round(r["pass_rate"], 4) for r in series],
                customdata=[[r["tested"], r["passed"]] for r in series],
                name=text(names.get(code, code)),
                meta=code,
                mode="lines+markers",
                line={
                    "width": 3 if is_city else 1.5,
                    "color": COLOURS["city"] if is_city else next(colour),
                },
                marker={"size": 6 if is_city else 4},
                visible=True if is_city else "legendonly",
                hovertemplate="%{x}<br>合格率 pass rate %{y:.2f}%<br>"
                "检测 tested %{customdata[0]} · 合格 passed %{customdata[1]}<extra>%{fullData.name}</extra>",
            )
        )
    if target is not None:
        fig.add_hline(
            y=target,
            line={"color": COLOURS["target"], "dash": "dash", "width": 1.5},
            annotation_text=f"目标 target {target:g}%",
            annotation_position="bottom right",
            annotation_font={"color": COLOURS["target"]},
        )
    fig.update_layout(
        _layout(
            xaxis={"type": "category", "title": {"text": ""}},
            yaxis={"title": {"text": "%"}, "ticksuffix": "", "rangemode": "normal"},
            legend={"orientation": "v", "font": {"size": 11}},
        )
    )
    return fig.to_plotly_json()


def failed_items_figure(rows: list[dict]) -> dict:
    """Horizontal bars, the item failing most at the top."""
    ordered = list(reversed(rows))
    fig = go.Figure(
        go.Bar(
            x=[r["failures"] for r in ordered],
            y=[text(r["failed_item"]) for r in ordered],
            customdata=[[r["products"], r["counties"]] for r in ordered],
            orientation="h",
            marker={"color": COLOURS["bar"]},
            hovertemplate="%{y}<br>不合格 failures %{x}<br>产品 products %{customdata[0]} · "
            "县区 counties %{customdata[1]}<extra></extra>",
        )
    )
    fig.update_layout(
        _layout(
            height=max(180, 30 * len(rows) + 60),
            margin={"l": 160, "r": 20, "t": 30, "b": 40},
            xaxis={"title": {"text": "不合格次数 failures"}},
            yaxis={"automargin": True},
        )
    )
    return fig.to_plotly_json()


def data_quality_figure(rows: list[dict]) -> dict:
    """Files per department and source: loaded, duplicate, rejected (stacked)."""
    labels = [text(f"{r['department_name_zh']}·{r['source_title_zh']}") for r in rows]
    fig = go.Figure()
    for field, name in (
        ("files_loaded", "已入库 loaded"),
        ("files_duplicate", "重复 duplicate"),
        ("files_rejected", "退回 rejected"),
    ):
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[r[field] for r in rows],
                name=name,
                marker={"color": COLOURS[field.removeprefix("files_")]},
                hovertemplate="%{x}<br>" + name + " %{y}<extra></extra>",
            )
        )
    fig.update_layout(
        _layout(
            barmode="stack",
            height=300,
            yaxis={"title": {"text": "文件数 files"}},
            legend={"orientation": "h", "y": 1.12},
        )
    )
    return fig.to_plotly_json()


def script_json(figure: dict) -> str:
    """JSON safe inside <script type="application/json">: no `<`, `>` or `&` left as is."""
    encoded = json.dumps(figure, cls=PlotlyJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return encoded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
