from django.apps import AppConfig


class RiskassessmentConfig(AppConfig):
    name = "riskassessment"
    verbose_name = "Riskinventering"

    def ready(self) -> None:
        from guidance import plan
        from portal import retention

        from .plan import PART
        from .retention import sweep_inventories

        # gallra deletes the inventories that have passed their period; the portal knows
        # no app's data.
        retention.register(sweep_inventories)
        # load_plan reads the questions from a plan's # riskfrågor.
        plan.register(PART)
