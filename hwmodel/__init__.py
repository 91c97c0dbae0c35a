"""hwmodel: analytical area / energy / latency model of SC-BNN hardware with STT-MRAM.

Knows nothing of training or search (it never imports `trainer` or `codesign`); networks
arrive as plain layer shapes. Entry points:

    from hwmodel import evaluate, evaluate_batch, load_technology, mlp_workload, Architecture
    report = evaluate(mlp_workload(784, [1024, 1024], 10),
                      Architecture(first_layer_mode="sc", bitstream_length=8),
                      load_technology("stt_mram_28nm"))

The categorical choices are kind families (`hwmodel.kinds`): `Organisation`,
`FirstLayerMode`, `FirstLayerDataflow`, `PopcountCircuit`, `Generator`, `MramCell`,
`ErrorCorrection` and `Schedule`; each kind is one class, and its name is a valid value of the
matching Architecture field. The cost is a sum of hardware components (`hwmodel.costs`): each
`Component` subclass is one entry of the breakdowns. A design's bit-error rates come from the
device model (`hwmodel.device_errors`).
"""

from hwmodel.architecture import (
    CATEGORICAL,
    MERGE_POINTS,
    Architecture,
    architectures_to_columns,
)
from hwmodel.batch import BatchResult, evaluate_batch
from hwmodel.components import NO_GENERATOR, ErrorCorrection, Generator, MramCell, PopcountCircuit
from hwmodel.corners import (
    COST_CORNERS,
    CornerResult,
    corner_technology,
    cost_bands,
    evaluate_corners,
)
from hwmodel.costs import BatchContext, Component, LayerContext, component_label, component_names
from hwmodel.dataflows import FirstLayerDataflow
from hwmodel.design import HARDWARE_SECTION, HardwareDesign, design_from_document
from hwmodel.evaluate import evaluate
from hwmodel.first_layer import FirstLayerMode
from hwmodel.organisations import Organisation
from hwmodel.report import (
    COMPONENTS,
    SHARED,
    TOTALS,
    CostBand,
    CostReport,
    Counts,
    LayerCost,
)
from hwmodel.schedules import Schedule
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
    parse_workload_spec,
)

__all__ = [
    "CATEGORICAL",
    "COMPONENTS",
    "COST_CORNERS",
    "DEFAULT_PRESET",
    "HARDWARE_SECTION",
    "MERGE_POINTS",
    "NO_GENERATOR",
    "SHARED",
    "TOTALS",
    "Architecture",
    "BatchContext",
    "BatchResult",
    "Component",
    "CornerResult",
    "CostBand",
    "CostReport",
    "Counts",
    "ErrorCorrection",
    "FirstLayerDataflow",
    "FirstLayerMode",
    "Generator",
    "HardwareDesign",
    "LayerContext",
    "LayerCost",
    "LayerShape",
    "MramCell",
    "Organisation",
    "PopcountCircuit",
    "Schedule",
    "Technology",
    "TechnologyError",
    "Workload",
    "WorkloadSpec",
    "architectures_to_columns",
    "available_presets",
    "component_label",
    "component_names",
    "conv_workload",
    "corner_technology",
    "cost_bands",
    "design_from_document",
    "evaluate",
    "evaluate_batch",
    "evaluate_corners",
    "load_technology",
    "mlp_workload",
    "parse_workload_spec",
    "resolve_technology_path",
]
