"""Render a report as terminal text, Markdown or JSON.

The text and Markdown renderers format the same ``outline``; both neutralise every string
(``agent.report.neutralize``) because any of it may be telemetry an attacker wrote. JSON is the
exact data, for machines that apply their own escaping.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from agent.report import neutralize
from agent.report.model import Report
from agent.report.outline import Line, Span, outline

_RICH_STYLES = {
    "plain": "",
    "strong": "bold",
    "code": "cyan",
    "muted": "dim",
    "good": "green",
    "bad": "red",
}
TEXT_WIDTH = 100


def _text_line(line: Line, allowed: frozenset[str]) -> Text:
    indent = "  " * max(line.depth - 1, 0) + ("• " if line.depth else "")
    text = Text(indent)
    for span in line.spans:
        # Text objects are never parsed as rich markup, so "[bold]" in a log line stays literal.
        clean = neutralize.plain(span.text, allowed, multiline=span.multiline)
        text.append(clean, style=_RICH_STYLES[span.style])
    return text


def render_text(report: Report, *, allowed_domains: Iterable[str] = ()) -> str:
    """The report as plain text for a 100-column terminal (styles dropped)."""
    allowed = frozenset(allowed_domains)
    console = Console(
        record=True, width=TEXT_WIDTH, file=io.StringIO(), color_system=None, highlight=False
    )
    for section in outline(report):
        console.print(Rule(Text(section.title, style="bold"), align="left"))
        for line in section.lines:
            console.print(_text_line(line, allowed), soft_wrap=False)
        console.print()
    return console.export_text()


def _markdown_span(span: Span, allowed: frozenset[str]) -> str:
    if span.style == "code":
        return neutralize.code_span(span.text, allowed)
    text = neutralize.markdown(span.text, allowed, multiline=span.multiline)
    marker = {"strong": "**", "good": "**", "bad": "**", "muted": "*"}.get(span.style, "")
    core = text.strip()
    if not marker or not core:
        return text
    # Emphasis must hug its text: keep surrounding spaces outside the markers.
    start = text.index(core)
    return f"{text[:start]}{marker}{core}{marker}{text[start + len(core) :]}"


def _markdown_line(line: Line, allowed: frozenset[str]) -> str:
    body = "".join(_markdown_span(span, allowed) for span in line.spans)
    if line.depth == 0:
        return body
    return "  " * (line.depth - 1) + "- " + body


def render_markdown(report: Report, *, allowed_domains: Iterable[str] = ()) -> str:
    """The report as Markdown (GitHub, Slack-compatible subset), safe to post."""
    allowed = frozenset(allowed_domains)
    parts: list[str] = []
    for index, section in enumerate(outline(report)):
        heading = "# " if index == 0 else "## "
        parts.append(heading + neutralize.markdown(section.title, allowed))
        parts.append("")
        previous_depth = 0
        for line in section.lines:
            # Paragraph lines need a blank line between them; list items must stay together.
            if parts[-1] and (line.depth == 0 or previous_depth == 0):
                parts.append("")
            parts.append(_markdown_line(line, allowed))
            previous_depth = line.depth
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def render_json(report: Report) -> str:
    """The report as indented JSON, matching ``report.schema.json``."""
    return report.model_dump_json(indent=2) + "\n"
