"""The compliance beat schedules (editable in the admin afterwards)."""

from django.db import migrations

# (name, task, every, period)
SCHEDULES = (
    ("compliance: import sanctions lists from the folder", "compliance.tasks.import_sanctions_folder", 1, "hours"),
    ("compliance: rescreen parties against the list in force", "compliance.tasks.rescreen_parties", 1, "hours"),
    ("compliance: expire KYC approvals at their review date", "compliance.tasks.expire_cases", 1, "days"),
    ("compliance: purge personal data past its retention", "compliance.tasks.purge_personal_data", 1, "days"),
)


def install(apps, schema_editor):
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period in SCHEDULES:
        interval, _ = interval_model.objects.get_or_create(every=every, period=period)
        task_model.objects.update_or_create(
            name=name, defaults={"task": task, "interval": interval, "queue": "default", "enabled": True}
        )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[name for name, *_ in SCHEDULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(install, remove)]
