"""The electronic social security card (DOMAIN.md section 12): issued for a person's collected
card, its short-lived signed codes, their verification online and offline, the signing keys."""
