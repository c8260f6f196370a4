"""Import the chain's CSV export: `import_dataset(directory)`.

The export is seven files: stores.csv, customers.csv, products.csv, ingredients.csv,
productingredients.csv, orders.csv and orderItems.csv (one row per item; repeats of a
(SKU, orderID) pair make its quantity). Every file is validated before anything is written;
the write is one transaction of upserts, so a second run with the same files changes nothing.
"""

from dataset.importer.errors import ImportFailed, RowError
from dataset.importer.report import ImportReport
from dataset.importer.run import import_dataset

__all__ = ["ImportFailed", "ImportReport", "RowError", "import_dataset"]
