from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Utbildning"

    def ready(self) -> None:
        from guidance import plan

        from .plan import PART

        # load_plan reads the modules from a plan's # utbildning, or checks that the kept
        # ones fit the new plan.
        plan.register(PART)
