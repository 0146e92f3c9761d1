"""OpenCCUS edge reader: the site-PC daemon that turns card taps into uploaded taps.

Data flow: PC/SC reader (pcsc.py) -> card profile read (card.py) -> debounce / revocation
check and a durable SQLite outbox (outbox.py, committed before the user gets a beep) ->
batched idempotent upload (uploader.py).  daemon.py wires the threads; __main__.py is the CLI.
This package never imports ``api``: it speaks to the server only through the HTTP contract.
"""

__version__ = "0.1.0"
