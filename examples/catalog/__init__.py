"""A catalog API in two modules: ``items`` declares a router, ``app`` includes it."""
