"""The seeds' single neuron: y = w·x + b, a [1, 1] linear network, on house-price-like data.

    python examples/single_neuron.py [OUT.nnstudio] [--open]

Sets w = 200 and b = 100 with Keras-style set_weights, checks the predictions (300 for x = 1, 500 for x = 2),
then lets gradient descent fit w and b from a different start, and saves a project the app opens.
"""

import sys
from pathlib import Path

import numpy as np

from nnstudio.engine import SGD, Network, TrainingLoop, make_dataset, split
from nnstudio.io.project import project_from_loop, save_project
from nnstudio.training.problem import ProblemSpec

net = Network([1, 1], output_activation="linear")
net.set_weights([np.array([[200.0]]), np.array([100.0])])
print("predictions for x = 1 and x = 2:", net.predict(np.array([[1.0], [2.0]])).ravel())  # [300. 500.]

# Start from w = 0, b = 0 and let gradient descent find them on noisy data (thousands of square feet → price).
spec = ProblemSpec(dataset="line", features=("x1",), hidden=(), noise=0.1, learning_rate=0.1, batch_size=10)
X, y = make_dataset("line", spec.n_samples, spec.noise, spec.data_seed)
X_train, y_train, X_test, y_test = split(X, y, spec.train_fraction, spec.data_seed)
net = Network([1, 1], output_activation="linear", init="zeros")
loop = TrainingLoop(net, X_train, y_train, X_test, y_test, optimizer=SGD(0.1), loss="mse", batch_size=10, seed=0)
for _ in range(300):
    loop.run_epoch()
(w,), b = net.get_weights()[0][0], net.get_weights()[1]
print(f"learned w = {w:.1f}, b = {b[0]:.1f}  (the data were made with w = 200, b = 100)")
assert abs(w - 200) < 20 and abs(b[0] - 100) < 40

args = [a for a in sys.argv[1:] if a != "--open"]
path = Path(args[0] if args else Path(__file__).with_name("single_neuron.nnstudio"))
save_project(path, project_from_loop(spec, loop))
print("saved", path, "- open it with: nnstudio", path)
if "--open" in sys.argv:
    from nnstudio.gui.app import main

    sys.exit(main([str(path)]))
