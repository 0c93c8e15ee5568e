"""mmarc runtime: executes compiled plans (installed as ``mmarc.runtime``)."""
