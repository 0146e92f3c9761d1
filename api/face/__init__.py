"""Face check-in: enrolment embeddings, 1:N identification on a site's roster, a liveness risk score.

Importing this package does not load dlib: the models live in the `FacePool` worker processes (engine.py).
"""

from api.face.engine import EngineConfig, Enrolment, FrameAnalysis
from api.face.errors import FaceError
from api.face.liveness import LivenessReport
from api.face.matching import Decision, KnownFaces, decide
from api.face.pool import CheckInResult, FacePool, default_workers

__all__ = [
    "CheckInResult",
    "Decision",
    "EngineConfig",
    "Enrolment",
    "FaceError",
    "FacePool",
    "FrameAnalysis",
    "KnownFaces",
    "LivenessReport",
    "decide",
    "default_workers",
]
