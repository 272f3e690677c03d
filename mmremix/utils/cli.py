"""The command-line tools' error handling: the cause of a failure as the last line.

Source: design choice of mmremix.
"""
import sys
import traceback
from typing import Callable


def run_tool(main: Callable[[], None], name: str) -> None:
    """Run a tool's ``main``; on an error print the traceback, then ``name: error: message``.

    The traceback is kept for bug reports; the last line is the one a person reads.

    Args:
        main (callable): The tool's entry point, without arguments.
        name (str): The tool's name in the last line, e.g. ``'train.py'``.

    Raises:
        SystemExit: Status 1 after an exception; ``SystemExit`` and ``KeyboardInterrupt`` from
            ``main`` pass through unchanged.
    """
    try:
        main()
    except Exception as exc:  # every error of a tool ends the same way
        traceback.print_exc()
        message = str(exc).strip() or '(no message)'
        print(f'\n{name}: error: {type(exc).__name__}: {message}', file=sys.stderr, flush=True)
        sys.exit(1)
