from django.apps import AppConfig


class RepairappConfig(AppConfig):
    name = "repairapp"
    verbose_name = "Repairs"
