"""Real PC/SC test stack: pcscd + Debian's vpcd virtual reader + card emulators of our own.

Nothing here mocks pyscard or pcscd.  The pieces:

* ``iso7816``  — command/response APDU parsing and a small ISO 7816-4 card framework
  (a card is a set of applications selected by AID).  A virtual driver's-licence card
  can be added later as another ``Application`` subclass.
* ``vpcd``     — the vpcd wire protocol (what the emulator speaks to pcscd's virtual reader)
  and ``VirtualCardSlot``, which "inserts" a card by connecting and "removes" it by closing.
* ``openccus`` — a virtual card implementing docs/card-profile.md, plus a UID-only card.
* ``pcscd``    — start/stop/restart a pcscd process for a test session.
* ``fixtures`` — pytest fixtures built from the above (import them in a conftest).
"""
