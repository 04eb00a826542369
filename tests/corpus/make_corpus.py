"""Write the bad-input corpus files (run once; the files are committed).

    python tests/corpus/make_corpus.py

Each folder's EXPECTED.toml pins the exact one-line message for every file; it is kept by
hand (reviewed), not regenerated. Files are deterministic: binary garbage comes from a seeded
generator.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
rng = random.Random(20240601)
GARBAGE = bytes(rng.randrange(256) for _ in range(2048))

VALID_TOML = """name = "Serve a 7B chat model"

[model]
params_b = 6.74
layers = 32
hidden = 4096
heads = 32

[inference]
precision = "q4_0"
requests_per_day = 1e7
prompt_tokens = 512
output_tokens = 128
"""


def inf_toml(**fields) -> str:
    body = "\n".join(f"{k} = {v}" for k, v in fields.items())
    return f'[model]\nparams_b = 7\n\n[inference]\nprecision = "fp16"\nrequests_per_day = 1000\n{body}\n'


WORKLOADS: dict[str, bytes | str] = {
    "empty.toml": b"",
    "whitespace_only.toml": "  \n\t\n   \n",
    "truncated.toml": VALID_TOML[: VALID_TOML.index("q4_0") + 2],
    "truncated.json": json.dumps({"model": {"params_b": 7}, "inference": {"precision": "fp16"}})[:40],
    "binary_garbage.toml": GARBAGE,
    "binary_garbage.json": b"\x89PNG\r\n\x1a\n" + GARBAGE[:512],
    "nul_bytes.toml": "[model]\nparams_b = 7\x00\x00\x00\n",
    "utf16.toml": VALID_TOML.encode("utf-16"),
    "params_as_text.toml": '[model]\nparams_b = "seven"\n[inference]\nprecision = "fp16"\nrequests_per_day = 1\n',
    "bool_as_number.toml": inf_toml(batch_size="true"),
    "fractional_whole.toml": inf_toml(batch_size="1.5"),
    "negative.toml": inf_toml(prompt_tokens="-5"),
    "huge_float.toml": '[model]\nparams_b = 1e308\n[inference]\nprecision = "fp16"\nrequests_per_day = 1\n',
    "huge_int.toml": inf_toml(batch_size="9" * 40),
    "int_over_4300_digits.toml": inf_toml(output_tokens="7" * 5000),
    "int_400_digits.toml": inf_toml(batch_size="9" * 400),
    "int_400_digits_float_field.json": '{"model": {"params_b": ' + "8" * 400 + '}, "inference": {}}',
    "int_over_4300_digits.json": '{"model": {"params_b": ' + "7" * 5000 + "}}",
    "toml_inf.toml": '[model]\nparams_b = inf\n[inference]\nprecision = "fp16"\nrequests_per_day = 1\n',
    "toml_nan.toml": inf_toml(latency_slo_ms="nan"),
    "json_nan.json": '{"model": {"params_b": 7}, "inference": {"precision": "fp16", "requests_per_day": NaN}}',
    "json_overflow.json": '{"model": {"params_b": 7}, "inference": {"precision": "fp16", "requests_per_day": 1e999}}',
    "date_as_number.toml": '[model]\nparams_b = 1979-05-27\n[inference]\nprecision = "fp16"\nrequests_per_day = 1\n',
    "unknown_field.toml": inf_toml(temperature="0.7"),
    "unknown_section.toml": VALID_TOML + "\n[deployment]\nregion = 'eu'\n",
    "unicode_key.toml": '[model]\n"paräms_b" = 7\n[inference]\nprecision = "fp16"\nrequests_per_day = 1\n',
    "unicode_precision.toml": '[model]\nparams_b = 7\n[inference]\nprecision = "ｆｐ１６"\nrequests_per_day = 1\n',
    "emoji_precision.toml": '[model]\nparams_b = 7\n[inference]\nprecision = "🚀"\nrequests_per_day = 1\n',
    "control_char_name.toml": 'name = "bad\\u0007bell"\n' + VALID_TOML.split("\n", 1)[1],
    "multiline_name.toml": 'name = """two\nlines"""\n' + VALID_TOML.split("\n", 1)[1],
    "name_too_long.toml": f'name = "{"x" * 300}"\n' + VALID_TOML.split("\n", 1)[1],
    "name_as_table.toml": "name = { first = 'a' }\n" + VALID_TOML.split("\n", 1)[1],
    "section_as_list.toml": "model = [1, 2, 3]\n[inference]\nprecision = 'fp16'\nrequests_per_day = 1\n",
    "section_as_text.json": '{"model": "big", "inference": {"precision": "fp16", "requests_per_day": 1}}',
    "top_level_list.json": "[1, 2, 3]",
    "top_level_string.json": '"a workload"',
    "top_level_null.json": "null",
    "missing_model.toml": '[inference]\nprecision = "fp16"\nrequests_per_day = 1\n',
    "missing_phase.toml": "[model]\nparams_b = 7\n",
    "missing_required.toml": '[model]\nparams_b = 7\n[inference]\nprecision = "fp16"\n',
    "duplicate_key.toml": "[model]\nparams_b = 7\nparams_b = 8\n",
    "duplicate_table.toml": "[model]\nparams_b = 7\n[model]\nlayers = 2\n",
    "kv_heads_over_heads.toml": ('[model]\nparams_b = 7\nhidden = 4096\nheads = 32\nkv_heads = 64\n'
                                 '[inference]\nprecision = "fp16"\nrequests_per_day = 1\n'),
    "training_fp4_precision.toml": "[model]\nparams_b = 7\n[training]\nprecision = 'int4'\ntokens = 1e9\n",
    "deeply_nested.json": "[" * 100_000 + "]" * 100_000,
    "deeply_nested.toml": "a = " + "[" * 5_000 + "]" * 5_000 + "\n",
    "deeply_nested_tables.json": '{"model": ' + '{"a": ' * 3000 + "1" + "}" * 3000 + "}",
    "yaml_not_toml.toml": "model:\n  params_b: 7\ninference:\n  precision: fp16\n",
    "json_with_toml_suffix.toml": '{"model": {"params_b": 7}}',
    "toml_with_json_suffix.json": VALID_TOML,
    # Files from other people (issue 15): values too small to mean anything, text that is not text.
    "tiny_target_days.toml": "[model]\nparams_b = 7\n[training]\nprecision = 'bf16'\ntokens = 1e9\ntarget_days = 1e-300\n",
    "tiny_target_days_1e-10.toml": "[model]\nparams_b = 7\n[training]\nprecision = 'bf16'\ntokens = 1e9\ntarget_days = 1e-10\n",
    "tiny_target_utilization.toml": inf_toml() + "[economics]\ntarget_utilization = 1e-300\n",
    "tiny_amortization_years.toml": inf_toml() + "[economics]\nmode = 'owned'\namortization_years = 1e-300\n",
    "tiny_requests_per_day.toml": '[model]\nparams_b = 7\n[inference]\nprecision = "fp16"\nrequests_per_day = 1e-300\n',
    "del_in_name.toml": 'name = "a\\u007fb"\n' + VALID_TOML.split("\n", 1)[1],
    "c1_control_in_name.toml": 'name = "a\\u009bb"\n' + VALID_TOML.split("\n", 1)[1],
    "bidi_override_name.toml": 'name = "abc\\u202egnp.exe"\n' + VALID_TOML.split("\n", 1)[1],
    "escape_sequence_name.toml": 'name = "\\u001b]0;pwned\\u0007"\n' + VALID_TOML.split("\n", 1)[1],
    "lone_surrogate_name.json": '{"name": "x\\ud800y", "model": {"params_b": 7}, '
                                '"inference": {"precision": "fp16", "requests_per_day": 1}}',
}

OVERLAY_HEADER = "id,name,vendor,kind,segment,memory_gb,memory_type,memory_bandwidth_gbps,bf16_tflops,fp32_tflops,tdp_w,source"
NEW_ROW = "my-gpu,My GPU 48GB,Acme,gpu,workstation,48,GDDR6,960,150,40,300,https://example.com/my-gpu"

OVERLAYS: dict[str, bytes | str] = {
    "empty.csv": b"",
    "comments_only.csv": "# my overlay\n# nothing yet\n",
    "binary_garbage.csv": GARBAGE,
    "utf16.csv": (OVERLAY_HEADER + "\n" + NEW_ROW + "\n").encode("utf-16"),
    "no_id_column.csv": "name,memory_gb\nMy GPU,48\n",
    "unknown_column.csv": "id,memory_gib\nh100-sxm5-80gb,80\n",
    "unicode_column.csv": "id,mémoire_gb\nh100-sxm5-80gb,80\n",
    "too_many_cells.csv": "id,memory_gb\nh100-sxm5-80gb,80,81\n",
    "too_few_cells.csv": OVERLAY_HEADER + "\nmy-gpu,My GPU\n",
    "truncated_row.csv": OVERLAY_HEADER + "\n" + NEW_ROW[:30],
    "number_as_text.csv": "id,memory_gb\nh100-sxm5-80gb,eighty\n",
    "number_with_unit.csv": "id,memory_bandwidth_gbps\nh100-sxm5-80gb,3.35 TB/s\n",
    "huge_number.csv": "id,memory_gb\nh100-sxm5-80gb,1e300\n",
    "overflow_inf.csv": "id,tdp_w\nh100-sxm5-80gb,1e999\n",
    "nan.csv": "id,fp32_tflops\nh100-sxm5-80gb,nan\n",
    "negative.csv": "id,tdp_w\nh100-sxm5-80gb,-700\n",
    "new_row_missing_name.csv": "id,vendor,kind,segment,source\nmy-gpu,Acme,gpu,workstation,https://example.com\n",
    "id_uppercase.csv": OVERLAY_HEADER + "\n" + NEW_ROW.replace("my-gpu", "My-GPU", 1) + "\n",
    "id_unicode.csv": OVERLAY_HEADER + "\n" + NEW_ROW.replace("my-gpu", "gpü", 1) + "\n",
    "bad_kind.csv": OVERLAY_HEADER + "\n" + NEW_ROW.replace(",gpu,", ",tpu,") + "\n",
    "source_not_a_page.csv": OVERLAY_HEADER + "\n" + NEW_ROW.replace("https://example.com/my-gpu", "my notes") + "\n",
    "bf16_below_fp32.csv": "id,bf16_tflops\nh100-sxm5-80gb,10\n",
    "bandwidth_unit_slip.csv": "id,memory_bandwidth_gbps\nh100-sxm5-80gb,26800\n",
    "price_month_not_a_month.csv": "id,cloud_usd_per_hour,cloud_price_seen\nrtx-4090,0.7,last year\n",
    "name_steals_another.csv": OVERLAY_HEADER + "\n" + NEW_ROW.replace("My GPU 48GB", "H100 SXM5 80GB") + "\n",
    "field_over_csv_limit.csv": "id,notes\nh100-sxm5-80gb," + "n" * 200_000 + "\n",
    "nul_in_cell.csv": "id,memory_gb\nh100-sxm5-80gb,8\x000\n",
    # Files from other people (issue 15): the last of two rows must not win silently; a
    # handful of rows, not tens of thousands (a report would list every one).
    "duplicate_id.csv": "id,cloud_usd_per_hour,cloud_price_seen\nh100-sxm5-80gb,2.0,2024-06\nh100-sxm5-80gb,0.001,2024-06\n",
    "too_many_rows.csv": "id\n" + "".join(f"gpu-{k}\n" for k in range(1001)),
}

GOOD_REPORT = {"cpu": {"matmul_fp32_gflops": 150.0, "matmul_fp64_gflops": 75.0, "memory_bandwidth_gbps": 20.0},
               "gpus": [], "timestamp": "2024-06-01T12:00:00+00:00", "app_version": "0.1.0",
               "machine": {"hostname": "box", "cpu": {"brand": "Some CPU", "threads": 8}, "memory_gb": 32}}


def report(**changes) -> str:
    data = json.loads(json.dumps(GOOD_REPORT))
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        obj = data
        for p in parents:
            obj = obj[p]
        obj[last] = value
    return json.dumps(data)


IMPORTS: dict[str, bytes | str] = {
    "empty.json": b"",
    "binary_garbage.json": GARBAGE,
    "truncated.json": report()[:60],
    "top_level_list.json": "[1, 2]",
    "no_figures.json": '{"hello": "world"}',
    "cpu_as_number.json": '{"cpu": 5}',
    "figure_as_text.json": report(cpu__matmul_fp32_gflops="fast"),
    "figure_as_bool.json": report(cpu__memory_bandwidth_gbps=True),
    "figure_negative.json": report(cpu__matmul_fp64_gflops=-1),
    "nan_literal.json": report().replace("150.0", "NaN"),
    "infinity_literal.json": report().replace("150.0", "-Infinity"),
    "overflow_1e999.json": report().replace("150.0", "1e999"),
    "int_over_4300_digits.json": report().replace("150.0", "9" * 5000),
    "latency_batch_not_number.json": report(cpu__latency_by_batch={"one": {"latency_ms": 1}}),
    "latency_entry_list.json": report(cpu__latency_by_batch={"1": [1, 2]}),
    "gpus_as_object.json": report(gpus={"0": {}}),
    "gpu_as_text.json": report(gpus=["H100"]),
    "gpu_name_number.json": report(gpus=[{"name": 100}]),
    "gpu_tflops_list.json": report(gpus=[{"name": "H100", "matmul_tflops": [1, 2]}]),
    "machine_as_list.json": report(machine=[1]),
    "cpu_catalog_id_list.json": report(cpu__catalog_id=["epyc-9654"]),
    "gpu_catalog_id_object.json": report(gpus=[{"name": "H100", "catalog_id": {"id": "h100-sxm5-80gb"}}]),
    "machine_hostname_list.json": report(machine__hostname=["a", "b"]),
    "machine_cpu_text.json": report(machine__cpu="Intel"),
    "machine_gpus_number.json": report(machine__gpus=2),
    "machine_memory_overflow.json": report().replace('"memory_gb": 32', '"memory_gb": 1e400'),
    "timestamp_not_iso.json": report(timestamp="yesterday"),
    "timestamp_number.json": report(timestamp=1717243200),
    "unicode_timestamp.json": report(timestamp="２０２４-06-01"),
    "deeply_nested.json": '{"cpu": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "utf16.json": report().encode("utf-16"),
    "csv_not_json.json": "device,gflops\ncpu,150\n",
    "newline_in_batch_key.json": report(cpu__latency_by_batch={"1\n2": {"latency_ms": 1}}),
}

# QSettings INI files. Some are harmless (defaults used, nothing to say): their expectation is "".
SETTINGS: dict[str, bytes | str] = {
    "empty.ini": b"",
    "binary_garbage.ini": GARBAGE,
    "theme_is_a_list.ini": "[General]\ntheme=dark, light\n",
    "price_is_text.ini": "[General]\nelectricity_usd_per_kwh=cheap\n",
    "price_nan.ini": "[General]\nelectricity_usd_per_kwh=nan\n",
    "price_huge.ini": "[General]\nelectricity_usd_per_kwh=1e308\n",
    "geometry_garbage.ini": "[General]\ngeometry=not-a-byte-array\n",
    "unknown_theme.ini": "[General]\ntheme=solarized-neon\n",
    "recent_files_number.ini": "[General]\nrecent_files=42\n",
    "last_workload_missing_file.ini": "[General]\nlast_workload=/nonexistent/folder/workload.toml\n",
    "unicode_values.ini": "[General]\ntheme=\u30c0\u30fc\u30af\nlast_workload=\u00e9\u00e8\u00ea.toml\n",
    "truncated.ini": "[Gener",
    "nested_groups.ini": "".join(f"[{'/'.join(['g'] * k)}]\nx={k}\n" for k in range(1, 200)),
}


def write(folder: str, files: dict[str, bytes | str]) -> None:
    d = HERE / folder
    d.mkdir(exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (d / name).write_bytes(data)


if __name__ == "__main__":
    write("workloads", WORKLOADS)
    write("overlays", OVERLAYS)
    write("imports", IMPORTS)
    write("settings", SETTINGS)
    folder = HERE / "workloads" / "a_folder.toml"
    folder.mkdir(exist_ok=True)
    (folder / ".keep").write_text("a folder named like a workload file\n")
