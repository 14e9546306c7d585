"""What the in-place editor accepts: a number, a fraction, or a change to the current value.

Pure Python (no Qt) so the grammar is tested on its own. Never uses ``eval``.

Grammar (whitespace is allowed around every token)::

    text     := [op] operand
    op       := "*" | "/" | "*=" | "/=" | "+=" | "-=" | "="
    operand  := number ["/" number]            # a fraction such as 1/3 or -2/3
    number   := [sign] digits ["." digits] [exponent] | [sign] "." digits [exponent]

``×``, ``÷`` and the Unicode minus ``−`` (as the UI displays values) mean ``*``, ``/`` and ``-``.
"""

from __future__ import annotations

import decimal
import math
import re

__all__ = ["EDITOR_HELP", "MAX_ABS", "MAX_LENGTH", "parse_value"]

#: Largest |value| the editor lets through; beyond it training only diverges.
MAX_ABS = 1e6
#: Longest text the editor parses: a double has 17 significant digits, so longer text is a mistake (a paste).
MAX_LENGTH = 100
# A fraction's parts are divided exactly enough that the quotient rounds to the nearest double, even when a
# part alone overflows or underflows a float (1e400/1e399 is 10); 40 digits are more than a double holds.
_FRACTION = decimal.Context(prec=40, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

#: Syntax decision, in one sentence: a signed number such as ``-0.5`` is the new value itself (negative
#: weights are typed all the time), so adding to or subtracting from the current value is written ``+=0.1`` /
#: ``-=0.1``, while ``*2`` and ``/2`` (also ``*=2``, ``/=2``) scale it.
EDITOR_HELP = (
    "Type a number (0.5, -1e-3, 1/3), or change the value: *2, /2, +=0.1, -=0.1\n"
    "Enter: apply · Esc: cancel · ↑/↓ or wheel: ±0.1 (Shift: ±0.01) · F2: every digit"
)

_TRANSLATE = str.maketrans({"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u00f7": "/"})
# "[0-9]+(?:\.[0-9]*)?" and not "[0-9]+\.?[0-9]*": with the dot optional a run of n digits can be split
# between the two parts in n ways, and a failing match of a fraction tried every split of both numbers,
# O(n³): a 2,000-character fraction took 19 s. Now each character has one reading and matching is linear.
_NUMBER = r"[+-]?\s*(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER_RE = re.compile(_NUMBER, re.ASCII)
_OPERAND_RE = re.compile(rf"(?P<num>{_NUMBER})(?:\s*/\s*(?P<den>{_NUMBER}))?", re.ASCII)
_OP_RE = re.compile(r"(?P<op>[*/+-]=|[*/=])?\s*(?P<rest>.*)", re.ASCII | re.DOTALL)
_NON_FINITE_RE = re.compile(r"[+-]?\s*(?:nan|inf|infinity)", re.ASCII | re.IGNORECASE)


def _short(text: str) -> str:
    return repr(text if len(text) <= 24 else text[:21] + "...")


def _number(token: str) -> float:
    return float("".join(token.split()))  # "- 0.5" → "-0.5"


def _quotient(num: str, den: str) -> float:
    """num / den rounded once, to the nearest double; raises ValueError for a zero or non-finite quotient."""
    try:
        n, d = (decimal.Decimal("".join(t.split())) for t in (num, den))
        if d == 0:
            raise ValueError("division by zero")
        return float(_FRACTION.divide(n, d))
    except (decimal.Overflow, decimal.InvalidOperation):
        raise ValueError("value must be finite") from None


def _operand(text: str, original: str) -> float:
    """A number or a fraction; raises ValueError with a user-facing message."""
    if _NON_FINITE_RE.fullmatch(text):
        raise ValueError("value must be finite")
    match = _OPERAND_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a number: {_short(original)}")
    value = _number(match["num"]) if match["den"] is None else _quotient(match["num"], match["den"])
    if not math.isfinite(value):
        raise ValueError("value must be finite")
    return value


def parse_value(text: str, current: float, *, signed_is_relative: bool = False) -> float:
    """The new value that ``text`` asks for, given the parameter's ``current`` value.

    - ``0.5``, ``1e-3``, ``-.5``, ``+2``, ``−0.5``, ``1/3``, ``-2/3``: that value (absolute).
    - ``*2``, ``/2``, ``*=2``, ``/=2``, ``×2``, ``÷2``: current scaled.
    - ``+=0.1``, ``-=0.1``: current plus / minus 0.1.
    - ``=x``: x, absolute, in either mode.

    A leading sign is part of the number, so ``-0.5`` means −0.5, not "current minus 0.5". Callers that prefer
    the shorthand ``+0.1`` / ``-0.1`` for "current plus / minus 0.1" pass ``signed_is_relative=True``; then an
    absolute negative value is typed ``=-0.5``.

    Raises ``ValueError`` with a short message for the user: empty or over-long text, anything that is not a number
    (no expressions beyond the above, never ``eval``), NaN or infinity (including overflow like ``1e400``),
    division by zero, or a result with |value| > 1e6.
    """
    if len(text) > MAX_LENGTH:  # before any matching: the work below is linear in what is left
        raise ValueError(f"too long: at most {MAX_LENGTH} characters, got {len(text):,}")
    original = text.strip()
    if not original:
        raise ValueError("type a number")
    norm = original.translate(_TRANSLATE)
    match = _OP_RE.fullmatch(norm)
    assert match is not None  # the pattern matches every string
    op, rest = match["op"], match["rest"].strip()
    if op is None and signed_is_relative and norm[0] in "+-":
        op = "+="  # the operand keeps its sign: "-0.1" adds −0.1
    if op is not None and not rest:
        raise ValueError(f"not a number: {_short(original)}")
    operand = _operand(rest, original)
    current = float(current)
    if op is None or op == "=":
        value = operand
    elif op in ("*", "*="):
        value = current * operand
    elif op in ("/", "/="):
        if operand == 0:
            raise ValueError("division by zero")
        value = current / operand
    elif op == "+=":
        value = current + operand
    else:  # "-="
        value = current - operand
    if not math.isfinite(value):
        raise ValueError("value must be finite")
    if abs(value) > MAX_ABS:
        raise ValueError("|value| must be at most 1e6")
    return float(value)
