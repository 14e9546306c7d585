"""The spiral: hard from x1, x2 alone for a small network, easy once playground's features are added.

    python examples/spiral_features.py
"""

from nnstudio.engine import FEATURES, Adam, Network, TrainingLoop, feature_transform, make_dataset, split

X, y = make_dataset("spiral", 600, 0.0, seed=2)
X_train, y_train, X_test, y_test = split(X, y, 0.5, seed=2)

for features in (("x1", "x2"), FEATURES):
    F_train, F_test = feature_transform(X_train, features), feature_transform(X_test, features)
    net = Network([len(features), 8, 8, 1], "tanh", "sigmoid", seed=0)
    loop = TrainingLoop(net, F_train, y_train, F_test, y_test, optimizer=Adam(0.01), batch_size=10, seed=0)
    for _ in range(100):
        loop.run_epoch()
    print(f"features {', '.join(features)}: test accuracy {loop.evaluate().test_accuracy:.0%}")
