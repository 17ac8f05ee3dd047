"""One small app per concept; each module's ``run()`` invokes it on factory-built events."""
