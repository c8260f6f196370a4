from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save


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
        self._connect_rollups()

    def _connect_rollups(self) -> None:
        # Stored sums kept exact (analytics.rollups): every ORM write to an order or an item
        # refreshes the rows of its store and day. Connected after the version receivers.
        from analytics import rollups

        order, item = apps.get_model("orders.Order"), apps.get_model("orders.OrderItem")
        product = apps.get_model("products.Product")
        pre_save.connect(rollups.remember_order, sender=order, dispatch_uid="rollups_order_pre")
        post_save.connect(rollups.order_written, sender=order, dispatch_uid="rollups_order_save")
        post_delete.connect(rollups.order_written, sender=order, dispatch_uid="rollups_order_del")
        post_save.connect(rollups.item_written, sender=item, dispatch_uid="rollups_item_save")
        post_delete.connect(rollups.item_written, sender=item, dispatch_uid="rollups_item_del")
        pre_save.connect(rollups.remember_product, sender=product, dispatch_uid="rollups_prod_pre")
        post_save.connect(rollups.product_written, sender=product, dispatch_uid="rollups_prod")
        store, customer = apps.get_model("stores.Store"), apps.get_model("customers.Customer")
        for model in (store, customer):  # the pairs' km and home (CustomerSales)
            label = model._meta.label
            pre_save.connect(rollups.remember_place, model, dispatch_uid=f"rollups_pre_{label}")
            post_save.connect(rollups.place_written, model, dispatch_uid=f"rollups_{label}")
        from analytics import counts

        pre_save.connect(counts.remember_store, sender=store, dispatch_uid="counts_store_pre")
        post_save.connect(counts.store_written, sender=store, dispatch_uid="counts_store")
        post_delete.connect(counts.store_written, sender=store, dispatch_uid="counts_store_del")
