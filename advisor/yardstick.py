"""Plain yardsticks for energy and CO2 figures, so a number of kilograms means something.

A typical passenger vehicle emits about 4.6 metric tons of CO2 a year (US EPA, "Greenhouse Gas
Emissions from a Typical Passenger Vehicle", EPA-420-F-23-014, June 2023: 22.0 mpg, 11,500
miles a year, 8,887 g CO2 per gallon; the EPA page now rounds a newer estimate to 4.7 t).
"""

from __future__ import annotations

CAR_CO2_KG_PER_YEAR = 4_600.0
CAR_SOURCE = "US EPA: a typical passenger car emits ~4.6 t CO2 a year (EPA-420-F-23-014)"


def car_years(co2_kg: float | None) -> float | None:
    """CO2 as years of driving a typical passenger car."""
    if co2_kg is None or co2_kg != co2_kg:
        return None
    return co2_kg / CAR_CO2_KG_PER_YEAR


def co2_in_words(co2_kg: float | None) -> str:
    """'1,234 kg CO2, like 0.3 years of driving a typical car (US EPA)'."""
    years = car_years(co2_kg)
    if years is None:
        return "CO2 unknown"
    like = f"{years * 12:.1f} months" if years < 1 else f"{years:,.1f} years"
    return f"{co2_kg:,.0f} kg CO2, like {like} of driving a typical car (US EPA: 4.6 t a year)"
