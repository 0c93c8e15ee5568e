"""mmarc: validate, compile and run Clara-style MMARs for federated learning."""

__version__ = "0.1.0"
