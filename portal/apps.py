from typing import cast

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portalen"

    def ready(self) -> None:
        from django.contrib import admin

        from . import mail, retention
        from .admin import mail_to_do
        from .admin_site import PortalAdminSite
        from .models import User
        from .retention import sweep_mail

        # Mail that could not be sent is on the admin's start page, an invitation is
        # recorded once it has gone, and gallra deletes the outbox's old rows.
        cast(PortalAdminSite, admin.site).add_to_do(mail_to_do)
        mail.when_sent("portal/invitation", User.invitation_sent)
        retention.register(sweep_mail)
