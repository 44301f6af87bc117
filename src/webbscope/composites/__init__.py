"""Composites as products: canonical recipes (their id is their hash) and plans (a recipe and
its input images resolved into what `webbscope.imaging.render_composite` needs). Web-free."""
