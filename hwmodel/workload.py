"""Workload: the layer shapes of a binarized network as plain data.

The hardware model needs only shapes (fan-in, outputs, output positions), never weights, so
it builds them from widths or channels itself and never imports `trainer`. The conv layout
follows the project's VGG-style BNN: kxk convolutions with 'same' zero padding and stride 1,
a 2x2 max-pool after every `pool_every` convolutions (an OR of binary values: no cost
modelled), then dense layers.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, PositiveInt, Tag, TypeAdapter, model_validator

from hwmodel.technology import Spec

LayerKind = Literal["dense", "conv"]


class LayerShape(Spec):
    """One binary layer. A dense layer is a conv with a 1x1 kernel at one position."""

    name: str = Field(min_length=1)
    kind: LayerKind = "dense"
    inputs: PositiveInt = Field(description="input features (dense) or input channels (conv)")
    outputs: PositiveInt = Field(description="neurons (dense) or output channels (conv)")
    kernel: PositiveInt = Field(1, description="kernel side k; fan-in = inputs * k * k")
    positions: PositiveInt = Field(1, description="output positions (H_out * W_out)")
    input_positions: PositiveInt | None = Field(
        None, description="input positions (H_in * W_in); defaults to positions"
    )

    @model_validator(mode="after")
    def _dense_is_flat(self) -> LayerShape:
        if self.kind == "dense" and (self.kernel != 1 or self.positions != 1):
            raise ValueError("a dense layer has kernel 1 and positions 1")
        if self.kind == "dense" and self.input_positions not in (None, 1):
            raise ValueError("a dense layer has input_positions 1")
        return self

    @property
    def fan_in(self) -> int:
        return self.inputs * self.kernel * self.kernel

    @property
    def weights(self) -> int:
        return self.fan_in * self.outputs

    @property
    def input_values(self) -> int:
        """Scalar inputs this layer reads (pixels, for the first layer)."""
        return self.inputs * (self.input_positions or self.positions)

    @property
    def output_values(self) -> int:
        return self.outputs * self.positions


def check_layer_names(layers: list[LayerShape]) -> None:
    """Layer names key the per-layer breakdowns, so they must be unique and not 'shared'."""
    names = [layer.name for layer in layers]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"layer names must be unique: {', '.join(duplicates)}")
    if "shared" in names:
        raise ValueError("'shared' is reserved (the report's key for shared hardware)")


class Workload(Spec):
    """A network as an ordered list of layer shapes; layer 1 receives the pixels."""

    name: str = "network"
    layers: list[LayerShape] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_unique(self) -> Workload:
        check_layer_names(self.layers)
        return self

    @property
    def input_values(self) -> int:
        return self.layers[0].input_values

    @property
    def total_weights(self) -> int:
        return sum(layer.weights for layer in self.layers)

    @property
    def num_classes(self) -> int:
        return self.layers[-1].outputs


def mlp_workload(
    input_size: int, hidden: list[int] | tuple[int, ...], num_classes: int, name: str = "mlp"
) -> Workload:
    """Dense BNN input_size-hidden...-num_classes, e.g. 784-1024-1024-10 for Fashion-MNIST."""
    widths = [input_size, *hidden, num_classes]
    layers = [
        LayerShape(name=f"fc{index + 1}", kind="dense", inputs=fan_in, outputs=fan_out)
        for index, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:], strict=True))
    ]
    return Workload(name=name, layers=layers)


def conv_workload(
    input_shape: tuple[int, int, int] | list[int],
    channels: list[int] | tuple[int, ...],
    pool_every: int,
    hidden: list[int] | tuple[int, ...],
    num_classes: int,
    kernel_size: int = 3,
    name: str = "conv",
) -> Workload:
    """VGG-style BNN: same-padded kxk convs, 2x2 pool after every `pool_every`, dense head."""
    in_channels, height, width = input_shape
    layers: list[LayerShape] = []
    for index, out_channels in enumerate(channels):
        positions = height * width
        layers.append(
            LayerShape(
                name=f"conv{index + 1}",
                kind="conv",
                inputs=in_channels,
                outputs=out_channels,
                kernel=kernel_size,
                positions=positions,
                input_positions=positions,
            )
        )
        if pool_every and (index + 1) % pool_every == 0:
            height, width = height // 2, width // 2
        in_channels = out_channels
        if height < 1 or width < 1:
            raise ValueError(f"input_shape {list(input_shape)} pools down to nothing")
    flat = in_channels * height * width
    dense = mlp_workload(flat, list(hidden), num_classes)
    layers += [
        layer.model_copy(update={"name": f"fc{i + 1}"}) for i, layer in enumerate(dense.layers)
    ]
    return Workload(name=name, layers=layers)


# --- YAML specs: how a DESIGN.yaml describes its workload -------------------------------


class MlpWorkloadSpec(Spec):
    kind: Literal["mlp"]
    input_size: PositiveInt
    hidden: list[PositiveInt] = Field(default_factory=list)
    num_classes: PositiveInt

    def build(self) -> Workload:
        return mlp_workload(self.input_size, self.hidden, self.num_classes)


class ConvWorkloadSpec(Spec):
    kind: Literal["conv"]
    input_shape: tuple[PositiveInt, PositiveInt, PositiveInt] = Field(
        description="channels, height, width"
    )
    channels: list[PositiveInt] = Field(min_length=1)
    pool_every: int = Field(2, ge=0, description="0: never pool")
    hidden: list[PositiveInt] = Field(default_factory=list)
    num_classes: PositiveInt
    kernel_size: PositiveInt = 3

    @model_validator(mode="after")
    def _pools_fit(self) -> ConvWorkloadSpec:
        pools = len(self.channels) // self.pool_every if self.pool_every else 0
        if min(self.input_shape[1:]) < 2**pools:
            raise ValueError(f"{pools} 2x2 pools do not fit input_shape {list(self.input_shape)}")
        return self

    def build(self) -> Workload:
        return conv_workload(
            self.input_shape,
            self.channels,
            self.pool_every,
            self.hidden,
            self.num_classes,
            self.kernel_size,
        )


class LayersWorkloadSpec(Spec):
    kind: Literal["layers"] = "layers"
    name: str = "network"
    layers: list[LayerShape] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_unique(self) -> LayersWorkloadSpec:
        check_layer_names(self.layers)
        return self

    def build(self) -> Workload:
        return Workload(name=self.name, layers=self.layers)


def _workload_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("kind", "layers" if "layers" in value else None)
    return getattr(value, "kind", None)


WorkloadSpec = Annotated[
    Annotated[MlpWorkloadSpec, Tag("mlp")]
    | Annotated[ConvWorkloadSpec, Tag("conv")]
    | Annotated[LayersWorkloadSpec, Tag("layers")],
    Discriminator(
        _workload_tag,
        custom_error_type="workload_kind",
        custom_error_message="set kind to mlp or conv, or give explicit layers",
    ),
]

_WORKLOAD_SPECS = TypeAdapter(WorkloadSpec)  # its validator built once, at import


def parse_workload_spec(document: Any) -> MlpWorkloadSpec | ConvWorkloadSpec | LayersWorkloadSpec:
    """A workload document (a mapping, or a spec already) as its spec class. The validator is
    built once: building one costs milliseconds per call, and a signal that lands while
    pydantic-core builds one comes out as a SchemaError rather than the interrupt."""
    return _WORKLOAD_SPECS.validate_python(document)


__all__ = [
    "ConvWorkloadSpec",
    "LayerShape",
    "LayersWorkloadSpec",
    "MlpWorkloadSpec",
    "Workload",
    "WorkloadSpec",
    "conv_workload",
    "mlp_workload",
    "parse_workload_spec",
]
