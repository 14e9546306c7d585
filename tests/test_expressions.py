"""The editor's value grammar (pure Python, no Qt)."""

import sys

import pytest

from nnstudio.gui.expressions import EDITOR_HELP, MAX_ABS, parse_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.5", 0.5),
        ("1e-3", 1e-3),
        ("1E3", 1000.0),
        ("-.5", -0.5),
        ("+2", 2.0),
        ("-0.5", -0.5),
        ("+0.5", 0.5),
        ("5.", 5.0),
        ("  3  ", 3.0),
        ("\t-0.25\n", -0.25),
        ("\u22120.5", -0.5),  # the Unicode minus the UI displays
        ("\u22121.5e\u22122", -0.015),
        ("- 0.5", -0.5),
        ("0", 0.0),
        ("1e6", 1e6),
        ("-1e6", -1e6),
        ("-0.7341234", -0.7341234),
        ("=-0.5", -0.5),
        ("= 0.25", 0.25),
    ],
)
def test_absolute_values(text, expected):
    assert parse_value(text, current=7.0) == expected


def test_results_are_python_floats():
    assert type(parse_value("2", 0.0)) is float
    assert type(parse_value("*2", 3)) is float


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1/3", 1 / 3), ("-2/3", -2 / 3), ("\u22122/3", -2 / 3), (" 1 / 4 ", 0.25), ("1e-3/2", 5e-4), ("3/-4", -0.75)],
)
def test_fractions(text, expected):
    assert parse_value(text, current=7.0) == expected


def test_one_third_is_the_nearest_float():
    assert parse_value("1/3", 0.0) == 1 / 3 == 0.3333333333333333


@pytest.mark.parametrize(
    ("text", "current", "expected"),
    [
        ("*2", 0.75, 1.5),
        ("/2", 0.75, 0.375),
        ("*=2", 0.75, 1.5),
        ("/=2", 0.75, 0.375),
        ("\u00d72", 0.75, 1.5),  # ×
        ("\u00f72", 0.75, 0.375),  # ÷
        ("* 2", 0.75, 1.5),
        ("*-1", 0.75, -0.75),
        ("*1/2", 0.75, 0.375),
        ("/1/3", 1.0, 3.0),
        ("+=0.25", 0.5, 0.75),
        ("-=0.25", 0.5, 0.25),
        ("+= 0.25", 0.5, 0.75),
        ("+=-0.25", 0.5, 0.25),
        ("-=\u22120.25", 0.5, 0.75),
        ("*0", -3.0, 0.0),
    ],
)
def test_relative_forms(text, current, expected):
    assert parse_value(text, current) == expected


def test_add_and_subtract_tenths_like_the_issue():
    assert parse_value("+=0.1", 0.5) == 0.5 + 0.1
    assert parse_value("-=0.1", 0.5) == 0.5 - 0.1


def test_signed_numbers_are_absolute_by_default():
    assert parse_value("+0.1", 0.5) == 0.1
    assert parse_value("-0.1", 0.5) == -0.1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+0.1", 0.5 + 0.1),
        ("-0.1", 0.5 - 0.1),
        ("\u22120.1", 0.5 - 0.1),
        ("-1/4", 0.25),
        ("0.1", 0.1),  # unsigned stays absolute
        ("=-0.5", -0.5),  # the way to type an absolute negative value in this mode
        ("*2", 1.0),
        ("+=0.1", 0.5 + 0.1),
    ],
)
def test_signed_is_relative_mode(text, expected):
    assert parse_value(text, 0.5, signed_is_relative=True) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "type a number"),
        ("   ", "type a number"),
        ("abc", "not a number: 'abc'"),
        ("1..2", "not a number: '1..2'"),
        ("2**3", "not a number: '2**3'"),
        ("__import__('os')", "not a number: "),
        ("1_000", "not a number: '1_000'"),
        ("0x10", "not a number: '0x10'"),
        ("1e", "not a number: '1e'"),
        (".", "not a number: '.'"),
        ("*", "not a number: '*'"),
        ("+=", "not a number: '+='"),
        ("1/2/3", "not a number: '1/2/3'"),
        ("(1)", "not a number: '(1)'"),
        ("1 2", "not a number: '1 2'"),
        ("nan", "value must be finite"),
        ("NaN", "value must be finite"),
        ("inf", "value must be finite"),
        ("-inf", "value must be finite"),
        ("Infinity", "value must be finite"),
        ("1e400", "value must be finite"),
        ("-1e400", "value must be finite"),
        ("1e400/1e-400", "value must be finite"),  # the quotient overflows (1e400/1e400 is 1)
        ("*nan", "value must be finite"),
        ("*1e308", "value must be finite"),
        ("1/0", "division by zero"),
        ("1/0.0", "division by zero"),
        ("/0", "division by zero"),
        ("/=0", "division by zero"),
        ("*1/0", "division by zero"),
        ("2e6", "|value| must be at most 1e6"),
        ("-1000001", "|value| must be at most 1e6"),
        ("*1e7", "|value| must be at most 1e6"),
        ("+=1e6", "|value| must be at most 1e6"),
    ],
)
def test_refusals(text, message):
    with pytest.raises(ValueError) as info:
        parse_value(text, current=10.0)
    assert str(info.value).startswith(message)


def test_long_text_is_shortened_in_the_message():
    with pytest.raises(ValueError) as info:
        parse_value("x" * 200, 0.0)
    assert len(str(info.value)) < 50


def test_never_evaluates_code():
    sentinel = "nnstudio_expressions_eval_probe"
    with pytest.raises(ValueError):
        parse_value(f"setattr(__import__('sys'), '{sentinel}', 1)", 0.0)
    assert not hasattr(sys, sentinel)


def test_limit_and_help():
    assert MAX_ABS == 1e6
    for spelling in ("*2", "/2", "+=0.1", "-=0.1", "1/3"):
        assert spelling in EDITOR_HELP
