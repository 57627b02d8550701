from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Händelserapporter"

    def ready(self):
        from django.contrib import admin

        from .to_do import reports_to_do

        # The admin's start page shows what waits here; the portal knows no app's work.
        admin.site.add_to_do(reports_to_do)
