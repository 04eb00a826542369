"""The exceptions that end a probe, in a module of their own so that the runner and the
probes (cpu.py, gpu.py) can both import them without importing each other."""


class ProbeCancelled(Exception):
    """The user cancelled the run; raised inside a probe by `ProbeContext.check()`."""


class ProbeTimeout(Exception):
    """A probe ran past its hard deadline."""
