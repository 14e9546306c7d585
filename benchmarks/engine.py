"""Engine speed: mini-batch steps per second, nnstudio vs PyTorch CPU, float64, in one run.

    python benchmarks/engine.py [--seconds 1.0] [--rounds 3]

Each configuration is timed in alternating rounds (nnstudio, torch, nnstudio, torch, …) and the best
round of each is kept, so both see the same machine load. Without torch only nnstudio's column prints.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nnstudio.engine import SGD, Network, TrainingLoop

CONFIGS = [
    # name, sizes, hidden activation, output activation, batch, target ratio
    ("[2,4,2,1] tanh", [2, 4, 2, 1], "tanh", "linear", 10, 10.0),
    ("[2,8,8,8,8,8,8,1] tanh", [2, 8, 8, 8, 8, 8, 8, 1], "tanh", "linear", 10, 10.0),
    ("[64,32,16,10] relu/softmax", [64, 32, 16, 10], "relu", "softmax", 32, 5.0),
    ("[784,128,64,10] relu/softmax", [784, 128, 64, 10], "relu", "softmax", 64, 1.2),
]
N_SAMPLES = 1000


def make_data(sizes, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N_SAMPLES, sizes[0]))
    if sizes[-1] == 1:
        y = np.tanh(X.sum(axis=1))
    else:
        y = rng.integers(0, sizes[-1], N_SAMPLES)
    return X, y


def time_steps(run_chunk, seconds):
    """Best-effort steps/s: run chunks of growing size until `seconds` have passed."""
    run_chunk(50)  # warm-up: workspaces, BLAS threads
    chunk, done, start = 100, 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        run_chunk(chunk)
        done += chunk
    return done / elapsed


def nnstudio_runner(sizes, act, out_act, batch, X, y):
    net = Network(sizes, act, out_act, seed=0)
    loop = TrainingLoop(net, X, y, optimizer=SGD(0.01), batch_size=batch, seed=0, eval_every=10**12)
    return loop.run


def torch_runner(sizes, act, out_act, batch, X, y):
    import torch

    torch.manual_seed(0)
    layers = []
    for k, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(m, n, dtype=torch.float64))
        if k < len(sizes) - 2:
            layers.append(torch.nn.Tanh() if act == "tanh" else torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    if out_act == "softmax":
        loss_fn = torch.nn.CrossEntropyLoss()  # fused log-softmax + NLL on the logits, as nnstudio does
        Y = torch.as_tensor(y, dtype=torch.long)
    else:
        loss_fn = torch.nn.MSELoss()
        Y = torch.as_tensor(y, dtype=torch.float64).reshape(-1, 1)
    Xt = torch.as_tensor(X, dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    state = {"pos": N_SAMPLES, "Xs": None, "Ys": None}

    def run(n):
        for _ in range(n):
            if state["pos"] >= N_SAMPLES:
                order = torch.randperm(N_SAMPLES, generator=gen)
                state["Xs"], state["Ys"], state["pos"] = Xt[order], Y[order], 0
            p = state["pos"]
            xb, yb = state["Xs"][p : p + batch], state["Ys"][p : p + batch]
            state["pos"] = p + batch
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per round per engine")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = None
    print(
        f"numpy {np.__version__}, torch {torch_version or 'not installed'}, float64, SGD, "
        f"{args.rounds} rounds × {args.seconds:.1f} s, best round kept\n"
    )
    header = (
        f"{'configuration':32s} {'batch':>5s} {'nnstudio steps/s':>17s} {'torch steps/s':>14s} "
        f"{'ratio':>7s} {'target':>7s}"
    )
    print(header)
    print("-" * len(header))
    for name, sizes, act, out_act, batch, target in CONFIGS:
        X, y = make_data(sizes)
        ours = nnstudio_runner(sizes, act, out_act, batch, X, y)
        theirs = torch_runner(sizes, act, out_act, batch, X, y) if torch_version else None
        best_ours = best_theirs = 0.0
        for _ in range(args.rounds):
            best_ours = max(best_ours, time_steps(ours, args.seconds))
            if theirs:
                best_theirs = max(best_theirs, time_steps(theirs, args.seconds))
        if theirs:
            ratio = best_ours / best_theirs
            verdict = "ok" if ratio >= target else "MISS"
            print(
                f"{name:32s} {batch:5d} {best_ours:17,.0f} {best_theirs:14,.0f} {ratio:6.1f}× {target:5.1f}× {verdict}"
            )
        else:
            print(f"{name:32s} {batch:5d} {best_ours:17,.0f} {'—':>14s}")


if __name__ == "__main__":
    main()
