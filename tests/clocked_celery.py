"""`celery` with the test's moved clock: `python -m tests.clocked_celery <ISO instant> <celery arguments>`.

A test that travels in time (time_machine) moves the clock of its own process only; a worker process it starts
would otherwise work on the real clock and disagree with the live server about "now". This starts celery
already travelling to the instant given, with time flowing on from there, as it does in the test.
"""

import sys
from datetime import datetime

import time_machine
from celery.__main__ import main

if __name__ == "__main__":
    start = datetime.fromisoformat(sys.argv.pop(1))
    with time_machine.travel(start, tick=True):
        sys.argv[0] = "celery"
        sys.exit(main())
