"""The ``kfedgen`` command and ``python -m kfedgen``: a start that Ctrl-C cannot break.

Nothing is imported before the ``try`` that catches ``KeyboardInterrupt``
(``sys`` is built in): the command line's modules take a noticeable part of a
second to import, and a Ctrl-C then must still end with ``kfedgen: aborted``
and exit 130, never a traceback.
"""

import sys

EXIT_ABORTED = 130  # kfedgen.cli.EXIT_ABORTED, which cannot be imported before the try


def main() -> int:
    """Run the command line; Ctrl-C at any moment exits 130 with ``kfedgen: aborted``."""
    try:
        try:
            from kfedgen.cli import main as run_cli  # noqa: PLC0415 - see the module docstring

            return run_cli(restore_interrupts=False)
        finally:
            # On the way out, a second Ctrl-C must not interrupt the exit.
            import signal  # noqa: PLC0415

            signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:
        sys.stderr.write("kfedgen: aborted\n")
        return EXIT_ABORTED


if __name__ == "__main__":
    raise SystemExit(main())
