"""Device names as people write them resolve to the device they mean (DESIGN.md, `--device`).

Every spelling below was copied from a public page (benchmark tables, MLPerf system
descriptions, driver name lists, forum posts); the page is named above each group. The
expected id is the row a reader of that page would pick, and the count is the one written
into the name ("8x", "* 2"). Spellings whose device the catalog lacks are listed in
NOT_IN_CATALOG and must fail with a clear message, never resolve to a look-alike.
"""

from __future__ import annotations

import pytest

from advisor.errors import BadInput
from hardware_db import load_catalog

XD = "https://github.com/XiongjieDai/GPU-Benchmarks-on-LLM-Inference/blob/00dd2bdeb2404263f22bd6c1cd46ce397e341db5/README.md"
MLPERF_KNOWN = "https://github.com/ykamiset/inference_results_v5.1/blob/HEAD/closed/NVIDIA/code/common/systems/known_hardware.py"

# (spelling, expected id, count written in the name)
SPELLINGS: list[tuple[str, str, int | None]] = [
    # XiongjieDai/GPU-Benchmarks-on-LLM-Inference README (llama.cpp tables, 2023-2024)
    ("4080 16GB", "rtx-4080", None),
    ("RTX 4000 Ada 20GB", "rtx-4000-ada", None),
    ("3090 24GB", "rtx-3090", None),
    ("4090 24GB", "rtx-4090", None),
    ("RTX 5000 Ada 32GB", "rtx-5000-ada", None),
    ("RTX 4000 Ada 20GB * 2", "rtx-4000-ada", 2),
    ("3090 24GB * 2", "rtx-3090", 2),
    ("4090 24GB * 2", "rtx-4090", 2),
    ("RTX A6000 48GB", "rtx-a6000", None),
    ("RTX 6000 Ada 48GB", "rtx-6000-ada", None),
    ("3090 24GB * 3", "rtx-3090", 3),
    ("4090 24GB * 3", "rtx-4090", 3),
    ("RTX 4000 Ada 20GB * 4", "rtx-4000-ada", 4),
    ("A100 80GB", "a100-sxm4-80gb", None),
    ("H100 PCIe 80GB", "h100-pcie-80gb", None),
    ("RTX A6000 48GB * 2", "rtx-a6000", 2),
    ("3090 24GB * 6", "rtx-3090", 6),
    ("4090 24GB * 6", "rtx-4090", 6),
    ("4090 24GB * 8", "rtx-4090", 8),
    ("3090 24GB * 4", "rtx-3090", 4),
    ("M1 Max 24-Core GPU 32GB", "m1-max-24c", None),
    ("M2 Ultra 76-Core GPU 192GB", "m2-ultra", None),
    ("M3 10-Core GPU 16GB", "m3", None),
    ("M3 Max 40-Core GPU 48GB", "m3-max-40c", None),
    ("3070 8GB", "rtx-3070", None),
    ("3080 10GB", "rtx-3080-10gb", None),
    ("3080 Ti 12GB", "rtx-3080-ti", None),
    ("4070 Ti 12GB", "rtx-4070-ti", None),
    ("M1 7\u2011Core GPU 8GB", "m1", None),  # the README writes a non-breaking hyphen
    ("M1 Max 32\u2011Core GPU 64GB", "m1-max", None),
    ("16-inch M1 Max MacBook Pro", "m1-max", None),
    ("M2 Ultra Mac Studio", "m2-ultra", None),
    ("16-inch M3 Max MacBook Pro", "m3-max-40c", None),
    ("13-inch M1 MacBook Air", "m1", None),
    # NVIDIA's MLPerf inference harness, KnownGPU names (known_hardware.py)
    ("B200_SXM_180GB", "b200-hgx", None),
    ("GB200_GraceBlackwell_186GB", "gb200-b200", None),
    ("GH200_GraceHopper_96GB", "gh200-96gb", None),
    ("GH200_GraceHopper_144GB", "gh200-hbm3e", None),
    ("L4", "l4", None),
    ("L40", "l40", None),
    ("L40S", "l40s", None),
    ("H100_SXM_80GB", "h100-sxm5-80gb", None),
    ("H100_PCIe_80GB", "h100-pcie-80gb", None),
    ("H100_NVL", "h100-nvl", None),
    ("H200_SXM_141GB", "h200-sxm-141gb", None),
    ("A100_PCIe_40GB", "a100-pcie-40gb", None),
    ("A100_PCIe_80GB", "a100-pcie-80gb", None),
    ("A100_SXM4_40GB", "a100-sxm4-40gb", None),
    ("A100_SXM_80GB", "a100-sxm4-80gb", None),
    ("GeForceRTX_3080", "rtx-3080-10gb", None),
    ("GeForceRTX_3090", "rtx-3090", None),
    ("A10", "a10", None),
    ("A30", "a30", None),
    ("A2", "a2", None),
    ("T4_16GB", "tesla-t4", None),
    # MLPerf Inference v4.1/v5.0 result pages (accelerator_model_name, system names)
    ("NVIDIA H100 80GB HBM3", "h100-sxm5-80gb", None),
    ("NVIDIA H200-SXM-141GB", "h200-sxm-141gb", None),
    ("NVIDIA H100-PCIe-80GB", "h100-pcie-80gb", None),
    ("NVIDIA H100-SXM-80GB", "h100-sxm5-80gb", None),
    ("8x H100-PCIe-80GB", "h100-pcie-80gb", 8),
    ("8x H100-SXM-80GB", "h100-sxm5-80gb", 8),
    ("A100-PCIe-80GB", "a100-pcie-80gb", None),
    ("1xMI300X", "mi300x", 1),
    ("8xMI300X", "mi300x", 8),
    # Tom's Hardware MLPerf 4.1 table (2024-08) and alpha-one-index inference-benchmarks page
    ("Nvidia B200 180GB HBM3E", "b200-hgx", None),
    ("Nvidia H100 80GB HBM3", "h100-sxm5-80gb", None),
    ("Nvidia H200 141GB HBM3E", "h200-sxm-141gb", None),
    ("B200 SXM (8\u00d7)", "b200-hgx", None),
    ("H200 SXM (8\u00d7)", "h200-sxm-141gb", None),
    ("H100 SXM (8\u00d7)", "h100-sxm5-80gb", None),
    ("A100 SXM (8\u00d7)", "a100-sxm4-80gb", None),
    ("TPU v5e (8\u00d7)", "tpu-v5e", None),
    ("H200 SXM 141GB", "h200-sxm-141gb", None),
    ("H100 SXM 80GB", "h100-sxm5-80gb", None),
    ("A100 SXM 80GB", "a100-sxm4-80gb", None),
    # llama.cpp issues and discussions (Metal inference PR #1642, issue #5619, #34), normiebench #40
    ("Mac Studio with M2 Ultra 76 core 192GB", "m2-ultra", None),
    ("Apple M2 Ultra - 76 cores", "m2-ultra", None),
    ("Macbook Pro M2 MAX", "m2-max", None),
    ("MacBook Air M1", "m1", None),
    ("13900k", "core-i9-13900k", None),
    ("Apple M1 Max GPU (64GB)", "m1-max", None),
    ("Apple M1 Max (10 cores)", "m1-max", None),
    ("M2 Ultra", "m2-ultra", None),
    # issue #14's list, copied from public benchmark pages
    ("NVIDIA B200-SXM-180GB", "b200-hgx", None),
    ("AMD Instinct MI300X 192GB 750W", "mi300x", None),
    ("A100-80G", "a100-sxm4-80gb", None),
    ("A100 (40G)", "a100-sxm4-40gb", None),
    ("H100-80G", "h100-sxm5-80gb", None),
    ("RTX 4090 (Intel 265K host)", "rtx-4090", None),
    ("Apple M1 Max (64GB)", "m1-max", None),
    ("M3 Ultra (Mac Studio 512GB)", "m3-ultra", None),
    ("8x A100 80GB", "a100-sxm4-80gb", 8),
    ("RTX 4090 x 2", "rtx-4090", 2),
    ("A100", "a100-sxm4-80gb", None),
    ("H100", "h100-sxm5-80gb", None),
    ("B200", "b200-hgx", None),
    ("M2 Ultra 76-core", "m2-ultra", None),
    # NVML device names (NVIDIA open-gpu-kernel-modules README list; nvidia-smi output)
    ("NVIDIA GeForce RTX 4090", "rtx-4090", None),
    ("NVIDIA GeForce RTX 3090 Ti", "rtx-3090-ti", None),
    ("NVIDIA RTX A6000", "rtx-a6000", None),
    ("NVIDIA A100-SXM4-80GB", "a100-sxm4-80gb", None),
    ("NVIDIA A100-SXM4-40GB", "a100-sxm4-40gb", None),
    ("NVIDIA A100 80GB PCIe", "a100-pcie-80gb", None),
    ("NVIDIA H100 PCIe", "h100-pcie-80gb", None),
    ("NVIDIA H100 NVL", "h100-nvl", None),
    ("NVIDIA L40S", "l40s", None),
    ("NVIDIA RTX 6000 Ada Generation", "rtx-6000-ada", None),
    ("Tesla V100-SXM2-32GB", "tesla-v100-sxm2-32gb", None),
    ("Tesla V100-PCIE-16GB", "tesla-v100-pcie-16gb", None),
    ("Tesla T4", "tesla-t4", None),
    ("Tesla P100-PCIE-16GB", "tesla-p100-pcie-16gb", None),
    ("NVIDIA GeForce RTX 4060 Ti", "rtx-4060-ti-16gb", None),
    ("NVIDIA GeForce RTX 3060", "rtx-3060-12gb", None),
    ("AMD Radeon RX 7900 XTX", "rx-7900-xtx", None),
    ("Intel(R) Arc(TM) A770 Graphics", "arc-a770-16gb", None),
    ("AMD EPYC 9654 96-Core Processor", "epyc-9654", None),
    ("Intel(R) Xeon(R) Platinum 8480+", "xeon-8480p", None),
    ("13th Gen Intel(R) Core(TM) i9-13900K", "core-i9-13900k", None),
    # devices added for issue #14, as the pages they were read from write them
    ("HGX H20", "h20", None),  # TweakTown / smbom, 2024
    ("NVIDIA H800", "h800-sxm", None),  # aiwiki
    ("L20 PCIe", "l20", None),  # ArthurChiao's data-sheet table
    ("A10G", "a10g", None),  # baseten
    ("NVIDIA DGX Spark", "gb10-dgx-spark", None),  # ai-infrastructure.net
    ("GB10 Grace Blackwell", "gb10-dgx-spark", None),  # meterpreter (Hot Chips)
    ("Project DIGITS", "gb10-dgx-spark", None),  # aiwiki
    ("AMD RYZEN AI MAX+ PRO 395 w/Radeon 8060S", "ryzen-ai-max-plus-395", None),  # hothardware (Geekbench listing)
    ("Ryzen AI Max+ 395", "ryzen-ai-max-plus-395", None),  # svethardware
    ("Intel Arc B580", "arc-b580", None),  # comparegpus
    ("Intel Core Ultra 7 258V (Lunar Lake)", "core-ultra-7-258v", None),  # runlocalai
    ("Intel Xeon W9-3495X", "xeon-w9-3495x", None),  # elchapuzas
    ("Raspberry Pi 5", "raspberry-pi-5", None),  # liliputing
    ("Nvidia RTX PRO 5000 Blackwell", "rtx-pro-5000-blackwell", None),  # itdaily list
    ("Nvidia RTX PRO 6000 Blackwell Max-Q Workstation Edition", "rtx-pro-6000-blackwell-maxq", None),  # itdaily list
    ("Nvidia RTX PRO 6000 Blackwell Workstation Edition", "rtx-pro-6000-blackwell", None),  # itdaily list
    ("AMD Instinct MI300X", "mi300x", None),  # gpu.blog
    ("Intel Gaudi 3", "gaudi3", None),  # nextplatform
    # Second shift, rows added for issue #14: spellings as the pages cited in those rows write them
    ("RTX PRO 4000 Blackwell", "rtx-pro-4000-blackwell", None),  # cputronic.com comparison page
    ("NVIDIA RTX PRO 4000 Blackwell SFF", "rtx-pro-4000-blackwell-sff", None),  # hmc-tech.com
    ("R9700 PRO", "radeon-ai-pro-r9700", None),  # huggingface.co/hardware/r9700-pro
    ("AMD Radeon\u2122 AI PRO R9700", "radeon-ai-pro-r9700", None),  # huggingface.co amd/README discussion #3
    ("Xeon W9-3475X", "xeon-w9-3475x", None),  # bitsandchips.it table
    ("Intel Processor N150", "intel-n150", None),  # tech-evaluate.com
    ("Intel Celeron N150", "intel-n150", None),  # miniitxboard.com
    ("AmpereOne", "ampereone-a192", None),  # tweaktown.com
    ("Ampere One", "ampereone-a192", None),  # topcpu.net
    ("EPYC 9755 (Turin)", "epyc-9755", None),  # tomshardware.com table
    ("NVIDIA A800", "a800-sxm4-80gb", None),  # hmc-tech.com
    ("HGX B300", "b300-hgx", None),  # acecloud.ai
    ("Orin AGX 64GB", "jetson-agx-orin-64gb", None),  # gist FCLC (Orin AGX cluster)
    ("4xL4", "l4", 4),  # huggingface.co Space hardware_config.json ("hardware_name": "4xL4")
    ("NVIDIA H20", "h20", None),  # huggingface.co/hardware/h20 (never the H200)
    ("NVIDIA A10", "a10", None),  # baseten.co A10 vs A10G (never the A100)
]

# Spellings from the same pages whose device the catalog does not carry: they must fail
# with a message naming the query, never resolve to a look-alike.
NOT_IN_CATALOG = [
    "Quadro P6000",  # llama.cpp issue #5619
    "V100S-PCIE-32GBx8",  # MLPerf v1.1 LTechKorea system list
    "RTX 3070 Laptop 8GB",  # tests/data/measured_reference.csv (laptop part)
    "M1 and M2 (10 core GPU)",  # two devices in one name (llama.cpp #5619)
    "RTX PRO 4000 Blackwell Mobile",  # cputronic.com (laptop part, 16 GB)
    "RTX PRO 4500 Blackwell",  # hmc-tech.com
    "A800 PCIe 40 GB",  # siliconcat.net (only the 80 GB SXM4 A800 is in the catalog)
    "Jetson AGX Orin 32GB",  # apache/tvm #16231 names both modules; only the 64 GB is in the catalog
]


@pytest.fixture(scope="module")
def cat():
    return load_catalog(user_overlay=False)


def test_the_list_is_long_enough():
    assert len(SPELLINGS) >= 100
    assert len({s for s, _, _ in SPELLINGS}) == len(SPELLINGS)


@pytest.mark.parametrize("spelling, want, count", SPELLINGS, ids=[s for s, _, _ in SPELLINGS])
def test_real_world_spelling_resolves(cat, spelling, want, count):
    found = cat.resolve_name(spelling)
    assert (found.row["id"], found.count) == (want, count)


@pytest.mark.parametrize("spelling", NOT_IN_CATALOG)
def test_devices_the_catalog_lacks_fail_clearly(cat, spelling):
    with pytest.raises(BadInput, match=r"^--device: "):
        cat.resolve_name(spelling)
