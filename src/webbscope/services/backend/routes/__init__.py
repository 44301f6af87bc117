"""Backend routes, one module per resource."""
