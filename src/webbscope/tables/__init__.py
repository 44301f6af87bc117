"""Tables that are not FITS: ECSV catalogues (the JWST pipeline's `_cat.ecsv` source catalogues),
read with astropy within a size limit and summarised (rows, columns with units and
descriptions, metadata).

Web-free and database-free: plain functions over files.
"""

from webbscope.tables._ecsv import ECSV_SIGNATURE, TableColumn, TableSummary, read_ecsv

__all__ = ["ECSV_SIGNATURE", "TableColumn", "TableSummary", "read_ecsv"]
