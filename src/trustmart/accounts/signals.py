"""Keeps cached API tokens true to their user: any change to a user drops them."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from .models import User
from .services import api_tokens_forget

# Saves that cannot change whether, or as whom, a token authenticates.
_HARMLESS = frozenset({"last_login"})


@receiver(post_save, sender=User, dispatch_uid="accounts.user_saved_forget_tokens")
def _user_saved(sender: type[User], instance: User, created: bool,
                update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    if created or (update_fields is not None and set(update_fields) <= _HARMLESS):
        return
    api_tokens_forget(user_id=instance.pk)


@receiver(pre_delete, sender=User, dispatch_uid="accounts.user_deleted_forget_tokens")
def _user_deleted(sender: type[User], instance: User, **kwargs: Any) -> None:
    api_tokens_forget(user_id=instance.pk)
