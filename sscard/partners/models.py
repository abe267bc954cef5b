from __future__ import annotations

from django.db import models


class Bank(models.Model):
    """A co-operating bank: opens the financial application and produces cards."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=100)
    webhook_url = models.URLField(blank=True)
    webhook_secret = models.CharField(max_length=128, blank=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
