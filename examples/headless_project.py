"""Train with the engine alone (no window), then save a project the app opens where training stopped.

    python examples/headless_project.py [OUT.nnstudio]
    nnstudio OUT.nnstudio
"""

import sys
from pathlib import Path

from nnstudio.io.project import load_project, project_from_loop, save_project
from nnstudio.training.problem import ProblemSpec, build_loop, build_network, make_data

spec = ProblemSpec(dataset="spiral", features=("x1", "x2", "sin(x1)", "sin(x2)"), hidden=(8, 8),
                   optimizer="adam", learning_rate=0.01)
net = build_network(spec)
loop = build_loop(spec, net, make_data(spec))
for _ in range(200):
    loop.run_epoch()
e = loop.evaluate()
print(f"after {loop.step_count} steps: train loss {e.train_loss:.3f}, test accuracy {e.test_accuracy:.0%}")

path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("spiral.nnstudio"))
save_project(path, project_from_loop(spec, loop))
again = load_project(path)
assert (again.params == net.flat_parameters()).all() and again.step == loop.step_count
print("saved", path, "- open it with: nnstudio", path)
