"""Cost of the per-step parameter history: steps/s with and without recording, in one run, and its memory.

    python benchmarks/history.py [--seconds 0.5] [--rounds 10] [--steps 100000]

The playground network [2,4,2,1] tanh, batch 10, is timed in alternating rounds (history off, on, off, on,
…) as ``benchmarks/engine.py`` does, best round kept; the target is ≥ 85% of the speed without history.
Then ``--steps`` steps are recorded with SGD and with Adam to report bytes per step and total memory.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nnstudio.engine import SGD, Adam, Network, TrainingLoop
from nnstudio.engine.loop import recorded_state_names
from nnstudio.training.history import History

SIZES, ACT, BATCH, N_SAMPLES, TARGET = [2, 4, 2, 1], "tanh", 10, 1000, 0.85


def make_loop(optimizer, history: bool):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N_SAMPLES, SIZES[0]))
    y = np.tanh(X.sum(axis=1))
    net = Network(SIZES, ACT, "linear", seed=0)
    loop = TrainingLoop(net, X, y, optimizer=optimizer, batch_size=BATCH, seed=0, eval_every=10**12)
    if history:
        loop.recorder = History(net.n_params, len(recorded_state_names(optimizer)) * net.n_params)
    return loop


def time_steps(run_chunk, seconds, chunk=100):
    """Steps/s running chunks of `chunk` steps (about what the trainer runs per 6 ms) for `seconds`."""
    run_chunk(50)
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        run_chunk(chunk)
        done += chunk
    return done / elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="time per round per setting")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=100_000, help="steps recorded for the memory figures")
    args = parser.parse_args(argv)
    print(f"numpy {np.__version__}, {SIZES} {ACT}, batch {BATCH}, {args.rounds} rounds × {args.seconds:.1f} s, "
          "best round kept\n")
    header = f"{'optimizer':10s} {'off steps/s':>12s} {'on steps/s':>12s} {'ratio':>7s} {'target':>7s}"
    print(header)
    print("-" * len(header))
    for name, make_opt in (("sgd", lambda: SGD(0.01)), ("adam", lambda: Adam(0.001))):
        off, on = make_loop(make_opt(), False), make_loop(make_opt(), True)
        best_off = best_on = 0.0
        for r in range(args.rounds):  # alternating which goes first, so drifting machine load hits both alike
            for loop in (off, on) if r % 2 == 0 else (on, off):
                speed = time_steps(loop.run, args.seconds)
                if loop is off:
                    best_off = max(best_off, speed)
                else:
                    best_on = max(best_on, speed)
        ratio = best_on / best_off
        verdict = "ok" if ratio >= TARGET else "MISS"
        print(f"{name:10s} {best_off:12,.0f} {best_on:12,.0f} {ratio:6.1%} {TARGET:6.0%}  {verdict}")
    print()
    for name, opt in (("sgd", SGD(0.01)), ("adam", Adam(0.001))):
        loop = make_loop(opt, True)
        h = loop.recorder
        h.record(0, loop.network.flat_parameters())
        for _ in range(args.steps // 1000):
            loop.run(1000)
        loop.run(args.steps % 1000)
        kept = "every step kept" if len(h) == loop.step_count + 1 else "older steps thinned"
        print(f"{name:5s} {loop.step_count:,} steps: {len(h):,} rows ({kept}), {h.bytes_per_step:.0f} B/step, "
              f"{h.nbytes / 1e6:.1f} MB allocated (cap {h.memory_cap_bytes / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
