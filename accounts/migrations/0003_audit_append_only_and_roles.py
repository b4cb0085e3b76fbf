"""The audit log becomes append-only on PostgreSQL, and the four role groups are created."""

from typing import Any

from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION accounts_auditevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on accounts_auditevent is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
CREATE TRIGGER accounts_auditevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_refuse_change();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_refuse_change();
"""


def append_only(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def drop_append_only(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY, params=None)


def create_roles(apps: Any, schema_editor: Any) -> None:
    # Permissions are normally created after migrate; create them now so the groups get them.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    from accounts.roles import apply_roles

    apply_roles(apps)


def drop_roles(apps: Any, schema_editor: Any) -> None:
    from accounts.roles import Role

    apps.get_model("auth", "Group").objects.filter(name__in=[role.value for role in Role]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_auditevent"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("arbitrage", "0002_execution_control"),
        ("axes", "0010_accessattemptexpiration"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("token_blacklist", "0013_alter_blacklistedtoken_options_and_more"),
    ]

    operations = [
        migrations.RunPython(append_only, drop_append_only),
        migrations.RunPython(create_roles, drop_roles),
    ]
