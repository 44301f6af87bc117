"""The private parts of the local MAST-protocol server (`webbscope.devstack.mast_server`).

`_columns` holds the column configurations and field lists (the CAOM one is the real
`Mast.Caom.Cone` configuration astroquery ships in its recorded test data, copied verbatim into
`caom_columnsconfig.json`), `_catalog` builds the observations and products from the demo data
(plus metadata-only observations so searches page), `_query` answers `/api/v0/invoke`,
`_faults` holds the runtime fault rules, `_files` serves ranged downloads and `_app` wires the
routes together.
"""
