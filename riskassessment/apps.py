from django.apps import AppConfig


class RiskassessmentConfig(AppConfig):
    name = "riskassessment"
    verbose_name = "Riskinventering"

    def ready(self) -> None:
        from portal import retention

        from .retention import sweep_inventories

        # gallra deletes the inventories that have passed their period; the portal knows
        # no app's data.
        retention.register(sweep_inventories)
