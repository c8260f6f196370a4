import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    """The rows already there again, now with their main store and its km, from CustomerSales."""
    from analytics import counts

    totals = apps.get_model("analytics", "CustomerTotals")
    if totals.objects.using(schema_editor.connection.alias).exists():
        counts.rebuild_totals()


def main_store(**null):
    return models.ForeignKey(
        db_constraint=False,
        db_index=False,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to="stores.store",
        **null,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0010_customer_sales_km_home"),
        ("stores", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="customertotals", name="main_store", field=main_store(null=True)
        ),
        migrations.AddField(
            model_name="customertotals", name="main_km", field=models.FloatField(null=True)
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(model_name="customertotals", name="main_store", field=main_store()),
        migrations.AlterField(
            model_name="customertotals", name="main_km", field=models.FloatField()
        ),
    ]
