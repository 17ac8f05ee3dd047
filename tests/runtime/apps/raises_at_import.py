"""A handler module that raises while it is imported."""

raise RuntimeError("the module refuses to load")
