"""The full-text index of products, which each database builds its own way.

PostgreSQL: a generated tsvector column over ``search_document`` with a GIN index. SQLite: an
external-content FTS5 table with triggers that keep it in step. Other databases: nothing (search
falls back to LIKE). The SQL lives in ``trustmart.catalog.search.backends`` so that the code that
queries the index and the code that creates it cannot drift apart.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    from trustmart.catalog.search.backends import create_index

    create_index(schema_editor.connection)


def drop_index(apps, schema_editor):
    from trustmart.catalog.search.backends import drop_index

    drop_index(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_certificate_pending_productimage_pending"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
