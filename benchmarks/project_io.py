"""Project file speed and size: save and load a playground network (2-4-2-1, 25 parameters) with a
100,000-step history, for each way of compressing the history's parameters.

    python benchmarks/project_io.py [--steps 100000] [--rounds 3]

Targets: saving and loading each under 1 s. The mode nnstudio uses is marked with "*".
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from unittest import mock

import numpy as np

from nnstudio.engine import Evaluation, TrainingLoop, make_dataset
from nnstudio.io import project as project_module
from nnstudio.io.project import Project, load_project, save_project
from nnstudio.training.problem import ProblemSpec, build_network, make_optimizer_for


def make_project(steps: int) -> Project:
    """A project as training makes it: real parameters after every step of a real run."""
    spec = ProblemSpec(optimizer="adam", learning_rate=0.01)
    net = build_network(spec)
    X, y = make_dataset(spec.dataset, 200, 0.0, 1)
    loop = TrainingLoop(net, X, y, optimizer=make_optimizer_for(spec), loss=spec.resolved_loss, batch_size=10, seed=0)
    params = np.empty((steps, net.n_params))
    for k in range(steps):
        loop.step()
        params[k] = net.flat_parameters()
    opt = loop.optimizer
    evaluations = [Evaluation(s, s // 20, 0.1, 0.2, 0.9, 0.8) for s in range(20, steps + 1, 20)]
    return Project(
        spec, net.flat_parameters(), {"name": "adam", "iterations": opt.iterations, "size": opt._size,
                                      "state": opt.state_arrays()},
        step=steps, epoch=loop.epoch, losses=loop.losses.array().copy(), evaluations=evaluations,
        history={"steps": np.arange(1, steps + 1), "params": params,
                 "losses_len": np.arange(1, steps + 1)},
        meta={"app_version": "0.1.0"},
    )


def best_of(rounds: int, fn) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    t = time.perf_counter()
    project = make_project(args.steps)
    print(f"built a {args.steps:,}-step Adam run of [2,4,2,1] ({project.params.size} params) "
          f"in {time.perf_counter() - t:.1f} s")
    raw = project.history["params"].nbytes
    print(f"history params raw: {raw:,} bytes ({raw / args.steps:.0f} B/step)\n")
    modes = [("all stored", ()), ("history params deflated", ("history.params",))]
    print(f"{'mode':34} {'save s':>7} {'load s':>7} {'file bytes':>12} {'B/step':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.nnstudio")
        for label, compressed in modes:
            with mock.patch.object(project_module, "COMPRESSED", compressed):
                save = best_of(args.rounds, lambda: save_project(path, project))
            load = best_of(args.rounds, lambda: load_project(path))
            size = os.path.getsize(path)
            mark = "*" if compressed == project_module.COMPRESSED else " "
            ok = "ok" if save < 1 and load < 1 else "SLOW"
            print(f"{mark}{label:33} {save:7.3f} {load:7.3f} {size:12,} {size / args.steps:7.1f}  {ok}")
            loaded = load_project(path)
            assert np.array_equal(loaded.history["params"], project.history["params"])


if __name__ == "__main__":
    main()
