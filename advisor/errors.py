"""The two kinds of failure the entry points tell apart.

`BadInput` is the user's to fix (a workload field, a file, a device name): the CLI prints its
message as one line and exits 2; the GUI shows it next to the field. Anything else is ours:
the CLI exits 1 and points at the log.
"""


class BadInput(ValueError):
    """Input the user can fix. The message is one line naming the file/field and the problem.

    Messages quote what was in the file (a key, a cell); a line break or control character
    in it is shown escaped (`\\n`, `\\x1b`), so the message stays one printable line wherever
    it goes (stderr, a GUI message, a status bar).
    """

    def __init__(self, message: object = ""):
        from advisor.terminal import one_line

        super().__init__(one_line(str(message)))


class HardwareUnavailable(RuntimeError):
    """A hardware interface (NVML, a GPU library) is absent or refuses to answer.

    Raised once at the boundary; callers turn it into a warning and carry on CPU-only.
    """
