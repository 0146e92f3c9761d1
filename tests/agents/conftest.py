# The app of these tests sends mail to a local SMTP server (the fixtures of tests/api/test_mail_recovery.py).
from tests.api.test_mail_recovery import settings, smtp  # noqa: F401
