"""Thousands of random user actions on the real window, its invariants checked after every one (issue 8).

The state machine itself is monkey_machine.py (rules = user actions, driven by monkey_driver.py; invariants
mostly in invariants.py). It runs in a subprocess per screen size so that a segfault is reported, never
the end of the whole test run; a crashing sequence is then shrunk by replaying parts of it.

Budget (environment variables; CI uses the defaults, a long local campaign raises them):
    NNSTUDIO_MONKEY_EXAMPLES  sequences in all, split over the screen sizes (default 120)
    NNSTUDIO_MONKEY_STEPS     actions per sequence (default 40)
    NNSTUDIO_MONKEY_SEED      the seed (default: a new one, printed, so a failure can be replayed)
    NNSTUDIO_MONKEY_TRAINER   one trainer for every screen: sync, thread or process (default: the laptop screen
                              runs the app's own trainer process, the others train synchronously)
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).with_name("monkey_runner.py")
# (screen, trainer): the real app trains in a child process, whose answers arrive later (races); the synchronous
# trainer makes the other runs deterministic and fast.
RUNS = (("1280x720", "process"), ("1366x768", "sync"), ("1600x1000", "sync"))
MAX_REPLAYS = 40


def _env(tmp: Path) -> dict:
    env = dict(os.environ)
    env["HOME"] = str(tmp)  # QStandardPaths' test mode lives under HOME: settings and autosaves stay here
    env["PYTHONFAULTHANDLER"] = "1"
    env.pop("QT_QPA_PLATFORM", None)  # the runner sets its own screen
    return env


def _replay_crashes(actions: list[dict], screen: str, trainer: str, tmp: Path) -> bool:
    path = tmp / "replay.json"
    path.write_text(json.dumps(actions))
    command = [sys.executable, str(RUNNER), "--replay", str(path), "--screen", screen, "--trainer", trainer]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=_env(tmp))
    return done.returncode < 0


def shrink_crash(actions: list[dict], screen: str, trainer: str, tmp: Path) -> list[dict]:
    """The smallest part of a crashing sequence that still crashes (delta debugging, bounded replays)."""
    if not _replay_crashes(actions, screen, trainer, tmp):
        return actions  # not reproducible alone: report the whole sequence
    replays, chunk = 1, max(1, len(actions) // 2)
    while chunk >= 1 and replays < MAX_REPLAYS:
        start, shrunk = 0, False
        while start < len(actions) and replays < MAX_REPLAYS:
            candidate = actions[:start] + actions[start + chunk:]
            replays += 1
            if candidate and _replay_crashes(candidate, screen, trainer, tmp):
                actions, shrunk = candidate, True
            else:
                start += chunk
        if not shrunk:
            chunk //= 2
    return actions


def _last_sequence(log: Path) -> list[dict]:
    records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    last = records[-1]["example"] if records else None
    return [r for r in records if r["example"] == last and "action" in r]


def test_shrinking_keeps_only_what_the_crash_needs(monkeypatch, tmp_path):
    """The delta debugging alone: a crash that needs actions 3 and 7 of 12 is shrunk to exactly those."""
    import test_monkey

    actions = [{"action": "wait", "args": {"ms": k}} for k in range(12)]
    monkeypatch.setattr(test_monkey, "_replay_crashes",
                        lambda acts, *rest: {3, 7} <= {a["args"]["ms"] for a in acts})
    assert [a["args"]["ms"] for a in shrink_crash(actions, "1280x720", "sync", tmp_path)] == [3, 7]


def test_a_segfault_is_caught_reported_and_shrunk(tmp_path):
    """A real SIGSEGV inside the runner (injected: when a 'key' action follows a 'resize') ends only the
    subprocess; its logged sequence is replayed in parts down to the two actions that crash."""
    env = _env(tmp_path)
    env["NNSTUDIO_MONKEY_FAULT"] = "resize,key"
    log = tmp_path / "actions.jsonl"
    done = subprocess.run([sys.executable, str(RUNNER), "--seed", "1", "--examples", "30", "--steps", "30",
                           "--screen", "1280x720", "--log", str(log)], capture_output=True, text=True, timeout=600,
                          env=env)
    assert done.returncode == -11, done.stdout[-2000:]
    os.environ["NNSTUDIO_MONKEY_FAULT"] = "resize,key"  # the replays inherit it, as they would a real crash
    try:
        shrunk = shrink_crash(_last_sequence(log), "1280x720", "sync", tmp_path)
    finally:
        del os.environ["NNSTUDIO_MONKEY_FAULT"]
    assert [a["action"] for a in shrunk] == ["resize", "key"]


@pytest.mark.parametrize(("screen", "trainer"), RUNS)
def test_random_action_sequences_keep_every_invariant(screen, trainer, tmp_path):
    examples = int(os.environ.get("NNSTUDIO_MONKEY_EXAMPLES", "120"))
    steps = int(os.environ.get("NNSTUDIO_MONKEY_STEPS", "40"))
    seed = int(os.environ.get("NNSTUDIO_MONKEY_SEED", random.randrange(2**31)))
    trainer = os.environ.get("NNSTUDIO_MONKEY_TRAINER", trainer)
    share = max(1, round(examples / len(RUNS)))
    log = tmp_path / "actions.jsonl"
    command = [sys.executable, str(RUNNER), "--seed", str(seed), "--examples", str(share), "--steps", str(steps),
               "--screen", screen, "--trainer", trainer, "--log", str(log)]
    print(f"replay: NNSTUDIO_MONKEY_SEED={seed} python {RUNNER.name} {' '.join(command[2:-2])}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, env=_env(tmp_path))
    print(done.stdout[-4000:])
    if done.returncode < 0:
        shrunk = shrink_crash(_last_sequence(log), screen, trainer, tmp_path)
        steps_text = "\n".join(f"  {a['action']}({', '.join(f'{k}={v!r}' for k, v in a['args'].items())})"
                               for a in shrunk)
        pytest.fail(f"the window crashed (signal {-done.returncode}) with seed {seed} on a {screen} screen; "
                    f"the shortest crashing sequence found ({len(shrunk)} actions):\n{steps_text}\n"
                    f"{done.stderr[-3000:]}")
    # The replayable JSON of the shortest failing sequence comes first, whole: the tail below may cut it.
    replay = next((line for line in done.stdout.splitlines() if "pass it to --replay" in line), "")
    assert done.returncode == 0, (f"seed {seed}, screen {screen}, {trainer} trainer:\n{replay}\n"
                                  f"{done.stdout[-12000:]}\n{done.stderr[-4000:]}")
