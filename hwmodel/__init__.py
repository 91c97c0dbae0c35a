"""hwmodel: analytical area / energy / latency model of SC-BNN hardware with STT-MRAM.

Knows nothing of training or search (it never imports `trainer` or `codesign`); networks
arrive as plain layer shapes. Entry points:

    from hwmodel import evaluate, evaluate_batch, load_technology, mlp_workload, Architecture
    report = evaluate(mlp_workload(784, [1024, 1024], 10),
                      Architecture(first_layer_mode="sc", bitstream_length=8),
                      load_technology("stt_mram_28nm"))
"""

from hwmodel.architecture import (
    FIRST_LAYER_MODES,
    MERGE_POINTS,
    SNG_KINDS,
    Architecture,
)
from hwmodel.batch import BatchResult, architectures_to_columns, evaluate_batch
from hwmodel.design import HARDWARE_SECTION, HardwareDesign, design_from_document
from hwmodel.evaluate import evaluate
from hwmodel.paper_check import PaperCheck, paper_check
from hwmodel.report import COMPONENTS, CostReport, Counts, LayerCost
from hwmodel.technology import Technology
from hwmodel.technology_presets import (
    DEFAULT_PRESET,
    TechnologyError,
    available_presets,
    load_technology,
    resolve_technology_path,
)
from hwmodel.workload import (
    LayerShape,
    Workload,
    WorkloadSpec,
    conv_workload,
    mlp_workload,
)

__all__ = [
    "COMPONENTS",
    "DEFAULT_PRESET",
    "FIRST_LAYER_MODES",
    "HARDWARE_SECTION",
    "MERGE_POINTS",
    "SNG_KINDS",
    "Architecture",
    "BatchResult",
    "CostReport",
    "Counts",
    "HardwareDesign",
    "LayerCost",
    "LayerShape",
    "PaperCheck",
    "Technology",
    "TechnologyError",
    "Workload",
    "WorkloadSpec",
    "architectures_to_columns",
    "available_presets",
    "conv_workload",
    "design_from_document",
    "evaluate",
    "evaluate_batch",
    "load_technology",
    "mlp_workload",
    "paper_check",
    "resolve_technology_path",
]
