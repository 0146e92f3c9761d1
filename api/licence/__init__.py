"""Driver's-licence auto-fill for the 簡略型 registration: the card-face photo path (ocr.py)
and the draft built from either path (draft.py).  Endpoints are wired elsewhere."""
