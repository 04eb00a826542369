"""The hardware spec catalog: sourced CSV rows under `data/`, validated into a DataFrame.

Public API: `load_catalog()` -> `Catalog` (`.frame`, `.row(id)`, `.resolve(name)`),
`CatalogError` (a `BadInput` whose message is `file:line: field: problem`).
"""

from hardware_db.loader import COLUMNS, NUMERIC_COLUMNS, Catalog, CatalogError, load_catalog

__all__ = ["COLUMNS", "NUMERIC_COLUMNS", "Catalog", "CatalogError", "load_catalog"]
