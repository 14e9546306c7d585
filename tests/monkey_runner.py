"""Runs the state machine (monkey_machine.py) in this process, or replays a logged action sequence.

    python tests/monkey_runner.py --seed 12345 --examples 100 --steps 40 --screen 1280x720 --log run.jsonl
    python tests/monkey_runner.py --replay actions.json --screen 1280x720

tests/test_monkey.py starts this as a subprocess, so a segfault ends only the subprocess: the log (written
and flushed before every action) then holds the sequence that crashed, and the test shrinks it by replays.
Exit status: 0 all sequences passed, 1 an invariant or rule failed (hypothesis prints the shrunk steps).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--examples", type=int, default=100, help="action sequences to run")
    p.add_argument("--steps", type=int, default=40, help="actions per sequence")
    p.add_argument("--screen", default="1280x720", help="the offscreen screen's size, WxH")
    p.add_argument("--trainer", default="sync", choices=("sync", "thread", "process"))
    p.add_argument("--log", help="append every action here (JSON lines) before it runs")
    p.add_argument("--replay", help="a JSON list of logged actions to replay on one fresh window")
    p.add_argument("--shrink-seconds", type=float, default=120.0,
                   help="after the first failure, stop shrinking after this long and report the shortest seen")
    args = p.parse_args(argv)
    # A crash is reported by the exit status and faulthandler's traceback; a core file would only fill the disk.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    width, height = (int(v) for v in args.screen.lower().split("x"))

    from monkey_driver import screen_config

    os.environ["QT_QPA_PLATFORM"] = screen_config(width, height, tempfile.mkdtemp(prefix="nnstudio-screen-"))
    from monkey_driver import Harness, replay

    if args.replay:
        from monkey_machine import check_window

        harness = Harness(args.trainer)
        try:
            replay(harness, json.loads(Path(args.replay).read_text()), check=check_window)
        except Exception:
            traceback.print_exc()
            return 1
        finally:
            print("\n".join(harness.take_problems()), flush=True)
        print("replayed without problems")
        return 0

    from hypothesis import HealthCheck, Verbosity, seed, settings
    from hypothesis.stateful import get_state_machine_test

    from monkey_driver import describe
    from monkey_machine import WindowMachine

    WindowMachine.harness = harness = Harness(args.trainer, args.log, shrink_seconds=args.shrink_seconds)
    counts: collections.Counter = collections.Counter()
    seconds: collections.Counter = collections.Counter()
    original_do = harness.do

    def counting_do(action, **kw):
        counts[action] += 1
        t = time.perf_counter()
        try:
            return original_do(action, **kw)
        finally:
            seconds[action] += time.perf_counter() - t

    harness.do = counting_do
    config = settings(max_examples=args.examples, stateful_step_count=args.steps, deadline=None,
                      suppress_health_check=list(HealthCheck), database=None, derandomize=False,
                      verbosity=Verbosity.normal, report_multiple_bugs=False)
    test = seed(args.seed)(get_state_machine_test(WindowMachine, settings=config))
    print(f"state machine: seed {args.seed}, {args.examples} sequences of up to {args.steps} actions, "
          f"screen {width}×{height}, {args.trainer} trainer", flush=True)
    start = time.perf_counter()
    try:
        test()
    except BaseException:
        if not harness.out_of_time:  # hypothesis printed the shrunk steps; the error says what broke
            traceback.print_exc()
        found = harness.shortest_failure()
        if found is None:
            print(f"FAILED after {time.perf_counter() - start:.0f} s; replay with --seed {args.seed}", flush=True)
            return 1
        # Also when hypothesis gave up (a failure that timing makes flaky, as with a trainer process).
        sequence, message = found
        print(f"{'shrinking stopped after ' + format(args.shrink_seconds, 'g') + ' s; ' if harness.out_of_time else ''}"
              "the shortest failing sequence seen "
              f"({len(sequence)} actions; to replay, save this JSON and pass it to --replay: "
              f"{json.dumps(sequence)}):\n{describe(sequence)}\n{message}", flush=True)
        print(f"FAILED after {time.perf_counter() - start:.0f} s; seed {args.seed}", flush=True)
        return 1
    total = sum(counts.values())
    print(f"passed: {harness.example} sequences, {total} actions in {time.perf_counter() - start:.0f} s; "
          "per action: " + ", ".join(f"{k} {v}× {1000 * seconds[k] / v:.0f} ms" for k, v in counts.most_common()),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
