"""Stand-alone card emulator process: ``python -m tests.pcsc_stack [options]``.

Inserts one virtual OpenCCUS card into a vpcd reader (connects to pcscd's vpcd port) and
keeps it there until killed — killing this process is pulling the card away.  Prints one
line per APDU received ("APDU <INS hex>") so a test can kill it at a precise moment.

    python -m tests.pcsc_stack --port 35963 --technician 12345678901234 \\
        --serial 0123456789abcdef --master-key-hex 00...1f [--stall-ins 88]
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .openccus import Personalisation, openccus_card, uid_only_card
from .vpcd import DEFAULT_PORT, VirtualCardSlot


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tests.pcsc_stack", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--technician", default="12345678901234")
    p.add_argument("--serial", default="0123456789abcdef", help="16 hex digits")
    p.add_argument("--key-version", type=int, default=1)
    p.add_argument("--master-key-hex", default="00" * 32)
    p.add_argument("--uid", help="emulate a plain UID card instead (hex)")
    p.add_argument("--stall-ins", help="never answer this INS (hex), e.g. 88")
    args = p.parse_args(argv)
    if args.uid:
        card = uid_only_card(bytes.fromhex(args.uid))
    else:
        card = openccus_card(
            Personalisation.issue(
                bytes.fromhex(args.master_key_hex),
                args.technician,
                bytes.fromhex(args.serial),
                key_version=args.key_version,
            )
        )
    stall = int(args.stall_ins, 16) if args.stall_ins else None
    forever = threading.Event()

    def on_apdu(apdu: bytes) -> bool:
        print(f"APDU {apdu[1]:02X}", flush=True)
        if apdu[1] == stall:
            forever.wait()  # hold the reader mid-exchange until we are killed
        return False

    slot = VirtualCardSlot(args.port)
    slot.insert(card, on_apdu=on_apdu)
    print("inserted", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: forever.set())
    try:
        while slot.inserted and not forever.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    slot.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
