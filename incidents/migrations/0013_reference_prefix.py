"""A reference counter per prefix and year: the prefix is now the organisation's
(PORTAL_REFERENCE_PREFIX). Every counter made before this counted references the code wrote
with the one prefix it knew, HHV, so that is theirs."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("incidents", "0012_statistics_counts")]

    operations = [
        migrations.AddField(
            model_name="referencecounter",
            name="prefix",
            field=models.CharField(default="HHV", max_length=6, verbose_name="prefix"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="referencecounter",
            name="year",
            field=models.PositiveIntegerField(verbose_name="år"),
        ),
        migrations.AddConstraint(
            model_name="referencecounter",
            constraint=models.UniqueConstraint(
                fields=("prefix", "year"), name="one_counter_per_prefix_and_year"
            ),
        ),
    ]
