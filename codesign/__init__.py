"""codesign: hardware/software co-design of stochastic-computing binarized neural networks.

The application layer. It composes `trainer` (the SC-BNN training library) and `hwmodel`
(the analytical hardware cost model), which never import each other.
"""

__version__ = "0.1.0"
