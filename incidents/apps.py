from typing import cast

from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Händelserapporter"

    def ready(self) -> None:
        from django.contrib import admin

        from portal import mail, my_pages, retention
        from portal.admin_site import PortalAdminSite

        from .models import Incident
        from .my_pages import reports_with_news
        from .retention import sweep_reports
        from .to_do import reports_to_do

        # The admin's start page shows what waits here, Mina sidor what is new, gallra
        # deletes what has passed its period, and a report whose mail failed is marked; the
        # portal knows no app's work.
        cast(PortalAdminSite, admin.site).add_to_do(reports_to_do)  # PortalAdminConfig's
        my_pages.add_news(reports_with_news)
        retention.register(sweep_reports)
        for kind in ["incidents/officers", "incidents/receipt", "incidents/news"]:
            mail.when_failed(kind, Incident.mail_not_sent)
