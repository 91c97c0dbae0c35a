"""Accelerator plumbing on a CPU machine: a GPU that is not there is one line and exit 2
before anything is written; Ray trainings ask for their GPU share."""

import pytest
import ray
import torch
import yaml

from codesign.cli import main
from codesign.engine.execution import RayExecutor
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import load_network_study
from codesign.problem.space import SearchSpace
from trainer.device import AcceleratorUnavailable

no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")


def _tiny_model(root, output_dir):
    return {"data": {"dataset": "fashion_mnist", "root": str(root), "download": False},
            "model": {"kind": "mlp", "hidden": [16]}, "optim": {"epochs": 1},
            "output_dir": str(output_dir)}


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err
    return err


@no_gpu
@pytest.mark.parametrize(("flags", "extra", "expected"), [
    (["--accelerator", "gpu"], {}, "accelerator gpu: no CUDA GPU"),
    ([], {"accelerator": "gpu"}, "accelerator gpu: no CUDA GPU"),
    (["--precision", "16-mixed"], {"accelerator": "auto"}, "16-mixed needs accelerator gpu"),
])
def test_train_on_a_missing_gpu_is_one_line(tmp_path, tiny_fmnist_dir, capsys, flags, extra,
                                            expected):
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump({**_tiny_model(tiny_fmnist_dir, tmp_path / "runs"), **extra}))
    assert main(["train", str(path), *flags]) == 2
    err = _one_line(capsys)
    assert expected in err and str(path) in err
    assert not (tmp_path / "runs").exists()


def test_half_precision_on_the_cpu_is_a_schema_error(tiny_space, write_space, capsys):
    path = write_space(tiny_space(execution={"accelerator": "cpu", "precision": "16-mixed"}))
    assert main(["search", str(path)]) == 2
    assert "execution: precision 16-mixed needs accelerator gpu" in _one_line(capsys)


@no_gpu
@pytest.mark.parametrize(("flags", "execution"), [
    (["--accelerator", "gpu"], {}),
    ([], {"accelerator": "gpu"}),
])
def test_search_on_a_missing_gpu_writes_nothing(tiny_space, write_space, tmp_path, capsys,
                                                flags, execution):
    space = tiny_space(execution=execution)
    assert main(["search", str(write_space(space)), *flags]) == 2
    assert "accelerator gpu: no CUDA GPU" in _one_line(capsys)
    assert not (tmp_path / "runs").exists()  # no study, no checkpoint folder


@pytest.fixture
def ray_with_one_gpu():
    """A local Ray that declares one GPU: Ray schedules by declared resources, so GPU shares
    are checked on a CPU machine (the trainings themselves run on the CPU: `auto`)."""
    ray.init(num_cpus=2, num_gpus=1, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_trainings_ask_for_their_gpu_share(tiny_space, ray_with_one_gpu):
    space = SearchSpace.model_validate(tiny_space(budget={"trials": 2}, execution={
        "mode": "ray", "workers": 2, "accelerator": "auto", "gpus_per_training": 0.5}))
    summary = run_search(space)
    assert summary.networks_trained == 2
    trials = load_network_study(open_storage(space.storage_url), space.name).trials
    # two half-GPU trainings share the one GPU, and Ray says which GPU each was given
    assert [t.user_attrs["gpu_ids"] for t in trials if "gpu_ids" in t.user_attrs] == [["0"]] * 2


def test_ray_cpu_trainings_ask_for_no_gpu(ray_with_one_gpu):
    executor = RayExecutor(2, accelerator="cpu")
    assert executor.gpus_per_training == 0.0
    assert RayExecutor(2, accelerator="gpu", gpus_per_training=1).gpus_per_training == 1


def test_ray_gpu_trainings_need_a_cluster_with_gpus(tmp_path):
    ray.init(num_cpus=1, num_gpus=0, include_dashboard=False, log_to_driver=False)
    try:
        with pytest.raises(AcceleratorUnavailable, match="the Ray cluster has 0 GPUs"):
            RayExecutor(1, accelerator="gpu", gpus_per_training=1)
        assert RayExecutor(1, accelerator="auto").gpus_per_training == 0.0
    finally:
        ray.shutdown()
