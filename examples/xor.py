"""XOR needs a hidden layer: a network without one cannot separate it, one hidden layer can.

    python examples/xor.py
"""

from nnstudio.engine import Adam, Network, TrainingLoop, make_dataset, split

X, y = make_dataset("xor", 400, 0.0, seed=1)
X_train, y_train, X_test, y_test = split(X, y, 0.5, seed=1)

for sizes in ([2, 1], [2, 8, 1]):
    net = Network(sizes, "tanh", "sigmoid", seed=0)
    loop = TrainingLoop(net, X_train, y_train, X_test, y_test, optimizer=Adam(0.03), batch_size=10, seed=0)
    for _ in range(100):
        loop.run_epoch()
    acc = loop.evaluate().test_accuracy
    print(f"{sizes}: test accuracy {acc:.0%}")
    if len(sizes) == 2:
        assert acc < 0.8, "a single neuron draws one straight line; xor needs two"
    else:
        assert acc > 0.95
