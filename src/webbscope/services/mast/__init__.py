"""The MAST proxy: archive search, product lists and imports."""
