from django.db import migrations, models


def fill(apps, schema_editor):
    """The pairs' km and home on the rows already there, from their customers and stores."""
    from analytics.rollups import set_pair_fields

    rows = apps.get_model("analytics", "CustomerSales").objects.using(schema_editor.connection.alias)
    if rows.exists():
        customers = apps.get_model("customers", "Customer").objects
        stores = apps.get_model("stores", "Store").objects
        set_pair_fields(rows.all(), customers, stores)


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0009_customer_totals"),
        ("customers", "0001_initial"),
        ("stores", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="customersales",
            name="km",
            field=models.FloatField(default=0.0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="customersales",
            name="home",
            field=models.PositiveSmallIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
