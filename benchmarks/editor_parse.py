"""How long the editor takes to parse long text (issue 9: a 2,000-character fraction froze the UI for 19 s).

Run: python benchmarks/editor_parse.py — times the grammar's match alone (the length cap aside) and parse_value.
"""

from __future__ import annotations

import time

from nnstudio.gui import expressions
from nnstudio.gui.expressions import MAX_LENGTH, parse_value


def best_of(call, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    for n in (100, 500, 1000, 2000, 8000):
        half = n // 2
        failing = "1" * half + "/" + "3" * (n - half - 2) + "x"  # the worst case: a fraction that fails at the end
        t = best_of(lambda s=failing: expressions._OPERAND_RE.fullmatch(s))
        print(f"match of a failing {n:>5}-character fraction: {t * 1e3:8.3f} ms")
    digits = (MAX_LENGTH - 1) // 2
    longest = "1" * digits + "/" + "3" * digits
    print(f"parse_value of the longest fraction taken ({len(longest)} characters): "
          f"{best_of(lambda: parse_value(longest, 0.5)) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
