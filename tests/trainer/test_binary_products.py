"""8-bit products of +1/-1 matrices (`trainer.binary_products`) give the float product exactly,
a deployed layer uses them only where they are exact, and the probe turns them off where a
kernel is missing or wrong."""

import pytest
import torch

from trainer.binary_products import integer_bits, integer_product, integer_products_exact
from trainer.bit_errors import NestedErrorMaps, weights_read_with
from trainer.layers import BinaryLinear, binarize, deployed_bits

needs_integer_products = pytest.mark.skipif(
    not integer_products_exact(), reason="this CPU's int8 product is not exact: float32 only")


def _signs(*shape: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 2, shape, generator=generator).float().mul_(2).sub_(1)


@needs_integer_products
@pytest.mark.parametrize("fan_in", [1, 7, 256, 1000, 8192])
def test_the_int8_product_is_the_exact_product_at_every_fan_in(fan_in):
    inputs, weights = _signs(37, fan_in, seed=fan_in), _signs(11, fan_in, seed=fan_in + 1)
    inputs[0], weights[0], weights[1] = 1.0, 1.0, -1.0  # sums of +-fan_in: the largest
    exact = inputs.double() @ weights.double().T
    product = integer_product(inputs.to(torch.int8), integer_bits(weights))
    assert product.dtype == torch.int32
    assert torch.equal(product.double(), exact)
    assert product[0, 0] == fan_in and product[0, 1] == -fan_in


@needs_integer_products
@pytest.mark.parametrize("rows, fan_in, fan_out", [(1, 5, 3), (6, 1, 4), (6, 5, 1), (1, 1, 1)])
def test_the_int8_product_is_exact_for_vectors_and_transposed_inputs(rows, fan_in, fan_out):
    """A dimension of one gives a transposed matrix strides the CPU kernel misreads
    (garbage, unless the operands are laid out row-major first)."""
    inputs, weights = _signs(rows, fan_in, seed=1), _signs(fan_out, fan_in, seed=2)
    exact = inputs.double() @ weights.double().T
    for laid_out in (inputs, inputs.T.contiguous().T):
        product = integer_product(laid_out.to(torch.int8), integer_bits(weights))
        assert torch.equal(product.double(), exact)


@needs_integer_products
def test_a_deployed_layer_fed_signs_multiplies_in_int8_with_and_without_errors():
    torch.manual_seed(0)
    layer, first = BinaryLinear(300, 40), BinaryLinear(300, 40, binary_input=False)
    inputs = binarize(torch.randn(64, 300))
    maps = NestedErrorMaps(layer, 2, seed=3)
    expected = [layer(inputs)]
    with weights_read_with(layer, maps.at(1, 0.2)):
        expected.append(layer(inputs))
    with torch.no_grad(), deployed_bits(layer), deployed_bits(first):
        assert layer.integer_bits is not None and layer.integer_bits.dtype == torch.int8
        assert first.integer_bits is None  # multi-bit inputs: float32
        assert torch.equal(layer(inputs), expected[0])
        with weights_read_with(layer, maps.at(1, 0.2)):
            assert torch.equal(layer(inputs), expected[1])
    assert layer.integer_bits is None


def test_off_the_cpu_or_where_the_probe_fails_the_product_stays_float(monkeypatch):
    bits = _signs(4, 8, seed=0)
    assert integer_bits(bits.to("meta")) is None
    exact = getattr(torch, "_int_mm", None)

    def saturating(inputs, weights):  # a kernel that clips its sums, as some do
        return exact(inputs, weights).clamp(-1000, 1000)

    for kernel in ((saturating, None) if exact is not None else (None,)):
        integer_products_exact.cache_clear()
        if kernel is None:
            monkeypatch.delattr(torch, "_int_mm", raising=False)
        else:
            monkeypatch.setattr(torch, "_int_mm", kernel)
        assert not integer_products_exact()
        assert integer_bits(bits) is None
        layer = BinaryLinear(8, 4)
        with deployed_bits(layer):
            assert layer.integer_bits is None
    monkeypatch.undo()
    integer_products_exact.cache_clear()  # the next test probes the real kernel again
