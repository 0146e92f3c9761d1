"""Cards: issue, personalise, reissue, revoke, the revocation list and tap-time verification."""
