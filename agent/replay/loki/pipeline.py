"""Compile a LogQL pipeline (line filters, parsers, label filters, line_format) to callables.

A compiled stage takes ``(line, labels, stream_labels)`` and returns the (possibly rewritten)
line, or None to drop it; parsers and label filters update ``labels`` in place. Leading line
filters run first on the bare line, before any per-line label dict is built, which keeps the
common ``{...} |= "error"`` query fast over hundreds of thousands of lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from agent.replay.loki import nodes
from agent.replay.loki.errors import LogQLParseError, unsupported
from agent.replay.loki.extract import (
    Extractor,
    json_extractor,
    logfmt_extractor,
    pattern_extractor,
    regexp_extractor,
)
from agent.replay.loki.goregex import compile_go_regex
from agent.replay.loki.units import parse_bytes, parse_duration_ns

Labels = dict[str, str]
LinePredicate = Callable[[str], bool]
Stage = Callable[[str, Labels, Mapping[str, str]], str | None]
LabelTest = Callable[[Labels], bool]

ERROR_LABEL = "__error__"
ERROR_DETAILS_LABEL = "__error_details__"
_PARSER_ERRORS = {
    nodes.JsonParser: "JSONParserErr",
    nodes.LogfmtParser: "LogfmtParserErr",
}
_LABEL_FILTER_ERROR = "LabelFilterErr"
_TEMPLATE_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_TEMPLATE_FIELD = re.compile(r"\s*\.([a-zA-Z_][a-zA-Z0-9_]*)\s*")
_TEMPLATE_LINE = re.compile(r"\s*__line__\s*")
_NO_VALUE = "<no value>"  # what Go's text/template prints for a missing map key


def compile_matcher(matcher: nodes.Matcher) -> Callable[[str], bool]:
    """Return a predicate on a label value (absent labels are the empty string)."""
    if matcher.op in ("=", "!="):
        want, equal = matcher.value, matcher.op == "="
        return lambda value: (value == want) is equal
    regex = compile_go_regex(matcher.value, anchored=True)
    positive = matcher.op == "=~"
    return lambda value: (regex.match(value) is not None) is positive


class Pipeline:
    """A compiled pipeline: ``process(line, stream_labels)`` → ``(line, labels)`` or None."""

    def __init__(self, stages: tuple[nodes.Stage, ...]) -> None:
        split = 0
        while split < len(stages) and isinstance(stages[split], nodes.LineFilter):
            split += 1
        self._line_tests = [_line_filter(s) for s in stages[:split]]  # type: ignore[arg-type]
        self._stages = [_compile_stage(s) for s in stages[split:]]

    def process(self, line: str, stream_labels: Mapping[str, str]) -> tuple[str, Labels] | None:
        """Run one line through the pipeline; the returned labels may be ``stream_labels``."""
        for test in self._line_tests:
            if not test(line):
                return None
        if not self._stages:
            return line, stream_labels  # type: ignore[return-value]  # read-only by contract
        labels = dict(stream_labels)
        for stage in self._stages:
            result = stage(line, labels, stream_labels)
            if result is None:
                return None
            line = result
        return line, labels


def _compile_stage(stage: nodes.Stage) -> Stage:
    if isinstance(stage, nodes.LineFilter):
        test = _line_filter(stage)
        return lambda line, _labels, _base: line if test(line) else None
    if isinstance(stage, nodes.JsonParser):
        return _parser_stage(json_extractor(stage.params), _PARSER_ERRORS[nodes.JsonParser])
    if isinstance(stage, nodes.LogfmtParser):
        extractor = logfmt_extractor(stage.strict, stage.keep_empty)
        return _parser_stage(extractor, _PARSER_ERRORS[nodes.LogfmtParser])
    if isinstance(stage, nodes.RegexpParser):
        return _parser_stage(regexp_extractor(stage.pattern), "RegexpParserErr")
    if isinstance(stage, nodes.PatternParser):
        return _parser_stage(pattern_extractor(stage.pattern), "PatternParserErr")
    if isinstance(stage, nodes.LabelFilter):
        label_test = _label_test(stage.predicate)
        return lambda line, labels, _base: line if label_test(labels) else None
    return _line_format(stage.template)


def _line_filter(stage: nodes.LineFilter) -> LinePredicate:
    keep = stage.op in ("|=", "|~")
    if stage.op in ("|=", "!="):
        values = stage.values
        if len(values) == 1:
            value = values[0]
            return lambda line: (value in line) is keep
        return lambda line: any(v in line for v in values) is keep
    regexes = [compile_go_regex(v, anchored=False) for v in stage.values]
    return lambda line: any(r.search(line) is not None for r in regexes) is keep


def _parser_stage(extract: Extractor, error_name: str) -> Stage:
    def run(line: str, labels: Labels, base: Mapping[str, str]) -> str:
        pairs, error = extract(line)
        for name, value in pairs:
            # A parsed label never shadows a stream label: Loki renames it "<name>_extracted".
            labels[f"{name}_extracted" if name in base else name] = value
        if error is not None:
            set_error(labels, error_name, error)
        return line

    return run


def set_error(labels: Labels, name: str, details: str) -> None:
    """Record a pipeline error on ``labels``; the first error wins, as in Loki."""
    if ERROR_LABEL not in labels:
        labels[ERROR_LABEL] = name
        labels[ERROR_DETAILS_LABEL] = details


def _label_test(predicate: nodes.LabelPredicate) -> LabelTest:
    if isinstance(predicate, nodes.AndFilter):
        left, right = _label_test(predicate.left), _label_test(predicate.right)
        return lambda labels: left(labels) and right(labels)
    if isinstance(predicate, nodes.OrFilter):
        left, right = _label_test(predicate.left), _label_test(predicate.right)
        return lambda labels: left(labels) or right(labels)
    if isinstance(predicate, nodes.Matcher):
        name, matches = predicate.name, compile_matcher(predicate)
        return lambda labels: matches(labels.get(name, ""))
    return _numeric_test(predicate)


def _numeric_test(predicate: nodes.NumericFilter) -> LabelTest:
    name, want, op = predicate.name, predicate.value, predicate.op
    convert = _CONVERTERS[predicate.kind]
    compare = _COMPARISONS[op]

    def test(labels: Labels) -> bool:
        if ERROR_LABEL in labels:
            return True  # Loki lets errored lines through so a string filter can see them
        if name not in labels:
            return False
        value = convert(labels[name])
        if value is None:
            set_error(labels, _LABEL_FILTER_ERROR, f"cannot convert {labels[name]!r} to a number")
            return True
        return compare(value, want)

    return test


def _to_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _to_seconds(text: str) -> float | None:
    ns = parse_duration_ns(text, go_only=True)
    return None if ns is None else ns / 1e9


_CONVERTERS: dict[str, Callable[[str], float | None]] = {
    "number": _to_float,
    "duration": _to_seconds,
    "bytes": parse_bytes,
}
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _line_format(template: str) -> Stage:
    """Compile the ``{{.name}}`` / ``{{__line__}}`` subset of Go templates; reject the rest."""
    pieces: list[tuple[str, str]] = []  # ("text", s) | ("field", name) | ("line", "")
    pos = 0
    for action in _TEMPLATE_ACTION.finditer(template):
        pieces.append(("text", template[pos : action.start()]))
        body = action.group(1)
        field = _TEMPLATE_FIELD.fullmatch(body)
        if field:
            pieces.append(("field", field.group(1)))
        elif _TEMPLATE_LINE.fullmatch(body):
            pieces.append(("line", ""))
        else:
            raise unsupported(f"line_format template action {{{{{body}}}}}")
        pos = action.end()
    tail = template[pos:]
    if "{{" in tail:
        raise LogQLParseError(f"line_format template: unclosed action in {template!r}")
    pieces.append(("text", tail))

    def render(line: str, labels: Labels, _base: Mapping[str, str]) -> str:
        out = []
        for kind, value in pieces:
            if kind == "text":
                out.append(value)
            elif kind == "field":
                out.append(labels.get(value, _NO_VALUE))
            else:
                out.append(line)
        return "".join(out)

    return render
