import pytest
import yaml


@pytest.fixture
def tiny_space(tmp_path, tiny_fmnist_dir):
    """A search space over tiny networks on the synthetic Fashion-MNIST stand-in."""

    def make(**overrides) -> dict:
        space = {
            "name": "tiny",
            "data": {"root": str(tiny_fmnist_dir), "download": False, "batch_size": 50},
            "model": {"family": "mlp", "hidden_layers": 1, "widths": [16, 32]},
            "input": {
                "modes": ["sc", "fixed_point"],
                "bitstream_lengths": {"min": 1, "max": 16},
                "sng_kinds": ["ideal", "lfsr"],
                "train_lengths": [4],
            },
            "hardware": {"tiles": [1, 4]},
            "budget": {"trials": 3, "epochs": 2},
            "sampler": {"kind": "random", "seed": 0},
            "output_dir": str(tmp_path / "runs"),
            "storage": f"sqlite:///{tmp_path / 'runs' / 'tiny.db'}",
        }
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(space.get(key), dict):
                space[key] = {**space[key], **value}
            else:
                space[key] = value
        return space

    return make


@pytest.fixture
def write_space(tmp_path):
    def write(space: dict, name: str = "space.yaml"):
        path = tmp_path / name
        path.write_text(yaml.safe_dump(space))
        return path

    return write
