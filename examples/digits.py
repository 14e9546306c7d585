"""Handwritten digits (8×8 images, scikit-learn's load_digits): which pixels matter to a hidden neuron.

    python examples/digits.py          (needs scikit-learn: pip install "nnstudio[digits]")
"""

import numpy as np

from nnstudio.engine import Adam, Network, TrainingLoop, make_dataset, split

X, y = make_dataset("digits", 1797, 0.0, seed=0)
X_train, y_train, X_test, y_test = split(X, y, 0.7, seed=0)
net = Network([64, 32, 10], "relu", "softmax", seed=0)
loop = TrainingLoop(net, X_train, y_train, X_test, y_test, optimizer=Adam(0.003), batch_size=32, seed=0)
for _ in range(20):
    loop.run_epoch()
acc = loop.evaluate().test_accuracy
print(f"test accuracy {acc:.1%}")
assert acc > 0.9

# The 64 weights into hidden neuron 0, as an 8×8 picture: + strongly positive, - strongly negative.
w = net.get_weights()[0][:, 0].reshape(8, 8)
s = np.abs(w).max()
for row in w:
    print(" ".join("+" if v > s / 3 else "-" if v < -s / 3 else "." for v in row))
