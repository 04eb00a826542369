"""Plans for rows whose price and power are a whole computer (catalog `system`: Macs, DGX
Spark): no host is bought or powered for them. Expected figures are worked out by hand."""

from __future__ import annotations

import pytest

from advisor.plan import HOST_CLASSES, Option, assumptions, plan_option
from advisor.workload import workload_from_dict
from hardware_db import load_catalog
from tests.advisor.plan_cases import TRAIN_13B, serve_8b

CAT = load_catalog(user_overlay=False)


def _as_card(tmp_path, device_id: str):
    """The same catalog with `device_id` marked as a card that needs a host."""
    f = tmp_path / "overlay.csv"
    f.write_text(f"id,system\n{device_id},false\n")
    return load_catalog(f, user_overlay=False)


@pytest.mark.parametrize("device_id, price", [("m2-ultra-60c", 3_999), ("gb10-dgx-spark", 3_999)])
def test_serving_on_a_whole_computer_buys_no_host(tmp_path, device_id, price):
    w = workload_from_dict(serve_8b(20_000), "test")
    p = plan_option(w, CAT, Option(device_id, 1))
    assert CAT.row(device_id)["system"] is True
    # Each computer is its own host: as many "hosts" as devices, none priced or powered.
    assert p["hosts"] == p["devices_total"] and p["devices_per_host"] == 1
    assert (p["host_price_usd"], p["host_power_w"], p["host_upfront_usd"]) == (0, 0, 0)
    assert p["upfront_usd"] == pytest.approx(p["to_buy"] * price)
    assert not any("host" in line for line in p["why"][:1])
    # The same row as a card: one workstation host ($6,500, 400 W) per 4 devices on top.
    card = plan_option(w, _as_card(tmp_path, device_id), Option(device_id, 1))
    ws = HOST_CLASSES["workstation"]
    assert card["devices_total"] == p["devices_total"]
    hosts = -(-card["devices_total"] // ws.devices)
    assert card["upfront_usd"] - p["upfront_usd"] == pytest.approx(hosts * ws.price_usd)
    # Electricity differs by the host's 400 W around the clock (x PUE), nothing else.
    e = w.economics
    host_kwh_year = hosts * ws.power_w * 365.25 * 24 / 1000 * e.pue
    assert card["electricity_usd_per_year"] - p["electricity_usd_per_year"] == pytest.approx(
        host_kwh_year * e.electricity_usd_per_kwh)


def test_training_on_whole_computers_adds_no_host_upfront():
    d = dict(TRAIN_13B, training=dict(TRAIN_13B["training"], target_days=30))
    w = workload_from_dict(d, "test")
    p = plan_option(w, CAT, Option("gb10-dgx-spark", 2))
    t = p["training"]
    assert t["host_upfront_usd"] == 0
    assert t["upfront_usd"] == pytest.approx(t["to_buy"] * 3_999)


def test_assumptions_say_no_host_is_added():
    from advisor.plan import WHOLE_COMPUTER

    w = workload_from_dict(serve_8b(1_000), "test")
    lines = assumptions(w, WHOLE_COMPUTER)
    assert any("none added" in s and "whole computer" in s for s in lines)
    assert not any("holds 1 GPUs" in s for s in lines)
