import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    """The rows already there again, now with the new columns, from CustomerSales."""
    from analytics import counts

    totals = apps.get_model("analytics", "CustomerTotals")
    if totals.objects.using(schema_editor.connection.alias).exists():
        counts.rebuild_totals()


def store(**null):
    return models.ForeignKey(
        db_constraint=False,
        db_index=False,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to="stores.store",
        **null,
    )


FILLED = {  # the columns a row always has, null until filled
    "main_store": store,
    "main_km": models.FloatField,
    "pairs": models.PositiveIntegerField,
    "pair_km": models.FloatField,
    "order_km": models.FloatField,
    "latitude": models.FloatField,
    "longitude": models.FloatField,
    "home_orders": models.PositiveIntegerField,
    "home_revenue": lambda **null: models.DecimalField(max_digits=14, decimal_places=2, **null),
}


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0010_customer_sales_km_home"),
        ("stores", "0001_initial"),
    ]

    operations = [
        *(
            migrations.AddField(model_name="customertotals", name=name, field=field(null=True))
            for name, field in FILLED.items()
        ),
        migrations.AddField(
            model_name="customertotals", name="nearest_store", field=store(null=True)
        ),
        migrations.AddField(
            model_name="customertotals",
            name="nearest_store_km",
            field=models.FloatField(null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        *(
            migrations.AlterField(model_name="customertotals", name=name, field=field())
            for name, field in FILLED.items()
        ),
        migrations.AddIndex(
            model_name="customertotals",
            index=models.Index(
                fields=["place", "grain", "period", "nearest_store_km"],
                name="customer_totals_far",
            ),
        ),
    ]
