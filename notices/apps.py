from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "Aktuellt"

    def ready(self) -> None:
        from guidance import plan

        from .plan import PART

        # load_plan keeps the notices: the contacts they name must be in a new plan.
        plan.register(PART)
