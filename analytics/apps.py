from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_save


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"

    def ready(self) -> None:
        # Cache invalidation, not business logic: every ORM write to the sales data moves the
        # data version (analytics.version). Bulk SQL bypasses signals and bumps explicitly.
        from analytics.version import SALES_MODELS, bump_on_m2m_change, bump_on_write

        for label in SALES_MODELS:
            model = apps.get_model(label)
            post_save.connect(
                bump_on_write, sender=model, dispatch_uid=f"data_version_save_{label}"
            )
            post_delete.connect(
                bump_on_write, sender=model, dispatch_uid=f"data_version_delete_{label}"
            )
        recipe = apps.get_model("products.Product").ingredients.through
        m2m_changed.connect(bump_on_m2m_change, sender=recipe, dispatch_uid="data_version_m2m")
