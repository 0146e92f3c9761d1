"""Errors of the face engine: a machine code for clients and a sentence for people.

`FaceError` is a plain exception (not an HTTP error) so that it pickles across the process pool unchanged; the routes
map codes to HTTP statuses (everything here is a 422 except `engine_unavailable`, a 503 worth one retry).
"""

from __future__ import annotations

# The codes a client may see. Kiosk and PWA screens key their prompts on these, so they are part of the API.
NO_FACE = "no_face"
SEVERAL_FACES = "several_faces"
FACE_TOO_SMALL = "face_too_small"
NOT_AN_IMAGE = "not_an_image"
TOO_MANY_FRAMES = "too_many_frames"  # also sent for zero frames: "the frame count is outside 1..max"
DIFFERENT_PERSON = "different_person"  # an extra enrolment photo does not match the registration photo
ENGINE_UNAVAILABLE = "engine_unavailable"  # a worker process died; the pool was restarted, retry once
BUSY = "busy"  # more check-ins queued than the pool is allowed to hold

CODES = frozenset(
    {NO_FACE, SEVERAL_FACES, FACE_TOO_SMALL, NOT_AN_IMAGE, TOO_MANY_FRAMES, DIFFERENT_PERSON, ENGINE_UNAVAILABLE, BUSY}
)


class FaceError(Exception):
    def __init__(self, code: str, message: str):
        if code not in CODES:
            raise ValueError(f"unknown face error code {code!r}")
        # Both go to Exception.args so that pickling (worker -> API process) rebuilds the same error.
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
