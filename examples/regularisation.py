"""L2 regularisation keeps weights small: the same training with and without it.

    python examples/regularisation.py
"""

import numpy as np

from nnstudio.engine import Adam, Network, TrainingLoop, make_dataset, split

X, y = make_dataset("circle", 500, 0.3, seed=4)
X_train, y_train, X_test, y_test = split(X, y, 0.2, seed=4)
norms = {}
for l2 in (0.0, 0.01):
    net = Network([2, 16, 16, 1], "tanh", "sigmoid", seed=0)
    loop = TrainingLoop(net, X_train, y_train, X_test, y_test, optimizer=Adam(0.01), l2=l2, batch_size=10, seed=0)
    for _ in range(400):
        loop.run_epoch()
    W = net.get_weights()[0::2]
    norms[l2] = float(np.sqrt(sum((w**2).sum() for w in W)))
    e = loop.evaluate()
    print(f"L2 = {l2:<5}: weight norm {norms[l2]:6.2f}, train loss {e.train_loss:.3f}, test loss {e.test_loss:.3f}")
assert norms[0.01] < norms[0.0] / 2
