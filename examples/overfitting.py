"""Overfitting: few noisy training points and a big network. Train loss keeps falling, test loss turns up.

    python examples/overfitting.py
"""

import numpy as np

from nnstudio.engine import Adam, Network, TrainingLoop, make_dataset, split
from nnstudio.engine.inspect import overfitting_alert

X, y = make_dataset("circle", 500, 0.5, seed=3)
X_train, y_train, X_test, y_test = split(X, y, 0.1, seed=3)  # 50 training points, 450 to test on
net = Network([2, 16, 16, 8, 1], "tanh", "sigmoid", seed=0)
loop = TrainingLoop(net, X_train, y_train, X_test, y_test, optimizer=Adam(0.01), batch_size=10, seed=0)
for _ in range(1000):
    loop.run_epoch()
ev = loop.evaluations
best = min(ev, key=lambda e: e.test_loss)
print(f"best test loss {best.test_loss:.3f} at step {best.step}; at the end {ev[-1].test_loss:.3f}")
print(f"train loss fell from {ev[0].train_loss:.3f} to {ev[-1].train_loss:.4f}")
alert = overfitting_alert(ev, window=len(ev))
print(alert.message if alert else "no overfitting detected")
assert ev[-1].test_loss > best.test_loss and np.isfinite(ev[-1].train_loss)
