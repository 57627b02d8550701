from django.apps import AppConfig


class RiskassessmentConfig(AppConfig):
    name = "riskassessment"
    verbose_name = "Riskinventering"
