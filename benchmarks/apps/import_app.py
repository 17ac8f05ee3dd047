"""What an app imports before defining its routes: ``from lambent import App``."""

from lambent import App

__all__ = ["App"]
