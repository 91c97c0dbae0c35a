import torch

from trainer.encoding import FixedPointEncoding, StochasticEncoding, ThresholdEncoding
from trainer.layers import BinaryConv2d, BinaryLinear, binarize, clip_latent_weights
from trainer.models import binary_mlp, binary_vgg
from trainer.sng import IdealSNG


def test_sign_is_plus_minus_one_with_zero_mapped_to_plus_one():
    x = torch.tensor([-2.0, -0.1, 0.0, 0.3, 5.0])
    assert binarize(x).tolist() == [-1.0, -1.0, 1.0, 1.0, 1.0]


def test_straight_through_gradient_is_cancelled_where_saturated():
    x = torch.tensor([-1.5, -1.0, -0.2, 0.0, 0.7, 1.0, 1.01], requires_grad=True)
    binarize(x).backward(torch.full_like(x, 3.0))
    assert x.grad.tolist() == [0.0, 3.0, 3.0, 3.0, 3.0, 3.0, 0.0]


def test_binary_linear_uses_signed_weights_and_no_bias():
    layer = BinaryLinear(5, 3)
    x = torch.randn(4, 5)
    assert layer.bias is None
    assert torch.allclose(layer(x), x @ torch.where(layer.weight >= 0, 1.0, -1.0).T)


def test_binary_conv_matches_a_plain_conv_with_signed_weights():
    layer = BinaryConv2d(2, 4)
    x = torch.randn(1, 2, 5, 5)
    signed = torch.where(layer.weight >= 0, 1.0, -1.0)
    assert torch.allclose(layer(x), torch.nn.functional.conv2d(x, signed, padding=1), atol=1e-5)


def test_clipping_keeps_latent_weights_in_unit_interval():
    network = binary_mlp((1, 4, 4), [8], 3)
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.mul_(10)
    clip_latent_weights(network)
    for layer in network.modules():
        if isinstance(layer, (BinaryLinear, BinaryConv2d)):
            assert layer.weight.abs().max() <= 1.0
    assert network.readout.weight.abs().max() > 1.0  # batch norm is not a binary layer


def test_reference_mlp_has_the_expected_shape():
    network = binary_mlp((1, 28, 28), [1024, 1024], 10)
    binary = [m for m in network.modules() if isinstance(m, BinaryLinear)]
    assert [tuple(m.weight.shape) for m in binary] == [(1024, 784), (1024, 1024), (10, 1024)]
    assert network(torch.randn(3, 1, 28, 28)).shape == (3, 10)


def test_vgg_pools_every_second_conv_and_ends_in_class_scores():
    network = binary_vgg((3, 32, 32), [16, 16, 32, 32], 2, [64], 10)
    convs = [m for m in network.modules() if isinstance(m, BinaryConv2d)]
    dense = [m for m in network.modules() if isinstance(m, BinaryLinear)]
    assert len(convs) == 4
    assert dense[0].in_features == 32 * 8 * 8  # two 2x2 pools: 32 -> 8
    assert network(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_fixed_point_input_is_the_mean_of_the_bipolar_stream():
    pixels = torch.arange(256, dtype=torch.uint8).view(1, 256)
    fixed = FixedPointEncoding().encode(pixels)
    stochastic = StochasticEncoding(IdealSNG(), "first_layer")
    sums = stochastic.layer1_sums(pixels.repeat(2000, 1), [32], torch.Generator().manual_seed(0))
    mean = (sums[0] / 32).mean(0, keepdim=True)
    # 64000 bipolar bits per value: standard error <= 1/sqrt(64000) ~ 0.004
    assert torch.all((mean - fixed).abs() < 0.02)
    assert fixed[0, 0] == -1.0 and fixed[0, 255] == 1.0


def test_threshold_encoding_is_one_bit_at_one_half():
    pixels = torch.tensor([[0, 127, 128, 255]], dtype=torch.uint8)
    assert ThresholdEncoding().encode(pixels).tolist() == [[-1.0, -1.0, 1.0, 1.0]]


def test_deployed_bits_are_the_signs_on_entry_and_go_with_the_block():
    from trainer.layers import deployed_bits

    torch.manual_seed(0)
    layer = BinaryLinear(6, 4)
    x = binarize(torch.randn(5, 6))  # a binary layer's +1/-1 inputs
    before = layer(x)
    with deployed_bits(layer):
        assert torch.equal(layer.fixed_bits, binarize(layer.weight))
        with torch.no_grad():
            layer.weight.neg_()  # the latent weights move: the stored bits do not
        assert torch.equal(layer(x), before)
    assert layer.fixed_bits is None and layer.integer_bits is None
    assert torch.equal(layer(x), -before)  # outside, the latent weights' signs again


def test_fixed_point_sums_are_exact_and_the_divisor_turns_them_into_the_mean():
    """The first layer is fed (2p - 255) / 256 and its sums divided by 255 / 256 after it:
    what it sees is 2x - 1, and every first-layer sum is a multiple of 2^-8 (exact in any
    order of addition, and small: float16 holds it)."""
    pixels = torch.arange(256, dtype=torch.uint8).view(1, 256)
    encoding = FixedPointEncoding()
    sums = encoding.layer1_sums(pixels, [1])
    steps = sums / encoding.input_step
    assert torch.equal(steps, steps.round()) and float(sums.abs().max()) <= 1.0
    seen = sums[0] / encoding.divisors([1], sums.device)[0]
    torch.testing.assert_close(seen, encoding.encode(pixels), rtol=0.0, atol=1e-7)
    weights = torch.where(torch.rand(8, 256, generator=torch.Generator().manual_seed(1)) < 0.5,
                          -1.0, 1.0)
    forward, backward = sums[0] @ weights.T, sums[0].flip(-1) @ weights.flip(-1).T
    assert torch.equal(forward, backward)  # the same numbers whichever way it adds
