"""ItemSales gained the rows of kind "all" (every item of a store's orders per period): a
database whose rollups are built rebuilds them, so they hold those rows too."""

from django.db import migrations


def rebuild_if_built(apps, schema_editor):
    RollupState = apps.get_model("analytics", "RollupState")
    if RollupState.objects.filter(pk=1, built=True).exists():
        from analytics import rollups

        rollups.rebuild((rollups.ITEM,))


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_customer_rollup")]

    operations = [migrations.RunPython(rebuild_if_built, migrations.RunPython.noop)]
